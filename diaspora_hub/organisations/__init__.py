"""Organisations, memberships and their verification by platform admins."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, API and home cards of organisations, and the labels of every page."""
    from diaspora_hub.accounts import needs
    from diaspora_hub.core import api as core_api
    from diaspora_hub.core import search as core_search
    from diaspora_hub.organisations import api, labels, search, views

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    needs.register(views.home_needs)
    core_search.register(search.KIND)
    # org_badge is imported without context on every page, so its helpers are globals.
    app.jinja_env.globals.update(labels.template_globals())
