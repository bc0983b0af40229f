"""One error vocabulary for services, rendered as JSON for the API and HTML for pages.

The API shape is always ``{"error": {"code", "message", "fields"?}}``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from diaspora_hub.extensions import limiter

FieldErrors = dict[str, Any]


class AppError(Exception):
    """A failure a user can understand; services raise these, the edges render them."""

    status = 400
    code = "bad_request"
    default_message: Any = _l("The request could not be processed.")

    def __init__(self, message: Any = None, *, fields: FieldErrors | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.fields = fields
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationFailed(AppError):
    status = 400
    code = "validation_failed"
    default_message = _l("Some fields are not valid.")


class Unauthorised(AppError):
    status = 401
    code = "unauthorised"
    default_message = _l("Please log in first.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do that.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = _l("That conflicts with the current state.")


class TooLarge(AppError):
    status = 413
    code = "too_large"
    default_message = _l("That is too large.")


class Unprocessable(AppError):
    status = 422
    code = "wrong_type"
    default_message = _l("Some fields have the wrong type.")


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    default_message = _l("Too many requests; please wait a moment.")

    def __init__(
        self,
        message: Any = None,
        *,
        retry_after: int | None = None,
        fields: FieldErrors | None = None,
    ) -> None:
        super().__init__(message, fields=fields)
        #: seconds to wait, sent as the Retry-After header
        self.retry_after = retry_after


def error_headers(exc: AppError) -> dict[str, str]:
    """Headers an error's response carries besides its body."""
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        return {"Retry-After": str(exc.retry_after)}
    return {}


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "wrong_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in first."),
    403: _l("You are not allowed to do that."),
    404: _l("Not found."),
    405: _l("That method is not allowed here."),
    413: _l("The request is too large."),
    429: _l("Too many requests; please wait a moment."),
    500: _l("Something went wrong on our side."),
}


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def render_error(
    status: int, code: str, message: str, fields: FieldErrors | None = None
) -> tuple[Response | str, int]:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify({"error": body}), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> tuple[Response | str, int, dict[str, str]]:
        body, status = render_error(exc.status, exc.code, exc.message, exc.fields)
        return body, status, error_headers(exc)

    @app.errorhandler(Exception)
    def _server_error(exc: Exception) -> tuple[Response | str, int]:
        if app.config["PROPAGATE_EXCEPTIONS"] or app.testing:
            raise exc  # tests see the failure itself
        # The traceback goes to the log, never into the answer.
        app.logger.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return render_error(500, "server_error", str(_HTTP_MESSAGES[500]))

    @app.errorhandler(HTTPException)
    def _http_error(
        exc: HTTPException,
    ) -> tuple[Response | str, int, dict[str, str]] | HTTPException:
        status = exc.code or 500
        if status < 400:
            return exc
        message = str(_HTTP_MESSAGES.get(status, exc.description or exc.name))
        if status == 400 and exc.description and request.path.startswith("/api/"):
            message = exc.description
        body, status = render_error(status, _HTTP_CODES.get(status, "error"), message)
        return body, status, _limit_headers(exc)


#: What is answered when even rendering the error fails (the database is down, say).
BARE_SERVER_ERROR = (
    b'{"error": {"code": "server_error", "message": "Something went wrong on our side."}}'
)


def _limit_headers(exc: HTTPException) -> dict[str, str]:
    """How long a client held by a rate limit waits: until its window ends."""
    if not isinstance(exc, RateLimitExceeded):
        return {}
    window = exc.limit.limit.get_expiry()
    current = limiter.current_limit
    wait = current.reset_at - time.time() if current is not None else window
    return {"Retry-After": str(max(1, min(math.ceil(wait), window)))}
