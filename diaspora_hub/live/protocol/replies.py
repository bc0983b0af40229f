"""What the server sends one connection: the acknowledgement of each client event, the
``state`` and ``notice`` events, and why a connection was refused (``connect_error``).

Every acknowledgement is ``{ok: true, ...}`` or ``{ok: false, error: {code, message,
fields?}}``. Those of events that stored something carry that event's ``seq`` (null when
nothing changed, e.g. raising a hand that is already up).
"""

from typing import Literal, NotRequired

from typing_extensions import TypeAliasType, TypedDict

from diaspora_hub.live.protocol.log import RoomEvent
from diaspora_hub.live.protocol.shapes import (
    Presence,
    PresenceCounts,
    Question,
    ReactionCounts,
    RoomState,
)

ErrorCode = TypeAliasType(
    "ErrorCode",
    Literal[
        "bad_request",
        "validation_failed",
        "wrong_type",
        "too_large",
        "unauthorised",
        "forbidden",
        "not_found",
        "conflict",
        "rate_limited",
        "not_joined",
        "removed",
        "room_locked",
        "registration_required",
        "conduct_required",
        "muted",
        "server_error",
    ],
)
#: marshmallow's messages per field: a list, or per item or key of a nested value.
FieldMessages = TypeAliasType("FieldMessages", "list[str] | dict[str, FieldMessages]")
ModerationAction = TypeAliasType("ModerationAction", Literal["mute", "unmute", "remove", "readmit"])


class ErrorBody(TypedDict):
    code: ErrorCode
    message: str
    fields: NotRequired[dict[str, FieldMessages]]


class Refusal(TypedDict):
    """A refused event changed nothing and broadcast nothing."""

    ok: Literal[False]
    error: ErrorBody


class JoinAck(TypedDict):
    """``events`` are those after ``since``, oldest first (without ``since``, the latest),
    at most 500: when ``complete`` is false, read the rest over HTTP."""

    ok: Literal[True]
    room: int
    state: RoomState
    events: list[RoomEvent]
    complete: bool


class LeaveAck(TypedDict):
    ok: Literal[True]
    room: int


class PresenceAck(TypedDict):
    ok: Literal[True]
    presence: Presence | PresenceCounts


class StoredAck(TypedDict):
    """An event that stored one room event (floor, queue_mode, hide)."""

    ok: Literal[True]
    seq: int


class SayAck(TypedDict):
    """``duplicate``: this ``client_id`` was stored before, as ``seq``."""

    ok: Literal[True]
    seq: int
    duplicate: bool


class HandAck(TypedDict):
    """``ticket`` and ``position`` in the queue while the hand is up."""

    ok: Literal[True]
    up: bool
    ticket: str | None
    position: int | None
    seq: int | None


class QuestionAck(TypedDict):
    """A question asked or answered."""

    ok: Literal[True]
    question: int
    seq: int


class QuestionsAck(TypedDict):
    """Questions in the order of ``state.questions``, from ``offset``; ``total`` in all."""

    ok: Literal[True]
    questions: list[Question]
    offset: int
    total: int


class UpvoteAck(TypedDict):
    ok: Literal[True]
    question: int
    votes: int
    seq: int | None


class PollAck(TypedDict):
    """A poll opened or closed."""

    ok: Literal[True]
    poll: int
    seq: int


class PollVoteAck(TypedDict):
    ok: Literal[True]
    poll: int
    choices: list[int]
    seq: int


class ReactAck(TypedDict):
    ok: Literal[True]
    counts: ReactionCounts
    seq: int


class AgendaAck(TypedDict):
    ok: Literal[True]
    current: int
    seq: int


class LockAck(TypedDict):
    ok: Literal[True]
    locked: bool
    seq: int


class ModerateAck(TypedDict):
    ok: Literal[True]
    action: ModerationAction
    user: int
    seq: int


NoticeCode = TypeAliasType(
    "NoticeCode",
    Literal[
        "removed",
        "session_ended",
        "access_ended",
        "conduct_required",
        "registration_required",
    ],
)


class Notice(TypedDict):
    """Addressed to one connection just before the server ends it: ``removed`` (from the
    room ``room``), ``session_ended`` (``room`` is null when the session itself ended),
    ``access_ended`` (the person may no longer see the room's space: invitation revoked,
    membership ended, organisation removed, visibility narrowed), ``conduct_required``
    (a new code of conduct to accept first) or ``registration_required``."""

    room: int | None
    code: NoticeCode
    message: str


class ConnectErrorData(TypedDict):
    code: Literal["unauthorised", "forbidden_origin", "server_error"]


class ConnectError(TypedDict):
    """Why the server refused a connection (Socket.IO's ``connect_error``)."""

    message: str
    data: ConnectErrorData
