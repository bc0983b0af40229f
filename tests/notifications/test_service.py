"""Who gets which notification, in the app and by email."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.notifications import service
from diaspora_hub.notifications.models import Delivery, Notification, NotificationPreference
from tests import factories
from tests.notifications.conftest import DIGESTED, PING, QUIET

pytestmark = pytest.mark.postgres


def _stored(session: Session, user: User) -> list[Notification]:
    session.expire_all()
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_one_notification_per_distinct_recipient(app, session, smtp_server):
    amina, kofi = factories.user(session), factories.user(session)
    session.commit()
    with app.app_context():
        created = service.notify(
            session, [amina, kofi, amina], PING, title="A call for input opened", url="/spaces/s"
        )
        session.commit()
    assert len(created) == 2
    assert [n.title for n in _stored(session, amina)] == ["A call for input opened"]
    assert [n.url for n in _stored(session, kofi)] == ["/spaces/s"]
    assert service.unread_count(session, amina) == 1
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([amina.email, kofi.email])


def test_immediate_sends_exactly_one_mail_after_commit(app, session, smtp_server):
    amina = factories.user(session)
    session.commit()
    with app.app_context():
        service.notify(
            session,
            [amina],
            PING,
            title="Deadline tomorrow",
            body="The call on remittances closes tomorrow.",
            url="/spaces/remittances",
        )
        assert smtp_server.messages == []
        session.commit()
    [message] = smtp_server.messages
    assert message["Subject"] == "Deadline tomorrow"
    assert message["To"] == amina.email
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert "The call on remittances closes tomorrow." in text
    assert "http://localhost/spaces/remittances" in text
    html = message.get_body(("html",)).get_content()
    assert 'href="http://localhost/spaces/remittances"' in html


def test_a_rolled_back_notification_sends_nothing_and_keeps_nothing(app, session, smtp_server):
    amina = factories.user(session)
    session.commit()
    with app.app_context():
        service.notify(session, [amina], PING, title="Never happened")
        session.rollback()
        session.commit()
    assert smtp_server.messages == []
    assert _stored(session, amina) == []


@pytest.mark.parametrize(
    ("kind", "choice", "mails"),
    [
        (PING, None, 1),
        (PING, Delivery.DAILY, 0),
        (PING, Delivery.OFF, 0),
        (QUIET, None, 0),
        (QUIET, Delivery.IMMEDIATE, 1),
        (DIGESTED, None, 0),
    ],
)
def test_preferences_decide_the_email_but_the_app_always_lists_it(
    app, session, smtp_server, kind, choice, mails
):
    amina = factories.user(session)
    if choice is not None:
        service.set_preferences(session, amina, {kind: choice.value})
    session.commit()
    with app.app_context():
        service.notify(session, [amina], kind, title="Something happened")
        session.commit()
    assert len(smtp_server.messages) == mails
    assert [n.title for n in _stored(session, amina)] == ["Something happened"]


def test_deactivated_people_get_no_email(app, session, smtp_server):
    gone = factories.user(session, is_active=False)
    session.commit()
    with app.app_context():
        service.notify(session, [gone], PING, title="Hello")
        session.commit()
    assert smtp_server.messages == []


def test_without_mail_url_nothing_is_sent(app, session, smtp_server):
    app.config["MAIL_URL"] = None
    amina = factories.user(session)
    session.commit()
    with app.app_context():
        service.notify(session, [amina], PING, title="Hello")
        session.commit()
    assert smtp_server.messages == []
    assert len(_stored(session, amina)) == 1


def test_unknown_kinds_and_outside_links_are_programming_errors(session):
    amina = factories.user(session)
    with pytest.raises(ValueError, match="not registered"):
        service.notify(session, [amina], "tests.nobody_registered_this", title="x")
    with pytest.raises(ValueError, match="path on this site"):
        service.notify(session, [amina], PING, title="x", url="https://evil.example/")
    with pytest.raises(ValueError, match="path on this site"):
        service.notify(session, [amina], PING, title="x", url="//evil.example/")


def test_titles_are_one_line(session):
    amina = factories.user(session)
    [created] = service.notify(session, [amina], PING, title="Two\nlines " + "x" * 300)
    assert "\n" not in created.title
    assert len(created.title) == service.TITLE_MAX


def test_mark_read_and_all_read_only_touch_ones_own(session):
    amina, kofi = factories.user(session), factories.user(session)
    first, _second = (
        service.notify(session, [amina], PING, title=t)[0] for t in ("first", "second")
    )
    service.notify(session, [kofi], PING, title="his")
    session.commit()
    service.mark_read(session, amina, first.id)
    assert service.unread_count(session, amina) == 1
    assert service.mark_all_read(session, amina) == 1
    assert service.unread_count(session, amina) == 0
    assert service.unread_count(session, kofi) == 1


def test_bad_preferences_change_nothing(session):
    amina = factories.user(session)
    session.commit()
    with pytest.raises(ValidationFailed) as refused:
        service.set_preferences(session, amina, {PING: "off", QUIET: "hourly"})
    assert set(refused.value.fields or {}) == {QUIET}
    with pytest.raises(ValidationFailed):
        service.set_preferences(session, amina, {"tests.unknown": "off"})
    count = select(func.count()).select_from(NotificationPreference)
    assert session.scalar(count) == 0
    assert service.preferences(session, amina)[PING] is Delivery.IMMEDIATE
