"""Presence shared by workers: heartbeats, and dropping people whose worker died."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.live import events, presence, service
from diaspora_hub.live.models import LiveConnection, LiveWorker, RoomPresence
from diaspora_hub.notifications import scheduler
from tests.live.conftest import Connect, World, emit, joined, received

pytestmark = pytest.mark.postgres

LIVE_PACKAGE = Path(events.__file__).parent


@pytest.fixture
def context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def place(session, user, room, *, sid: str, worker: str, at) -> None:
    """Someone connected through ``worker`` at ``at``, in ``room``."""
    service.connect_together(
        session,
        [service.Connecting(sid=sid, user_id=user.id, session_version=user.session_version)],
        worker_id=worker,
    )
    service.join(session, user.id, room.id, sid=sid, worker_id=worker)
    session.flush()
    for row in session.scalars(select(RoomPresence).where(RoomPresence.sid == sid)):
        row.last_seen = at
    session.get(LiveConnection, sid).last_seen = at
    session.commit()


def present(session, room) -> set[int]:
    session.expire_all()
    return set(session.scalars(select(RoomPresence.user_id).where(RoomPresence.room_id == room.id)))


def test_a_worker_that_stops_beating_loses_its_people(context, session, world):
    now = utcnow()
    long_ago = now - timedelta(seconds=60)
    presence.beat(session, "alive:1:1", now=long_ago)
    presence.beat(session, "dead:2:2", now=long_ago)
    place(session, world.amina, world.open_room, sid="a", worker="alive:1:1", at=long_ago)
    place(session, world.bruno, world.open_room, sid="b", worker="dead:2:2", at=long_ago)
    presence.beat(session, "alive:1:1", now=now)  # the dead worker never beats again
    session.commit()

    deliveries = service.sweep(session, now=now)
    session.commit()

    assert present(session, world.open_room) == {world.amina.id}
    assert session.scalar(select(func.count(LiveConnection.sid))) == 1
    assert set(session.scalars(select(LiveWorker.worker_id))) == {"alive:1:1"}
    (delivery,) = deliveries
    assert delivery.presence is not None
    full, partial = delivery.presence
    assert full["total"] == 1
    assert full["counts"]["government"] == 0
    assert (partial["people"], partial["left"]) == ([], [world.bruno.id])


def test_new_connections_survive_until_their_worker_first_beats(context, session, world):
    now = utcnow()
    place(session, world.amina, world.open_room, sid="fresh", worker="starting:3:3", at=now)
    place(
        session,
        world.bruno,
        world.open_room,
        sid="stale",
        worker="vanished:4:4",
        at=now - presence.STALE_AFTER - timedelta(seconds=1),
    )
    assert [d.room_id for d in service.sweep(session, now=now)] == [world.open_room.id]
    session.commit()
    assert present(session, world.open_room) == {world.amina.id}
    assert service.sweep(session, now=now) == []


def test_heartbeat_keeps_a_worker_and_its_connections_alive(context, session, world):
    start = utcnow()
    place(session, world.amina, world.open_room, sid="a", worker="steady:5:5", at=start)
    for beat in range(1, 6):
        service.heartbeat(session, "steady:5:5", now=start + timedelta(seconds=beat * 5))
        session.commit()
    assert present(session, world.open_room) == {world.amina.id}
    worker = session.get(LiveWorker, "steady:5:5")
    assert worker.last_beat == start + timedelta(seconds=25)


def amina_with_a_ghost(
    app: Flask, live_client: Connect, session: Session, world: World
) -> SocketIOTestClient:
    """Amina in the open room, with Bruno there too through a worker that died long ago."""
    amina = live_client(world.amina)
    joined(amina, world.open_room)
    long_ago = utcnow() - timedelta(minutes=5)
    with app.test_request_context():
        presence.beat(session, "crashed:6:6", now=long_ago)
        place(session, world.bruno, world.open_room, sid="ghost", worker="crashed:6:6", at=long_ago)
    received(amina)
    return amina


def test_participants_hear_that_a_dead_workers_people_left(app, live_client, session, world):
    amina = amina_with_a_ghost(app, live_client, session, world)
    with app.test_request_context():
        from diaspora_hub.extensions import db

        worker_id = app.extensions[events.EXTENSION_KEY].worker_id
        deliveries = service.heartbeat(db.session(), worker_id)
        db.session.commit()
        events.deliver(deliveries)
    (update,) = received(amina, "presence")
    assert update["total"] == 1
    assert update["left"] == [world.bruno.id]
    ack = emit(amina, "say", {"room": world.open_room.id, "body": "Still here", "client_id": "s"})
    assert ack["ok"]


def test_batched_presence_is_read_when_it_is_sent(app, live_client, session, world):
    app.config["LIVE_PRESENCE_DELAY"] = 3600  # the batch waits until flushed below
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    chen = live_client(world.chen)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    joined(chen, world.open_room)
    emit(bruno, "leave", {"room": world.open_room.id})
    assert received(amina, "presence") == []
    events._flush_presence(app, world.open_room.id, 0)
    (batch,) = received(amina, "presence")
    # Everyone who changed since the last batch, as they stand when it is sent.
    assert [p["person"]["name"] for p in batch["people"]] == ["Amina Diallo", "Chen Wei"]
    assert batch["left"] == [world.bruno.id]
    assert batch["total"] == 2
    events._flush_presence(app, world.open_room.id, 0)
    assert received(amina, "presence") == []


def test_the_live_package_keeps_no_state_in_module_globals():
    """Shared state lives in the database: no dict, list or set at module level."""
    mutable = (ast.Dict, ast.DictComp, ast.List, ast.ListComp, ast.Set, ast.SetComp)
    factories = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}
    offenders = []
    for path in sorted(LIVE_PACKAGE.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if value is None:
                continue
            called = isinstance(value, ast.Call) and getattr(value.func, "id", None) in factories
            if isinstance(value, mutable) or called:
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_a_restarted_worker_sweeps_a_killed_workers_people_before_anyone_connects(
    app, live_client, session, world
):
    amina = amina_with_a_ghost(app, live_client, session, world)

    ran = scheduler.run_due(app)

    assert "live.sweep_stale_connections" in ran
    assert present(session, world.open_room) == {world.amina.id}
    (update,) = received(amina, "presence")
    assert update["left"] == [world.bruno.id]
