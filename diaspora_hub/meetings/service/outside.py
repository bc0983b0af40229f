"""Outside events: meetings others run (UN, IMF, World Bank) that the platform nominates to.

- A facilitator of the space posts the event with a quota per organisation, the
  organisation kinds that may nominate and the levels a nominee must have declared.
- A member of a participating organisation of an eligible kind shows interest for that
  organisation, declaring their level.
- A delegate or admin of that (verified) organisation nominates interested members within
  its quota; a declined or withdrawn nomination frees its place.
- The space's facilitators approve or decline; they also export the list.
- Until nominations close; after that nothing changes.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.meetings.models import (
    QUOTA_USED,
    Level,
    Nomination,
    NominationStatus,
    OutsideEvent,
    OutsideInterest,
)
from diaspora_hub.meetings.service.kernel import DELEGATE_ROLES
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Organisation, OrganisationKind
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceOrganisation


def post_event(
    session: Session,
    actor: User,
    slug: str,
    *,
    title: str,
    host: str,
    starts_at: datetime,
    ends_at: datetime,
    nominations_close_at: datetime,
    quota: int,
    eligible_kinds: list[str],
    eligible_levels: list[str],
    description: str = "",
    location: str = "",
) -> OutsideEvent:
    space = spaces.get_visible(session, actor, slug)
    spaces.require_manager(session, actor, space)
    errors: dict[str, list[str]] = {}
    now = utcnow()
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if not now < nominations_close_at <= starts_at:
        errors["nominations_close_at"] = [_("Between now and the start of the event.")]
    if quota < 1:
        errors["quota"] = [_("At least one place.")]
    kinds = {k.value for k in OrganisationKind}
    if not eligible_kinds or not set(eligible_kinds) <= kinds:
        errors["eligible_kinds"] = [_("Choose the organisation kinds that may nominate.")]
    if not eligible_levels or not set(eligible_levels) <= {lv.value for lv in Level}:
        errors["eligible_levels"] = [_("Choose the levels nominees must have.")]
    if errors:
        raise ValidationFailed(fields=errors)
    event = OutsideEvent(
        space=space,
        created_by_id=actor.id,
        title=title,
        host=host,
        description=description,
        location=location,
        starts_at=starts_at,
        ends_at=ends_at,
        nominations_close_at=nominations_close_at,
        quota=quota,
        eligible_kinds=sorted(set(eligible_kinds)),
        eligible_levels=sorted(set(eligible_levels)),
    )
    session.add(event)
    session.flush()
    audit.record(session, actor.id, "outside_event.posted", "outside_event", event.id)
    return event


def space_events(
    session: Session, actor: User | None, slug: str
) -> tuple[Space, list[OutsideEvent]]:
    space = spaces.get_visible(session, actor, slug)
    events = session.scalars(
        select(OutsideEvent)
        .where(OutsideEvent.space_id == space.id)
        .order_by(OutsideEvent.starts_at.desc())
    )
    return space, list(events)


def get_event(session: Session, actor: User | None, event_id: int) -> OutsideEvent:
    event = session.get(OutsideEvent, event_id)
    if event is None or not spaces.can_see(session, actor, event.space):
        raise NotFound(_("No such event."))
    return event


def eligible_organisations(
    session: Session, actor: User, event: OutsideEvent
) -> list[Organisation]:
    """The person's organisations that take part in the space and are of an eligible kind."""
    taking_part = set(
        session.scalars(
            select(SpaceOrganisation.organisation_id).where(
                SpaceOrganisation.space_id == event.space_id
            )
        )
    )
    return [
        m.organisation
        for m in organisations.active_memberships(session, actor)
        if m.organisation_id in taking_part and m.organisation.kind.value in event.eligible_kinds
    ]


def nominating_organisations(
    session: Session, actor: User, event: OutsideEvent
) -> list[Organisation]:
    """Eligible organisations the person may nominate for (delegate or admin, verified)."""
    roles = {m.organisation_id: m.role for m in organisations.active_memberships(session, actor)}
    return [
        org
        for org in eligible_organisations(session, actor, event)
        if org.is_verified and roles.get(org.id) in DELEGATE_ROLES
    ]


def show_interest(
    session: Session,
    actor: User,
    event_id: int,
    *,
    organisation: str,
    level: Level,
    note: str = "",
) -> OutsideInterest:
    event = get_event(session, actor, event_id)
    spaces.require_participant(session, actor, event.space)
    event.require_open(utcnow())
    org = next(
        (o for o in eligible_organisations(session, actor, event) if o.slug == organisation), None
    )
    if org is None:
        raise Forbidden(_("Only members of an eligible organisation in this space may go."))
    if level.value not in event.eligible_levels:
        raise Conflict(
            _("This event accredits other levels only."),
            fields={"level": [_("Not eligible for this event.")]},
        )
    found = session.scalar(
        select(OutsideInterest).where(
            OutsideInterest.event_id == event.id, OutsideInterest.user_id == actor.id
        )
    )
    if found is not None:
        raise Conflict(_("You have shown interest already."))
    interest = OutsideInterest(
        event_id=event.id, user_id=actor.id, organisation=org, level=level, note=note
    )
    session.add(interest)
    session.flush()
    return interest


