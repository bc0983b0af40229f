"""Two real server processes (eventlet) sharing one PostgreSQL database and one Redis.

The workers are started the way production starts them (``python wsgi.py``) on loopback,
each on its own port but with the same ``PUBLIC_ORIGIN``, as behind a load balancer. The
clients are python-socketio clients that behave like the room page: they apply events in
``seq`` order, ignore those they already have, and after a lost connection connect to
another worker and join again with ``since``.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.live import service as live_service
from tests import factories, servers

NAMESPACE = "/live"
#: Seconds to wait for a connection, an acknowledgement or a broadcast to arrive.
DELIVERY_TIMEOUT = 15.0

Json = dict[str, Any]


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    details: Callable[[], str] | None = None,
    interval: float = 0.05,
) -> None:
    """Poll ``predicate`` until it holds; fail with ``what`` (and ``details``) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details is not None else ""
            pytest.fail(f"waited {timeout:.0f} s for {what}{extra}", pytrace=False)
        time.sleep(interval)


@dataclass
class Cluster:
    """Two workers of one deployment: same database, same Redis, same public origin."""

    first: servers.AppServer
    second: servers.AppServer
    origin: str

    def logs(self) -> str:
        return (
            f"--- worker 1 (port {self.first.port}) ---\n{self.first.log()}\n"
            f"--- worker 2 (port {self.second.port}) ---\n{self.second.log()}"
        )


class LiveClient:
    """One person's live connection, kept the way the room page keeps it.

    Socket.IO handlers of the threaded client run on threads of their own, so everything
    received is recorded under a lock and events are applied by ``seq``, never by arrival.
    """

    def __init__(self, label: str, user_id: int, token: str, origin: str) -> None:
        self.label = label
        self.user_id = user_id
        self._token = token
        self._origin = origin
        self._lock = threading.Lock()
        self._sio: Any = None
        self._last_seq = 0
        self._pending: dict[int, Json] = {}
        self._applied: list[Json] = []
        self._live_seqs: list[int] = []
        self._presence: list[Json] = []
        self.url = ""
        self.lost = threading.Event()

    # Connecting -------------------------------------------------------------------------

    def connect(self, url: str) -> None:
        """Open a new connection to one worker (the browser's own reconnection is off)."""
        sio = socketio.Client(
            reconnection=False,
            # Every worker accepts only the deployment's public origin.
            websocket_extra_options={"origin": self._origin},
        )
        sio.on("event", self._on_event, namespace=NAMESPACE)
        sio.on("presence", self._on_presence, namespace=NAMESPACE)
        sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        with self._lock:
            self._live_seqs = []
        self.lost.clear()
        sio.connect(
            url,
            auth={"token": self._token},
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=DELIVERY_TIMEOUT,
        )
        self._sio = sio
        self.url = url

    def close(self) -> None:
        if self._sio is not None and self._sio.connected:
            self._sio.disconnect()

    def _on_disconnect(self, *_reason: Any) -> None:
        self.lost.set()

    # Acting -----------------------------------------------------------------------------

    def call(self, event: str, payload: Json) -> Json:
        """Send one event and return its acknowledgement."""
        try:
            ack: Json = self._sio.call(
                event, payload, namespace=NAMESPACE, timeout=DELIVERY_TIMEOUT
            )
        except socketio.exceptions.TimeoutError:
            pytest.fail(
                f"{self.label}: no acknowledgement of {event} from {self.url}", pytrace=False
            )
        return ack

    def join(self, room_id: int, since: int | None = None) -> Json:
        """Join a room and apply the events its acknowledgement carries."""
        payload: Json = {"room": room_id}
        if since is not None:
            payload["since"] = since
        ack = self.call("join", payload)
        assert ack["ok"], f"{self.label} could not join: {ack}"
        assert ack["complete"], ack
        self._apply(ack["events"])
        return ack

    def say(self, room_id: int, body: str, client_id: str) -> Json:
        ack = self.call("say", {"room": room_id, "body": body, "client_id": client_id})
        assert ack["ok"], f"{self.label} could not say {body!r} through {self.url}: {ack}"
        assert ack["duplicate"] is False, ack
        return ack

    # Receiving --------------------------------------------------------------------------

    def _on_event(self, event: Json) -> None:
        with self._lock:
            self._live_seqs.append(event["seq"])
        self._apply([event])

    def _on_presence(self, change: Json) -> None:
        with self._lock:
            self._presence.append(change)

    def _apply(self, events: list[Json]) -> None:
        """Apply in ``seq`` order: skip what is held, keep early ones until the gap fills."""
        with self._lock:
            for event in events:
                if event["seq"] > self._last_seq:
                    self._pending.setdefault(event["seq"], event)
            while self._last_seq + 1 in self._pending:
                self._last_seq += 1
                self._applied.append(self._pending.pop(self._last_seq))

    def wait_for(self, seq: int, what: str) -> None:
        """Wait until every event up to ``seq`` is applied."""
        wait_until(lambda: self.last_seq >= seq, DELIVERY_TIMEOUT, what, self.describe)

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._last_seq

    def applied(self) -> list[Json]:
        """The events applied so far, in the order they were applied."""
        with self._lock:
            return list(self._applied)

    def pending(self) -> list[int]:
        """Seqs received beyond a gap that has not been filled."""
        with self._lock:
            return sorted(self._pending)

    def live_seqs(self) -> list[int]:
        """Seqs of the ``event`` broadcasts received on the current connection, as they came."""
        with self._lock:
            return list(self._live_seqs)

    def take_presence(self) -> list[Json]:
        """The presence changes received since the last call."""
        with self._lock:
            taken, self._presence = self._presence, []
        return taken

    def describe(self) -> str:
        with self._lock:
            return (
                f"{self.label} on {self.url}: last seq {self._last_seq}, "
                f"pending {sorted(self._pending)}, live {self._live_seqs}"
            )


