"""JSON API of the notifications domain, under /api/v1."""

from __future__ import annotations

from diaspora_hub.core.api import Blueprint

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1", description="notifications")
