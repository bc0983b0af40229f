"""The kernel of the calls service: who sees a call, who posts, who answers for whom.

The other modules of the service decide every right through these functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Attribution, Call, CallState, Contribution
from diaspora_hub.calls.types import CallPermissions, Disclosure
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Forbidden, NotFound, Unauthorised, ValidationFailed
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Organisation, OrganisationKind, Role
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceOrganisation

#: organisation kinds whose liaisons may post calls
POSTING_KINDS = (OrganisationKind.GOVERNMENT, OrganisationKind.IO)

_FULL_DISCLOSURE = Disclosure()


def in_audience(call: Call, organisation: Organisation) -> bool:
    """Kind first, then each side of the corridor that the call names."""
    if organisation.kind.value not in call.audience_kinds:
        return False
    if call.corridor_origin and organisation.country_of_origin != call.corridor_origin:
        return False
    return not (
        call.corridor_residence and organisation.country_of_residence != call.corridor_residence
    )


def invited_organisations(session: Session, call: Call) -> list[Organisation]:
    """The space's verified participating organisations that are in the call's audience."""
    query = (
        select(Organisation)
        .join(SpaceOrganisation, SpaceOrganisation.organisation_id == Organisation.id)
        .where(SpaceOrganisation.space_id == call.space_id, Organisation.verified_at.is_not(None))
        .order_by(Organisation.name, Organisation.id)
    )
    return [org for org in session.scalars(query) if in_audience(call, org)]


def get_call(session: Session, actor: User | None, call_id: int) -> Call:
    """The call, or 404 when it does not exist or the person may not know it does."""
    call = session.get(Call, call_id)
    if call is None or not spaces.can_see(session, actor, call.space):
        raise NotFound(_("No such call."))
    if call.published_at is None and not _is_author_or_manager(session, actor, call):
        raise NotFound(_("No such call."))
    return call


def permissions(session: Session, actor: User | None, call: Call) -> CallPermissions:
    now = utcnow()
    state = call.state_at(now)
    manages = spaces.can_manage(session, actor, call.space)
    editor = _may_edit(session, actor, call)
    participant = _is_participant(session, actor, call.space)
    answer_as: tuple[Organisation, ...] = ()
    unverified: tuple[Organisation, ...] = ()
    if state is CallState.OPEN and participant and actor is not None:
        answer_as = tuple(answerable_organisations(session, actor, call))
        unverified = tuple(awaiting_verification(session, actor, call))
    return CallPermissions(
        edit=editor and state in (CallState.DRAFT, CallState.SCHEDULED, CallState.OPEN),
        publish=editor and state is CallState.DRAFT,
        manage=manages,
        tracker=manages or _is_author(actor, call),
        export=manages or _is_author(actor, call),
        report=participant,
        answer_as=answer_as,
        unverified=unverified,
    )


def answerable_organisations(session: Session, actor: User, call: Call) -> list[Organisation]:
    """Verified organisations this person belongs to that are in the call's audience."""
    return [org for org in _audience_organisations(session, actor, call) if org.is_verified]


def awaiting_verification(session: Session, actor: User | None, call: Call) -> list[Organisation]:
    """The person's organisations in the audience that may not answer until verified, so
    pages can say why there is nothing to answer for."""
    if actor is None:
        return []
    return [org for org in _audience_organisations(session, actor, call) if not org.is_verified]


def _audience_organisations(session: Session, actor: User, call: Call) -> list[Organisation]:
    return [
        m.organisation
        for m in organisations.active_memberships(session, actor)
        if in_audience(call, m.organisation)
    ]


def posting_organisations(session: Session, actor: User) -> list[Organisation]:
    """Verified government and IO organisations this person is a liaison of."""
    return [org for org in _liaison_organisations(session, actor) if org.is_verified]


def can_post(session: Session, actor: User | None, space: Space) -> bool:
    if actor is None:
        return False
    return spaces.can_manage(session, actor, space) or bool(posting_organisations(session, actor))


