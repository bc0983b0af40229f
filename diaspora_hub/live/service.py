"""Rules of live consultation rooms: who may join, speak, vote and moderate, and what each
person is allowed to see of it.

Every change is a room event appended to the room's log with the next sequence number,
inside the transaction that makes the change; the sequence number comes from one atomic
``UPDATE room SET last_seq = last_seq + 1 … RETURNING last_seq``. Every write first locks
the room's row, so the writes of one room are serialised across all server processes and
the log has no gaps.

Functions here only flush. Those that change a room return an :class:`Outcome`: the
acknowledgement for the person who acted and the :class:`Delivery` of broadcasts that the
Socket.IO layer sends once the transaction has committed.

What people see:
- Facilitators (``spaces.service.can_manage``) see everything with identities.
- Participants see events without facilitator-only data (speaking time by bloc) and, in a
  Chatham House room, every person reduced to ``{"bloc": …}``: no user id, name,
  organisation or client id of anyone. Hidden messages and questions lose their body;
  results of a poll that hides them until close lose their tally until it closes.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar, cast
from uuid import uuid4

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    Row,
    Select,
    String,
    Table,
    bindparam,
    case,
    delete,
    distinct,
    exists,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import (
    QueryableAttribute,
    Session,
    aliased,
    joinedload,
    make_transient_to_detached,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import ColumnElement

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorised,
    ValidationFailed,
)
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.live import presence
from diaspora_hub.live.models import (
    LiveConnection,
    Poll,
    PollState,
    PollVote,
    QuestionState,
    QuestionVote,
    QueueMode,
    RaisedHand,
    ResultsVisibility,
    Room,
    RoomEvent,
    RoomMode,
    RoomParticipant,
    RoomPresence,
    RoomQuestion,
    RoomReaction,
    SpeakingTurn,
)
from diaspora_hub.live.snapshots import SharedViews
from diaspora_hub.organisations.labels import bloc_label
from diaspora_hub.organisations.models import Bloc, Membership, MembershipStatus, Organisation
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceOrganisation

#: The reactions people may send: (name sent by clients, emoji shown).
REACTIONS: tuple[tuple[str, str], ...] = (
    ("clap", "👏"),
    ("thumbs_up", "👍"),
    ("heart", "❤️"),
    ("thinking", "🤔"),
    ("surprised", "😮"),
    ("thanks", "🙏"),
)
REACTION_NAMES = tuple(name for name, _glyph in REACTIONS)

#: Messages (``say``) a person may send per window, unless LIVE_SAY_LIMIT says otherwise.
DEFAULT_SAY_LIMIT = 5
#: Reactions a person may send per window, unless LIVE_REACT_LIMIT says otherwise.
DEFAULT_REACT_LIMIT = 10
RATE_WINDOW = timedelta(seconds=10)
#: At most this many events in a ``join`` acknowledgement; the rest through the REST log.
REPLAY_LIMIT = 500
#: Rooms with more people present than this give participants the list of who is here
#: when they ask for it (``presence_list``), not with every join: a crowd joining would
#: otherwise send everyone a list that grows with the crowd.
DEFAULT_PRESENCE_LIST_LIMIT = 100
MESSAGE_MAX_LENGTH = 2000
QUESTION_MAX_LENGTH = 500

#: Keys under which a payload carries a person (see ``person_ref``), or a wrapper of one
#: such as ``{"speaker": {"person": …, "since": …}}``.
PERSON_KEYS = frozenset({"actor", "person", "speaker", "asker", "voter", "user"})
#: Keys only facilitators receive.
FACILITATOR_ONLY_KEYS = frozenset({"speaking_time"})
#: Events whose body a facilitator may hide.
HIDEABLE = frozenset({"message", "question.asked"})

Json = dict[str, Any]


# Errors with their own codes, so clients can tell people what to do -------------------


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


# Statements of the hot paths -------------------------------------------------------------
# Built once: a statement object keeps its compiled form and cache key, so the events of a
# crowded room skip building and hashing their queries every time.

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
    .limit(REPLAY_LIMIT)
)
_EVENTS_SINCE = (
    select(RoomEvent)
    .where(RoomEvent.room_id == bindparam("room_id"), RoomEvent.seq > bindparam("since"))
    .order_by(RoomEvent.seq)
    .limit(REPLAY_LIMIT + 1)
)


def _say_check_statement() -> Select[tuple[int | None, int]]:
    """The message a person stored under a client_id, and how many they sent lately: one
    query, each branch with its index."""
    same = (RoomEvent.room_id == bindparam("room_id")) & (
        RoomEvent.client_id == bindparam("client_id")
    )
    recent = (RoomEvent.type == "message") & (RoomEvent.created_at > bindparam("since"))
    return select(
        func.max(case((same, RoomEvent.seq))),
        func.coalesce(func.sum(case((recent, 1), else_=0)), 0),
    ).where(RoomEvent.actor_id == bindparam("user_id"), same | recent)


_SAY_CHECK = _say_check_statement()


def _presence_statement(*, some: bool) -> Select[Any]:
    """Present people of a room as plain rows (``some``: only ``user_ids``)."""
    query = (
        select(
            RoomParticipant.user_id,
            type_coerce(RoomParticipant.bloc, String),
            RoomParticipant.muted_at.is_not(None),
            User.display_name,
            Organisation.id,
            Organisation.slug,
            Organisation.name,
            Organisation.acronym,
            RoomPresence.facilitator,
        )
        .join(
            RoomPresence,
            (RoomPresence.room_id == RoomParticipant.room_id)
            & (RoomPresence.user_id == RoomParticipant.user_id),
        )
        .join(User, User.id == RoomParticipant.user_id)
        .outerjoin(Organisation, Organisation.id == RoomParticipant.organisation_id)
        .where(RoomParticipant.room_id == bindparam("room_id"))
    )
    if some:
        query = query.where(RoomParticipant.user_id.in_(bindparam("user_ids", expanding=True)))
    return query


_PRESENT = _presence_statement(some=False)
_PRESENT_AMONG = _presence_statement(some=True)
_BLOC_COUNTS = (
    select(type_coerce(RoomParticipant.bloc, String), func.count(distinct(RoomPresence.user_id)))
    .join(
        RoomPresence,
        (RoomPresence.room_id == RoomParticipant.room_id)
        & (RoomPresence.user_id == RoomParticipant.user_id),
    )
    .where(RoomParticipant.room_id == bindparam("room_id"))
    .group_by(RoomParticipant.bloc)
)


# What a change produces ---------------------------------------------------------------


class Audience(enum.StrEnum):
    """Who a connection in a room hears broadcasts as (a Socket.IO room each).

    Facilitators get identities; participants who hold the list of who is here get the
    presence changes that keep it current; the others (large rooms, Chatham House) get
    the counts of presence changes only. Room events reach participants the same way.
    """

    FACILITATORS = "facilitators"
    LISTED = "listed"
    COUNTED = "counted"


def audience_for(facilitator: bool, present: Json) -> Audience:
    """Who a connection hears broadcasts as once it holds ``present`` (a presence)."""
    if facilitator:
        return Audience.FACILITATORS
    return Audience.LISTED if "people" in present else Audience.COUNTED


def counted(presence: Json) -> Json:
    """A presence or presence change reduced to the counts by bloc."""
    return {"room": presence["room"], "counts": presence["counts"], "total": presence["total"]}


@dataclass
class Delivery:
    """Broadcasts of one room, sent only after the transaction committed.

    Room-wide items come in pairs: the payload for facilitators (identities) and the one
    for participants. ``personal`` items go to single connections.
    """

    room_id: int
    events: list[tuple[Json, Json]] = field(default_factory=list)
    #: a presence change to send now (see ``presence`` in ``events``)
    presence: tuple[Json, Json] | None = None
    #: people whose presence changed, for a batched change read when sent (``presence``
    #: stays None)
    presence_changed: set[int] = field(default_factory=set)
    #: (sid, Socket.IO event name, payload)
    personal: list[tuple[str, str, Json]] = field(default_factory=list)
    #: connections to end after the personal messages
    disconnect: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """The acknowledgement for the person who acted, and what everyone else receives."""

    ack: Json
    deliveries: list[Delivery] = field(default_factory=list)
    #: the audience the acting connection belongs to from now on, when this changed it
    audience: Audience | None = None


@dataclass
class Seat:
    """A person acting in a room they joined on this connection."""

    room: Room
    user: User
    participant: RoomParticipant
    facilitator: bool

    def ref(self) -> Json:
        return person_ref(self.participant)


# Who counts in which bloc ---------------------------------------------------------------


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
    """How a person appears in payloads; participants of Chatham House rooms get the bloc only."""
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
        "bloc": participant.bloc.value,
    }


# Views: what a viewer may receive -----------------------------------------------------


def _strip(value: Any, *, identities: bool, facilitator_only: bool) -> Any:
    if isinstance(value, list):
        return [
            _strip(item, identities=identities, facilitator_only=facilitator_only) for item in value
        ]
    if not isinstance(value, dict):
        return value
    out: Json = {}
    for key, item in value.items():
        if facilitator_only and key in FACILITATOR_ONLY_KEYS:
            continue
        if identities and key == "client_id":
            continue
        if identities and key in PERSON_KEYS and isinstance(item, dict) and "bloc" in item:
            out[key] = {"bloc": item["bloc"]}
            continue
        out[key] = _strip(item, identities=identities, facilitator_only=facilitator_only)
    if facilitator_only:
        if out.get("hidden") is True and "body" in out:
            out["body"] = None
        if out.get("results_hidden") is True:
            out.pop("results", None)
            out.pop("vote", None)
    return out


def view(value: Json, *, chatham: bool, facilitator: bool) -> Json:
    """``value`` as a viewer may receive it (see the module docstring)."""
    if facilitator:
        return value
    result: Json = _strip(value, identities=chatham, facilitator_only=True)
    return result


def anonymised(value: Any) -> Any:
    """Identities reduced to blocs, nothing else removed: exports of Chatham House rooms."""
    return _strip(value, identities=True, facilitator_only=False)


def _pair(value: Json, room: Room) -> tuple[Json, Json]:
    return value, view(value, chatham=room.is_chatham_house, facilitator=False)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# Rooms ------------------------------------------------------------------------------


def _lock_room(session: Session, room_id: int) -> Room | None:
    """The room, its row locked until commit (PostgreSQL), so its writes run one at a time."""
    return session.scalar(_LOCK_ROOM, {"room_id": room_id})


def visible_room(session: Session, user: User | None, room_id: int) -> Room:
    """The room, or 404 when it does not exist or its space is hidden from this person."""
    room = session.get(Room, room_id)
    if room is None or not spaces.can_see(session, user, room.space):
        raise NotFound(_("No such room."))
    return room


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


@dataclass(frozen=True)
class SpaceRooms:
    """A space's rooms as one person sees them, and whether they may open one."""

    space: Space
    rooms: Page[Room]
    can_open: bool


