"""Live connections: recorded with their person, forgotten, swept when a worker dies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.live import presence
from diaspora_hub.live.service.presence import _presence_deliveries
from diaspora_hub.live.types import Delivery


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
