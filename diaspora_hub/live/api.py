"""JSON API of the live domain, under /api/v1."""

from __future__ import annotations

from diaspora_hub.core.api import Blueprint

bp = Blueprint("live_api", __name__, url_prefix="/api/v1", description="live")
