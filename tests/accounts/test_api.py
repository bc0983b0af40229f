"""The accounts API as an integration would use it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from diaspora_hub.accounts.models import ApiToken, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.postgres


def test_register_logs_in_and_hashes_the_password(client, session):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "Fatou@Example.org", "password": PASSWORD, "display_name": "Fatou Ndiaye"},
    )
    assert response.status_code == 201
    assert response.get_json()["email"] == "fatou@example.org"
    assert client.get("/api/v1/auth/me").get_json()["display_name"] == "Fatou Ndiaye"
    stored = session.scalar(select(User).where(User.email == "fatou@example.org"))
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "at least 10"),
        ("password123", "add more words"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_is_stored(client, session, password, reason):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "weak@example.org", "password": password, "display_name": "Weak"},
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert reason in " ".join(error["fields"]["password"]).lower()
    assert session.scalar(select(User).where(User.email == "weak@example.org")) is None


def test_duplicate_email_is_a_conflict(client, make_user):
    make_user(email="taken@example.org")
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "TAKEN@example.org", "password": PASSWORD, "display_name": "Other"},
    )
    assert response.status_code == 409
    assert "email" in response.get_json()["error"]["fields"]


def test_malformed_json_is_400_and_wrong_types_422(client):
    bad = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "validation_failed"
    typed = client.post(
        "/api/v1/auth/register",
        json={"email": "x@example.org", "password": PASSWORD, "display_name": 42},
    )
    assert typed.status_code == 422
    assert typed.get_json()["error"]["fields"] == {"display_name": ["Not a valid string."]}


def test_oversized_text_is_413(client):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "long@example.org", "password": PASSWORD, "display_name": "x" * 81},
    )
    assert response.status_code == 413
    assert "display_name" in response.get_json()["error"]["fields"]


def test_oversized_body_is_413(client):
    response = client.post(
        "/api/v1/auth/register", data="x" * (1024 * 1024 + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    user = make_user()
    wrong = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "nope-nope-nope"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "ghost@example.org", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_login_is_rate_limited(app, client, make_user):
    user = make_user()
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "wrong-wrong-1"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    blocked = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"


def test_profile_update_validates_language_and_time_zone(login, make_user):
    client = login(make_user())
    ok = client.patch(
        "/api/v1/auth/me",
        json={"language": "fr", "time_zone": "Africa/Dakar", "display_name": "Awa"},
    )
    assert ok.status_code == 200
    assert ok.get_json()["language"] == "fr"
    bad = client.patch("/api/v1/auth/me", json={"language": "de", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["fields"]) == {"language", "time_zone"}
    assert client.get("/api/v1/auth/me").get_json()["time_zone"] == "Africa/Dakar"


def test_password_change_ends_other_sessions(login, make_user):
    user = make_user()
    phone, laptop = login(user), login(user)
    response = laptop.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "quiet-harbour-lisbon-77"},
    )
    assert response.status_code == 200
    assert laptop.get("/api/v1/auth/me").status_code == 200
    assert phone.get("/api/v1/auth/me").status_code == 401


def test_password_change_needs_the_current_password(login, make_user):
    client = login(make_user())
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-my-password", "new_password": "quiet-harbour-lisbon-77"},
    )
    assert response.status_code == 400
    assert "current_password" in response.get_json()["error"]["fields"]


def test_api_token_lifecycle(app, login, make_user, session):
    client = login(make_user())
    created = client.post("/api/v1/auth/tokens", json={"name": "CRM sync"})
    assert created.status_code == 201
    secret = created.get_json()["token"]
    bearer = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/auth/tokens").get_json()[0]["last_used_at"] is None
    assert bearer.get("/api/v1/auth/me", headers=headers).status_code == 200
    listed = client.get("/api/v1/auth/tokens").get_json()
    assert [t["name"] for t in listed] == ["CRM sync"]
    assert listed[0]["last_used_at"] is not None
    assert "token" not in listed[0]
    assert session.scalar(select(ApiToken.token_hash)) != secret
    assert client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}").status_code == 204
    assert bearer.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked(login, make_user):
    owner = login(make_user())
    token_id = owner.post("/api/v1/auth/tokens", json={"name": "mine"}).get_json()["id"]
    intruder = login(make_user())
    assert intruder.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 404
    assert len(owner.get("/api/v1/auth/tokens").get_json()) == 1


def test_cookie_api_writes_must_be_json(login, make_user):
    client = login(make_user())
    response = client.post("/api/v1/auth/tokens", data={"name": "forged"})
    assert response.status_code == 400
    assert client.get("/api/v1/auth/tokens").get_json() == []


def test_logout(login, make_user):
    client = login(make_user())
    assert client.post("/api/v1/auth/logout", json={}).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
