"""Organisations and the people who belong to them."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict


class OrganisationKind(enum.StrEnum):
    DIASPORA = "diaspora"
    GOVERNMENT = "government"
    IO = "io"
    CIVIL_SOCIETY = "civil_society"
    PRIVATE_SECTOR = "private_sector"
    ACADEMIA = "academia"


class Bloc(enum.StrEnum):
    """The stakeholder group an organisation counts in when balance is measured."""

    DIASPORA = "diaspora"
    GOVERNMENT = "government"
    IO = "io"
    OTHER = "other"


#: the longest slug an organisation's address may have (its column's width)
SLUG_MAX_LENGTH = 80

BLOC_OF_KIND = {
    OrganisationKind.DIASPORA: Bloc.DIASPORA,
    OrganisationKind.GOVERNMENT: Bloc.GOVERNMENT,
    OrganisationKind.IO: Bloc.IO,
}


class Role(enum.StrEnum):
    MEMBER = "member"
    LIAISON = "liaison"
    DELEGATE = "delegate"
    ADMIN = "admin"


class MembershipStatus(enum.StrEnum):
    #: an organisation admin invited the person; they have not accepted yet
    INVITED = "invited"
    #: the person asked to join; an organisation admin has not decided yet
    REQUESTED = "requested"
    ACTIVE = "active"


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, unique
    slug: Mapped[str] = mapped_column(String(SLUG_MAX_LENGTH), unique=True)
    #: full name, e.g. "Association des Sénégalais de France"
    name: Mapped[str] = mapped_column(String(200))
    #: short name, e.g. "ASF"
    acronym: Mapped[str | None] = mapped_column(String(30))
    #: what sort of organisation it is; decides its bloc
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"))
    #: what the organisation does (Markdown, sanitised when shown)
    description: Mapped[str] = mapped_column(Text, default="")
    #: http(s) address of its own site
    website: Mapped[str | None] = mapped_column(String(300))
    #: ISO 3166 alpha-2; for diaspora organisations the country the community comes from
    country_of_origin: Mapped[str | None] = mapped_column(String(2))
    #: ISO 3166 alpha-2; where the organisation is based
    country_of_residence: Mapped[str | None] = mapped_column(String(2))
    #: further ISO 3166 alpha-2 codes it works in
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: when a platform admin verified it; unverified organisations cannot act for themselves
    verified_at: Mapped[datetime | None]
    #: the platform admin who verified it
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the person who registered it on the platform
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def bloc(self) -> Bloc:
        return BLOC_OF_KIND.get(self.kind, Bloc.OTHER)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def mark_verified(self, by: User) -> None:
        """Verifying twice would overwrite who vouched for it first."""
        if self.is_verified:
            raise Conflict(_("%(org)s is verified already.", org=self.name))
        self.verified_at = utcnow()
        self.verified_by_id = by.id

    def withdraw_verification(self) -> None:
        if not self.is_verified:
            raise Conflict(_("%(org)s is not verified.", org=self.name))
        self.verified_at = None
        self.verified_by_id = None

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(TimestampMixin, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the person
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: the organisation they belong to, are invited to or asked to join
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: what the person may do for the organisation once active
    role: Mapped[Role] = mapped_column(str_enum(Role, "membership_role"), default=Role.MEMBER)
    #: invited, requested or active
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"), default=MembershipStatus.ACTIVE
    )
    #: who invited the person or accepted their request
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def is_active(self) -> bool:
        return self.status is MembershipStatus.ACTIVE

    def accept_invitation(self) -> None:
        """The invitee says yes; ``decided_by_id`` keeps the admin who invited them."""
        if self.status is not MembershipStatus.INVITED:
            raise Conflict(_("There is no open invitation to accept."))
        self.status = MembershipStatus.ACTIVE

    def accept_request(self, by: User) -> None:
        if self.status is not MembershipStatus.REQUESTED:
            raise Conflict(_("There is no open request to join to accept."))
        self.status = MembershipStatus.ACTIVE
        self.decided_by_id = by.id
