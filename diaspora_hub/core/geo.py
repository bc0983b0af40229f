"""ISO 3166 countries and ISO 639-1 languages, named in the reader's language.

The codes and the English names are pycountry's; the names in other languages are the
Unicode CLDR's (through Babel), and pycountry's own translations of the ISO lists fill in
the few codes CLDR does not name.
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Callable
from functools import cache

import pycountry
from babel import Locale
from flask import has_request_context
from flask_babel import get_locale


@cache
def countries() -> dict[str, str]:
    """Alpha-2 code → English short name."""
    return {c.alpha_2: c.name for c in pycountry.countries}


@cache
def languages() -> dict[str, str]:
    """ISO 639-1 code → English name (only languages that have a two-letter code)."""
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


def country_name(code: str) -> str:
    """The country's name in the reader's language; the code itself when it is unknown."""
    return country_names(reader_locale()).get(code, code)


def language_name(code: str) -> str:
    return _language_names(reader_locale()).get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, in the reader's language and alphabetical order."""
    return _sorted_by_name(country_names(reader_locale()))


def language_choices() -> list[tuple[str, str]]:
    return _sorted_by_name(_language_names(reader_locale()))


def reader_locale() -> str:
    """The locale of the request; English outside one (jobs, the command line)."""
    if not has_request_context():
        return "en"
    locale = get_locale()
    return str(locale) if locale is not None else "en"


@cache
def country_names(locale: str) -> dict[str, str]:
    """Alpha-2 code → name in ``locale``."""
    cldr = Locale.parse(locale).territories
    iso = _iso_translation("iso3166-1", locale)
    return {code: cldr.get(code) or iso(name) for code, name in countries().items()}


@cache
def _language_names(locale: str) -> dict[str, str]:
    cldr = Locale.parse(locale).languages
    iso = _iso_translation("iso639-3", locale)
    return {code: cldr.get(code) or iso(name) for code, name in languages().items()}


def _iso_translation(domain: str, locale: str) -> Callable[[str], str]:
    language = Locale.parse(locale).language
    found = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)
    return found.gettext


def _sorted_by_name(names: dict[str, str]) -> list[tuple[str, str]]:
    """Alphabetical as a reader expects it, accents aside: "États-Unis" before "Éthiopie"
    and "Fidji", not after "Zimbabwe"."""
    return sorted(names.items(), key=lambda item: (collation_key(item[1]), item[0]))


def collation_key(name: str) -> str:
    """Sorts names alphabetically whatever their case and accents."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
