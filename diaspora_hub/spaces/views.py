"""Pages of the spaces domain: browse, open, read, edit and run issue spaces."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core import geo
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.pagination import Page
from diaspora_hub.core.text import plain_text
from diaspora_hub.core.web import form_input, render_form_error, see_other
from diaspora_hub.extensions import db
from diaspora_hub.spaces import schemas, sdg, sections, service
from diaspora_hub.spaces.models import Phase, Space, TagKind, Visibility
from diaspora_hub.spaces.types import SpaceChanges

bp = Blueprint("spaces", __name__, template_folder="templates")

PHASE_LABELS: dict[Phase, Any] = {
    Phase.EXPLORATION: _l("Exploration"),
    Phase.BUILDING: _l("Building"),
    Phase.RUNNING: _l("Running"),
    Phase.SUSTAINING: _l("Sustaining"),
}

VISIBILITY_LABELS: dict[Visibility, Any] = {
    Visibility.PUBLIC: _l("Public: anyone may see it"),
    Visibility.MEMBERS: _l("Members: participating organisations and invited people"),
    Visibility.INVITE: _l("Invitation only: invited people"),
}

LIST_FIELDS = ("sdg", "countries", "languages", "organisations")


def phase_label(phase: Phase | str) -> str:
    return str(PHASE_LABELS[Phase(phase)])


def visibility_label(visibility: Visibility | str) -> str:
    return str(VISIBILITY_LABELS[Visibility(visibility)])


def space_codes(space: Space, kind: str) -> list[str]:
    """A space's codes of one kind: ``goal``, ``target``, ``country`` or ``language``."""
    return space.codes(TagKind(kind))


@cache
def _sdg_options(language: str) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """Goal optgroups in ``language``: (label, goal code, ((target code, short text), ...))."""
    return tuple(
        (
            f"{g.number}. {g.title}",
            g.code,
            tuple((t.code, f"{t.code} {plain_text(t.text, 90)}") for t in g.targets),
        )
        for g in sdg.goals()
    )


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    """Available to every template, so pages of other domains can show a space the same way."""
    return {
        "phase_label": phase_label,
        "visibility_label": visibility_label,
        "country_name": geo.country_name,
        "language_name": geo.language_name,
        "sdg_goal": sdg.goal,
        "sdg_target": sdg.target,
        "space_codes": space_codes,
        "plain_text": plain_text,
    }


def _choices() -> dict[str, Any]:
    return {
        "sdg_options": _sdg_options(sdg.current_language()),
        "country_choices": geo.country_choices(),
        "language_choices": geo.language_choices(),
        "phase_choices": [(p.value, phase_label(p)) for p in Phase],
        "visibility_choices": [(v.value, visibility_label(v)) for v in Visibility],
    }


@bp.get("/spaces")
def index() -> str | tuple[str, int]:
    filters = {k: v for k, v in request.args.items() if k != "page" and v.strip()}
    try:
        args = load(schemas.SpaceFilterSchema(), request.args.to_dict())
        page = service.search_spaces(db.session(), actor(), **args)
    except AppError as exc:
        empty: Page[Any] = Page(items=[], page=1, per_page=20, total=0)
        return render_template(
            "spaces/index.html",
            page=empty,
            filters=filters,
            errors=exc.fields or {},
            error_message=exc.message,
            can_create=service.can_create(actor()),
            **_choices(),
        ), exc.status
    return render_template(
        "spaces/index.html",
        page=page,
        filters=filters,
        errors={},
        error_message=None,
        can_create=service.can_create(actor()),
        **_choices(),
    )


