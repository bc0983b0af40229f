"""Live consultation rooms: room events, presence, speaking queue, polls, moderation."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, API and space section of live rooms, and the ``/live`` namespace."""
    from diaspora_hub.core import api as core_api
    from diaspora_hub.core import search as core_search
    from diaspora_hub.live import api, events, search, views
    from diaspora_hub.spaces import sections

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    sections.register(views._space_section)
    core_search.register(search.KIND)
    events.init_app(app)
