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

from diaspora_hub.accounts import throttle
from diaspora_hub.accounts.models import ApiToken, LoginSession, User
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
    address: str | None = None,
) -> User:
    """Create an account. Asking for an address already taken is a guess (see
    ``throttle``): it tells that the account exists."""
    email = normalise_email(email)
    throttle.check(address=address, email=email)
    if get_by_email(session, email) is not None:
        throttle.failed(address=address, email=email)
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


def authenticate(
    session: Session, *, email: str, password: str, address: str | None = None
) -> User:
    """The person with these credentials; a refusal never says which part was wrong.

    Guesses from ``address`` and at this account are slowed down (see ``throttle``).
    """
    email = normalise_email(email)
    throttle.check(address=address, email=email)
    user = get_by_email(session, email)
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(_hasher()), password)
    except (VerificationError, InvalidHashError):
        throttle.failed(address=address, email=email)
        raise Unauthorised(_("Email or password is wrong.")) from None
    if user is None or not user.is_active:
        throttle.failed(address=address, email=email)
        raise Unauthorised(_("Email or password is wrong."))
    throttle.succeeded(email=email)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(session: Session, actor: User) -> str:
    """Record a new login of ``actor``; what the session cookie keeps to name it.

    The value is ``id:version:secret``: the server keeps only the secret's hash, so ending
    the login (logout, password change) voids every copy of the cookie, remember-me too.
    """
    secret = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=actor.id, key_hash=_hash_secret(secret)))
    session.flush()
    return f"{actor.id}:{actor.session_version}:{secret}"


def _session_secret(session_user_id: str) -> tuple[int, int, str] | None:
    parts = session_user_id.split(":", 2)
    if len(parts) != 3:
        return None
    user_id, version, secret = parts
    if not user_id.isdigit() or not version.isdigit() or not secret:
        return None
    return int(user_id), int(version), secret


def login_key(session_user_id: str | None) -> str | None:
    """What names a login to the rest of the app (live connections record it): the hash
    of its secret, which the server keeps; None for no login."""
    parts = _session_secret(session_user_id or "")
    return _hash_secret(parts[2]) if parts is not None else None


def load_session_user(session: Session, session_user_id: str) -> User | None:
    """Resolve the ``id:version:secret`` kept in the session cookie: an ended login, an
    outdated version or a deactivated person is no session."""
    parts = _session_secret(session_user_id)
    if parts is None:
        return None
    user_id, version, secret = parts
    user = session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.key_hash == _hash_secret(secret),
            LoginSession.revoked_at.is_(None),
            User.id == user_id,
        )
    )
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def update_profile(
    session: Session,
    actor: User,
    *,
    display_name: str | None = None,
    language: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change what is given of the person's own name, language and time zone."""
    if display_name is not None:
        actor.display_name = display_name
    if language is not None:
        actor.language = language
    if time_zone is not None:
        actor.time_zone = time_zone
    session.flush()
    return actor


def _revoke_sessions_after_commit(session: Session, user: User, session_id: str | None) -> None:
    after_commit(session, lambda: sessions_revoked.send(user, session_id=session_id))


def _end_logins(session: Session, user: User, *, tokens: bool) -> None:
    """End every login of ``user`` on the server, and with ``tokens`` every API token."""
    now = utcnow()
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if tokens:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def change_password(
    session: Session, actor: User, *, current_password: str, new_password: str
) -> User:
    """Set a new password and end every session and API token of this person; the caller
    opens a new session for the browser that asked."""
    try:
        _hasher().verify(actor.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(
            fields={"current_password": [_("This is not your current password.")]}
        ) from None
    check_password_strength(
        new_password, field="new_password", user_inputs=(actor.email, actor.display_name)
    )
    actor.password_hash = _hasher().hash(new_password)
    actor.session_version += 1
    _end_logins(session, actor, tokens=True)
    audit.record(session, actor.id, "user.password_changed", "user", actor.id)
    _revoke_sessions_after_commit(session, actor, None)
    session.flush()
    return actor


def log_out(session: Session, actor: User, *, session_user_id: str | None) -> None:
    """End this login on the server, and announce it so its live connections close too.

    ``session_user_id`` is what the cookie keeps (see ``open_session``); a request made
    with a token has none, and ends nothing.
    """
    key = login_key(session_user_id)
    if key is None:
        return
    session.execute(
        update(LoginSession)
        .where(
            LoginSession.key_hash == key,
            LoginSession.user_id == actor.id,
            LoginSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    _revoke_sessions_after_commit(session, actor, key)


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only platform admins may do that."))


def list_people(session: Session, actor: User, *, query: str = "") -> Select[tuple[User]]:
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


def update_person(
    session: Session,
    actor: User,
    person: User,
    *,
    can_facilitate: bool | None = None,
    is_active: bool | None = None,
) -> User:
    """Admins grant the right to open spaces and (de)activate accounts, never their own."""
    _require_admin(actor)
    if person.id == actor.id and is_active is False:
        raise Conflict(_("You cannot deactivate your own account."))
    if can_facilitate is not None and can_facilitate != person.can_facilitate:
        person.can_facilitate = can_facilitate
        action = "user.facilitator_granted" if can_facilitate else "user.facilitator_revoked"
        audit.record(session, actor.id, action, "user", person.id)
    if is_active is not None and is_active != person.is_active:
        person.is_active = is_active
        if not is_active:
            person.session_version += 1
            # Tokens stay, unusable while the account is inactive, usable again if it returns.
            _end_logins(session, person, tokens=False)
            _revoke_sessions_after_commit(session, person, None)
        action = "user.activated" if is_active else "user.deactivated"
        audit.record(session, actor.id, action, "user", person.id)
    session.flush()
    if is_active is False:
        standing_changed.send(session, user_ids=[person.id], space_id=None)
    return person


def create_token(session: Session, actor: User, name: str) -> tuple[ApiToken, str]:
    """Make a token; its secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=actor, name=name, token_hash=_hash_secret(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    audit.record(session, actor.id, "token.created", "api_token", token.id, name=name)
    return token, secret


def list_tokens(session: Session, actor: User) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(session: Session, actor: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id or token.revoked_at is not None:
        raise NotFound(_("No such token."))
    token.revoked_at = utcnow()
    audit.record(session, actor.id, "token.revoked", "api_token", token.id)
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
    hashes = {_hash_secret(token): token for token in tokens if token.startswith(TOKEN_PREFIX)}
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
