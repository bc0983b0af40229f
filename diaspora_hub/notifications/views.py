"""Pages of the notifications domain: the list, marking read, delivery settings, the bell."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.web import form_input, render_form_error, safe_next, see_other
from diaspora_hub.extensions import db
from diaspora_hub.notifications import schemas, service
from diaspora_hub.notifications.models import Delivery

logger = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__, template_folder="templates")


def _unread_for_bell() -> int | None:
    """The bell must never break a page, even one that reports a database failure."""
    user = actor()
    if user is None:
        return None
    try:
        return service.unread_count(db.session(), user)
    except SQLAlchemyError:
        logger.warning("Could not count unread notifications for the bell.", exc_info=True)
        return None


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    # A callable, so only pages that show the bell pay for the count.
    return {"notifications_unread": _unread_for_bell}


@bp.get("/notifications")
@login_required
def index() -> str:
    args = load(schemas.NotificationListArgs(), request.args)
    user = require_actor()
    page = service.list_for(
        db.session(),
        user,
        unread_only=args["unread"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=args["unread"],
        unread=service.unread_count(db.session(), user),
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    notification = service.mark_read(db.session(), require_actor(), notification_id)
    flash(_("“%(title)s” is marked read.", title=notification.title), "success")
    return see_other(safe_next(url_for("notifications.index")))


@bp.post("/notifications/read-all")
@login_required
def mark_all_read() -> Response:
    marked = service.mark_all_read(db.session(), require_actor())
    if marked:
        flash(_("All your notifications are marked read."), "success")
    return see_other(safe_next(url_for("notifications.index")))


def _settings_context() -> dict[str, Any]:
    return {
        "kinds": service.kinds(),
        "current": service.preferences(db.session(), require_actor()),
        "deliveries": list(Delivery),
    }


@bp.route(service.SETTINGS_PATH, methods=["GET", "POST"])
@login_required
def settings() -> Response | str | tuple[str, int]:
    if request.method != "POST":
        return render_template(
            "notifications/settings.html", errors={}, form={}, **_settings_context()
        )
    try:
        data = load(schemas.NotificationPreferencesSchema(), {"preferences": form_input()})
        service.set_preferences(db.session(), require_actor(), data["preferences"])
    except AppError as exc:
        return render_form_error("notifications/settings.html", exc, **_settings_context())
    flash(_("Your notification settings are saved."), "success")
    return see_other(url_for("notifications.settings"))
