"""People, their login sessions and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.core.db import Base, TimestampMixin

LANGUAGES = ("en", "fr", "es")


class User(TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, stored lower-cased so it is unique regardless of case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Argon2id hash of the password
    password_hash: Mapped[str] = mapped_column(String(255))
    #: the name other people see
    display_name: Mapped[str] = mapped_column(String(80))
    #: interface language: one of LANGUAGES
    language: Mapped[str] = mapped_column(String(5), default="en")
    #: IANA time zone in which times are shown to this person
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: platform admins verify organisations and handle reports
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: trusted by a platform admin to open issue spaces and chair them
    can_facilitate: Mapped[bool] = mapped_column(default=False)
    #: a deactivated account cannot log in or use its tokens
    is_active: Mapped[bool] = mapped_column(default=True)
    #: bumped on password change; sessions carrying an older value are void
    session_version: Mapped[int] = mapped_column(default=1)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol ---------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(TimestampMixin, Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: owner; the token acts with exactly this person's rights
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: what the owner called it, e.g. "CRM sync"
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the secret; the secret itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: first characters of the secret, so the owner can tell tokens apart
    prefix: Mapped[str] = mapped_column(String(12))
    #: last time the token authenticated a request
    last_used_at: Mapped[datetime | None]
    #: set when revoked; a revoked token never authenticates again
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginSession(TimestampMixin, Base):
    """One login in one browser; the cookie names it, so logging out ends it on the server."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: whose login this is
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the secret kept in the signed cookie; the secret itself is never stored
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: set at logout, password change or deactivation; an ended session never comes back
    revoked_at: Mapped[datetime | None]
