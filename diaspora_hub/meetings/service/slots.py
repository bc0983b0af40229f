"""Best slots for the people a meeting concerns: those registered, and the members of the
space's participating organisations (who are invited to everything in it).

Only the space's facilitators ask: the answer is made of counts per bloc, never of
people, but it still reflects where members live.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.meetings import slots
from diaspora_hub.meetings.models import ACTIVE, Meeting, Registration, WorkingHours
from diaspora_hub.meetings.service import kernel
from diaspora_hub.meetings.service.calendar import DEFAULT_HOURS
from diaspora_hub.meetings.types import Attendee, SlotRanking
from diaspora_hub.organisations.models import (
    Bloc,
    Membership,
    MembershipStatus,
    Organisation,
)
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceOrganisation

#: how far a search reaches, and how many meetings a series has at most
DAYS_MAX = 14
SERIES_MAX = 12


def space_slots(
    session: Session,
    actor: User,
    slug: str,
    *,
    first_day: date,
    days: int = 7,
    minutes: int = 60,
    count: int = 1,
) -> tuple[Space, SlotRanking]:
    """Before scheduling: the members of the space's participating organisations."""
    space = spaces.get_visible(session, actor, slug)
    spaces.require_manager(session, actor, space)
    people = attendees(session, space, None)
    return space, _rank(people, first_day, days, minutes, count)


def meeting_slots(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    first_day: date,
    days: int = 7,
    count: int = 1,
) -> tuple[Meeting, SlotRanking]:
    """For a meeting to move: its registered people and the invited members, its length."""
    meeting = kernel.get_meeting(session, actor, meeting_id)
    kernel.require_manager(session, actor, meeting)
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    people = attendees(session, meeting.space, meeting)
    return meeting, _rank(people, first_day, days, minutes, count)


def attendees(session: Session, space: Space, meeting: Meeting | None) -> list[Attendee]:
    blocs: dict[int, Bloc] = {}
    users: dict[int, User] = {}
    members = session.execute(
        select(User, Organisation)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .join(SpaceOrganisation, SpaceOrganisation.organisation_id == Organisation.id)
        .where(
            SpaceOrganisation.space_id == space.id,
            Membership.status == MembershipStatus.ACTIVE,
            User.is_active.is_(True),
        )
        .order_by(User.id, Organisation.id)
    )
    for user, organisation in members:
        users.setdefault(user.id, user)
        blocs.setdefault(user.id, organisation.bloc)
    if meeting is not None:
        registered = session.execute(
            select(User, Registration)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.meeting_id == meeting.id, Registration.status.in_(list(ACTIVE)))
        )
        for user, registration in registered:
            users.setdefault(user.id, user)
            if registration.organisation is not None:
                blocs.setdefault(user.id, registration.organisation.bloc)
    hours = {
        row.user_id: (row.starts, row.ends)
        for row in session.scalars(select(WorkingHours).where(WorkingHours.user_id.in_(users)))
    }
    return [
        Attendee(
            bloc=blocs.get(user.id, Bloc.OTHER).value,
            time_zone=user.time_zone or "UTC",
            starts=hours.get(user.id, DEFAULT_HOURS)[0],
            ends=hours.get(user.id, DEFAULT_HOURS)[1],
        )
        for user in users.values()
    ]


def _rank(
    people: list[Attendee], first_day: date, days: int, minutes: int, count: int
) -> SlotRanking:
    errors: dict[str, list[str]] = {}
    if not 1 <= days <= DAYS_MAX:
        errors["days"] = [_("Between 1 and %(max)d days.", max=DAYS_MAX)]
    if not 15 <= minutes <= 720:
        errors["minutes"] = [_("Between 15 minutes and 12 hours.")]
    if not 1 <= count <= SERIES_MAX:
        errors["count"] = [_("Between 1 and %(max)d meetings.", max=SERIES_MAX)]
    if errors:
        raise ValidationFailed(fields=errors)
    duration = timedelta(minutes=minutes)
    if count == 1:
        return slots.best_slots(people, first_day, days=days, duration=duration)
    return slots.plan_series(people, first_day, days=days, duration=duration, count=count)
