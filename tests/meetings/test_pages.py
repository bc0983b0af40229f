"""Pages: schedule in your own zone, see it in mine, register, slots as a picture."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from diaspora_hub.core.db import utcnow
from diaspora_hub.meetings import service
from diaspora_hub.meetings.models import Meeting, MeetingMode, RegistrationStatus
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.postgres


def _csrf(client, path: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(True))
    assert found
    return found.group(1)


def test_scheduling_form_reads_the_facilitators_zone(world, login, session):
    client = login(world.facilitator)  # Europe/Madrid
    page = client.get("/spaces/remittances/meetings/new")
    assert page.status_code == 200
    assert "Europe/Madrid" in page.get_data(as_text=True)
    day = (utcnow() + timedelta(days=10)).date()
    response = client.post(
        "/spaces/remittances/meetings/new",
        data={
            "csrf_token": _csrf(client, "/spaces/remittances/meetings/new"),
            "title": "Remittance corridors",
            "starts_at": f"{day}T10:00",
            "ends_at": f"{day}T11:30",
            "mode": "chatham_house",
            "registration": "open",
            "agenda": "Welcome | 10 | The chair\nCosts | 60",
            "category_label_0": "Délégué",
            "category_capacity_0": "5",
            "category_organisations_0": "1",
            "category_label_1": "Observer",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    meeting = session.scalar(select(Meeting))
    assert meeting is not None
    madrid = datetime.combine(day, datetime.min.time().replace(hour=10), ZoneInfo("Europe/Madrid"))
    assert meeting.starts_at == madrid
    assert meeting.time_zone == "Europe/Madrid"
    assert [(a.title, a.minutes, a.owner) for a in meeting.agenda] == [
        ("Welcome", 10, "The chair"),
        ("Costs", 60, ""),
    ]
    assert [(c.key, c.capacity, c.for_organisations) for c in meeting.categories] == [
        ("delegue", 5, True),
        ("observer", None, False),
    ]
    toronto = login(world.member).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    local = meeting.starts_at.astimezone(ZoneInfo("America/Toronto"))
    assert f"{local:%-I:%M}" in toronto
    assert "America/Toronto" in toronto
    assert "Chatham House" in toronto


def test_bad_form_shows_the_fields_and_keeps_nothing(world, login, session):
    client = login(world.facilitator)
    response = client.post(
        "/spaces/remittances/meetings/new",
        data={
            "csrf_token": _csrf(client, "/spaces/remittances/meetings/new"),
            "title": "Too short",
            "starts_at": "2020-01-01T10:00",
            "ends_at": "2020-01-01T10:01",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="starts_at-error"' in body
    assert session.scalar(select(Meeting)) is None


def test_register_on_the_page_and_facilitators_see_the_list(app, world, login, session):
    with app.test_request_context():
        meeting = schedule(session, world)
    member = login(world.member)
    page = member.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Register" in page
    assert "Registrations" not in page
    response = member.post(
        f"/meetings/{meeting.id}/register",
        data={"csrf_token": _csrf(member, f"/meetings/{meeting.id}"), "category": "observer"},
    )
    assert response.status_code == 303
    page = member.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Give up my place" in page
    facilitator_page = login(world.facilitator).get(f"/meetings/{meeting.id}").get_data(True)
    assert "José Member" in facilitator_page
    mine = member.get("/meetings/mine").get_data(as_text=True)
    assert meeting.title in mine
    with app.test_request_context():
        (registration,) = service.my_meetings(session, world.member).registrations
    assert registration.status is RegistrationStatus.APPROVED
    space_page = member.get("/spaces/remittances").get_data(as_text=True)
    assert meeting.title in space_page


def test_a_jitsi_call_is_framed_only_while_the_meeting_is_live(app, world, login, session):
    with app.test_request_context():
        meeting = schedule(session, world, video_url="https://meet.jit.si/remittances")
        service.register(session, world.member, meeting.id, category="observer")
        session.commit()
    member = login(world.member)
    before = member.get(f"/meetings/{meeting.id}")
    assert "<iframe" not in before.get_data(as_text=True)
    assert "frame-src" not in before.headers["Content-Security-Policy"]
    with app.test_request_context():
        service.open_meeting(session, world.facilitator, meeting.id)
        session.commit()
    live = member.get(f"/meetings/{meeting.id}")
    assert 'src="https://meet.jit.si/remittances"' in live.get_data(as_text=True)
    assert "frame-src https://meet.jit.si" in live.headers["Content-Security-Policy"]


def test_slots_page_draws_an_accessible_picture_beside_a_table(world, login):
    client = login(world.facilitator)
    page = client.get("/spaces/remittances/meetings/slots?from=2026-12-07&days=2&minutes=60")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="slots-chart" role="img"' in body
    assert '<title id="slots-title">' in body
    assert "<table>" in body
    assert "Government" in body
    assert login(world.member).get("/spaces/remittances/meetings/slots").status_code == 403


@pytest.mark.parametrize("language", ["fr", "es"])
def test_pages_speak_the_readers_language(app, world, login, session, language):
    world.member.language = language
    session.commit()
    with app.test_request_context():
        meeting = schedule(session, world)
    page = login(world.member).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    expected = {"fr": "Votre place", "es": "Su plaza"}[language]
    assert expected in page


def test_chatham_house_meeting_names_nobody_to_participants(app, world, login, session):
    with app.test_request_context():
        meeting = schedule(session, world, mode=MeetingMode.CHATHAM_HOUSE)
        service.register(
            session, world.delegate, meeting.id, category="delegate", organisation="asf"
        )
        session.commit()
    member = login(world.member)
    for path in (f"/meetings/{meeting.id}", f"/api/v1/meetings/{meeting.id}"):
        body = member.get(path).get_data(as_text=True)
        assert world.delegate.display_name not in body
        assert world.diaspora.name not in body
        assert "/organisations/asf" not in body
    assert member.get(f"/api/v1/meetings/{meeting.id}/registrations").status_code == 403


def test_working_hours_count_in_the_slots(app, world, login, session):
    member = login(world.member)  # America/Toronto
    token = _csrf(member, "/meetings/mine")
    bad = member.post(
        "/meetings/mine/hours", data={"csrf_token": token, "starts": "18:00", "ends": "09:00"}
    )
    assert bad.status_code == 400
    saved = member.post(
        "/meetings/mine/hours", data={"csrf_token": token, "starts": "06:00", "ends": "14:00"}
    )
    assert saved.status_code == 303
    assert 'value="06:00"' in member.get("/meetings/mine").get_data(as_text=True)
    with app.test_request_context():
        assert service.working_hours(session, world.member.id)[0].hour == 6
