"""The notifications API: each person sees and changes only their own."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.notifications import service
from diaspora_hub.notifications.models import Delivery, Notification, NotificationPreference
from tests import factories
from tests.notifications.conftest import DIGESTED, PING, QUIET

pytestmark = pytest.mark.postgres


@pytest.fixture
def people(session):
    amina, kofi = factories.user(session), factories.user(session)
    for n in range(3):
        service.notify(session, [amina], PING, title=f"For Amina {n}", url=f"/n/{n}")
    service.notify(session, [kofi], PING, title="For Kofi")
    session.commit()
    return amina, kofi


def _own(session: Session, user: User) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_list_is_newest_first_paginated_and_only_ones_own(login, session, people):
    amina, _kofi = people
    client = login(amina)
    body = client.get("/api/v1/notifications?per_page=2").get_json()
    assert [n["title"] for n in body["items"]] == ["For Amina 2", "For Amina 1"]
    assert (body["page"], body["per_page"], body["total"], body["unread"]) == (1, 2, 3, 3)
    assert body["items"][0]["read"] is False
    assert body["items"][0]["url"] == "/n/2"
    second = client.get("/api/v1/notifications?per_page=2&page=2").get_json()
    assert [n["title"] for n in second["items"]] == ["For Amina 0"]


def test_unread_filter_and_marking_read(login, session, people):
    amina, _kofi = people
    client = login(amina)
    oldest = _own(session, amina)[0]
    response = client.post(f"/api/v1/notifications/{oldest.id}/read", json={})
    assert response.status_code == 200
    assert response.get_json()["read"] is True
    body = client.get("/api/v1/notifications?unread=true").get_json()
    assert [n["title"] for n in body["items"]] == ["For Amina 2", "For Amina 1"]
    assert (body["total"], body["unread"]) == (2, 2)
    again = client.post(f"/api/v1/notifications/{oldest.id}/read", json={})
    assert again.get_json()["read_at"] == response.get_json()["read_at"]


def test_read_all_touches_only_ones_own(login, session, people):
    amina, kofi = people
    response = login(amina).post("/api/v1/notifications/read-all", json={})
    assert response.get_json() == {"marked": 3, "unread": 0}
    session.expire_all()
    assert all(n.is_read for n in _own(session, amina))
    assert not any(n.is_read for n in _own(session, kofi))


def test_someone_elses_notification_is_not_found(login, session, people):
    amina, kofi = people
    his = _own(session, kofi)[0]
    response = login(amina).post(f"/api/v1/notifications/{his.id}/read", json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    session.expire_all()
    assert not _own(session, kofi)[0].is_read
    assert login(amina).post("/api/v1/notifications/999999/read", json={}).status_code == 404


def test_anonymous_people_get_401(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/notifications/preferences").status_code == 401


def test_preferences_start_from_the_defaults_and_change(login, session, people):
    amina, kofi = people
    client = login(amina)
    body = client.get("/api/v1/notifications/preferences").get_json()
    assert body["preferences"][PING] == "immediate"
    assert body["preferences"][DIGESTED] == "daily"
    assert body["preferences"][QUIET] == "off"
    assert {"name": QUIET, "label": "Test quiet items", "default": "off"} in body["kinds"]

    response = client.put("/api/v1/notifications/preferences", json={"preferences": {PING: "off"}})
    assert response.status_code == 200
    assert response.get_json()["preferences"][PING] == "off"
    assert response.get_json()["preferences"][DIGESTED] == "daily"
    assert service.preferences(session, amina)[PING] is Delivery.OFF
    assert service.preferences(session, kofi)[PING] is Delivery.IMMEDIATE


@pytest.mark.parametrize(
    "preferences",
    [{PING: "off", QUIET: "weekly"}, {"tests.unknown": "off"}, {PING: ""}],
)
def test_bad_preferences_are_400_and_change_nothing(login, session, people, preferences):
    amina, _kofi = people
    response = login(amina).put(
        "/api/v1/notifications/preferences", json={"preferences": preferences}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) <= set(preferences)
    assert session.scalars(select(NotificationPreference)).all() == []


def test_preferences_of_the_wrong_type_are_422(login, people):
    amina, _kofi = people
    response = login(amina).put(
        "/api/v1/notifications/preferences", json={"preferences": {PING: 3}}
    )
    assert response.status_code == 422
