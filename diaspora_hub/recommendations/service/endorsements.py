"""Endorsements: one position per organisation per round, changeable until the close.

While a space hides tallies and the round is open, only the facilitators see the tally
and everyone's positions; others see their own organisations' positions only, so no bloc
reacts mid-vote. Once the round closes everyone who sees the recommendation sees both.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, ValidationFailed
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.recommendations.consensus import Position
from diaspora_hub.recommendations.models import (
    Endorsement,
    EndorsementChange,
    Recommendation,
)
from diaspora_hub.recommendations.service import screen as screens
from diaspora_hub.recommendations.service import tallies
from diaspora_hub.recommendations.service.kernel import (
    ENDORSING_ROLES,
    endorsing_organisations,
    get_recommendation,
    participating_organisations,
    require_participant,
)
from diaspora_hub.recommendations.types import EndorsementView

#: positions that need a reason on record
REASON_REQUIRED = frozenset({Position.OPPOSE, Position.SUPPORT_WITH_RESERVATIONS})


def endorse(
    session: Session,
    actor: User | None,
    recommendation_id: int,
    *,
    position: Position,
    reason: str = "",
    organisation: str | None = None,
) -> Endorsement:
    """Give or change the position of the person's organisation in the current round."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_participant(session, actor, recommendation.space)
    org = _endorsing_organisation(session, user, recommendation, organisation)
    if not recommendation.is_open_at(utcnow()):
        raise Conflict(_("This consultation is closed; positions can no longer change."))
    reason = reason.strip()
    if position in REASON_REQUIRED and not reason:
        message = (
            _("Say why your organisation opposes it.")
            if position is Position.OPPOSE
            else _("Put the reservation on record.")
        )
        raise ValidationFailed(fields={"reason": [message]})
    endorsement = _current(session, recommendation, org)
    now = utcnow()
    if endorsement is None:
        endorsement = Endorsement(
            recommendation_id=recommendation.id,
            round=recommendation.round,
            organisation=org,
            position=position,
            reason=reason,
            version=recommendation.version,
            given_by_id=user.id,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(endorsement)
                session.flush()
        except IntegrityError:
            raise Conflict(
                _("Somebody in %(org)s has just endorsed; reload the page.", org=org.name)
            ) from None
    else:
        if (endorsement.position, endorsement.reason, endorsement.version) == (
            position,
            reason,
            recommendation.version,
        ):
            raise Conflict(_("That is already your organisation's position."))
        endorsement.position = position
        endorsement.reason = reason
        endorsement.version = recommendation.version
        endorsement.given_by_id = user.id
        endorsement.updated_at = now
    endorsement.changes.append(
        EndorsementChange(
            position=position,
            reason=reason,
            version=recommendation.version,
            given_by_id=user.id,
            at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        user.id,
        "recommendation.endorsed",
        "recommendation",
        recommendation.id,
        organisation=org.slug,
        position=position.value,
        round=recommendation.round,
    )
    screens.refresh_screens(session, recommendation)
    return endorsement


def list_endorsements(
    session: Session, actor: User | None, recommendation_id: int
) -> tuple[Recommendation, list[EndorsementView]]:
    """The current round's positions with their history, as this person may see them."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    rows = tallies.round_endorsements(session, recommendation)
    if tallies.hidden_for(session, actor, recommendation):
        own = _own_organisation_ids(session, actor)
        rows = [e for e in rows if e.organisation_id in own]
    return recommendation, [EndorsementView(e, tuple(e.changes)) for e in rows]


def own_positions(
    session: Session, actor: User | None, recommendation: Recommendation
) -> dict[int, Endorsement]:
    """The current position of each organisation this person may endorse for."""
    orgs = {o.id for o in endorsing_organisations(session, actor, recommendation.space)}
    return {
        e.organisation_id: e
        for e in tallies.round_endorsements(session, recommendation)
        if e.organisation_id in orgs
    }


def _current(
    session: Session, recommendation: Recommendation, org: Organisation
) -> Endorsement | None:
    return session.scalar(
        select(Endorsement).where(
            Endorsement.recommendation_id == recommendation.id,
            Endorsement.round == recommendation.round,
            Endorsement.organisation_id == org.id,
        )
    )


def _own_organisation_ids(session: Session, actor: User | None) -> set[int]:
    if actor is None:
        return set()
    return {m.organisation_id for m in organisations.active_memberships(session, actor)}


def _endorsing_organisation(
    session: Session, user: User, recommendation: Recommendation, slug: str | None
) -> Organisation:
    space = recommendation.space
    if slug:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise ValidationFailed(fields={"organisation": [_("No such organisation.")]})
        if org.id not in {o.id for o in participating_organisations(session, space)}:
            raise Forbidden(_("%(org)s does not take part in this space.", org=org.name))
        organisations.require_acting_role(session, user, org, ENDORSING_ROLES)
        return org
    choices = endorsing_organisations(session, user, space)
    if not choices:
        raise Forbidden(
            _(
                "Only delegates, liaisons and admins of verified organisations taking part "
                "in this space endorse."
            )
        )
    if len(choices) > 1:
        raise ValidationFailed(
            fields={"organisation": [_("Choose the organisation you endorse for.")]}
        )
    return choices[0]
