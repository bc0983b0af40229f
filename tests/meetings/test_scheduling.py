"""Scheduling, changing, opening, ending and cancelling, and what people hear of it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, ValidationFailed
from diaspora_hub.live import service as live
from diaspora_hub.live.models import Room, RoomMode, RoomParticipant
from diaspora_hub.meetings import service
from diaspora_hub.meetings.models import Meeting, MeetingMode, MeetingState
from diaspora_hub.meetings.service.overview import meeting_fields
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications.models import Notification
from tests.meetings.conftest import fields, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("ctx")]


def _notices(session, kind: str) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).where(Notification.kind == kind)))


def test_the_room_is_created_closed_and_follows_the_meeting(session, world):
    meeting = schedule(session, world, mode=MeetingMode.CHATHAM_HOUSE)
    room = session.get(Room, meeting.room_id)
    assert room.is_locked
    assert room.registration_required
    assert room.mode is RoomMode.CHATHAM_HOUSE
    assert [item["title"] for item in room.agenda] == ["Welcome", "Fees"]
    with pytest.raises(Conflict):
        service.update_meeting(
            session,
            world.facilitator,
            meeting.id,
            fields=dataclasses.replace(meeting_fields(meeting), mode=MeetingMode.OPEN),
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_in": timedelta(hours=-1)}, "starts_at"),
        ({"minutes": 2}, "ends_at"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"video_url": "http://meet.example.org/x"}, "video_url"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_stored(session, world, change, field):
    with pytest.raises(ValidationFailed) as raised:
        service.create_meeting(
            session, world.facilitator, world.space.slug, fields=fields(**change)
        )
    assert field in (raised.value.fields or {})
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_only_facilitators_schedule(session, world):
    with pytest.raises(Forbidden):
        service.create_meeting(session, world.delegate, world.space.slug, fields=fields())


def test_a_change_tells_registered_people_and_a_cancellation_too(session, world):
    meeting = schedule(session, world)
    service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    agenda_only = dataclasses.replace(meeting_fields(meeting), agenda=())
    service.update_meeting(session, world.facilitator, meeting.id, fields=agenda_only)
    session.commit()
    assert meeting.sequence == 0
    assert _notices(session, "meetings.changed") == []
    retitled = dataclasses.replace(meeting_fields(meeting), title="Fees, second round")
    service.update_meeting(session, world.facilitator, meeting.id, fields=retitled)
    session.commit()
    (changed,) = _notices(session, "meetings.changed")
    assert changed.user_id == world.member.id
    assert "Fees, second round" in changed.title
    service.cancel_meeting(session, world.facilitator, meeting.id)
    session.commit()
    (cancelled,) = _notices(session, "meetings.cancelled")
    assert cancelled.user_id == world.member.id
    with pytest.raises(Conflict):
        service.cancel_meeting(session, world.facilitator, meeting.id)


def test_a_category_cannot_shrink_below_the_places_taken(session, world):
    meeting = schedule(session, world)
    service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    current = meeting_fields(meeting)
    smaller = dataclasses.replace(current, categories=current.categories[:1])
    with pytest.raises(Conflict):
        service.update_meeting(session, world.facilitator, meeting.id, fields=smaller)


def test_opening_early_then_ending_makes_the_room_read_only(session, world):
    meeting = schedule(session, world)
    service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    with pytest.raises(Forbidden):
        service.open_meeting(session, world.member, meeting.id)
    session.rollback()
    service.open_meeting(session, world.facilitator, meeting.id)
    session.commit()
    room = session.get(Room, meeting.room_id)
    session.refresh(room)
    assert meeting.state is MeetingState.LIVE
    assert not room.is_locked
    state = live.room_state(session, world.member, room.id)
    assert state["room"]["title"] == meeting.title
    ended = service.end_meeting(session, world.facilitator, meeting.id)
    session.commit()
    session.refresh(room)
    assert ended.state is MeetingState.ENDED
    assert room.is_locked
    assert room.ended_at is not None
    participant = session.scalar(
        select(RoomParticipant).where(
            RoomParticipant.room_id == room.id, RoomParticipant.user_id == world.member.id
        )
    )
    assert participant is not None
    assert participant.is_muted
    with pytest.raises(Conflict):
        service.end_meeting(session, world.facilitator, meeting.id)


def test_rooms_open_by_themselves_at_the_start_once(app, session, world):
    meeting = schedule(session, world, starts_in=timedelta(minutes=30))
    scheduler.run_due(app, utcnow())
    session.expire_all()
    assert session.get(Meeting, meeting.id).state is MeetingState.SCHEDULED
    later = utcnow() + timedelta(minutes=31)
    assert "meetings.open_rooms" in scheduler.run_due(app, later)
    session.expire_all()
    opened = session.get(Meeting, meeting.id)
    assert opened.state is MeetingState.LIVE
    assert not session.get(Room, meeting.room_id).is_locked
    scheduler.run_due(app, later + timedelta(minutes=1))
    session.expire_all()
    assert session.get(Meeting, meeting.id).opened_at == opened.opened_at


def test_reminders_a_day_and_a_quarter_hour_before_go_out_once(app, session, world):
    meeting = schedule(session, world, starts_in=timedelta(days=2))
    service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    start = meeting.starts_at
    for moment in (start - timedelta(hours=30), start - timedelta(hours=23)):
        scheduler.run_due(app, moment)
    day = _notices(session, "meetings.reminder")
    assert [n.user_id for n in day] == [world.member.id]
    assert "(America/Toronto)" in day[0].title
    local = start.astimezone(ZoneInfo("America/Toronto"))
    assert local.strftime("%H:%M") in day[0].title
    for moment in (
        start - timedelta(hours=22),
        start - timedelta(minutes=14),
        start - timedelta(minutes=13),
        start - timedelta(minutes=12),
    ):
        scheduler.run_due(app, moment)
    assert len(_notices(session, "meetings.reminder")) == 2
