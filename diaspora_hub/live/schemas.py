"""What the room API, the room forms and the ``/live`` Socket.IO events accept and return.

Socket.IO payloads are JSON, so their numbers and booleans are strict: ``"3"`` and ``true``
are not room ids, ``1`` and ``"true"`` are not booleans. Unknown keys are refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from diaspora_hub.core.schemas import Text
from diaspora_hub.core.text import clean_text
from diaspora_hub.live.models import QueueMode, ResultsVisibility, RoomMode
from diaspora_hub.live.types import (
    MESSAGE_MAX_LENGTH,
    MODERATION_ACTIONS,
    QUESTION_MAX_LENGTH,
    REACTION_NAMES,
)

AGENDA_MAX_ITEMS = 30
POLL_MAX_CHOICES = 10


#: The largest value a 64-bit integer column holds: a larger id names nothing.
INTEGER_MAX = 2**63 - 1


class StrictInteger(fields.Integer):
    """A JSON integer and nothing else: ``true`` (which Python counts as 1), ``1.0`` and
    ``"1"`` are refused, and so is anything no 64-bit column could hold."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if not -INTEGER_MAX <= value <= INTEGER_MAX:
            raise ma.ValidationError(str(_l("Out of range.")))
        return value


class StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: ``1`` equals ``True`` in Python, so a set of truthy
    values would take it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _id(**kwargs: Any) -> StrictInteger:
    return StrictInteger(validate=validate.Range(min=1), **kwargs)


def _http_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ma.ValidationError(str(_l("Give an http(s) address.")))


class OptionalUrl(fields.Field[str | None]):
    """An http(s) address, or nothing: a blank form field means none."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if not isinstance(value, str):
            raise ma.ValidationError(str(_l("Not a valid string.")))
        text = clean_text(value)
        if not text:
            return None
        if len(text) > 500:
            raise ma.ValidationError(str(_l("At most 500 characters.")))
        _http_url(text)
        return text


class AgendaItemSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)
    minutes = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=600)
    )


class Agenda(fields.Field[list[dict[str, Any]]]):
    """Agenda items: a list of ``{title, minutes?}`` or titles, or one title per line (forms)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> list[dict[str, Any]]:
        if isinstance(value, str):
            value = [line for line in value.splitlines() if line.strip()]
        if not isinstance(value, list):
            raise ma.ValidationError(str(_l("Give a list of agenda items.")))
        if len(value) > AGENDA_MAX_ITEMS:
            raise ma.ValidationError(str(_l("At most %(n)d items.", n=AGENDA_MAX_ITEMS)))
        items = [{"title": item} if isinstance(item, str) else item for item in value]
        loaded: list[dict[str, Any]] = AgendaItemSchema(many=True).load(items)
        return loaded


class RoomCreateSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)
    mode = fields.String(
        load_default=RoomMode.OPEN.value, validate=validate.OneOf([m.value for m in RoomMode])
    )
    agenda = Agenda(load_default=list)
    video_url = OptionalUrl(load_default=None, allow_none=True)
    locked = fields.Boolean(load_default=False)


class RoomSpaceSchema(ma.Schema):
    slug = fields.String()
    title = fields.String()


class RoomSchema(ma.Schema):
    """A room as listed in its space."""

    id = fields.Integer()
    title = fields.String()
    mode = fields.Function(lambda room: room.mode.value)
    agenda = fields.List(fields.Dict())
    agenda_position = fields.Integer(allow_none=True)
    video_url = fields.String(allow_none=True)
    locked = fields.Boolean(attribute="is_locked")
    queue_mode = fields.Function(lambda room: room.queue_mode.value)
    registration_required = fields.Boolean()
    last_seq = fields.Integer()
    created_at = fields.DateTime()
    space = fields.Nested(RoomSpaceSchema)


class RoomPageSchema(ma.Schema):
    items = fields.List(fields.Nested(RoomSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class EventsArgs(ma.Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=INTEGER_MAX))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class EventsPageSchema(ma.Schema):
    """A slice of the room's log; ask again with ``after=<last seq>`` while ``has_more``."""

    items = fields.List(fields.Dict())
    after = fields.Integer()
    limit = fields.Integer()
    last_seq = fields.Integer()
    has_more = fields.Boolean()


class AuditEntrySchema(ma.Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    details = fields.Dict()


class AuditPageSchema(ma.Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


# Socket.IO events (client → server) ------------------------------------------------------


class RoomEventSchema(ma.Schema):
    """Every ``/live`` event names its room."""

    room = _id(required=True)


class JoinSchema(RoomEventSchema):
    since = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=0))


class LeaveSchema(RoomEventSchema):
    pass


class PresenceSchema(RoomEventSchema):
    pass


class SaySchema(RoomEventSchema):
    body = Text(required=True, min_length=1, max_length=MESSAGE_MAX_LENGTH)
    client_id = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_.:-]{1,64}$", error=str(_l("1 to 64 letters, digits or -_.:"))
        ),
    )


class HandSchema(RoomEventSchema):
    up = StrictBoolean(required=True)


class FloorSchema(RoomEventSchema):
    user = _id(required=True, allow_none=True)


class QueueModeSchema(RoomEventSchema):
    mode = fields.String(required=True, validate=validate.OneOf([m.value for m in QueueMode]))


class PollOpenSchema(RoomEventSchema):
    question = Text(required=True, min_length=1, max_length=300)
    choices = fields.List(
        Text(min_length=1, max_length=100),
        required=True,
        validate=validate.Length(min=2, max=POLL_MAX_CHOICES),
    )
    multiple = StrictBoolean(load_default=False)
    anonymous = StrictBoolean(load_default=True)
    results = fields.String(
        load_default=ResultsVisibility.LIVE.value,
        validate=validate.OneOf([r.value for r in ResultsVisibility]),
    )


class PollVoteSchema(RoomEventSchema):
    poll = _id(required=True)
    choices = fields.List(
        StrictInteger(validate=validate.Range(min=0)),
        required=True,
        validate=validate.Length(min=1, max=POLL_MAX_CHOICES),
    )


class PollCloseSchema(RoomEventSchema):
    poll = _id(required=True)


class AgendaSchema(RoomEventSchema):
    item = StrictInteger(required=True, validate=validate.Range(min=0))


class ReactSchema(RoomEventSchema):
    emoji = fields.String(required=True, validate=validate.OneOf(REACTION_NAMES))


class ModerateSchema(RoomEventSchema):
    action = fields.String(
        required=True, validate=validate.OneOf([name for name, _verb in MODERATION_ACTIONS])
    )
    user = _id(required=True)


class HideSchema(RoomEventSchema):
    seq = _id(required=True)


class LockSchema(RoomEventSchema):
    locked = StrictBoolean(required=True)


class AskSchema(RoomEventSchema):
    body = Text(required=True, min_length=1, max_length=QUESTION_MAX_LENGTH)


class UpvoteSchema(RoomEventSchema):
    question = _id(required=True)
    up = StrictBoolean(load_default=True)


class QuestionsSchema(RoomEventSchema):
    offset = StrictInteger(load_default=0, validate=validate.Range(min=0))


class AnswerSchema(RoomEventSchema):
    question = _id(required=True)
