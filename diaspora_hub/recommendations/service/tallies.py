"""The tally of a round: live from the endorsements, hidden until the close where the
space asks for it, or read back frozen once the round was decided."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.recommendations import consensus
from diaspora_hub.recommendations.consensus import Consensus
from diaspora_hub.recommendations.models import Endorsement, FrozenTally, Recommendation
from diaspora_hub.recommendations.service.kernel import (
    eligible_by_bloc,
    hides_tallies,
    rule_from,
    settings_of,
)
from diaspora_hub.recommendations.types import TallyView
from diaspora_hub.spaces import service as spaces


def current_consensus(session: Session, recommendation: Recommendation) -> Consensus:
    """The live tally of the current round under the space's rule, for everyone."""
    positions = [
        (e.organisation.bloc, e.position) for e in round_endorsements(session, recommendation)
    ]
    rule = rule_from(settings_of(session, recommendation.space))
    return consensus.tally(positions, rule, eligible_by_bloc(session, recommendation.space))


def tally_view(
    session: Session, actor: User | None, recommendation: Recommendation
) -> TallyView | None:
    """The round's consensus as this person may see it; None before the first round."""
    if recommendation.round == 0:
        return None
    frozen = session.scalar(
        select(FrozenTally).where(
            FrozenTally.recommendation_id == recommendation.id,
            FrozenTally.round == recommendation.round,
        )
    )
    if frozen is not None:
        return TallyView(
            round=frozen.round,
            consensus=consensus.thaw(frozen.tally),
            frozen=True,
            frozen_at=frozen.frozen_at,
        )
    if hidden_for(session, actor, recommendation):
        return TallyView(round=recommendation.round, consensus=None, hidden=True)
    return TallyView(
        round=recommendation.round, consensus=current_consensus(session, recommendation)
    )


def hidden_for(session: Session, actor: User | None, recommendation: Recommendation) -> bool:
    if recommendation.consultation_closed_at(utcnow()):
        return False
    if not hides_tallies(session, recommendation.space):
        return False
    return not spaces.can_manage(session, actor, recommendation.space)


def round_endorsements(session: Session, recommendation: Recommendation) -> list[Endorsement]:
    query = (
        select(Endorsement)
        .join(Endorsement.organisation)
        .where(
            Endorsement.recommendation_id == recommendation.id,
            Endorsement.round == recommendation.round,
        )
        .order_by(Organisation.name, Endorsement.id)
    )
    return list(session.scalars(query))
