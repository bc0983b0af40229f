"""Extensions are created unbound here and bound to an app in create_app()."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from diaspora_hub.core.db import Base

#: Methods that change something: each request with one counts against RATELIMIT_WRITES.
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
#: Not counted: login and registration have limits of their own (they back off per
#: guess), and logging out must work whatever was spent.
_NOT_COUNTED = frozenset(
    {
        "accounts.login",
        "accounts.register",
        "accounts.logout",
        "auth_api.login",
        "auth_api.register",
        "auth_api.logout",
    }
)


def _writes_limit() -> str:
    return str(current_app.config["RATELIMIT_WRITES"])


def _writer() -> str:
    """Whose write budget a request spends: the person's, else the network address's."""
    if current_user.is_authenticated:
        return f"person:{current_user.id}"
    return f"address:{get_remote_address()}"


def _not_a_write() -> bool:
    return (
        request.method not in WRITE_METHODS
        or request.endpoint is None  # no such page: 404 whatever the budget
        or request.endpoint in _NOT_COUNTED
    )


db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(
    key_func=get_remote_address,
    application_limits=[
        ApplicationLimit(
            _writes_limit, key_function=_writer, scope="writes", exempt_when=_not_a_write
        )
    ],
)
socketio = SocketIO()
