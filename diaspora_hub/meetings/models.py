"""Meetings: scheduled convenings in a space, their agenda, registrations and calendars.

A meeting stores its state (``scheduled → live → ended``, or ``cancelled``) and moves
only through the guarded transitions below. A scheduled meeting whose start time has
passed reads as live at once (``state_at``), even before the job that opens its room
stores the change, so every page agrees with the clock.
"""

from __future__ import annotations

import enum
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import Base, TimestampMixin, str_enum, utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.live.models import Room
from diaspora_hub.organisations.models import Bloc, Organisation
from diaspora_hub.spaces.models import Space


class MeetingState(enum.StrEnum):
    #: announced; people register; the room is not open yet
    SCHEDULED = "scheduled"
    #: the room is open (at the start time, or earlier by a facilitator)
    LIVE = "live"
    #: a facilitator ended it; its room is read-only
    ENDED = "ended"
    #: called off before it ended; calendars show it cancelled
    CANCELLED = "cancelled"


class MeetingMode(enum.StrEnum):
    #: speakers are attributed
    OPEN = "open"
    #: what is said may be used, nobody is attributed
    CHATHAM_HOUSE = "chatham_house"


class RegistrationPolicy(enum.StrEnum):
    #: a registration with a free place is approved at once
    OPEN = "open"
    #: a facilitator approves or declines each registration
    APPROVAL = "approval"


class RegistrationStatus(enum.StrEnum):
    #: waits for a facilitator's decision; holds a place meanwhile
    PENDING = "pending"
    #: has a place
    APPROVED = "approved"
    #: on the waiting list, in order of ``queued_at``; holds no place
    WAITING = "waiting"
    #: a facilitator said no
    DECLINED = "declined"
    #: the person withdrew
    CANCELLED = "cancelled"


#: registrations that hold a place in the meeting
HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)
#: registrations that still count (a person with one cannot register again)
ACTIVE = (*HOLDING, RegistrationStatus.WAITING)


class Meeting(TimestampMixin, Base):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_state_starts_at", "state", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the issue space the meeting belongs to; its visibility and facilitators apply
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    #: the live room the meeting owns, created with it
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), unique=True)
    #: the facilitator who scheduled it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    #: what the meeting is for (Markdown, sanitised when shown)
    description: Mapped[str] = mapped_column(Text, default="")
    #: start (UTC)
    starts_at: Mapped[datetime]
    #: end (UTC), after the start
    ends_at: Mapped[datetime]
    #: the IANA zone the times were entered in; calendars carry it as TZID
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    mode: Mapped[MeetingMode] = mapped_column(
        str_enum(MeetingMode, "meeting_mode"), default=MeetingMode.OPEN
    )
    #: at most this many places in all; None: no limit beyond the categories'
    capacity: Mapped[int | None]
    registration: Mapped[RegistrationPolicy] = mapped_column(
        str_enum(RegistrationPolicy, "meeting_registration"), default=RegistrationPolicy.OPEN
    )
    #: https link to the call on any video provider; Jitsi links are embedded
    video_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[MeetingState] = mapped_column(
        str_enum(MeetingState, "meeting_state"), default=MeetingState.SCHEDULED
    )
    #: iCalendar SEQUENCE: one more at every change a calendar must pick up
    sequence: Mapped[int] = mapped_column(default=0)
    #: when the room opened
    opened_at: Mapped[datetime | None]
    #: when a facilitator ended it
    ended_at: Mapped[datetime | None]
    #: when a facilitator cancelled it
    cancelled_at: Mapped[datetime | None]
    #: when the reminder a day before went out; cleared when the meeting moves
    day_reminder_sent_at: Mapped[datetime | None]
    #: when the reminder a quarter of an hour before went out; cleared when it moves
    soon_reminder_sent_at: Mapped[datetime | None]
    #: last change of the meeting's own fields
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    space: Mapped[Space] = relationship()
    room: Mapped[Room] = relationship()
    created_by: Mapped[User | None] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    categories: Mapped[list[RegistrationCategory]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="RegistrationCategory.position",
    )

    @property
    def is_chatham_house(self) -> bool:
        return self.mode is MeetingMode.CHATHAM_HOUSE

    @property
    def uid(self) -> str:
        """The iCalendar UID, the same through every change."""
        return f"meeting-{self.id}@diaspora-hub"

    def state_at(self, now: datetime) -> MeetingState:
        if self.state is MeetingState.SCHEDULED and now >= self.starts_at:
            return MeetingState.LIVE
        return self.state

    def require_scheduled(self, now: datetime) -> None:
        """Registration, rescheduling and the agenda change only before the start."""
        state = self.state_at(now)
        if state is MeetingState.CANCELLED:
            raise Conflict(_("This meeting is cancelled."))
        if state is not MeetingState.SCHEDULED:
            raise Conflict(_("This meeting has started; that can no longer change."))

    def go_live(self, now: datetime) -> None:
        if self.state is not MeetingState.SCHEDULED:
            raise Conflict(_("Only a scheduled meeting can open."))
        self.state = MeetingState.LIVE
        self.opened_at = now

    def end(self, now: datetime) -> None:
        if self.state_at(now) is not MeetingState.LIVE:
            raise Conflict(_("Only a meeting under way can end."))
        if self.opened_at is None:
            self.opened_at = self.starts_at
        self.state = MeetingState.ENDED
        self.ended_at = now

    def cancel(self, now: datetime) -> None:
        if self.state in (MeetingState.ENDED, MeetingState.CANCELLED):
            raise Conflict(_("An ended or cancelled meeting cannot be cancelled."))
        self.state = MeetingState.CANCELLED
        self.cancelled_at = now
        self.sequence += 1

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class AgendaItem(Base):
    __tablename__ = "meeting_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … in order
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: the time box in minutes
    minutes: Mapped[int | None]
    #: who leads the item, as written (a person, an organisation, "the chair")
    owner: Mapped[str] = mapped_column(String(120), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class RegistrationCategory(Base):
    """A kind of place (delegate, observer, press …) with its own capacity."""

    __tablename__ = "meeting_registration_category"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … as the facilitator listed them
    position: Mapped[int]
    #: stable short name used in the API, e.g. ``delegate``
    key: Mapped[str] = mapped_column(String(40))
    #: what people see, e.g. "Delegate"
    label: Mapped[str] = mapped_column(String(80))
    #: places in this category; None: limited only by the meeting's capacity
    capacity: Mapped[int | None]
    #: registrations in it are made by delegates on behalf of their organisation
    for_organisations: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="categories")


