"""Joining and leaving: one connection, or a crowd arriving together, let into a room."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import AppError, NotFound, Unauthorised
from diaspora_hub.live import presence
from diaspora_hub.live.models import LiveConnection, Room, RoomParticipant, RoomPresence
from diaspora_hub.live.service.kernel import NotJoined, _affiliation_id, _lock_room, _seat
from diaspora_hub.live.service.log import _replay
from diaspora_hub.live.service.participants import _admission, _participants
from diaspora_hub.live.service.presence import (
    _announce_presence,
    _presence,
    _presence_for,
    audience_for,
)
from diaspora_hub.live.service.redaction import presence_view
from diaspora_hub.live.service.state import _state
from diaspora_hub.live.snapshots import SharedViews
from diaspora_hub.live.types import Audience, Delivery, Json, Outcome
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces import service as spaces

_AFFILIATED = aliased(Organisation, name="affiliated")

# Everything the joins of a crowd decide on, in one statement: the room (locked), each
# person, their row in it, their organisation in the space now (``affiliation``), which of
# the joining connections are theirs and alive and already in the room, and their standing
# in the space (``spaces.standing_columns``). One row per person and connection of theirs
# among ``sids``, or one with no connection.
_JOINING = (
    select(
        Room,
        User,
        RoomParticipant,
        _AFFILIATED,
        LiveConnection.sid,
        RoomPresence.id,
        *spaces.standing_columns(User.id, Room.space_id),
    )
    .select_from(Room)
    .join(User, User.id.in_(bindparam("user_ids", expanding=True)))
    .outerjoin(
        RoomParticipant,
        (RoomParticipant.room_id == Room.id) & (RoomParticipant.user_id == User.id),
    )
    .outerjoin(_AFFILIATED, _AFFILIATED.id == _affiliation_id(User.id, Room.space_id))
    .outerjoin(
        LiveConnection,
        LiveConnection.sid.in_(bindparam("sids", expanding=True))
        & (LiveConnection.user_id == User.id),
    )
    .outerjoin(
        RoomPresence,
        (RoomPresence.sid == LiveConnection.sid) & (RoomPresence.room_id == Room.id),
    )
    # The person and their organisation are columns of the row already: ``_participants``
    # attaches them to the person's row in the room, instead of reading them twice.
    .options(joinedload(Room.space))
    .where(Room.id == bindparam("room_id"))
    .with_for_update(of=Room)
    .execution_options(populate_existing=True)
)

_PRESENCE_TABLE = cast(Table, RoomPresence.__table__)

_ADD_PRESENCE = insert(_PRESENCE_TABLE)

_REJOIN = (
    update(_PRESENCE_TABLE)
    .where(_PRESENCE_TABLE.c.id == bindparam("seat_id"))
    .values(facilitator=bindparam("seat_facilitator"), last_seen=bindparam("seen"))
)


@dataclass(frozen=True)
class JoinRequest:
    """One connection asking to enter a room (see ``join``)."""

    user_id: int
    sid: str
    since: int | None = None
    #: called once the person is admitted, before the log is read
    subscribe: Callable[[Audience], None] | None = None


@dataclass
class Arrivals:
    """What the joins of a crowd produced: for each request its acknowledgement or why it
    was refused (nothing was written for a refused one), and what the room receives."""

    acks: list[Json | AppError]
    deliveries: list[Delivery]


@dataclass
class _Admitted:
    request: JoinRequest
    ack: Json
    user: User
    facilitator: bool
    first_visit: bool
    seat: int | None


def join(
    session: Session,
    actor_id: int,
    room_id: int,
    *,
    sid: str,
    worker_id: str,
    since: int | None = None,
    subscribe: Callable[[Audience], None] | None = None,
    views: SharedViews | None = None,
) -> Outcome:
    """Enter a room on this connection, opened by the person ``actor_id``: the room state
    and the events after ``since`` (see ``join_together``)."""
    arrivals = join_together(
        session,
        room_id,
        [JoinRequest(user_id=actor_id, sid=sid, since=since, subscribe=subscribe)],
        worker_id=worker_id,
        views=views,
    )
    (ack,) = arrivals.acks
    if isinstance(ack, AppError):
        raise ack
    return Outcome(ack, arrivals.deliveries)


def join_together(
    session: Session,
    room_id: int,
    requests: list[JoinRequest],
    *,
    worker_id: str,
    views: SharedViews | None = None,
) -> Arrivals:
    """Let several connections into one room at once: each gets the room state and the
    events after its ``since``, or the reason it may not enter.

    A crowd arriving at the start of a meeting makes this the busiest path of a live room,
    so everyone is read in one statement and written in one INSERT per table, and the room
    hears one presence change for all of them. ``subscribe(audience)`` is called once a
    person is admitted and before the log is read, so the connection hears every event
    stored after that read. ``views`` is the worker's cache of state parts (see
    ``snapshots``).
    """
    rows = session.execute(
        _JOINING,
        {
            "room_id": room_id,
            "user_ids": sorted({request.user_id for request in requests}),
            "sids": sorted({request.sid for request in requests}),
        },
    ).all()
    by_person: dict[int, dict[str | None, Row[Any]]] = {}
    for row in rows:
        by_person.setdefault(row[1].id, {})[row[4]] = row
    acks: list[Json | AppError] = []
    admitted: list[_Admitted] = []
    people: dict[int, tuple[User, RoomParticipant | None, Organisation | None]] = {}
    room: Room | None = None
    for request in requests:
        try:
            rows_of = by_person.get(request.user_id)
            if not rows_of:
                raise NotFound(_("No such room."))
            row = rows_of.get(request.sid) or next(iter(rows_of.values()))
            room, user, existing, organisation, connection, seat, *facts = row
            if not user.is_active:
                raise Unauthorised()
            standing = spaces.standing_from(user, facts)
            if not standing.visible:
                raise NotFound(_("No such room."))
            facilitator = _admission(room, spaces.require_standing(standing), existing)
            if connection != request.sid:
                raise NotJoined(_("This connection has ended; connect again."))
        except AppError as refusal:
            acks.append(refusal)
            continue
        ack: Json = {}
        acks.append(ack)
        people.setdefault(user.id, (user, existing, organisation))
        first_visit = existing is None or existing.admitted_at is None
        admitted.append(_Admitted(request, ack, user, facilitator, first_visit, seat))
    if room is None or not admitted:
        return Arrivals(acks, [])
    now = utcnow()
    participants = _participants(session, room, people.values(), admitted_at=now)
    _take_seats(session, room, admitted, worker_id=worker_id, now=now)
    presences: dict[bool, Json] = {}
    for entry in admitted:
        if entry.facilitator not in presences:
            presences[entry.facilitator] = _presence_for(
                session, room, facilitator=entry.facilitator
            )
        if entry.request.subscribe is not None:
            entry.request.subscribe(audience_for(entry.facilitator, presences[entry.facilitator]))
    states: dict[int, Json] = {}
    for entry in admitted:
        user_id = entry.user.id
        if user_id not in states:
            states[user_id] = _state(
                session,
                room,
                entry.user,
                facilitator=entry.facilitator,
                now=now,
                participant=participants[user_id],
                first_visit=entry.first_visit,
                views=views,
                present=presences[entry.facilitator],
            )
        entry.ack.update(
            room=room.id,
            state=states[user_id],
            **_replay(
                session, room, entry.request.since, facilitator=entry.facilitator, views=views
            ),
        )
    delivery = _announce_presence(session, room, Delivery(room_id=room.id), people.keys())
    return Arrivals(acks, [delivery])


def _take_seats(
    session: Session, room: Room, admitted: list[_Admitted], *, worker_id: str, now: datetime
) -> None:
    """Put each admitted connection in the room: a new presence row, or the one it had."""
    new = {
        entry.request.sid: {
            "sid": entry.request.sid,
            "room_id": room.id,
            "user_id": entry.user.id,
            "worker_id": worker_id,
            "facilitator": entry.facilitator,
            "joined_at": now,
            "last_seen": now,
        }
        for entry in admitted
        if entry.seat is None
    }
    again = [
        {"seat_id": entry.seat, "seat_facilitator": entry.facilitator, "seen": now}
        for entry in admitted
        if entry.seat is not None
    ]
    if new:
        session.execute(_ADD_PRESENCE, list(new.values()))
    if again:
        session.execute(_REJOIN, again)
    session.flush()


def presence_list(session: Session, actor_id: int, room_id: int, *, sid: str) -> Outcome:
    """Everyone in the room, for a person in it who asks (large rooms do not send it with
    the join); participants of Chatham House rooms get the counts by bloc only."""
    seat = _seat(session, actor_id, room_id, sid)
    value = presence_view(
        _presence(session, seat.room),
        chatham=seat.room.is_chatham_house,
        facilitator=seat.facilitator,
    )
    return Outcome({"presence": value}, audience=audience_for(seat.facilitator, value))


def leave(session: Session, actor_id: int, room_id: int, *, sid: str) -> Outcome:
    """Leave a room on this connection; a raised hand stays up for when the person returns."""
    room = _lock_room(session, room_id)
    if room is None or not presence.leave(session, sid, room_id):
        raise NotJoined(_("You are not in this room."))
    return Outcome(
        {"room": room.id},
        [_announce_presence(session, room, Delivery(room_id=room.id), [actor_id])],
    )
