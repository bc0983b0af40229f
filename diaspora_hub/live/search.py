"""Rooms in the search, by title and agenda; found only by those who may see their space."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import search
from diaspora_hub.core.errors import NotFound
from diaspora_hub.live import service
from diaspora_hub.live.models import Room


def _agenda(room: Room) -> str:
    return " ".join(str(item.get("title", "")) for item in room.agenda or [])


def _documents(session: Session, ids: Collection[int] | None) -> Iterable[tuple[int, str]]:
    for room in search.objects(session, Room, ids):
        yield room.id, f"{room.title} {_agenda(room)}"


def _resolve(
    session: Session, actor: User | None, ids: Collection[int]
) -> Mapping[int, search.Found]:
    found: dict[int, search.Found] = {}
    for room_id in ids:
        try:
            room = service.visible_room(session, actor, room_id)
        except NotFound:
            continue
        found[room_id] = search.Found(
            title=room.title,
            url=url_for("live.room", room_id=room.id),
            text=_agenda(room),
            space=room.space.title,
        )
    return found


KIND = search.Kind(
    name="room",
    label=_l("Rooms"),
    watch={Room: search.Watch(owner=lambda room: room.id, fields=frozenset({"title", "agenda"}))},
    documents=_documents,
    resolve=_resolve,
)