def space_rooms(
    session: Session, user: User | None, slug: str, *, page: int = 1, per_page: int = 20
) -> SpaceRooms:
    space, rooms = rooms_of_space(session, user, slug, page=page, per_page=per_page)
    return SpaceRooms(space=space, rooms=rooms, can_open=spaces.can_manage(session, user, space))


def rooms_of_space(
    session: Session, user: User | None, slug: str, *, page: int = 1, per_page: int = 20
) -> tuple[Space, Page[Room]]:
    """A space's rooms, newest first, for anyone who may see the space."""
    space = spaces.get_visible(session, user, slug)
    query: Select[tuple[Room]] = (
        select(Room).where(Room.space_id == space.id).order_by(Room.id.desc())
    )
    return space, paginate(session, query, page, per_page)


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


# Admission ------------------------------------------------------------------------------


def _participant(
    session: Session,
    room: Room,
    user: User,
    existing: RoomParticipant | None,
    organisation: Organisation | None,
) -> RoomParticipant:
    """The person's standing row in the room (``existing``: as read, or None), created on
    first need, with the organisation (and so the bloc) they count in now."""
    return _participants(session, room, [(user, existing, organisation)])[user.id]


def _participants(
    session: Session,
    room: Room,
    people: Iterable[tuple[User, RoomParticipant | None, Organisation | None]],
    *,
    admitted_at: datetime | None = None,
) -> dict[int, RoomParticipant]:
    """``_participant`` for several people at once, the new rows in one INSERT;
    ``admitted_at``: they are being let in (kept if earlier)."""
    rows: dict[int, RoomParticipant] = {}
    new: list[tuple[User, Organisation | None, Json]] = []
    for user, existing, organisation in people:
        bloc = organisation.bloc if organisation is not None else Bloc.OTHER
        if existing is None:
            new.append(
                (
                    user,
                    organisation,
                    {
                        "room_id": room.id,
                        "user_id": user.id,
                        "organisation_id": organisation.id if organisation is not None else None,
                        "bloc": bloc,
                        "admitted_at": admitted_at,
                        "registered_at": None,
                        "muted_at": None,
                        "removed_at": None,
                    },
                )
            )
            continue
        set_committed_value(existing, "user", user)
        if existing.organisation_id == (organisation.id if organisation else None):
            set_committed_value(existing, "organisation", organisation)
        else:
            existing.organisation = organisation
        if existing.bloc is not bloc:
            existing.bloc = bloc
        if admitted_at is not None and existing.admitted_at is None:
            existing.admitted_at = admitted_at
        rows[user.id] = existing
    created = _insert(session, RoomParticipant, [values for _u, _o, values in new])
    for (user, organisation, _values), participant in zip(new, created, strict=True):
        set_committed_value(participant, "user", user)
        set_committed_value(participant, "organisation", organisation)
        rows[user.id] = participant
    return rows


def _existing_participant(session: Session, room: Room, user_id: int) -> RoomParticipant | None:
    return _existing_participants(session, room, [user_id]).get(user_id)


def _existing_participants(
    session: Session, room: Room, user_ids: Collection[int]
) -> dict[int, RoomParticipant]:
    """The rows in the room of those of ``user_ids`` who have one, by person."""
    rows = session.scalars(_PARTICIPANTS, {"room_id": room.id, "user_ids": list(user_ids)})
    return {participant.user_id: participant for participant in rows}


def _admissible(session: Session, user: User, room: Room) -> bool:
    """Whether ``user`` may be in the room (raises why not); True for its facilitators."""
    standing = spaces.require_participant(session, user, room.space)
    return _admission(room, standing, _existing_participant(session, room, user.id))


def _admission(room: Room, standing: spaces.Standing, participant: RoomParticipant | None) -> bool:
    """``_admissible`` for a person whose standing in the space and row in the room (or
    None) are read."""
    if standing.manager:
        return True
    if participant is not None and participant.is_removed:
        raise Removed(_("The facilitators removed you from this room."))
    if room.registration_required and (participant is None or participant.registered_at is None):
        raise RegistrationRequired(_("This room is for people registered for the meeting."))
    if room.is_locked and (participant is None or participant.admitted_at is None):
        raise RoomLocked(_("The room is locked; only people already admitted may enter."))
    return False


def _seat(session: Session, user_id: int, room_id: int, sid: str) -> Seat:
    """The person ``user_id``, in a room they joined on this connection (which proves the
    connection is theirs and alive); locks the room's row.

    One query, the person included: every event of a crowded room starts here.
    """
    row = session.execute(_SEAT, {"room_id": room_id, "sid": sid, "user_id": user_id}).first()
    if row is None:
        raise NotJoined(_("Join the room first."))
    room, user, facilitator, participant = row
    if not user.is_active:
        raise Unauthorised()
    if participant is None or participant.is_removed:
        raise Removed(_("The facilitators removed you from this room."))
    return Seat(room=room, user=user, participant=participant, facilitator=facilitator)


