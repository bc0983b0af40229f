"""A live room served by two worker processes: one log, one presence, nothing lost in a crash.

Each worker is a real ``python wsgi.py`` under eventlet; they share PostgreSQL and Redis
(Flask-SocketIO's message queue), and nothing else.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.live import presence
from diaspora_hub.live.models import Room, RoomEvent
from tests.integration.conftest import (
    DELIVERY_TIMEOUT,
    LiveClient,
    http_get_json,
    make_world,
    wait_until,
)

pytestmark = pytest.mark.integration

#: Messages each sender sends: the default LIVE_SAY_LIMIT allows 5 per person per 10 s.
MESSAGES_EACH = 5
SENDERS_PER_WORKER = 4
#: A dead worker's people leave presence once its last heartbeat is STALE_AFTER old, at the
#: next sweep of a live worker (every HEARTBEAT_SECONDS); twice that for a loaded machine.
SWEEP_TIMEOUT = 2 * (presence.STALE_AFTER.total_seconds() + presence.HEARTBEAT_SECONDS)


def logged_events(session: Session, room_id: int) -> list[tuple[int, str, Any]]:
    """The room's log as stored: (seq, type, message body) in seq order."""
    session.expire_all()
    events = session.scalars(
        select(RoomEvent).where(RoomEvent.room_id == room_id).order_by(RoomEvent.seq)
    )
    return [(e.seq, e.type, e.payload["data"].get("body")) for e in events]


def as_seen(client: LiveClient) -> list[tuple[int, str, Any]]:
    return [(e["seq"], e["type"], e["data"].get("body")) for e in client.applied()]


def present(snapshot: dict[str, Any]) -> set[int]:
    return {entry["person"]["id"] for entry in snapshot["people"]}


def test_one_room_one_sequence_across_two_workers(cluster, arrange, live):
    world = make_world(arrange, participants=2 * SENDERS_PER_WORKER)
    room = world.room_id
    facilitator = live(world, world.facilitator, cluster.first.url)
    on_first = [live(world, p, cluster.first.url) for p in world.people[:SENDERS_PER_WORKER]]
    on_second = [live(world, p, cluster.second.url) for p in world.people[SENDERS_PER_WORKER:]]
    everyone = [facilitator, *on_first, *on_second]
    for client in everyone:
        client.join(room)

    welcome = facilitator.say(room, "Welcome, everyone", "welcome")["seq"]
    across = on_second[0]
    across.wait_for(welcome, "a message sent through worker 1 to reach a client on worker 2")
    event = across.applied()[-1]
    assert event["seq"] == welcome
    assert event["type"] == "message"
    assert event["data"]["body"] == "Welcome, everyone"
    assert event["actor"]["id"] == world.facilitator.id

    # Every sender sends one message per round, all at once through both workers; a round
    # starts once every sender has its acknowledgement for the previous one.
    senders = on_first + on_second
    barrier = threading.Barrier(len(senders))

    def send_rounds(client: LiveClient) -> list[int]:
        seqs = []
        try:
            for n in range(MESSAGES_EACH):
                barrier.wait(timeout=DELIVERY_TIMEOUT)
                body = f"{client.label}: point {n}"
                seqs.append(client.say(room, body, f"{client.user_id}-{n}")["seq"])
        except BaseException:
            barrier.abort()
            raise
        return seqs

    with ThreadPoolExecutor(len(senders)) as pool:
        sent = list(pool.map(send_rounds, senders))

    total = len(senders) * MESSAGES_EACH
    final = welcome + total
    assert sorted(seq for seqs in sent for seq in seqs) == list(range(welcome + 1, final + 1))
    for n in range(MESSAGES_EACH):
        start = welcome + 1 + n * len(senders)
        assert sorted(seqs[n] for seqs in sent) == list(range(start, start + len(senders)))

    for client in everyone:
        client.wait_for(final, f"{client.label} to receive every message up to seq {final}")
    stored = logged_events(arrange, room)
    assert [seq for seq, _type, _body in stored] == list(range(1, final + 1))
    assert arrange.get(Room, room).last_seq == final
    for client in everyone:
        assert as_seen(client) == stored, client.label
        assert client.pending() == []
        # Each broadcast arrives once on each connection, whichever worker sent it.
        assert sorted(client.live_seqs()) == list(range(welcome, final + 1)), client.label


