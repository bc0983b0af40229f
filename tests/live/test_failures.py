"""When a Socket.IO handler's work fails, the person who acted is told why and nobody else
hears anything: the change was rolled back, so there is nothing to broadcast.

Each test makes one service function fail after it did its real work (so the failure
comes with rows written and, for joins, a connection already subscribed to the room).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from diaspora_hub.accounts import service as accounts
from diaspora_hub.live import service
from diaspora_hub.live.models import LiveConnection, Room, RoomEvent, RoomPresence
from tests.live.conftest import Connect, World, drain, emit, joined, received

pytestmark = pytest.mark.postgres


def stored_events(session: Session, room: Room) -> int:
    session.expire_all()
    count = session.scalar(select(func.count(RoomEvent.id)).where(RoomEvent.room_id == room.id))
    return int(count or 0)


def failing_after(work: Callable[..., Any], error: Exception, calls: list[int]) -> Any:
    """``work`` done for real, then ``error`` raised, as a failure at commit time would."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        work(*args, **kwargs)
        raise error

    return fail


def clash() -> IntegrityError:
    return IntegrityError("INSERT INTO room_event …", {}, Exception("duplicate key value"))


@pytest.mark.parametrize(
    "error", [clash(), StaleDataError("room expected to update 1 row; 0 were matched")]
)
def test_a_database_conflict_is_a_conflict_ack_and_reaches_no_one(
    live_client: Connect, session, world: World, monkeypatch, error
):
    amina, bruno = live_client(world.amina), live_client(world.bruno)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    drain(amina, bruno)
    before = stored_events(session, world.open_room)
    calls: list[int] = []
    monkeypatch.setattr(service, "say", failing_after(service.say, error, calls))

    ack = emit(amina, "say", {"room": world.open_room.id, "body": "Clash", "client_id": "c"})

    assert calls
    assert ack["ok"] is False
    assert ack["error"]["code"] == "conflict"
    assert received(amina) == received(bruno) == []
    assert stored_events(session, world.open_room) == before


def test_an_unexpected_error_is_a_server_error_ack_and_reaches_no_one(
    live_client: Connect, session, world: World, monkeypatch
):
    facilitator, amina = live_client(world.facilitator), live_client(world.amina)
    joined(facilitator, world.open_room)
    joined(amina, world.open_room)
    drain(facilitator, amina)
    before = stored_events(session, world.open_room)
    calls: list[int] = []
    monkeypatch.setattr(
        service, "poll_open", failing_after(service.poll_open, RuntimeError("bug"), calls)
    )

    ack = emit(
        facilitator,
        "poll_open",
        {"room": world.open_room.id, "question": "Cap fees?", "choices": ["Yes", "No"]},
    )

    assert calls
    assert ack["ok"] is False
    assert ack["error"]["code"] == "server_error"
    assert "bug" not in str(ack)
    assert received(facilitator) == received(amina) == []
    assert stored_events(session, world.open_room) == before


def test_a_join_that_fails_leaves_the_connection_out_of_the_room(
    live_client: Connect, session, world: World, monkeypatch
):
    amina, bruno = live_client(world.amina), live_client(world.bruno)
    joined(bruno, world.open_room)
    drain(bruno)
    calls: list[int] = []
    monkeypatch.setattr(service, "join", failing_after(service.join, clash(), calls))

    ack = emit(amina, "join", {"room": world.open_room.id})

    assert calls
    assert ack["error"]["code"] == "conflict"
    assert received(bruno) == []  # no presence change: Amina never arrived
    monkeypatch.undo()
    emit(bruno, "say", {"room": world.open_room.id, "body": "Still here", "client_id": "s"})
    assert received(amina) == []  # subscribed while joining, unsubscribed when it failed
    session.expire_all()
    assert session.scalar(select(func.count(RoomPresence.id))) == 1


def test_a_crowd_that_cannot_join_together_joins_one_by_one(
    app, live_client: Connect, session, world: World, monkeypatch
):
    people = [world.facilitator, world.amina, world.bruno, world.chen]
    clients = [live_client(person) for person in people]
    calls: list[int] = []
    monkeypatch.setattr(
        service, "join_together", failing_after(service.join_together, clash(), calls)
    )
    # Long enough for every join below to arrive before the crowd is let in.
    app.config["LIVE_CROWD_QUIET"] = 0.5

    with ThreadPoolExecutor(len(clients)) as pool:
        acks = list(pool.map(lambda c: emit(c, "join", {"room": world.open_room.id}), clients))

    assert calls  # the crowd was tried, failed, and each joined on their own
    assert all(ack["ok"] for ack in acks), acks
    names = [ack["state"]["you"]["person"]["name"] for ack in acks]
    assert names == [person.display_name for person in people]
    session.expire_all()
    assert session.scalar(select(func.count(RoomPresence.id))) == len(people)
    drain(*clients)
    emit(clients[1], "say", {"room": world.open_room.id, "body": "Hello", "client_id": "h"})
    for client in clients:
        assert [event["data"]["body"] for event in received(client, "event")] == ["Hello"]


def test_a_crowd_that_cannot_connect_together_connects_one_by_one(
    app, live_client: Connect, session, world: World, monkeypatch
):
    with app.test_request_context():
        tokens = [accounts.create_token(session, p, "bot")[1] for p in (world.amina, world.chen)]
        session.commit()
    real = service.connect_together
    crowds: list[int] = []

    def connect_together(db: Session, connections: list[Any], **kwargs: Any) -> Any:
        recorded = real(db, connections, **kwargs)
        if len(connections) > 1:
            crowds.append(len(connections))
            raise RuntimeError("bug")
        return recorded

    monkeypatch.setattr(service, "connect_together", connect_together)
    # Long enough for every connection below to arrive before the crowd is recorded.
    app.config["LIVE_CROWD_QUIET"] = 0.5

    with ThreadPoolExecutor(len(tokens)) as pool:
        amina, chen = pool.map(lambda token: live_client(None, auth={"token": token}), tokens)

    assert crowds == [2]
    assert joined(amina, world.open_room)["state"]["you"]["person"]["name"] == "Amina Diallo"
    assert joined(chen, world.open_room)["state"]["you"]["person"]["name"] == "Chen Wei"
    session.expire_all()
    assert session.scalar(select(func.count(LiveConnection.sid))) == 2
