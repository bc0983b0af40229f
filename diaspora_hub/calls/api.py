"""JSON API of the calls domain, under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.calls import (
    exports,
    jobs,  # noqa: F401 - importing it registers the scheduled jobs
    schemas,
    service,
    synthesis,
)
from diaspora_hub.calls.models import Call, ContributionReport, Theme
from diaspora_hub.calls.types import CallFields, ContributionFields
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body
from diaspora_hub.core.schemas import PageArgs
from diaspora_hub.extensions import db

bp = Blueprint("calls_api", __name__, url_prefix="/api/v1", description="Calls for input")


@bp.get("/spaces/<slug>/calls")
@bp.arguments(schemas.CallListArgs, location="query")
@bp.response(200, schemas.CallPageSchema)
def list_calls(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """Calls of a space; drafts only for their author and the facilitators."""
    _space, page = service.list_calls(db.session(), actor(), slug, **args)
    return page_body(page, page.items)


@bp.post("/spaces/<slug>/calls")
@bp.arguments(schemas.CallCreateSchema)
@bp.response(201, schemas.CallSchema)
def create_call(data: CallFields, slug: str) -> Call:
    """Post a call as a draft (liaisons of verified governments or IOs, facilitators)."""
    return service.create_call(db.session(), require_actor(), slug, data)


@bp.get("/calls/<int:call_id>")
@bp.response(200, schemas.CallSchema)
def get_call(call_id: int) -> Call:
    """One call; its state follows from the clock."""
    return service.get_call(db.session(), actor(), call_id)


@bp.patch("/calls/<int:call_id>")
@bp.arguments(schemas.CallUpdateSchema(partial=True))
@bp.response(200, schemas.CallSchema)
def update_call(data: CallFields, call_id: int) -> Call:
    """Change a call; once open only title, context, targets and closing time."""
    return service.update_call(db.session(), require_actor(), call_id, data)


@bp.post("/calls/<int:call_id>/publish")
@bp.response(200, schemas.CallSchema)
def publish_call(call_id: int) -> Call:
    """Publish a draft; it opens at its opening time."""
    return service.publish_call(db.session(), require_actor(), call_id)


@bp.get("/calls/<int:call_id>/contributions")
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.ContributionPageSchema)
def list_contributions(args: dict[str, Any], call_id: int) -> dict[str, Any]:
    """Contributions this person may read, shown as their attribution allows."""
    _call, page = service.list_contributions(db.session(), actor(), call_id, **args)
    return page_body(page, page.items)


@bp.post("/calls/<int:call_id>/contributions")
@bp.arguments(schemas.ContributionInSchema)
@bp.response(200, schemas.ContributionSchema)
@bp.alt_response(201, schema=schemas.ContributionSchema, description="Created")
def save_contribution(data: ContributionFields, call_id: int) -> tuple[dict[str, Any], int]:
    """Create (201) or update (200) your organisation's contribution while the call is open."""
    session = db.session()
    user = require_actor()
    contribution = service.save_contribution(session, user, call_id, data)
    body = service.present_contribution(contribution, {contribution.organisation_id})
    return body, 201 if contribution.version == 1 else 200


@bp.get("/calls/<int:call_id>/contributions/<int:contribution_id>/history")
@bp.response(200, schemas.ContributionVersionSchema(many=True))
def contribution_history(call_id: int, contribution_id: int) -> list[dict[str, Any]]:
    """Every saved version of a contribution."""
    return service.contribution_history(db.session(), require_actor(), call_id, contribution_id)


@bp.post("/calls/<int:call_id>/contributions/<int:contribution_id>/reports")
@bp.arguments(schemas.ContributionReportInSchema)
@bp.response(201, schemas.ContributionReportSchema)
def report_contribution(
    data: dict[str, Any], call_id: int, contribution_id: int
) -> ContributionReport:
    """Report a contribution to the facilitators."""
    return service.report_contribution(
        db.session(), require_actor(), call_id, contribution_id, data["reason"]
    )


@bp.post("/calls/<int:call_id>/contributions/<int:contribution_id>/hide")
@bp.arguments(schemas.ContributionModerationSchema)
@bp.response(200, schemas.ContributionSchema)
def hide_contribution(data: dict[str, Any], call_id: int, contribution_id: int) -> dict[str, Any]:
    """Hide a contribution from everyone but the facilitators (facilitators)."""
    session = db.session()
    contribution = service.hide_contribution(
        session, require_actor(), call_id, contribution_id, data["reason"]
    )
    return service.present_to_readers(session, contribution)


