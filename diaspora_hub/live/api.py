"""JSON API of live rooms, under /api/v1: open and list rooms, read their state and log,
export transcripts. Everything live happens over Socket.IO (see ``live.events``)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_login import login_required

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body
from diaspora_hub.core.schemas import PageArgs
from diaspora_hub.extensions import db
from diaspora_hub.live import schemas, service
from diaspora_hub.live.models import Room

bp = Blueprint("live_api", __name__, url_prefix="/api/v1", description="Live consultation rooms")


@bp.get("/spaces/<slug>/rooms")
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.RoomPageSchema)
def list_rooms(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """The rooms of a space, newest first."""
    _space, page = service.rooms_of_space(db.session(), actor(), slug, **args)
    return page_body(page, page.items)


@bp.post("/spaces/<slug>/rooms")
@login_required
@bp.arguments(schemas.RoomCreateSchema)
@bp.response(201, schemas.RoomSchema)
def open_room(data: dict[str, Any], slug: str) -> Room:
    """Open a room in a space (its facilitators)."""
    return service.open_room(db.session(), require_actor(), slug, **data)


@bp.get("/rooms/<int:room_id>")
@login_required
@bp.response(200)
def room_state(room_id: int) -> dict[str, Any]:
    """The room as the caller may see it: the same ``state`` a Socket.IO ``join`` returns."""
    return service.room_state(db.session(), require_actor(), room_id)


@bp.get("/rooms/<int:room_id>/events")
@login_required
@bp.arguments(schemas.EventsArgs, location="query")
@bp.response(200, schemas.EventsPageSchema)
def room_events(args: dict[str, Any], room_id: int) -> dict[str, Any]:
    """The room's events after ``after``, as the Socket.IO ``event`` sends them to the caller."""
    return service.events_after(db.session(), require_actor(), room_id, **args)


@bp.get("/rooms/<int:room_id>/audit")
@login_required
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.AuditPageSchema)
def room_audit(args: dict[str, Any], room_id: int) -> dict[str, Any]:
    """What the facilitators did in the room, newest first (facilitators)."""
    page = service.audit_trail(db.session(), require_actor(), room_id, **args)
    return page_body(page, page.items)


def _download(room_id: int, extension: str) -> Response:
    body, mimetype, name = service.transcript_file(
        db.session(), require_actor(), room_id, extension
    )
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/rooms/<int:room_id>/transcript.md")
@login_required
@bp.response(200)
def transcript_md(room_id: int) -> Response:
    """The room's transcript as Markdown (facilitators); in Chatham House rooms speakers
    appear by bloc only."""
    return _download(room_id, "md")


@bp.get("/rooms/<int:room_id>/transcript.json")
@login_required
@bp.response(200)
def transcript_json(room_id: int) -> Response:
    """The room's transcript as JSON (facilitators); in Chatham House rooms speakers appear
    by bloc only."""
    return _download(room_id, "json")
