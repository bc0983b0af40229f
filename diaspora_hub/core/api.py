"""JSON API plumbing: one argument parser and one error shape for every endpoint.

Validation failures are sorted by what a client did wrong: a value of the wrong type is
422, text beyond its limit is 413, any other invalid value is 400, and a body that is not
JSON at all is 400 too.

``init_app`` makes the app's one documented API; each domain's ``init_app`` adds its
blueprints to it with :func:`register`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any, NoReturn

import flask
import flask_smorest
import marshmallow as ma
from flask import Flask
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from webargs.flaskparser import FlaskParser

from diaspora_hub.core.errors import TooLarge, Unprocessable, ValidationFailed
from diaspora_hub.extensions import csrf


class TooLong(str):
    """A validation message that marks text beyond its size limit (answered with 413)."""

    __slots__ = ()


def _type_messages() -> frozenset[str]:
    found: set[str] = {"Invalid input type."}
    stack: list[type[fields.Field[Any]]] = [fields.Field]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for key in ("invalid", "type"):
            message = cls.default_error_messages.get(key)
            if isinstance(message, str) and "{" not in message:
                found.add(message)
    return frozenset(found)


_TYPE_MESSAGES = _type_messages()


def _leaf_messages(messages: Any) -> Iterator[Any]:
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _leaf_messages(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from _leaf_messages(value)
    else:
        yield messages


#: marshmallow's own messages, in the reader's language ({name}: a value it fills in)
_MARSHMALLOW_MESSAGES = (
    ("Missing data for required field.", _l("Missing data for required field.")),
    ("Field may not be null.", _l("Field may not be null.")),
    ("Invalid value.", _l("Invalid value.")),
    ("Not a valid string.", _l("Not a valid string.")),
    ("Not a valid integer.", _l("Not a valid integer.")),
    ("Not a valid number.", _l("Not a valid number.")),
    ("Number too large.", _l("Number too large.")),
    ("Not a valid boolean.", _l("Not a valid boolean.")),
    ("Not a valid datetime.", _l("Not a valid date and time.")),
    ("Not a valid date.", _l("Not a valid date.")),
    ("Not a valid email address.", _l("Not a valid email address.")),
    ("Not a valid URL.", _l("Not a valid web address.")),
    ("Not a valid list.", _l("Not a valid list.")),
    ("Not a valid mapping type.", _l("Not a valid mapping.")),
    ("Invalid type.", _l("Invalid type.")),
    ("Invalid input type.", _l("Invalid input type.")),
    ("Unknown field.", _l("Unknown field.")),
    ("Must be one of: {choices}.", _l("Must be one of: %(choices)s.")),
    ("Shorter than minimum length {min}.", _l("Shorter than minimum length %(min)s.")),
    ("Longer than maximum length {max}.", _l("Longer than maximum length %(max)s.")),
    ("Length must be between {min} and {max}.", _l("Length must be between %(min)s and %(max)s.")),
    ("Length must be {equal}.", _l("Length must be %(equal)s.")),
    ("Must be greater than or equal to {min}.", _l("Must be greater than or equal to %(min)s.")),
    ("Must be less than or equal to {max}.", _l("Must be less than or equal to %(max)s.")),
    (
        "Must be greater than or equal to {min} and less than or equal to {max}.",
        _l("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    ),
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


_PATTERNS = tuple((_pattern(english), translated) for english, translated in _MARSHMALLOW_MESSAGES)


def translate_message(message: Any) -> Any:
    """A marshmallow message in the reader's language (ours are translated where raised)."""
    if not isinstance(message, str) or isinstance(message, TooLong):
        return message
    for pattern, translated in _PATTERNS:
        found = pattern.match(message)
        if found:
            return str(translated) % found.groupdict() if found.groupdict() else str(translated)
    return message


