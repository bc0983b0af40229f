"""The closing reminder: a day before a round closes, once, to delegates yet to endorse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications.models import Notification
from diaspora_hub.recommendations import service
from diaspora_hub.recommendations.consensus import Position
from tests.recommendations.conftest import consulted

pytestmark = pytest.mark.postgres

JOB = "recommendations.closing_reminders"


def _reminded(session: Session) -> list[int]:
    session.expire_all()
    rows = session.scalars(
        select(Notification.user_id).where(Notification.kind == "recommendations.closing")
    )
    return sorted(rows)


def test_delegates_yet_to_endorse_are_reminded_once(app, session, world):
    soon = consulted(session, world, days=1)
    soon.closes_at = utcnow() + timedelta(hours=20)
    later = consulted(session, world, days=5)
    session.commit()
    with app.test_request_context():
        service.endorse(session, world.delegate_a, soon.id, position=Position.SUPPORT)
        session.commit()
    now = utcnow()
    assert JOB in scheduler.run_due(app, now)
    assert JOB in scheduler.run_due(app, now + timedelta(minutes=6))
    assert _reminded(session) == sorted(
        [world.delegate_b.id, world.gov_liaison.id, world.io_liaison.id]
    )
    notice = session.scalar(
        select(Notification).where(Notification.kind == "recommendations.closing")
    )
    assert notice.url == f"/recommendations/{soon.id}"
    session.refresh(later)
    assert later.reminder_sent_at is None
