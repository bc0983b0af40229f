"""Helpers for server-rendered pages: reading forms, safe redirects, form errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, after_this_request, current_app, g, redirect, render_template, request
from flask_babel import format_date, format_time, get_locale, to_user_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from diaspora_hub.core import assets
from diaspora_hub.core.errors import AppError, ValidationFailed, error_headers
from diaspora_hub.core.icons import icon
from diaspora_hub.core.text import markdown_excerpt, render_markdown
from diaspora_hub.extensions import db


def form_input(*list_fields: str) -> dict[str, Any]:
    """The submitted form as a mapping; ``list_fields`` keep every value, blanks dropped."""
    data: dict[str, Any] = {}
    for key in request.form:
        if key == "csrf_token":
            continue
        if key in list_fields:
            data[key] = [v for v in request.form.getlist(key) if v.strip()]
        else:
            data[key] = request.form[key]
    for key in list_fields:
        data.setdefault(key, [])
    return data


def render_form_error(template: str, exc: AppError, **context: Any) -> tuple[str, int]:
    """Show the form again with the submitted values and what was wrong with them."""
    headers = error_headers(exc)
    if headers:

        @after_this_request
        def _with_headers(response: Response) -> Response:
            response.headers.update(headers)
            return response

    return render_template(
        template, errors=exc.fields or {}, error_message=exc.message, form=request.form, **context
    ), exc.status


def safe_next(default: str) -> str:
    """Only follow ``next`` to a path on this site."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
    ):
        return target
    return default


def see_other(location: str) -> Response:
    return redirect(location, code=303)


def _commit_once(response: Response) -> Response:
    """The request's single commit: services only flush, a failed request keeps nothing."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _api_writes_are_json() -> None:
    """Cookie-authenticated API posts must be JSON, which a cross-site form cannot send.

    Other write methods already need a CORS preflight that we never grant.
    """
    if (
        request.path.startswith("/api/")
        and request.method == "POST"
        and "Authorization" not in request.headers
        and not request.is_json
    ):
        raise ValidationFailed(_l("Send API requests with Content-Type: application/json."))


def _security_headers(response: Response) -> Response:
    # A page that embeds a video call names the origins it frames in ``g.frame_sources``.
    framed = " ".join(g.get("frame_sources", ()))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self' {current_app.config['PUBLIC_ORIGIN'].replace('http', 'ws', 1)}; "
        + (f"frame-src {framed}; " if framed else "")
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    return response


def _private_answers(response: Response) -> Response:
    """An answer to a known person (by cookie or token) may hold what only they may see:
    no browser or proxy cache keeps it, also after logout on a shared computer."""
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def _template_globals() -> dict[str, Any]:
    return {
        "render_markdown": render_markdown,
        "markdown_excerpt": markdown_excerpt,
        "local_time": local_time,
        "icon": icon,
        "current_locale": str(get_locale() or "en"),
    }


def local_time(moment: Any) -> str:
    """A UTC moment in the viewer's time zone and language, with the zone named."""
    if not moment:
        return ""
    zone = to_user_timezone(moment).tzname() or ""
    return f"{format_date(moment, 'medium')}, {format_time(moment, 'short')} {zone}".strip()


#: The largest id a database column holds (signed 64 bits).
LARGEST_ID = 2**63 - 1


def _at_most(largest: int) -> str:
    """A regular expression of the decimal numbers from 0 to ``largest``."""
    digits = str(largest)
    shorter = rf"\d{{1,{len(digits) - 1}}}"
    same_length = [
        f"{digits[:i]}[0-{int(digit) - 1}]\\d{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if digit != "0"
    ]
    return "(?:" + "|".join([shorter, *same_length, digits]) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` that matches only what a database id can be: a larger number in a path
    is no such thing (404), not an overflow deep in a query. The limit is in the pattern,
    not only in the conversion, so that a rule of the same path with other methods does
    not turn the answer into 405."""

    regex = _at_most(LARGEST_ID)

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: each rule binds its converters when added.
    app.url_map.converters["int"] = IdConverter
    assets.init_app(app)
    app.before_request(_api_writes_are_json)
    app.after_request(_commit_once)
    app.after_request(_security_headers)
    app.after_request(_private_answers)
    app.context_processor(_template_globals)
    app.jinja_env.filters["pair"] = lambda value: (value, value)
    app.jinja_env.add_extension("jinja2.ext.do")