def _translated(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {key: _translated(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_translated(value) for value in messages]
    return translate_message(messages)


def raise_validation_error(messages: Any) -> NoReturn:
    """Turn marshmallow messages into the error a client should see, in its language."""
    leaves = list(_leaf_messages(messages))
    translated = _translated(messages)
    field_errors = translated if isinstance(translated, dict) else {"_schema": translated}
    if any(isinstance(m, str) and m in _TYPE_MESSAGES for m in leaves):
        raise Unprocessable(fields=field_errors)
    if any(isinstance(m, TooLong) for m in leaves):
        raise TooLarge(fields=field_errors)
    raise ValidationFailed(fields=field_errors)


_LOCATIONS = frozenset({"json", "query", "querystring", "form", "files", "headers", "view_args"})


#: Integers a database column holds (signed 64 bits); any other is a mistake or a probe.
_INTEGERS = range(-(2**63), 2**63)


def _out_of_range(data: Any, path: str = "") -> dict[str, Any]:
    """Where in parsed input an integer lies beyond what the database holds."""
    found: dict[str, Any] = {}
    if isinstance(data, dict):
        items: Iterator[tuple[Any, Any]] = iter(data.items())
    elif isinstance(data, list | tuple | set):
        items = iter(enumerate(data))
    else:
        if isinstance(data, int) and not isinstance(data, bool) and data not in _INTEGERS:
            found[path or "_schema"] = ["Number too large."]
        return found
    for key, value in items:
        found.update(_out_of_range(value, f"{path}.{key}" if path else str(key)))
    return found


def check_integers(data: Any) -> None:
    """Refuse (400) input holding an integer no column can store, in one place for every
    parser, instead of letting it overflow a query (a 500) further on."""
    found = _out_of_range(data)
    if found:
        raise ValidationFailed(fields=found)


class Parser(FlaskParser):
    def parse(self, *args: Any, **kwargs: Any) -> Any:
        parsed = super().parse(*args, **kwargs)
        check_integers(parsed)
        return parsed

    def handle_error(
        self,
        error: ma.ValidationError,
        req: flask.Request,
        schema: ma.Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        messages: Any = error.messages
        # webargs files errors under the location ("json", "query"); clients want field names.
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in _LOCATIONS:
            messages = next(iter(messages.values()))
        raise_validation_error(messages)

    def _handle_invalid_json_error(
        self, error: Exception, req: flask.Request, *args: Any, **kwargs: Any
    ) -> NoReturn:
        raise ValidationFailed(
            _l("The request body is not valid JSON."),
            fields={"json": [str(_l("Invalid JSON body."))]},
        )


_WRITES = frozenset({"post", "put", "patch", "delete"})


def _needs_login(view: Callable[..., Any] | None) -> bool:
    """Whether Flask-Login's ``login_required`` wraps ``view``."""
    while view is not None:
        if getattr(view, "__qualname__", "").startswith("login_required."):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def error_statuses(
    method: str, *, takes_input: bool, path_arguments: bool, needs_login: bool
) -> set[HTTPStatus]:
    """The errors an operation can answer, all in the documented shape.

    Any input can be invalid (400, 422 for a wrong type); a write can be refused to
    anonymous people (401), to those without the right (403), conflict with the current
    state (409), carry a body too large (413) and exceed the write budget (429); an object
    named in the path can be missing or hidden (404) or restricted (401, 403).
    """
    statuses = {HTTPStatus.INTERNAL_SERVER_ERROR}
    if takes_input:
        statuses |= {HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY}
    if needs_login:
        statuses |= {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
    if path_arguments:
        statuses |= {HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
    if method in _WRITES:
        statuses |= {
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.TOO_MANY_REQUESTS,
        }
    return statuses


def _error_response(api: Any, status: HTTPStatus) -> str | dict[str, Any]:
    """The documented error answer (smorest registers one per status); a 429 also says
    how long to wait."""
    if status != HTTPStatus.TOO_MANY_REQUESTS:
        return status.name
    return {
        "description": "Too many requests (login back-off, flood or write limit).",
        "schema": api.ERROR_SCHEMA,
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "content_type": None,
    }


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = Parser()

    def register_views_in_doc(
        self, api: Any, app: flask.Flask, spec: Any, *, name: str, parameters: Any
    ) -> None:
        """Document every operation's error answers, not only its success."""
        for endpoint, doc_info in self._docs.items():
            full_endpoint = f"{name}.{endpoint}"
            rule = next(app.url_map.iter_rules(full_endpoint))
            needs_login = _needs_login(app.view_functions.get(full_endpoint))
            for method, operation in doc_info.items():
                if method == "parameters":
                    continue
                responses = operation.setdefault("response", {}).setdefault("responses", {})
                statuses = error_statuses(
                    method,
                    takes_input="arguments" in operation,
                    path_arguments=bool(rule.arguments),
                    needs_login=needs_login,
                )
                for status in statuses:
                    responses.setdefault(int(status), [_error_response(api, status)])
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)


class ErrorBodySchema(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields")


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class Api(flask_smorest.Api):  # type: ignore[misc]
    """Our error handlers answer every error in the documented shape, so skip smorest's."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        return None


_API = "diaspora_hub.api"


def init_app(app: Flask) -> None:
    """The API under /api/v1 with its OpenAPI document; blueprints come with :func:`register`."""
    app.extensions[_API] = Api(
        app,
        spec_kwargs={
            "info": {
                "description": "diaspora_hub JSON API. Errors are always "
                '{"error": {"code", "message", "fields"?}}.'
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearer": []}, {"session": []}],
        },
    )


def register(app: Flask, *blueprints: Blueprint) -> None:
    """Add API blueprints, which clients call with a token or session, not a form: no CSRF."""
    api: Api = app.extensions[_API]
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)


def load(schema: ma.Schema, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate ``data`` (a form or JSON mapping) the same way for pages and the API."""
    try:
        result: dict[str, Any] = schema.load(data, partial=partial)
    except ma.ValidationError as exc:
        raise_validation_error(exc.messages)
    check_integers(result)
    return result
