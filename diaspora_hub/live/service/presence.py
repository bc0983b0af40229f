"""Who is in a room now, as lists and counts by bloc, and how changes of it are announced."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Select, String, bindparam, distinct, func, select, type_coerce
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.live.models import Room, RoomParticipant, RoomPresence
from diaspora_hub.live.service.kernel import DEFAULT_PRESENCE_LIST_LIMIT, _setting
from diaspora_hub.live.service.redaction import presence_view
from diaspora_hub.live.types import PERSON_MARK, Audience, Delivery, Json
from diaspora_hub.organisations.models import Bloc, Organisation


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


def audience_for(facilitator: bool, present: Json) -> Audience:
    """Who a connection hears broadcasts as once it holds ``present`` (a presence)."""
    if facilitator:
        return Audience.FACILITATORS
    return Audience.LISTED if "people" in present else Audience.COUNTED


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
                PERSON_MARK: bloc,
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
