"""The French and Spanish catalogs: complete, faithful to their placeholders, and served.

The compiled ``.mo`` files are build output (``make install`` writes them); the page tests
compile any that are missing or older than their ``.po`` so a fresh clone passes as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

import diaspora_hub

TRANSLATIONS = Path(diaspora_hub.__file__).resolve().parent / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("fr", "es")
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
}

# A Python %-style placeholder, named (``%(num)d``, ``%(seconds)02d``) or positional (``%s``).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _entries(catalog: Catalog) -> list[Message]:
    """Every message but the header."""
    return [message for message in catalog if message.id]


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _placeholders(text: str) -> set[str]:
    return {token for token in PLACEHOLDER.findall(text) if token != "%%"}


def _label(message: Message) -> str:
    return repr(_forms(message.id)[0])


# --- the catalogs ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_the_right_plural_rule(language: str) -> None:
    catalog = _read(_po_path(language), language)
    assert str(catalog.locale) == language
    assert catalog.plural_forms == PLURAL_FORMS[language]
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalog = _read(_po_path(language), language)
    problems = []
    for message in _entries(catalog):
        if message.fuzzy:
            problems.append(f"fuzzy: {_label(message)}")
        forms = _forms(message.string)
        if message.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms instead of 2: {_label(message)}")
        if not all(form.strip() for form in forms):
            problems.append(f"untranslated: {_label(message)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalog = _read(_po_path(language), language)
    problems = []
    for message in _entries(catalog):
        expected = set().union(*(_placeholders(text) for text in _forms(message.id)))
        for form in _forms(message.string):
            found = _placeholders(form)
            if found != expected:
                problems.append(
                    f"{_label(message)}: expected {sorted(expected)}, found {sorted(found)}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_covers_the_template(language: str) -> None:
    """``make translations`` keeps each catalog in step with messages.pot."""
    template = {message.id for message in _entries(_read(TEMPLATE))}
    catalog = {message.id for message in _entries(_read(_po_path(language), language))}
    missing = sorted(str(key) for key in template - catalog)
    assert not missing, "not in the catalog yet, run `make translations`:\n" + "\n".join(missing)


def test_placeholder_pattern() -> None:
    assert _placeholders("%(minutes)d min %(seconds)02d s, %(name)s 100%%") == {
        "%(minutes)d",
        "%(seconds)02d",
        "%(name)s",
    }


# --- the app in French and Spanish ----------------------------------------------------------


def _compile_if_stale(language: str) -> None:
    """Write the .mo beside its .po, as ``pybabel compile`` does, when it is missing or old."""
    po = _po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    catalog = _read(po, language)
    partial = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    os.replace(partial, mo)


@pytest.fixture(scope="session")
def compiled_catalogs() -> None:
    for language in LANGUAGES:
        _compile_if_stale(language)


def _page(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("compiled_catalogs")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["Se connecter", "Mot de passe", "Créer un compte", "Espaces thématiques"]),
        ("es", ["Iniciar sesión", "Contraseña", "Crear una cuenta", "Espacios temáticos"]),
    ],
)
def test_login_page_follows_the_browser_language(
    client: FlaskClient, language: str, expected: list[str]
) -> None:
    html = _page(client, "/login", **{"Accept-Language": f"{language},en;q=0.5"})
    assert f'<html lang="{language}">' in html
    for text in expected:
        assert text in html
    for text in ("Keep me logged in on this device", "Create an account", "Issue spaces"):
        assert text not in html


@pytest.mark.usefixtures("compiled_catalogs")
def test_unsupported_browser_language_falls_back_to_english(client: FlaskClient) -> None:
    html = _page(client, "/login", **{"Accept-Language": "de"})
    assert '<html lang="en">' in html
    assert "Keep me logged in on this device" in html


@pytest.mark.usefixtures("compiled_catalogs")
def test_api_errors_follow_the_browser_language(client: FlaskClient, make_user: Any) -> None:
    person = make_user()
    response = client.post(
        "/api/v1/auth/login",
        json={"email": person.email, "password": "not-the-password"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code >= 400
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


@pytest.mark.usefixtures("compiled_catalogs")
def test_a_person_sees_their_own_language_after_logging_in(
    make_user: Any, login: Callable[..., FlaskClient]
) -> None:
    person = make_user(language="es")
    client = login(person)
    # The account's language wins over what the browser asks for.
    html = _page(client, "/account", **{"Accept-Language": "fr"})
    assert '<html lang="es">' in html
    assert "Su configuración" in html
    assert "Cerrar sesión" in html
    assert "Espacios temáticos" in html
    assert "Vos paramètres" not in html
    assert "Your settings" not in html
