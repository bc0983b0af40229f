"""Serving the app in production: background work, then the Socket.IO-aware server.

One process serves all of its connections on one event loop (eventlet or gevent), so
whatever holds the loop holds every room of that process. Serving is tuned for that:

- No cap of 1,024 connections (eventlet's default pool size): ``MAX_CONNECTIONS``.
- ``TCP_NODELAY`` on every accepted socket: a socket that both sends and receives would
  otherwise wait on delayed acknowledgements, holding acks and events up to 40 ms.
- ``SEND_BUFFER_BYTES``, when set, fixes what the kernel holds for each connection's
  unsent bytes (Linux grows it up to 4 MB on its own): a bound on the memory that slow
  receivers take, at the price of throughput on long, fast links.
- WebSocket compression is declined unless ``WEBSOCKET_COMPRESSION`` is set: it would
  compress every broadcast once per receiving socket and keep a compressor of about
  256 KB per connection, for messages of a few hundred bytes.
- The garbage collector's full collections walk every long-lived object, some 100 ms at a
  few thousand connections, during which nobody hears anything. After start-up, and
  every ``GC_FREEZE_SECONDS``, the survivors are frozen out of its reach
  (``gc.freeze()``); once every ``GC_FULL_SECONDS`` they are thawed for one full
  collection, which frees cycles among them that have died since. Pauses over
  ``GC_PAUSE_WARN_MS`` are logged as warnings.
- Handlers that wait on others (a crowd connecting and joining, see ``live.crowds``) free
  their memory between objects that live as long as their connections. The C library
  keeps such holes from the system; after each refreeze, unless ``MEMORY_TRIM`` is off,
  ``malloc_trim`` hands their pages back (a fraction of a millisecond; glibc only).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import importlib
import logging
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

from flask import Flask
from flask_socketio import SocketIO

from diaspora_hub.extensions import socketio
from diaspora_hub.notifications import scheduler

logger = logging.getLogger(__name__)
#: one line per request answered, in the server's access-log format
request_log = logging.getLogger("diaspora_hub.requests")

DEFAULT_MAX_CONNECTIONS = 10_000
DEFAULT_GC_FREEZE_SECONDS = 1.0
DEFAULT_GC_FULL_SECONDS = 3600.0
DEFAULT_GC_PAUSE_WARN_MS = 20.0

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def run(app: Flask) -> None:
    """Start the scheduler (reminders, digests) and serve on HOST:PORT until stopped."""
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    scheduler.start(app)
    serve(app, socketio)


def configure_logging(level: str) -> None:
    """Log to standard error at ``level``, unless the process has set up logging itself."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)


def serve(app: Flask, server: SocketIO) -> None:
    """Serve ``app`` and its Socket.IO ``server`` on HOST:PORT with the tuning above."""
    host, port = app.config["HOST"], int(app.config["PORT"])
    site = _without_compression(app) if not app.config.get("WEBSOCKET_COMPRESSION") else app
    watch_gc_pauses(float(app.config.get("GC_PAUSE_WARN_MS", DEFAULT_GC_PAUSE_WARN_MS)))
    keep_long_lived_objects_frozen(
        server,
        float(app.config.get("GC_FREEZE_SECONDS", DEFAULT_GC_FREEZE_SECONDS)),
        float(app.config.get("GC_FULL_SECONDS", DEFAULT_GC_FULL_SECONDS)),
        trim=bool(app.config.get("MEMORY_TRIM", True)),
    )
    mode = server.server.eio.async_mode
    max_connections = int(app.config.get("MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS))
    send_buffer = int(app.config.get("SEND_BUFFER_BYTES", 0))
    logger.info(
        "Serving on http://%s:%d (%s, up to %d connections).", host, port, mode, max_connections
    )
    if mode == "eventlet":
        _serve_eventlet(site, host, port, max_connections, send_buffer)
    elif mode == "gevent":
        _serve_gevent(site, host, port, send_buffer)
    else:  # threading: the development server
        server.run(app, host=host, port=port, allow_unsafe_werkzeug=True)


def _without_compression(app: Flask) -> WsgiApp:
    """Drop the WebSocket compression offer, so every connection is served uncompressed."""
    wsgi_app: WsgiApp = app

    def site(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return site


def _tune(sock: Any, send_buffer: int) -> None:
    # Not TCP (a Unix socket), or already closed: nothing to do.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if send_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)


def _serve_eventlet(
    site: WsgiApp, host: str, port: int, max_connections: int, send_buffer: int
) -> None:
    import eventlet
    import eventlet.wsgi

    class Protocol(eventlet.wsgi.HttpProtocol):  # type: ignore[misc]
        def setup(self) -> None:
            _tune(self.request, send_buffer)
            super().setup()

    listener = eventlet.listen((host, port), backlog=min(max_connections, socket.SOMAXCONN))
    eventlet.wsgi.server(
        listener,
        site,
        max_size=max_connections,
        protocol=Protocol,
        log=request_log,
        debug=False,  # eventlet's default puts tracebacks in 500 answers
    )


def _serve_gevent(site: WsgiApp, host: str, port: int, send_buffer: int) -> None:
    from gevent import pywsgi

    options: dict[str, Any] = {}
    try:
        handler = importlib.import_module("geventwebsocket.handler")
    except ImportError:  # WebSocket through simple-websocket instead
        pass
    else:
        options["handler_class"] = handler.WebSocketHandler

    class Server(pywsgi.WSGIServer):  # type: ignore[misc]
        def handle(self, sock: Any, address: Any) -> None:
            _tune(sock, send_buffer)
            super().handle(sock, address)

    Server(
        (host, port),
        site,
        log=request_log,
        error_log=logger,
        backlog=socket.SOMAXCONN,
        **options,
    ).serve_forever()


# Garbage collection -----------------------------------------------------------------------


def watch_gc_pauses(warn_ms: float) -> None:
    """Log every full collection that holds the loop longer than ``warn_ms``."""
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            pause_ms = (time.perf_counter() - started.pop()) * 1000
            if pause_ms >= warn_ms:
                logger.warning(
                    "Full garbage collection paused the server for %.1f ms (%d objects frozen).",
                    pause_ms,
                    gc.get_freeze_count(),
                )

    if warn_ms > 0:
        gc.callbacks.append(callback)


def keep_long_lived_objects_frozen(
    server: SocketIO, every: float, full_every: float, *, trim: bool
) -> None:
    """Freeze what start-up built, then refreeze survivors every ``every`` seconds (0: off),
    each time handing the C heap's free pages back to the system if ``trim``."""
    if every <= 0:
        return
    gc.collect()
    gc.freeze()
    server.start_background_task(_refreeze, server, every, full_every, _malloc_trim(trim))


def _malloc_trim(wanted: bool) -> Callable[[int], int] | None:
    if not wanted:
        return None
    try:
        return cast(Callable[[int], int], ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim)
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        return None


def _refreeze(
    server: SocketIO, every: float, full_every: float, trim: Callable[[int], int] | None
) -> None:
    last_full = time.monotonic()
    while True:
        server.sleep(every)
        if full_every > 0 and time.monotonic() - last_full >= full_every:
            gc.unfreeze()
            gc.collect()
            last_full = time.monotonic()
        else:
            gc.collect(1)
        gc.freeze()
        if trim is not None:
            trim(0)
