"""Every page and API blueprint, registered in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from diaspora_hub import home
from diaspora_hub.accounts import api as accounts_api
from diaspora_hub.accounts import views as accounts_views
from diaspora_hub.calls import api as calls_api
from diaspora_hub.calls import views as calls_views
from diaspora_hub.core.api import Api
from diaspora_hub.extensions import csrf
from diaspora_hub.live import api as live_api
from diaspora_hub.live import views as live_views
from diaspora_hub.notifications import api as notifications_api
from diaspora_hub.notifications import views as notifications_views
from diaspora_hub.opinions import api as opinions_api
from diaspora_hub.organisations import api as organisations_api
from diaspora_hub.organisations import labels as organisation_labels
from diaspora_hub.organisations import views as organisations_views
from diaspora_hub.spaces import api as spaces_api
from diaspora_hub.spaces import views as spaces_views

PAGES = (
    home.bp,
    accounts_views.bp,
    organisations_views.bp,
    spaces_views.bp,
    calls_views.bp,
    live_views.bp,
    notifications_views.bp,
)
APIS = (
    accounts_api.bp,
    accounts_api.people_bp,
    organisations_api.bp,
    spaces_api.bp,
    calls_api.bp,
    live_api.bp,
    notifications_api.bp,
    opinions_api.bp,
)
NAV: tuple[tuple[str, Any], ...] = (
    ("spaces.index", _l("Issue spaces")),
    ("organisations.index", _l("Organisations")),
)


def register(app: Flask) -> None:
    for page in PAGES:
        app.register_blueprint(page)
    app.context_processor(lambda: {"nav_links": NAV})
    # org_badge is imported without context on every page, so its helpers are globals.
    app.jinja_env.globals.update(organisation_labels.template_globals())
    api = Api(
        app,
        spec_kwargs={
            "info": {
                "description": "diaspora_hub JSON API. Errors are always "
                '{"error": {"code", "message", "fields"?}}.'
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearer": []}, {"session": []}],
        },
    )
    for blueprint in APIS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
