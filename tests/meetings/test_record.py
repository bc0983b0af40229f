"""After the meeting: attendance from room presence, minutes with versions, feedback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound
from diaspora_hub.live.models import LiveConnection, LiveWorker, RoomPresence
from diaspora_hub.meetings import service
from diaspora_hub.meetings.models import MeetingMode, MinutesVersion
from diaspora_hub.notifications import scheduler
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.postgres


def _in_room(session, meeting, user, sid: str) -> None:
    """A person connected and present in the meeting's room, as the live namespace records,
    through a worker that beats all through the meeting."""
    if session.get(LiveWorker, "test") is None:
        session.add(LiveWorker(worker_id="test", last_beat=utcnow() + timedelta(hours=1)))
    session.add(LiveConnection(sid=sid, user_id=user.id, worker_id="test"))
    session.flush()
    session.add(RoomPresence(sid=sid, room_id=meeting.room_id, user_id=user.id, worker_id="test"))
    session.commit()


@pytest.fixture
def live_meeting(app, session, world):
    def make(mode: MeetingMode = MeetingMode.OPEN):
        with app.test_request_context():
            meeting = schedule(session, world, mode=mode)
            service.register(session, world.member, meeting.id, category="observer")
            service.register(
                session, world.delegate, meeting.id, category="delegate", organisation="asf"
            )
            service.open_meeting(session, world.facilitator, meeting.id)
            session.commit()
        _in_room(session, meeting, world.member, "sid-member")
        _in_room(session, meeting, world.delegate, "sid-delegate")
        now = utcnow()
        for minute in range(3):
            scheduler.run_due(app, now + timedelta(minutes=minute))
        with app.test_request_context():
            service.end_meeting(session, world.facilitator, meeting.id)
            session.commit()
        return meeting

    return make


def test_attendance_counts_minutes_by_person_and_bloc(live_meeting, world, login):
    meeting = live_meeting()
    report = login(world.facilitator).get(f"/api/v1/meetings/{meeting.id}/attendance").get_json()
    assert report["named"] is True
    assert {(p["name"], p["minutes"]) for p in report["people"]} == {
        ("José Member", 3),
        ("Fatou Delegate", 3),
    }
    by_bloc = {b["bloc"]: (b["people"], b["minutes"]) for b in report["by_bloc"]}
    assert by_bloc["diaspora"] == (2, 6)
    assert by_bloc["government"] == (0, 0)
    page = login(world.member).get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert "Fatou Delegate" in page
    assert login(world.liaison).get(f"/api/v1/meetings/{meeting.id}/attendance").status_code == 403


def test_chatham_house_attendance_shows_blocs_only_to_participants(live_meeting, world, login):
    meeting = live_meeting(MeetingMode.CHATHAM_HOUSE)
    body = login(world.member).get(f"/api/v1/meetings/{meeting.id}/attendance")
    report = body.get_json()
    assert report["named"] is False
    assert report["people"] == []
    assert "Fatou" not in body.get_data(as_text=True)
    page = login(world.member).get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert "Fatou Delegate" not in page
    assert (
        login(world.facilitator)
        .get(f"/api/v1/meetings/{meeting.id}/attendance")
        .get_json()["named"]
    )


def test_minutes_are_drafted_versioned_and_published(app, live_meeting, world, login, session):
    meeting = live_meeting()
    facilitator = login(world.facilitator)
    member = login(world.member)
    assert member.get(f"/api/v1/meetings/{meeting.id}/minutes").status_code == 404
    draft = facilitator.get(f"/api/v1/meetings/{meeting.id}/minutes/draft").get_json()["body"]
    assert meeting.title in draft
    assert "Welcome" in draft
    assert "diaspora: 2" in draft
    path = f"/api/v1/meetings/{meeting.id}/minutes"
    first = facilitator.put(path, json={"body": draft})
    assert first.get_json()["version"] == 1
    second = facilitator.put(path, json={"body": draft + "\nAgreed.", "version": 1})
    assert second.get_json()["version"] == 2
    stale = facilitator.put(path, json={"body": "Old edit", "version": 1})
    assert stale.status_code == 409
    versions = facilitator.get(f"{path}/versions").get_json()
    assert [v["version"] for v in versions] == [1, 2]
    assert member.put(path, json={"body": "Mine"}).status_code == 403
    assert facilitator.post(f"{path}/publish", json={}).status_code == 200
    published = member.get(path).get_json()
    assert published["body"].endswith("Agreed.")
    assert published["published_at"]
    page = member.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "Agreed." in page


def test_chatham_house_minutes_attribute_nothing(app, live_meeting, world, session):
    meeting = live_meeting(MeetingMode.CHATHAM_HOUSE)
    with app.test_request_context():
        draft = service.draft_minutes(session, world.facilitator, meeting.id)
        assert "Fatou" not in draft
        assert "José" not in draft
        with pytest.raises(Conflict, match="Fatou Delegate"):
            service.save_minutes(
                session, world.facilitator, meeting.id, body=draft + "Fatou Delegate said so."
            )
        session.rollback()
        with pytest.raises(Conflict):
            service.save_minutes(
                session, world.facilitator, meeting.id, body="Sénégalais de France asked."
            )
        session.rollback()
    assert session.scalar(select(func.count()).select_from(MinutesVersion)) == 0


def test_minutes_wait_for_the_end(app, session, world):
    with app.test_request_context():
        meeting = schedule(session, world)
        with pytest.raises(Conflict):
            service.save_minutes(session, world.facilitator, meeting.id, body="Too early")
        with pytest.raises(NotFound):
            service.read_minutes(session, world.member, meeting.id)


def test_feedback_from_those_who_held_a_place(app, live_meeting, world, login):
    meeting = live_meeting()
    path = f"/api/v1/meetings/{meeting.id}/feedback"
    assert (
        login(world.member).post(path, json={"rating": 4, "comment": "Useful"}).status_code == 200
    )
    assert login(world.delegate).post(path, json={"rating": 2}).status_code == 200
    assert login(world.delegate).post(path, json={"rating": 5}).status_code == 200
    assert login(world.liaison).post(path, json={"rating": 5}).status_code == 403
    assert login(world.member).post(path, json={"rating": 9}).status_code == 400
    summary = login(world.facilitator).get(path).get_json()
    assert summary == {
        "count": 2,
        "average": 4.5,
        "ratings": [0, 0, 0, 1, 1],
        "comments": ["Useful"],
    }
    assert login(world.member).get(path).status_code == 403
    page = login(world.facilitator).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "average 4.5 out of 5" in page


def test_feedback_waits_for_the_end(app, session, world):
    with app.test_request_context():
        meeting = schedule(session, world)
        service.register(session, world.member, meeting.id, category="observer")
        with pytest.raises(Conflict):
            service.give_feedback(session, world.member, meeting.id, rating=3)
        with pytest.raises(Forbidden):
            service.feedback_summary(session, world.member, meeting.id)
