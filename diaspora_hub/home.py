"""The front page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from diaspora_hub.accounts.auth import actor
from diaspora_hub.extensions import db
from diaspora_hub.spaces import service as spaces

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """The newest spaces the visitor may see, so the front page never reveals a private one."""
    latest = spaces.search_spaces(db.session(), actor(), per_page=6)
    return render_template("index.html", latest=latest)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """200 when the database answers, 503 when it does not, for load balancers."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200
