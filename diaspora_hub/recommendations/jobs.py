"""Scheduled work of recommendations, run once per slot across workers (``init_app``)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from diaspora_hub.recommendations import service

logger = logging.getLogger(__name__)

#: how often the closing reminders are looked for
REMINDER_EVERY = timedelta(minutes=5)


def closing_reminders(session: Session, now: datetime) -> None:
    """Delegates whose organisation has not endorsed hear a day before a round closes."""
    sent = service.send_closing_reminders(session, now)
    if sent:
        logger.info("Sent closing reminders for %d recommendations.", sent)