class Registration(TimestampMixin, Base):
    """A person's place (or, for delegates, their organisation's) in one meeting."""

    __tablename__ = "meeting_registration"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_meeting_registration_meeting_id_status", "meeting_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    #: the person who takes the place
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_registration_category.id", ondelete="CASCADE")
    )
    #: the organisation a delegate registered for; null when a person registers for themselves
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "meeting_registration_status")
    )
    #: when the person (last) registered; orders the waiting list
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when a facilitator approved or declined, or the waiting list gave it a place
    decided_at: Mapped[datetime | None]
    #: the facilitator who decided
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    category: Mapped[RegistrationCategory] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING

    def approve(self, now: datetime, by: User) -> None:
        if self.status is not RegistrationStatus.PENDING:
            raise Conflict(_("Only a registration waiting for approval can be approved."))
        self.status = RegistrationStatus.APPROVED
        self.decided_at, self.decided_by_id = now, by.id

    def decline(self, now: datetime, by: User) -> None:
        if self.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITING):
            raise Conflict(_("Only a pending or waiting registration can be declined."))
        self.status = RegistrationStatus.DECLINED
        self.decided_at, self.decided_by_id = now, by.id

    def withdraw(self) -> None:
        if self.status not in ACTIVE:
            raise Conflict(_("This registration is not active."))
        self.status = RegistrationStatus.CANCELLED


class CalendarToken(TimestampMixin, Base):
    """A person's private calendar feed address; only its hash is kept."""

    __tablename__ = "meeting_calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: sha256 of the token in the address
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: first characters, so the person recognises which address this is
    prefix: Mapped[str] = mapped_column(String(12))
    #: when the person revoked it; a revoked address answers 404
    revoked_at: Mapped[datetime | None]


class WorkingHours(Base):
    """When a person's working day runs, in their own time zone, for finding slots."""

    __tablename__ = "meeting_working_hours"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    #: local start of the working day
    starts: Mapped[time]
    #: local end of the working day, after the start
    ends: Mapped[time]


