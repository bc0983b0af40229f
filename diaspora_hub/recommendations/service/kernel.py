"""The small kernel every recommendations feature stands on: sight, roles and the rule.

- Drafts are seen by the space's facilitators only (platform admins included); to anyone
  else they do not exist (404). Everything else is seen by whoever sees the space.
- Facilitators draft, edit, open, adopt and withdraw, cite sources and decide amendments.
- Participants (they see the space and accepted its code of conduct) propose amendments
  and comment.
- An organisation endorses when it is verified, takes part in the space, and the person
  holds a delegate, liaison or admin membership in it (``ENDORSING_ROLES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Forbidden, NotFound, Unauthorised
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Bloc, Organisation, Role
from diaspora_hub.recommendations.consensus import Rule
from diaspora_hub.recommendations.models import (
    Recommendation,
    RecommendationSettings,
    RecommendationState,
)
from diaspora_hub.recommendations.types import Permissions
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceOrganisation

#: membership roles that may give an organisation's position
ENDORSING_ROLES = (Role.DELEGATE, Role.LIAISON, Role.ADMIN)


def get_recommendation(
    session: Session, actor: User | None, recommendation_id: int
) -> Recommendation:
    """The recommendation, or 404 when it does not exist or the person may not know it does."""
    recommendation = session.get(Recommendation, recommendation_id)
    if recommendation is None or not spaces.can_see(session, actor, recommendation.space):
        raise NotFound(_("No such recommendation."))
    if recommendation.state is RecommendationState.DRAFT and not spaces.can_manage(
        session, actor, recommendation.space
    ):
        raise NotFound(_("No such recommendation."))
    return recommendation


def require_facilitator(session: Session, actor: User | None, space: Space) -> User:
    if actor is None:
        raise Unauthorised()
    if not spaces.can_manage(session, actor, space):
        raise Forbidden(_("Only the facilitators of this space may do that."))
    return actor


def require_participant(session: Session, actor: User | None, space: Space) -> User:
    """Sight of the space and its current code of conduct accepted."""
    spaces.require_participant(session, actor, space)
    if actor is None:
        raise Unauthorised()
    return actor


def is_participant(session: Session, actor: User | None, space: Space) -> bool:
    if actor is None:
        return False
    return spaces.can_see(session, actor, space) and spaces.has_accepted_current_conduct(
        session, actor, space
    )


def participating_organisations(session: Session, space: Space) -> list[Organisation]:
    query = (
        select(Organisation)
        .join(SpaceOrganisation, SpaceOrganisation.organisation_id == Organisation.id)
        .where(SpaceOrganisation.space_id == space.id)
        .order_by(Organisation.name, Organisation.id)
    )
    return list(session.scalars(query))


def eligible_by_bloc(session: Session, space: Space) -> dict[Bloc, int]:
    """How many verified participating organisations each bloc has."""
    counts = dict.fromkeys(Bloc, 0)
    for organisation in participating_organisations(session, space):
        if organisation.is_verified:
            counts[organisation.bloc] += 1
    return counts


def endorsing_organisations(
    session: Session, actor: User | None, space: Space
) -> list[Organisation]:
    """The verified participating organisations this person gives positions for."""
    if actor is None:
        return []
    taking_part = {org.id for org in participating_organisations(session, space)}
    return [
        m.organisation
        for m in organisations.active_memberships(session, actor)
        if m.role in ENDORSING_ROLES
        and m.organisation.is_verified
        and m.organisation_id in taking_part
    ]


def settings_of(session: Session, space: Space) -> RecommendationSettings | None:
    return session.scalar(
        select(RecommendationSettings).where(RecommendationSettings.space_id == space.id)
    )


def rule_from(settings: RecommendationSettings | None) -> Rule:
    if settings is None:
        return Rule()
    block = (
        Fraction(settings.block_num, settings.block_den)
        if settings.block_num is not None and settings.block_den
        else None
    )
    return Rule(
        min_support=Fraction(settings.min_support_num, settings.min_support_den),
        min_organisations=settings.min_organisations,
        min_blocs=settings.min_blocs,
        scope=settings.scope,
        weighting=settings.weighting,
        block=block,
    )


def hides_tallies(session: Session, space: Space) -> bool:
    settings = settings_of(session, space)
    return settings is not None and settings.hide_tallies


def permissions(
    session: Session, actor: User | None, recommendation: Recommendation
) -> Permissions:
    now = utcnow()
    state = recommendation.state
    space = recommendation.space
    manages = spaces.can_manage(session, actor, space)
    participant = is_participant(session, actor, space)
    open_now = recommendation.is_open_at(now)
    live = state in (RecommendationState.DRAFT, RecommendationState.CONSULTATION)
    endorse_as: Sequence[Organisation] = ()
    if open_now and participant:
        endorse_as = endorsing_organisations(session, actor, space)
    return Permissions(
        edit=manages and state is not RecommendationState.WITHDRAWN,
        open=manages and state is RecommendationState.DRAFT,
        adopt=manages and state is RecommendationState.CONSULTATION,
        withdraw=manages and live,
        cite=manages and live,
        decide_amendments=manages and state is RecommendationState.CONSULTATION,
        propose_amendment=participant and open_now,
        comment=participant
        and state in (RecommendationState.CONSULTATION, RecommendationState.ADOPTED),
        show_in_room=manages and state is not RecommendationState.DRAFT,
        endorse_as=tuple(endorse_as),
    )
