"""Amendments: participants propose a new wording, a facilitator accepts or rejects it.

Amendments are proposed while a round is open. Each decision carries a reason. An
accepted amendment becomes the next version, credited to its proposer; one written
against an older version than the current one cannot be accepted, so a later change is
never silently undone (reject it, or ask for a new amendment).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, NotFound, ValidationFailed
from diaspora_hub.recommendations.models import Amendment, Recommendation, RecommendationState
from diaspora_hub.recommendations.service.drafting import save_version
from diaspora_hub.recommendations.service.kernel import (
    get_recommendation,
    require_facilitator,
    require_participant,
)


def list_amendments(
    session: Session, actor: User | None, recommendation_id: int
) -> tuple[Recommendation, list[Amendment]]:
    recommendation = get_recommendation(session, actor, recommendation_id)
    return recommendation, amendments_of(session, recommendation)


def amendments_of(session: Session, recommendation: Recommendation) -> list[Amendment]:
    return list(
        session.scalars(
            select(Amendment)
            .where(Amendment.recommendation_id == recommendation.id)
            .order_by(Amendment.id)
        )
    )


def propose_amendment(
    session: Session,
    actor: User | None,
    recommendation_id: int,
    *,
    text: str,
    explanation: str = "",
) -> Amendment:
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_participant(session, actor, recommendation.space)
    if not recommendation.is_open_at(utcnow()):
        raise Conflict(_("Amendments are proposed while the consultation is open."))
    if not text.strip():
        raise ValidationFailed(fields={"text": [_("Write the text as you would have it.")]})
    if text.strip() == recommendation.text.strip():
        raise ValidationFailed(fields={"text": [_("This is the current text; change it first.")]})
    amendment = Amendment(
        recommendation_id=recommendation.id,
        proposer_id=user.id,
        base_version=recommendation.version,
        text=text,
        explanation=explanation,
    )
    session.add(amendment)
    session.flush()
    audit.record(
        session,
        user.id,
        "amendment.proposed",
        "amendment",
        amendment.id,
        recommendation=recommendation.id,
    )
    return amendment


def accept_amendment(
    session: Session, actor: User | None, amendment_id: int, *, reason: str
) -> Amendment:
    amendment, recommendation, user = _decidable(session, actor, amendment_id, reason)
    if recommendation.state is not RecommendationState.CONSULTATION:
        raise Conflict(_("Amendments are accepted while the recommendation is under consultation."))
    if amendment.base_version != recommendation.version:
        raise Conflict(
            _(
                "This amendment was written against version %(old)d; the text is now at "
                "version %(new)d.",
                old=amendment.base_version,
                new=recommendation.version,
            )
        )
    proposer = amendment.proposer
    version = save_version(
        session,
        recommendation,
        (recommendation.title, amendment.text, recommendation.rationale),
        author=proposer,
        note=reason,
        amendment_id=amendment.id,
    )
    amendment.accept(utcnow(), user, reason, version.version)
    session.flush()
    audit.record(
        session, user.id, "amendment.accepted", "amendment", amendment.id, version=version.version
    )
    return amendment


def reject_amendment(
    session: Session, actor: User | None, amendment_id: int, *, reason: str
) -> Amendment:
    amendment, _recommendation, user = _decidable(session, actor, amendment_id, reason)
    amendment.reject(utcnow(), user, reason)
    session.flush()
    audit.record(session, user.id, "amendment.rejected", "amendment", amendment.id, reason=reason)
    return amendment


def _decidable(
    session: Session, actor: User | None, amendment_id: int, reason: str
) -> tuple[Amendment, Recommendation, User]:
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound(_("No such amendment."))
    recommendation = get_recommendation(session, actor, amendment.recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    recommendation.require_editable()
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Give the reason for your decision.")]})
    return amendment, recommendation, user
