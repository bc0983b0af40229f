"""The front page, the health check and the site's navigation.

A logged-in person's front page starts with what needs them (``accounts.needs``: each
domain registers its cards); a visitor's explains the product and lists public spaces.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from diaspora_hub.accounts import needs
from diaspora_hub.accounts.auth import actor
from diaspora_hub.extensions import db
from diaspora_hub.spaces import service as spaces

bp = Blueprint("main", __name__)

NAV: tuple[tuple[str, Any], ...] = (
    ("spaces.index", _l("Issue spaces")),
    ("organisations.index", _l("Organisations")),
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"nav_links": NAV})


@bp.get("/")
def index() -> str:
    """The newest spaces the visitor may see, so the front page never reveals a private one."""
    user = actor()
    latest = spaces.search_spaces(db.session(), user, per_page=6)
    waiting = needs.collect(db.session(), user) if user is not None else []
    return render_template("index.html", latest=latest, needs=waiting)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """200 when the database answers, 503 when it does not, for load balancers."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200
