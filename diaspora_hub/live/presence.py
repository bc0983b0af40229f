"""Who is connected, and from which worker: shared by every server process through the database.

Each worker process has an id (``host:pid:start``) and a heartbeat row it refreshes every
few seconds. Connections and presence rows carry the worker id, so when a worker dies
without cleaning up, the next sweep by any other worker drops its rows once the heartbeat
is older than ``STALE_AFTER``. A beat touches the worker's own row only, whatever the
number of its connections: it runs on the event loop that serves them. Nothing here is
kept in process memory.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.live.models import LiveConnection, LiveWorker, RoomPresence

#: How often a worker refreshes its heartbeat.
HEARTBEAT_SECONDS = 5
#: A worker silent for longer than this is presumed dead, with its connections.
STALE_AFTER = timedelta(seconds=15)


def new_worker_id() -> str:
    """An id for this process that a restarted process (even with the same pid) never reuses."""
    return f"{socket.gethostname()}:{os.getpid()}:{time.time_ns() // 1_000_000}"


def beat(session: Session, worker_id: str, now: datetime | None = None) -> None:
    """Say this worker is alive, and so are the connections it holds."""
    now = now or utcnow()
    result = session.execute(
        update(LiveWorker).where(LiveWorker.worker_id == worker_id).values(last_beat=now)
    )
    if not getattr(result, "rowcount", 0):
        session.add(LiveWorker(worker_id=worker_id, started_at=now, last_beat=now))
    session.flush()


def open_connections(
    session: Session,
    connections: list[Opening],
    *,
    worker_id: str,
    now: datetime | None = None,
) -> set[str]:
    """Record connections held by ``worker_id``, each only while its person is active and
    still on the session version it was authenticated with; the sids recorded.

    A password change or deactivation committed since the person was authenticated (a
    crowd waits a few milliseconds before recording) refuses the connection; one committed
    after it finds the connection to end. On PostgreSQL the people's rows are locked for
    share until the commit, so a revocation cannot slip between the check and the commit.
    """
    if not connections:
        return set()
    standing = set(
        session.execute(_STANDING, {"people": sorted({o.user_id for o in connections})}).tuples()
    )
    recorded = [o for o in connections if (o.user_id, o.session_version) in standing]
    if recorded:
        now = now or utcnow()
        session.execute(
            _OPEN_CONNECTION,
            [
                {
                    "sid": opening.sid,
                    "user_id": opening.user_id,
                    "worker_id": worker_id,
                    "session_key": opening.session_key,
                    "connected_at": now,
                    "last_seen": now,
                }
                for opening in recorded
            ],
        )
    return {opening.sid for opening in recorded}


@dataclass(frozen=True)
class Opening:
    """A connection to record: its person, as authenticated at ``session_version``."""

    user_id: int
    sid: str
    session_key: str | None
    session_version: int


_USERS = cast(Table, User.__table__)
#: Built once: every connection runs them. Plain rows, no unit of work.
_STANDING = (
    select(_USERS.c.id, _USERS.c.session_version)
    .where(_USERS.c.id.in_(bindparam("people", expanding=True)), _USERS.c.is_active.is_(True))
    .with_for_update(read=True)
)
_OPEN_CONNECTION = insert(cast(Table, LiveConnection.__table__))


#: Rooms and, in each, the people whose presence changed.
Changes = dict[int, set[int]]


def _changes(rows: Iterable[tuple[int, int]]) -> Changes:
    changes: Changes = {}
    for room_id, user_id in rows:
        changes.setdefault(room_id, set()).add(user_id)
    return changes


def close_connection(session: Session, sid: str) -> Changes:
    """Forget a connection; returns the rooms it was present in, with its person."""
    changes = _changes(
        session.execute(
            select(RoomPresence.room_id, RoomPresence.user_id).where(RoomPresence.sid == sid)
        ).tuples()
    )
    session.execute(delete(RoomPresence).where(RoomPresence.sid == sid))
    session.execute(delete(LiveConnection).where(LiveConnection.sid == sid))
    session.flush()
    return changes


def sweep(
    session: Session, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> Changes:
    """Drop connections of workers that stopped beating; returns the rooms that lost
    people, with those people.

    A row goes when its worker has no fresh heartbeat *and* the row itself is older than
    ``stale_after`` (``last_seen``: made or joined again) — so a worker that has not
    beaten yet keeps its brand-new connections.
    """
    now = now or utcnow()
    cutoff = now - stale_after
    fresh = select(LiveWorker.worker_id).where(LiveWorker.last_beat >= cutoff)
    stale_connection = LiveConnection.worker_id.not_in(fresh) & (LiveConnection.last_seen < cutoff)
    gone = (RoomPresence.worker_id.not_in(fresh) & (RoomPresence.last_seen < cutoff)) | (
        RoomPresence.sid.in_(select(LiveConnection.sid).where(stale_connection))
    )
    changes = _changes(
        session.execute(select(RoomPresence.room_id, RoomPresence.user_id).where(gone)).tuples()
    )
    if changes:
        session.execute(delete(RoomPresence).where(gone))
    session.execute(delete(LiveConnection).where(stale_connection))
    session.execute(delete(LiveWorker).where(LiveWorker.last_beat < cutoff))
    session.flush()
    return changes


def sids_of(session: Session, user_id: int, session_key: str | None = None) -> list[str]:
    """Live connections of a person; with ``session_key``, only those of that login session."""
    query = select(LiveConnection.sid).where(LiveConnection.user_id == user_id)
    if session_key is not None:
        query = query.where(LiveConnection.session_key == session_key)
    return list(session.scalars(query.order_by(LiveConnection.connected_at)))


def sids_in_room(session: Session, room_id: int, user_id: int) -> list[str]:
    return list(
        session.scalars(
            select(RoomPresence.sid).where(
                RoomPresence.room_id == room_id, RoomPresence.user_id == user_id
            )
        )
    )


def present_sids(session: Session, room_id: int) -> list[tuple[str, int]]:
    """Every connection in a room with its person, for messages tailored to each viewer."""
    rows = session.execute(
        select(RoomPresence.sid, RoomPresence.user_id)
        .where(RoomPresence.room_id == room_id)
        .order_by(RoomPresence.id)
    )
    return [(sid, user_id) for sid, user_id in rows]


def leave(session: Session, sid: str, room_id: int) -> bool:
    """Remove one connection from one room; whether it was there."""
    result = session.execute(
        delete(RoomPresence).where(RoomPresence.sid == sid, RoomPresence.room_id == room_id)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def drop_from_room(session: Session, room_id: int, user_id: int) -> list[str]:
    """Take a person out of a room on every connection; returns those connections."""
    sids = sids_in_room(session, room_id, user_id)
    session.execute(
        delete(RoomPresence).where(RoomPresence.room_id == room_id, RoomPresence.user_id == user_id)
    )
    session.flush()
    return sids