class Attendance(Base):
    """A person's time in the meeting's room, sampled from room presence once a minute."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: the bloc the person counted in in the room
    bloc: Mapped[Bloc] = mapped_column(str_enum(Bloc, "meeting_attendance_bloc"))
    #: when they first joined the room
    joined_at: Mapped[datetime]
    #: the last minute they were seen in it (left at or soon after)
    last_seen_at: Mapped[datetime]
    #: minutes in which they were present
    minutes: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class Minutes(Base):
    """The record of a meeting: one current text, every saved version kept apart."""

    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), unique=True
    )
    #: Markdown, sanitised when shown
    body: Mapped[str] = mapped_column(Text)
    #: 1 for the first save, one more for each edit
    version: Mapped[int] = mapped_column(default=1)
    #: when a facilitator published them to the space; null while a draft
    published_at: Mapped[datetime | None]
    #: when the current version was saved
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[MinutesVersion]] = relationship(
        cascade="all, delete-orphan", order_by="MinutesVersion.version"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class MinutesVersion(Base):
    __tablename__ = "meeting_minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_minutes.id", ondelete="CASCADE"), index=True
    )
    #: the version number this snapshot holds
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    #: the facilitator who saved it
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: when it was saved
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(TimestampMixin, Base):
    """A participant's short rating and comment; facilitators read them unattributed."""

    __tablename__ = "meeting_feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: 1 (poor) to 5 (excellent)
    rating: Mapped[int]
    #: plain text, may be empty
    comment: Mapped[str] = mapped_column(Text, default="")


class Level(enum.StrEnum):
    """What a person says they are, for events that accredit only some (self-declared)."""

    DOCTORAL = "doctoral"
    PROFESSIONAL = "professional"
    STUDENT = "student"
    COMMUNITY = "community"


class NominationStatus(enum.StrEnum):
    #: an organisation put the person forward; counts against its quota
    NOMINATED = "nominated"
    #: a facilitator accepted; counts against the quota
    APPROVED = "approved"
    #: a facilitator said no; frees the place in the quota
    DECLINED = "declined"
    #: the organisation took it back; frees the place in the quota
    WITHDRAWN = "withdrawn"


#: nominations that use an organisation's quota
QUOTA_USED = (NominationStatus.NOMINATED, NominationStatus.APPROVED)


class OutsideEvent(TimestampMixin, Base):
    """A meeting the platform does not run (a UN, IMF or World Bank event) that it may
    nominate participants to, within a quota per organisation."""

    __tablename__ = "outside_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    #: who runs it, e.g. "World Bank Group"
    host: Mapped[str] = mapped_column(String(200))
    #: what it is (Markdown, sanitised when shown)
    description: Mapped[str] = mapped_column(Text, default="")
    #: where it takes place, or its address online
    location: Mapped[str] = mapped_column(String(300), default="")
    #: start and end (UTC)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: after this moment (UTC) interest and nominations no longer change
    nominations_close_at: Mapped[datetime]
    #: people each organisation may nominate
    quota: Mapped[int]
    #: organisation kinds that may nominate, e.g. ``["diaspora"]``
    eligible_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: levels a nominee must have declared, e.g. ``["doctoral", "professional"]``
    eligible_levels: Mapped[list[str]] = mapped_column(JSON, default=list)

    space: Mapped[Space] = relationship()

    def require_open(self, now: datetime) -> None:
        if now >= self.nominations_close_at:
            raise Conflict(_("Nominations for this event have closed."))


class OutsideInterest(TimestampMixin, Base):
    """A member says they would like to go, for one of their organisations."""

    __tablename__ = "outside_event_interest"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outside_event.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    #: the level the person declared
    level: Mapped[Level] = mapped_column(str_enum(Level, "outside_interest_level"))
    #: why they want to go, in their words (plain text)
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Nomination(TimestampMixin, Base):
    __tablename__ = "outside_event_nomination"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outside_event.id", ondelete="CASCADE"), index=True
    )
    #: the organisation nominating, whose quota it uses
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: the person nominated
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: the level the person declared when showing interest
    level: Mapped[Level] = mapped_column(str_enum(Level, "outside_nomination_level"))
    status: Mapped[NominationStatus] = mapped_column(
        str_enum(NominationStatus, "outside_nomination_status"), default=NominationStatus.NOMINATED
    )
    #: the delegate or admin who nominated
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: when a facilitator decided, and who
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    event: Mapped[OutsideEvent] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()

    def decide(self, approve: bool, now: datetime, by: User) -> None:
        if self.status is not NominationStatus.NOMINATED:
            raise Conflict(_("Only a nomination waiting for a decision can be decided."))
        self.status = NominationStatus.APPROVED if approve else NominationStatus.DECLINED
        self.decided_at, self.decided_by_id = now, by.id
