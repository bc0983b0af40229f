"""A room's life when a meeting owns it: closed until the meeting opens, read-only after.

The owning meeting calls these. A meeting's room is created locked and for registered
people only, so nobody but its facilitators is let in before it opens. Opening unlocks
it; ending locks it again and mutes everyone in it, so what was said stays readable (to
those admitted) while nothing new can be said. Both are told to the room as
``room.locked`` events, which every client already understands.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.live.models import Room, RoomMode, RoomParticipant
from diaspora_hub.live.service.log import announce
from diaspora_hub.live.service.rooms import open_room
from diaspora_hub.live.types import Delivery, Json


def open_for_meeting(
    session: Session,
    actor: User,
    slug: str,
    *,
    title: str,
    mode: RoomMode,
    agenda: Iterable[Json],
    video_url: str | None,
) -> Room:
    """The meeting's room: locked until the meeting opens, for registered people only."""
    return open_room(
        session,
        actor,
        slug,
        title=title,
        mode=mode,
        agenda=agenda,
        video_url=video_url,
        locked=True,
        registration_required=True,
    )


def describe(
    session: Session,
    room: Room,
    *,
    title: str,
    agenda: Iterable[Json],
    video_url: str | None,
    mode: RoomMode,
) -> None:
    """Follow the meeting's changes while the room is not open yet."""
    room.title = title
    room.agenda = [{"title": item["title"], "minutes": item.get("minutes")} for item in agenda]
    room.video_url = video_url
    room.set_mode(mode)
    session.flush()


def admit(session: Session, actor_id: int | None, room: Room) -> list[Delivery]:
    """Open the room to the registered people (what to send once committed)."""
    if not room.is_locked:
        return []
    room.unlock()
    return [_locked_event(session, actor_id, room, locked=False)]


def end(session: Session, actor_id: int | None, room: Room) -> list[Delivery]:
    """Make the room read-only: locked to newcomers and everyone in it muted."""
    now = utcnow()
    room.ended_at = now
    session.execute(
        update(RoomParticipant)
        .where(RoomParticipant.room_id == room.id, RoomParticipant.muted_at.is_(None))
        .values(muted_at=now)
        .execution_options(synchronize_session=False)
    )
    if room.is_locked:
        session.flush()
        return []
    room.lock()
    return [_locked_event(session, actor_id, room, locked=True)]


def _locked_event(session: Session, actor_id: int | None, room: Room, *, locked: bool) -> Delivery:
    session.flush()
    return announce(session, room, "room.locked", actor_id=actor_id, data={"locked": locked})
