"""Broadcasts written straight to each WebSocket, on a real eventlet server.

A receiver whose connection cannot take more (a slow phone, a stalled tab) must still hear
every event once it reads again, whole and in order, while the others go on hearing the
room without waiting for it; with direct writes off (``LIVE_DIRECT_WRITES=0``) too, and
with a library that lacks what the direct path reads of it.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
import websocket
from engineio.socket import Socket
from eventlet.greenio import GreenSocket
from eventlet.websocket import RFC6455WebSocket
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from diaspora_hub.live.fanout import Fanout, frame, missing
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
def direct_writes() -> str:
    """LIVE_DIRECT_WRITES: on, as in production, unless a test says otherwise."""
    return "1"


@pytest.fixture
def server(
    database: str, world: World, backlog: int, direct_writes: str, tmp_path: Path
) -> Iterator[servers.AppServer]:
    env = servers.app_environment(
        database,
        servers.free_port(),
        LIVE_SAY_LIMIT="1000",
        # every message a hung-up receiver missed comes back with its join
        LIVE_JOIN_HISTORY="500",
        SEND_BUFFER_BYTES="8192",
        LIVE_SEND_BACKLOG=str(backlog),
        LIVE_DIRECT_WRITES=direct_writes,
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

    def say(self, room_id: int, body: str, client_id: str) -> tuple[list[Json], Json]:
        """Say ``body``, then read until its acknowledgement: the ``event`` broadcasts that
        came before it, and the acknowledgement."""
        payload = {"room": room_id, "body": body, "client_id": client_id}
        self._ws.send(f"42{NAMESPACE},2{json.dumps(['say', payload])}")
        before: list[Json] = []
        while True:
            packet = self._text()
            if packet == "2":
                self._ws.send("3")
            elif packet.startswith(f"43{NAMESPACE},2"):
                ack: Json = json.loads(packet[len(f"43{NAMESPACE},2") :])[0]
                return before, ack
            elif packet.startswith(f"42{NAMESPACE},"):
                name, event = json.loads(packet[len(f"42{NAMESPACE},") :])
                if name == "event":
                    before.append(event)

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


@pytest.mark.parametrize("direct_writes", ["1", "0"], ids=["direct", "library"])
def test_a_stalled_receiver_hears_every_event_whole_and_in_order(server, world, direct_writes):
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


@pytest.mark.parametrize("direct_writes", ["1", "0"], ids=["direct", "library"])
def test_an_acknowledgement_never_overtakes_the_broadcasts_sent_before_it(
    server, world, direct_writes
):
    stalled = StalledReader(server, world.tokens[world.people[1].id])
    try:
        assert stalled.join(world.room_id)["ok"]
        speaker, bodies, last_seq = _speaker_saying_everything(server, world)
        # Most of those wait in its queue behind a full connection, while its own message is
        # answered at once, and quickly enough to be written directly if nothing waited.
        try:
            before, ack = stalled.say(world.room_id, "Mine, after all of them.", "after-all")
            assert ack["ok"], ack
            last = before[-1]["seq"]
            after = stalled.events(until_seq=ack["seq"]) if last < ack["seq"] else []
        finally:
            speaker.close()
    finally:
        stalled.close()

    assert ack["seq"] > last_seq
    # Every broadcast sent before the acknowledgement was heard before it, in order.
    seqs = [event["seq"] for event in before]
    assert last_seq in seqs
    assert seqs[: seqs.index(last_seq) + 1] == list(range(seqs[0], last_seq + 1))
    assert [e["data"]["body"] for e in before if e["type"] == "message"][:MESSAGES] == bodies
    # Then the rest of the room's log, its own message last, each event once.
    everything = seqs + [event["seq"] for event in after]
    assert everything == list(range(seqs[0], ack["seq"] + 1))


def _speaker_saying_everything(
    server: servers.AppServer, world: World
) -> tuple[LiveClient, list[str], int]:
    """The first participant, in the room, once it has said ``MESSAGES`` long messages: it,
    what it said, and the last ``seq``."""
    person = world.people[0]
    speaker = LiveClient("speaker", person.id, world.tokens[person.id], server.url)
    said = [f"{index:04d} " + "x" * BODY_LENGTH for index in range(MESSAGES)]
    try:
        speaker.connect(server.url)
        speaker.join(world.room_id)
        acks = [speaker.say(world.room_id, body, f"said-{n}") for n, body in enumerate(said)]
    except BaseException:
        speaker.close()
        raise
    return speaker, said, acks[-1]["seq"]


@pytest.fixture
def eventlet_server() -> socketio.Server:
    """The library's Socket.IO server in eventlet mode, with the room manager of the app."""
    return socketio.Server(async_mode="eventlet", client_manager=Fanout())


def test_the_pinned_libraries_have_everything_the_direct_path_reads(eventlet_server, caplog):
    assert missing(eventlet_server.eio) is None
    eventlet_server.manager.attach(10)
    assert "Direct writes are off" not in caplog.text
    assert eventlet_server.eio.send_packet == eventlet_server.manager._send


def _without(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """Make ``owner``'s instances lack ``name``, as a later version of the library might."""
    if name in vars(owner):
        monkeypatch.delattr(owner, name)
    build = owner.__init__

    def build_without(self: Any, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        vars(self).pop(name, None)

    monkeypatch.setattr(owner, "__init__", build_without)


@pytest.mark.parametrize(
    ("owner", "name", "named"),
    [
        (Socket, "_websocket_handler", "engineio.socket.Socket._websocket_handler"),
        (Socket, "check_ping_timeout", "engineio.socket.Socket.check_ping_timeout"),
        (Socket, "queue", "engineio.socket.Socket.queue"),
        (RFC6455WebSocket, "_sendlock", "eventlet.websocket.RFC6455WebSocket._sendlock"),
        (GreenSocket, "fd", "eventlet.greenio.GreenSocket.fd"),
    ],
)
def test_a_library_without_what_is_read_of_it_keeps_its_own_path_and_says_what_is_missing(
    eventlet_server, monkeypatch, caplog, owner, name, named
):
    library_send = eventlet_server.eio.send_packet
    library_websocket = eventlet_server.eio._async["websocket"]
    _without(monkeypatch, owner, name)

    eventlet_server.manager.attach(10)

    assert f"Direct writes are off: {named} is missing" in caplog.text
    assert "the library's own send path is kept" in caplog.text
    assert eventlet_server.eio.send_packet == library_send
    assert eventlet_server.eio._async["websocket"] is library_websocket


def test_a_server_without_the_websocket_class_read_keeps_its_own_path(eventlet_server, caplog):
    eventlet_server.eio._async = {**eventlet_server.eio._async, "websocket": None}

    eventlet_server.manager.attach(10)

    assert "engineio.Server._async['websocket'] is missing" in caplog.text


def test_direct_writes_switched_off_keep_the_library_path(eventlet_server, caplog):
    library_send = eventlet_server.eio.send_packet
    caplog.set_level("INFO", logger="diaspora_hub.live.fanout")

    eventlet_server.manager.attach(10, direct=False)

    assert "Direct writes are off (LIVE_DIRECT_WRITES)" in caplog.text
    assert eventlet_server.eio.send_packet == library_send
