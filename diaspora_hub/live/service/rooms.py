"""Rooms: opened in a space, listed, tightened to Chatham House, moved along the agenda."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import NotFound
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.live.models import Room, RoomMode, RoomParticipant, RoomPresence
from diaspora_hub.live.service.kernel import (
    _affiliation,
    _existing_participant,
    _lock_room,
    _require_facilitator,
    _seat,
)
from diaspora_hub.live.service.log import _append, _append_by, _delivery
from diaspora_hub.live.service.participants import _participant
from diaspora_hub.live.service.state import _states_for_everyone
from diaspora_hub.live.types import Json, LiveRoom, Outcome, SpaceRooms
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space


def open_room(
    session: Session,
    actor: User,
    slug: str,
    *,
    title: str,
    mode: RoomMode | str = RoomMode.OPEN,
    agenda: Iterable[Json] = (),
    video_url: str | None = None,
    locked: bool = False,
    registration_required: bool = False,
) -> Room:
    """A facilitator opens a room in their space; it starts with event 1, ``room.opened``."""
    space = spaces.get_visible(session, actor, slug)
    spaces.require_manager(session, actor, space)
    now = utcnow()
    room = Room(
        space=space,
        title=title,
        mode=RoomMode(mode),
        agenda=[{"title": item["title"], "minutes": item.get("minutes")} for item in agenda],
        video_url=video_url or None,
        locked_at=now if locked else None,
        registration_required=registration_required,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(room)
    session.flush()
    _append(
        session,
        room,
        "room.opened",
        actor=None,
        actor_id=actor.id,
        data={
            "title": room.title,
            "mode": room.mode.value,
            "agenda": room.agenda,
            "video_url": room.video_url,
            "locked": room.is_locked,
        },
        now=now,
    )
    audit.record(session, actor.id, "room.opened", "room", room.id, space=space.slug)
    return room


def space_rooms(
    session: Session, actor: User | None, slug: str, *, page: int = 1, per_page: int = 20
) -> SpaceRooms:
    space, rooms = rooms_of_space(session, actor, slug, page=page, per_page=per_page)
    return SpaceRooms(space=space, rooms=rooms, can_open=spaces.can_manage(session, actor, space))


def rooms_of_space(
    session: Session, actor: User | None, slug: str, *, page: int = 1, per_page: int = 20
) -> tuple[Space, Page[Room]]:
    """A space's rooms, newest first, for anyone who may see the space."""
    space = spaces.get_visible(session, actor, slug)
    query: Select[tuple[Room]] = (
        select(Room).where(Room.space_id == space.id).order_by(Room.id.desc())
    )
    return space, paginate(session, query, page, per_page)


def live_rooms(
    session: Session, actor: User | None, *, space: Space | None = None, limit: int = 5
) -> list[LiveRoom]:
    """Rooms with people in them now, in spaces this person sees (or in ``space``), the
    fullest first."""
    present = func.count(func.distinct(RoomPresence.user_id))
    query = (
        select(Room, present)
        .join(RoomPresence, RoomPresence.room_id == Room.id)
        .where(Room.space_id.in_(select(spaces.visible_spaces(actor).subquery().c.id)))
        .group_by(Room.id)
        .order_by(present.desc(), Room.id.desc())
        .limit(limit)
    )
    if space is not None:
        query = query.where(Room.space_id == space.id)
    return [LiveRoom(room=room, present=count) for room, count in session.execute(query)]


def set_mode(session: Session, actor: User, room_id: int, mode: RoomMode | str) -> Outcome:
    """A meeting (or a facilitator) tightens a room to Chatham House; never the other way."""
    room = _lock_room(session, room_id)
    if room is None or not spaces.can_see(session, actor, room.space):
        raise NotFound(_("No such room."))
    spaces.require_manager(session, actor, room.space)
    target = RoomMode(mode)
    if target is room.mode:
        return Outcome({"mode": room.mode.value, "seq": None})
    room.set_mode(target)
    event = _append(
        session,
        room,
        "room.mode",
        actor=None,
        actor_id=actor.id,
        data={"mode": room.mode.value},
    )
    audit.record(session, actor.id, "room.mode_changed", "room", room.id, mode=room.mode.value)
    delivery = _delivery(room, event)
    # Earlier events and presence now read differently: everyone gets a fresh view.
    delivery.personal.extend(_states_for_everyone(session, room))
    return Outcome({"mode": room.mode.value, "seq": event.seq}, [delivery])


def register_participant(
    session: Session, room: Room, user: User, *, registered: bool = True
) -> RoomParticipant:
    """Record a registration for a room that requires one (the owning meeting calls this)."""
    participant = _participant(
        session,
        room,
        user,
        _existing_participant(session, room, user.id),
        _affiliation(session, user.id, room.space_id),
    )
    participant.registered_at = utcnow() if registered else None
    session.flush()
    return participant


def agenda(session: Session, actor_id: int, room_id: int, *, sid: str, item: int) -> Outcome:
    """A facilitator moves the room to an agenda item (usually the next one)."""
    seat = _seat(session, actor_id, room_id, sid)
    _require_facilitator(session, seat)
    seat.room.move_agenda(item)
    session.flush()
    event = _append_by(
        session,
        seat,
        "agenda",
        data={"current": item, "item": seat.room.agenda[item]},
    )
    return Outcome({"current": item, "seq": event.seq}, [_delivery(seat.room, event)])
