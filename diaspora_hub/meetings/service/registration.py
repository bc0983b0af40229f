"""Registration: a place in a category, approval, the waiting list.

- People register in a category for themselves; in a category for organisations, a
  delegate (or admin) of a verified organisation registers for it, one place per
  organisation.
- With a free place a registration is approved at once (``open``) or waits for a
  facilitator (``approval``), holding the place meanwhile. Without one, the person may
  join the waiting list; otherwise the meeting is full and nothing changes.
- A freed place goes to the first on the waiting list who fits (by category), in the
  order they registered.
- Registration closes when the meeting starts.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.live import service as live
from diaspora_hub.meetings.models import (
    ACTIVE,
    Meeting,
    MeetingState,
    Registration,
    RegistrationCategory,
    RegistrationPolicy,
    RegistrationStatus,
)
from diaspora_hub.meetings.service import kernel
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces import service as spaces


def register(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    category: str,
    organisation: str | None = None,
    waiting_list: bool = False,
) -> Registration:
    meeting = kernel.locked_meeting(session, actor, meeting_id)
    spaces.require_participant(session, actor, meeting.space)
    now = utcnow()
    if meeting.state_at(now) is not MeetingState.SCHEDULED:
        if meeting.state is MeetingState.CANCELLED:
            raise Conflict(_("This meeting is cancelled."))
        raise Conflict(_("Registration has closed: the meeting has started."))
    chosen = _category(meeting, category)
    org = _organisation(session, actor, meeting, chosen, organisation)
    existing = kernel.own_registration(session, actor, meeting)
    if existing is not None and existing.status in ACTIVE:
        raise Conflict(_("You are registered for this meeting already."))
    if existing is not None and existing.status is RegistrationStatus.DECLINED:
        raise Conflict(_("The facilitators declined your registration for this meeting."))
    if kernel.has_place(session, meeting, chosen):
        status = _holding_status(meeting)
    elif waiting_list:
        status = RegistrationStatus.WAITING
    else:
        raise Conflict(
            _("This meeting is full; you may join the waiting list."),
            fields={"category": [_("No place left in “%(label)s”.", label=chosen.label)]},
        )
    registration = existing or Registration(meeting=meeting, user_id=actor.id)
    registration.category = chosen
    registration.organisation = org
    registration.status = status
    registration.queued_at = now
    registration.decided_at = registration.decided_by_id = None
    session.add(registration)
    session.flush()
    if status is RegistrationStatus.APPROVED:
        live.register_participant(session, meeting.room, actor)
    if status is RegistrationStatus.PENDING:
        kernel.notify(
            session,
            kernel.facilitators(session, meeting),
            kernel.KIND_REQUEST,
            meeting,
            title=_l(
                "%(name)s asks to register for “%(title)s”",
                name=actor.display_name,
                title=meeting.title,
            ),
        )
    audit.record(
        session,
        actor.id,
        "meeting.registered",
        "meeting",
        meeting.id,
        status=status.value,
        category=chosen.key,
        organisation=org.slug if org else None,
    )
    return registration


def approve(session: Session, actor: User, meeting_id: int, registration_id: int) -> Registration:
    meeting, registration = _decided(session, actor, meeting_id, registration_id)
    registration.approve(utcnow(), actor)
    live.register_participant(session, meeting.room, registration.user)
    _tell(
        session, meeting, registration, _l("You have a place in “%(title)s”", title=meeting.title)
    )
    audit.record(
        session,
        actor.id,
        "meeting.registration_approved",
        "meeting",
        meeting.id,
        registration=registration.id,
    )
    return registration


def decline(session: Session, actor: User, meeting_id: int, registration_id: int) -> Registration:
    meeting, registration = _decided(session, actor, meeting_id, registration_id)
    now = utcnow()
    held = registration.holds_place
    registration.decline(now, actor)
    session.flush()
    _tell(
        session,
        meeting,
        registration,
        _l("Your registration for “%(title)s” was declined", title=meeting.title),
    )
    if held:
        fill_places(session, meeting, now)
    audit.record(
        session,
        actor.id,
        "meeting.registration_declined",
        "meeting",
        meeting.id,
        registration=registration.id,
    )
    return registration


def withdraw(session: Session, actor: User, meeting_id: int, registration_id: int) -> Registration:
    """The person (or a facilitator for them) gives up the place; the waiting list moves up."""
    meeting = kernel.locked_meeting(session, actor, meeting_id)
    registration = _registration(session, meeting, registration_id)
    if registration.user_id != actor.id:
        kernel.require_manager(session, actor, meeting)
    now = utcnow()
    if meeting.state_at(now) in (MeetingState.ENDED, MeetingState.CANCELLED):
        raise Conflict(_("This meeting is over; its registrations no longer change."))
    held = registration.holds_place
    registration.withdraw()
    session.flush()
    live.register_participant(session, meeting.room, registration.user, registered=False)
    if held:
        fill_places(session, meeting, now)
    audit.record(
        session,
        actor.id,
        "meeting.registration_withdrawn",
        "meeting",
        meeting.id,
        registration=registration.id,
    )
    return registration


def list_registrations(
    session: Session, actor: User, meeting_id: int
) -> tuple[Meeting, list[Registration]]:
    """Every registration, for the facilitators; waiting list in its order."""
    meeting = kernel.get_meeting(session, actor, meeting_id)
    kernel.require_manager(session, actor, meeting)
    return meeting, registrations_of(session, meeting)


def registrations_of(session: Session, meeting: Meeting) -> list[Registration]:
    return list(
        session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting.id)
            .order_by(Registration.queued_at, Registration.id)
        )
    )


def fill_places(session: Session, meeting: Meeting, now: datetime) -> list[Registration]:
    """Give freed places to the waiting list in order; those who move up hear of it."""
    if meeting.state_at(now) is not MeetingState.SCHEDULED:
        return []
    waiting = session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == RegistrationStatus.WAITING,
        )
        .order_by(Registration.queued_at, Registration.id)
    )
    moved: list[Registration] = []
    for registration in list(waiting):
        if not kernel.has_place(session, meeting, registration.category):
            continue
        registration.status = _holding_status(meeting)
        registration.decided_at = now
        session.flush()
        if registration.status is RegistrationStatus.APPROVED:
            live.register_participant(session, meeting.room, registration.user)
        _tell(
            session,
            meeting,
            registration,
            _l("A place opened for you in “%(title)s”", title=meeting.title),
        )
        moved.append(registration)
    return moved


def _holding_status(meeting: Meeting) -> RegistrationStatus:
    if meeting.registration is RegistrationPolicy.APPROVAL:
        return RegistrationStatus.PENDING
    return RegistrationStatus.APPROVED


def _category(meeting: Meeting, key: str) -> RegistrationCategory:
    for category in meeting.categories:
        if category.key == key:
            return category
    raise ValidationFailed(fields={"category": [_("Choose one of the meeting's categories.")]})


def _organisation(
    session: Session,
    actor: User,
    meeting: Meeting,
    category: RegistrationCategory,
    slug: str | None,
) -> Organisation | None:
    if not category.for_organisations:
        if slug:
            raise ValidationFailed(
                fields={"organisation": [_("This category is for people, not organisations.")]}
            )
        return None
    if not slug:
        raise ValidationFailed(
            fields={"organisation": [_("Choose the organisation you register for.")]}
        )
    org = next((o for o in kernel.delegate_organisations(session, actor) if o.slug == slug), None)
    if org is None:
        raise Forbidden(_("Only a delegate of a verified organisation registers for it."))
    taken = session.scalar(
        select(Registration.id).where(
            Registration.meeting_id == meeting.id,
            Registration.organisation_id == org.id,
            Registration.status.in_(list(ACTIVE)),
        )
    )
    if taken is not None:
        raise Conflict(_("%(org)s is registered for this meeting already.", org=org.name))
    return org


def _registration(session: Session, meeting: Meeting, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None or registration.meeting_id != meeting.id:
        raise NotFound(_("No such registration."))
    return registration


def _decided(
    session: Session, actor: User, meeting_id: int, registration_id: int
) -> tuple[Meeting, Registration]:
    """Approving and declining are for the facilitators, before the meeting ends."""
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    if meeting.state_at(utcnow()) in (MeetingState.ENDED, MeetingState.CANCELLED):
        raise Conflict(_("This meeting is over; its registrations no longer change."))
    return meeting, _registration(session, meeting, registration_id)


def _tell(session: Session, meeting: Meeting, registration: Registration, title: object) -> None:
    kernel.notify(session, [registration.user], kernel.KIND_REGISTRATION, meeting, title=title)
