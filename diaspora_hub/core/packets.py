"""How Socket.IO packets are written: orjson, and no search for binary attachments.

The default packet walks every payload looking for ``bytes`` before encoding it, and
encodes with the standard library. Nothing here ever sends bytes, and room payloads (a
join's state, a presence change) can hold hundreds of entries, so that walk and the
slower encoder cost every event and acknowledgement of a crowded room.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask_babel import LazyString
from socketio import packet

_OPTIONS = orjson.OPT_NON_STR_KEYS


def _text(value: Any) -> str:
    """Translated messages are lazy until sent."""
    if isinstance(value, LazyString):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class FastJson:
    """The ``dumps``/``loads`` pair Socket.IO expects, backed by orjson."""

    @staticmethod
    def dumps(value: Any, **_options: Any) -> str:
        return orjson.dumps(value, default=_text, option=_OPTIONS).decode()

    @staticmethod
    def loads(text: str | bytes, **_options: Any) -> Any:
        return orjson.loads(text)


class JsonPacket(packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet that is always text JSON."""

    uses_binary_events = False
    json = FastJson
