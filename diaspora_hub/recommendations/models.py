"""Recommendations of a space, their versions, amendments, sources and endorsements.

A recommendation's lifecycle is ``draft → consultation → adopted | withdrawn``, stored as a
state and moved only through the guarded methods below. An adopted recommendation changes
only through a new version, which opens a new consultation *round*: endorsements belong
to one round, and the tally of a round is frozen when it is adopted or withdrawn.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Contribution, Theme
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.live.models import Room, RoomEvent
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.recommendations.consensus import Position, Scope, Weighting
from diaspora_hub.spaces.models import Space


class RecommendationState(enum.StrEnum):
    #: only the space's facilitators see it
    DRAFT = "draft"
    #: verified participating organisations endorse it until ``closes_at``
    CONSULTATION = "consultation"
    #: the facilitators adopted it; its tally is frozen
    ADOPTED = "adopted"
    #: the facilitators withdrew it; its tally is frozen; nothing changes any more
    WITHDRAWN = "withdrawn"


class AmendmentState(enum.StrEnum):
    PROPOSED = "proposed"
    #: a facilitator accepted it and it became a version
    ACCEPTED = "accepted"
    #: a facilitator rejected it, with a reason
    REJECTED = "rejected"


class SourceKind(enum.StrEnum):
    #: a theme of a synthesised call for input
    THEME = "theme"
    #: a contribution to a closed call for input
    CONTRIBUTION = "contribution"
    #: a chat message of a live room
    MESSAGE = "message"
    #: the results of a closed live poll
    POLL = "poll"
    #: a Q&A question answered in a live room
    QUESTION = "question"


#: source kinds that point at a room event
ROOM_SOURCES = frozenset({SourceKind.MESSAGE, SourceKind.POLL, SourceKind.QUESTION})


class RecommendationSettings(Base):
    """A space's consensus rule; a space without a row uses the defaults of ``Rule``."""

    __tablename__ = "recommendation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the space the rule applies to, one row per space
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), unique=True)
    #: smallest support share that passes, as a fraction: numerator …
    min_support_num: Mapped[int] = mapped_column(default=3)
    #: … and denominator (3/5 = 60 %)
    min_support_den: Mapped[int] = mapped_column(default=5)
    #: organisations a bloc needs (positions taken) before it counts
    min_organisations: Mapped[int] = mapped_column(default=2)
    #: blocs that must count before a recommendation can be cross-bloc supported
    min_blocs: Mapped[int] = mapped_column(default=2)
    #: whether every counting bloc, or the blocs overall, must reach the threshold
    scope: Mapped[Scope] = mapped_column(
        str_enum(Scope, "recommendation_rule_scope"), default=Scope.EVERY_BLOC
    )
    #: how blocs weigh in the overall share
    weighting: Mapped[Weighting] = mapped_column(
        str_enum(Weighting, "recommendation_rule_weighting"), default=Weighting.EQUAL
    )
    #: share of a bloc's organisations whose opposition blocks: numerator (null: never) …
    block_num: Mapped[int | None]
    #: … and denominator (1/3)
    block_den: Mapped[int | None]
    #: tallies are shown only once the consultation closes, so no bloc reacts mid-vote
    hide_tallies: Mapped[bool] = mapped_column(default=False)
    #: last change and who made it
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class Recommendation(TimestampMixin, Base):
    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the current version's title
    title: Mapped[str] = mapped_column(String(200))
    #: the current version's text (Markdown, sanitised when shown)
    text: Mapped[str] = mapped_column(Text)
    #: why the space recommends it (Markdown, sanitised when shown)
    rationale: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[RecommendationState] = mapped_column(
        str_enum(RecommendationState, "recommendation_state"), default=RecommendationState.DRAFT
    )
    #: the current version's number, 1 for the first draft
    version: Mapped[int] = mapped_column(default=1)
    #: consultation rounds so far; 0 while a draft never opened
    round: Mapped[int] = mapped_column(default=0)
    #: when the current round opened
    opened_at: Mapped[datetime | None]
    #: until when organisations may endorse in the current round (UTC)
    closes_at: Mapped[datetime | None]
    #: when it was adopted or withdrawn
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: why it was withdrawn, or a note on the adoption
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: when the "closes tomorrow" reminder of the current round went out; set once per round
    reminder_sent_at: Mapped[datetime | None]
    #: the facilitator who drafted it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: last change of its own fields
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    space: Mapped[Space] = relationship()
    targets: Mapped[list[RecommendationTarget]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="RecommendationTarget.id",
    )
    versions: Mapped[list[RecommendationVersion]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="RecommendationVersion.version",
        foreign_keys="RecommendationVersion.recommendation_id",
    )

    @property
    def target_organisations(self) -> list[Organisation]:
        return [target.organisation for target in self.targets]

    def is_open_at(self, now: datetime) -> bool:
        """Endorsements are taken only here: in consultation and before the close."""
        return (
            self.state is RecommendationState.CONSULTATION
            and self.closes_at is not None
            and now < self.closes_at
        )

    def consultation_closed_at(self, now: datetime) -> bool:
        """The round is over: past its close, or decided."""
        if self.state in (RecommendationState.ADOPTED, RecommendationState.WITHDRAWN):
            return True
        return self.state is RecommendationState.CONSULTATION and not self.is_open_at(now)

    def require_editable(self) -> None:
        if self.state is RecommendationState.WITHDRAWN:
            raise Conflict(_("This recommendation was withdrawn; it no longer changes."))

    def open_consultation(self, now: datetime, closes_at: datetime) -> None:
        """Start a round: from a draft, or from an adopted recommendation's new version."""
        if self.state not in (RecommendationState.DRAFT, RecommendationState.ADOPTED):
            raise Conflict(_("Only a draft or a revised adopted recommendation opens."))
        if closes_at <= now:
            raise Conflict(_("The consultation must close in the future."))
        self.state = RecommendationState.CONSULTATION
        self.round += 1
        self.opened_at = now
        self.closes_at = closes_at
        self.decided_at = None
        self.decided_by_id = None
        self.decision_note = ""
        self.reminder_sent_at = None

    def adopt(self, now: datetime, by: User, note: str) -> None:
        if self.state is not RecommendationState.CONSULTATION:
            raise Conflict(_("Only a recommendation under consultation can be adopted."))
        self._decide(RecommendationState.ADOPTED, now, by, note)

    def withdraw(self, now: datetime, by: User, note: str) -> None:
        if self.state not in (RecommendationState.DRAFT, RecommendationState.CONSULTATION):
            raise Conflict(_("Only a draft or a recommendation under consultation is withdrawn."))
        self._decide(RecommendationState.WITHDRAWN, now, by, note)

    def _decide(self, state: RecommendationState, now: datetime, by: User, note: str) -> None:
        self.state = state
        self.decided_at = now
        self.decided_by_id = by.id
        self.decision_note = note
        if self.closes_at is not None and self.closes_at > now:
            self.closes_at = now

    def __repr__(self) -> str:
        return f"<Recommendation {self.id} {self.title!r}>"


