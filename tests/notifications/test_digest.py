"""The daily digest: once a day per person, from 07:00 in their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.notifications import scheduler, service
from diaspora_hub.notifications.models import Delivery, Notification
from tests import factories
from tests.notifications.conftest import DIGESTED, PING

pytestmark = pytest.mark.postgres

DIGEST = "notifications.daily_digest"
# Tokyo is UTC+9 all year: 21:30 UTC is 06:30 there, 22:30 UTC is 07:30.
BEFORE_SEVEN = datetime(2030, 3, 4, 21, 30, tzinfo=UTC)
AFTER_SEVEN = datetime(2030, 3, 4, 22, 30, tzinfo=UTC)
LATER_SAME_DAY = datetime(2030, 3, 5, 5, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2030, 3, 5, 22, 5, tzinfo=UTC)


@pytest.fixture
def only_digest(app, monkeypatch):
    """Run the digest job alone, whatever other domains registered (after the app is
    built, since domains register their jobs in ``init_app``)."""
    monkeypatch.setattr(scheduler, "_JOBS", {DIGEST: scheduler._JOBS[DIGEST]})


def _notify(app: Flask, session: Session, people: list[User], kind: str, title: str) -> None:
    with app.app_context():
        service.notify(session, people, kind, title=title, body=f"About {title}.", url="/x")
        session.commit()


@pytest.mark.usefixtures("only_digest")
def test_daily_items_arrive_together_once_after_seven_local_time(app, session, smtp_server):
    amina = factories.user(session, time_zone="Asia/Tokyo")
    session.commit()
    _notify(app, session, [amina], DIGESTED, "Call on remittances opened")
    _notify(app, session, [amina], DIGESTED, "Meeting agenda published")
    assert smtp_server.messages == []

    assert scheduler.run_due(app, BEFORE_SEVEN) == [DIGEST]
    assert smtp_server.messages == []

    assert scheduler.run_due(app, AFTER_SEVEN) == [DIGEST]
    [digest] = smtp_server.messages
    assert digest["To"] == amina.email
    assert "2 notifications" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    assert "Call on remittances opened" in text
    assert "Meeting agenda published" in text
    assert "http://localhost/x" in text
    assert "Meeting agenda published" in digest.get_body(("html",)).get_content()

    _notify(app, session, [amina], DIGESTED, "Arrived after the digest")
    assert scheduler.run_due(app, LATER_SAME_DAY) == [DIGEST]
    assert len(smtp_server.messages) == 1

    assert scheduler.run_due(app, NEXT_MORNING) == [DIGEST]
    assert len(smtp_server.messages) == 2
    assert "Arrived after the digest" in smtp_server.messages[1].get_body(("plain",)).get_content()
    assert "remittances" not in smtp_server.messages[1].get_body(("plain",)).get_content()


@pytest.mark.usefixtures("only_digest")
def test_a_second_run_sends_nothing(app, session, smtp_server):
    amina = factories.user(session)
    session.commit()
    _notify(app, session, [amina], DIGESTED, "Only once")
    with app.app_context():
        service.send_daily_digests(session, AFTER_SEVEN)
        session.commit()
        service.send_daily_digests(session, AFTER_SEVEN)
        session.commit()
    assert len(smtp_server.messages) == 1
    stored = session.scalar(select(Notification).where(Notification.user_id == amina.id))
    assert stored is not None
    assert stored.digested_at is not None


@pytest.mark.usefixtures("only_digest")
def test_each_person_in_their_own_time_zone(app, session, smtp_server):
    tokyo = factories.user(session, time_zone="Asia/Tokyo")
    bangkok = factories.user(session, time_zone="Asia/Bangkok")
    session.commit()
    _notify(app, session, [tokyo, bangkok], DIGESTED, "For both")
    scheduler.run_due(app, AFTER_SEVEN)  # 07:30 in Tokyo (UTC+9), 05:30 in Bangkok (UTC+7)
    assert [m["To"] for m in smtp_server.messages] == [tokyo.email]
    scheduler.run_due(app, AFTER_SEVEN + timedelta(hours=2))  # 07:30 in Bangkok
    assert [m["To"] for m in smtp_server.messages] == [tokyo.email, bangkok.email]


@pytest.mark.usefixtures("only_digest")
def test_read_items_are_left_out_and_immediate_ones_never_repeat(app, session, smtp_server):
    amina = factories.user(session)
    service.set_preferences(session, amina, {PING: Delivery.DAILY.value})
    session.commit()
    _notify(app, session, [amina], DIGESTED, "Already seen")
    seen = session.scalar(select(Notification).where(Notification.user_id == amina.id))
    service.mark_read(session, amina, seen.id)
    service.set_preferences(session, amina, {PING: Delivery.IMMEDIATE.value})
    session.commit()
    _notify(app, session, [amina], PING, "Sent at once")
    assert len(smtp_server.messages) == 1

    scheduler.run_due(app, AFTER_SEVEN)
    assert len(smtp_server.messages) == 1
    session.expire_all()
    assert session.get(Notification, seen.id).digested_at is not None