@bp.route("/spaces/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str | tuple[str, int]:
    user = require_actor()
    service.require_creator(user)
    organisations = [(o.slug, o.name) for o in service.organisation_choices(db.session())]
    if request.method != "POST":
        return render_template(
            "spaces/new.html",
            errors={},
            form={},
            organisation_options=organisations,
            **_choices(),
        )
    try:
        data = load(schemas.SpaceCreateSchema(), form_input(*LIST_FIELDS))
        space = service.create_space(db.session(), user, **data)
    except AppError as exc:
        return render_form_error(
            "spaces/new.html", exc, organisation_options=organisations, **_choices()
        )
    flash(_("The space “%(title)s” is open.", title=space.title), "success")
    return see_other(url_for("spaces.detail", slug=space.slug))


@bp.get("/spaces/<slug>")
def detail(slug: str) -> str:
    viewer = actor()
    found = service.space_detail(db.session(), viewer, slug)
    return render_template(
        "spaces/detail.html",
        detail=found,
        sections=sections.collect(db.session(), viewer, found.space),
    )


@bp.post("/spaces/<slug>/conduct/accept")
@login_required
def accept_conduct(slug: str) -> Response:
    state = service.accept_conduct(db.session(), require_actor(), slug)
    version = state.conduct.version if state.conduct else 0
    flash(_("You accepted version %(version)d of the code of conduct.", version=version), "success")
    return see_other(url_for("spaces.detail", slug=slug))


@bp.route("/spaces/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Response | str | tuple[str, int]:
    space = service.space_for_manager(db.session(), require_actor(), slug)
    if request.method != "POST":
        return render_template("spaces/edit.html", space=space, errors={}, form={}, **_choices())
    try:
        data = load(schemas.SpaceUpdateSchema(), form_input("sdg", "countries", "languages"))
        service.update_space(db.session(), require_actor(), slug, cast(SpaceChanges, data))
    except AppError as exc:
        return render_form_error("spaces/edit.html", exc, space=space, **_choices())
    flash(_("The space is saved."), "success")
    return see_other(url_for("spaces.detail", slug=slug))


@bp.get("/spaces/<slug>/manage")
@login_required
def manage(slug: str) -> str:
    return render_template(
        "spaces/manage.html",
        manage=service.management(db.session(), require_actor(), slug),
        errors={},
        form={},
    )


def _manage_error(slug: str, exc: AppError, renamed: dict[str, str] | None = None) -> Any:
    """Show the management page again; ``renamed`` maps schema fields to this page's inputs,
    where two forms both ask for an email."""
    if exc.fields and renamed:
        exc.fields = {renamed.get(k, k): v for k, v in exc.fields.items()}
    return render_form_error(
        "spaces/manage.html", exc, manage=service.management(db.session(), require_actor(), slug)
    )


def _back_to_manage(slug: str, message: str) -> Response:
    flash(message, "success")
    return see_other(url_for("spaces.manage", slug=slug))


@bp.post("/spaces/<slug>/manage/phase")
@login_required
def change_phase(slug: str) -> Any:
    try:
        data = load(schemas.PhaseSchema(), form_input())
        space = service.change_phase(db.session(), require_actor(), slug, data["phase"])
    except AppError as exc:
        return _manage_error(slug, exc)
    return _back_to_manage(
        slug, _("The space is now in the %(phase)s phase.", phase=phase_label(space.phase))
    )


@bp.post("/spaces/<slug>/manage/facilitators")
@login_required
def add_facilitator(slug: str) -> Any:
    try:
        data = load(schemas.EmailSchema(), {"email": form_input().get("facilitator_email", "")})
        row = service.add_facilitator(db.session(), require_actor(), slug, data["email"])
    except AppError as exc:
        return _manage_error(slug, exc, {"email": "facilitator_email"})
    return _back_to_manage(
        slug, _("%(name)s now facilitates this space.", name=row.user.display_name)
    )


@bp.post("/spaces/<slug>/manage/facilitators/<int:user_id>/remove")
@login_required
def remove_facilitator(slug: str, user_id: int) -> Any:
    try:
        service.remove_facilitator(db.session(), require_actor(), slug, user_id)
    except AppError as exc:
        return _manage_error(slug, exc)
    return _back_to_manage(slug, _("The facilitator is removed."))


@bp.post("/spaces/<slug>/manage/organisations")
@login_required
def add_organisation(slug: str) -> Any:
    try:
        data = load(schemas.OrganisationRefSchema(), form_input())
        row = service.add_organisation(db.session(), require_actor(), slug, data["organisation"])
    except AppError as exc:
        return _manage_error(slug, exc)
    return _back_to_manage(
        slug, _("%(org)s now takes part in this space.", org=row.organisation.name)
    )


@bp.post("/spaces/<slug>/manage/organisations/<org_slug>/remove")
@login_required
def remove_organisation(slug: str, org_slug: str) -> Any:
    try:
        service.remove_organisation(db.session(), require_actor(), slug, org_slug)
    except AppError as exc:
        return _manage_error(slug, exc)
    return _back_to_manage(slug, _("The organisation no longer takes part in this space."))


@bp.post("/spaces/<slug>/manage/invitations")
@login_required
def invite(slug: str) -> Any:
    try:
        data = load(schemas.EmailSchema(), {"email": form_input().get("invitee_email", "")})
        row = service.invite(db.session(), require_actor(), slug, data["email"])
    except AppError as exc:
        return _manage_error(slug, exc, {"email": "invitee_email"})
    return _back_to_manage(slug, _("%(name)s is invited.", name=row.user.display_name))


@bp.post("/spaces/<slug>/manage/invitations/<int:user_id>/remove")
@login_required
def revoke_invitation(slug: str, user_id: int) -> Any:
    try:
        service.revoke_invitation(db.session(), require_actor(), slug, user_id)
    except AppError as exc:
        return _manage_error(slug, exc)
    return _back_to_manage(slug, _("The invitation is withdrawn."))


@bp.post("/spaces/<slug>/manage/conduct")
@login_required
def publish_conduct(slug: str) -> Any:
    try:
        data = load(schemas.ConductPublishSchema(), form_input())
        conduct = service.publish_conduct(db.session(), require_actor(), slug, data["text"])
    except AppError as exc:
        return _manage_error(slug, exc)
    return _back_to_manage(
        slug,
        _(
            "Version %(version)d of the code of conduct is published; everyone must accept it"
            " again.",
            version=conduct.version,
        ),
    )
