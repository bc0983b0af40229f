"""Private calendar feeds, working hours, and a person's own meetings.

A feed address carries a random token; only its hash is stored, so the address is shown
once when it is made. A person may revoke it (the address then answers 404) and make a
new one. A feed lists the meetings the person holds a place in or scheduled, from a
month back, cancelled ones included so calendars mark them cancelled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import time, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import NotFound, ValidationFailed
from diaspora_hub.meetings.models import (
    HOLDING,
    CalendarToken,
    Meeting,
    Registration,
    WorkingHours,
)
from diaspora_hub.meetings.types import MyMeetings

#: the working day assumed for people who have not set theirs
DEFAULT_HOURS = (time(9, 0), time(17, 0))
#: how far back a feed reaches
FEED_HISTORY = timedelta(days=31)
#: at most this many live addresses per person
TOKENS_MAX = 5


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, actor: User) -> str:
    """A new feed token; the caller shows it once."""
    live = _tokens(session, actor)
    if len(live) >= TOKENS_MAX:
        raise ValidationFailed(_("Revoke an old calendar address first."))
    token = secrets.token_urlsafe(24)
    session.add(CalendarToken(user_id=actor.id, token_hash=_hash(token), prefix=token[:8]))
    session.flush()
    audit.record(session, actor.id, "meeting.calendar_token_created", "user", actor.id)
    return token


def revoke_token(session: Session, actor: User, prefix: str) -> None:
    found = next((t for t in _tokens(session, actor) if t.prefix == prefix), None)
    if found is None:
        raise NotFound(_("No such calendar address."))
    found.revoked_at = utcnow()
    session.flush()
    audit.record(session, actor.id, "meeting.calendar_token_revoked", "user", actor.id)


def feed(session: Session, token: str) -> tuple[User, list[Meeting]]:
    """The person a live token belongs to and their meetings; 404 for anything else."""
    row = session.scalar(
        select(CalendarToken).where(
            CalendarToken.token_hash == _hash(token), CalendarToken.revoked_at.is_(None)
        )
    )
    person = session.get(User, row.user_id) if row is not None else None
    if person is None or not person.is_active:
        raise NotFound(_("No such calendar."))
    held = select(Registration.meeting_id).where(
        Registration.user_id == person.id, Registration.status.in_(list(HOLDING))
    )
    meetings = session.scalars(
        select(Meeting)
        .where(
            or_(Meeting.id.in_(held), Meeting.created_by_id == person.id),
            Meeting.ends_at >= utcnow() - FEED_HISTORY,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return person, list(meetings)


def working_hours(session: Session, user_id: int) -> tuple[time, time]:
    row = session.get(WorkingHours, user_id)
    return (row.starts, row.ends) if row is not None else DEFAULT_HOURS


def set_working_hours(session: Session, actor: User, *, starts: time, ends: time) -> WorkingHours:
    if ends <= starts:
        raise ValidationFailed(fields={"ends": [_("The day must end after it starts.")]})
    row = session.get(WorkingHours, actor.id) or WorkingHours(user_id=actor.id)
    row.starts, row.ends = starts, ends
    session.add(row)
    session.flush()
    return row


def my_meetings(session: Session, actor: User) -> MyMeetings:
    registrations = session.scalars(
        select(Registration)
        .join(Meeting, Meeting.id == Registration.meeting_id)
        .where(Registration.user_id == actor.id, Meeting.ends_at >= utcnow() - FEED_HISTORY)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    starts, ends = working_hours(session, actor.id)
    return MyMeetings(
        registrations=tuple(registrations),
        tokens=tuple(t.prefix for t in _tokens(session, actor)),
        hours_start=starts,
        hours_end=ends,
        hours_set=session.get(WorkingHours, actor.id) is not None,
    )


def _tokens(session: Session, actor: User) -> list[CalendarToken]:
    return list(
        session.scalars(
            select(CalendarToken)
            .where(CalendarToken.user_id == actor.id, CalendarToken.revoked_at.is_(None))
            .order_by(CalendarToken.id)
        )
    )