def test_a_dead_workers_clients_move_and_its_people_leave_presence(cluster, arrange, live):
    world = make_world(arrange, participants=5)
    room = world.room_id
    amina, bruno, chen, dede, ebo = world.people
    moving = live(world, amina, cluster.first.url)  # reconnects to worker 2 after the crash
    stranded = live(world, bruno, cluster.first.url)  # was only ever on worker 1
    watching = live(world, world.facilitator, cluster.second.url)
    chen_client = live(world, chen, cluster.second.url)
    dede_client = live(world, dede, cluster.second.url)
    ebo_client = live(world, ebo, cluster.second.url)
    for client in (moving, stranded, watching, chen_client, dede_client, ebo_client):
        client.join(room)
    facilitator_token = world.tokens[world.facilitator.id]
    state = http_get_json(cluster.second, f"/api/v1/rooms/{room}", facilitator_token)
    everybody = {world.facilitator.id, *(person.id for person in world.people)}
    assert present(state["presence"]) == everybody

    before = [chen_client.say(room, f"Before {n}", f"before-{n}")["seq"] for n in range(3)]
    for client in (moving, stranded):
        client.wait_for(before[-1], f"{client.label} on worker 1 to hear worker 2's messages")
    since = moving.last_seq
    watching.take_presence()

    cluster.first.kill()
    killed_at = time.monotonic()
    for client in (moving, stranded):
        wait_until(
            client.lost.is_set,
            DELIVERY_TIMEOUT,
            f"{client.label} to notice that worker 1 died",
            client.describe,
        )
    missed = [dede_client.say(room, f"Away {n}", f"away-{n}")["seq"] for n in range(MESSAGES_EACH)]

    def keep_talking() -> list[int]:
        seqs = []
        for n in range(MESSAGES_EACH):
            seqs.append(ebo_client.say(room, f"Meanwhile {n}", f"meanwhile-{n}")["seq"])
            time.sleep(0.05)  # spread over the reconnection, as people type
        return seqs

    with ThreadPoolExecutor(1) as pool:
        talking = pool.submit(keep_talking)
        moving.connect(cluster.second.url)
        rejoined = moving.join(room, since=since)
        meanwhile = talking.result()

    replayed = [event["seq"] for event in rejoined["events"]]
    assert set(missed) <= set(replayed)
    assert replayed == list(range(since + 1, since + 1 + len(replayed)))
    final = meanwhile[-1]
    moving.wait_for(final, f"the reconnected client to catch up to seq {final}")
    stored = logged_events(arrange, room)
    assert [seq for seq, _type, _body in stored] == list(range(1, final + 1))
    assert as_seen(moving) == stored
    assert moving.pending() == []
    assert max(Counter(moving.live_seqs()).values(), default=1) == 1

    # Presence: the stranded person goes at the next sweep; everyone on worker 2 stays,
    # including the person who moved there.
    still_here = everybody - {bruno.id}
    seen: list[set[int]] = []

    def swept() -> bool:
        state = http_get_json(cluster.second, f"/api/v1/rooms/{room}", facilitator_token)
        seen.append(present(state["presence"]))
        return seen[-1] == still_here

    wait_until(
        swept,
        killed_at + SWEEP_TIMEOUT - time.monotonic(),
        f"worker 2 to drop person {bruno.id}, connected only to worker 1, from presence "
        f"(at most {SWEEP_TIMEOUT:.0f} s after the crash)",
        lambda: f"presence last seen: {seen[-3:]}",
        interval=0.25,
    )
    # The facilitator held everybody before the crash; the presence changes it hears since
    # must take the stranded person out and never anyone who is still here.
    held = set(everybody)
    history: list[set[int]] = []

    def broadcast() -> bool:
        for change in watching.take_presence():
            held.difference_update(change["left"])
            held.update(entry["person"]["id"] for entry in change["people"])
            history.append(set(held))
        return held == still_here

    wait_until(
        broadcast,
        DELIVERY_TIMEOUT,
        "presence changes that drop the dead worker's people",
        lambda: f"presence held after each change since the crash: {history}",
    )
    assert all(still_here <= people for people in history), history
