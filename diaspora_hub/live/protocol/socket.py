"""The Socket.IO events of ``/live``, each with what it carries: the client's events with
their payload (a schema in ``live.schemas``) and acknowledgement, and the server's.

Every client event takes one JSON object and must be sent with an acknowledgement
callback. A refused event changes nothing and broadcasts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import marshmallow as ma

from diaspora_hub.live import schemas
from diaspora_hub.live.protocol.log import RoomEvent
from diaspora_hub.live.protocol.replies import (
    AgendaAck,
    HandAck,
    JoinAck,
    LeaveAck,
    LockAck,
    ModerateAck,
    Notice,
    PollAck,
    PollVoteAck,
    PresenceAck,
    QuestionAck,
    QuestionsAck,
    ReactAck,
    SayAck,
    StoredAck,
    UpvoteAck,
)
from diaspora_hub.live.protocol.shapes import PresenceChange, PresenceCounts, RoomState


@dataclass(frozen=True)
class ClientEvent:
    """What a client event carries, and the acknowledgement it gets when it succeeds."""

    payload: type[ma.Schema]
    ack: object


CLIENT_EVENTS: Mapping[str, ClientEvent] = MappingProxyType(
    {
        "join": ClientEvent(schemas.JoinSchema, JoinAck),
        "leave": ClientEvent(schemas.LeaveSchema, LeaveAck),
        "presence": ClientEvent(schemas.PresenceSchema, PresenceAck),
        "say": ClientEvent(schemas.SaySchema, SayAck),
        "hand": ClientEvent(schemas.HandSchema, HandAck),
        "ask": ClientEvent(schemas.AskSchema, QuestionAck),
        "questions": ClientEvent(schemas.QuestionsSchema, QuestionsAck),
        "upvote": ClientEvent(schemas.UpvoteSchema, UpvoteAck),
        "poll_vote": ClientEvent(schemas.PollVoteSchema, PollVoteAck),
        "react": ClientEvent(schemas.ReactSchema, ReactAck),
        # the room's facilitators only (``forbidden`` for others)
        "floor": ClientEvent(schemas.FloorSchema, StoredAck),
        "queue_mode": ClientEvent(schemas.QueueModeSchema, StoredAck),
        "poll_open": ClientEvent(schemas.PollOpenSchema, PollAck),
        "poll_close": ClientEvent(schemas.PollCloseSchema, PollAck),
        "answer": ClientEvent(schemas.AnswerSchema, QuestionAck),
        "agenda": ClientEvent(schemas.AgendaSchema, AgendaAck),
        "hide": ClientEvent(schemas.HideSchema, StoredAck),
        "lock": ClientEvent(schemas.LockSchema, LockAck),
        "moderate": ClientEvent(schemas.ModerateSchema, ModerateAck),
    }
)

#: The server's events, each with its one payload.
SERVER_EVENTS: Mapping[str, object] = MappingProxyType(
    {
        "event": RoomEvent,
        "presence": PresenceChange | PresenceCounts,
        "state": RoomState,
        "notice": Notice,
    }
)