class RecommendationTarget(Base):
    """An international organisation the recommendation is addressed to."""

    __tablename__ = "recommendation_target"
    __table_args__ = (UniqueConstraint("recommendation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    #: an organisation of kind ``io``
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))

    recommendation: Mapped[Recommendation] = relationship(back_populates="targets")
    organisation: Mapped[Organisation] = relationship()


class RecommendationVersion(Base):
    """Every saved wording, so each edit can be read and compared with the one before."""

    __tablename__ = "recommendation_version"
    __table_args__ = (UniqueConstraint("recommendation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … in the order they were saved
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown as saved
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    #: the consultation round this version was saved in (0: before the first)
    round: Mapped[int] = mapped_column(default=0)
    #: who saved it: the facilitator, or whoever proposed the accepted amendment
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the accepted amendment this version comes from, if any
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendment.id", ondelete="SET NULL")
    )
    #: what changed and why, in the editor's words
    note: Mapped[str] = mapped_column(Text, default="")
    #: when it was saved
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(
        back_populates="versions", foreign_keys=[recommendation_id]
    )
    author: Mapped[User | None] = relationship()


class Amendment(TimestampMixin, Base):
    """A change to the text proposed by a participant, decided by a facilitator."""

    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    #: the participant who proposed it
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the version it was written against
    base_version: Mapped[int]
    #: the whole text as the proposer would have it (Markdown)
    text: Mapped[str] = mapped_column(Text)
    #: why, in the proposer's words
    explanation: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[AmendmentState] = mapped_column(
        str_enum(AmendmentState, "amendment_state"), default=AmendmentState.PROPOSED
    )
    #: the facilitator who accepted or rejected it, when, and why
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    #: the version an accepted amendment became
    resulting_version: Mapped[int | None]

    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def accept(self, now: datetime, by: User, reason: str, version: int) -> None:
        self._decide(AmendmentState.ACCEPTED, now, by, reason)
        self.resulting_version = version

    def reject(self, now: datetime, by: User, reason: str) -> None:
        self._decide(AmendmentState.REJECTED, now, by, reason)

    def _decide(self, state: AmendmentState, now: datetime, by: User, reason: str) -> None:
        if self.state is not AmendmentState.PROPOSED:
            raise Conflict(_("This amendment was decided already."))
        self.state = state
        self.decided_at = now
        self.decided_by_id = by.id
        self.decision_reason = reason


class RecommendationSource(TimestampMixin, Base):
    """What a recommendation cites: exactly one of theme, contribution or room event."""

    __tablename__ = "recommendation_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "recommendation_source_kind"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE")
    )
    #: the room event of a message, a closed poll or an answered question
    room_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("room_event.id", ondelete="CASCADE")
    )
    #: why it is cited, in the facilitator's words
    note: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    theme: Mapped[Theme | None] = relationship()
    contribution: Mapped[Contribution | None] = relationship()
    room_event: Mapped[RoomEvent | None] = relationship()


