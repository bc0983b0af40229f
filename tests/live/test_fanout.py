"""Broadcasts written straight to each WebSocket, on a real eventlet server.

A receiver whose connection cannot take more (a slow phone, a stalled tab) must still hear
every event once it reads again, whole and in order, while the others go on hearing the
room without waiting for it.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from diaspora_hub.live.fanout import frame
from tests import servers
from tests.integration.conftest import LiveClient, World, make_world

NAMESPACE = "/live"
#: Enough text to fill a small receive buffer many times over.
MESSAGES = 150
BODY_LENGTH = 1_900

Json = dict[str, Any]


@pytest.mark.parametrize("length", [0, 125, 126, 65_535, 65_536])
def test_a_frame_written_directly_is_the_one_the_library_writes(length):
    from eventlet.websocket import RFC6455WebSocket

    library = RFC6455WebSocket(None, {}, version=13)
    # Lengths count bytes: "é" takes two.
    for text in ("a" * length, "é" * (length // 2)):
        assert frame(text) == library._pack_message(text)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return servers.migrated_sqlite(tmp_path)


@pytest.fixture
def world(database: str) -> World:
    engine = create_engine(database)
    with Session(engine, expire_on_commit=False) as session:
        arranged = make_world(session, participants=2)
    engine.dispose()
    return arranged


@pytest.fixture
def backlog() -> int:
    """Packets a connection may fall behind before it is hung up (LIVE_SEND_BACKLOG)."""
    return MESSAGES * 4


@pytest.fixture
def server(
    database: str, world: World, backlog: int, tmp_path: Path
) -> Iterator[servers.AppServer]:
    env = servers.app_environment(
        database,
        servers.free_port(),
        LIVE_SAY_LIMIT="1000",
        SEND_BUFFER_BYTES="8192",
        LIVE_SEND_BACKLOG=str(backlog),
    )
    with servers.start_app(env, tmp_path) as app_server:
        yield app_server


class StalledReader:
    """A raw Socket.IO client over a WebSocket with a tiny receive buffer, read on demand."""

    def __init__(self, server: servers.AppServer, token: str) -> None:
        self._ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
            origin=server.url,
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 2048),),
            timeout=15,
        )
        assert self._text().startswith("0")  # engine.io's open packet
        self._ws.send(f"40{NAMESPACE},{json.dumps({'token': token})}")
        assert self._text().startswith(f"40{NAMESPACE},")

    def _text(self) -> str:
        packet = self._ws.recv()
        if packet == "":  # the server's closing frame
            raise websocket.WebSocketConnectionClosedException("closed by the server")
        assert isinstance(packet, str), "Socket.IO speaks text here"
        return packet

    def join(self, room_id: int, since: int | None = None) -> Json:
        payload: Json = {"room": room_id} if since is None else {"room": room_id, "since": since}
        self._ws.send(f"42{NAMESPACE},1{json.dumps(['join', payload])}")
        while True:
            packet = self._text()
            if packet.startswith(f"43{NAMESPACE},1"):
                ack: Json = json.loads(packet[len(f"43{NAMESPACE},1") :])[0]
                return ack

    def events(self, until_seq: int | None = None) -> list[Json]:
        """Read the room's ``event`` broadcasts as they come, up to ``until_seq`` or, with
        None, until the server hangs up."""
        received: list[Json] = []
        while until_seq is None or not received or received[-1]["seq"] < until_seq:
            try:
                packet = self._text()
            except websocket.WebSocketConnectionClosedException:
                if until_seq is None:
                    return received
                raise
            if packet == "2":
                self._ws.send("3")
            elif packet.startswith(f"42{NAMESPACE},"):
                name, payload = json.loads(packet[len(f"42{NAMESPACE},") :])
                if name == "event":
                    received.append(payload)
        return received

    def close(self) -> None:
        self._ws.close()


def test_a_stalled_receiver_hears_every_event_whole_and_in_order(server, world):
    stalled = StalledReader(server, world.tokens[world.people[1].id])
    joined = stalled.join(world.room_id)
    assert joined["ok"], joined
    speaker, listener = (
        LiveClient(label, person.id, world.tokens[person.id], server.url)
        for label, person in (("speaker", world.people[0]), ("listener", world.facilitator))
    )
    try:
        speaker.connect(server.url)
        listener.connect(server.url)
        speaker.join(world.room_id)
        listener.join(world.room_id)

        bodies = [f"{index:04d} " + "x" * BODY_LENGTH for index in range(MESSAGES)]
        started = time.monotonic()
        last_seq = 0
        for index, body in enumerate(bodies):
            last_seq = speaker.say(world.room_id, body, client_id=f"fanout-{index}")["seq"]
        # The room did not wait for the stalled reader: the others heard everything while
        # it read nothing (about 280 KB for it, far more than its connection holds).
        listener.wait_for(last_seq, "the listener to hear every message")
        assert time.monotonic() - started < 15
        heard = [e["data"]["body"] for e in listener.applied() if e["type"] == "message"]
        assert heard[-MESSAGES:] == bodies

        events = stalled.events(until_seq=last_seq)
    finally:
        stalled.close()
        speaker.close()
        listener.close()

    seqs = [event["seq"] for event in events]
    assert seqs == list(range(seqs[0], last_seq + 1)), "events missing, repeated or reordered"
    posted = [e["data"]["body"] for e in events if e["type"] == "message"]
    assert posted == bodies


@pytest.mark.parametrize("backlog", [10])
def test_a_receiver_too_far_behind_is_hung_up_and_catches_up_on_joining_again(
    server, world, backlog
):
    stalled_person = world.people[1]
    stalled = StalledReader(server, world.tokens[stalled_person.id])
    assert stalled.join(world.room_id)["ok"]
    speaker = LiveClient(
        "speaker", world.people[0].id, world.tokens[world.people[0].id], server.url
    )
    try:
        speaker.connect(server.url)
        speaker.join(world.room_id)
        bodies = [f"{index:04d} " + "x" * BODY_LENGTH for index in range(MESSAGES)]
        last_seq = 0
        for index, body in enumerate(bodies):
            last_seq = speaker.say(world.room_id, body, client_id=f"behind-{index}")["seq"]

        # What reached its connection before the hang-up, then the end of it.
        before = stalled.events()
        assert not before or before[-1]["seq"] < last_seq, "it was never hung up"
        # Back again, it joins from the last event it holds and misses nothing.
        back = StalledReader(server, world.tokens[stalled_person.id])
        rejoined = back.join(world.room_id, since=before[-1]["seq"] if before else 0)
        back.close()
    finally:
        stalled.close()
        speaker.close()

    assert rejoined["complete"]
    events = before + rejoined["events"]
    assert [event["seq"] for event in events] == list(range(events[0]["seq"], last_seq + 1))
    assert [e["data"]["body"] for e in events if e["type"] == "message"] == bodies
