"""Room events: the numbered entries of a room's log, sent as the Socket.IO event ``event``
and replayed by ``join`` and ``GET /api/v1/rooms/<id>/events``.

``{room, seq, type, at, actor, data}``: ``seq`` increases by one per room with no gaps;
apply events in ``seq`` order, ignore ones you already have, and on a gap (``seq`` > last
+ 1) join again with ``since``. With several server processes, events can arrive slightly
out of order. ``actor`` is a *person* or null. Each type has its own ``data``.
"""

from typing import Literal, NotRequired

from typing_extensions import TypeAliasType, TypedDict

from diaspora_hub.live.protocol.shapes import (
    AgendaItem,
    Bloc,
    Emoji,
    FinishedTurn,
    Instant,
    Person,
    Poll,
    PollResults,
    Question,
    QueueEntry,
    QueueMode,
    ReactionCounts,
    RoomMode,
    Speaker,
    SpeakingTime,
    Vote,
)


class EventBase(TypedDict):
    """What every room event carries besides its ``type`` and ``data``."""

    room: int
    seq: int
    at: Instant
    actor: Person | None


class RoomOpenedData(TypedDict):
    """Event 1 of every room."""

    title: str
    mode: RoomMode
    agenda: list[AgendaItem]
    video_url: str | None
    locked: bool


class RoomModeData(TypedDict):
    """A ``state`` follows, since earlier events now read differently."""

    mode: RoomMode


class RoomLockedData(TypedDict):
    locked: bool


class MessageData(TypedDict):
    """Chat; ``body`` is null for participants once hidden. No ``client_id`` for
    participants of Chatham House rooms."""

    body: str | None
    client_id: NotRequired[str]
    hidden: bool


class HiddenData(TypedDict):
    """The message or question with seq ``target`` is hidden."""

    target: int
    kind: Literal["message", "question"]


class HandData(TypedDict):
    up: bool
    ticket: str | None
    queue: list[QueueEntry]


class FloorData(TypedDict):
    speaker: Speaker | None
    previous: FinishedTurn | None
    queue: list[QueueEntry]
    #: facilitators only
    speaking_time: NotRequired[SpeakingTime]


class QueueModeData(TypedDict):
    mode: QueueMode
    queue: list[QueueEntry]


class PollData(TypedDict):
    """A poll opened, or closed with its final results."""

    poll: Poll


class PollVotedData(TypedDict):
    """The new totals (``results``, without the list of votes) and, in named polls, this
    vote; participants get neither while ``results_hidden``. ``actor`` is null for
    anonymous polls: nobody, facilitators included, learns who voted what."""

    poll: int
    voters: int
    results_hidden: bool
    results: NotRequired[PollResults]
    vote: NotRequired[Vote]


class QuestionAskedData(TypedDict):
    question: Question


class QuestionUpvotedData(TypedDict):
    question: int
    votes: int
    up: bool


class QuestionAnsweredData(TypedDict):
    question: int


class ReactionData(TypedDict):
    """``counts`` are the whole room's."""

    emoji: Emoji
    counts: ReactionCounts


class AgendaData(TypedDict):
    current: int
    item: AgendaItem


class ModerationData(TypedDict):
    """``queue`` after a mute or removal; ``previous`` when the removed person had the
    floor."""

    action: Literal["mute", "unmute", "remove", "readmit"]
    user: Person
    queue: NotRequired[list[QueueEntry]]
    previous: NotRequired[FinishedTurn | None]


class ScreenBloc(TypedDict):
    """A bloc's figures on screen: organisations by position, never by name.
    ``share``: whole percent of support among those supporting or opposing; null when
    nobody took a side."""

    bloc: Bloc
    support: int
    reservations: int
    oppose: int
    abstain: int
    organisations: int
    eligible: int
    share: int | None


class ScreenHoldingBack(TypedDict):
    bloc: Bloc
    reason: Literal["blocks", "below_threshold", "too_few"]


class ScreenTally(TypedDict):
    outcome: Literal["supported", "blocked", "short", "insufficient"]
    frozen: bool
    min_support: int
    blocs: list[ScreenBloc]
    holding_back: list[ScreenHoldingBack]


class ScreenItem(TypedDict):
    """What the facilitators put on the room's screen: a recommendation and its support
    by bloc. ``tally`` is null while the space hides tallies until the close."""

    kind: Literal["recommendation"]
    id: int
    title: str
    url: str
    state: str
    version: int
    closes_at: Instant | None
    tally: ScreenTally | None


class ScreenData(TypedDict):
    item: ScreenItem


class ScreenClearedData(TypedDict):
    pass


# One class per event type: ``type`` tells which ``data`` the event carries.


class RoomOpenedEvent(EventBase):
    type: Literal["room.opened"]
    data: RoomOpenedData


class RoomModeEvent(EventBase):
    type: Literal["room.mode"]
    data: RoomModeData


class RoomLockedEvent(EventBase):
    type: Literal["room.locked"]
    data: RoomLockedData


class MessageEvent(EventBase):
    type: Literal["message"]
    data: MessageData


class HiddenEvent(EventBase):
    type: Literal["hidden"]
    data: HiddenData


class HandEvent(EventBase):
    type: Literal["hand"]
    data: HandData


class FloorEvent(EventBase):
    type: Literal["floor"]
    data: FloorData


class QueueModeEvent(EventBase):
    type: Literal["queue.mode"]
    data: QueueModeData


class PollOpenedEvent(EventBase):
    type: Literal["poll.opened"]
    data: PollData


class PollClosedEvent(EventBase):
    type: Literal["poll.closed"]
    data: PollData


class PollVotedEvent(EventBase):
    type: Literal["poll.voted"]
    data: PollVotedData


class QuestionAskedEvent(EventBase):
    type: Literal["question.asked"]
    data: QuestionAskedData


class QuestionUpvotedEvent(EventBase):
    type: Literal["question.upvoted"]
    data: QuestionUpvotedData


class QuestionAnsweredEvent(EventBase):
    type: Literal["question.answered"]
    data: QuestionAnsweredData


class ReactionEvent(EventBase):
    type: Literal["reaction"]
    data: ReactionData


class AgendaEvent(EventBase):
    type: Literal["agenda"]
    data: AgendaData


class ModerationEvent(EventBase):
    type: Literal["moderation"]
    data: ModerationData


class ScreenShownEvent(EventBase):
    type: Literal["screen.shown"]
    data: ScreenData


class ScreenUpdatedEvent(EventBase):
    """New figures for the item on screen (an organisation endorsed)."""

    type: Literal["screen.updated"]
    data: ScreenData


class ScreenClearedEvent(EventBase):
    type: Literal["screen.cleared"]
    data: ScreenClearedData


RoomEvent = TypeAliasType(
    "RoomEvent",
    RoomOpenedEvent
    | RoomModeEvent
    | RoomLockedEvent
    | MessageEvent
    | HiddenEvent
    | HandEvent
    | FloorEvent
    | QueueModeEvent
    | PollOpenedEvent
    | PollClosedEvent
    | PollVotedEvent
    | QuestionAskedEvent
    | QuestionUpvotedEvent
    | QuestionAnsweredEvent
    | ReactionEvent
    | AgendaEvent
    | ModerationEvent
    | ScreenShownEvent
    | ScreenUpdatedEvent
    | ScreenClearedEvent,
)


class EventsPage(TypedDict):
    """A slice of the log over HTTP; ask again with ``after=<last seq>`` while
    ``has_more``."""

    items: list[RoomEvent]
    after: int
    limit: int
    last_seq: int
    has_more: bool
