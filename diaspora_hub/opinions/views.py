"""Pages of the opinion map: statements to vote on, the moderation queue and the map.

Every page works without JavaScript: a vote is a form with three buttons, and the map is
an SVG drawn on the server with tables beside it.
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError, ValidationFailed
from diaspora_hub.core.web import form_input, see_other
from diaspora_hub.extensions import db
from diaspora_hub.opinions import exports, schemas, service
from diaspora_hub.opinions.models import Choice, StatementState
from diaspora_hub.spaces import sections
from diaspora_hub.spaces.models import Space

bp = Blueprint("opinions", __name__, template_folder="templates")


def choice_labels() -> dict[Choice, str]:
    return {Choice.AGREE: _("Agree"), Choice.DISAGREE: _("Disagree"), Choice.PASS: _("Pass")}


@bp.before_request
def _import_size() -> None:
    """A Pol.is export may be larger than any other request."""
    if request.endpoint == "opinions.import_polis":
        request.max_content_length = service.MAX_UPLOAD_BYTES


@bp.get("/spaces/<slug>/statements")
def statements(slug: str) -> str:
    return _statements_page(slug)


@bp.post("/spaces/<slug>/statements")
@login_required
def add(slug: str) -> Response | tuple[str, int]:
    try:
        data = load(schemas.StatementInSchema(), form_input())
        service.add_statement(db.session(), require_actor(), slug, text=data["text"])
    except AppError as exc:
        return _statements_page(slug, exc), exc.status
    flash(_("Thank you. Your statement is shown once a facilitator accepts it."), "success")
    return see_other(url_for("opinions.statements", slug=slug))


@bp.post("/statements/<int:statement_id>/vote")
@login_required
def vote(statement_id: int) -> Response:
    try:
        choice = Choice(request.form.get("choice", ""))
    except ValueError:
        raise ValidationFailed(fields={"choice": [_("Choose agree, disagree or pass.")]}) from None
    cast = service.vote(db.session(), require_actor(), statement_id, choice=choice)
    flash(_("Your vote is saved: %(choice)s.", choice=choice_labels()[cast.choice]), "success")
    slug = cast.statement.space.slug
    page = request.form.get("page", 1, type=int) or 1
    return see_other(
        url_for("opinions.statements", slug=slug, page=page, _anchor=f"statement-{statement_id}")
    )


@bp.get("/spaces/<slug>/statements/moderation")
@login_required
def moderation(slug: str) -> str:
    return _moderation_page(slug)


@bp.post("/statements/<int:statement_id>/moderation")
@login_required
def moderate(statement_id: int) -> Response:
    decision = request.form.get("decision", "")
    if decision not in ("accept", "reject"):
        raise ValidationFailed(fields={"decision": [_("Accept or reject.")]})
    statement = service.moderate_statement(
        db.session(), require_actor(), statement_id, accept=decision == "accept"
    )
    if statement.state is StatementState.ACCEPTED:
        flash(_("The statement is accepted and shown to everyone."), "success")
    else:
        flash(_("The statement is rejected."), "success")
    return see_other(url_for("opinions.moderation", slug=statement.space.slug))


@bp.post("/spaces/<slug>/statements/import")
@login_required
def import_polis(slug: str) -> Response | tuple[str, int]:
    try:
        summary = service.import_polis(
            db.session(),
            require_actor(),
            slug,
            files=service.PolisFiles(
                comments=_upload("comments_csv", "comments.csv"),
                votes=_upload("votes_csv", "votes.csv"),
                participants_votes=_upload("participants_votes_csv", "participants-votes.csv"),
            ),
        )
    except AppError as exc:
        return _moderation_page(slug, exc), exc.status
    flash(
        _(
            "Imported %(statements)d statements, %(voters)d voters and %(votes)d votes.",
            statements=summary.statements,
            voters=summary.voters,
            votes=summary.votes,
        ),
        "success",
    )
    return see_other(url_for("opinions.opinion_map", slug=slug))


@bp.get("/spaces/<slug>/opinion-map")
def opinion_map(slug: str) -> str:
    view = service.map_view(db.session(), actor(), slug)
    return render_template(
        "opinions/map.html",
        view=view,
        space=view.space,
        svg=exports.map_svg(view),
        styles=[exports.style_of(i) for i in range(len(view.groups))],
        ungrouped_style=exports.ungrouped_style(),
        symbol=exports.symbol,
        summary=exports.group_summary,
    )


def _statements_page(slug: str, error: AppError | None = None) -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = service.list_statements(db.session(), actor(), slug, page=page)
    return render_template(
        "opinions/statements.html",
        found=found,
        space=found.space,
        choices=choice_labels(),
        errors=(error.fields or {}) if error else {},
        error_message=error.message if error else None,
        form=request.form,
    )


def _moderation_page(slug: str, error: AppError | None = None) -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = service.list_statements(
        db.session(), require_actor(), slug, state=StatementState.PENDING, page=page
    )
    return render_template(
        "opinions/moderation.html",
        found=found,
        space=found.space,
        errors=(error.fields or {}) if error else {},
        error_message=error.message if error else None,
    )


def _upload(field: str, name: str) -> str | None:
    upload: FileStorage | None = request.files.get(field)
    if upload is None or not upload.filename:
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


def space_section(session: Session, user: User | None, space: Space) -> sections.Section:
    """The space page's way in: how many statements there are, the map, and moderation."""
    found = service.list_statements(session, user, space.slug, per_page=3)
    items = [
        sections.SectionItem(
            title=_("Vote on %(n)d statements", n=found.page.total),
            url=url_for("opinions.statements", slug=space.slug),
        ),
        sections.SectionItem(
            title=_("See the opinion map"),
            url=url_for("opinions.opinion_map", slug=space.slug),
            meta=_("Groups of people who vote alike, and what bridges them"),
        ),
    ]
    if found.can_moderate:
        items.append(
            sections.SectionItem(
                title=_("Moderate statements (%(n)d waiting)", n=found.pending),
                url=url_for("opinions.moderation", slug=space.slug),
            )
        )
    return sections.Section(
        key="statements",
        heading=_("Statements and the opinion map"),
        items=items if found.page.total or found.can_moderate or found.can_add else [],
        empty=_("No statements yet."),
        action=(_("Add a statement"), url_for("opinions.statements", slug=space.slug) + "#add")
        if found.can_add
        else None,
    )
