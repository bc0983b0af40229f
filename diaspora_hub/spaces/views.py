"""Pages of the spaces domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("spaces", __name__, template_folder="templates")
