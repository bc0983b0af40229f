"""JSON API plumbing: one argument parser and one error shape for every endpoint.

Validation failures are sorted by what a client did wrong: a value of the wrong type is
422, text beyond its limit is 413, any other invalid value is 400, and a body that is not
JSON at all is 400 too.

``init_app`` makes the app's one documented API; each domain's ``init_app`` adds its
blueprints to it with :func:`register`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


class Parser(FlaskParser):
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


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = Parser()


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
    return result