def _require_facilitator(session: Session, seat: Seat) -> None:
    if not (seat.facilitator and spaces.can_manage(session, seat.user, seat.room.space)):
        raise Forbidden(_("Only the facilitators may do that."))


def _require_voice(seat: Seat) -> None:
    if seat.participant.is_muted:
        raise Muted(_("The facilitators muted you in this room."))


# The event log --------------------------------------------------------------------------


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


Inserted = TypeVar("Inserted", RoomEvent, RoomParticipant)


@cache
def _insert_statement(table: Table) -> ReturningInsert[tuple[int]]:
    """Built once per table (see the statements of the hot paths)."""
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


def _append_by(
    session: Session,
    seat: Seat,
    kind: str,
    *,
    data: Json,
    client_id: str | None = None,
    now: datetime | None = None,
) -> RoomEvent:
    """Store an event done by the person in ``seat``, in their room."""
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


def _events_query(room_id: int) -> Select[tuple[RoomEvent]]:
    return select(RoomEvent).where(RoomEvent.room_id == room_id)


def _events_for_join(
    session: Session, room: Room, since: int | None
) -> tuple[list[RoomEvent], bool]:
    """Events after ``since`` (oldest first), or the latest ones for a first join."""
    if since is None:
        latest = list(session.scalars(_LATEST_EVENTS, {"room_id": room.id}))
        latest.reverse()
        return latest, not latest or latest[0].seq == 1
    events = list(session.scalars(_EVENTS_SINCE, {"room_id": room.id, "since": since}))
    return events[:REPLAY_LIMIT], len(events) <= REPLAY_LIMIT


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
    session: Session, user: User, room_id: int, *, after: int = 0, limit: int = 100
) -> Json:
    """The room's log after ``after`` for someone who may be in the room, as they may see it."""
    room = visible_room(session, user, room_id)
    facilitator = _admissible(session, user, room)
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


# State snapshots ------------------------------------------------------------------------


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


def _presence_entries(
    session: Session, room_id: int, user_ids: Collection[int] | None = None
) -> dict[int, Json]:
    """Who of ``user_ids`` (everyone: None) is in the room now, each person once.

    One query of plain rows: it runs on every join, for rooms of thousands of people.
    """
    rows = (
        session.execute(_PRESENT, {"room_id": room_id})
        if user_ids is None
        else session.execute(_PRESENT_AMONG, {"room_id": room_id, "user_ids": list(user_ids)})
    )
    entries: dict[int, Json] = {}
    for user_id, bloc, muted, name, org_id, slug, org_name, acronym, facilitator in rows:
        entry = entries.get(user_id)
        if entry is not None:
            entry["facilitator"] = entry["facilitator"] or facilitator
            continue
        entries[user_id] = {
            "person": {
                "id": user_id,
                "name": name,
                "organisation": (
                    {"id": org_id, "slug": slug, "name": org_name, "acronym": acronym}
                    if org_id is not None
                    else None
                ),
                "bloc": bloc,
            },
            "facilitator": bool(facilitator),
            "muted": bool(muted),
        }
    return entries


def _ordered(entries: Iterable[Json]) -> list[Json]:
    """People by bloc, then name: the order every presence list is shown in."""
    return sorted(
        entries,
        key=lambda e: (e["person"]["bloc"], e["person"]["name"].lower(), e["person"]["id"]),
    )


def _bloc_counts(session: Session, room_id: int) -> Json:
    """People in the room now by bloc, counted by the database."""
    counts = dict.fromkeys((bloc.value for bloc in Bloc), 0)
    for bloc, count in session.execute(_BLOC_COUNTS, {"room_id": room_id}):
        counts[bloc] = count
    return counts


def _presence(session: Session, room: Room) -> Json:
    """Everyone in the room now, with counts by bloc."""
    people = _ordered(_presence_entries(session, room.id).values())
    counts = dict.fromkeys((bloc.value for bloc in Bloc), 0)
    for entry in people:
        counts[entry["person"]["bloc"]] += 1
    return {"room": room.id, "people": people, "counts": counts, "total": len(people)}


def _presence_change(session: Session, room: Room, user_ids: Collection[int]) -> Json:
    """How the presence of ``user_ids`` stands now, and the room's new counts."""
    entries = _presence_entries(session, room.id, user_ids)
    counts = _bloc_counts(session, room.id)
    return {
        "room": room.id,
        "people": _ordered(entries.values()),
        "left": sorted(set(user_ids) - entries.keys()),
        "counts": counts,
        "total": sum(counts.values()),
    }


def presence_view(value: Json, *, chatham: bool, facilitator: bool) -> Json:
    """Presence as a viewer may receive it: participants of Chatham House rooms get the
    counts by bloc only (a list of bloc labels would tell them nothing more)."""
    if facilitator or not chatham:
        return value
    return counted(value)


def _presence_for(session: Session, room: Room, *, facilitator: bool) -> Json:
    """Presence in a state: the list for facilitators and in small open rooms, else the
    counts by bloc (see ``DEFAULT_PRESENCE_LIST_LIMIT`` and ``presence_view``)."""
    if not facilitator:
        counts = _bloc_counts(session, room.id)
        total = sum(counts.values())
        limit = _setting("LIVE_PRESENCE_LIST_LIMIT", DEFAULT_PRESENCE_LIST_LIMIT)
        if room.is_chatham_house or total > limit:
            return {"room": room.id, "counts": counts, "total": total}
    return _presence(session, room)


def _presence_pair(value: Json, room: Room) -> tuple[Json, Json]:
    return value, presence_view(value, chatham=room.is_chatham_house, facilitator=False)


def presence_delay() -> float:
    """Seconds presence changes of a room are batched for (LIVE_PRESENCE_DELAY); 0: sent
    with the change that made them."""
    return float(current_app.config.get("LIVE_PRESENCE_DELAY", 0)) if has_app_context() else 0


def _announce_presence(
    session: Session, room: Room, delivery: Delivery, user_ids: Collection[int]
) -> Delivery:
    """Tell the room that the presence of ``user_ids`` changed: now, or batched."""
    if presence_delay() > 0:
        delivery.presence_changed.update(user_ids)
    else:
        delivery.presence = _presence_pair(_presence_change(session, room, user_ids), room)
    return delivery


def _current_turn(session: Session, room: Room) -> SpeakingTurn | None:
    return session.scalar(
        select(SpeakingTurn).where(SpeakingTurn.room_id == room.id, SpeakingTurn.ended_at.is_(None))
    )


def _queue(session: Session, room: Room) -> list[Json]:
    """Raised hands in speaking order for the room's queue mode."""
    spoke = exists().where(
        SpeakingTurn.room_id == room.id, SpeakingTurn.user_id == RaisedHand.user_id
    )
    rows = session.execute(
        select(RaisedHand, spoke.label("spoke"))
        .where(RaisedHand.room_id == room.id)
        .order_by(RaisedHand.raised_at, RaisedHand.id)
    ).all()
    refs = _refs(session, room.id, (hand.user_id for hand, _spoke in rows))
    entries = [
        {
            "ticket": hand.ticket,
            "person": refs.get(hand.user_id),
            "raised_at": _iso(hand.raised_at),
            "first_time": not spoke,
        }
        for hand, spoke in rows
    ]
    if room.queue_mode is QueueMode.FIRST_TIME_FIRST:
        entries.sort(key=lambda entry: not entry["first_time"])
    return entries


def _speaker(session: Session, room: Room) -> Json | None:
    turn = _current_turn(session, room)
    if turn is None:
        return None
    return {
        "person": _refs(session, room.id, [turn.user_id]).get(turn.user_id),
        "since": _iso(turn.started_at),
    }


def speaking_time(session: Session, room: Room, now: datetime | None = None) -> Json:
    """Seconds and turns per bloc, the current turn counted up to ``now``."""
    now = now or utcnow()
    seconds = {bloc.value: 0 for bloc in Bloc}
    turns = {bloc.value: 0 for bloc in Bloc}
    for turn in session.scalars(select(SpeakingTurn).where(SpeakingTurn.room_id == room.id)):
        seconds[turn.bloc.value] += turn.seconds(now)
        turns[turn.bloc.value] += 1
    return {"by_bloc": seconds, "turns_by_bloc": turns, "total": sum(seconds.values())}


