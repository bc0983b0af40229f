"""People: registration, login, profile, personal API tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages and API of accounts (modules load here, not when this one does)."""
    from diaspora_hub.accounts import api, views
    from diaspora_hub.core import api as core_api

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp, api.people_bp)
