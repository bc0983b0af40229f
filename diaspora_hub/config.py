"""Settings come from the environment only, so one build runs anywhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_DIR / "instance"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # psycopg 3 is the driver we ship; accept the common short scheme.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{INSTANCE_DIR / 'diaspora_hub.sqlite3'}"


def _engine_options(url: str) -> dict[str, Any]:
    """A server database connection can go stale between uses; an SQLite file cannot, and
    a ping before every live event would be one more statement on the hot path."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def from_environment() -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    redis_url = os.environ.get("REDIS_URL") or None
    public_origin = os.environ.get("PUBLIC_ORIGIN", "http://127.0.0.1:5000").rstrip("/")
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        secret_file = INSTANCE_DIR / "secret_key"
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        if not secret_file.exists():
            secret_file.write_text(os.urandom(32).hex())
            secret_file.chmod(0o600)
        secret = secret_file.read_text().strip()
    settings: dict[str, Any] = {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(_database_url()),
        "REDIS_URL": redis_url,
        "PUBLIC_ORIGIN": public_origin,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet"),
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("PORT", "5000")),
        "MAIL_URL": os.environ.get("MAIL_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "diaspora_hub <noreply@localhost>"),
        # One megabyte is far above any legitimate form or JSON body here.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_origin.startswith("https://"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Off: Flask-Limiter would put its own window's Retry-After on every response, over
        # the shorter waits of login back-off; a 429 carries the right one (core.errors).
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute"),
        "RATELIMIT_WRITES": os.environ.get("RATELIMIT_WRITES", "120 per minute"),
        # argon2-cffi profile for password hashes; tests choose CHEAPEST.
        "ARGON2_PROFILE": os.environ.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "fr", "es"],
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "diaspora_hub",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Interactive documentation at /api/v1/docs, from assets the site serves itself.
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/build/swagger-ui/",
        # Serving (see serve.py): connections per process, WebSocket compression, and how
        # long-lived objects are kept out of the garbage collector's full collections.
        "MAX_CONNECTIONS": int(os.environ.get("MAX_CONNECTIONS", "10000")),
        "SEND_BUFFER_BYTES": int(os.environ.get("SEND_BUFFER_BYTES", "0")),
        # Packets a live connection may fall behind before it is hung up (live.fanout).
        "LIVE_SEND_BACKLOG": int(os.environ.get("LIVE_SEND_BACKLOG", "1000")),
        # Off: every live packet takes the library's own queue and writer (live.fanout).
        "LIVE_DIRECT_WRITES": os.environ.get("LIVE_DIRECT_WRITES", "1") not in ("0", "false"),
        "WEBSOCKET_COMPRESSION": os.environ.get("WEBSOCKET_COMPRESSION", "") in ("1", "true"),
        "GC_FREEZE_SECONDS": float(os.environ.get("GC_FREEZE_SECONDS", "1")),
        "GC_FULL_SECONDS": float(os.environ.get("GC_FULL_SECONDS", "3600")),
        "GC_PAUSE_WARN_MS": float(os.environ.get("GC_PAUSE_WARN_MS", "20")),
        "MEMORY_TRIM": os.environ.get("MEMORY_TRIM", "1") not in ("0", "false"),
        # What `python wsgi.py` logs: where it listens, one line per request, warnings.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
    }
    # Live room limits and presence batching keep their defaults (live) unless set here.
    for name in (
        "LIVE_SAY_LIMIT",
        "LIVE_REACT_LIMIT",
        "LIVE_ASK_LIMIT",
        "LIVE_UPVOTE_LIMIT",
        "LIVE_HAND_LIMIT",
        "LIVE_POLL_VOTE_LIMIT",
        "LIVE_FACILITATOR_LIMIT",
        "LIVE_PRESENCE_LIST_LIMIT",
        "LIVE_JOIN_HISTORY",
    ):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    if os.environ.get("LIVE_PRESENCE_DELAY"):
        settings["LIVE_PRESENCE_DELAY"] = float(os.environ["LIVE_PRESENCE_DELAY"])
    # Organisations one person may register in 24 hours (organisations.service).
    if os.environ.get("ORGANISATIONS_PER_DAY"):
        settings["ORGANISATIONS_PER_DAY"] = int(os.environ["ORGANISATIONS_PER_DAY"])
    return settings
