"""Calendars: one .ics per meeting and a private feed, read back with icalendar."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from diaspora_hub.meetings import service
from diaspora_hub.meetings.service.overview import meeting_fields
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.postgres


def _events(body: bytes) -> list[Any]:
    calendar = Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def test_meeting_ics_carries_the_zone_and_a_stable_uid(app, session, world, client, ctx):
    meeting = schedule(session, world)
    response = client.get(f"/api/v1/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Madrid"]
    (event,) = _events(response.data)
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None
    assert start.utcoffset() == meeting.starts_at.astimezone(ZoneInfo("Europe/Madrid")).utcoffset()
    assert start == meeting.starts_at
    assert str(event["UID"]) == f"meeting-{meeting.id}@diaspora-hub"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"

    moved = dataclasses.replace(
        meeting_fields(meeting),
        starts_at=meeting.starts_at + timedelta(hours=1),
        ends_at=meeting.ends_at + timedelta(hours=1),
    )
    service.update_meeting(session, world.facilitator, meeting.id, fields=moved)
    session.commit()
    (again,) = _events(client.get(f"/api/v1/meetings/{meeting.id}.ics").data)
    assert str(again["UID"]) == str(event["UID"])
    assert int(again["SEQUENCE"]) == 1
    assert again.decoded("DTSTART") == meeting.starts_at

    service.cancel_meeting(session, world.facilitator, meeting.id)
    session.commit()
    body = client.get(f"/api/v1/meetings/{meeting.id}.ics").data
    (cancelled,) = _events(body)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2
    assert str(Calendar.from_ical(body)["METHOD"]) == "CANCEL"


def test_private_feed_lists_held_places_and_can_be_revoked(app, session, world, login):
    client = login(world.member)
    with app.test_request_context():
        meeting = schedule(session, world)
        other = schedule(session, world, title="Another meeting", time_zone="Asia/Kathmandu")
        service.register(session, world.member, meeting.id, category="observer")
        session.commit()
    page = client.post("/meetings/mine/calendar", data={"csrf_token": _csrf(client)})
    assert page.status_code == 200
    url = re.search(r'value="(http://localhost/calendar/[^"]+\.ics)"', page.get_data(as_text=True))
    assert url, page.get_data(as_text=True)
    path = url.group(1).removeprefix("http://localhost")
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200
    titles = [str(e["SUMMARY"]) for e in _events(feed.data)]
    assert titles == [meeting.title]
    assert other.title not in titles
    assert anonymous.get(f"/api/v1{path}").status_code == 200

    with app.test_request_context():
        service.cancel_meeting(session, world.facilitator, meeting.id)
        session.commit()
    (event,) = _events(anonymous.get(path).data)
    assert str(event["STATUS"]) == "CANCELLED"

    prefix = path.split("/")[-1][:8]
    revoked = client.post(
        f"/meetings/mine/calendar/{prefix}/revoke", data={"csrf_token": _csrf(client)}
    )
    assert revoked.status_code == 303
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def _csrf(client) -> str:
    page = client.get("/meetings/mine")
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert found
    return found.group(1)


def test_feed_addresses_cannot_be_guessed_at_speed(client):
    answers = [client.get(f"/calendar/guess-{n}.ics").status_code for n in range(61)]
    assert answers[:60] == [404] * 60
    assert answers[60] == 429
