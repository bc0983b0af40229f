"""Notices that go out once when the clock passes a moment: a call opened, closes soon,
closed; and a contribution reported. The scheduled jobs in ``calls.jobs`` call these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call, CallState, Contribution
from diaspora_hub.calls.service.access import invited_organisations
from diaspora_hub.notifications import service as notifications
from diaspora_hub.organisations.models import Membership, MembershipStatus
from diaspora_hub.spaces import service as spaces

#: the deadline reminder goes out this long before a call closes
REMINDER_BEFORE = timedelta(hours=48)

#: notification kinds of calls, registered by ``calls.init_app``
KIND_OPENED = "calls.opened"
KIND_REMINDER = "calls.reminder"
KIND_CLOSED = "calls.closed"
KIND_REPORTED = "calls.reported"


def send_open_notifications(session: Session, now: datetime) -> int:
    """Tell the invited organisations' members about calls that opened, once per call."""
    sent = 0
    for call in _due_calls(session, now, Call.opened_notified_at):
        if call.state_at(now) is not CallState.OPEN or not _claim(
            session, call, Call.opened_notified_at, now
        ):
            continue
        _notify(
            session,
            audience_members(session, call),
            KIND_OPENED,
            _l("Call for input open: %(title)s", title=call.title),
            _l("Your organisation is invited to answer."),
            call,
        )
        sent += 1
    return sent


def send_deadline_reminders(session: Session, now: datetime) -> int:
    """48 hours before closing, remind invited organisations that have not answered."""
    sent = 0
    for call in _due_calls(session, now, Call.reminder_sent_at):
        if call.state_at(now) is not CallState.OPEN or call.closes_at - REMINDER_BEFORE > now:
            continue
        if not _claim(session, call, Call.reminder_sent_at, now):
            continue
        _notify(
            session,
            audience_members(session, call, unanswered_only=True),
            KIND_REMINDER,
            _l("Call for input closes soon: %(title)s", title=call.title),
            _l("Your organisation has not answered yet."),
            call,
        )
        sent += 1
    return sent


def send_close_notices(session: Session, now: datetime) -> int:
    """Tell the author and the facilitators that a call closed and can be synthesised."""
    sent = 0
    for call in _due_calls(session, now, Call.closed_notified_at, closed=True):
        if call.state_at(now) is not CallState.CLOSED:
            continue
        if not _claim(session, call, Call.closed_notified_at, now):
            continue
        people = {f.user.id: f.user for f in call.space.facilitators if f.user.is_active}
        if call.author is not None and call.author.is_active:
            people[call.author.id] = call.author
        received = session.scalar(
            select(Contribution.id).where(Contribution.call_id == call.id).limit(1)
        )
        _notify(
            session,
            [people[key] for key in sorted(people)],
            KIND_CLOSED,
            _l("Call for input closed: %(title)s", title=call.title),
            _l("Contributions can now be synthesised.")
            if received
            else _l("No contributions were received."),
            call,
        )
        sent += 1
    return sent


def audience_members(session: Session, call: Call, *, unanswered_only: bool = False) -> list[User]:
    """Active members of invited organisations who can see the space, each once."""
    orgs = invited_organisations(session, call)
    if unanswered_only:
        answered = set(
            session.scalars(
                select(Contribution.organisation_id).where(Contribution.call_id == call.id)
            )
        )
        orgs = [org for org in orgs if org.id not in answered]
    if not orgs:
        return []
    people = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id.in_([org.id for org in orgs]),
            Membership.status == MembershipStatus.ACTIVE,
            User.is_active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return [person for person in people if spaces.can_see(session, person, call.space)]


def _due_calls(session: Session, now: datetime, flag: Any, *, closed: bool = False) -> list[Call]:
    window = Call.closes_at <= now if closed else and_(Call.opens_at <= now, Call.closes_at > now)
    query = (
        select(Call).where(Call.published_at.is_not(None), flag.is_(None), window).order_by(Call.id)
    )
    return list(session.scalars(query))


def _claim(session: Session, call: Call, flag: Any, now: datetime) -> bool:
    """Set a once-only flag atomically, so two workers never both act on the same call."""
    result = session.execute(
        update(Call)
        .where(Call.id == call.id, flag.is_(None))
        .values({flag.key: now})
        .execution_options(synchronize_session=False)
    )
    session.refresh(call)
    return bool(getattr(result, "rowcount", 0))


def _notify(
    session: Session,
    people: Sequence[User],
    kind: str,
    title: Any,
    body: Any,
    call: Call,
) -> None:
    """One notification per person, each written in that person's language.

    ``title`` and ``body`` are lazy strings, translated once per language group.
    """
    by_language: dict[str, list[User]] = {}
    for person in people:
        by_language.setdefault(person.language or "en", []).append(person)
    for language in sorted(by_language):
        with force_locale(language):
            notifications.notify(
                session,
                by_language[language],
                kind,
                title=str(title),
                body=str(body),
                url=f"/calls/{call.id}",
            )
