"""The yardstick for bench_rooms.py: a Flask-SocketIO server whose ``say`` only broadcasts.

Same namespace, event names, acknowledgements and payload shape as ``/live``, same async
mode, the same packets (``diaspora_hub.core.packets``) and the same serving
(``diaspora_hub.serve.serve``, with the same settings from the environment), but no
authentication, validation, storage or presence. What our own server costs beyond this is
the cost of our path.

Run as ``python benchmarks/minimal_server.py`` with SOCKETIO_ASYNC_MODE, HOST, PORT and
the serving settings in the environment.
"""

import os

if os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet") == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif os.environ.get("SOCKETIO_ASYNC_MODE") == "gevent":
    from gevent import monkey

    monkey.patch_all()

import itertools
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask_socketio import SocketIO, join_room

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diaspora_hub import config, serve
from diaspora_hub.core.packets import JsonPacket

NAMESPACE = "/live"
ROOM = "room"
#: How a person appears in an event of an open room (see live.service.person_ref).
ACTOR = {
    "id": 1,
    "name": "Person 1",
    "organisation": {"id": 1, "slug": "org-1", "name": "Organisation 1", "acronym": None},
    "bloc": "diaspora",
}


def create_app() -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    app.config.update(config.from_environment())
    sio = SocketIO(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=[app.config["PUBLIC_ORIGIN"]],
        serializer=JsonPacket,
    )
    sequence = itertools.count(1)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @sio.on("connect", namespace=NAMESPACE)
    def connect(auth: Any = None) -> None:
        return None

    @sio.on("join", namespace=NAMESPACE)
    def join(data: Any = None) -> dict[str, Any]:
        join_room(ROOM, namespace=NAMESPACE)
        return {"ok": True, "room": 1, "state": {}, "events": [], "complete": True}

    @sio.on("say", namespace=NAMESPACE)
    def say(data: Any = None) -> dict[str, Any]:
        seq = next(sequence)
        event = {
            "room": 1,
            "seq": seq,
            "type": "message",
            "at": datetime.now(UTC).isoformat(),
            "actor": ACTOR,
            "data": {"body": data["body"], "client_id": data["client_id"], "hidden": False},
        }
        sio.emit("event", event, to=ROOM, namespace=NAMESPACE)
        return {"ok": True, "seq": seq, "duplicate": False}

    return app, sio


if __name__ == "__main__":
    minimal_app, minimal_socketio = create_app()
    serve.serve(minimal_app, minimal_socketio)
