"""JSON API of the notifications domain, under /api/v1: a person's own notifications only."""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from diaspora_hub.accounts.auth import require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body
from diaspora_hub.extensions import db
from diaspora_hub.notifications import schemas, service
from diaspora_hub.notifications.models import Notification

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1", description="notifications")


def _preferences_body(user: User) -> dict[str, Any]:
    return {
        "preferences": service.preferences(db.session(), user),
        "kinds": [
            {"name": k.name, "label": str(k.label), "default": k.default} for k in service.kinds()
        ],
    }


@bp.get("/notifications")
@login_required
@bp.arguments(schemas.NotificationListArgs, location="query")
@bp.response(200, schemas.NotificationPageSchema)
def list_notifications(args: dict[str, Any]) -> dict[str, Any]:
    """Your notifications, newest first, with the number still unread."""
    user = require_actor()
    page = service.list_for(
        db.session(),
        user,
        unread_only=args["unread"],
        page=args["page"],
        per_page=args["per_page"],
    )
    body = page_body(page, page.items)
    body["unread"] = service.unread_count(db.session(), user)
    return body


@bp.post("/notifications/<int:notification_id>/read")
@login_required
@bp.response(200, schemas.NotificationSchema)
def mark_read(notification_id: int) -> Notification:
    """Mark one of your notifications read."""
    return service.mark_read(db.session(), require_actor(), notification_id)


@bp.post("/notifications/read-all")
@login_required
@bp.response(200, schemas.NotificationsReadAllSchema)
def mark_all_read() -> dict[str, int]:
    """Mark all your notifications read."""
    user = require_actor()
    marked = service.mark_all_read(db.session(), user)
    return {"marked": marked, "unread": service.unread_count(db.session(), user)}


@bp.get("/notifications/preferences")
@login_required
@bp.response(200, schemas.NotificationPreferencesOutSchema)
def get_preferences() -> dict[str, Any]:
    """How each kind of notification reaches you: immediate, daily or off."""
    return _preferences_body(require_actor())


@bp.put("/notifications/preferences")
@login_required
@bp.arguments(schemas.NotificationPreferencesSchema)
@bp.response(200, schemas.NotificationPreferencesOutSchema)
def put_preferences(data: dict[str, Any]) -> dict[str, Any]:
    """Change the delivery of the kinds named; the others stay as they are."""
    user = require_actor()
    service.set_preferences(db.session(), user, data["preferences"])
    return _preferences_body(user)
