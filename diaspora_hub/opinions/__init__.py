"""Statements people vote on and the opinion map that groups them by how they vote."""

from __future__ import annotations

from flask import Flask

from diaspora_hub.opinions import views
from diaspora_hub.spaces import sections


def init_app(app: Flask) -> None:
    """The pages and the space page's section (the JSON API is ``opinions.api.bp``)."""
    app.register_blueprint(views.bp)
    sections.provider(views.space_section)
