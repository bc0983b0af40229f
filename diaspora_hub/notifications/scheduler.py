"""Periodic jobs that run exactly once per time slot, however many workers are up.

Every worker ticks (:func:`start`), and on each tick :func:`run_due` tries every job for
its current slot: whole ``every`` intervals since the Unix epoch. A run first claims the
row (job name, slot) in ``scheduled_job_run``, whose unique key lets only one worker's
INSERT succeed; the job then runs in that same transaction and commits with its claim. A
job that fails rolls its claim back with its work, so a later tick in the slot retries.
Jobs take the session to write with and the moment of the tick. A domain's ``init_app``
registers its jobs (``create_app`` calls it); importing a module registers nothing::

    scheduler.add("calls.deadline_reminders", timedelta(minutes=5), jobs.deadline_reminders)

The registry is configuration, filled only by ``init_app`` functions (and by tests through
:func:`job`), never state that changes while the app runs.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from flask import Flask
from sqlalchemy import delete, exists, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.extensions import db, socketio
from diaspora_hub.notifications.models import JobRun

logger = logging.getLogger(__name__)

JobFn = Callable[[Session, datetime], None]

#: seconds between two ticks of a worker; a slot is never shorter than this in practice
TICK_SECONDS = 60.0

#: claims older than this are deleted; only the current slot is ever claimed, so a week
#: leaves room for any clock skew between workers
CLAIMS_KEPT = timedelta(days=7)
#: how long a claim may wait for another worker's (PostgreSQL), before leaving it to them
CLAIM_WAIT_MS = 200

_STARTED = "diaspora_hub.scheduler.started"
_SETTLED = "diaspora_hub.scheduler.settled"


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    fn: JobFn

    def slot(self, now: datetime) -> int:
        return int(now.timestamp() // self.every.total_seconds())


# Both filled by the domains' init_app: configuration, not shared state.
#: every job declared in this process; each app made declares the same ones again
_DECLARED: dict[str, Job] = {}
#: the jobs a tick runs: those declared, or fewer where a caller narrowed them
_JOBS: dict[str, Job] = {}


class _Outcome(Enum):
    RAN = "ran"
    TAKEN = "taken"
    FAILED = "failed"


def add(name: str, every: timedelta, fn: JobFn) -> None:
    """Run ``fn`` once per ``every`` across all workers; adding a name again replaces it.

    Adding a job again exactly as it was declared changes nothing, so a second app made in
    the same process leaves the jobs that ticks run as they are.
    """
    if every < timedelta(seconds=1):
        raise ValueError("a job runs at most once a second")
    spec = Job(name=name, every=every, fn=fn)
    if _DECLARED.get(name) == spec:
        return
    _DECLARED[name] = spec
    _JOBS[name] = spec


def job(name: str, every: timedelta) -> Callable[[JobFn], JobFn]:
    """:func:`add` as a decorator, for a job defined where it is registered."""

    def register(fn: JobFn) -> JobFn:
        add(name, every, fn)
        return fn

    return register


def jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _run_once(spec: Job, slot: int, now: datetime) -> _Outcome:
    with Session(db.engine) as session:
        already = session.scalar(
            select(exists().where(JobRun.name == spec.name, JobRun.slot == slot))
        )
        if already:
            return _Outcome.TAKEN
        postgres = session.get_bind().dialect.name == "postgresql"
        try:
            if postgres:
                # A claim that another worker holds while running the job would block this
                # INSERT until it ends; under eventlet that stalls the whole process.
                session.execute(text(f"SET LOCAL lock_timeout = '{CLAIM_WAIT_MS}ms'"))
            session.add(JobRun(name=spec.name, slot=slot, claimed_at=utcnow(), worker=_worker()))
            session.flush()
            if postgres:
                session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        except IntegrityError:
            session.rollback()
            return _Outcome.TAKEN
        except OperationalError:
            # Another worker holds the claim and is running the job right now.
            session.rollback()
            logger.info("Job %s slot %d is being run elsewhere.", spec.name, slot)
            return _Outcome.TAKEN
        try:
            spec.fn(session, now)
            session.execute(
                delete(JobRun).where(
                    JobRun.name == spec.name, JobRun.slot < spec.slot(now - CLAIMS_KEPT)
                )
            )
            session.commit()
        except Exception:  # a failing job must not stop the others or the loop
            session.rollback()
            logger.exception("Job %s failed for slot %d; a later tick retries.", spec.name, slot)
            return _Outcome.FAILED
    return _Outcome.RAN


def run_due(app: Flask, now: datetime | None = None) -> list[str]:
    """Run every job whose current slot nobody has run yet; the names this worker ran."""
    moment = now or utcnow()
    if moment.tzinfo is None:
        raise ValueError("run_due needs an aware datetime")
    ran: list[str] = []
    with app.app_context():
        # Slots this app already saw settled: only spares the database a query per tick.
        settled: dict[str, int] = app.extensions.setdefault(_SETTLED, {})
        for spec in jobs():
            slot = spec.slot(moment)
            if settled.get(spec.name) == slot:
                continue
            outcome = _run_once(spec, slot, moment)
            if outcome is not _Outcome.FAILED:
                settled[spec.name] = slot
            if outcome is _Outcome.RAN:
                ran.append(spec.name)
    return ran


def _loop(app: Flask) -> None:
    while True:
        try:
            run_due(app)
        except Exception:  # the loop outlives a database that is briefly away
            logger.exception("Scheduler tick failed.")
        socketio.sleep(app.config.get("SCHEDULER_TICK_SECONDS", TICK_SECONDS))


def start(app: Flask) -> None:
    """Tick in the background of this worker (cooperatively under eventlet)."""
    if app.config.get("TESTING") or app.config.get("SCHEDULER_ENABLED") is False:
        return
    if app.extensions.get(_STARTED):
        return
    app.extensions[_STARTED] = True
    socketio.start_background_task(_loop, app)
    logger.info("Scheduler started with %d jobs.", len(_JOBS))
