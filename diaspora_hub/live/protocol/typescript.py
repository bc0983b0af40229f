"""The browser's TypeScript types of the ``/live`` protocol, generated from this package.

``python -m diaspora_hub.live.protocol.typescript OUT.ts`` writes them (``make`` does,
before the type check and the bundle), so a change on one side that the other does not
follow fails the type check instead of reaching a browser.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import marshmallow as ma
from marshmallow import fields, validate
from typing_extensions import TypeAliasType, get_type_hints, is_typeddict

from diaspora_hub.live.protocol.log import EventsPage
from diaspora_hub.live.protocol.replies import ConnectError, Refusal
from diaspora_hub.live.protocol.socket import CLIENT_EVENTS, SERVER_EVENTS

HEADER = (
    "// Generated from diaspora_hub/live/protocol by\n"
    "// `python -m diaspora_hub.live.protocol.typescript`: edit the Python, not this file.\n"
)


def _members(hint: Any) -> tuple[Any, ...]:
    """The alternatives of a union (the hint itself when it is not one)."""
    if get_origin(hint) in (Union, types.UnionType):
        return get_args(hint)
    return (hint,)


def _resolved(alias: TypeAliasType) -> Any:
    value = alias.__value__
    if isinstance(value, str):  # a recursive alias names itself in a string
        value = eval(value, vars(sys.modules[str(alias.__module__)]))  # noqa: S307
    return value


def _comment(doc: str | None, indent: str = "") -> str:
    if not doc:
        return ""
    lines = [line.strip() for line in doc.strip().splitlines()]
    body = "\n".join(f"{indent} * {line}".rstrip() for line in lines)
    return f"{indent}/**\n{body}\n{indent} */\n"


class Generator:
    """Walks the protocol's types from its events and renders each named one once."""

    def __init__(self) -> None:
        self.order: list[Any] = []
        self.seen: set[int] = set()
        #: keys a typed dictionary lacks that a union it is in has elsewhere
        self.never: dict[int, set[str]] = {}

    def visit(self, hint: Any) -> None:
        if isinstance(hint, TypeAliasType) or is_typeddict(hint):
            if id(hint) in self.seen:
                return
            self.seen.add(id(hint))
            self.order.append(hint)
            if isinstance(hint, TypeAliasType):
                self.visit(_resolved(hint))
            else:
                for value in get_type_hints(hint).values():
                    self.visit(value)
            return
        members = _members(hint)
        dicts = [member for member in members if is_typeddict(member)]
        if len(dicts) > 1:
            keys = [set(get_type_hints(member)) for member in dicts]
            every = set().union(*keys)
            for member, own in zip(dicts, keys, strict=True):
                self.never.setdefault(id(member), set()).update(every - own)
        for arg in get_args(hint):
            self.visit(arg)

    def ref(self, hint: Any) -> str:
        """The TypeScript for a hint where it is used."""
        if isinstance(hint, TypeAliasType) or is_typeddict(hint):
            return str(hint.__name__)
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            return " | ".join(self.ref(arg) for arg in get_args(hint))
        if origin is Literal:
            return " | ".join(json.dumps(value) for value in get_args(hint))
        if origin is list:
            (item,) = get_args(hint)
            inner = self.ref(item)
            return f"({inner})[]" if " | " in inner else f"{inner}[]"
        if origin is dict:
            key, value = get_args(hint)
            return f"{{ [key: {self.ref(key)}]: {self.ref(value)} }}"
        simple = {int: "number", float: "number", str: "string", bool: "boolean"}
        if hint is None or hint is type(None):
            return "null"
        if hint in simple:
            return simple[hint]
        if hint is object:
            return "unknown"
        raise TypeError(f"no TypeScript for {hint!r}")

    def definition(self, hint: Any) -> str:
        if isinstance(hint, TypeAliasType):
            name = hint.__name__
            value = _resolved(hint)
            text = f"export type {name} = {self.ref(value)};\n"
            if get_origin(value) is Literal:  # its values too, to check input against
                values = ", ".join(json.dumps(v) for v in get_args(value))
                text += f"export const {_constant(name)}: readonly {name}[] = [{values}];\n"
            return text
        lines = [f"{_comment(hint.__doc__)}export interface {hint.__name__} {{"]
        optional = hint.__optional_keys__
        for key, value in get_type_hints(hint).items():
            mark = "?" if key in optional else ""
            lines.append(f"  {key}{mark}: {self.ref(value)};")
        lines.extend(f"  {key}?: never;" for key in sorted(self.never.get(id(hint), ())))
        lines.append("}")
        return "\n".join(lines) + "\n"


def _constant(name: str) -> str:
    """``QueueMode`` → ``QUEUE_MODES``, ``ResultsVisibility`` → ``RESULTS_VISIBILITIES``."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()
    return f"{snake[:-1]}IES" if snake.endswith("Y") else f"{snake}S"


def _field(field: fields.Field[Any]) -> str:
    """The TypeScript for what a payload field accepts."""
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        text = " | ".join(json.dumps(choice) for choice in choices[0])
    elif isinstance(field, fields.List):
        inner = _field(field.inner)
        text = f"({inner})[]" if " | " in inner else f"{inner}[]"
    elif isinstance(field, fields.Boolean):
        text = "boolean"
    elif isinstance(field, fields.Number):
        text = "number"
    elif isinstance(field, fields.String):
        text = "string"
    else:
        raise TypeError(f"no TypeScript for {field!r}")
    return f"{text} | null" if field.allow_none else text


def _payload(name: str, schema: type[ma.Schema]) -> str:
    lines = [f"{_comment(schema.__doc__)}export interface {name} {{"]
    for key, field in schema().fields.items():
        mark = "" if field.required else "?"
        lines.append(f"  {field.data_key or key}{mark}: {_field(field)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _payload_name(event: str) -> str:
    return "".join(part.capitalize() for part in event.split("_")) + "Payload"


def render() -> str:
    """The whole generated module."""
    generator = Generator()
    roots: Iterable[Any] = (
        *SERVER_EVENTS.values(),
        *(event.ack for event in CLIENT_EVENTS.values()),
        Refusal,
        EventsPage,
        ConnectError,
    )
    for root in roots:
        generator.visit(root)
    parts = [HEADER]
    parts.extend(generator.definition(hint) for hint in generator.order)
    parts.extend(_payload(_payload_name(name), e.payload) for name, e in CLIENT_EVENTS.items())
    server = [
        f"  {name}: (payload: {generator.ref(hint)}) => void;"
        for name, hint in SERVER_EVENTS.items()
    ]
    parts.append("export interface ServerToClientEvents {\n" + "\n".join(server) + "\n}\n")
    client = [
        f"  {name}: (payload: {_payload_name(name)}, "
        f"ack: (reply: {generator.ref(e.ack)} | Refusal) => void) => void;"
        for name, e in CLIENT_EVENTS.items()
    ]
    parts.append("export interface ClientToServerEvents {\n" + "\n".join(client) + "\n}\n")
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    (out,) = argv
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
