"""``GET /api/v1/search?q=`` — one search across spaces, calls, contributions, rooms,
organisations and whatever else the domains register, paginated like every list."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body
from diaspora_hub.core.search import schemas, service
from diaspora_hub.extensions import db

bp = Blueprint("search_api", __name__, url_prefix="/api/v1", description="search")


@bp.get("/search")
@bp.arguments(schemas.SearchArgs, location="query")
@bp.response(200, schemas.SearchPageSchema)
def search(args: dict[str, Any]) -> dict[str, Any]:
    """What you may see that matches ``q``, best first; ``kind`` keeps one kind of thing."""
    page = service.search(
        db.session(),
        acting_person(),
        query=args["q"],
        kind=args["kind"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_body(page, page.items)


def acting_person() -> Any:
    """The signed-in person, or None: core does not know the accounts' type of person."""
    user = current_user._get_current_object()
    return user if user.is_authenticated else None