def _id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def present_contribution(
    contribution: Contribution,
    own_organisations: set[int],
    disclosure: Disclosure = _FULL_DISCLOSURE,
) -> dict[str, Any]:
    """A contribution as a reader may see it: who is shown depends on its attribution, and
    on what the call's ``disclosure`` withholds to keep anonymous ones anonymous."""
    org = contribution.organisation
    own = contribution.organisation_id in own_organisations
    attribution = (
        contribution.attribution if own else disclosure.attribution_of(contribution.attribution)
    )
    shows_org = own or attribution is not Attribution.ANONYMOUS
    shows_person = own or attribution is Attribution.NAMED
    shows_bloc = shows_org or disclosure.anonymous_bloc
    return {
        "id": contribution.id,
        "call_id": contribution.call_id,
        "attribution": attribution.value,
        "bloc": org.bloc.value if shows_bloc else None,
        "organisation": org if shows_org else None,
        "author": contribution.author if shows_person else None,
        "version": contribution.version,
        "created_at": contribution.created_at,
        "updated_at": contribution.updated_at,
        "hidden": contribution.is_hidden,
        "own": own,
        "answers": [{"question_id": a.question_id, "text": a.text} for a in contribution.answers],
    }


def _is_author(actor: User | None, call: Call) -> bool:
    return actor is not None and call.author_id == actor.id


def _is_author_or_manager(session: Session, actor: User | None, call: Call) -> bool:
    return _is_author(actor, call) or spaces.can_manage(session, actor, call.space)


def _participant(session: Session, actor: User | None, space: Space) -> User:
    """The person, once they may take part in the space (sight and code of conduct)."""
    spaces.require_participant(session, actor, space)
    if actor is None:
        raise Unauthorised()
    return actor


def _is_participant(session: Session, actor: User | None, space: Space) -> bool:
    if actor is None:
        return False
    return spaces.can_see(session, actor, space) and spaces.has_accepted_current_conduct(
        session, actor, space
    )


def _may_edit(session: Session, actor: User | None, call: Call) -> bool:
    try:
        _require_editor(session, actor, call)
    except Forbidden:
        return False
    return True


def _require_editor(session: Session, actor: User | None, call: Call) -> None:
    """Facilitators, or the author while they still hold the role they posted with."""
    if spaces.can_manage(session, actor, call.space):
        return
    if actor is None or not _is_author(actor, call) or call.organisation is None:
        raise Forbidden(_("Only the call's author and the facilitators change a call."))
    organisations.require_acting_role(session, actor, call.organisation, (Role.LIAISON,))


def _liaison_organisations(session: Session, actor: User) -> list[Organisation]:
    return [
        m.organisation
        for m in organisations.active_memberships(session, actor)
        if m.role is Role.LIAISON and m.organisation.kind in POSTING_KINDS
    ]


def _organisation_ids(session: Session, actor: User | None) -> set[int]:
    if actor is None:
        return set()
    return {m.organisation_id for m in organisations.active_memberships(session, actor)}


def _answering_organisation(
    session: Session, actor: User, call: Call, slug: str | None
) -> Organisation:
    if slug:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise ValidationFailed(fields={"organisation": [_("No such organisation.")]})
        if organisations.active_membership(session, actor, org) is None:
            raise Forbidden(_("You answer only for organisations you belong to."))
        if not in_audience(call, org):
            raise Forbidden(_("%(org)s is not in this call's audience.", org=org.name))
        if not org.is_verified:
            raise Forbidden(_unverified_message(org))
        return org
    choices = answerable_organisations(session, actor, call)
    if not choices:
        waiting = awaiting_verification(session, actor, call)
        if waiting:
            raise Forbidden(_unverified_message(waiting[0]))
        raise Forbidden(_("None of your organisations is in this call's audience."))
    if len(choices) > 1:
        raise ValidationFailed(
            fields={"organisation": [_("Choose the organisation you answer for.")]}
        )
    return choices[0]


def _unverified_message(org: Organisation) -> str:
    return str(
        _(
            "%(org)s is not verified yet, so it cannot answer calls for input. A platform admin "
            "verifies organisations; until then its answers would not count as its voice.",
            org=org.name,
        )
    )


def _state_condition(state: CallState, now: datetime) -> ColumnElement[bool]:
    published = Call.published_at.is_not(None)
    unfinished = published & Call.synthesised_at.is_(None)
    conditions: dict[CallState, ColumnElement[bool]] = {
        CallState.DRAFT: Call.published_at.is_(None),
        CallState.SCHEDULED: unfinished & (Call.opens_at > now),
        CallState.OPEN: unfinished & (Call.opens_at <= now) & (Call.closes_at > now),
        CallState.CLOSED: unfinished & (Call.closes_at <= now),
        CallState.SYNTHESISED: published & Call.synthesised_at.is_not(None),
    }
    return conditions[state]
