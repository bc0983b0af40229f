"""Chat messages: idempotent by ``client_id``, rate-limited, silenced by a mute."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.live.models import RoomEvent
from diaspora_hub.live.service.kernel import (
    DEFAULT_SAY_LIMIT,
    RATE_WINDOW,
    _require_under_limit,
    _require_voice,
    _seat,
    _setting,
)
from diaspora_hub.live.service.log import _append_by, _delivery
from diaspora_hub.live.types import Outcome


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


def say(
    session: Session,
    actor_id: int,
    room_id: int,
    *,
    sid: str,
    body: str,
    client_id: str,
    now: datetime | None = None,
) -> Outcome:
    """Send a chat message; the same ``client_id`` again returns the stored one."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    now = now or utcnow()
    stored_seq, sent = session.execute(
        _SAY_CHECK,
        {
            "room_id": seat.room.id,
            "client_id": client_id,
            "since": now - RATE_WINDOW,
            "user_id": actor.id,
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
        rate_checked=True,
    )
    return Outcome({"seq": event.seq, "duplicate": False}, [_delivery(seat.room, event)])
