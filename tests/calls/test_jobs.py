"""Notices that go out once when the clock passes a moment, however often the jobs run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.calls.models import Call
from diaspora_hub.core.db import utcnow
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications.models import Notification
from tests.calls.conftest import add_contribution, make_call

pytestmark = pytest.mark.postgres


def _notified(session: Session, kind: str) -> list[int]:
    session.expire_all()
    rows = session.scalars(select(Notification).where(Notification.kind == kind))
    return sorted(n.user_id for n in rows)


def _run_twice(app: Flask) -> tuple[list[str], list[str]]:
    """Two ticks in different slots: the second must find nothing left to do."""
    now = utcnow()
    first = scheduler.run_due(app, now)
    second = scheduler.run_due(app, now + timedelta(minutes=6))
    return first, second


def test_opening_notifies_invited_members_once(app, session, world):
    call = make_call(session, world.space, world.liaison, corridor_origin="SN")
    make_call(session, world.space, world.liaison, opens_in=timedelta(hours=2))  # not yet open
    make_call(session, world.space, world.liaison, published=False)  # a draft
    first, second = _run_twice(app)
    assert "calls.open_notifications" in first
    assert "calls.open_notifications" in second
    assert _notified(session, "calls.opened") == sorted([world.member_a.id, world.member_b.id])
    assert session.get(Call, call.id).opened_notified_at is not None
    notice = session.scalar(select(Notification).where(Notification.kind == "calls.opened"))
    assert notice.url == f"/calls/{call.id}"
    assert "Remittance costs" in notice.title


def test_reminder_48_hours_before_close_to_those_who_have_not_answered(app, session, world):
    call = make_call(session, world.space, world.liaison, closes_in=timedelta(hours=47))
    later = make_call(session, world.space, world.liaison, closes_in=timedelta(days=5))
    add_contribution(session, call, world.org_a, world.member_a, "Done")
    _run_twice(app)
    assert _notified(session, "calls.reminder") == sorted([world.member_b.id, world.member_c.id])
    assert session.get(Call, later.id).reminder_sent_at is None


def test_closing_tells_author_and_facilitators_once(app, session, world):
    make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=3),
        closes_in=-timedelta(minutes=2),
    )
    _run_twice(app)
    assert _notified(session, "calls.closed") == sorted([world.facilitator.id, world.liaison.id])


def test_people_with_another_language_are_reminded_too(app, session, world):
    world.member_b.language = "fr"
    session.merge(world.member_b)
    session.commit()
    make_call(session, world.space, world.liaison, closes_in=timedelta(hours=10))
    _run_twice(app)
    assert len(_notified(session, "calls.reminder")) == 3
