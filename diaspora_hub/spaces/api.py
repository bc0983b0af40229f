"""JSON API of the spaces domain, under /api/v1."""

from __future__ import annotations

from diaspora_hub.core.api import Blueprint

bp = Blueprint("spaces_api", __name__, url_prefix="/api/v1", description="spaces")
