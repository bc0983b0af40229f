"""How a request is tied to a person: session cookie, Bearer token, language and time zone."""

from __future__ import annotations

from flask import (
    Flask,
    Request,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from diaspora_hub.accounts import service
from diaspora_hub.accounts.models import LANGUAGES, User
from diaspora_hub.core.errors import Unauthorised, wants_json
from diaspora_hub.extensions import db, login_manager


def _load_from_session(session_user_id: str) -> User | None:
    return service.load_session_user(db.session(), session_user_id)


def _load_from_request(req: Request) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    user = service.user_for_token(db.session(), secret.strip())
    g.refused_token = user is None
    return user


class InvalidToken(Unauthorised):
    code = "invalid_token"
    default_message = _l("This API token is not valid: it may be mistyped, expired or revoked.")


def _refuse_wrong_tokens() -> None:
    """A request that brings a token we do not know is refused as such, whatever it asks
    for: telling its sender to "log in" would hide that the token itself is wrong."""
    if "Authorization" not in request.headers:
        return
    current_user._get_current_object()  # runs the loaders, which note a refused token
    if g.get("refused_token"):
        raise InvalidToken()


def actor() -> User | None:
    """The person behind this request (not Flask-Login's proxy), or None when anonymous."""
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def require_actor() -> User:
    user = actor()
    if user is None:
        raise Unauthorised()
    return user


#: Where Flask-Login keeps what names the logged-in person; ours names the login too.
_SESSION_USER_KEY = "_user_id"


#: Login and registration, on the pages and in the API, share one flood limit per address.
LOGIN_SCOPE = "login"


def login_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


def remote_address() -> str | None:
    """The network address a request comes from, as the rate limits see it."""
    return get_remote_address() or None


def log_in(user: User, *, remember: bool = False) -> None:
    """Log ``user`` in, as a new login the server keeps (see ``service.open_session``)."""
    value = service.open_session(db.session(), user)
    login_user(user, remember=remember)
    # Flask-Login stores ``get_id()``; the cookie (and remember-me) must name this login.
    session[_SESSION_USER_KEY] = value


def log_out(user: User) -> None:
    """End this browser's login on the server, then forget it here."""
    service.log_out(db.session(), user, session_user_id=session.get(_SESSION_USER_KEY))
    logout_user()


def login_key() -> str | None:
    """What names this browser's login to live connections (None: no login, a token)."""
    return service.login_key(session.get(_SESSION_USER_KEY))


def select_locale() -> str | None:
    """The person's language, else the browser's; outside a request (CLI, jobs) the default."""
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        return str(current_user.language)
    chosen = session.get("language")
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


def select_time_zone() -> str | None:
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        return str(current_user.time_zone)
    return None


def _unauthorised() -> Response:
    if wants_json():
        raise Unauthorised()
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_from_session)
    login_manager.request_loader(_load_from_request)
    login_manager.unauthorized_handler(_unauthorised)
    app.before_request(_refuse_wrong_tokens)
    assert set(LANGUAGES) == set(app.config["LANGUAGES"])  # noqa: S101 - a config mistake must stop start-up
