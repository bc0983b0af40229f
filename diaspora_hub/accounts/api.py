"""``/api/v1/auth``: register, log in and out, profile, password, tokens."""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from diaspora_hub.accounts import schemas, service
from diaspora_hub.accounts.auth import (
    LOGIN_SCOPE,
    log_in,
    log_out,
    login_limit,
    remote_address,
    require_actor,
)
from diaspora_hub.accounts.models import ApiToken, User
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body, paginate
from diaspora_hub.extensions import db, limiter

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")


@bp.post("/register")
@limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
@bp.arguments(schemas.RegisterSchema)
@bp.response(201, schemas.UserSchema)
def register(data: dict[str, Any]) -> User:
    """Create an account and log it in."""
    user = service.register(db.session(), **data, address=remote_address())
    log_in(user)
    return user


@bp.post("/login")
@limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
@bp.arguments(schemas.LoginSchema)
@bp.response(200, schemas.UserSchema)
def login(data: dict[str, Any]) -> User:
    """Log in; the response sets the session cookie."""
    user = service.authenticate(
        db.session(), email=data["email"], password=data["password"], address=remote_address()
    )
    log_in(user)
    return user


@bp.post("/logout")
@login_required
@bp.response(204)
def logout() -> None:
    """Log out; this session ends on the server, so no copy of its cookie works again."""
    log_out(require_actor())


@bp.get("/me")
@login_required
@bp.response(200, schemas.UserSchema)
def me() -> User:
    return require_actor()


@bp.patch("/me")
@login_required
@bp.arguments(schemas.ProfileSchema)
@bp.response(200, schemas.UserSchema)
def update_me(data: dict[str, Any]) -> User:
    return service.update_profile(db.session(), require_actor(), **data)


@bp.post("/password")
@login_required
@bp.arguments(schemas.PasswordChangeSchema)
@bp.response(200, schemas.UserSchema)
def change_password(data: dict[str, Any]) -> User:
    """Change the password; every other session and every API token of this person ends."""
    user = service.change_password(db.session(), require_actor(), **data)
    log_in(user)
    return user


@bp.get("/tokens")
@login_required
@bp.response(200, schemas.TokenSchema(many=True))
def list_tokens() -> list[ApiToken]:
    return service.list_tokens(db.session(), require_actor())


@bp.post("/tokens")
@login_required
@bp.arguments(schemas.TokenCreateSchema)
@bp.response(201, schemas.NewTokenSchema)
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    """Create a personal API token; its secret is in this response only."""
    token, secret = service.create_token(db.session(), require_actor(), data["name"])
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "token": secret,
    }


@bp.delete("/tokens/<int:token_id>")
@login_required
@bp.response(204)
def revoke_token(token_id: int) -> None:
    service.revoke_token(db.session(), require_actor(), token_id)


people_bp = Blueprint(
    "people_api", __name__, url_prefix="/api/v1/users", description="Accounts (platform admins)"
)


@people_bp.get("")
@login_required
@people_bp.arguments(schemas.PeopleQuerySchema, location="query")
@people_bp.response(200, schemas.PeoplePageSchema)
def list_people(args: dict[str, Any]) -> dict[str, Any]:
    """List accounts (platform admins)."""
    query = service.list_people(db.session(), require_actor(), query=args["q"])
    page = paginate(db.session(), query, args["page"], args["per_page"])
    return page_body(page, page.items)


@people_bp.patch("/<int:user_id>")
@login_required
@people_bp.arguments(schemas.PersonUpdateSchema)
@people_bp.response(200, schemas.PersonAdminSchema)
def update_person(data: dict[str, Any], user_id: int) -> User:
    """Grant or revoke the right to open spaces; deactivate or reactivate an account."""
    actor = require_actor()
    return service.update_person(
        db.session(), actor, service.get_person(db.session(), actor, user_id), **data
    )
