"""The room kernel: errors with their own codes, settings and limits, the seat a person
acts from, the room's lock, and how a person is referred to in payloads."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import TypeVar, cast

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Integer, Table, bindparam, exists, func, insert, select
from sqlalchemy.orm import QueryableAttribute, Session, joinedload, make_transient_to_detached
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import ColumnElement

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorised
from diaspora_hub.live.models import Room, RoomEvent, RoomParticipant, RoomPresence
from diaspora_hub.live.types import PERSON_MARK, Json
from diaspora_hub.organisations.models import Bloc, Membership, MembershipStatus, Organisation
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceOrganisation

#: Messages (``say``) a person may send per window, unless LIVE_SAY_LIMIT says otherwise.
DEFAULT_SAY_LIMIT = 5

#: Reactions a person may send per window, unless LIVE_REACT_LIMIT says otherwise.
DEFAULT_REACT_LIMIT = 10

#: Questions a person may ask per window, unless LIVE_ASK_LIMIT says otherwise.
DEFAULT_ASK_LIMIT = 3

#: Events of any one kind the facilitators' events (floor, polls, agenda, moderation …) a
#: person may store per window, unless LIVE_FACILITATOR_LIMIT says otherwise.
DEFAULT_FACILITATOR_LIMIT = 30

RATE_WINDOW = timedelta(seconds=10)

#: How many room events of a kind one person may store per ``RATE_WINDOW``: the setting
#: that says so, and its default. Every kind not named here is a facilitator's event.
RATE_LIMITS: Mapping[str, tuple[str, int]] = MappingProxyType(
    {
        "message": ("LIVE_SAY_LIMIT", DEFAULT_SAY_LIMIT),
        "reaction": ("LIVE_REACT_LIMIT", DEFAULT_REACT_LIMIT),
        "question.asked": ("LIVE_ASK_LIMIT", DEFAULT_ASK_LIMIT),
        "question.upvoted": ("LIVE_UPVOTE_LIMIT", 20),
        "hand": ("LIVE_HAND_LIMIT", 6),
        "poll.voted": ("LIVE_POLL_VOTE_LIMIT", 10),
    }
)

#: At most this many events in a ``join`` acknowledgement, unless LIVE_JOIN_HISTORY says
#: otherwise; the older ones through the REST log. A long meeting's whole chat in every
#: join would make each arrival cost the room hundreds of kilobytes.
DEFAULT_JOIN_HISTORY = 50

#: At most this many questions in a room's ``state`` (the most upvoted), unless
#: LIVE_STATE_QUESTIONS says otherwise; the others with the ``questions`` event.
DEFAULT_STATE_QUESTIONS = 50

#: Rooms with more people present than this give participants the list of who is here
#: when they ask for it (``presence_list``), not with every join: a crowd joining would
#: otherwise send everyone a list that grows with the crowd.
DEFAULT_PRESENCE_LIST_LIMIT = 100


class NotJoined(Forbidden):
    code = "not_joined"


class Removed(Forbidden):
    code = "removed"


class RoomLocked(Forbidden):
    code = "room_locked"


class RegistrationRequired(Forbidden):
    code = "registration_required"


class Muted(Forbidden):
    code = "muted"


# Statements of the hot paths are built once, here and in each feature's module: a
# statement object keeps its compiled form and cache key, so the events of a crowded room
# skip building and hashing their queries every time.
_PARTICIPANTS = (
    select(RoomParticipant)
    .options(joinedload(RoomParticipant.user), joinedload(RoomParticipant.organisation))
    .where(
        RoomParticipant.room_id == bindparam("room_id"),
        RoomParticipant.user_id.in_(bindparam("user_ids", expanding=True)),
    )
)

_LOCK_ROOM = (
    select(Room)
    .where(Room.id == bindparam("room_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)

_SEAT = (
    select(Room, User, RoomPresence.facilitator, RoomParticipant)
    .join(RoomPresence, RoomPresence.room_id == Room.id)
    .join(User, User.id == RoomPresence.user_id)
    .outerjoin(
        RoomParticipant,
        (RoomParticipant.room_id == Room.id) & (RoomParticipant.user_id == bindparam("user_id")),
    )
    .options(joinedload(RoomParticipant.organisation))
    .where(
        Room.id == bindparam("room_id"),
        RoomPresence.sid == bindparam("sid"),
        RoomPresence.user_id == bindparam("user_id"),
    )
    .with_for_update(of=Room)
    .execution_options(populate_existing=True)
)


def _affiliation_id(
    user_id: ColumnElement[int] | QueryableAttribute[int],
    space_id: ColumnElement[int] | QueryableAttribute[int],
) -> ColumnElement[int | None]:
    """The rule of ``affiliation`` as SQL, for a person and space given as bind parameters
    or as columns of an enclosing query. Two plain subqueries, since a subquery ordered by
    a column of the enclosing query is not something SQLite can run."""

    def earliest(*conditions: ColumnElement[bool]) -> ColumnElement[int | None]:
        return (
            select(Organisation.id)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.user_id == user_id,
                Membership.status == MembershipStatus.ACTIVE,
                *conditions,
            )
            .order_by(Membership.created_at, Membership.id)
            .limit(1)
            .scalar_subquery()
        )

    participating = (
        exists()
        .where(
            SpaceOrganisation.space_id == space_id,
            SpaceOrganisation.organisation_id == Organisation.id,
        )
        # ``space_id`` may be a column of the enclosing query, two levels up.
        .correlate_except(SpaceOrganisation)
    )
    return func.coalesce(earliest(participating), earliest(Organisation.verified_at.is_not(None)))


_AFFILIATION = select(Organisation).where(
    Organisation.id
    == _affiliation_id(bindparam("user_id", type_=Integer), bindparam("space_id", type_=Integer))
)


@dataclass
class Seat:
    """A person acting in a room they joined on this connection."""

    room: Room
    user: User
    participant: RoomParticipant
    facilitator: bool

    def ref(self) -> Json:
        return person_ref(self.participant)


def affiliation(session: Session, user: User, space: Space) -> Organisation | None:
    """The organisation a person is shown with in a space.

    Their earliest active membership among the space's participating organisations;
    failing that, their earliest active membership in a verified organisation (an
    unverified one could claim any kind, and so any bloc); failing that, none.
    """
    return _affiliation(session, user.id, space.id)


def _affiliation(session: Session, user_id: int, space_id: int) -> Organisation | None:
    return session.scalar(_AFFILIATION, {"user_id": user_id, "space_id": space_id})


def bloc_of(session: Session, user: User, space: Space) -> Bloc:
    """The bloc a person counts in for a space: that of ``affiliation``, else ``other``."""
    organisation = affiliation(session, user, space)
    return organisation.bloc if organisation is not None else Bloc.OTHER


def person_ref(participant: RoomParticipant) -> Json:
    """How a person appears in payloads; participants of Chatham House rooms get the bloc
    only. The bloc is what marks it as a person, under any key (``types.PERSON_MARK``)."""
    organisation = participant.organisation
    return {
        "id": participant.user_id,
        "name": participant.user.display_name,
        "organisation": (
            {
                "id": organisation.id,
                "slug": organisation.slug,
                "name": organisation.name,
                "acronym": organisation.acronym,
            }
            if organisation is not None
            else None
        ),
        PERSON_MARK: participant.bloc.value,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _lock_room(session: Session, room_id: int) -> Room | None:
    """The room, its row locked until commit (PostgreSQL), so its writes run one at a time."""
    return session.scalar(_LOCK_ROOM, {"room_id": room_id})


def visible_room(session: Session, actor: User | None, room_id: int) -> Room:
    """The room, or 404 when it does not exist or its space is hidden from this person."""
    room = session.get(Room, room_id)
    if room is None or not spaces.can_see(session, actor, room.space):
        raise NotFound(_("No such room."))
    return room


def _existing_participant(session: Session, room: Room, user_id: int) -> RoomParticipant | None:
    return _existing_participants(session, room, [user_id]).get(user_id)


def _existing_participants(
    session: Session, room: Room, user_ids: Collection[int]
) -> dict[int, RoomParticipant]:
    """The rows in the room of those of ``user_ids`` who have one, by person."""
    rows = session.scalars(_PARTICIPANTS, {"room_id": room.id, "user_ids": list(user_ids)})
    return {participant.user_id: participant for participant in rows}


def _seat(session: Session, actor_id: int, room_id: int, sid: str) -> Seat:
    """The person ``actor_id``, in a room they joined on this connection (which proves the
    connection is theirs and alive); locks the room's row.

    One query, the person included: every event of a crowded room starts here.
    """
    row = session.execute(_SEAT, {"room_id": room_id, "sid": sid, "user_id": actor_id}).first()
    if row is None:
        raise NotJoined(_("Join the room first."))
    room, user, facilitator, participant = row
    if not user.is_active:
        raise Unauthorised()
    if participant is None or participant.is_removed:
        raise Removed(_("The facilitators removed you from this room."))
    return Seat(room=room, user=user, participant=participant, facilitator=facilitator)


def _require_open(seat: Seat) -> None:
    """An ended meeting's room is its record: nobody writes in it any more."""
    if seat.room.ended_at is not None:
        raise Conflict(_("This meeting has ended; its room is read-only."))


