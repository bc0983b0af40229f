"""Sessions end on the server: a copied cookie is worth nothing after logout or a new password."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from diaspora_hub.extensions import socketio
from tests.factories import PASSWORD

pytestmark = pytest.mark.postgres

NEW_PASSWORD = "an entirely new passphrase 42"


def _cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def _browser_with(app: Flask, value: str) -> FlaskClient:
    """Another browser holding a copy of someone's session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", value, domain="localhost")
    return browser


def _live(app: Flask, browser: FlaskClient) -> Any:
    return socketio.test_client(app, namespace="/live", flask_test_client=browser)


def test_after_api_logout_the_old_cookie_no_longer_works(app, make_user, login):
    person = make_user()
    client = login(person)
    copied = _cookie_of(client)
    assert _browser_with(app, copied).get("/api/v1/auth/me").status_code == 200

    assert client.post("/api/v1/auth/logout", json={}).status_code == 204

    thief = _browser_with(app, copied)
    assert thief.get("/api/v1/auth/me").status_code == 401
    live = _live(app, thief)
    assert not live.is_connected("/live")


def test_after_logout_from_the_page_the_old_cookie_no_longer_works(app, make_user):
    person = make_user()
    browser = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    response = browser.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 303
    copied = _cookie_of(browser)

    assert browser.post("/logout").status_code == 303

    thief = _browser_with(app, copied)
    assert thief.get("/account").status_code == 302  # to the login page
    assert thief.get("/api/v1/auth/me").status_code == 401
    assert not _live(app, thief).is_connected("/live")


def test_a_remembered_login_ends_at_logout_too(app, make_user):
    person = make_user()
    browser = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    browser.post("/login", data={"email": person.email, "password": PASSWORD, "remember": "1"})
    remembered = browser.get_cookie("remember_token")
    assert remembered is not None

    browser.post("/logout")

    thief = app.test_client()
    thief.set_cookie("remember_token", remembered.value, domain="localhost")
    assert thief.get("/api/v1/auth/me").status_code == 401


def test_logging_out_ends_only_that_session(app, make_user, login):
    person = make_user()
    laptop, phone = login(person), login(person)
    laptop.post("/api/v1/auth/logout", json={})
    assert phone.get("/api/v1/auth/me").status_code == 200


def test_a_password_change_ends_other_sessions_and_every_token(app, make_user, login):
    person = make_user()
    here, elsewhere = login(person), login(person)
    token = here.post("/api/v1/auth/tokens", json={"name": "CRM sync"}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 200

    response = here.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert here.get("/api/v1/auth/me").status_code == 200
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert here.get("/api/v1/auth/tokens").get_json() == []
    live = socketio.test_client(app, namespace="/live", auth={"token": token})
    assert not live.is_connected("/live")


def test_the_password_page_says_what_a_change_ends(app, make_user, login):
    page = login(make_user()).get("/account/password").get_data(as_text=True)
    assert "logs you out everywhere else" in page
    assert "API tokens" in page


def test_a_session_cookie_of_the_old_shape_is_no_session(app, make_user):
    """A cookie naming only the person (as before sessions were kept) proves nothing."""
    person = make_user()
    browser = app.test_client()
    with browser.session_transaction() as cookie:
        cookie["_user_id"] = f"{person.id}:{person.session_version}"
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_deactivation_ends_every_login_and_reactivation_does_not_bring_it_back(
    app, make_user, login
):
    admin, person = make_user(is_admin=True), make_user()
    browser, admin_client = login(person), login(admin)
    for active in (False, True):
        answer = admin_client.patch(f"/api/v1/users/{person.id}", json={"is_active": active})
        assert answer.status_code == 200
    assert browser.get("/api/v1/auth/me").status_code == 401
    assert login(person).get("/api/v1/auth/me").status_code == 200


def test_logging_out_closes_the_live_connections_of_that_login_only(app, make_user, login):
    """Two logins from the same browser and address: only the one that logs out ends."""
    person = make_user()
    laptop, phone = login(person), login(person)
    laptop_live, phone_live = _live(app, laptop), _live(app, phone)
    assert laptop_live.is_connected("/live")
    assert phone_live.is_connected("/live")

    laptop.post("/api/v1/auth/logout", json={})

    assert not laptop_live.is_connected("/live")
    assert phone_live.is_connected("/live")
    phone_live.disconnect("/live")
