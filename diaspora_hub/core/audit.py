"""An append-only record of who did what, for trust and for the platform admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from diaspora_hub.core.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when it happened (UTC)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: who did it; null for the system itself
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: dotted verb, e.g. ``organisation.verified``
    action: Mapped[str] = mapped_column(String(80), index=True)
    #: kind of the thing acted on, e.g. ``organisation``
    target_type: Mapped[str] = mapped_column(String(40))
    #: id of the thing acted on
    target_id: Mapped[int | None]
    #: anything else worth keeping, as JSON
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    **details: Any,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    session.add(entry)
    return entry
