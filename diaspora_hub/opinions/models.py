"""Statements people vote on, their votes, and the stored opinion map of each space.

A voter is a platform person or a pseudonymous voter imported from Pol.is (who keeps their
Pol.is participant id); votes point at voters, so both count alike in the map.

The clustering is stored: groups keep their ids across recomputations (matched by the
members they share), every person's place and group is kept, and so is the k smoother's
streak, so a restart or a second server shows exactly the same map.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.live.models import Room
from diaspora_hub.spaces.models import Space

#: longest statement, as on Pol.is
MAX_STATEMENT_LENGTH = 280


class StatementState(enum.StrEnum):
    #: added by a participant, waiting for a facilitator; shown to its author and facilitators
    PENDING = "pending"
    #: shown to everyone who sees the space, and voted on
    ACCEPTED = "accepted"
    #: kept for the record, shown to facilitators only, left out of the map
    REJECTED = "rejected"


class Choice(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    PASS = "pass"  # noqa: S105 - a vote, not a password

    @property
    def weight(self) -> float:
        """The value in the votes matrix, as Pol.is counts it (agree = 1)."""
        return {"agree": 1.0, "disagree": -1.0, "pass": 0.0}[self.value]


class Statement(TimestampMixin, Base):
    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("space_id", "polis_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the live room it was added in, if any; the map is the space's either way
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    #: who added it; null for imported statements and deleted accounts
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the sentence, plain text, at most 280 characters
    text: Mapped[str] = mapped_column(String(MAX_STATEMENT_LENGTH))
    state: Mapped[StatementState] = mapped_column(
        str_enum(StatementState, "statement_state"), default=StatementState.PENDING
    )
    #: when a facilitator accepted or rejected it
    moderated_at: Mapped[datetime | None]
    #: the facilitator who did
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the Pol.is comment id of an imported statement
    polis_id: Mapped[int | None] = mapped_column(Integer)

    space: Mapped[Space] = relationship()
    room: Mapped[Room | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    def accept(self, moderator: User, now: datetime) -> None:
        self._moderate(StatementState.ACCEPTED, moderator, now)

    def reject(self, moderator: User, now: datetime) -> None:
        self._moderate(StatementState.REJECTED, moderator, now)

    def _moderate(self, state: StatementState, moderator: User, now: datetime) -> None:
        if self.state is not StatementState.PENDING:
            raise Conflict(_("This statement has already been moderated."))
        self.state = state
        self.moderated_at = now
        self.moderated_by_id = moderator.id

    def __repr__(self) -> str:
        return f"<Statement {self.id} {self.state.value}>"


class Voter(Base):
    """Someone whose votes count in a space's map: a person, or an imported Pol.is voter."""

    __tablename__ = "voter"
    __table_args__ = (
        UniqueConstraint("space_id", "user_id", name="uq_voter_space_id_user_id"),
        UniqueConstraint("space_id", "polis_id", name="uq_voter_space_id_polis_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the person; null for an imported voter
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: the Pol.is participant id of an imported voter
    polis_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User | None] = relationship()


class Vote(TimestampMixin, Base):
    """One voter's current vote on one statement; voting again changes it."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("statement_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    voter_id: Mapped[int] = mapped_column(ForeignKey("voter.id", ondelete="CASCADE"), index=True)
    choice: Mapped[Choice] = mapped_column(str_enum(Choice, "vote_choice"))
    #: when the current choice was made
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    statement: Mapped[Statement] = relationship()
    voter: Mapped[Voter] = relationship()


class OpinionMap(Base):
    """The stored clustering of one space, recomputed when its votes have changed."""

    __tablename__ = "opinion_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), unique=True)
    #: one more for every vote, import or moderation that changes what the map is built from
    revision: Mapped[int] = mapped_column(default=0)
    #: the revision the stored clustering was computed at
    computed_revision: Mapped[int | None]
    computed_at: Mapped[datetime | None]
    #: how many times it was computed
    updates: Mapped[int] = mapped_column(default=0)
    #: the k that won the latest update by silhouette
    last_k: Mapped[int | None]
    #: how many updates in a row ``last_k`` has won
    k_streak: Mapped[int] = mapped_column(default=0)
    #: the number of groups shown
    k: Mapped[int | None]
    #: every update's winning and shown k: ``[{"update", "best_k", "k", "at"}]``
    k_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: the next group number to hand out, so a group's number is never reused
    next_group_number: Mapped[int] = mapped_column(default=1)

    space: Mapped[Space] = relationship()
    groups: Mapped[list[OpinionGroup]] = relationship(
        back_populates="map", cascade="all, delete-orphan", order_by="OpinionGroup.number"
    )


class OpinionGroup(Base):
    """A group of people who vote alike; its number stays while its members mostly do."""

    __tablename__ = "opinion_group"
    __table_args__ = (UniqueConstraint("map_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_map.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … shown as "Group A", "Group B" …; never reused in a space
    number: Mapped[int]
    #: false once a recomputation found no group sharing its members
    current: Mapped[bool] = mapped_column(default=True)
    #: the representative statements of the latest computation:
    #: ``[{"statement_id", "repful_for", "n_success", "n_trials", "p_success", "repness",
    #: "repness_test"}]``
    representative: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    map: Mapped[OpinionMap] = relationship(back_populates="groups")


class Placement(Base):
    """Where one voter sits on the map, and in which group (none while too few votes)."""

    __tablename__ = "opinion_placement"
    __table_args__ = (UniqueConstraint("map_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_map.id", ondelete="CASCADE"), index=True
    )
    voter_id: Mapped[int] = mapped_column(ForeignKey("voter.id", ondelete="CASCADE"), index=True)
    #: projection on the first and second principal components
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("opinion_group.id", ondelete="SET NULL"), index=True
    )


class Bridging(Base):
    """A statement's group-informed consensus in the latest computation."""

    __tablename__ = "opinion_bridging"
    __table_args__ = (UniqueConstraint("map_id", "statement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_map.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    #: product over groups of (agrees + 1) / (votes + 2)
    score: Mapped[float] = mapped_column(Float)