def interests_for(session: Session, actor: User, event: OutsideEvent) -> list[OutsideInterest]:
    """Interest the person may act on: all for facilitators, their organisations' otherwise."""
    query = select(OutsideInterest).where(OutsideInterest.event_id == event.id)
    if not spaces.can_manage(session, actor, event.space):
        ids = [o.id for o in nominating_organisations(session, actor, event)]
        query = query.where(OutsideInterest.organisation_id.in_(ids))
    return list(session.scalars(query.order_by(OutsideInterest.created_at, OutsideInterest.id)))


def nominate(
    session: Session, actor: User, event_id: int, *, organisation: str, user_id: int
) -> Nomination:
    event = get_event(session, actor, event_id)
    event.require_open(utcnow())
    org = next(
        (o for o in nominating_organisations(session, actor, event) if o.slug == organisation),
        None,
    )
    if org is None:
        raise Forbidden(_("Only a delegate of a verified, eligible organisation nominates."))
    session.scalar(select(Organisation).where(Organisation.id == org.id).with_for_update())
    interest = session.scalar(
        select(OutsideInterest).where(
            OutsideInterest.event_id == event.id,
            OutsideInterest.user_id == user_id,
            OutsideInterest.organisation_id == org.id,
        )
    )
    if interest is None:
        raise Conflict(_("Nominate members who showed interest for your organisation."))
    existing = session.scalar(
        select(Nomination).where(Nomination.event_id == event.id, Nomination.user_id == user_id)
    )
    if existing is not None and existing.status in QUOTA_USED:
        raise Conflict(_("This person is nominated already."))
    if used_quota(session, event, org) >= event.quota:
        raise Conflict(
            _("%(org)s has used its quota of %(quota)d.", org=org.name, quota=event.quota)
        )
    nomination = existing or Nomination(event_id=event.id, user_id=user_id)
    nomination.organisation = org
    nomination.level = interest.level
    nomination.status = NominationStatus.NOMINATED
    nomination.nominated_by_id = actor.id
    nomination.decided_at = nomination.decided_by_id = None
    session.add(nomination)
    session.flush()
    audit.record(
        session,
        actor.id,
        "outside_event.nominated",
        "outside_event",
        event.id,
        organisation=org.slug,
        user=user_id,
    )
    return nomination


def decide(
    session: Session, actor: User, event_id: int, nomination_id: int, *, approve: bool
) -> Nomination:
    event = get_event(session, actor, event_id)
    spaces.require_manager(session, actor, event.space)
    nomination = _nomination(session, event, nomination_id)
    nomination.decide(approve, utcnow(), actor)
    session.flush()
    audit.record(
        session,
        actor.id,
        "outside_event.decided",
        "outside_event",
        event.id,
        nomination=nomination.id,
        approved=approve,
    )
    return nomination


def withdraw(session: Session, actor: User, event_id: int, nomination_id: int) -> Nomination:
    event = get_event(session, actor, event_id)
    event.require_open(utcnow())
    nomination = _nomination(session, event, nomination_id)
    if nomination.organisation not in nominating_organisations(session, actor, event):
        raise Forbidden(_("Only the nominating organisation withdraws a nomination."))
    if nomination.status not in QUOTA_USED:
        raise Conflict(_("This nomination is not active."))
    nomination.status = NominationStatus.WITHDRAWN
    session.flush()
    return nomination


def nominations(
    session: Session, actor: User, event_id: int
) -> tuple[OutsideEvent, list[Nomination]]:
    """Facilitators see every nomination; delegates see their organisations'."""
    event = get_event(session, actor, event_id)
    query = select(Nomination).where(Nomination.event_id == event.id)
    if not spaces.can_manage(session, actor, event.space):
        ids = [o.id for o in nominating_organisations(session, actor, event)]
        if not ids:
            raise Forbidden(_("Only facilitators and nominating organisations see nominations."))
        query = query.where(Nomination.organisation_id.in_(ids))
    return event, list(session.scalars(query.order_by(Nomination.created_at, Nomination.id)))


def export_nominations(
    session: Session, actor: User, event_id: int
) -> tuple[OutsideEvent, list[Nomination]]:
    event = get_event(session, actor, event_id)
    spaces.require_manager(session, actor, event.space)
    return nominations(session, actor, event_id)


def used_quota(session: Session, event: OutsideEvent, org: Organisation) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                Nomination.event_id == event.id,
                Nomination.organisation_id == org.id,
                Nomination.status.in_(list(QUOTA_USED)),
            )
        )
        or 0
    )


def _nomination(session: Session, event: OutsideEvent, nomination_id: int) -> Nomination:
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.event_id != event.id:
        raise NotFound(_("No such nomination."))
    return nomination
