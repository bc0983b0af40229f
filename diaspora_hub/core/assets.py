"""Static files: compressed responses, URLs that carry a hash of the file's content, a favicon.

``url_for('static', filename=...)`` adds ``v=<hash>``; a request whose ``v`` matches the
file's current hash is cached for a year as immutable, since a changed file gets a new URL.
Anything else (an old hash, no hash) is revalidated, so a stale page never pins old code.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_compress import Compress
from werkzeug.wrappers import Response

#: a year, the most that caches honour
IMMUTABLE = "public, max-age=31536000, immutable"

compress = Compress()


@cache
def _digest(path: str, mtime: float) -> str:
    """The file's hash; ``mtime`` keys the cache so an edited file hashes again."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def file_hash(filename: str) -> str | None:
    folder = current_app.static_folder
    if folder is None:
        return None
    path = Path(folder) / filename
    try:
        return _digest(str(path), path.stat().st_mtime)
    except OSError:
        return None


def _add_hash(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = file_hash(values["filename"])
        if digest is not None:
            values["v"] = digest


def _cache_static(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code != 200:
        return response
    # Read the file into the response, so that compression (which runs next) may shrink it.
    if response.direct_passthrough:
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
        response.set_data(body)
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args.get("v") == file_hash(filename):
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def _favicon() -> Response:
    return current_app.redirect(url_for("static", filename="favicon.svg"), code=301)


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
            "text/markdown",
        ],
    )
    compress.init_app(app)
    app.url_defaults(_add_hash)
    app.after_request(_cache_static)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
