"""Notifications, how each person wants them delivered, and the scheduler's claims."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from diaspora_hub.core.db import Base, TimestampMixin, str_enum


class Delivery(enum.StrEnum):
    """How a person wants one kind of notification to reach them by email.

    Every notification is listed in the app whatever the delivery; ``off`` only stops email.
    """

    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"


class Notification(TimestampMixin, Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the person it is for; nobody else ever sees it
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: registered kind, e.g. ``calls.opened``; decides the delivery through preferences
    kind: Mapped[str] = mapped_column(String(80))
    #: one line, also the email subject
    title: Mapped[str] = mapped_column(String(200))
    #: plain text shown under the title and in the email
    body: Mapped[str] = mapped_column(Text, default="")
    #: path on this site the notification points to, or empty
    url: Mapped[str] = mapped_column(String(500), default="")
    #: how it was to be emailed, fixed by the person's preference when it was created
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, "notification_delivery"))
    #: when the person marked it read; null while unread
    read_at: Mapped[datetime | None]
    #: when the daily digest that covered it went out; null while it waits for one
    digested_at: Mapped[datetime | None] = mapped_column(index=True)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self, moment: datetime) -> None:
        """Reading twice keeps the first time; it is never a conflict."""
        if self.read_at is None:
            self.read_at = moment


class NotificationPreference(Base):
    __tablename__ = "notification_preference"

    #: the person who chose
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    #: registered kind the choice is about
    kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: the chosen delivery; without a row the kind's default applies
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, "notification_delivery"))


class DigestState(Base):
    """Remembers the local day of each person's last digest, so there is one per day."""

    __tablename__ = "notification_digest"

    #: the person the digest goes to
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    #: the day, in the person's own time zone, of the last digest
    last_local_date: Mapped[date]
    #: when that digest went out (UTC)
    sent_at: Mapped[datetime]


class JobRun(Base):
    """One claimed run of a scheduled job for one time slot; the unique key is the lock."""

    __tablename__ = "scheduled_job_run"
    __table_args__ = (UniqueConstraint("name", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: job name, e.g. ``notifications.daily_digest``
    name: Mapped[str] = mapped_column(String(100))
    #: the time slot the run is for: whole intervals since the Unix epoch
    slot: Mapped[int] = mapped_column(BigInteger)
    #: when the worker claimed it (UTC)
    claimed_at: Mapped[datetime]
    #: which process ran it (host:pid), to follow a run in the logs
    worker: Mapped[str] = mapped_column(String(100))