@bp.post("/calls/<int:call_id>/contributions/<int:contribution_id>/restore")
@bp.arguments(schemas.ContributionModerationSchema)
@bp.response(200, schemas.ContributionSchema)
def restore_contribution(
    data: dict[str, Any], call_id: int, contribution_id: int
) -> dict[str, Any]:
    """Show a hidden contribution again (facilitators)."""
    session = db.session()
    contribution = service.restore_contribution(
        session, require_actor(), call_id, contribution_id, data["reason"]
    )
    return service.present_to_readers(session, contribution)


@bp.get("/calls/<int:call_id>/tracker")
@bp.response(200, schemas.CallTrackerSchema)
def tracker(call_id: int) -> service.Tracker:
    """Contributions by bloc, kind and country, and who has not answered yet."""
    return service.tracker(db.session(), require_actor(), call_id)


@bp.get("/calls/<int:call_id>/synthesis/proposals")
@bp.response(200, schemas.ThemeProposalSchema(many=True))
def proposals(call_id: int) -> list[synthesis.Proposal]:
    """Proposed groups of similar contributions not yet in a theme, with their tie words."""
    return service.proposals(db.session(), require_actor(), call_id)


@bp.get("/calls/<int:call_id>/themes")
@bp.response(200, schemas.ThemeSchema(many=True))
def list_themes(call_id: int) -> list[Theme]:
    """Themes of a call: for facilitators while built, for everyone once synthesised."""
    return service.list_themes(db.session(), actor(), call_id)


@bp.post("/calls/<int:call_id>/themes")
@bp.arguments(schemas.ThemeCreateSchema)
@bp.response(201, schemas.ThemeSchema)
def create_theme(data: dict[str, Any], call_id: int) -> Theme:
    """Accept a proposal, or any group of contributions, as a theme (facilitators)."""
    return service.create_theme(db.session(), require_actor(), call_id, **data)


@bp.patch("/themes/<int:theme_id>")
@bp.arguments(schemas.ThemeRenameSchema)
@bp.response(200, schemas.ThemeSchema)
def rename_theme(data: dict[str, Any], theme_id: int) -> Theme:
    """Rename a theme."""
    return service.rename_theme(db.session(), require_actor(), theme_id, data["title"])


@bp.post("/themes/<int:theme_id>/merge")
@bp.arguments(schemas.ThemeMergeSchema)
@bp.response(200, schemas.ThemeSchema)
def merge_theme(data: dict[str, Any], theme_id: int) -> Theme:
    """Move all contributions of this theme into another; answers with that theme."""
    return service.merge_theme(db.session(), require_actor(), theme_id, data["into"])


@bp.post("/themes/<int:theme_id>/split")
@bp.arguments(schemas.ThemeSplitSchema)
@bp.response(201, schemas.ThemeSchema)
def split_theme(data: dict[str, Any], theme_id: int) -> Theme:
    """Move some contributions of a theme into a new theme; answers with the new one."""
    return service.split_theme(db.session(), require_actor(), theme_id, **data)


@bp.post("/calls/<int:call_id>/synthesise")
@bp.response(200, schemas.CallSchema)
def synthesise(call_id: int) -> Call:
    """Mark the call synthesised (after close; facilitators)."""
    return service.synthesise(db.session(), require_actor(), call_id)


@bp.get("/calls/<int:call_id>/contributions.csv")
@bp.response(200, {"type": "string"}, content_type="text/csv")
def export_csv(call_id: int) -> Response:
    """Contributions as CSV; attribution honoured, hidden ones left out."""
    call, rows = service.export_contributions(db.session(), require_actor(), call_id)
    return Response(
        exports.to_csv(call, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="call-{call.id}.csv"'},
    )


@bp.get("/calls/<int:call_id>/contributions.json")
@bp.response(200, {"type": "object"})
def export_json(call_id: int) -> Response:
    """Contributions as JSON; attribution honoured, hidden ones left out."""
    call, rows = service.export_contributions(db.session(), require_actor(), call_id)
    response = jsonify(exports.to_json(call, rows))
    response.headers["Content-Disposition"] = f'attachment; filename="call-{call.id}.json"'
    return response
