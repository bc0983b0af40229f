"""Declarative base, UTC timestamps and the after-commit outbox.

Services only flush; the request (or the Socket.IO event) commits once. Work that must
happen only when the data is really stored, such as broadcasting a room event, is queued
with :func:`after_commit` and runs after the commit succeeds, or never.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite would otherwise hand back naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A string enum column, VARCHAR on every database so migrations stay simple."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=30,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class TimestampMixin:
    #: when the row was created (UTC)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


OUTBOX_KEY = "diaspora_hub.after_commit"


def after_commit(session: Session, callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the current transaction of ``session`` commits."""
    session.info.setdefault(OUTBOX_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_outbox(session: Session) -> None:
    callbacks = session.info.pop(OUTBOX_KEY, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction: Any) -> None:
    session.info.pop(OUTBOX_KEY, None)


#: How long an SQLite writer waits for another to finish, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_for_concurrent_writers(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """The default database is an SQLite file that several requests write at once.

    In WAL mode readers never hold up a writer's commit nor the reverse, and a writer
    waits for another (the busy timeout) instead of failing with "database is locked".
    Transactions stay short: each begins at its first write (the driver's default) and
    the request commits once at its end.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