def _poll_results(session: Session, poll: Poll, *, named_votes: bool = True) -> Json:
    """Totals and totals by bloc; for named polls also who voted what (``named_votes``)."""
    votes = list(session.scalars(select(PollVote).where(PollVote.poll_id == poll.id)))
    size = len(poll.choices)
    counts = [0] * size
    by_bloc: Json = {bloc.value: {"voters": 0, "counts": [0] * size} for bloc in Bloc}
    for vote in votes:
        by_bloc[vote.bloc.value]["voters"] += 1
        for choice in vote.choices:
            counts[choice] += 1
            by_bloc[vote.bloc.value]["counts"][choice] += 1
    results: Json = {"voters": len(votes), "counts": counts, "by_bloc": by_bloc}
    if named_votes and not poll.anonymous:
        refs = _refs(session, poll.room_id, (vote.user_id for vote in votes))
        results["votes"] = [
            {"voter": refs.get(vote.user_id), "choices": vote.choices}
            for vote in sorted(votes, key=lambda v: (v.voted_at, v.id))
        ]
    return results


def _poll_json(session: Session, poll: Poll) -> Json:
    return {
        "id": poll.id,
        "question": poll.question,
        "choices": poll.choices,
        "multiple": poll.multiple,
        "anonymous": poll.anonymous,
        "results_visibility": poll.results.value,
        "state": poll.state.value,
        "opened_at": _iso(poll.opened_at),
        "closed_at": _iso(poll.closed_at),
        "results_hidden": poll.results_hidden,
        "results": _poll_results(session, poll),
    }


def _polls(session: Session, room: Room) -> list[Poll]:
    return list(session.scalars(select(Poll).where(Poll.room_id == room.id).order_by(Poll.id)))


def _question_json(question: RoomQuestion, asker: Json | None) -> Json:
    return {
        "id": question.id,
        "seq": question.seq,
        "body": question.body,
        "asker": asker,
        "votes": question.votes,
        "state": question.state.value,
        "asked_at": _iso(question.asked_at),
        "answered_at": _iso(question.answered_at),
        "hidden": question.hidden_at is not None,
    }


def _questions(session: Session, room: Room, *, include_hidden: bool) -> list[Json]:
    query = select(RoomQuestion).where(RoomQuestion.room_id == room.id)
    if not include_hidden:
        query = query.where(RoomQuestion.hidden_at.is_(None))
    questions = list(session.scalars(query.order_by(RoomQuestion.votes.desc(), RoomQuestion.id)))
    refs = _refs(session, room.id, (q.user_id for q in questions if q.user_id is not None))
    return [
        _question_json(q, refs.get(q.user_id) if q.user_id is not None else None) for q in questions
    ]


def _reaction_counts(session: Session, room: Room) -> Json:
    counts = dict.fromkeys(REACTION_NAMES, 0)
    rows = session.execute(
        select(RoomReaction.emoji, func.count(RoomReaction.id))
        .where(RoomReaction.room_id == room.id)
        .group_by(RoomReaction.emoji)
    )
    for emoji, count in rows:
        counts[emoji] = count
    return counts


def _room_json(room: Room) -> Json:
    return {
        "id": room.id,
        "title": room.title,
        "mode": room.mode.value,
        "video_url": room.video_url,
        "locked": room.is_locked,
        "queue_mode": room.queue_mode.value,
        "registration_required": room.registration_required,
        "space": {"slug": room.space.slug, "title": room.space.title},
    }


def _agenda_json(room: Room) -> Json:
    return {"items": room.agenda, "current": room.agenda_position}


def _own_parts(session: Session, room: Room, user_ids: Collection[int]) -> dict[int, Json]:
    """Each person's raised hand, votes and upvotes in the room, by person: three queries
    for everyone."""
    wanted = list(user_ids)
    parts: dict[int, Json] = {
        user_id: {"hand": None, "votes": {}, "upvoted": []} for user_id in wanted
    }
    hands = select(RaisedHand.user_id, RaisedHand.ticket).where(
        RaisedHand.room_id == room.id, RaisedHand.user_id.in_(wanted)
    )
    for user_id, ticket in session.execute(hands):
        parts[user_id]["hand"] = ticket
    votes = (
        select(PollVote.user_id, PollVote.poll_id, PollVote.choices)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(Poll.room_id == room.id, PollVote.user_id.in_(wanted))
    )
    for user_id, poll_id, choices in session.execute(votes):
        parts[user_id]["votes"][str(poll_id)] = choices
    upvotes = (
        select(QuestionVote.user_id, QuestionVote.question_id)
        .join(RoomQuestion, RoomQuestion.id == QuestionVote.question_id)
        .where(RoomQuestion.room_id == room.id, QuestionVote.user_id.in_(wanted))
        .order_by(QuestionVote.question_id)
    )
    for user_id, question_id in session.execute(upvotes):
        parts[user_id]["upvoted"].append(question_id)
    return parts


def _you(
    session: Session,
    room: Room,
    participant: RoomParticipant | None,
    user: User,
    *,
    first_visit: bool = False,
    own: Json | None = None,
) -> Json:
    """The person's own standing (``own``: their hand, votes and upvotes, when read)."""
    you: Json = {
        "person": person_ref(participant) if participant is not None else None,
        "muted": participant.is_muted if participant is not None else False,
        "hand": None,
        "votes": {},
        "upvoted": [],
    }
    if participant is None or first_visit:
        return you  # never in the room before: no hand, votes or upvotes to look up
    you.update(own if own is not None else _own_parts(session, room, [user.id])[user.id])
    return you


def _shared_state(
    session: Session, room: Room, *, facilitator: bool, views: SharedViews | None
) -> Json:
    """The parts of the state that only room events change, as this kind of viewer sees
    them; read once per ``last_seq`` when ``views`` caches them (see ``snapshots``)."""

    def read() -> Json:
        return view(
            {
                "queue": _queue(session, room),
                "speaker": _speaker(session, room),
                "polls": [_poll_json(session, poll) for poll in _polls(session, room)],
                "questions": _questions(session, room, include_hidden=facilitator),
                "reactions": _reaction_counts(session, room),
            },
            chatham=room.is_chatham_house,
            facilitator=facilitator,
        )

    if views is None:
        return read()
    return views.read(("state", room.id, room.last_seq, facilitator), read)


def _state(
    session: Session,
    room: Room,
    user: User,
    *,
    facilitator: bool,
    now: datetime | None = None,
    participant: RoomParticipant | None = None,
    first_visit: bool = False,
    views: SharedViews | None = None,
    present: Json | None = None,
    own: Json | None = None,
) -> Json:
    """The whole room as ``user`` (whose standing row ``participant``, presence ``present``
    and ``own`` parts are, when already read) may see it, with their own standing under
    ``you``."""
    participant = participant or _existing_participant(session, room, user.id)
    you = _you(session, room, participant, user, first_visit=first_visit, own=own)
    you["facilitator"] = facilitator
    chatham = room.is_chatham_house
    state: Json = {
        **view(
            {"room": _room_json(room), "agenda": _agenda_json(room), "you": you},
            chatham=chatham,
            facilitator=facilitator,
        ),
        **_shared_state(session, room, facilitator=facilitator, views=views),
        "last_seq": room.last_seq,
        "presence": (
            present
            if present is not None
            else _presence_for(session, room, facilitator=facilitator)
        ),
    }
    if facilitator:
        state["speaking_time"] = speaking_time(session, room, now)
    return state


