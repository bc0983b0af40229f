"""Reactions: a small fixed set of emoji, counted per room, rate-limited."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.live.models import Room, RoomReaction
from diaspora_hub.live.service.kernel import (
    _require_voice,
    _seat,
)
from diaspora_hub.live.service.log import _append_by, _delivery
from diaspora_hub.live.types import REACTION_NAMES, Json, Outcome


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


def react(
    session: Session,
    actor_id: int,
    room_id: int,
    *,
    sid: str,
    emoji: str,
    now: datetime | None = None,
) -> Outcome:
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_voice(seat)
    if emoji not in REACTION_NAMES:
        raise ValidationFailed(fields={"emoji": [_("Not one of the room's reactions.")]})
    now = now or utcnow()
    session.add(RoomReaction(room_id=seat.room.id, user_id=actor.id, emoji=emoji, created_at=now))
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
