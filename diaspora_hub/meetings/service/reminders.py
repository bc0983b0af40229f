"""Reminders a day and a quarter of an hour before a meeting, once each.

The scheduler runs the job once per slot across workers; each reminder also sets a
once-only column with an atomic UPDATE, so an overlapping run never sends it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.timezones import to_local
from diaspora_hub.meetings.models import Meeting, MeetingState, RegistrationStatus
from diaspora_hub.meetings.service import kernel

DAY_BEFORE = timedelta(hours=24)
SOON_BEFORE = timedelta(minutes=15)


def send_reminders(session: Session, now: datetime) -> int:
    """Remind everyone with an approved place; the number of meetings reminded of."""
    sent = 0
    for flag, before in (
        (Meeting.day_reminder_sent_at, DAY_BEFORE),
        (Meeting.soon_reminder_sent_at, SOON_BEFORE),
    ):
        due = session.scalars(
            select(Meeting)
            .where(
                Meeting.state == MeetingState.SCHEDULED,
                flag.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + before,
            )
            .order_by(Meeting.id)
        )
        for meeting in list(due):
            if before is DAY_BEFORE and meeting.starts_at <= now + SOON_BEFORE:
                continue  # the quarter-hour reminder says it all
            if _claim(session, meeting, flag, now):
                _remind(session, meeting)
                sent += 1
    return sent


def _claim(
    session: Session, meeting: Meeting, flag: InstrumentedAttribute[Any], now: datetime
) -> bool:
    result = session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, flag.is_(None))
        .values({flag.key: now})
        .execution_options(synchronize_session=False)
    )
    session.refresh(meeting)
    return bool(getattr(result, "rowcount", 0))


def _remind(session: Session, meeting: Meeting) -> None:
    def title(person: User) -> Any:
        local = to_local(meeting.starts_at, person.time_zone or "UTC")
        return _l(
            "Reminder: “%(title)s” starts at %(time)s (%(zone)s)",
            title=meeting.title,
            time=local.strftime("%Y-%m-%d %H:%M"),
            zone=person.time_zone or "UTC",
        )

    kernel.notify(
        session,
        kernel.registered_people(session, meeting, (RegistrationStatus.APPROVED,)),
        kernel.KIND_REMINDER,
        meeting,
        title=title,
    )