def _require_facilitator(session: Session, seat: Seat) -> None:
    _require_open(seat)
    if not (seat.facilitator and spaces.can_manage(session, seat.user, seat.room.space)):
        raise Forbidden(_("Only the facilitators may do that."))


def _require_voice(seat: Seat) -> None:
    _require_open(seat)
    if seat.participant.is_muted:
        raise Muted(_("The facilitators muted you in this room."))


Inserted = TypeVar("Inserted", RoomEvent, RoomParticipant)


@cache
def _insert_statement(table: Table) -> ReturningInsert[tuple[int]]:
    """Built once per table, like the other statements of the hot paths."""
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def _insert(session: Session, model: type[Inserted], rows: list[Json]) -> list[Inserted]:
    """Insert rows with one plain INSERT and adopt them as if they had been read.

    Every message stores an event and every first arrival a participant; the unit of work
    would cost more than the INSERT itself.
    """
    if not rows:
        return []
    statement = _insert_statement(cast(Table, model.__table__))
    ids = session.execute(statement, rows).scalars().all()
    instances = []
    for row_id, values in zip(ids, rows, strict=True):
        instance = model(id=row_id, **values)
        make_transient_to_detached(instance)
        session.add(instance)
        instances.append(instance)
    return instances


def _refs(session: Session, room_id: int, user_ids: Iterable[int]) -> dict[int, Json]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    participants = session.scalars(
        select(RoomParticipant)
        .options(joinedload(RoomParticipant.user), joinedload(RoomParticipant.organisation))
        .where(RoomParticipant.room_id == room_id, RoomParticipant.user_id.in_(wanted))
    )
    return {p.user_id: person_ref(p) for p in participants}


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def _rate_limit(kind: str) -> int:
    """Events of ``kind`` one person may store per window (see ``RATE_LIMITS``)."""
    setting, default = RATE_LIMITS.get(kind, ("LIVE_FACILITATOR_LIMIT", DEFAULT_FACILITATOR_LIMIT))
    return _setting(setting, default)


def _check_rate(session: Session, actor: User, kind: str, limit: int, now: datetime) -> None:
    """At most ``limit`` events of a kind per person per window, counted in the shared log."""
    recent = session.scalar(
        select(func.count(RoomEvent.id)).where(
            RoomEvent.actor_id == actor.id,
            RoomEvent.type == kind,
            RoomEvent.created_at > now - RATE_WINDOW,
        )
    )
    _require_under_limit(recent or 0, limit)


def _require_under_limit(sent: int, limit: int) -> None:
    if sent >= limit:
        raise RateLimited(_("You are sending too fast; wait a few seconds and try again."))
