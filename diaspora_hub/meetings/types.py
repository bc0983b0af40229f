"""Read models and typed inputs of the meetings domain (frozen: nothing writes through them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from diaspora_hub.meetings.models import (
    Meeting,
    MeetingMode,
    MeetingState,
    Registration,
    RegistrationCategory,
    RegistrationPolicy,
)
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces.models import Space


@dataclass(frozen=True)
class AgendaEntry:
    title: str
    #: the time box in minutes
    minutes: int | None = None
    #: who leads the item
    owner: str = ""


@dataclass(frozen=True)
class CategoryEntry:
    #: short stable name, e.g. ``delegate``
    key: str
    label: str
    capacity: int | None = None
    for_organisations: bool = False


@dataclass(frozen=True)
class MeetingFields:
    """Everything a facilitator sets when scheduling or changing a meeting."""

    title: str
    starts_at: datetime
    ends_at: datetime
    #: the zone the times were entered in
    time_zone: str = "UTC"
    description: str = ""
    mode: MeetingMode = MeetingMode.OPEN
    capacity: int | None = None
    registration: RegistrationPolicy = RegistrationPolicy.OPEN
    video_url: str | None = None
    agenda: tuple[AgendaEntry, ...] = ()
    categories: tuple[CategoryEntry, ...] = ()


@dataclass(frozen=True)
class CategoryPlaces:
    category: RegistrationCategory
    #: places held (approved or pending)
    taken: int
    #: people on the waiting list
    waiting: int

    @property
    def full(self) -> bool:
        return self.category.capacity is not None and self.taken >= self.category.capacity


@dataclass(frozen=True)
class MeetingPermissions:
    """What one person may do with one meeting, so pages show the right buttons."""

    manage: bool = False
    register: bool = False
    #: organisations the person may register as a delegate for
    register_for: tuple[Organisation, ...] = ()
    open_room: bool = False
    end: bool = False
    cancel: bool = False
    edit: bool = False
    join_room: bool = False


@dataclass(frozen=True)
class MeetingOverview:
    """Everything the meeting page shows, decided for one viewer."""

    meeting: Meeting
    state: MeetingState
    can: MeetingPermissions
    places: tuple[CategoryPlaces, ...]
    #: places held in all
    taken: int
    mine: Registration | None
    #: every registration, for the facilitators only
    registrations: tuple[Registration, ...] = ()
    #: the address to embed when the video link is a Jitsi meeting
    jitsi_embed: str | None = None


@dataclass(frozen=True)
class SpaceMeetings:
    space: Space
    upcoming: tuple[Meeting, ...]
    past: tuple[Meeting, ...]
    can_schedule: bool


@dataclass(frozen=True)
class MyMeetings:
    """A person's registrations, calendar addresses and working hours."""

    registrations: tuple[Registration, ...]
    tokens: tuple[str, ...]
    hours_start: time
    hours_end: time
    #: hours the person set; False while the default applies
    hours_set: bool


@dataclass(frozen=True)
class Attendee:
    """One person whose day a slot is judged against."""

    bloc: str
    time_zone: str
    starts: time
    ends: time


@dataclass(frozen=True)
class BlocCount:
    bloc: str
    inside: int
    outside: int

    @property
    def outside_share(self) -> float:
        total = self.inside + self.outside
        return self.outside / total if total else 0.0


@dataclass(frozen=True)
class SlotCandidate:
    starts_at: datetime
    ends_at: datetime
    inside: int
    outside: int
    blocs: tuple[BlocCount, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SlotRanking:
    """Best candidates for one meeting, or the chosen slot of each meeting in a series."""

    people: int
    blocs: tuple[str, ...]
    candidates: tuple[SlotCandidate, ...]
    #: for a series: each bloc's share of person-meetings outside the working day
    series_burden: tuple[BlocCount, ...] = ()
    series: bool = False


@dataclass(frozen=True)
class BlocAttendance:
    bloc: str
    people: int
    minutes: int


@dataclass(frozen=True)
class PersonAttendance:
    name: str
    bloc: str
    joined_at: datetime
    last_seen_at: datetime
    minutes: int


@dataclass(frozen=True)
class AttendanceReport:
    """Attendance by bloc for everyone allowed; by person only where people may be named."""

    by_bloc: tuple[BlocAttendance, ...]
    people: tuple[PersonAttendance, ...] = ()
    named: bool = False


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    average: float | None
    #: how many gave each rating, 1 to 5
    ratings: tuple[int, ...]
    #: the comments, unattributed, newest first
    comments: tuple[str, ...] = ()
