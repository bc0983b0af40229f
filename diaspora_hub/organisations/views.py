"""Pages of the organisations domain: browse, register, edit, members, verification.

Buttons that change a membership carry a ``back`` field naming the page they sit on
(``detail``, ``members`` or ``mine``); after the change the person returns there, and if
the change is refused that page is shown again with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from diaspora_hub.accounts import needs
from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.geo import country_choices, country_name
from diaspora_hub.core.text import plain_text
from diaspora_hub.core.web import form_input, render_form_error, see_other
from diaspora_hub.extensions import db
from diaspora_hub.organisations import schemas, service
from diaspora_hub.organisations.labels import kind_label, role_label
from diaspora_hub.organisations.models import OrganisationKind, Role
from diaspora_hub.organisations.types import OrganisationChanges

bp = Blueprint("organisations", __name__, template_folder="templates")

PageResult = Response | str | tuple[str, int]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"country_name": country_name, "plain_text": plain_text}


def _choices() -> dict[str, Any]:
    return {
        "kind_options": [(k.value, kind_label(k)) for k in OrganisationKind],
        "role_options": [(r.value, role_label(r)) for r in Role],
        "country_options": country_choices(),
    }


@bp.get("/organisations")
def index() -> PageResult:
    filters = {key: value for key, value in request.args.items() if value.strip()}
    context = {"filters": request.args, **_choices()}
    try:
        args = load(schemas.OrganisationListArgs(), filters)
        page = service.search_organisations(db.session(), **args)
    except AppError as exc:
        return render_form_error("organisations/index.html", exc, page=None, **context)
    return render_template("organisations/index.html", page=page, errors={}, **context)


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def new() -> PageResult:
    if request.method != "POST":
        return render_template("organisations/new.html", errors={}, form={}, **_choices())
    try:
        data = load(schemas.OrganisationCreateSchema(), form_input("countries"))
        organisation = service.create_organisation(db.session(), require_actor(), data)
    except AppError as exc:
        return render_form_error("organisations/new.html", exc, **_choices())
    flash(
        _(
            "%(org)s is registered. A platform admin will verify it before it can act "
            "on the platform.",
            org=organisation.name,
        ),
        "success",
    )
    return see_other(url_for("organisations.detail", slug=organisation.slug))


@bp.get("/organisations/<slug>")
def detail(slug: str) -> PageResult:
    return render_template("organisations/detail.html", **_detail_context(slug))


def _detail_context(slug: str) -> dict[str, Any]:
    return {"profile": service.organisation_profile(db.session(), actor(), slug)}


@bp.route("/organisations/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> PageResult:
    organisation = service.get_managed(db.session(), require_actor(), slug)
    context = {"organisation": organisation, **_choices()}
    if request.method != "POST":
        return render_template("organisations/edit.html", errors={}, form={}, **context)
    was_verified = organisation.is_verified
    try:
        changes = load(schemas.OrganisationUpdateSchema(), form_input("countries"))
        service.update_organisation(
            db.session(), require_actor(), slug, cast(OrganisationChanges, changes)
        )
    except AppError as exc:
        return render_form_error("organisations/edit.html", exc, **context)
    flash(_("Your changes are saved."), "success")
    if was_verified and not organisation.is_verified:
        flash(
            _(
                "These changes affect who the organisation is, so a platform admin will "
                "verify it again."
            ),
            "info",
        )
    return see_other(url_for("organisations.detail", slug=slug))


@bp.get("/organisations/<slug>/members")
@login_required
def members(slug: str) -> PageResult:
    return render_template(
        "organisations/members.html", errors={}, form={}, **_members_context(slug)
    )


def _members_context(slug: str) -> dict[str, Any]:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    overview = service.member_overview(db.session(), require_actor(), slug, page=page)
    return {"overview": overview, "organisation": overview.organisation, **_choices()}


@bp.get("/me/organisations")
@login_required
def mine() -> PageResult:
    return render_template("organisations/mine.html", **_mine_context())


def _mine_context() -> dict[str, Any]:
    page = service.memberships_of(db.session(), require_actor(), per_page=100)
    return {"memberships": page.items}


# Changes behind buttons --------------------------------------------------------------


def _back(slug: str) -> str:
    back = request.form.get("back")
    if back == "members":
        return url_for("organisations.members", slug=slug)
    if back == "mine":
        return url_for("organisations.mine")
    return url_for("organisations.detail", slug=slug)


def _refused(slug: str, exc: AppError) -> tuple[str, int]:
    """Show the page the button was on again, with why the change was refused."""
    back = request.form.get("back")
    if back == "members":
        return render_form_error("organisations/members.html", exc, **_members_context(slug))
    if back == "mine":
        return render_form_error("organisations/mine.html", exc, **_mine_context())
    return render_form_error("organisations/detail.html", exc, **_detail_context(slug))


@bp.post("/organisations/<slug>/invitations")
@login_required
def invite(slug: str) -> PageResult:
    try:
        data = load(schemas.MemberInvitationSchema(), form_input())
        membership = service.invite(
            db.session(), require_actor(), slug, data["email"], data["role"]
        )
    except AppError as exc:
        return render_form_error("organisations/members.html", exc, **_members_context(slug))
    flash(_("%(name)s is invited.", name=membership.user.display_name), "success")
    return see_other(url_for("organisations.members", slug=slug))


@bp.post("/organisations/<slug>/join")
@login_required
def join(slug: str) -> PageResult:
    try:
        service.request_to_join(db.session(), require_actor(), slug)
    except AppError as exc:
        return _refused(slug, exc)
    flash(_("Your request to join is sent to the organisation's admins."), "success")
    return see_other(_back(slug))


@bp.post("/organisations/<slug>/members/<int:user_id>/accept")
@login_required
def accept(slug: str, user_id: int) -> PageResult:
    try:
        membership = service.accept(db.session(), require_actor(), slug, user_id)
    except AppError as exc:
        return _refused(slug, exc)
    if user_id == require_actor().id:
        flash(_("Welcome to %(org)s.", org=membership.organisation.name), "success")
    else:
        flash(_("%(name)s is now a member.", name=membership.user.display_name), "success")
    return see_other(_back(slug))


@bp.post("/organisations/<slug>/members/<int:user_id>/decline")
@login_required
def decline(slug: str, user_id: int) -> PageResult:
    try:
        service.decline(db.session(), require_actor(), slug, user_id)
    except AppError as exc:
        return _refused(slug, exc)
    flash(_("Declined."), "success")
    return see_other(_back(slug))


@bp.post("/organisations/<slug>/members/<int:user_id>/role")
@login_required
def change_role(slug: str, user_id: int) -> PageResult:
    try:
        data = load(schemas.MemberRoleSchema(), {"role": request.form.get("role", "")})
        membership = service.change_role(db.session(), require_actor(), slug, user_id, data["role"])
    except AppError as exc:
        return _refused(slug, exc)
    flash(
        _(
            "%(name)s is now: %(role)s.",
            name=membership.user.display_name,
            role=role_label(membership.role),
        ),
        "success",
    )
    return see_other(_back(slug))


@bp.post("/organisations/<slug>/members/<int:user_id>/remove")
@login_required
def remove(slug: str, user_id: int) -> PageResult:
    leaving = user_id == require_actor().id
    try:
        service.remove_member(db.session(), require_actor(), slug, user_id)
    except AppError as exc:
        return _refused(slug, exc)
    flash(_("You have left the organisation.") if leaving else _("Removed."), "success")
    return see_other(_back(slug))


@bp.post("/organisations/<slug>/verify")
@login_required
def verify(slug: str) -> PageResult:
    try:
        organisation = service.verify(db.session(), require_actor(), slug)
    except AppError as exc:
        return _refused(slug, exc)
    flash(_("%(org)s is verified.", org=organisation.name), "success")
    return see_other(url_for("organisations.detail", slug=slug))


@bp.post("/organisations/<slug>/unverify")
@login_required
def unverify(slug: str) -> PageResult:
    try:
        organisation = service.unverify(db.session(), require_actor(), slug)
    except AppError as exc:
        return _refused(slug, exc)
    flash(_("The verification of %(org)s is withdrawn.", org=organisation.name), "success")
    return see_other(url_for("organisations.detail", slug=slug))


def home_needs(session: Session, user: User) -> Iterator[needs.Need]:
    """Invitations to accept and join requests to decide, on the person's home page."""
    invitations, requests = service.waiting_decisions(session, user)
    for membership in invitations:
        yield needs.Need(
            kind="invitation",
            title=_("Invitation to join %(org)s", org=membership.organisation.name),
            url=url_for("organisations.mine"),
            action=_("Answer the invitation"),
            urgency=needs.Urgency.WAITING,
            detail=_("As %(role)s", role=role_label(membership.role)),
        )
    for membership in requests:
        yield needs.Need(
            kind="request",
            title=_(
                "%(name)s asks to join %(org)s",
                name=membership.user.display_name,
                org=membership.organisation.name,
            ),
            url=url_for("organisations.members", slug=membership.organisation.slug),
            action=_("Decide on the request"),
            urgency=needs.Urgency.WAITING,
        )
