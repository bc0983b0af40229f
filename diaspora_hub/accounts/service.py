"""Rules for accounts: who may register, log in, and what a password must be."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any, NamedTuple, cast

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from diaspora_hub.accounts.models import ApiToken, User
from diaspora_hub.accounts.signals import sessions_revoked, standing_changed
from diaspora_hub.core import audit
from diaspora_hub.core.db import after_commit, utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, Unauthorised, ValidationFailed


def _hasher() -> PasswordHasher:
    """Argon2id with the profile the app is configured for (tests use a cheap one)."""
    name = current_app.config["ARGON2_PROFILE"] if has_app_context() else "RFC_9106_LOW_MEMORY"
    return _HASHERS[name]


_HASHERS = {
    name: PasswordHasher.from_parameters(getattr(profiles, name))
    for name in ("RFC_9106_LOW_MEMORY", "CHEAPEST")
}


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verifying against a fixed hash when the email is unknown keeps timing from telling
    whether an account exists."""
    return hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3
TOKEN_PREFIX = "dh_"  # noqa: S105 - a public marker that tells our tokens apart, not a secret


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(
    password: str, *, field: str = "password", user_inputs: tuple[str, ...] = ()
) -> None:
    """Refuse short or guessable passwords, with advice the person can act on."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={field: [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        advice = result["feedback"].get("warning") or _("This password is too easy to guess.")
        raise ValidationFailed(
            fields={field: [_("%(advice)s Add more words or characters.", advice=advice)]}
        )


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def register(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    language: str = "en",
    time_zone: str = "UTC",
    is_admin: bool = False,
) -> User:
    email = normalise_email(email)
    if get_by_email(session, email) is not None:
        raise Conflict(
            _("An account with this email already exists."),
            fields={"email": [_("Already registered.")]},
        )
    check_password_strength(password, user_inputs=(email, display_name))
    user = User(
        email=email,
        password_hash=_hasher().hash(password),
        display_name=display_name,
        language=language,
        time_zone=time_zone,
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    audit.record(session, user.id, "user.registered", "user", user.id)
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """The person with these credentials; a refusal never says which part was wrong."""
    user = get_by_email(session, email)
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(_hasher()), password)
    except (VerificationError, InvalidHashError):
        raise Unauthorised(_("Email or password is wrong.")) from None
    if user is None or not user.is_active:
        raise Unauthorised(_("Email or password is wrong."))
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


def load_session_user(session: Session, session_user_id: str) -> User | None:
    """Resolve the ``id:version`` kept in the session; an outdated version is no session."""
    user_id, _sep, version = session_user_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def update_profile(session: Session, user: User, changes: dict[str, Any]) -> User:
    for key in ("display_name", "language", "time_zone"):
        if key in changes:
            setattr(user, key, changes[key])
    session.flush()
    return user


def _revoke_sessions_after_commit(session: Session, user: User, session_id: str | None) -> None:
    after_commit(session, lambda: sessions_revoked.send(user, session_id=session_id))


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str
) -> User:
    """Set a new password and void every existing session of this person."""
    try:
        _hasher().verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(
            fields={"current_password": [_("This is not your current password.")]}
        ) from None
    check_password_strength(
        new_password, field="new_password", user_inputs=(user.email, user.display_name)
    )
    user.password_hash = _hasher().hash(new_password)
    user.session_version += 1
    audit.record(session, user.id, "user.password_changed", "user", user.id)
    _revoke_sessions_after_commit(session, user, None)
    return user


def log_out(session: Session, user: User, session_id: str | None) -> None:
    """Announce the end of one session so its live connections close too."""
    _revoke_sessions_after_commit(session, user, session_id)


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only platform admins may do that."))


def list_people(session: Session, actor: User, query: str = "") -> Select[tuple[User]]:
    """Everyone, for platform admins managing accounts."""
    _require_admin(actor)
    statement = select(User).order_by(User.display_name, User.id)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(func.lower(User.display_name).like(pattern), User.email.like(pattern))
        )
    return statement


def get_person(session: Session, actor: User, user_id: int) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such person."))
    return user


def update_person(session: Session, actor: User, user: User, changes: dict[str, Any]) -> User:
    """Admins grant the right to open spaces and (de)activate accounts, never their own."""
    _require_admin(actor)
    if user.id == actor.id and changes.get("is_active") is False:
        raise Conflict(_("You cannot deactivate your own account."))
    if "can_facilitate" in changes and changes["can_facilitate"] != user.can_facilitate:
        user.can_facilitate = changes["can_facilitate"]
        action = "user.facilitator_granted" if user.can_facilitate else "user.facilitator_revoked"
        audit.record(session, actor.id, action, "user", user.id)
    if "is_active" in changes and changes["is_active"] != user.is_active:
        user.is_active = changes["is_active"]
        if not user.is_active:
            user.session_version += 1
            _revoke_sessions_after_commit(session, user, None)
        action = "user.activated" if user.is_active else "user.deactivated"
        audit.record(session, actor.id, action, "user", user.id)
    session.flush()
    if changes.get("is_active") is False:
        standing_changed.send(session, user_ids=[user.id], space_id=None)
    return user


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token; its secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_hash_token(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    audit.record(session, user.id, "token.created", "api_token", token.id, name=name)
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(_("No such token."))
    token.revoked_at = utcnow()
    audit.record(session, user.id, "token.revoked", "api_token", token.id)
    return token


#: How stale a token's "last used" may be before a use records it again.
TOKEN_USE_PRECISION = timedelta(minutes=1)
_TOKEN_TABLE = cast(Table, ApiToken.__table__)
_USER_TABLE = cast(Table, User.__table__)
#: Built once: every API request and live connection with a token runs it. On the tables,
#: as plain rows: a crowd connecting to a live room at once needs only the people's ids
#: (and the session version they were found at, see ``live.presence.open_connections``).
_TOKENS = (
    select(
        _TOKEN_TABLE.c.token_hash,
        _TOKEN_TABLE.c.id,
        _TOKEN_TABLE.c.user_id,
        _TOKEN_TABLE.c.last_used_at,
        _USER_TABLE.c.session_version,
    )
    .join(_USER_TABLE, _USER_TABLE.c.id == _TOKEN_TABLE.c.user_id)
    .where(
        _TOKEN_TABLE.c.token_hash.in_(bindparam("token_hashes", expanding=True)),
        _TOKEN_TABLE.c.revoked_at.is_(None),
        _USER_TABLE.c.is_active.is_(True),
    )
)
#: The unit of work would cost more than the UPDATE, on every first use of a token in a
#: minute.
_TOKEN_USED = (
    update(_TOKEN_TABLE)
    .where(_TOKEN_TABLE.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)


class TokenOwner(NamedTuple):
    user_id: int
    session_version: int


def token_owners(session: Session, tokens: Iterable[str]) -> dict[str, TokenOwner]:
    """By secret, the active people live, unrevoked tokens belong to (unknown ones left
    out); records the tokens' use."""
    hashes = {_hash_token(token): token for token in tokens if token.startswith(TOKEN_PREFIX)}
    if not hashes:
        return {}
    now = utcnow()
    owners: dict[str, TokenOwner] = {}
    used: list[dict[str, Any]] = []
    for token_hash, token_id, user_id, last_used_at, version in session.execute(
        _TOKENS, {"token_hashes": list(hashes)}
    ):
        owners[hashes[token_hash]] = TokenOwner(int(user_id), int(version))
        # Minutes are precise enough to tell a token in use, and spare a write per request.
        if last_used_at is None or now - last_used_at >= TOKEN_USE_PRECISION:
            used.append({"token_id": token_id, "now": now})
    if used:
        session.execute(_TOKEN_USED, used)
    return owners


def user_for_token(session: Session, secret: str) -> User | None:
    owner = token_owners(session, [secret]).get(secret)
    return session.get(User, owner.user_id) if owner is not None else None