class Endorsement(TimestampMixin, Base):
    """The one current position of an organisation in one round; earlier ones are kept."""

    __tablename__ = "endorsement"
    __table_args__ = (UniqueConstraint("recommendation_id", "round", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    #: the consultation round it belongs to
    round: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[Position] = mapped_column(str_enum(Position, "endorsement_position"))
    #: the reservation, the reason to oppose (required), or an optional note
    reason: Mapped[str] = mapped_column(Text, default="")
    #: the recommendation's version the position was taken on
    version: Mapped[int]
    #: the delegate, liaison or admin who gave it
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: when the current position was given
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    given_by: Mapped[User | None] = relationship()
    changes: Mapped[list[EndorsementChange]] = relationship(
        back_populates="endorsement",
        cascade="all, delete-orphan",
        order_by="EndorsementChange.id",
    )


class EndorsementChange(Base):
    """Every position an organisation gave, in order: the history of its endorsement."""

    __tablename__ = "endorsement_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(
        ForeignKey("endorsement.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[Position] = mapped_column(str_enum(Position, "endorsement_change_position"))
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int]
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: when it was given
    at: Mapped[datetime] = mapped_column(default=utcnow)

    endorsement: Mapped[Endorsement] = relationship(back_populates="changes")
    given_by: Mapped[User | None] = relationship()


class RecommendationComment(TimestampMixin, Base):
    """A remark by an individual, in their own name; it is not an endorsement."""

    __tablename__ = "recommendation_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: plain text as written
    body: Mapped[str] = mapped_column(Text)
    #: the version commented on
    version: Mapped[int]

    author: Mapped[User | None] = relationship()


class FrozenTally(Base):
    """The tally of a round as it stood when the round was adopted or withdrawn."""

    __tablename__ = "recommendation_tally"
    __table_args__ = (UniqueConstraint("recommendation_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int]
    #: adopted or withdrawn
    decision: Mapped[RecommendationState] = mapped_column(
        str_enum(RecommendationState, "recommendation_tally_decision")
    )
    #: the version decided on
    version: Mapped[int]
    #: ``consensus.freeze`` of the tally: rule, blocs, outcome, findings
    tally: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: when it was frozen
    frozen_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomScreen(Base):
    """The recommendation a live room shows on its screen, whose bars move as organisations
    endorse during the meeting."""

    __tablename__ = "recommendation_room_screen"

    #: the room; it shows one recommendation at a time
    room_id: Mapped[int] = mapped_column(
        ForeignKey("room.id", ondelete="CASCADE"), primary_key=True
    )
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    #: when and by whom it was put on screen
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    shown_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    room: Mapped[Room] = relationship()
