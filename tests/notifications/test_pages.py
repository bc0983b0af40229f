"""Notification pages: the bell, the list, marking read and the delivery settings."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from diaspora_hub.notifications import service
from diaspora_hub.notifications.models import Delivery, NotificationPreference
from tests import factories
from tests.notifications.conftest import DIGESTED, PING, QUIET


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def amina(session):
    person = factories.user(session)
    for title in ("Call opened", "Meeting moved", "Brief forwarded"):
        service.notify(session, [person], PING, title=title, body="Details here.", url="/spaces")
    session.commit()
    return person


def test_the_bell_names_the_unread_count(login, amina):
    client = login(amina)
    page = client.get("/").get_data(as_text=True)
    bell = re.search(r'<li><a href="/notifications"[^>]*>.*?</a></li>', page, re.S)
    assert bell, "no notifications link in the account navigation"
    assert _text(bell.group(0)) == "Notifications 3 , 3 unread"
    assert 'aria-hidden="true">3</span>' in bell.group(0)


def test_no_bell_for_anonymous_people_and_no_count_when_all_is_read(client, login, amina):
    assert 'href="/notifications"' not in client.get("/").get_data(as_text=True)
    logged_in = login(amina)
    token = csrf_token(logged_in, "/notifications")
    logged_in.post("/notifications/read-all", data={"csrf_token": token})
    page = logged_in.get("/").get_data(as_text=True)
    bell = re.search(r'<li><a href="/notifications".*?</li>', page, re.S)
    assert bell
    assert "unread" not in _text(bell.group(0))


def test_the_list_marks_unread_in_words_and_marks_read(login, session, amina):
    client = login(amina)
    page = client.get("/notifications").get_data(as_text=True)
    text = _text(page)
    assert text.index("Brief forwarded") < text.index("Meeting moved") < text.index("Call opened")
    assert page.count('<span class="badge">Unread</span>') == 3
    assert "Mark read : Call opened" in text

    first = service.list_for(session, amina).items[-1]
    token = csrf_token(client, "/notifications")
    response = client.post(
        f"/notifications/{first.id}/read",
        data={"csrf_token": token, "next": "/notifications?page=1"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications?page=1"
    assert service.unread_count(session, amina) == 2
    after = client.get("/notifications").get_data(as_text=True)
    assert after.count('<span class="badge">Unread</span>') == 2


def test_mark_all_read_and_forged_posts(login, session, amina):
    client = login(amina)
    forged = client.post("/notifications/read-all", data={})
    assert forged.status_code == 400
    assert service.unread_count(session, amina) == 3
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 303
    assert service.unread_count(session, amina) == 0


def test_someone_elses_notification_is_404_on_the_page_too(login, session, amina):
    kofi = factories.user(session)
    session.commit()
    client = login(kofi)
    theirs = service.list_for(session, amina).items[0]
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token})
    assert response.status_code == 404
    assert service.unread_count(session, amina) == 3


def test_pages_are_paginated(login, session, amina):
    client = login(amina)
    page = client.get("/notifications?per_page=2").get_data(as_text=True)
    assert "Page 1 of 2" in page
    assert "Call opened" not in page
    assert "Call opened" in client.get("/notifications?per_page=2&page=2").get_data(as_text=True)


def test_settings_form_changes_delivery(login, session, amina):
    client = login(amina)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "<legend>Test pings</legend>" in page
    assert f'id="{PING}-immediate" name="{PING}" value="immediate" checked' in page
    assert f'id="{DIGESTED}-daily" name="{DIGESTED}" value="daily" checked' in page
    token = csrf_token(client, "/notifications/settings")
    response = client.post(
        "/notifications/settings",
        data={"csrf_token": token, PING: "daily", DIGESTED: "daily", QUIET: "immediate"},
    )
    assert response.status_code == 303
    assert service.preferences(session, amina)[PING] is Delivery.DAILY
    assert service.preferences(session, amina)[QUIET] is Delivery.IMMEDIATE
    assert f'id="{PING}-daily" name="{PING}" value="daily" checked' in client.get(
        "/notifications/settings"
    ).get_data(as_text=True)


def test_a_bad_setting_is_shown_next_to_its_kind_and_changes_nothing(login, session, amina):
    client = login(amina)
    token = csrf_token(client, "/notifications/settings")
    response = client.post(
        "/notifications/settings", data={"csrf_token": token, PING: "off", QUIET: "hourly"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert f'aria-describedby="{QUIET}-error"' in page
    assert "Choose immediate, daily or off." in page
    assert session.scalars(select(NotificationPreference)).all() == []
