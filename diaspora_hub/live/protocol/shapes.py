"""The shapes every ``/live`` payload is built of: people, the queue, polls, questions,
presence and the room state.

*Person*: ``{id, name, organisation: {id, slug, name, acronym} | null, bloc}``. In Chatham
House rooms participants (not facilitators) receive ``{bloc}`` only, everywhere: events,
presence, state and acknowledgements, and no ``client_id``. Blocs: ``diaspora``,
``government``, ``io``, ``other``.

*Poll*: ``results?`` are the totals, by bloc too, and in named polls who voted what
(``votes``); participants get no ``results`` while ``results_hidden``. *Question*s come
ordered by votes. *Speaking time* is for facilitators only.

*State* is the whole room as its receiver may see it, with their own standing under
``you``. Times are ISO 8601 in UTC.
"""

from typing import Literal, NotRequired

from typing_extensions import TypeAliasType, TypedDict

Bloc = TypeAliasType("Bloc", Literal["diaspora", "government", "io", "other"])
RoomMode = TypeAliasType("RoomMode", Literal["open", "chatham_house"])
QueueMode = TypeAliasType("QueueMode", Literal["order", "first_time_first"])
#: The reactions people may send, by the name clients send (see ``service.REACTIONS``).
Emoji = TypeAliasType(
    "Emoji", Literal["clap", "thumbs_up", "heart", "thinking", "surprised", "thanks"]
)
ResultsVisibility = TypeAliasType("ResultsVisibility", Literal["live", "on_close"])
#: ISO 8601, in UTC.
Instant = TypeAliasType("Instant", str)


class Organisation(TypedDict):
    id: int
    slug: str
    name: str
    acronym: str | None


class NamedPerson(TypedDict):
    """A person as facilitators, and everyone in open rooms, receive them."""

    id: int
    name: str
    organisation: Organisation | None
    bloc: Bloc


class BlocPerson(TypedDict):
    """A person as participants of Chatham House rooms receive them: their bloc only."""

    bloc: Bloc


Person = TypeAliasType("Person", NamedPerson | BlocPerson)


class BlocCounts(TypedDict):
    """A number for each bloc, all four always there."""

    diaspora: int
    government: int
    io: int
    other: int


class ReactionCounts(TypedDict):
    """Reactions sent in the whole room, per emoji name, all six always there."""

    clap: int
    thumbs_up: int
    heart: int
    thinking: int
    surprised: int
    thanks: int


class QueueEntry(TypedDict):
    """A raised hand; find your own by ``ticket`` (queues in Chatham House rooms carry no
    names)."""

    ticket: str
    person: Person | None
    raised_at: Instant
    first_time: bool


class Speaker(TypedDict):
    person: Person | None
    since: Instant


class FinishedTurn(TypedDict):
    """The turn a change of speaker ended."""

    person: Person | None
    seconds: int


class SpeakingTime(TypedDict):
    """Seconds and turns per bloc, the current turn counted up to when it was sent."""

    by_bloc: BlocCounts
    turns_by_bloc: BlocCounts
    total: int


class BlocTally(TypedDict):
    voters: int
    counts: list[int]


class BlocTallies(TypedDict):
    diaspora: BlocTally
    government: BlocTally
    io: BlocTally
    other: BlocTally


class Vote(TypedDict):
    """One person's vote in a named poll."""

    voter: Person | None
    choices: list[int]


class PollResults(TypedDict):
    voters: int
    counts: list[int]
    by_bloc: BlocTallies
    #: named polls only, oldest first
    votes: NotRequired[list[Vote]]


class Poll(TypedDict):
    id: int
    question: str
    choices: list[str]
    multiple: bool
    anonymous: bool
    results_visibility: ResultsVisibility
    state: Literal["open", "closed"]
    opened_at: Instant
    closed_at: Instant | None
    results_hidden: bool
    results: NotRequired[PollResults]


class Question(TypedDict):
    """A Q&A question; ``body`` is null for participants once hidden."""

    id: int
    seq: int
    body: str | None
    asker: Person | None
    votes: int
    state: Literal["open", "answered"]
    asked_at: Instant
    answered_at: Instant | None
    hidden: bool


class AgendaItem(TypedDict):
    title: str
    minutes: int | None


class Agenda(TypedDict):
    items: list[AgendaItem]
    current: int | None


class PresentPerson(TypedDict):
    person: Person
    facilitator: bool
    muted: bool


class Presence(TypedDict):
    """Everyone in the room now, by bloc then name, with the counts by bloc."""

    room: int
    people: list[PresentPerson]
    counts: BlocCounts
    total: int


class PresenceCounts(TypedDict):
    """Presence without the list: Chatham House participants, large rooms until asked."""

    room: int
    counts: BlocCounts
    total: int


class PresenceChange(TypedDict):
    """Who arrived or changed (``people``: replace them by ``person.id``) and who is no
    longer in the room on any connection (``left``: person ids); ``counts`` and ``total``
    are the whole room's."""

    room: int
    people: list[PresentPerson]
    left: list[int]
    counts: BlocCounts
    total: int


class RoomSpace(TypedDict):
    slug: str
    title: str


class RoomInfo(TypedDict):
    id: int
    title: str
    mode: RoomMode
    video_url: str | None
    locked: bool
    queue_mode: QueueMode
    registration_required: bool
    space: RoomSpace


class You(TypedDict):
    """The receiver's own standing: their hand (its ticket), votes by poll id, upvoted
    question ids."""

    person: Person | None
    muted: bool
    hand: str | None
    votes: dict[str, list[int]]
    upvoted: list[int]
    facilitator: bool


class RoomState(TypedDict):
    """The whole room for its receiver; replace what you hold."""

    room: RoomInfo
    last_seq: int
    agenda: Agenda
    presence: Presence | PresenceCounts
    queue: list[QueueEntry]
    speaker: Speaker | None
    polls: list[Poll]
    #: the most upvoted, at most ``LIVE_STATE_QUESTIONS`` (default 50) of them
    questions: list[Question]
    #: how many questions there are in all; ask for the others with ``questions``
    questions_total: int
    reactions: ReactionCounts
    #: facilitators only
    speaking_time: NotRequired[SpeakingTime]
    you: You
