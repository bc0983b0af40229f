"""Live consultation rooms: room events, presence, speaking queue, polls, moderation."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, API, space section and home cards of rooms, the ``/live``
    namespace, and the sweep of stopped workers' connections."""
    from datetime import timedelta

    from diaspora_hub.accounts import needs
    from diaspora_hub.core import api as core_api
    from diaspora_hub.core import search as core_search
    from diaspora_hub.live import api, events, jobs, search, views
    from diaspora_hub.notifications import scheduler
    from diaspora_hub.spaces import sections

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    sections.register(views._space_section)
    needs.register(views.home_needs)
    core_search.register(search.KIND)
    events.init_app(app)
    scheduler.add(
        "live.sweep_stale_connections", timedelta(seconds=15), jobs.sweep_stale_connections
    )
