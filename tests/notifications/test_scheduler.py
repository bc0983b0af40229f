"""Scheduled jobs run once per slot even with several workers on one database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub import create_app
from diaspora_hub.extensions import db
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications.models import JobRun
from tests.conftest import _config

pytestmark = pytest.mark.postgres

NOW = datetime(2030, 6, 1, 12, 10, tzinfo=UTC)


@pytest.fixture
def second_app(app, database_url, tmp_path):
    """Another worker: its own app, engine and connections on the same database."""
    other = create_app(_config(database_url, tmp_path))
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def counted(jobs, monkeypatch):
    """Only a counting job is registered; ``runs`` lists the slots its body ran for."""
    monkeypatch.setattr(scheduler, "_JOBS", {})
    runs: list[datetime] = []

    @scheduler.job("tests.count", timedelta(hours=1))
    def count(session, now):
        runs.append(now)

    return runs


def _claims(session: Session) -> int | None:
    return session.scalar(select(func.count()).select_from(JobRun))


def test_two_workers_run_a_slot_once(app, second_app, session, counted):
    first = scheduler.run_due(app, NOW)
    second = scheduler.run_due(second_app, NOW)
    assert sorted([first, second]) == [[], ["tests.count"]]
    assert counted == [NOW]
    assert _claims(session) == 1


def test_two_workers_at_the_same_moment_run_a_slot_once(app, second_app, session, counted):
    start = threading.Barrier(2)
    results: list[list[str]] = []

    def worker(flask_app):
        start.wait()
        results.append(scheduler.run_due(flask_app, NOW))

    threads = [threading.Thread(target=worker, args=(a,)) for a in (app, second_app)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [[], ["tests.count"]]
    assert counted == [NOW]
    assert _claims(session) == 1


def test_the_next_slot_runs_again(app, second_app, counted):
    scheduler.run_due(app, NOW)
    assert scheduler.run_due(second_app, NOW + timedelta(minutes=40)) == []
    assert scheduler.run_due(second_app, NOW + timedelta(minutes=50)) == ["tests.count"]
    assert len(counted) == 2


def test_a_failing_job_keeps_no_claim_and_is_retried(app, session, jobs, monkeypatch):
    monkeypatch.setattr(scheduler, "_JOBS", {})
    attempts: list[datetime] = []

    @scheduler.job("tests.flaky", timedelta(hours=1))
    def flaky(session, now):
        attempts.append(now)
        session.add(JobRun(name="tests.written_by_the_job", slot=1, claimed_at=now, worker="x"))
        if len(attempts) == 1:
            raise RuntimeError("the first attempt fails")

    assert scheduler.run_due(app, NOW) == []
    assert _claims(session) == 0
    assert scheduler.run_due(app, NOW + timedelta(minutes=1)) == ["tests.flaky"]
    assert len(attempts) == 2
    assert _claims(session) == 2


def test_run_due_needs_an_aware_time(app, counted):
    with pytest.raises(ValueError, match="aware"):
        scheduler.run_due(app, datetime(2030, 6, 1, 12, 0))


def test_old_claims_are_cleared(app, session, counted):
    scheduler.run_due(app, NOW - timedelta(days=8))
    scheduler.run_due(app, NOW - timedelta(days=6))
    assert _claims(session) == 2
    scheduler.run_due(app, NOW)
    hours = session.scalars(select(JobRun.slot).order_by(JobRun.slot)).all()
    now_hour = int(NOW.timestamp() // 3600)
    assert hours == [now_hour - 6 * 24, now_hour]
    assert len(counted) == 3
