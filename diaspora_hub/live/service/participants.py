"""A person's standing row in a room, and the rules of who may be in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from diaspora_hub.accounts.models import User
from diaspora_hub.live.models import Room, RoomParticipant
from diaspora_hub.live.service.kernel import (
    RegistrationRequired,
    Removed,
    RoomLocked,
    _existing_participant,
    _insert,
)
from diaspora_hub.live.types import Json
from diaspora_hub.organisations.models import Bloc, Organisation
from diaspora_hub.spaces import service as spaces


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


def _admissible(session: Session, actor: User, room: Room) -> bool:
    """Whether ``actor`` may be in the room (raises why not); True for its facilitators."""
    standing = spaces.require_participant(session, actor, room.space)
    return _admission(room, standing, _existing_participant(session, room, actor.id))


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
