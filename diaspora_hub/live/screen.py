"""What other domains put on a room's screen, as room events anyone in the room receives.

Live owns the event log and the broadcast; a domain above it (recommendations) calls
:func:`show` when a facilitator puts an item on screen and :func:`refresh` when the
item's figures change, then :func:`send_after_commit` with what they return. Events:

- ``screen.shown`` ``{item}``: ``item`` is ``{kind, id, title, url, ...}`` as the
  calling domain describes it.
- ``screen.updated`` ``{item}``: the same item with new figures.
- ``screen.cleared`` ``{}``: nothing is on screen any more.

The events have no actor (the facilitator is kept in the stored row only), and items
carry figures by bloc, never a person or an organisation, so they read the same to
everyone in open and Chatham House rooms.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import after_commit
from diaspora_hub.core.errors import NotFound
from diaspora_hub.live import events
from diaspora_hub.live.models import Room
from diaspora_hub.live.service import announce
from diaspora_hub.live.service.kernel import _lock_room
from diaspora_hub.live.types import Delivery
from diaspora_hub.spaces import service as spaces

Json = dict[str, Any]

SHOWN = "screen.shown"
UPDATED = "screen.updated"
CLEARED = "screen.cleared"


def show(session: Session, actor: User, room_id: int, *, item: Json) -> Delivery:
    """Put ``item`` on the room's screen (the room's facilitators)."""
    room = _managed(session, actor, room_id)
    return announce(session, room, SHOWN, actor_id=actor.id, data={"item": item})


def clear(session: Session, actor: User, room_id: int) -> Delivery:
    room = _managed(session, actor, room_id)
    return announce(session, room, CLEARED, actor_id=actor.id, data={})


def refresh(session: Session, room_id: int, *, item: Json) -> Delivery | None:
    """New figures for the item on screen, with no actor (None when the room is gone)."""
    room = _lock_room(session, room_id)
    if room is None:
        return None
    return announce(session, room, UPDATED, actor_id=None, data={"item": item})


def send_after_commit(session: Session, deliveries: list[Delivery]) -> None:
    """Broadcast once the transaction commits, or never."""
    if deliveries:
        after_commit(session, lambda: events.deliver(deliveries))


def _managed(session: Session, actor: User, room_id: int) -> Room:
    room = _lock_room(session, room_id)
    if room is None or not spaces.can_see(session, actor, room.space):
        raise NotFound(_("No such room."))
    spaces.require_manager(session, actor, room.space)
    return room
