"""diaspora_hub: issue spaces, live consultation rooms, recommendations and briefs.

``create_app`` sets up the shared extensions, then asks each domain package to register
its blueprints, jobs, notification kinds and space sections through its ``init_app``, in
layer order (see docs/architecture.md). Importing a module registers nothing.
"""

from __future__ import annotations

import warnings
from typing import Any

from flask import Flask

from diaspora_hub import (
    accounts,
    calls,
    cli,
    home,
    live,
    meetings,
    notifications,
    opinions,
    organisations,
    recommendations,
    spaces,
)
from diaspora_hub import config as settings
from diaspora_hub import models as _models  # noqa: F401 - puts every table on the metadata
from diaspora_hub.accounts import auth
from diaspora_hub.core import api, errors, search, web
from diaspora_hub.core.app import Hub
from diaspora_hub.core.packets import JsonPacket
from diaspora_hub.core.search import models as search_models
from diaspora_hub.extensions import babel, csrf, db, limiter, migrate, socketio
from diaspora_hub.live import fanout


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app from the environment, with ``config`` overriding it (tests do this)."""
    # eventlet warns of its deprecation from each module that imports it: `python wsgi.py`
    # says so once, before building the app; commands (`flask db upgrade`) need not repeat it.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    app = Hub(__name__, instance_path=str(settings.INSTANCE_DIR))
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(settings.PROJECT_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=search_models.include_name,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    babel.init_app(app, locale_selector=auth.select_locale, timezone_selector=auth.select_time_zone)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        client_manager=fanout.manager(app.config["REDIS_URL"]),
        cors_allowed_origins=[app.config["PUBLIC_ORIGIN"]],
        serializer=JsonPacket,
    )
    socketio.server.manager.attach(
        app.config["LIVE_SEND_BACKLOG"], direct=app.config["LIVE_DIRECT_WRITES"]
    )
    errors.register_error_handlers(app)
    web.init_app(app)
    api.init_app(app)
    search.init_app(app)

    home.init_app(app)
    accounts.init_app(app)
    organisations.init_app(app)
    notifications.init_app(app)
    spaces.init_app(app)
    calls.init_app(app)
    live.init_app(app)
    meetings.init_app(app)
    opinions.init_app(app)
    recommendations.init_app(app)
    cli.register(app)
    return app
