"""Live consultation rooms and everything that happens in them.

Everything a room shares between server processes lives in these tables: the event log
with its per-room sequence numbers, presence, raised hands, speaking turns, polls,
questions, reactions and each person's standing (admitted, muted, removed).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.organisations.models import Bloc, Organisation
from diaspora_hub.spaces.models import Space


class RoomMode(enum.StrEnum):
    #: speakers are shown with their name, organisation and bloc
    OPEN = "open"
    #: participants see a speaker's bloc only; facilitators still see who it is
    CHATHAM_HOUSE = "chatham_house"


class QueueMode(enum.StrEnum):
    #: hands in the order they were raised
    ORDER = "order"
    #: people who have not had the floor in this room yet go before those who have
    FIRST_TIME_FIRST = "first_time_first"


class PollState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ResultsVisibility(enum.StrEnum):
    #: participants see the tally while the poll is open
    LIVE = "live"
    #: participants see the tally only once the poll is closed
    ON_CLOSE = "on_close"


class QuestionState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class Room(TimestampMixin, Base):
    """A live consultation room in a space; a meeting may own one later."""

    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the issue space the room belongs to; its participation rules apply
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: what the room is about, shown to everyone who may join
    title: Mapped[str] = mapped_column(String(200))
    #: open or Chatham House; only ever tightened, never relaxed (see ``set_mode``)
    mode: Mapped[RoomMode] = mapped_column(str_enum(RoomMode, "room_mode"), default=RoomMode.OPEN)
    #: agenda items in order: ``[{"title": str, "minutes": int | None}]``
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: index of the agenda item under discussion; None before the first one
    agenda_position: Mapped[int | None]
    #: link to the call on any video provider, shown to those who may join
    video_url: Mapped[str | None] = mapped_column(String(500))
    #: when a facilitator locked the room; a locked room admits no newcomers
    locked_at: Mapped[datetime | None]
    #: only people registered (by the meeting that owns the room) may join
    registration_required: Mapped[bool] = mapped_column(default=False)
    #: how the speaking queue is ordered
    queue_mode: Mapped[QueueMode] = mapped_column(
        str_enum(QueueMode, "room_queue_mode"), default=QueueMode.ORDER
    )
    #: sequence number of the room's latest event; allocated with one atomic UPDATE
    last_seq: Mapped[int] = mapped_column(default=0)
    #: when the meeting that owns the room ended; from then on the room is read-only
    ended_at: Mapped[datetime | None]
    #: the facilitator who opened the room
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    space: Mapped[Space] = relationship()

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_chatham_house(self) -> bool:
        return self.mode is RoomMode.CHATHAM_HOUSE

    def lock(self) -> None:
        if self.is_locked:
            raise Conflict(_("The room is locked already."))
        self.locked_at = utcnow()

    def unlock(self) -> None:
        if not self.is_locked:
            raise Conflict(_("The room is not locked."))
        self.locked_at = None

    def set_mode(self, mode: RoomMode) -> None:
        """Moving to Chatham House is always allowed; leaving it would expose what was said."""
        if self.is_chatham_house and mode is not RoomMode.CHATHAM_HOUSE:
            raise Conflict(_("A Chatham House room cannot become open."))
        self.mode = mode

    def move_agenda(self, position: int) -> None:
        if not 0 <= position < len(self.agenda):
            raise Conflict(_("There is no such agenda item."))
        if position == self.agenda_position:
            raise Conflict(_("That agenda item is under discussion already."))
        self.agenda_position = position

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.title!r}>"


class RoomEvent(Base):
    """One change in a room, stored with its sequence number before anyone hears of it.

    ``payload`` keeps identities (``{"actor": person | None, "data": {...}}``) for the
    facilitators and the audit trail; what a participant receives is derived from it.
    """

    __tablename__ = "room_event"
    __table_args__ = (
        UniqueConstraint("room_id", "seq", name="uq_room_event_room_id_seq"),
        UniqueConstraint("room_id", "actor_id", "client_id", name="uq_room_event_client_id"),
        Index("ix_room_event_actor_type_created", "actor_id", "type", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room whose log this is
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    #: 1, 2, 3 … per room, without gaps
    seq: Mapped[int]
    #: what happened, e.g. ``message``, ``hand``, ``poll.opened``
    type: Mapped[str] = mapped_column(String(40))
    #: who did it; null for anonymous votes and for the system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the event as stored, with identities: ``{"actor": ..., "data": ...}``
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the sender's own id for a message, so a retried send is stored once
    client_id: Mapped[str | None] = mapped_column(String(64))
    #: when a facilitator hid this message or question from participants
    hidden_at: Mapped[datetime | None]
    #: when it was stored (UTC)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomParticipant(Base):
    """A person's standing in one room: admitted, registered, muted or removed."""

    __tablename__ = "room_participant"
    __table_args__ = (UniqueConstraint("room_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    #: the person
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: the bloc the person counts in here, as decided by ``service.bloc_of`` at their last join
    bloc: Mapped[Bloc] = mapped_column(str_enum(Bloc, "room_participant_bloc"))
    #: the organisation shown with the person's name in open rooms
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    #: first time the person was let in; a locked room still admits those admitted before
    admitted_at: Mapped[datetime | None]
    #: registered by the meeting that owns the room (rooms that require registration)
    registered_at: Mapped[datetime | None]
    #: a muted person cannot chat, ask, raise a hand or react
    muted_at: Mapped[datetime | None]
    #: a removed person is disconnected and cannot come back until readmitted
    removed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_muted(self) -> bool:
        return self.muted_at is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    def mute(self) -> None:
        if self.is_muted:
            raise Conflict(_("This person is muted already."))
        self.muted_at = utcnow()

    def unmute(self) -> None:
        if not self.is_muted:
            raise Conflict(_("This person is not muted."))
        self.muted_at = None

    def remove(self) -> None:
        if self.is_removed:
            raise Conflict(_("This person has been removed already."))
        self.removed_at = utcnow()

    def readmit(self) -> None:
        if not self.is_removed:
            raise Conflict(_("This person has not been removed."))
        self.removed_at = None


class LiveWorker(Base):
    """A server process holding live connections, and when it last said it was alive."""

    __tablename__ = "live_worker"

    #: ``host:pid:start`` of the process
    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: when the process first registered
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: last heartbeat; a worker silent for longer than the stale limit is presumed dead
    last_beat: Mapped[datetime] = mapped_column(default=utcnow)


class LiveConnection(Base):
    """One authenticated Socket.IO connection to ``/live``, whichever rooms it joined."""

    __tablename__ = "live_connection"

    #: Socket.IO session id of the connection in the ``/live`` namespace
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the person behind the connection; every event it sends acts as this person
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: the worker process holding the connection
    worker_id: Mapped[str] = mapped_column(String(200), index=True)
    #: the login session it came from (Flask-Login's session id); null for API tokens
    session_key: Mapped[str | None] = mapped_column(String(200))
    #: when it connected
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when it was made or last joined (its worker's heartbeat keeps it alive after that)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class RoomPresence(Base):
    """A connection that joined a room: who is in the room right now."""

    __tablename__ = "room_presence"
    __table_args__ = (UniqueConstraint("sid", "room_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the connection
    sid: Mapped[str] = mapped_column(ForeignKey("live_connection.sid", ondelete="CASCADE"))
    #: the room it joined
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    #: the person behind the connection
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: the worker process holding the connection
    worker_id: Mapped[str] = mapped_column(String(200), index=True)
    #: joined as a facilitator: receives identities and may moderate
    facilitator: Mapped[bool] = mapped_column(default=False)
    #: when it joined
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when it was made or last joined (its worker's heartbeat keeps it alive after that)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class RaisedHand(Base):
    """A raised hand waiting for the floor; lowering it deletes the row."""

    __tablename__ = "raised_hand"
    __table_args__ = (UniqueConstraint("room_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    #: who raised it
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: random per raise, so a person finds their own place in an anonymised queue
    ticket: Mapped[str] = mapped_column(String(32))
    #: when it was raised; the queue's order
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpeakingTurn(Base):
    """A person holding the floor; the open turn (no end) is the current speaker."""

    __tablename__ = "speaking_turn"
    __table_args__ = (Index("ix_speaking_turn_room_user", "room_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    #: the speaker
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: the speaker's bloc, for speaking time by bloc
    bloc: Mapped[Bloc] = mapped_column(str_enum(Bloc, "speaking_turn_bloc"))
    #: when the facilitator gave the floor
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when the turn ended; null while the person is speaking
    ended_at: Mapped[datetime | None]
    #: the facilitator who gave the floor
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def seconds(self, now: datetime) -> int:
        return max(0, int(((self.ended_at or now) - self.started_at).total_seconds()))


class Poll(Base):
    """A live poll a facilitator opened in a room."""

    __tablename__ = "poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    #: what is asked
    question: Mapped[str] = mapped_column(String(300))
    #: the choices in order; votes refer to them by index
    choices: Mapped[list[str]] = mapped_column(JSON)
    #: several choices may be ticked
    multiple: Mapped[bool] = mapped_column(default=False)
    #: nobody, facilitators included, learns who voted what
    anonymous: Mapped[bool] = mapped_column(default=True)
    #: whether participants see the tally before the poll closes
    results: Mapped[ResultsVisibility] = mapped_column(
        str_enum(ResultsVisibility, "poll_results"), default=ResultsVisibility.LIVE
    )
    #: open or closed
    state: Mapped[PollState] = mapped_column(
        str_enum(PollState, "poll_state"), default=PollState.OPEN
    )
    #: the facilitator who opened it
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: when it opened
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when it closed
    closed_at: Mapped[datetime | None]

    @property
    def is_open(self) -> bool:
        return self.state is PollState.OPEN

    @property
    def results_hidden(self) -> bool:
        """Participants may not see the tally yet."""
        return self.is_open and self.results is ResultsVisibility.ON_CLOSE

    def require_open(self) -> None:
        if not self.is_open:
            raise Conflict(_("The poll is closed."))

    def close(self) -> None:
        self.require_open()
        self.state = PollState.CLOSED
        self.closed_at = utcnow()


class PollVote(Base):
    """One person's vote in a poll; voting again replaces it while the poll is open."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the poll
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    #: the voter; kept to allow one vote each, never shown for anonymous polls
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: the voter's bloc, for results by bloc
    bloc: Mapped[Bloc] = mapped_column(str_enum(Bloc, "poll_vote_bloc"))
    #: indexes into the poll's choices
    choices: Mapped[list[int]] = mapped_column(JSON)
    #: when the vote was cast or last changed
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomQuestion(Base):
    """A question for the panel (Q&A), which others upvote."""

    __tablename__ = "room_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    #: who asked it
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the asker's bloc, shown in Chatham House rooms
    bloc: Mapped[Bloc] = mapped_column(str_enum(Bloc, "room_question_bloc"))
    #: the question, plain text
    body: Mapped[str] = mapped_column(Text)
    #: sequence number of the event that asked it; hiding that event hides the question
    seq: Mapped[int]
    #: open or answered
    state: Mapped[QuestionState] = mapped_column(
        str_enum(QuestionState, "room_question_state"), default=QuestionState.OPEN
    )
    #: number of upvotes, kept in step with ``question_vote``
    votes: Mapped[int] = mapped_column(default=0)
    #: when it was asked
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when a facilitator marked it answered
    answered_at: Mapped[datetime | None]
    #: when a facilitator hid it
    hidden_at: Mapped[datetime | None]

    def mark_answered(self) -> None:
        if self.state is QuestionState.ANSWERED:
            raise Conflict(_("The question is answered already."))
        self.state = QuestionState.ANSWERED
        self.answered_at = utcnow()


class QuestionVote(Base):
    """One person's upvote of a question."""

    __tablename__ = "question_vote"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the question
    question_id: Mapped[int] = mapped_column(ForeignKey("room_question.id", ondelete="CASCADE"))
    #: who upvoted it
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))


class RoomReaction(Base):
    """One reaction (from the fixed set) sent in a room; the room shows counts per emoji."""

    __tablename__ = "room_reaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the room
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    #: who reacted
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: a name from ``service.REACTIONS``, e.g. ``clap``
    emoji: Mapped[str] = mapped_column(String(20))
    #: when
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
