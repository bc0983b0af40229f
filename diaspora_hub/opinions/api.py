"""JSON API of the opinion map, under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.core.pagination import page_body
from diaspora_hub.extensions import db
from diaspora_hub.opinions import schemas, service
from diaspora_hub.opinions.models import Statement
from diaspora_hub.opinions.types import OpinionMapView

bp = Blueprint(
    "opinions_api", __name__, url_prefix="/api/v1", description="Statements and the opinion map"
)


@bp.before_request
def _import_size() -> None:
    """A Pol.is export may be larger than any other request."""
    if request.endpoint == "opinions_api.import_statements":
        request.max_content_length = service.MAX_UPLOAD_BYTES


@bp.get("/spaces/<slug>/statements")
@bp.arguments(schemas.StatementListArgs, location="query")
@bp.response(200, schemas.StatementPageSchema)
def list_statements(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """Accepted statements with your vote; facilitators may list pending or rejected ones."""
    found = service.list_statements(db.session(), actor(), slug, **args)
    return page_body(found.page, found.page.items)


@bp.post("/spaces/<slug>/statements")
@bp.arguments(schemas.StatementInSchema)
@bp.response(201, schemas.StatementSchema)
def add_statement(data: dict[str, Any], slug: str) -> Statement:
    """Add a statement; it is shown once a facilitator accepts it. Adding casts no vote."""
    return service.add_statement(db.session(), require_actor(), slug, **data)


@bp.post("/spaces/<slug>/statements/import")
@bp.arguments(schemas.ImportFilesSchema, location="files")
@bp.response(201, schemas.ImportSummarySchema)
def import_statements(files: dict[str, Any], slug: str) -> service.ImportSummary:
    """Import a Pol.is export (facilitators): multipart ``comments.csv`` with ``votes.csv``,
    or ``participants-votes.csv``. Imported voters keep their Pol.is participant id."""
    return service.import_polis(
        db.session(),
        require_actor(),
        slug,
        files=service.PolisFiles(
            comments=_text("comments.csv"),
            votes=_text("votes.csv"),
            participants_votes=_text("participants-votes.csv"),
        ),
    )


@bp.post("/statements/<int:statement_id>/moderation")
@bp.arguments(schemas.ModerationInSchema)
@bp.response(200, schemas.StatementSchema)
def moderate(data: dict[str, Any], statement_id: int) -> Statement:
    """Accept or reject a pending statement (facilitators)."""
    return service.moderate_statement(
        db.session(), require_actor(), statement_id, accept=data["decision"] == "accept"
    )


@bp.get("/statements/<int:statement_id>/votes")
@bp.response(200, schemas.VoteOutSchema)
def votes(statement_id: int) -> dict[str, Any]:
    """Your vote on a statement and its tally so far."""
    session = db.session()
    person = actor()
    return {
        "statement_id": statement_id,
        "choice": service.my_vote(session, person, statement_id),
        "tally": service.tally(session, person, statement_id),
    }


@bp.post("/statements/<int:statement_id>/votes")
@bp.arguments(schemas.VoteInSchema)
@bp.response(200, schemas.VoteOutSchema)
def vote(data: dict[str, Any], statement_id: int) -> dict[str, Any]:
    """Agree, disagree or pass; voting again changes your vote."""
    session = db.session()
    person = require_actor()
    cast = service.vote(session, person, statement_id, choice=data["choice"])
    return {
        "statement_id": statement_id,
        "choice": cast.choice,
        "tally": service.tally(session, person, statement_id),
    }


@bp.get("/spaces/<slug>/opinion-map")
@bp.response(200, schemas.OpinionMapSchema)
def opinion_map(slug: str) -> OpinionMapView:
    """Groups with their members (imported voters by their Pol.is id), representative
    statements per group and bridging statements across groups."""
    return service.map_view(db.session(), actor(), slug)


def _text(name: str) -> str | None:
    upload: FileStorage | None = request.files.get(name)
    if upload is None:
        return None
    try:
        content: bytes = upload.read()
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("%(file)s is not UTF-8 text.", file=name), fields={name: [_("Not UTF-8 text.")]}
        ) from None
    finally:
        upload.close()
