"""Account pages work without JavaScript, show errors next to fields and refuse forged posts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from diaspora_hub.accounts.models import User
from tests.factories import PASSWORD


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_front_page_links_to_register_and_login(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/register"' in page
    assert 'href="/login"' in page
    assert '<a class="skip-link" href="#main">' in page


def test_register_form_creates_an_account_and_logs_in(client, session):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "display_name": "Maria Santos",
            "email": "maria@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "language": "es",
            "time_zone": "America/Toronto",
        },
    )
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Maria Santos" in home
    stored = session.scalar(select(User).where(User.email == "maria@example.org"))
    assert (stored.language, stored.time_zone) == ("es", "America/Toronto")


def test_register_form_shows_errors_and_stores_nothing(client, session):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "display_name": "Maria",
            "email": "maria@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD + "x",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="password_confirm-error"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="maria@example.org"' in page
    assert session.scalar(select(User).where(User.email == "maria@example.org")) is None


def test_forms_without_csrf_token_are_refused(client, session):
    response = client.post(
        "/register",
        data={
            "display_name": "Forger",
            "email": "forger@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 400
    assert session.scalar(select(User).where(User.email == "forger@example.org")) is None


def test_login_page_logs_in_and_follows_only_local_next(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_wrong_login_is_shown_on_the_form(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": "not-the-password"}
    )
    assert response.status_code == 401
    assert "Email or password is wrong." in response.get_data(as_text=True)


def test_pages_need_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_settings_change_language_changes_the_interface_language(login, make_user, session):
    user = make_user()
    client = login(user)
    token = csrf_token(client, "/account")
    response = client.post(
        "/account",
        data={
            "csrf_token": token,
            "display_name": "Awa",
            "language": "fr",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 303
    assert '<html lang="fr">' in client.get("/account").get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).time_zone == "Europe/Paris"


def test_token_page_shows_the_secret_once(login, make_user):
    client = login(make_user())
    token = csrf_token(client, "/account/tokens")
    created = client.post("/account/tokens", data={"csrf_token": token, "name": "CRM"})
    secret = re.search(r'<code class="secret">([^<]+)</code>', created.get_data(as_text=True))
    assert secret
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret.group(1) not in again
    assert "CRM" in again


@pytest.mark.parametrize("who", ["plain", "admin"])
def test_people_admin_page(login, make_user, who):
    person = make_user(display_name="Kwame Mensah")
    viewer = make_user(is_admin=who == "admin")
    client = login(viewer)
    response = client.get("/admin/people?q=kwame")
    if who == "plain":
        assert response.status_code == 403
        return
    page = response.get_data(as_text=True)
    assert "Kwame Mensah" in page
    token = csrf_token(client, "/admin/people")
    granted = client.post(
        f"/admin/people/{person.id}", data={"csrf_token": token, "can_facilitate": "true"}
    )
    assert granted.status_code == 303
    assert "Revoke for Kwame Mensah" in client.get("/admin/people?q=kwame").get_data(as_text=True)
