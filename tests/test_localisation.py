"""Pages speak the reader's language: countries, languages, time zones, validation messages,
and a language switcher for everyone, visitors included."""

from __future__ import annotations

import re

from diaspora_hub.core import geo, timezones
from tests import factories


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_country_and_language_names_follow_the_reader(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert geo.country_name("SN") == "Sénégal"
        assert geo.language_name("es") == "espagnol"
        names = [name for _code, name in geo.country_choices()]
        assert names.index("États-Unis") < names.index("Éthiopie") < names.index("Fidji")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert geo.country_name("US") == "Estados Unidos"
        assert geo.language_name("fr") == "francés"
    assert geo.country_name("SN") == "Senegal"  # outside a request: English
    assert geo.country_name("XX") == "XX"


def test_an_organisation_page_names_its_countries_in_the_readers_language(client, session):
    factories.organisation(session, slug="asf", country_of_origin="SN", country_of_residence="DE")
    session.commit()
    html = client.get("/organisations/asf", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    assert "Senegal" in html
    assert "Alemania" in html
    assert "Germany" not in html


def test_the_time_zone_picker_is_grouped_leaves_out_aliases_and_is_localised(client):
    html = client.get("/register", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)"', html)
    assert groups[:3] == ["UTC", "Afrique", "Amériques"]
    assert "Europe" in groups
    values = re.findall(r'<option value="([A-Za-z_/+-]+)"', html)
    assert "Europe/Paris" in values
    assert "Asia/Kolkata" in values
    assert not {"US/Eastern", "Asia/Calcutta", "GB", "Etc/GMT+5"} & set(values)
    assert "Dakar (Sénégal)" in html
    # Without JavaScript, UTC is chosen; with it, the browser's zone (data-browser-zone).
    assert re.search(r'<option value="UTC" selected>', html)
    assert "data-browser-zone" in html
    assert "build/time-zone.js" in html
    assert "Asia/Calcutta" in html  # in the alias map the script reads


def test_a_stored_old_zone_name_shows_as_its_present_name(login, make_user):
    client = login(make_user(time_zone="Asia/Calcutta"))
    html = client.get("/account").get_data(as_text=True)
    assert '<option value="Asia/Kolkata" selected>' in html
    assert timezones.canonical("US/Eastern") == "America/New_York"
    assert timezones.canonical("Not/AZone") == "UTC"


def test_validation_messages_are_translated(client, login, make_user):
    refused = client.post(
        "/api/v1/auth/register", json={"email": "x"}, headers={"Accept-Language": "fr"}
    )
    fields = refused.get_json()["error"]["fields"]
    assert fields["password"] == ["Ce champ est obligatoire."]
    assert fields["email"] == ["Adresse e-mail non valide."]
    too_long = login(make_user(language="es")).post("/api/v1/spaces", json={"title": "x" * 201})
    assert "Como máximo 200 caracteres." in str(too_long.get_json())


def test_visitors_switch_language_from_any_page(client):
    page = client.get("/spaces").get_data(as_text=True)
    assert 'action="/language"' in page
    assert 'lang="fr"' in page
    token = _csrf(page)
    switched = client.post(
        "/language", data={"language": "es", "next": "/spaces", "csrf_token": token}
    )
    assert switched.status_code == 303
    assert switched.headers["Location"].endswith("/spaces")
    assert '<html lang="es">' in client.get("/spaces").get_data(as_text=True)
    refused = client.post("/language", data={"language": "xx", "csrf_token": token})
    assert refused.status_code == 400


def test_a_signed_in_person_switches_and_keeps_the_choice(login, make_user, session):
    person = make_user()
    client = login(person)
    token = _csrf(client.get("/").get_data(as_text=True))
    client.post("/language", data={"language": "fr", "csrf_token": token})
    session.refresh(person)
    assert person.language == "fr"
