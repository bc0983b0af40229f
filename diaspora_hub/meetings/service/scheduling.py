"""Scheduling a meeting, changing it, opening and ending its room, cancelling it.

A change a calendar must pick up (title, times, description, video link) raises the
meeting's SEQUENCE and tells everyone registered; so does a cancellation. Moving the start
clears the reminders already sent, so they go out again for the new time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import after_commit, utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, ValidationFailed
from diaspora_hub.core.timezones import is_time_zone
from diaspora_hub.live import events as live_events
from diaspora_hub.live.models import RoomMode
from diaspora_hub.live.service import Delivery, lifecycle
from diaspora_hub.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingMode,
    MeetingState,
    RegistrationCategory,
)
from diaspora_hub.meetings.service import kernel
from diaspora_hub.meetings.service.registration import fill_places
from diaspora_hub.meetings.types import AgendaEntry, CategoryEntry, MeetingFields
from diaspora_hub.spaces import service as spaces

#: a meeting lasts at least this long and at most this long
SHORTEST = timedelta(minutes=5)
LONGEST = timedelta(hours=12)
#: the category every meeting has when the facilitator names none
DEFAULT_CATEGORY = CategoryEntry(key="participant", label="Participant")
#: fields whose change a calendar must pick up
CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "description", "video_url")
_KEY = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def create_meeting(session: Session, actor: User, slug: str, *, fields: MeetingFields) -> Meeting:
    """A facilitator schedules a meeting; its room is created with it, closed until the start."""
    space = spaces.get_visible(session, actor, slug)
    spaces.require_manager(session, actor, space)
    now = utcnow()
    _check(fields, now)
    room = lifecycle.open_for_meeting(
        session,
        actor,
        slug,
        title=fields.title,
        mode=RoomMode(fields.mode.value),
        agenda=_room_agenda(fields.agenda),
        video_url=fields.video_url,
    )
    meeting = Meeting(
        space=space,
        room=room,
        created_by_id=actor.id,
        title=fields.title,
        description=fields.description,
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        time_zone=fields.time_zone,
        mode=fields.mode,
        capacity=fields.capacity,
        registration=fields.registration,
        video_url=fields.video_url or None,
    )
    meeting.agenda = _agenda(fields.agenda)
    meeting.categories = [
        _category(position, entry)
        for position, entry in enumerate(fields.categories or (DEFAULT_CATEGORY,), 1)
    ]
    session.add(meeting)
    session.flush()
    audit.record(session, actor.id, "meeting.scheduled", "meeting", meeting.id, space=space.slug)
    return meeting


def update_meeting(
    session: Session, actor: User, meeting_id: int, *, fields: MeetingFields
) -> Meeting:
    """Change a meeting before it starts; registered people hear of what calendars show."""
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    now = utcnow()
    meeting.require_scheduled(now)
    _check(fields, now)
    if fields.mode is MeetingMode.OPEN and meeting.is_chatham_house:
        raise Conflict(
            _("A Chatham House meeting cannot become open."), fields={"mode": [_("Keep it.")]}
        )
    changed = [name for name in CALENDAR_FIELDS if getattr(meeting, name) != _value(fields, name)]
    moved = fields.starts_at != meeting.starts_at
    for name in (*CALENDAR_FIELDS, "time_zone", "mode", "capacity", "registration"):
        setattr(meeting, name, _value(fields, name))
    meeting.agenda = _agenda(fields.agenda)
    _update_categories(session, meeting, fields.categories or (DEFAULT_CATEGORY,))
    if moved:
        meeting.day_reminder_sent_at = meeting.soon_reminder_sent_at = None
    lifecycle.describe(
        session,
        meeting.room,
        title=meeting.title,
        agenda=_room_agenda(fields.agenda),
        video_url=meeting.video_url,
        mode=RoomMode(meeting.mode.value),
    )
    fill_places(session, meeting, now)
    if changed:
        meeting.sequence += 1
        kernel.notify(
            session,
            kernel.registered_people(session, meeting),
            kernel.KIND_CHANGED,
            meeting,
            title=_l("“%(title)s” changed", title=meeting.title),
            body=_l("Your calendar shows the new details once it refreshes."),
        )
    session.flush()
    audit.record(session, actor.id, "meeting.updated", "meeting", meeting.id, fields=changed)
    return meeting


def cancel_meeting(session: Session, actor: User, meeting_id: int) -> Meeting:
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    now = utcnow()
    meeting.cancel(now)
    _send(session, lifecycle.end(session, actor.id, meeting.room))
    kernel.notify(
        session,
        kernel.registered_people(session, meeting),
        kernel.KIND_CANCELLED,
        meeting,
        title=_l("“%(title)s” is cancelled", title=meeting.title),
        body=_l("The meeting will not take place. Your calendar shows it cancelled."),
    )
    session.flush()
    audit.record(session, actor.id, "meeting.cancelled", "meeting", meeting.id)
    return meeting


def open_meeting(session: Session, actor: User, meeting_id: int) -> Meeting:
    """A facilitator opens the room before the start time."""
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    meeting.go_live(utcnow())
    _send(session, lifecycle.admit(session, actor.id, meeting.room))
    session.flush()
    audit.record(session, actor.id, "meeting.opened", "meeting", meeting.id)
    return meeting


def end_meeting(session: Session, actor: User, meeting_id: int) -> Meeting:
    """A facilitator ends the meeting; its room becomes read-only."""
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    now = utcnow()
    if meeting.state is MeetingState.SCHEDULED and meeting.state_at(now) is MeetingState.LIVE:
        meeting.go_live(meeting.starts_at)
    meeting.end(now)
    _send(session, lifecycle.end(session, actor.id, meeting.room))
    session.flush()
    audit.record(session, actor.id, "meeting.ended", "meeting", meeting.id)
    return meeting


def open_due_rooms(session: Session, now: datetime) -> int:
    """Open the rooms of meetings whose start time has come (the scheduler's job)."""
    due = session.scalars(
        select(Meeting)
        .where(Meeting.state == MeetingState.SCHEDULED, Meeting.starts_at <= now)
        .order_by(Meeting.id)
        .with_for_update(skip_locked=True)
    )
    opened = 0
    for meeting in due:
        meeting.go_live(meeting.starts_at)
        _send(session, lifecycle.admit(session, None, meeting.room))
        opened += 1
    session.flush()
    return opened


# Checks -----------------------------------------------------------------------------------


def _check(fields: MeetingFields, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if fields.starts_at <= now:
        errors["starts_at"] = [_("Choose a time in the future.")]
    length = fields.ends_at - fields.starts_at
    if length < SHORTEST:
        errors["ends_at"] = [_("The end must be at least five minutes after the start.")]
    elif length > LONGEST:
        errors["ends_at"] = [_("A meeting lasts at most twelve hours.")]
    if not is_time_zone(fields.time_zone):
        errors["time_zone"] = [_("Not a known time zone.")]
    if fields.video_url and not _is_https(fields.video_url):
        errors["video_url"] = [_("Give an https:// address.")]
    if fields.capacity is not None and fields.capacity < 1:
        errors["capacity"] = [_("At least one place.")]
    keys = [c.key for c in fields.categories]
    if len(set(keys)) != len(keys) or not all(_KEY.fullmatch(k) for k in keys):
        errors["categories"] = [
            _("Each category needs its own short name of lower-case letters and digits.")
        ]
    if any(c.capacity is not None and c.capacity < 1 for c in fields.categories):
        errors["categories"] = [_("A category holds at least one place.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def _value(fields: MeetingFields, name: str) -> object:
    value = getattr(fields, name)
    return value or None if name == "video_url" else value


def _agenda(entries: Sequence[AgendaEntry]) -> list[AgendaItem]:
    return [
        AgendaItem(position=n, title=e.title, minutes=e.minutes, owner=e.owner)
        for n, e in enumerate(entries, 1)
    ]


def _room_agenda(entries: Sequence[AgendaEntry]) -> list[dict[str, object]]:
    return [{"title": e.title, "minutes": e.minutes} for e in entries]


def _category(position: int, entry: CategoryEntry) -> RegistrationCategory:
    return RegistrationCategory(
        position=position,
        key=entry.key,
        label=entry.label,
        capacity=entry.capacity,
        for_organisations=entry.for_organisations,
    )


def _update_categories(
    session: Session, meeting: Meeting, entries: Sequence[CategoryEntry]
) -> None:
    """Keep categories by their short name; one with people in it cannot go or shrink below them."""
    found, _taken = kernel.places(session, meeting)
    by_key = {p.category.key: p for p in found}
    wanted = {e.key for e in entries}
    for key, used in by_key.items():
        if key not in wanted and (used.taken or used.waiting):
            raise Conflict(
                _(
                    "People are registered as “%(label)s”; that category stays.",
                    label=used.category.label,
                ),
                fields={"categories": [_("Keep the categories people registered in.")]},
            )
    kept: list[RegistrationCategory] = []
    for position, entry in enumerate(entries, 1):
        held = by_key.get(entry.key)
        if held is None:
            kept.append(_category(position, entry))
            continue
        if entry.capacity is not None and entry.capacity < held.taken:
            raise Conflict(
                _(
                    "%(count)d people already hold places as “%(label)s”.",
                    count=held.taken,
                    label=held.category.label,
                ),
                fields={"categories": [_("A capacity cannot go below the places taken.")]},
            )
        category = held.category
        category.position, category.label = position, entry.label
        category.capacity, category.for_organisations = entry.capacity, entry.for_organisations
        kept.append(category)
    meeting.categories = kept
    session.flush()
    taken = kernel.places(session, meeting)[1]
    if meeting.capacity is not None and meeting.capacity < taken:
        raise Conflict(
            _("%(count)d people already hold places.", count=taken),
            fields={"capacity": [_("The capacity cannot go below the places taken.")]},
        )


def _send(session: Session, deliveries: list[Delivery]) -> None:
    if deliveries:
        after_commit(session, lambda: live_events.deliver(deliveries))


def require_schedule_rights(session: Session, actor: User | None, slug: str) -> None:
    """The schedule form is for the space's facilitators only."""
    space = spaces.get_visible(session, actor, slug)
    if not spaces.can_manage(session, actor, space):
        raise Forbidden(_("Only the facilitators of this space schedule meetings."))
