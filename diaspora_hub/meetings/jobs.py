"""Scheduled work of meetings: rooms that open at the start time, and reminders.

Both run through the notifications scheduler (once per slot across workers); each meeting
also carries once-only marks, so an overlapping run never opens or reminds twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from diaspora_hub.meetings import service

logger = logging.getLogger(__name__)


def open_rooms(session: Session, now: datetime) -> None:
    """Rooms of meetings whose start time has come let the registered people in."""
    opened = service.open_due_rooms(session, now)
    if opened:
        logger.info("Opened the rooms of %d meetings.", opened)


def reminders(session: Session, now: datetime) -> None:
    """Registered people hear a day and a quarter of an hour before a meeting."""
    sent = service.send_reminders(session, now)
    if sent:
        logger.info("Sent reminders for %d meetings.", sent)


def attendance(session: Session, now: datetime) -> None:
    """One minute of presence for each live meeting's attendance."""
    service.sample_attendance(session, now)
