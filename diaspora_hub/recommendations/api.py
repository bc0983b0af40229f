"""JSON API of recommendations, under /api/v1."""

from __future__ import annotations

from typing import Any

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body
from diaspora_hub.extensions import db, limiter
from diaspora_hub.recommendations import schemas, service
from diaspora_hub.recommendations.models import (
    Amendment,
    Endorsement,
    Recommendation,
    RecommendationComment,
    RecommendationSource,
    RecommendationVersion,
    RoomScreen,
)
from diaspora_hub.recommendations.types import Overview, TallyView, VersionDiff
from diaspora_hub.spaces import service as spaces

bp = Blueprint(
    "recommendations_api",
    __name__,
    url_prefix="/api/v1",
    description="Recommendations, amendments, endorsements and consensus by bloc",
)


@bp.get("/spaces/<slug>/recommendations")
@bp.arguments(schemas.RecommendationListArgs, location="query")
@bp.response(200, schemas.RecommendationPageSchema)
def list_recommendations(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """Recommendations of a space; drafts only for its facilitators."""
    _space, page = service.list_recommendations(db.session(), actor(), slug, **args)
    return page_body(page, page.items)


@bp.post("/spaces/<slug>/recommendations")
@bp.arguments(schemas.RecommendationCreateSchema)
@bp.response(201, schemas.RecommendationSchema)
def create_recommendation(data: dict[str, Any], slug: str) -> Recommendation:
    """Draft a recommendation (facilitators); version 1 is saved."""
    return service.create_recommendation(db.session(), require_actor(), slug, **data)


@bp.get("/spaces/<slug>/recommendation-rule")
@bp.response(200, schemas.RuleOutSchema)
def get_rule(slug: str) -> dict[str, Any]:
    """The space's consensus rule (the defaults until its facilitators set one)."""
    session = db.session()
    space = spaces.get_visible(session, actor(), slug)
    settings = service.settings_of(session, space)
    rule = service.rule_from(settings)
    return {
        "min_support": rule.min_support,
        "min_organisations": rule.min_organisations,
        "min_blocs": rule.min_blocs,
        "scope": rule.scope,
        "weighting": rule.weighting,
        "block": rule.block,
        "hide_tallies": settings is not None and settings.hide_tallies,
    }


@bp.put("/spaces/<slug>/recommendation-rule")
@bp.arguments(schemas.RuleSchema)
@bp.response(200, schemas.RuleOutSchema)
def set_rule(data: dict[str, Any], slug: str) -> dict[str, Any]:
    """Set the consensus rule (facilitators); frozen tallies keep the rule they had."""
    service.update_settings(db.session(), require_actor(), slug, **data)
    return data


@bp.get("/recommendations/<int:recommendation_id>")
@bp.response(200, schemas.RecommendationDetailSchema)
def get_recommendation(recommendation_id: int) -> Overview:
    """A recommendation with its consensus by bloc, sources and comments."""
    return service.recommendation_overview(db.session(), actor(), recommendation_id)


@bp.patch("/recommendations/<int:recommendation_id>")
@bp.arguments(schemas.RecommendationUpdateSchema)
@bp.response(200, schemas.RecommendationSchema)
def update_recommendation(data: dict[str, Any], recommendation_id: int) -> Recommendation:
    """Edit a draft or a recommendation under consultation; a change of wording is a version."""
    return service.update_recommendation(db.session(), require_actor(), recommendation_id, **data)


@bp.post("/recommendations/<int:recommendation_id>/open")
@bp.arguments(schemas.OpenSchema)
@bp.response(200, schemas.RecommendationSchema)
def open_consultation(data: dict[str, Any], recommendation_id: int) -> Recommendation:
    """Open a draft for endorsement until ``closes_at``; delegates are notified."""
    return service.open_consultation(db.session(), require_actor(), recommendation_id, **data)


@bp.post("/recommendations/<int:recommendation_id>/adopt")
@bp.arguments(schemas.AdoptSchema)
@bp.response(200, schemas.RecommendationSchema)
def adopt(data: dict[str, Any], recommendation_id: int) -> Recommendation:
    """Adopt it; the round's tally is frozen."""
    return service.adopt_recommendation(db.session(), require_actor(), recommendation_id, **data)


@bp.post("/recommendations/<int:recommendation_id>/withdraw")
@bp.arguments(schemas.ReasonSchema)
@bp.response(200, schemas.RecommendationSchema)
def withdraw(data: dict[str, Any], recommendation_id: int) -> Recommendation:
    """Withdraw it, with a reason; a consulted round's tally is frozen."""
    return service.withdraw_recommendation(db.session(), require_actor(), recommendation_id, **data)


@bp.post("/recommendations/<int:recommendation_id>/revise")
@bp.arguments(schemas.RecommendationReviseSchema)
@bp.response(200, schemas.RecommendationSchema)
def revise(data: dict[str, Any], recommendation_id: int) -> Recommendation:
    """A new version of an adopted recommendation, opening a new consultation round."""
    return service.revise_recommendation(db.session(), require_actor(), recommendation_id, **data)


@bp.get("/recommendations/<int:recommendation_id>/versions")
@bp.response(200, schemas.VersionSchema(many=True))
def list_versions(recommendation_id: int) -> list[RecommendationVersion]:
    """Every saved version, oldest first."""
    return service.list_versions(db.session(), actor(), recommendation_id)


@bp.get("/recommendations/<int:recommendation_id>/versions/diff")
@bp.arguments(schemas.CompareArgs, location="query")
@bp.response(200, schemas.VersionDiffSchema)
def compare_versions(args: dict[str, Any], recommendation_id: int) -> VersionDiff:
    """Word-by-word changes from version ``old`` to version ``new``."""
    return service.compare_versions(db.session(), actor(), recommendation_id, **args)


@bp.get("/recommendations/<int:recommendation_id>/amendments")
@bp.response(200, schemas.AmendmentSchema(many=True))
def list_amendments(recommendation_id: int) -> list[Amendment]:
    """Proposed, accepted and rejected amendments."""
    _recommendation, amendments = service.list_amendments(db.session(), actor(), recommendation_id)
    return amendments


@bp.post("/recommendations/<int:recommendation_id>/amendments")
@limiter.limit(schemas.WRITE_LIMIT)
@bp.arguments(schemas.AmendmentInSchema)
@bp.response(201, schemas.AmendmentSchema)
def propose_amendment(data: dict[str, Any], recommendation_id: int) -> Amendment:
    """Propose a new wording of the text while the consultation is open (participants)."""
    return service.propose_amendment(db.session(), require_actor(), recommendation_id, **data)


@bp.post("/amendments/<int:amendment_id>/accept")
@bp.arguments(schemas.ReasonSchema)
@bp.response(200, schemas.AmendmentSchema)
def accept_amendment(data: dict[str, Any], amendment_id: int) -> Amendment:
    """Accept an amendment with a reason (facilitators); it becomes the next version."""
    return service.accept_amendment(db.session(), require_actor(), amendment_id, **data)


@bp.post("/amendments/<int:amendment_id>/reject")
@bp.arguments(schemas.ReasonSchema)
@bp.response(200, schemas.AmendmentSchema)
def reject_amendment(data: dict[str, Any], amendment_id: int) -> Amendment:
    """Reject an amendment with a reason (facilitators)."""
    return service.reject_amendment(db.session(), require_actor(), amendment_id, **data)


@bp.get("/recommendations/<int:recommendation_id>/endorsements")
@bp.response(200, schemas.EndorsementViewSchema(many=True))
def list_endorsements(recommendation_id: int) -> list[Any]:
    """The current round's positions with their history (own only while tallies are hidden)."""
    _recommendation, views = service.list_endorsements(db.session(), actor(), recommendation_id)
    return views


@bp.post("/recommendations/<int:recommendation_id>/endorsements")
@bp.arguments(schemas.EndorsementInSchema)
@bp.response(200, schemas.EndorsementSchema)
def endorse(data: dict[str, Any], recommendation_id: int) -> Endorsement:
    """Give or change your organisation's position while the consultation is open."""
    return service.endorse(db.session(), require_actor(), recommendation_id, **data)


@bp.get("/recommendations/<int:recommendation_id>/consensus")
@bp.response(200, schemas.TallySchema)
def consensus(recommendation_id: int) -> TallyView | None:
    """The consensus by bloc: live, hidden until the close, or frozen."""
    session = db.session()
    recommendation = service.get_recommendation(session, actor(), recommendation_id)
    return service.tally_view(session, actor(), recommendation)


@bp.post("/recommendations/<int:recommendation_id>/sources")
@bp.arguments(schemas.SourceInSchema)
@bp.response(201, schemas.SourceSchema)
def add_source(data: dict[str, Any], recommendation_id: int) -> RecommendationSource:
    """Cite a theme, contribution, room message, closed poll or answered question."""
    return service.add_source(db.session(), require_actor(), recommendation_id, **data)


@bp.delete("/recommendations/<int:recommendation_id>/sources/<int:source_id>")
@bp.response(204)
def remove_source(recommendation_id: int, source_id: int) -> None:
    """Stop citing a source (facilitators)."""
    service.remove_source(db.session(), require_actor(), recommendation_id, source_id=source_id)


@bp.post("/recommendations/<int:recommendation_id>/screen")
@bp.arguments(schemas.ScreenInSchema)
@bp.response(200, schemas.ScreenSchema)
def put_on_screen(data: dict[str, Any], recommendation_id: int) -> RoomScreen:
    """Show it on a live room's screen (facilitators): the room receives a ``screen.shown``
    event, then ``screen.updated`` with the tally by bloc after every endorsement."""
    return service.put_on_screen(db.session(), require_actor(), recommendation_id, **data)


@bp.post("/recommendations/<int:recommendation_id>/comments")
@limiter.limit(schemas.WRITE_LIMIT)
@bp.arguments(schemas.CommentInSchema)
@bp.response(201, schemas.CommentSchema)
def add_comment(data: dict[str, Any], recommendation_id: int) -> RecommendationComment:
    """Comment in your own name (participants)."""
    return service.add_comment(db.session(), require_actor(), recommendation_id, **data)