@dataclass
class World:
    """A public space, its facilitator, participants who accepted its code, and a room."""

    facilitator: User
    people: list[User]
    tokens: dict[int, str]
    room_id: int


def make_world(session: Session, participants: int) -> World:
    """Arrange a room whose people each hold a personal API token for their clients."""
    facilitator = factories.user(session, display_name="Fatou Facilitator")
    people = [factories.user(session) for _ in range(participants)]
    space = factories.space(
        session, facilitators=(facilitator,), accepted_by=(facilitator, *people)
    )
    session.commit()
    room = live_service.open_room(session, facilitator, space.slug, title="Remittance costs")
    tokens = {
        person.id: accounts.create_token(session, person, "live client")[1]
        for person in (facilitator, *people)
    }
    session.commit()
    return World(facilitator=facilitator, people=people, tokens=tokens, room_id=room.id)


def http_get_json(server: servers.AppServer, path: str, token: str) -> Json:
    """GET a JSON API resource from one worker as the token's person."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=DELIVERY_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, f"GET {path} on port {server.port}: {response.status} {body!r}"
    parsed: Json = json.loads(body)
    return parsed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Show what the workers logged under any failure of a test that ran them."""
    report = yield
    cluster = getattr(item, "funcargs", {}).get("cluster")
    if report.failed and isinstance(cluster, Cluster):
        report.sections.append(("worker logs", cluster.logs()))
    return report


@pytest.fixture(scope="module")
def cluster_database(postgres_server: servers.PostgresServer) -> Iterator[str]:
    """A PostgreSQL database of its own, built by the migrations as in production."""
    name = f"diaspora_hub_workers_{os.getpid()}"
    url = postgres_server.create_database(name)
    try:
        servers.migrate(url)
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def arrange(cluster_database: str) -> Iterator[Session]:
    """A session on the workers' database, to set the scene and read what they stored."""
    engine = create_engine(cluster_database)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def _two_ports() -> tuple[int, int]:
    first = servers.free_port()
    second = servers.free_port()
    while second == first:
        second = servers.free_port()
    return first, second


@pytest.fixture
def cluster(
    cluster_database: str, redis_server: servers.RedisServer, tmp_path: Path
) -> Iterator[Cluster]:
    """Two workers joined by Redis, started side by side; both are stopped afterwards."""
    ports = _two_ports()
    origin = f"http://127.0.0.1:{ports[0]}"
    environments = [
        servers.app_environment(
            cluster_database, port, REDIS_URL=redis_server.url, PUBLIC_ORIGIN=origin
        )
        for port in ports
    ]
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(servers.start_app, env, tmp_path) for env in environments]
    started = [f.result() for f in futures if f.exception() is None]
    try:
        for future in futures:
            future.result()
        yield Cluster(first=started[0], second=started[1], origin=origin)
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def live(cluster: Cluster) -> Iterator[Callable[[World, User, str], LiveClient]]:
    """``live(world, person, worker_url)`` connects a person's client; all close afterwards."""
    opened: list[LiveClient] = []

    def connect(world: World, person: User, url: str) -> LiveClient:
        client = LiveClient(person.display_name, person.id, world.tokens[person.id], cluster.origin)
        opened.append(client)
        try:
            client.connect(url)
        except socketio.exceptions.ConnectionError as exc:
            pytest.fail(f"{client.label} could not connect to {url}: {exc}", pytrace=False)
        return client

    yield connect
    for client in opened:
        client.close()
