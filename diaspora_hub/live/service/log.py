"""The event log: every change is an event with the room's next sequence number, appended
in the transaction that makes it; joins and the REST log replay it."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.live.models import Room, RoomEvent
from diaspora_hub.live.service.kernel import (
    DEFAULT_JOIN_HISTORY,
    Seat,
    _check_rate,
    _insert,
    _iso,
    _rate_limit,
    _setting,
    visible_room,
)
from diaspora_hub.live.service.participants import _admissible
from diaspora_hub.live.service.redaction import HIDEABLE, _pair, view
from diaspora_hub.live.snapshots import SharedViews
from diaspora_hub.live.types import Delivery, Json

_ROOM_TABLE = cast(Table, Room.__table__)

# On the table, not the class: the ORM's bulk-update handling costs more than the UPDATE,
# and the new value is set on the loaded room by hand (``_append``).
_NEXT_SEQ = (
    update(_ROOM_TABLE)
    .where(_ROOM_TABLE.c.id == bindparam("room_id"))
    .values(last_seq=_ROOM_TABLE.c.last_seq + 1)
    .returning(_ROOM_TABLE.c.last_seq)
)

_LATEST_EVENTS = (
    select(RoomEvent)
    .where(RoomEvent.room_id == bindparam("room_id"))
    .order_by(RoomEvent.seq.desc())
    .limit(bindparam("limit"))
)

_EVENTS_SINCE = (
    select(RoomEvent)
    .where(RoomEvent.room_id == bindparam("room_id"), RoomEvent.seq > bindparam("since"))
    .order_by(RoomEvent.seq)
    .limit(bindparam("limit"))
)


def _append(
    session: Session,
    room: Room,
    kind: str,
    *,
    actor: Json | None,
    actor_id: int | None,
    data: Json,
    client_id: str | None = None,
    now: datetime | None = None,
) -> RoomEvent:
    """Store one event with the room's next sequence number (atomic, shared by all workers)."""
    seq = session.execute(_NEXT_SEQ, {"room_id": room.id}).scalar_one()
    set_committed_value(room, "last_seq", seq)
    (event,) = _insert(
        session,
        RoomEvent,
        [
            {
                "room_id": room.id,
                "seq": seq,
                "type": kind,
                "actor_id": actor_id,
                "payload": {"actor": actor, "data": data},
                "client_id": client_id,
                "hidden_at": None,
                "created_at": now or utcnow(),
            }
        ],
    )
    return event


def _append_by(
    session: Session,
    seat: Seat,
    kind: str,
    *,
    data: Json,
    client_id: str | None = None,
    now: datetime | None = None,
    rate_checked: bool = False,
) -> RoomEvent:
    """Store an event done by the person in ``seat``, in their room, within their rate limit
    for its kind (``rate_checked``: the caller counted it already); a refusal rolls back
    whatever the event came with."""
    now = now or utcnow()
    if not rate_checked:
        _check_rate(session, seat.user, kind, _rate_limit(kind), now)
    return _append(
        session,
        seat.room,
        kind,
        actor=seat.ref(),
        actor_id=seat.user.id,
        data=data,
        client_id=client_id,
        now=now,
    )


def event_json(event: RoomEvent) -> Json:
    """An event with identities, as facilitators receive it; ``view`` derives the rest."""
    data: Json = dict(event.payload.get("data") or {})
    if event.type in HIDEABLE:
        hidden = event.hidden_at is not None
        if event.type == "question.asked" and isinstance(data.get("question"), dict):
            data["question"] = {**data["question"], "hidden": hidden}
        else:
            data["hidden"] = hidden
    return {
        "room": event.room_id,
        "seq": event.seq,
        "type": event.type,
        "at": _iso(event.created_at),
        "actor": event.payload.get("actor"),
        "data": data,
    }


def _delivery(room: Room, *events: RoomEvent) -> Delivery:
    return Delivery(room_id=room.id, events=[_pair(event_json(e), room) for e in events])


def announce(
    session: Session, room: Room, kind: str, *, actor_id: int | None, data: Json
) -> Delivery:
    """A room event that names nobody (the actor is kept in the stored row only), for
    changes made outside the room: a meeting opening or ending, an item put on screen.
    What it returns goes out after the commit."""
    return _delivery(room, _append(session, room, kind, actor=None, actor_id=actor_id, data=data))


def _events_query(room_id: int) -> Select[tuple[RoomEvent]]:
    return select(RoomEvent).where(RoomEvent.room_id == room_id)


def _events_for_join(
    session: Session, room: Room, since: int | None
) -> tuple[list[RoomEvent], bool]:
    """Events after ``since`` (oldest first), or the latest ones for a first join; at most
    LIVE_JOIN_HISTORY of them, and whether that is all."""
    limit = _setting("LIVE_JOIN_HISTORY", DEFAULT_JOIN_HISTORY)
    if since is None:
        latest = list(session.scalars(_LATEST_EVENTS, {"room_id": room.id, "limit": limit}))
        latest.reverse()
        return latest, not latest or latest[0].seq == 1
    events = list(
        session.scalars(_EVENTS_SINCE, {"room_id": room.id, "since": since, "limit": limit + 1})
    )
    return events[:limit], len(events) <= limit


def _replay(
    session: Session,
    room: Room,
    since: int | None,
    *,
    facilitator: bool,
    views: SharedViews | None,
) -> Json:
    """The events a join sends, as this kind of viewer sees them. A first join's are read
    once per ``last_seq`` when ``views`` caches them: a crowd arriving gets the same ones."""

    def read() -> Json:
        events, complete = _events_for_join(session, room, since)
        chatham = room.is_chatham_house
        return {
            "events": [
                view(event_json(e), chatham=chatham, facilitator=facilitator) for e in events
            ],
            "complete": complete,
        }

    if views is None or since is not None:
        return read()
    return views.read(("replay", room.id, room.last_seq, facilitator), read)


def events_after(
    session: Session, actor: User, room_id: int, *, after: int = 0, limit: int = 100
) -> Json:
    """The room's log after ``after`` for someone who may be in the room, as they may see it."""
    room = visible_room(session, actor, room_id)
    facilitator = _admissible(session, actor, room)
    rows = list(
        session.scalars(
            _events_query(room.id)
            .where(RoomEvent.seq > after)
            .order_by(RoomEvent.seq)
            .limit(limit + 1)
        )
    )
    items = [
        view(event_json(e), chatham=room.is_chatham_house, facilitator=facilitator)
        for e in rows[:limit]
    ]
    return {
        "items": items,
        "after": after,
        "limit": limit,
        "last_seq": room.last_seq,
        "has_more": len(rows) > limit,
    }
