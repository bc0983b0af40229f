"""Read models and limits of live rooms: what the service returns and the schemas check."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from diaspora_hub.core.pagination import Page
from diaspora_hub.live.models import Room
from diaspora_hub.spaces.models import Space

#: The reactions people may send: (name sent by clients, emoji shown).
REACTIONS: tuple[tuple[str, str], ...] = (
    ("clap", "👏"),
    ("thumbs_up", "👍"),
    ("heart", "❤️"),
    ("thinking", "🤔"),
    ("surprised", "😮"),
    ("thanks", "🙏"),
)

REACTION_NAMES = tuple(name for name, _glyph in REACTIONS)

MESSAGE_MAX_LENGTH = 2000

QUESTION_MAX_LENGTH = 500

Json = dict[str, Any]

#: The key that marks a person reference (``service.person_ref``): every mapping in a
#: payload that carries it beside an identity (``IDENTITY_KEYS``) is a person, whatever
#: key or list it sits in. Redaction finds people by it. Figures by bloc (a bloc's tally
#: on screen) carry the bloc but no identity, and stay whole.
PERSON_MARK = "bloc"
IDENTITY_KEYS = frozenset({"id", "name", "organisation"})


def is_person(value: Any) -> bool:
    """Whether ``value`` is a person reference (see ``PERSON_MARK``)."""
    return isinstance(value, dict) and PERSON_MARK in value and not IDENTITY_KEYS.isdisjoint(value)


class Audience(enum.StrEnum):
    """Who a connection in a room hears broadcasts as (a Socket.IO room each).

    Facilitators get identities; participants who hold the list of who is here get the
    presence changes that keep it current; the others (large rooms, Chatham House) get
    the counts of presence changes only. Room events reach participants the same way.
    """

    FACILITATORS = "facilitators"
    LISTED = "listed"
    COUNTED = "counted"


@dataclass
class Delivery:
    """Broadcasts of one room, sent only after the transaction committed.

    Room-wide items come in pairs: the payload for facilitators (identities) and the one
    for participants. ``personal`` items go to single connections.
    """

    room_id: int
    events: list[tuple[Json, Json]] = field(default_factory=list)
    #: a presence change to send now (see ``presence`` in ``events``)
    presence: tuple[Json, Json] | None = None
    #: people whose presence changed, for a batched change read when sent (``presence``
    #: stays None)
    presence_changed: set[int] = field(default_factory=set)
    #: connections that hear the room as another audience from now on (None: as none),
    #: moved before anything else of the delivery is sent
    listen: list[tuple[str, Audience | None]] = field(default_factory=list)
    #: (sid, Socket.IO event name, payload)
    personal: list[tuple[str, str, Json]] = field(default_factory=list)
    #: connections to end after the personal messages
    disconnect: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """The acknowledgement for the person who acted, and what everyone else receives."""

    ack: Json
    deliveries: list[Delivery] = field(default_factory=list)
    #: the audience the acting connection belongs to from now on, when this changed it
    audience: Audience | None = None


@dataclass(frozen=True)
class LiveRoom:
    """A room with people in it now, and how many distinct people."""

    room: Room
    present: int


@dataclass(frozen=True)
class SpaceRooms:
    """A space's rooms as one person sees them, and whether they may open one."""

    space: Space
    rooms: Page[Room]
    can_open: bool


@dataclass(frozen=True)
class RoomPage:
    """What the room page renders before the browser code takes over."""

    room: Room
    facilitator: bool
    can_join: bool
    refusal: str | None


#: What ``moderate`` does, with the verb its audit entry records.
MODERATION_ACTIONS: tuple[tuple[str, str], ...] = (
    ("mute", "room.participant_muted"),
    ("unmute", "room.participant_unmuted"),
    ("remove", "room.participant_removed"),
    ("readmit", "room.participant_readmitted"),
)
