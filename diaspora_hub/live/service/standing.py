"""Live access follows standing: when what a person may see or do in a space changes, their
connections in its rooms are judged again at once.

Called in the transaction of the change (``accounts.signals.standing_changed``), so the
room never holds a connection its person no longer stands behind once that commits. Each
connection either stays where it is, moves to the audience it now belongs to (a
facilitator added or removed, a new bloc) with a fresh ``state``, or is taken out of
every room and ended with a ``notice`` saying why.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import AppError, Unauthorised
from diaspora_hub.live import presence
from diaspora_hub.live.models import Room, RoomPresence
from diaspora_hub.live.service.kernel import (
    RegistrationRequired,
    Removed,
    _affiliation,
    _existing_participant,
    _lock_room,
)
from diaspora_hub.live.service.participants import _admission, _participants
from diaspora_hub.live.service.presence import (
    _announce_presence,
    _presence_deliveries,
    _presence_for,
    audience_for,
)
from diaspora_hub.live.service.state import _states_for
from diaspora_hub.live.types import Delivery, Json
from diaspora_hub.spaces import service as spaces


def follow_standing(
    session: Session, *, user_ids: Collection[int] | None, space_id: int | None
) -> list[Delivery]:
    """Judge again the room connections of ``user_ids`` (None: everyone) in the rooms of
    ``space_id`` (None: every space); what to send once the change commits."""
    query = select(RoomPresence.room_id, RoomPresence.user_id).join(
        Room, Room.id == RoomPresence.room_id
    )
    if user_ids is not None:
        query = query.where(RoomPresence.user_id.in_(sorted(set(user_ids))))
    if space_id is not None:
        query = query.where(Room.space_id == space_id)
    rooms: dict[int, set[int]] = {}
    for room_id, user_id in session.execute(query.distinct()):
        rooms.setdefault(room_id, set()).add(user_id)
    deliveries: list[Delivery] = []
    ended: list[str] = []
    for room_id in sorted(rooms):
        room = _lock_room(session, room_id)
        if room is not None:
            deliveries.append(_judge(session, room, rooms[room_id], ended))
    changes: dict[int, set[int]] = {}
    for sid in ended:
        for room_id, people in presence.close_connection(session, sid).items():
            changes.setdefault(room_id, set()).update(people)
    return deliveries + _presence_deliveries(session, changes)


def _judge(session: Session, room: Room, user_ids: set[int], ended: list[str]) -> Delivery:
    """One room: who stays as they were, who moves, who goes (their sids added to ``ended``)."""
    delivery = Delivery(room_id=room.id)
    moved: list[tuple[str, int]] = []
    for user_id in sorted(user_ids):
        user = session.get(User, user_id)
        sids = presence.sids_in_room(session, room.id, user_id)
        if user is None or not sids:
            continue
        participant = _existing_participant(session, room, user_id)
        try:
            if not user.is_active:
                raise Unauthorised()
            standing = spaces.require_standing(spaces.standing(session, user, room.space_id))
            facilitator = _admission(room, standing, participant)
        except AppError as refusal:
            notice = _notice(room, refusal)
            delivery.personal.extend((sid, "notice", notice) for sid in sids)
            delivery.listen.extend((sid, None) for sid in sids)
            delivery.disconnect.extend(sids)
            ended.extend(sids)
            continue
        organisation = _affiliation(session, user_id, room.space_id)
        before = (
            (participant.organisation_id, participant.bloc) if participant is not None else None
        )
        participant = _participants(session, room, [(user, participant, organisation)])[user_id]
        was_facilitator = bool(
            session.scalar(
                select(RoomPresence.facilitator)
                .where(RoomPresence.room_id == room.id, RoomPresence.user_id == user_id)
                .order_by(RoomPresence.facilitator.desc())
                .limit(1)
            )
        )
        if was_facilitator == facilitator and before == (
            participant.organisation_id,
            participant.bloc,
        ):
            continue
        session.execute(
            update(RoomPresence)
            .where(RoomPresence.room_id == room.id, RoomPresence.user_id == user_id)
            .values(facilitator=facilitator)
        )
        audience = audience_for(facilitator, _presence_for(session, room, facilitator=facilitator))
        delivery.listen.extend((sid, audience) for sid in sids)
        moved.extend((sid, user_id) for sid in sids)
    session.flush()
    if moved:
        delivery.personal.extend(_states_for(session, room, moved))
        _announce_presence(session, room, delivery, {user_id for _sid, user_id in moved})
    return delivery


def _notice(room: Room, refusal: AppError) -> Json:
    """Why a connection is ended, in the words of ``protocol.replies.Notice``."""
    if isinstance(refusal, Unauthorised):
        code, message = "session_ended", _("Your session has ended.")
    elif isinstance(refusal, spaces.ConductNotAccepted):
        code = "conduct_required"
        message = _("The space's code of conduct changed; accept it to take part again.")
    elif isinstance(refusal, RegistrationRequired | Removed):
        code, message = refusal.code, refusal.message
    else:
        code, message = "access_ended", _("You no longer have access to this space.")
    return {"room": room.id, "code": code, "message": message}
