"""Issue spaces and what belongs to them directly."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.organisations.models import Organisation


class Visibility(enum.StrEnum):
    #: anyone, even without an account, sees the space
    PUBLIC = "public"
    #: people in a participating organisation, facilitators and admins
    MEMBERS = "members"
    #: only people invited by name, facilitators and admins
    INVITE = "invite"


class Phase(enum.StrEnum):
    """Partnership phases; a space moves one step forward or back at a time."""

    EXPLORATION = "exploration"
    BUILDING = "building"
    RUNNING = "running"
    SUSTAINING = "sustaining"


PHASE_ORDER = (Phase.EXPLORATION, Phase.BUILDING, Phase.RUNNING, Phase.SUSTAINING)


def allowed_phase_moves(current: Phase) -> tuple[Phase, ...]:
    index = PHASE_ORDER.index(current)
    return tuple(PHASE_ORDER[i] for i in (index - 1, index + 1) if 0 <= i < len(PHASE_ORDER))


class TagKind(enum.StrEnum):
    GOAL = "goal"
    TARGET = "target"
    COUNTRY = "country"
    LANGUAGE = "language"


class Space(TimestampMixin, Base):
    __tablename__ = "space"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, unique across the platform
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: what the space is about, in a line
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, sanitised when rendered
    description: Mapped[str] = mapped_column(Text, default="")
    #: who may know the space exists: public, members or invite
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "space_visibility"), default=Visibility.PUBLIC
    )
    #: partnership phase; changed only through move_to()
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "space_phase"), default=Phase.EXPLORATION)
    #: who opened the space
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: last change of the space's own fields
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tags: Mapped[list[SpaceTag]] = relationship(
        back_populates="space", cascade="all, delete-orphan", order_by="SpaceTag.id"
    )
    facilitators: Mapped[list[SpaceFacilitator]] = relationship(
        back_populates="space", cascade="all, delete-orphan"
    )
    participants: Mapped[list[SpaceOrganisation]] = relationship(
        back_populates="space", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[SpaceInvitation]] = relationship(
        back_populates="space", cascade="all, delete-orphan"
    )
    conducts: Mapped[list[CodeOfConduct]] = relationship(
        back_populates="space", cascade="all, delete-orphan", order_by="CodeOfConduct.version"
    )

    def codes(self, kind: TagKind) -> list[str]:
        return [tag.code for tag in self.tags if tag.kind is kind]

    @property
    def current_conduct(self) -> CodeOfConduct | None:
        return self.conducts[-1] if self.conducts else None

    def move_to(self, phase: Phase) -> None:
        """Partnerships mature or step back gradually; skipping a phase is refused."""
        if phase not in allowed_phase_moves(self.phase):
            raise Conflict(
                _l(
                    "A space in the %(current)s phase cannot move to %(phase)s.",
                    current=self.phase.value,
                    phase=phase.value,
                ),
                fields={"phase": [str(_l("Move one phase forward or back at a time."))]},
            )
        self.phase = phase

    def __repr__(self) -> str:
        return f"<Space {self.slug}>"


class SpaceTag(Base):
    """SDG goals and targets, countries and languages of a space, one row each, for filtering."""

    __tablename__ = "space_tag"
    __table_args__ = (
        UniqueConstraint("space_id", "kind", "code"),
        Index("ix_space_tag_kind_code", "kind", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the space tagged
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    #: goal, target, country or language
    kind: Mapped[TagKind] = mapped_column(str_enum(TagKind, "space_tag_kind"))
    #: "10" for goal 10, "10.c" for a target, "SN" for a country, "fr" for a language
    code: Mapped[str] = mapped_column(String(8))

    space: Mapped[Space] = relationship(back_populates="tags")


class SpaceFacilitator(TimestampMixin, Base):
    __tablename__ = "space_facilitator"
    __table_args__ = (UniqueConstraint("space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the space run
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the person who runs it
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)

    space: Mapped[Space] = relationship(back_populates="facilitators")
    user: Mapped[User] = relationship()


class SpaceOrganisation(TimestampMixin, Base):
    """An organisation taking part in a space; its active members see a ``members`` space."""

    __tablename__ = "space_organisation"
    __table_args__ = (UniqueConstraint("space_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the space taken part in
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the organisation taking part
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )

    space: Mapped[Space] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()


class SpaceInvitation(TimestampMixin, Base):
    """A person invited by name; the only way into an ``invite`` space besides facilitating."""

    __tablename__ = "space_invitation"
    __table_args__ = (UniqueConstraint("space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the space invited to
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the person invited
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: the facilitator or admin who invited them
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    space: Mapped[Space] = relationship(back_populates="invitations")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class CodeOfConduct(TimestampMixin, Base):
    """One version of a space's code of conduct; versions are never edited, only added."""

    __tablename__ = "code_of_conduct"
    __table_args__ = (UniqueConstraint("space_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the space it governs
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    #: 1, 2, 3 … in the order they were published
    version: Mapped[int]
    #: Markdown, sanitised when rendered
    text: Mapped[str] = mapped_column(Text)
    #: who published this version
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    space: Mapped[Space] = relationship(back_populates="conducts")


class ConductAcceptance(Base):
    """A person accepted one version of a space's code of conduct."""

    __tablename__ = "conduct_acceptance"
    __table_args__ = (UniqueConstraint("conduct_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the version accepted (so a new version needs a new acceptance)
    conduct_id: Mapped[int] = mapped_column(ForeignKey("code_of_conduct.id", ondelete="CASCADE"))
    #: the person who accepted it
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: when (UTC)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    conduct: Mapped[CodeOfConduct] = relationship()
