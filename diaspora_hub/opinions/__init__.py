"""Statements people vote on and the opinion map that groups them by how they vote."""

from __future__ import annotations

from flask import Flask

from diaspora_hub.core import api as core_api
from diaspora_hub.opinions import api, views
from diaspora_hub.spaces import sections


def init_app(app: Flask) -> None:
    """Register the pages, the API and the space page's section."""
    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    sections.register(views.space_section)
