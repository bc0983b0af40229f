"""A space's consensus rule, set by its facilitators (see ``consensus`` for its reading)."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.recommendations import consensus
from diaspora_hub.recommendations.consensus import Scope, Weighting
from diaspora_hub.recommendations.models import RecommendationSettings
from diaspora_hub.recommendations.service.kernel import require_facilitator, settings_of
from diaspora_hub.spaces import service as spaces


def update_settings(
    session: Session,
    actor: User | None,
    slug: str,
    *,
    min_support: Fraction,
    min_organisations: int,
    min_blocs: int,
    scope: Scope,
    weighting: Weighting,
    block: Fraction | None,
    hide_tallies: bool,
) -> RecommendationSettings:
    """Set the space's consensus rule; rounds already frozen keep the rule they had."""
    space = spaces.get_visible(session, actor, slug)
    user = require_facilitator(session, actor, space)
    try:
        consensus.Rule(
            min_support=min_support,
            min_organisations=min_organisations,
            min_blocs=min_blocs,
            scope=scope,
            weighting=weighting,
            block=block,
        )
    except ValueError as exc:
        raise ValidationFailed(_("That rule cannot be applied.")) from exc
    settings = settings_of(session, space)
    if settings is None:
        settings = RecommendationSettings(space_id=space.id)
        session.add(settings)
    settings.min_support_num = min_support.numerator
    settings.min_support_den = min_support.denominator
    settings.min_organisations = min_organisations
    settings.min_blocs = min_blocs
    settings.scope = scope
    settings.weighting = weighting
    settings.block_num = block.numerator if block is not None else None
    settings.block_den = block.denominator if block is not None else None
    settings.hide_tallies = hide_tallies
    settings.updated_by_id = user.id
    session.flush()
    audit.record(session, user.id, "recommendation.rule_changed", "space", space.id)
    return settings
