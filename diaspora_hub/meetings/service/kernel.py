"""What every part of the meetings service shares: finding a meeting, who may do what,
places, and telling people.

Decisions kept here so pages, the API and jobs agree:

- A meeting is seen by whoever sees its space; facilitators of the space (and platform
  admins) schedule, change, open, end and cancel it, and decide registrations.
- Taking part (registering) needs the space's code of conduct accepted, like any other
  participation.
- A place is held by an approved or pending registration; the meeting's capacity and each
  category's capacity bound them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Forbidden, NotFound
from diaspora_hub.meetings.models import (
    ACTIVE,
    HOLDING,
    Meeting,
    MeetingState,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from diaspora_hub.meetings.types import CategoryPlaces, MeetingPermissions
from diaspora_hub.notifications import service as notifications
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Organisation, Role
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import SpaceFacilitator

KIND_CHANGED = "meetings.changed"
KIND_CANCELLED = "meetings.cancelled"
KIND_REMINDER = "meetings.reminder"
KIND_REGISTRATION = "meetings.registration"
KIND_REQUEST = "meetings.request"

NOTIFICATION_KINDS: tuple[tuple[str, Any], ...] = (
    (KIND_CHANGED, _l("A meeting you registered for changed")),
    (KIND_CANCELLED, _l("A meeting you registered for was cancelled")),
    (KIND_REMINDER, _l("A meeting you registered for starts soon")),
    (KIND_REGISTRATION, _l("A decision on your registration for a meeting")),
    (KIND_REQUEST, _l("Somebody asks to register for a meeting you run")),
)

#: roles that may register on behalf of their organisation
DELEGATE_ROLES = (Role.DELEGATE, Role.ADMIN)
#: hosts whose links are shown embedded besides those configured in JITSI_HOSTS
JITSI_DEFAULT_HOSTS = ("meet.jit.si",)


def get_meeting(session: Session, actor: User | None, meeting_id: int) -> Meeting:
    """The meeting, or 404 when it does not exist or its space is hidden from this person."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not spaces.can_see(session, actor, meeting.space):
        raise NotFound(_("No such meeting."))
    return meeting


def locked_meeting(session: Session, actor: User | None, meeting_id: int) -> Meeting:
    """The meeting with its row locked until commit (PostgreSQL): places change one at a time."""
    get_meeting(session, actor, meeting_id)
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def managed_meeting(session: Session, actor: User | None, meeting_id: int) -> Meeting:
    meeting = locked_meeting(session, actor, meeting_id)
    require_manager(session, actor, meeting)
    return meeting


def require_manager(session: Session, actor: User | None, meeting: Meeting) -> None:
    if not spaces.can_manage(session, actor, meeting.space):
        raise Forbidden(_("Only the facilitators of this space may do that."))


def delegate_organisations(session: Session, actor: User) -> list[Organisation]:
    """Verified organisations the person may register for as their delegate."""
    return [
        m.organisation
        for m in organisations.active_memberships(session, actor)
        if m.role in DELEGATE_ROLES and m.organisation.is_verified
    ]


def permissions(
    session: Session, actor: User | None, meeting: Meeting, now: datetime
) -> MeetingPermissions:
    state = meeting.state_at(now)
    manages = spaces.can_manage(session, actor, meeting.space)
    scheduled = state is MeetingState.SCHEDULED
    own = own_registration(session, actor, meeting)
    participant = actor is not None and spaces.can_see(session, actor, meeting.space)
    may_register = participant and scheduled and (own is None or own.status not in ACTIVE)
    return MeetingPermissions(
        manage=manages,
        register=may_register,
        register_for=tuple(delegate_organisations(session, actor))
        if may_register and actor is not None
        else (),
        open_room=manages and scheduled,
        end=manages and state is MeetingState.LIVE,
        cancel=manages and state in (MeetingState.SCHEDULED, MeetingState.LIVE),
        edit=manages and scheduled,
        join_room=state is MeetingState.LIVE
        and (manages or (own is not None and own.status is RegistrationStatus.APPROVED)),
    )


def own_registration(session: Session, actor: User | None, meeting: Meeting) -> Registration | None:
    if actor is None or not actor.is_authenticated:
        return None
    return session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id, Registration.user_id == actor.id
        )
    )


def places(session: Session, meeting: Meeting) -> tuple[list[CategoryPlaces], int]:
    """Places held and people waiting, per category, and the places held in all."""
    counts: dict[tuple[int, RegistrationStatus], int] = {
        (category_id, status): number
        for category_id, status, number in session.execute(
            select(Registration.category_id, Registration.status, func.count())
            .where(Registration.meeting_id == meeting.id)
            .group_by(Registration.category_id, Registration.status)
        )
    }
    found = [
        CategoryPlaces(
            category=category,
            taken=sum(counts.get((category.id, s), 0) for s in HOLDING),
            waiting=counts.get((category.id, RegistrationStatus.WAITING), 0),
        )
        for category in meeting.categories
    ]
    return found, sum(p.taken for p in found)


def has_place(session: Session, meeting: Meeting, category: RegistrationCategory) -> bool:
    found, taken = places(session, meeting)
    if meeting.capacity is not None and taken >= meeting.capacity:
        return False
    return not next(p for p in found if p.category.id == category.id).full


def registered_people(
    session: Session, meeting: Meeting, statuses: Iterable[RegistrationStatus] = ACTIVE
) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.meeting_id == meeting.id,
                Registration.status.in_(list(statuses)),
                User.is_active.is_(True),
            )
            .order_by(User.id)
        )
    )


def facilitators(session: Session, meeting: Meeting) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(SpaceFacilitator, SpaceFacilitator.user_id == User.id)
            .where(SpaceFacilitator.space_id == meeting.space_id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def notify(
    session: Session,
    people: Sequence[User],
    kind: str,
    meeting: Meeting,
    *,
    title: Any,
    body: Any = "",
) -> None:
    """One notification per person, each in that person's language.

    ``title`` and ``body`` are lazy strings, or callables of the person that build them
    (for times shown in each person's own zone).
    """
    for person in people:
        with force_locale(person.language or "en"):
            notifications.notify(
                session,
                [person],
                kind,
                title=str(title(person) if callable(title) else title),
                body=str(body(person) if callable(body) else body),
                url=f"/meetings/{meeting.id}",
            )


def _jitsi_hosts() -> set[str]:
    configured = current_app.config.get("JITSI_HOSTS") or ""
    names = configured.split(",") if isinstance(configured, str) else list(configured)
    return {*JITSI_DEFAULT_HOSTS, *(name.strip().lower() for name in names if name.strip())}


def is_jitsi(url: str | None) -> bool:
    return bool(url) and (urlsplit(url or "").hostname or "").lower() in _jitsi_hosts()


def frame_sources() -> list[str]:
    """Origins the meeting page may frame (its Content-Security-Policy names them)."""
    return sorted(f"https://{host}" for host in _jitsi_hosts())


def actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None
