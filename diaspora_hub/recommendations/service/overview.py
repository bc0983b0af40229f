"""The whole of a recommendation's page, decided for one reader in one call."""

from __future__ import annotations

from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.live import service as live
from diaspora_hub.recommendations.models import Recommendation
from diaspora_hub.recommendations.service.amendments import amendments_of
from diaspora_hub.recommendations.service.comments import comments_of
from diaspora_hub.recommendations.service.drafting import version_diff
from diaspora_hub.recommendations.service.endorsements import list_endorsements, own_positions
from diaspora_hub.recommendations.service.kernel import get_recommendation, permissions
from diaspora_hub.recommendations.service.sources import citations
from diaspora_hub.recommendations.service.tallies import tally_view
from diaspora_hub.recommendations.types import Overview


def recommendation_overview(
    session: Session, actor: User | None, recommendation_id: int
) -> Overview:
    recommendation = get_recommendation(session, actor, recommendation_id)
    versions = tuple(recommendation.versions)
    can = permissions(session, actor, recommendation)
    _rec, endorsements = list_endorsements(session, actor, recommendation_id)
    return Overview(
        recommendation=recommendation,
        state=recommendation.state,
        consultation_open=recommendation.is_open_at(utcnow()),
        can=can,
        tally=tally_view(session, actor, recommendation),
        endorsements=tuple(endorsements),
        sources=tuple(citations(session, recommendation)),
        versions=versions,
        amendments=tuple(amendments_of(session, recommendation)),
        comments=tuple(comments_of(session, recommendation)),
        latest_diff=version_diff(versions[-2], versions[-1]) if len(versions) > 1 else None,
        own=own_positions(session, actor, recommendation),
        rooms=_rooms(session, actor, recommendation) if can.show_in_room else (),
    )


def _rooms(
    session: Session, actor: User | None, recommendation: Recommendation
) -> tuple[tuple[int, str], ...]:
    _space, rooms = live.rooms_of_space(session, actor, recommendation.space.slug, per_page=50)
    return tuple((room.id, room.title) for room in rooms.items)
