"""Rules of live consultation rooms: who may join, speak, vote and moderate, and what each
person is allowed to see of it.

Every change is a room event appended to the room's log with the next sequence number,
inside the transaction that makes the change; the sequence number comes from one atomic
``UPDATE room SET last_seq = last_seq + 1 … RETURNING last_seq``. Every write first locks
the room's row, so the writes of one room are serialised across all server processes and
the log has no gaps.

Functions here only flush. Those that change a room return an :class:`Outcome`: the
acknowledgement for the person who acted and the :class:`Delivery` of broadcasts that the
Socket.IO layer sends once the transaction has committed.

What people see:
- Facilitators (``spaces.service.can_manage``) see everything with identities.
- Participants see events without facilitator-only data (speaking time by bloc) and, in a
  Chatham House room, every person reduced to ``{"bloc": …}`` wherever they sit in a
  payload (a person is known by shape, see ``types.PERSON_MARK``): no user id, name,
  organisation or client id of anyone. Hidden messages and questions lose their body;
  results of a poll that hides them until close lose their tally until it closes.

One module per feature, each importing only those below it: ``kernel`` (errors, limits,
the seat a person acts from, the room's lock, person references), ``redaction`` (what a
viewer may receive), ``log`` (sequence numbers, append, replay), ``participants`` (who may
be in a room), ``presence``, then the features ``chat``, ``floor``, ``polls``,
``questions``, ``reactions``; ``state`` (the whole room for one viewer), ``admission``
(joins, crowds), ``connections``, ``standing`` (connections judged again when a person's
standing in a space changes), ``rooms`` (and the agenda), ``moderation`` and
``transcripts``. Renderings live in ``live.exports``, read models in ``live.types``; this
package keeps every public name importable from ``live.service``.
"""

from diaspora_hub.live.exports import transcript_markdown
from diaspora_hub.live.service.admission import (
    Arrivals,
    JoinRequest,
    join,
    join_together,
    leave,
    presence_list,
)
from diaspora_hub.live.service.chat import say
from diaspora_hub.live.service.connections import (
    Connecting,
    connect_together,
    connections_to_end,
    disconnect,
    heartbeat,
    sweep,
)
from diaspora_hub.live.service.floor import floor, hand, queue_mode, speaking_time
from diaspora_hub.live.service.kernel import (
    DEFAULT_JOIN_HISTORY,
    DEFAULT_PRESENCE_LIST_LIMIT,
    DEFAULT_REACT_LIMIT,
    DEFAULT_SAY_LIMIT,
    DEFAULT_STATE_QUESTIONS,
    RATE_WINDOW,
    Muted,
    NotJoined,
    RegistrationRequired,
    Removed,
    RoomLocked,
    Seat,
    affiliation,
    bloc_of,
    person_ref,
    visible_room,
)
from diaspora_hub.live.service.log import announce, event_json, events_after
from diaspora_hub.live.service.moderation import audit_trail, hide, lock, moderate
from diaspora_hub.live.service.polls import poll_close, poll_open, poll_vote
from diaspora_hub.live.service.presence import audience_for, presence_change, presence_delay
from diaspora_hub.live.service.questions import answer, ask, questions, upvote
from diaspora_hub.live.service.reactions import react
from diaspora_hub.live.service.redaction import (
    FACILITATOR_ONLY_KEYS,
    HIDEABLE,
    anonymised,
    counted,
    presence_view,
    view,
)
from diaspora_hub.live.service.rooms import (
    agenda,
    live_rooms,
    open_room,
    register_participant,
    rooms_of_space,
    set_mode,
    space_rooms,
)
from diaspora_hub.live.service.standing import follow_standing
from diaspora_hub.live.service.state import room_page, room_state
from diaspora_hub.live.service.transcripts import transcript, transcript_file
from diaspora_hub.live.types import (
    MESSAGE_MAX_LENGTH,
    MODERATION_ACTIONS,
    QUESTION_MAX_LENGTH,
    REACTION_NAMES,
    REACTIONS,
    Audience,
    Delivery,
    Json,
    Outcome,
    RoomPage,
    SpaceRooms,
)

__all__ = (
    "DEFAULT_JOIN_HISTORY",
    "DEFAULT_PRESENCE_LIST_LIMIT",
    "DEFAULT_REACT_LIMIT",
    "DEFAULT_SAY_LIMIT",
    "DEFAULT_STATE_QUESTIONS",
    "FACILITATOR_ONLY_KEYS",
    "HIDEABLE",
    "MESSAGE_MAX_LENGTH",
    "MODERATION_ACTIONS",
    "QUESTION_MAX_LENGTH",
    "RATE_WINDOW",
    "REACTIONS",
    "REACTION_NAMES",
    "Arrivals",
    "Audience",
    "Connecting",
    "Delivery",
    "JoinRequest",
    "Json",
    "Muted",
    "NotJoined",
    "Outcome",
    "RegistrationRequired",
    "Removed",
    "RoomLocked",
    "RoomPage",
    "Seat",
    "SpaceRooms",
    "affiliation",
    "agenda",
    "announce",
    "anonymised",
    "answer",
    "ask",
    "audience_for",
    "audit_trail",
    "bloc_of",
    "connect_together",
    "connections_to_end",
    "counted",
    "disconnect",
    "event_json",
    "events_after",
    "floor",
    "follow_standing",
    "hand",
    "heartbeat",
    "hide",
    "join",
    "join_together",
    "leave",
    "live_rooms",
    "lock",
    "moderate",
    "open_room",
    "person_ref",
    "poll_close",
    "poll_open",
    "poll_vote",
    "presence_change",
    "presence_delay",
    "presence_list",
    "presence_view",
    "questions",
    "queue_mode",
    "react",
    "register_participant",
    "room_page",
    "room_state",
    "rooms_of_space",
    "say",
    "set_mode",
    "space_rooms",
    "speaking_time",
    "sweep",
    "transcript",
    "transcript_file",
    "transcript_markdown",
    "upvote",
    "view",
    "visible_room",
)
