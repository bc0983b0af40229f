"""Account pages: register, log in and out, settings, password, tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from diaspora_hub.accounts import schemas, service
from diaspora_hub.accounts.auth import (
    LOGIN_SCOPE,
    log_in,
    log_out,
    login_limit,
    remote_address,
    require_actor,
)
from diaspora_hub.core import timezones
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.pagination import paginate
from diaspora_hub.core.web import form_input, render_form_error, safe_next, see_other
from diaspora_hub.extensions import db, limiter

bp = Blueprint("accounts", __name__, template_folder="templates")


#: the interface languages, each named in itself, for the switcher on every page
SITE_LANGUAGES = (("en", "English"), ("fr", "Français"), ("es", "Español"))


@bp.context_processor
def _time_zone_helpers() -> dict[str, Any]:
    """For the time-zone picker: a stored old name shows as its present one."""
    return {"canonical_time_zone": timezones.canonical, "time_zone_aliases": timezones.aliases}


@bp.app_context_processor
def _language_switcher() -> dict[str, Any]:
    return {"site_languages": SITE_LANGUAGES}


@bp.post("/language")
def language() -> Response:
    """The switcher in every page's footer: a person's account keeps the choice, a
    visitor's session does."""
    chosen = load(schemas.LanguageSchema(), form_input())["language"]
    user = current_user._get_current_object()
    if user.is_authenticated:
        service.update_profile(db.session(), user, language=chosen)
    else:
        session["language"] = chosen
    return see_other(safe_next(url_for("main.index")))


@bp.route("/register", methods=["GET", "POST"])
@limiter.shared_limit(login_limit, scope=LOGIN_SCOPE, methods=["POST"])
def register() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return see_other(url_for("main.index"))
    if not _is_post():
        return render_template(
            "accounts/register.html", errors={}, form={}, time_zones=timezones.picker()
        )
    try:
        data = load(schemas.RegisterFormSchema(), form_input())
        data.pop("password_confirm")
        user = service.register(db.session(), **data, address=remote_address())
    except AppError as exc:
        return render_form_error("accounts/register.html", exc, time_zones=timezones.picker())
    log_in(user)
    flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
    return see_other(url_for("main.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(login_limit, scope=LOGIN_SCOPE, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    if not _is_post():
        return render_template("accounts/login.html", errors={}, form={})
    try:
        data = load(schemas.LoginFormSchema(), form_input())
        user = service.authenticate(
            db.session(), email=data["email"], password=data["password"], address=remote_address()
        )
    except AppError as exc:
        return render_form_error("accounts/login.html", exc)
    log_in(user, remember=data["remember"])
    flash(_("You are logged in."), "success")
    return see_other(safe_next(url_for("main.index")))


@bp.post("/logout")
@login_required
def logout() -> Response:
    log_out(require_actor())
    flash(_("You are logged out."), "success")
    return see_other(url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> Response | str | tuple[str, int]:
    if not _is_post():
        return render_template(
            "accounts/settings.html", errors={}, form={}, time_zones=timezones.picker()
        )
    try:
        service.update_profile(
            db.session(), require_actor(), **load(schemas.ProfileSchema(), form_input())
        )
    except AppError as exc:
        return render_form_error("accounts/settings.html", exc, time_zones=timezones.picker())
    flash(_("Your settings are saved."), "success")
    return see_other(url_for("accounts.settings"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    if not _is_post():
        return render_template("accounts/password.html", errors={}, form={})
    try:
        data = load(schemas.PasswordChangeFormSchema(), form_input())
        data.pop("new_password_confirm")
        user = service.change_password(db.session(), require_actor(), **data)
    except AppError as exc:
        return render_form_error("accounts/password.html", exc)
    log_in(user)
    flash(_("Your password is changed. Other sessions and your API tokens have ended."), "success")
    return see_other(url_for("accounts.settings"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Response | str | tuple[str, int]:
    new_secret = None
    if _is_post():
        try:
            data = load(schemas.TokenCreateSchema(), form_input())
            _token, new_secret = service.create_token(db.session(), require_actor(), data["name"])
        except AppError as exc:
            return render_form_error(
                "accounts/tokens.html",
                exc,
                tokens=service.list_tokens(db.session(), require_actor()),
                new_secret=None,
            )
    return render_template(
        "accounts/tokens.html",
        errors={},
        form={},
        new_secret=new_secret,
        tokens=service.list_tokens(db.session(), require_actor()),
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    service.revoke_token(db.session(), require_actor(), token_id)
    flash(_("The token is revoked."), "success")
    return see_other(url_for("accounts.tokens"))


def _is_post() -> bool:
    return request.method == "POST"


@bp.get("/admin/people")
@login_required
def people() -> str:
    args = load(schemas.PeopleQuerySchema(), request.args.to_dict())
    query = service.list_people(db.session(), require_actor(), query=args["q"])
    page = paginate(db.session(), query, args["page"], args["per_page"])
    return render_template("accounts/people.html", page=page, q=args["q"])


@bp.post("/admin/people/<int:user_id>")
@login_required
def update_person(user_id: int) -> Response:
    actor = require_actor()
    changes = load(schemas.PersonUpdateSchema(), form_input())
    person = service.get_person(db.session(), actor, user_id)
    service.update_person(db.session(), actor, person, **changes)
    flash(_("%(name)s is updated.", name=person.display_name), "success")
    return see_other(safe_next(url_for("accounts.people")))
