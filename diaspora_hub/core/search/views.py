"""The results page behind the header's search box (works without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.pagination import Page
from diaspora_hub.core.search import schemas, service
from diaspora_hub.core.search.api import acting_person
from diaspora_hub.extensions import db

bp = Blueprint("search", __name__, template_folder="templates")


@bp.get("/search")
def results() -> tuple[str, int] | str:
    try:
        args = load(schemas.SearchArgs(), request.args)
        page = service.search(
            db.session(),
            acting_person(),
            query=args["q"],
            kind=args["kind"] or None,
            page=args["page"],
            per_page=args["per_page"],
        )
    except AppError as exc:
        empty: Page[object] = Page(items=[], page=1, per_page=20, total=0)
        return render_template(
            "search/results.html", page=empty, query="", kinds=service.kind_choices(), error=exc
        ), exc.status
    return render_template(
        "search/results.html",
        page=page,
        query=args["q"],
        kind=args["kind"],
        kinds=service.kind_choices(),
        error=None,
    )
