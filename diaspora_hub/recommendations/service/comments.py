"""Comments: individuals speak in their own name, beside the organisations' positions."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.errors import Conflict, ValidationFailed
from diaspora_hub.recommendations.models import (
    Recommendation,
    RecommendationComment,
    RecommendationState,
)
from diaspora_hub.recommendations.service.kernel import get_recommendation, require_participant

#: states in which people comment
COMMENTABLE = frozenset({RecommendationState.CONSULTATION, RecommendationState.ADOPTED})


def add_comment(
    session: Session, actor: User | None, recommendation_id: int, *, body: str
) -> RecommendationComment:
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_participant(session, actor, recommendation.space)
    if recommendation.state not in COMMENTABLE:
        raise Conflict(_("Comments are open during consultation and after adoption."))
    if not body.strip():
        raise ValidationFailed(fields={"body": [_("Write your comment.")]})
    comment = RecommendationComment(
        recommendation_id=recommendation.id,
        author_id=user.id,
        body=body,
        version=recommendation.version,
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        user.id,
        "recommendation.commented",
        "recommendation",
        recommendation.id,
        comment=comment.id,
    )
    return comment


def comments_of(session: Session, recommendation: Recommendation) -> list[RecommendationComment]:
    return list(
        session.scalars(
            select(RecommendationComment)
            .where(RecommendationComment.recommendation_id == recommendation.id)
            .order_by(RecommendationComment.id)
        )
    )
