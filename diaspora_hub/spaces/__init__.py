"""Issue spaces: topics with SDG targets, countries, facilitators and a code of conduct."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages and API of spaces; domains above add their sections to its page."""
    from diaspora_hub.core import api as core_api
    from diaspora_hub.core import search as core_search
    from diaspora_hub.spaces import api, search, views

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    core_search.register(search.KIND)
