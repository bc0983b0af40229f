"""Platform admins manage accounts; nobody else can."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.postgres


def test_admin_grants_facilitation_and_deactivates(login, make_user, app):
    admin = login(make_user(is_admin=True))
    person = make_user(display_name="Ana Reyes")
    person_client = login(person)
    listed = admin.get("/api/v1/users?q=ana").get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["can_facilitate"] is False
    granted = admin.patch(f"/api/v1/users/{person.id}", json={"can_facilitate": True})
    assert granted.get_json()["can_facilitate"] is True
    assert person_client.get("/api/v1/auth/me").get_json()["can_facilitate"] is True
    admin.patch(f"/api/v1/users/{person.id}", json={"is_active": False})
    assert person_client.get("/api/v1/auth/me").status_code == 401
    again = app.test_client().post(
        "/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}
    )
    assert again.status_code == 401


def test_non_admins_cannot_manage_accounts(login, make_user):
    plain = login(make_user())
    other = make_user()
    assert plain.get("/api/v1/users").status_code == 403
    assert (
        plain.patch(f"/api/v1/users/{other.id}", json={"can_facilitate": True}).status_code == 403
    )


def test_admin_cannot_deactivate_themselves(login, make_user):
    admin_user = make_user(is_admin=True)
    admin = login(admin_user)
    response = admin.patch(f"/api/v1/users/{admin_user.id}", json={"is_active": False})
    assert response.status_code == 409
    assert admin.get("/api/v1/auth/me").status_code == 200
