"""Translated names of states, positions, sources and outcomes, and the sentence that says
why a bloc holds a recommendation back; for the pages."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from diaspora_hub.recommendations import exports
from diaspora_hub.recommendations.consensus import Finding, Outcome, Position, Reason
from diaspora_hub.recommendations.models import RecommendationState, SourceKind

STATE_LABELS: dict[RecommendationState, Any] = {
    RecommendationState.DRAFT: _l("Draft"),
    RecommendationState.CONSULTATION: _l("Under consultation"),
    RecommendationState.ADOPTED: _l("Adopted"),
    RecommendationState.WITHDRAWN: _l("Withdrawn"),
}

POSITION_LABELS: dict[Position, Any] = {
    Position.SUPPORT: _l("Support"),
    Position.SUPPORT_WITH_RESERVATIONS: _l("Support with reservations"),
    Position.OPPOSE: _l("Oppose"),
    Position.ABSTAIN: _l("Abstain"),
}

SOURCE_LABELS: dict[SourceKind, Any] = {
    SourceKind.THEME: _l("Theme of a call for input"),
    SourceKind.CONTRIBUTION: _l("Contribution to a call for input"),
    SourceKind.MESSAGE: _l("Message in a live room"),
    SourceKind.POLL: _l("Poll in a live room"),
    SourceKind.QUESTION: _l("Question answered in a live room"),
}

OUTCOME_LABELS: dict[Outcome, Any] = {
    Outcome.SUPPORTED: _l("Cross-bloc supported"),
    Outcome.BLOCKED: _l("Blocked"),
    Outcome.SHORT: _l("Not enough support yet"),
    Outcome.INSUFFICIENT: _l("Too few blocs have taken a position"),
}

SUPPORT_CHOICES = [
    ("1/2", _l("Half (50 %)")),
    ("3/5", _l("Three fifths (60 %)")),
    ("2/3", _l("Two thirds (67 %)")),
    ("3/4", _l("Three quarters (75 %)")),
    ("4/5", _l("Four fifths (80 %)")),
    ("1/1", _l("Everyone (100 %)")),
]

BLOCK_CHOICES = [
    ("", _l("Opposition never blocks")),
    ("1/4", _l("A quarter of a bloc's organisations")),
    ("1/3", _l("A third of a bloc's organisations")),
    ("1/2", _l("Half of a bloc's organisations")),
]


def finding_text(finding: Finding, bloc_name: str) -> str:
    """Why a bloc holds the recommendation back, in one sentence."""
    if finding.reason is Reason.BLOCKS:
        text = _(
            "%(bloc)s blocks it: %(value)d %% of its organisations oppose (blocking from "
            "%(threshold)d %%).",
            bloc=bloc_name,
            value=exports.percent(finding.value),
            threshold=exports.percent(finding.threshold),
        )
    elif finding.reason is Reason.BELOW_THRESHOLD:
        text = _(
            "%(bloc)s holds it back: %(value)d %% support, %(threshold)d %% needed.",
            bloc=bloc_name,
            value=exports.percent(finding.value),
            threshold=exports.percent(finding.threshold),
        )
    else:
        text = _(
            "Not counted yet, %(bloc)s: %(value)d of the %(threshold)d organisations needed "
            "took a position.",
            bloc=bloc_name,
            value=int(finding.value),
            threshold=int(finding.threshold),
        )
    return str(text)
