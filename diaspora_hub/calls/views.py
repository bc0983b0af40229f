"""Pages of the calls domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calls", __name__, template_folder="templates")