def _states_for(
    session: Session, room: Room, sids: Iterable[tuple[str, int]]
) -> list[tuple[str, str, Json]]:
    """Each connection's own state. Everyone's rows are read together, and what is the same
    for every viewer of a kind (the shared parts, presence) once per kind."""
    wanted = list(sids)
    user_ids = {user_id for _sid, user_id in wanted}
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
    managers = spaces.managers(session, users.values(), room.space)
    participants = _existing_participants(session, room, users.keys())
    owns = _own_parts(session, room, users.keys())
    views = SharedViews()
    presences: dict[bool, Json] = {}
    states: dict[int, Json] = {}
    out: list[tuple[str, str, Json]] = []
    for sid, user_id in wanted:
        user = users.get(user_id)
        if user is None:
            continue
        if user_id not in states:
            facilitator = user_id in managers
            if facilitator not in presences:
                presences[facilitator] = _presence_for(session, room, facilitator=facilitator)
            states[user_id] = _state(
                session,
                room,
                user,
                facilitator=facilitator,
                participant=participants.get(user_id),
                views=views,
                present=presences[facilitator],
                own=owns[user_id],
            )
        out.append((sid, "state", states[user_id]))
    return out


def _states_for_everyone(session: Session, room: Room) -> list[tuple[str, str, Json]]:
    return _states_for(session, room, presence.present_sids(session, room.id))


def room_state(session: Session, user: User, room_id: int) -> Json:
    """The room as this person may see it, without joining it (the REST view)."""
    room = visible_room(session, user, room_id)
    facilitator = _admissible(session, user, room)
    return _state(session, room, user, facilitator=facilitator)


@dataclass(frozen=True)
class RoomPage:
    """What the room page renders before the browser code takes over."""

    room: Room
    facilitator: bool
    can_join: bool
    refusal: str | None


def room_page(session: Session, user: User, room_id: int) -> RoomPage:
    """The room page is shown to anyone who may see the space, with why they cannot join."""
    room = visible_room(session, user, room_id)
    try:
        facilitator = _admissible(session, user, room)
    except Forbidden as refusal:
        return RoomPage(room=room, facilitator=False, can_join=False, refusal=refusal.message)
    return RoomPage(room=room, facilitator=facilitator, can_join=True, refusal=None)


# Connections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Connecting:
    """A connection to record: opened with a token, or by the person ``user_id`` of a
    logged-in session (``session_key``), authenticated at ``session_version``."""

    sid: str
    user_id: int | None = None
    token: str | None = None
    session_key: str | None = None
    session_version: int | None = None


def connect_together(
    session: Session, connections: list[Connecting], *, worker_id: str
) -> list[int | None]:
    """Record connections, so their events act as their people; for each, its person, or
    None when its token is unknown or revoked, or its person deactivated or their sessions
    ended since they were authenticated (nothing recorded).
    """
    owners = accounts.token_owners(
        session, [connection.token for connection in connections if connection.token]
    )
    openings: list[presence.Opening | None] = []
    for connection in connections:
        if connection.token is not None:
            owner = owners.get(connection.token)
            person, version = (owner.user_id, owner.session_version) if owner else (None, None)
        else:
            person, version = connection.user_id, connection.session_version
        openings.append(
            presence.Opening(person, connection.sid, connection.session_key, version)
            if person is not None and version is not None
            else None
        )
    recorded = presence.open_connections(
        session, [opening for opening in openings if opening is not None], worker_id=worker_id
    )
    return [
        opening.user_id if opening is not None and opening.sid in recorded else None
        for opening in openings
    ]


def disconnect(session: Session, sid: str) -> list[Delivery]:
    """Forget a connection; the rooms it was in get their new presence."""
    return _presence_deliveries(session, presence.close_connection(session, sid))


def sweep(
    session: Session, now: datetime | None = None, stale_after: timedelta = presence.STALE_AFTER
) -> list[Delivery]:
    """Drop people whose worker died; the rooms they were in get their new presence."""
    return _presence_deliveries(session, presence.sweep(session, now, stale_after))


def heartbeat(session: Session, worker_id: str, now: datetime | None = None) -> list[Delivery]:
    """One beat of a worker: say it is alive, then sweep the dead ones."""
    presence.beat(session, worker_id, now)
    return sweep(session, now)


def connections_to_end(session: Session, user_id: int, session_key: str | None) -> list[str]:
    """Live connections of a person whose session(s) ended (``None``: all of them)."""
    return presence.sids_of(session, user_id, session_key)


def presence_change(
    session: Session, room_id: int, user_ids: Collection[int]
) -> tuple[Json, Json] | None:
    """How the presence of ``user_ids`` in a room stands now, for facilitators and for
    participants (None: no such room)."""
    room = session.get(Room, room_id)
    if room is None:
        return None
    return _presence_pair(_presence_change(session, room, user_ids), room)


def _presence_deliveries(
    session: Session, changes: Mapping[int, Collection[int]]
) -> list[Delivery]:
    deliveries = []
    for room_id, user_ids in sorted(changes.items()):
        room = session.get(Room, room_id)
        if room is not None:
            deliveries.append(
                _announce_presence(session, room, Delivery(room_id=room.id), user_ids)
            )
    return deliveries


