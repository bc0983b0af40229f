"""Calls for input, the contributions that answer them, and the themes they are grouped into.

A call's state is never stored: it follows from the clock and a few stored facts
(``published_at``, ``opens_at``, ``closes_at``, ``synthesised_at``), so opening and
closing need no scheduled job and every server process agrees on it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces.models import Space


class CallState(enum.StrEnum):
    #: only the author and the space's facilitators see it
    DRAFT = "draft"
    #: published, but the opening time has not come yet
    SCHEDULED = "scheduled"
    #: organisations in the audience may answer
    OPEN = "open"
    #: past the closing time; contributions are frozen and can be synthesised
    CLOSED = "closed"
    #: a facilitator grouped the contributions into themes and finished
    SYNTHESISED = "synthesised"


class Attribution(enum.StrEnum):
    #: the person and the organisation are shown
    NAMED = "named"
    #: only the organisation is shown
    ORGANISATION = "organisation"
    #: neither the person nor the organisation is shown
    ANONYMOUS = "anonymous"

    def narrowest(self, other: Attribution) -> Attribution:
        """Of two choices, the one that shows less: an organisation that withdrew a name
        withdrew it from what it said before too, and a name given later is not one
        the earlier author gave."""
        order = (Attribution.NAMED, Attribution.ORGANISATION, Attribution.ANONYMOUS)
        return max(self, other, key=order.index)


class Call(TimestampMixin, Base):
    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the person who wrote the call
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the government or IO the call is posted for; null when a facilitator posts it
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    #: background for the questions (Markdown, sanitised when shown)
    context: Mapped[str] = mapped_column(Text, default="")
    #: from when organisations may answer (UTC)
    opens_at: Mapped[datetime]
    #: until when organisations may answer (UTC); after it nothing changes
    closes_at: Mapped[datetime]
    #: organisation kinds that may answer, e.g. ``["diaspora", "civil_society"]``
    audience_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: corridor, origin side: ISO 3166 alpha-2 the answering organisation must come from
    corridor_origin: Mapped[str | None] = mapped_column(String(2))
    #: corridor, residence side: ISO 3166 alpha-2 the answering organisation must be based in
    corridor_residence: Mapped[str | None] = mapped_column(String(2))
    #: when the author or a facilitator published it; null while it is a draft
    published_at: Mapped[datetime | None]
    #: when a facilitator finished the synthesis
    synthesised_at: Mapped[datetime | None]
    #: when the audience was told the call is open; set once
    opened_notified_at: Mapped[datetime | None]
    #: when the deadline reminder went out; set once
    reminder_sent_at: Mapped[datetime | None]
    #: when the author and facilitators were told the call closed; set once
    closed_notified_at: Mapped[datetime | None]
    #: last change of the call's own fields
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    space: Mapped[Space] = relationship()
    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    questions: Mapped[list[CallQuestion]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallQuestion.position"
    )
    targets: Mapped[list[CallTarget]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallTarget.code"
    )

    @property
    def sdg_targets(self) -> list[str]:
        return [target.code for target in self.targets]

    def state_at(self, now: datetime) -> CallState:
        if self.published_at is None:
            return CallState.DRAFT
        if self.synthesised_at is not None:
            return CallState.SYNTHESISED
        if now < self.opens_at:
            return CallState.SCHEDULED
        if now < self.closes_at:
            return CallState.OPEN
        return CallState.CLOSED

    @property
    def state(self) -> CallState:
        return self.state_at(utcnow())

    def publish(self, now: datetime) -> None:
        if self.state_at(now) is not CallState.DRAFT:
            raise Conflict(_("This call is already published."))
        if self.closes_at <= now:
            raise Conflict(_("The closing time has passed; move it before publishing."))
        self.published_at = now

    def require_open(self, now: datetime) -> None:
        state = self.state_at(now)
        if state in (CallState.DRAFT, CallState.SCHEDULED):
            raise Conflict(_("This call is not open yet."))
        if state is not CallState.OPEN:
            raise Conflict(_("This call is closed; contributions can no longer change."))

    def require_synthesisable(self, now: datetime) -> None:
        """Themes are built only between closing and the end of the synthesis."""
        state = self.state_at(now)
        if state is CallState.SYNTHESISED:
            raise Conflict(_("The synthesis of this call is finished."))
        if state is not CallState.CLOSED:
            raise Conflict(_("Contributions can be synthesised only after the call closes."))

    def mark_synthesised(self, now: datetime) -> None:
        self.require_synthesisable(now)
        self.synthesised_at = now

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.title!r}>"


class CallQuestion(Base):
    __tablename__ = "call_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … in the order the author wrote them
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    call: Mapped[Call] = relationship(back_populates="questions")


class CallTarget(Base):
    """An SDG target a call is tagged with, one row each so calls can be filtered by it."""

    __tablename__ = "call_target"
    __table_args__ = (UniqueConstraint("call_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    #: SDG target code, e.g. "10.c"
    code: Mapped[str] = mapped_column(String(8), index=True)

    call: Mapped[Call] = relationship(back_populates="targets")


class Contribution(TimestampMixin, Base):
    """The one current answer of an organisation to a call; earlier versions are kept apart."""

    __tablename__ = "contribution"
    __table_args__ = (UniqueConstraint("call_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: the member who saved the current version
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    attribution: Mapped[Attribution] = mapped_column(
        str_enum(Attribution, "contribution_attribution")
    )
    #: 1 for the first save, one more for each edit
    version: Mapped[int] = mapped_column(default=1)
    #: when the current version was saved
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set when a facilitator hid it; hidden contributions are shown to facilitators only
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    call: Mapped[Call] = relationship()
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answers: Mapped[list[ContributionAnswer]] = relationship(
        back_populates="contribution",
        cascade="all, delete-orphan",
        order_by="ContributionAnswer.id",
    )
    versions: Mapped[list[ContributionVersion]] = relationship(
        back_populates="contribution",
        cascade="all, delete-orphan",
        order_by="ContributionVersion.version",
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def answer_to(self, question_id: int) -> str:
        for answer in self.answers:
            if answer.question_id == question_id:
                return answer.text
        return ""

    @property
    def full_text(self) -> str:
        return "\n\n".join(answer.text for answer in self.answers)


class ContributionAnswer(Base):
    __tablename__ = "contribution_answer"
    __table_args__ = (UniqueConstraint("contribution_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("call_question.id", ondelete="CASCADE"))
    #: plain text as the member wrote it
    text: Mapped[str] = mapped_column(Text)

    contribution: Mapped[Contribution] = relationship(back_populates="answers")
    question: Mapped[CallQuestion] = relationship()


class ContributionVersion(Base):
    """A snapshot of every saved version, so edits never lose what was said before."""

    __tablename__ = "contribution_version"
    __table_args__ = (UniqueConstraint("contribution_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), index=True
    )
    #: the contribution's version number this snapshot holds
    version: Mapped[int]
    #: the member who saved this version
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    attribution: Mapped[Attribution] = mapped_column(
        str_enum(Attribution, "contribution_version_attribution")
    )
    #: ``[{"question_id": 1, "text": "…"}, …]`` as saved
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: when this version was saved
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


class ContributionReport(TimestampMixin, Base):
    """Somebody taking part flagged a contribution for the facilitators."""

    __tablename__ = "contribution_report"
    __table_args__ = (UniqueConstraint("contribution_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: why, in the reporter's words
    reason: Mapped[str] = mapped_column(Text)
    #: when a facilitator hid or restored the contribution after this report
    resolved_at: Mapped[datetime | None]

    contribution: Mapped[Contribution] = relationship()


class Theme(TimestampMixin, Base):
    """A group of contributions a facilitator agreed on, cited later by recommendations."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the words that tied the proposed group, kept to explain where the theme came from
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    call: Mapped[Call] = relationship()
    links: Mapped[list[ThemeContribution]] = relationship(
        back_populates="theme", cascade="all, delete-orphan", order_by="ThemeContribution.id"
    )

    @property
    def contribution_ids(self) -> list[int]:
        return sorted(link.contribution_id for link in self.links)


class ThemeContribution(Base):
    """A contribution belongs to at most one theme of its call."""

    __tablename__ = "theme_contribution"
    __table_args__ = (UniqueConstraint("contribution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"))

    theme: Mapped[Theme] = relationship(back_populates="links")
    contribution: Mapped[Contribution] = relationship()
