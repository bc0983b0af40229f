"""Scheduled work of live rooms: forgetting the people of workers that died.

Each worker sweeps with its heartbeat, but the heartbeat starts with the worker's first
live connection; until then, after a restart, the people of a killed worker would be
listed as present. The scheduler ticks at every worker's start-up and every minute after,
so the sweep runs then whether or not anyone connects.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from diaspora_hub.core.db import after_commit
from diaspora_hub.extensions import socketio
from diaspora_hub.live import events, service

logger = logging.getLogger(__name__)


def sweep_stale_connections(session: Session, now: datetime) -> None:
    """Drop connections of workers that stopped beating; the rooms hear who left."""
    deliveries = service.sweep(session, now)
    if deliveries:
        logger.info("Swept the people of stopped workers from %d rooms.", len(deliveries))
        after_commit(session, lambda: _announce(deliveries))


def _announce(deliveries: list[service.Delivery]) -> None:
    if socketio.server is None:
        return
    try:
        events.deliver(deliveries)
    except Exception:  # the rooms' presence is right in the database; joins read it
        logger.exception("live presence broadcast after a sweep failed")
