"""Scheduled work of calls: notices that must go out once when the clock passes a moment.

Opening and closing themselves need no job (a call's state follows from the clock); only
telling people about it does. Each job sets a once-only flag on the call, so a slot run
twice or two overlapping slots never notify twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from diaspora_hub.calls import service

logger = logging.getLogger(__name__)


def open_notifications(session: Session, now: datetime) -> None:
    """Members of invited organisations hear that a call opened."""
    sent = service.send_open_notifications(session, now)
    if sent:
        logger.info("Announced %d opened calls.", sent)


def deadline_reminders(session: Session, now: datetime) -> None:
    """Invited organisations that have not answered hear 48 hours before the close."""
    sent = service.send_deadline_reminders(session, now)
    if sent:
        logger.info("Sent deadline reminders for %d calls.", sent)


def close_notices(session: Session, now: datetime) -> None:
    """Authors and facilitators hear that a call closed and can be synthesised."""
    sent = service.send_close_notices(session, now)
    if sent:
        logger.info("Announced %d closed calls.", sent)