# Joining and leaving -------------------------------------------------------------------


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
    user_id: int,
    room_id: int,
    *,
    sid: str,
    worker_id: str,
    since: int | None = None,
    subscribe: Callable[[Audience], None] | None = None,
    views: SharedViews | None = None,
) -> Outcome:
    """Enter a room on this connection, opened by the person ``user_id``: the room state
    and the events after ``since`` (see ``join_together``)."""
    arrivals = join_together(
        session,
        room_id,
        [JoinRequest(user_id=user_id, sid=sid, since=since, subscribe=subscribe)],
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


def presence_list(session: Session, user_id: int, room_id: int, *, sid: str) -> Outcome:
    """Everyone in the room, for a person in it who asks (large rooms do not send it with
    the join); participants of Chatham House rooms get the counts by bloc only."""
    seat = _seat(session, user_id, room_id, sid)
    value = presence_view(
        _presence(session, seat.room),
        chatham=seat.room.is_chatham_house,
        facilitator=seat.facilitator,
    )
    return Outcome({"presence": value}, audience=audience_for(seat.facilitator, value))


def leave(session: Session, user_id: int, room_id: int, *, sid: str) -> Outcome:
    """Leave a room on this connection; a raised hand stays up for when the person returns."""
    room = _lock_room(session, room_id)
    if room is None or not presence.leave(session, sid, room_id):
        raise NotJoined(_("You are not in this room."))
    return Outcome(
        {"room": room.id},
        [_announce_presence(session, room, Delivery(room_id=room.id), [user_id])],
    )


# Chat -------------------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def _check_rate(session: Session, user: User, kind: str, limit: int, now: datetime) -> None:
    """At most ``limit`` events of a kind per person per window, counted in the shared log."""
    recent = session.scalar(
        select(func.count(RoomEvent.id)).where(
            RoomEvent.actor_id == user.id,
            RoomEvent.type == kind,
            RoomEvent.created_at > now - RATE_WINDOW,
        )
    )
    _require_under_limit(recent or 0, limit)


def _require_under_limit(sent: int, limit: int) -> None:
    if sent >= limit:
        raise RateLimited(_("You are sending too fast; wait a few seconds and try again."))


def say(
    session: Session,
    user_id: int,
    room_id: int,
    *,
    sid: str,
    body: str,
    client_id: str,
    now: datetime | None = None,
) -> Outcome:
    """Send a chat message; the same ``client_id`` again returns the stored one."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    now = now or utcnow()
    stored_seq, sent = session.execute(
        _SAY_CHECK,
        {
            "room_id": seat.room.id,
            "client_id": client_id,
            "since": now - RATE_WINDOW,
            "user_id": user.id,
        },
    ).one()
    if stored_seq is not None:
        return Outcome({"seq": stored_seq, "duplicate": True})
    _require_voice(seat)
    _require_under_limit(sent, _setting("LIVE_SAY_LIMIT", DEFAULT_SAY_LIMIT))
    event = _append_by(
        session,
        seat,
        "message",
        data={"body": body, "client_id": client_id},
        client_id=client_id,
        now=now,
    )
    return Outcome({"seq": event.seq, "duplicate": False}, [_delivery(seat.room, event)])


def hide(session: Session, user_id: int, room_id: int, *, sid: str, seq: int) -> Outcome:
    """A facilitator hides a message or a question from participants."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_facilitator(session, seat)
    target = session.scalar(
        _events_query(seat.room.id).where(RoomEvent.seq == seq, RoomEvent.type.in_(HIDEABLE))
    )
    if target is None:
        raise NotFound(_("No such message or question in this room."))
    if target.hidden_at is not None:
        raise Conflict(_("That is hidden already."))
    target.hidden_at = utcnow()
    kind = "question" if target.type == "question.asked" else "message"
    if kind == "question":
        question = session.scalar(
            select(RoomQuestion).where(
                RoomQuestion.room_id == seat.room.id, RoomQuestion.seq == seq
            )
        )
        if question is not None:
            question.hidden_at = target.hidden_at
    event = _append_by(
        session,
        seat,
        "hidden",
        data={"target": seq, "kind": kind},
    )
    audit.record(
        session,
        user.id,
        f"room.{kind}_hidden",
        "room",
        seat.room.id,
        seq=seq,
        author_id=target.actor_id,
    )
    return Outcome({"seq": event.seq}, [_delivery(seat.room, event)])


# Hands, floor and queue -----------------------------------------------------------------


def _position(queue: list[Json], ticket: str | None) -> int | None:
    for index, entry in enumerate(queue):
        if entry["ticket"] == ticket:
            return index + 1
    return None


def hand(session: Session, user_id: int, room_id: int, *, sid: str, up: bool) -> Outcome:
    """Raise or lower a hand; doing what is already done changes nothing."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    raised = session.scalar(
        select(RaisedHand).where(RaisedHand.room_id == seat.room.id, RaisedHand.user_id == user.id)
    )
    if up:
        _require_voice(seat)
    if up == (raised is not None):
        queue = _queue(session, seat.room)
        ticket = raised.ticket if raised is not None else None
        return Outcome(
            {"up": up, "ticket": ticket, "position": _position(queue, ticket), "seq": None}
        )
    if up:
        raised = RaisedHand(room_id=seat.room.id, user_id=user.id, ticket=uuid4().hex)
        session.add(raised)
    else:
        session.delete(raised)
    session.flush()
    ticket = raised.ticket if raised is not None else None
    queue = _queue(session, seat.room)
    event = _append_by(
        session,
        seat,
        "hand",
        data={"up": up, "ticket": ticket, "queue": queue},
    )
    return Outcome(
        {
            "up": up,
            "ticket": ticket if up else None,
            "position": _position(queue, ticket) if up else None,
            "seq": event.seq,
        },
        [_delivery(seat.room, event)],
    )


def _end_turn(session: Session, room: Room, now: datetime) -> Json | None:
    turn = _current_turn(session, room)
    if turn is None:
        return None
    turn.ended_at = now
    return {
        "person": _refs(session, room.id, [turn.user_id]).get(turn.user_id),
        "seconds": turn.seconds(now),
    }


def floor(
    session: Session,
    user_id: int,
    room_id: int,
    *,
    sid: str,
    speaker_id: int | None,
    now: datetime | None = None,
) -> Outcome:
    """A facilitator gives the floor (lowering that person's hand) or ends the current turn."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_facilitator(session, seat)
    now = now or utcnow()
    room = seat.room
    current = _current_turn(session, room)
    if speaker_id is None and current is None:
        raise Conflict(_("Nobody has the floor."))
    if speaker_id is not None and current is not None and current.user_id == speaker_id:
        raise Conflict(_("This person has the floor already."))
    speaker: Json | None = None
    target: RoomParticipant | None = None
    if speaker_id is not None:
        target = _existing_participant(session, room, speaker_id)
        if target is None or target.admitted_at is None or target.is_removed:
            raise NotFound(_("This person is not in the room."))
        if target.is_muted:
            raise Conflict(_("This person is muted."))
    previous = _end_turn(session, room, now)
    if target is not None:
        session.execute(
            delete(RaisedHand).where(
                RaisedHand.room_id == room.id, RaisedHand.user_id == target.user_id
            )
        )
        session.add(
            SpeakingTurn(
                room_id=room.id,
                user_id=target.user_id,
                bloc=target.bloc,
                started_at=now,
                given_by_id=user.id,
            )
        )
        speaker = {"person": person_ref(target), "since": _iso(now)}
    session.flush()
    event = _append_by(
        session,
        seat,
        "floor",
        data={
            "speaker": speaker,
            "previous": previous,
            "queue": _queue(session, room),
            "speaking_time": speaking_time(session, room, now),
        },
        now=now,
    )
    return Outcome({"seq": event.seq}, [_delivery(room, event)])


def queue_mode(
    session: Session, user_id: int, room_id: int, *, sid: str, mode: QueueMode | str
) -> Outcome:
    seat = _seat(session, user_id, room_id, sid)
    _require_facilitator(session, seat)
    target = QueueMode(mode)
    if seat.room.queue_mode is target:
        raise Conflict(_("The queue is in that mode already."))
    seat.room.queue_mode = target
    session.flush()
    event = _append_by(
        session,
        seat,
        "queue.mode",
        data={"mode": target.value, "queue": _queue(session, seat.room)},
    )
    return Outcome({"seq": event.seq}, [_delivery(seat.room, event)])


# Polls --------------------------------------------------------------------------------------


def _room_poll(session: Session, room: Room, poll_id: int) -> Poll:
    poll = session.scalar(select(Poll).where(Poll.id == poll_id, Poll.room_id == room.id))
    if poll is None:
        raise NotFound(_("No such poll in this room."))
    return poll


def poll_open(
    session: Session,
    user_id: int,
    room_id: int,
    *,
    sid: str,
    question: str,
    choices: list[str],
    multiple: bool = False,
    anonymous: bool = True,
    results: ResultsVisibility | str = ResultsVisibility.LIVE,
) -> Outcome:
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_facilitator(session, seat)
    if len({choice.casefold() for choice in choices}) != len(choices):
        raise ValidationFailed(fields={"choices": [_("Each choice must be different.")]})
    poll = Poll(
        room_id=seat.room.id,
        question=question,
        choices=list(choices),
        multiple=multiple,
        anonymous=anonymous,
        results=ResultsVisibility(results),
        state=PollState.OPEN,
        opened_by_id=user.id,
        opened_at=utcnow(),
    )
    session.add(poll)
    session.flush()
    event = _append_by(
        session,
        seat,
        "poll.opened",
        data={"poll": _poll_json(session, poll)},
    )
    return Outcome({"poll": poll.id, "seq": event.seq}, [_delivery(seat.room, event)])


def poll_vote(
    session: Session, user_id: int, room_id: int, *, sid: str, poll_id: int, choices: list[int]
) -> Outcome:
    """Vote, or change one's vote, while the poll is open."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    poll = _room_poll(session, seat.room, poll_id)
    poll.require_open()
    picked = sorted(set(choices))
    if len(picked) != len(choices) or any(not 0 <= c < len(poll.choices) for c in picked):
        raise ValidationFailed(fields={"choices": [_("Pick among the poll's choices, once each.")]})
    if not poll.multiple and len(picked) != 1:
        raise ValidationFailed(fields={"choices": [_("Pick exactly one choice.")]})
    vote = session.scalar(
        select(PollVote).where(PollVote.poll_id == poll.id, PollVote.user_id == user.id)
    )
    now = utcnow()
    if vote is None:
        session.add(
            PollVote(
                poll_id=poll.id,
                user_id=user.id,
                bloc=seat.participant.bloc,
                choices=picked,
                voted_at=now,
            )
        )
    else:
        vote.choices = picked
        vote.bloc = seat.participant.bloc
        vote.voted_at = now
    session.flush()
    # Each vote carries the new totals and, in a named poll, this one vote: never the whole
    # list of votes, which would grow with every broadcast.
    results = _poll_results(session, poll, named_votes=False)
    data: Json = {
        "poll": poll.id,
        "voters": results["voters"],
        "results_hidden": poll.results_hidden,
        "results": results,
    }
    if not poll.anonymous:
        data["vote"] = {"voter": seat.ref(), "choices": picked}
    # An anonymous vote names nobody, not even in the stored log.
    event = _append(
        session,
        seat.room,
        "poll.voted",
        actor=None if poll.anonymous else seat.ref(),
        actor_id=None if poll.anonymous else user.id,
        data=data,
        now=now,
    )
    ack: Json = {"poll": poll.id, "choices": picked, "seq": event.seq}
    return Outcome(ack, [_delivery(seat.room, event)])


def poll_close(session: Session, user_id: int, room_id: int, *, sid: str, poll_id: int) -> Outcome:
    seat = _seat(session, user_id, room_id, sid)
    _require_facilitator(session, seat)
    poll = _room_poll(session, seat.room, poll_id)
    poll.close()
    session.flush()
    event = _append_by(
        session,
        seat,
        "poll.closed",
        data={"poll": _poll_json(session, poll)},
    )
    return Outcome({"poll": poll.id, "seq": event.seq}, [_delivery(seat.room, event)])


# Questions ---------------------------------------------------------------------------------


def _room_question(session: Session, room: Room, question_id: int) -> RoomQuestion:
    question = session.scalar(
        select(RoomQuestion).where(
            RoomQuestion.id == question_id,
            RoomQuestion.room_id == room.id,
            RoomQuestion.hidden_at.is_(None),
        )
    )
    if question is None:
        raise NotFound(_("No such question in this room."))
    return question


def ask(session: Session, user_id: int, room_id: int, *, sid: str, body: str) -> Outcome:
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_voice(seat)
    room = seat.room
    question = RoomQuestion(
        room_id=room.id,
        user_id=user.id,
        bloc=seat.participant.bloc,
        body=body,
        seq=room.last_seq + 1,
        asked_at=utcnow(),
    )
    session.add(question)
    session.flush()
    event = _append_by(
        session,
        seat,
        "question.asked",
        data={"question": _question_json(question, seat.ref())},
    )
    # The room row is locked, so the number taken above is the one the event received.
    question.seq = event.seq
    return Outcome({"question": question.id, "seq": event.seq}, [_delivery(room, event)])


def upvote(
    session: Session, user_id: int, room_id: int, *, sid: str, question_id: int, up: bool = True
) -> Outcome:
    """Upvote a question once, or take the upvote back."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    question = _room_question(session, seat.room, question_id)
    vote = session.scalar(
        select(QuestionVote).where(
            QuestionVote.question_id == question.id, QuestionVote.user_id == user.id
        )
    )
    if up == (vote is not None):
        return Outcome({"question": question.id, "votes": question.votes, "seq": None})
    if up:
        session.add(QuestionVote(question_id=question.id, user_id=user.id))
        question.votes += 1
    else:
        session.delete(vote)
        question.votes -= 1
    session.flush()
    event = _append_by(
        session,
        seat,
        "question.upvoted",
        data={"question": question.id, "votes": question.votes, "up": up},
    )
    return Outcome(
        {"question": question.id, "votes": question.votes, "seq": event.seq},
        [_delivery(seat.room, event)],
    )


def answer(session: Session, user_id: int, room_id: int, *, sid: str, question_id: int) -> Outcome:
    seat = _seat(session, user_id, room_id, sid)
    _require_facilitator(session, seat)
    question = _room_question(session, seat.room, question_id)
    question.mark_answered()
    session.flush()
    event = _append_by(
        session,
        seat,
        "question.answered",
        data={"question": question.id},
    )
    return Outcome({"question": question.id, "seq": event.seq}, [_delivery(seat.room, event)])


# Reactions and agenda ------------------------------------------------------------------------


def react(
    session: Session,
    user_id: int,
    room_id: int,
    *,
    sid: str,
    emoji: str,
    now: datetime | None = None,
) -> Outcome:
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_voice(seat)
    if emoji not in REACTION_NAMES:
        raise ValidationFailed(fields={"emoji": [_("Not one of the room's reactions.")]})
    now = now or utcnow()
    _check_rate(session, user, "reaction", _setting("LIVE_REACT_LIMIT", DEFAULT_REACT_LIMIT), now)
    session.add(RoomReaction(room_id=seat.room.id, user_id=user.id, emoji=emoji, created_at=now))
    session.flush()
    counts = _reaction_counts(session, seat.room)
    event = _append_by(
        session,
        seat,
        "reaction",
        data={"emoji": emoji, "counts": counts},
        now=now,
    )
    return Outcome({"counts": counts, "seq": event.seq}, [_delivery(seat.room, event)])


def agenda(session: Session, user_id: int, room_id: int, *, sid: str, item: int) -> Outcome:
    """A facilitator moves the room to an agenda item (usually the next one)."""
    seat = _seat(session, user_id, room_id, sid)
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


# Moderation ----------------------------------------------------------------------------------


def lock(session: Session, user_id: int, room_id: int, *, sid: str, locked: bool) -> Outcome:
    """Lock the room to newcomers (people already admitted may still come back), or unlock it."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_facilitator(session, seat)
    if locked:
        seat.room.lock()
    else:
        seat.room.unlock()
    session.flush()
    event = _append_by(
        session,
        seat,
        "room.locked",
        data={"locked": locked},
    )
    audit.record(
        session, user.id, "room.locked" if locked else "room.unlocked", "room", seat.room.id
    )
    return Outcome({"locked": locked, "seq": event.seq}, [_delivery(seat.room, event)])


#: What ``moderate`` does, with the verb its audit entry records.
MODERATION_ACTIONS: tuple[tuple[str, str], ...] = (
    ("mute", "room.participant_muted"),
    ("unmute", "room.participant_unmuted"),
    ("remove", "room.participant_removed"),
    ("readmit", "room.participant_readmitted"),
)


def moderate(
    session: Session, user_id: int, room_id: int, *, sid: str, action: str, target_id: int
) -> Outcome:
    """Mute, unmute, remove (disconnect and bar) or readmit a participant; audited."""
    seat = _seat(session, user_id, room_id, sid)
    user = seat.user
    _require_facilitator(session, seat)
    room = seat.room
    target = _existing_participant(session, room, target_id)
    if target is None:
        raise NotFound(_("This person has not been in the room."))
    if target.user_id == user.id or spaces.can_manage(session, target.user, room.space):
        raise Forbidden(_("Facilitators cannot be moderated here."))
    verb = next((verb for name, verb in MODERATION_ACTIONS if name == action), None)
    if verb is None:
        raise ValidationFailed(fields={"action": [_("Unknown action.")]})
    getattr(target, action)()
    delivery = Delivery(room_id=room.id)
    data: Json = {"action": action, "user": person_ref(target)}
    if action in ("mute", "remove"):
        session.execute(
            delete(RaisedHand).where(
                RaisedHand.room_id == room.id, RaisedHand.user_id == target.user_id
            )
        )
        current = _current_turn(session, room)
        if action == "remove" and current is not None and current.user_id == target.user_id:
            data["previous"] = _end_turn(session, room, utcnow())
    session.flush()
    if action in ("mute", "remove"):
        data["queue"] = _queue(session, room)
    sids = presence.sids_in_room(session, room.id, target.user_id)
    if action == "remove":
        presence.drop_from_room(session, room.id, target.user_id)
        notice = {
            "room": room.id,
            "code": "removed",
            "message": _("The facilitators removed you from this room."),
        }
        delivery.personal.extend((s, "notice", notice) for s in sids)
        delivery.disconnect.extend(sids)
        _announce_presence(session, room, delivery, [target.user_id])
    event = _append_by(session, seat, "moderation", data=data)
    delivery.events.append(_pair(event_json(event), room))
    if action in ("mute", "unmute"):
        delivery.personal.extend(_states_for(session, room, ((s, target.user_id) for s in sids)))
        _announce_presence(session, room, delivery, [target.user_id])
    audit.record(session, user.id, verb, "room", room.id, user_id=target.user_id)
    return Outcome({"action": action, "user": target.user_id, "seq": event.seq}, [delivery])


# Exports -------------------------------------------------------------------------------------


def _managed_room(session: Session, user: User, room_id: int) -> Room:
    room = visible_room(session, user, room_id)
    spaces.require_manager(session, user, room.space)
    return room


def audit_trail(
    session: Session, user: User, room_id: int, *, page: int = 1, per_page: int = 20
) -> Page[audit.AuditEntry]:
    """What facilitators did in a room, newest first (facilitators only)."""
    room = _managed_room(session, user, room_id)
    query = (
        select(audit.AuditEntry)
        .where(audit.AuditEntry.target_type == "room", audit.AuditEntry.target_id == room.id)
        .order_by(audit.AuditEntry.at.desc(), audit.AuditEntry.id.desc())
    )
    return paginate(session, query, page, per_page)


def transcript(session: Session, user: User, room_id: int) -> Json:
    """The record of a room for its facilitators; Chatham House rooms name blocs only."""
    room = _managed_room(session, user, room_id)
    events = list(session.scalars(_events_query(room.id).order_by(RoomEvent.seq)))
    messages: list[Json] = []
    agenda_progress: list[Json] = [
        {**item, "position": index, "started_at": None} for index, item in enumerate(room.agenda)
    ]
    for event in events:
        data = event.payload.get("data") or {}
        if event.type == "message":
            entry: Json = {"seq": event.seq, "at": _iso(event.created_at)}
            if event.hidden_at is not None:
                entry["hidden"] = True
            else:
                entry.update(speaker=event.payload.get("actor"), body=data.get("body"))
            messages.append(entry)
        elif event.type == "agenda":
            position = data.get("current")
            if (
                isinstance(position, int)
                and 0 <= position < len(agenda_progress)
                and agenda_progress[position]["started_at"] is None
            ):
                agenda_progress[position]["started_at"] = _iso(event.created_at)
    polls = [_poll_json(session, poll) for poll in _polls(session, room)]
    for poll in polls:
        poll.pop("results_hidden")
    record: Json = {
        "room": {
            "id": room.id,
            "title": room.title,
            "mode": room.mode.value,
            "space": {"slug": room.space.slug, "title": room.space.title},
            "opened_at": _iso(room.created_at),
        },
        "generated_at": _iso(utcnow()),
        "agenda": agenda_progress,
        "messages": messages,
        "questions": [
            {k: v for k, v in q.items() if k != "hidden"}
            for q in _questions(session, room, include_hidden=False)
        ],
        "polls": polls,
        "speaking_time": speaking_time(session, room),
        "participants_by_bloc": _participants_by_bloc(session, room),
    }
    return anonymised(record) if room.is_chatham_house else record


def _participants_by_bloc(session: Session, room: Room) -> Json:
    counts = {bloc.value: 0 for bloc in Bloc}
    rows = session.execute(
        select(RoomParticipant.bloc, func.count(RoomParticipant.id))
        .where(RoomParticipant.room_id == room.id, RoomParticipant.admitted_at.is_not(None))
        .group_by(RoomParticipant.bloc)
    )
    for bloc, count in rows:
        counts[Bloc(bloc).value] = count
    return counts


_MARKDOWN_SPECIAL = "\\`*_[]<>|#"


def _md(text: Any) -> str:
    """User text inside a Markdown document: special characters escaped, lines kept."""
    escaped = "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in str(text))
    return "  \n  ".join(escaped.splitlines())


def _md_person(person: Json | None) -> str:
    if not person:
        return str(_("unknown"))
    bloc = bloc_label(person.get("bloc") or Bloc.OTHER.value)
    if "name" not in person:
        return bloc
    organisation = person.get("organisation")
    if organisation:
        return f"{_md(person['name'])} ({_md(organisation['name'])}, {bloc})"
    return f"{_md(person['name'])} ({bloc})"


def _md_time(moment: str | None) -> str:
    if not moment:
        return ""
    return f"{datetime.fromisoformat(moment):%Y-%m-%d %H:%M} UTC"


def transcript_file(
    session: Session, user: User, room_id: int, extension: str
) -> tuple[str, str, str]:
    """A transcript download: (body, media type, file name)."""
    record = transcript(session, user, room_id)
    name = f"room-{room_id}-transcript.{extension}"
    if extension == "md":
        return transcript_markdown(record), "text/markdown", name
    return json.dumps(record, ensure_ascii=False, indent=2), "application/json", name


def transcript_markdown(record: Json) -> str:
    """A transcript (see ``transcript``) as a Markdown document."""
    room = record["room"]
    chatham = room["mode"] == RoomMode.CHATHAM_HOUSE.value
    lines = [
        f"# {_md(room['title'])}",
        "",
        _("Space: %(space)s", space=_md(room["space"]["title"])),
        "",
        _(
            "Opened: %(at)s · Transcript of %(now)s",
            at=_md_time(room["opened_at"]),
            now=_md_time(record["generated_at"]),
        ),
        "",
    ]
    if chatham:
        lines += [
            "> "
            + _(
                "Chatham House rule: what was said may be used, but no speaker or "
                "organisation may be named. Speakers appear by stakeholder group only."
            ),
            "",
        ]
    lines += ["## " + _("Agenda"), ""]
    for item in record["agenda"]:
        minutes = _(" (%(n)d min)", n=item["minutes"]) if item.get("minutes") else ""
        started = (
            " — " + _("started %(at)s", at=_md_time(item["started_at"]))
            if item.get("started_at")
            else ""
        )
        lines.append(f"{item['position'] + 1}. {_md(item['title'])}{minutes}{started}")
    if not record["agenda"]:
        lines.append(_("No agenda."))
    lines += ["", "## " + _("Messages"), ""]
    for message in record["messages"]:
        when = _md_time(message["at"])
        if message.get("hidden"):
            lines.append(f"- {when} · " + _("(a message hidden by the facilitators)"))
        else:
            lines.append(
                f"- {when} · **{_md_person(message.get('speaker'))}:** "
                f"{_md(message.get('body') or '')}"
            )
    if not record["messages"]:
        lines.append(_("No messages."))
    lines += ["", "## " + _("Questions"), ""]
    for question in record["questions"]:
        state = _("answered") if question["state"] == QuestionState.ANSWERED.value else _("open")
        lines.append(
            f"- {_md(question['body'])} — {_md_person(question.get('asker'))}; "
            + _("%(n)d upvotes", n=question["votes"])
            + f"; {state}"
        )
    if not record["questions"]:
        lines.append(_("No questions."))
    lines += ["", "## " + _("Polls"), ""]
    blocs = [bloc.value for bloc in Bloc]
    for poll in record["polls"]:
        results = poll["results"]
        lines += [
            f"### {_md(poll['question'])}",
            "",
            _(
                "%(voters)d voters; %(state)s.",
                voters=results["voters"],
                state=_("closed") if poll["state"] == PollState.CLOSED.value else _("open"),
            ),
            "",
            "| " + " | ".join([_("Choice"), _("Total"), *(bloc_label(b) for b in blocs)]) + " |",
            "|" + " --- |" * (2 + len(blocs)),
        ]
        for index, choice in enumerate(poll["choices"]):
            cells = [_md(choice), str(results["counts"][index])]
            cells += [str(results["by_bloc"][b]["counts"][index]) for b in blocs]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if not record["polls"]:
        lines += [_("No polls."), ""]
    time = record["speaking_time"]
    lines += ["## " + _("Speaking time by bloc"), ""]
    lines += [
        f"- {bloc_label(b)}: "
        + _(
            "%(minutes)d min %(seconds)02d s in %(turns)d turns",
            minutes=time["by_bloc"][b] // 60,
            seconds=time["by_bloc"][b] % 60,
            turns=time["turns_by_bloc"][b],
        )
        for b in blocs
    ]
    lines += ["", "## " + _("Participants by bloc"), ""]
    lines += [f"- {bloc_label(b)}: {record['participants_by_bloc'][b]}" for b in blocs]
    return "\n".join(lines) + "\n"
