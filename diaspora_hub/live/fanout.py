"""A room's broadcast written once, straight to every receiving WebSocket; acks too.

python-engineio hands each outgoing packet to a per-socket queue drained by a writer
green thread: for every receiver, a wake-up, two switches, a timeout and a frame built
again. At 2,000 people in a room that is most of a core at 10 messages a second, and the
last receiver hears a message hundreds of milliseconds after the first.

What a room hears is the same for all its sockets (WebSocket compression is declined, see
``serve``), so the frame is built once and written with one non-blocking send per socket.
Only a socket with nothing waiting in its queue and nobody writing to it is written to
directly; any other (still long-polling, upgrading, with packets queued, a full send
buffer, TLS) takes the library's path, so each socket still hears everything in order.
A frame the kernel takes only in part is finished by a green thread holding the socket's
send lock, which the library's writer waits for. Messages to one socket (acknowledgements,
a join's room state) are written the same way, without the round through the writer.

The library's queue has no bound: a receiver that stops reading (a stalled tab, a phone
in a tunnel) would grow it for as long as its room talks. One ``LIVE_SEND_BACKLOG``
packets behind is hung up instead; its client reconnects and joins again from its last
``seq``, which costs nothing that the room has not already stored.

Each socket hears its packets in the order the server sent them, whichever path each took.
This is what the direct path relies on:

- Everything for a socket (broadcasts, acknowledgements, messages to one person) passes
  through ``Fanout._send``, in the order the server produced it.
- A packet is written directly only when its socket's queue is empty and its send lock is
  free. The library's writer takes packets off the queue and then takes the send lock for
  each with no green switch in between (eventlet switches only where a thread waits), so
  an empty queue and a free lock mean nothing queued earlier is still on its way: a packet
  written directly never overtakes one queued earlier for the same socket.
- Once one packet for a socket is queued, every later one is queued behind it until the
  writer has sent them all; an acknowledgement is never written ahead of a broadcast
  sent before it, nor the other way round.
- A frame the kernel takes only in part is finished while its send lock is held, and
  whatever comes next for that socket (the writer's next packet, or a later direct write,
  which then takes the library's path) waits for the lock, granted in turn.

Direct writes need eventlet (the production server) and the private parts of
python-engineio and eventlet read here, all probed at start-up: other modes, a version
that lacks one (the log says which) and ``LIVE_DIRECT_WRITES`` off keep the library's path
for every packet, without the hang-up on a backlog.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from collections.abc import Callable
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

logger = logging.getLogger(__name__)

#: Where a WebSocket is kept on the engine.io socket it serves.
WEBSOCKET = "diaspora_hub_websocket"
#: What is read of python-engineio's server and sockets, and of eventlet's WebSockets and
#: green sockets, beyond their documented interfaces: probed at start-up by ``missing``.
ENGINE_SERVER_NEEDS = ("_async", "sockets", "send_packet", "start_background_task")
ENGINE_SOCKET_NEEDS = (
    "_websocket_handler",
    "check_ping_timeout",
    "queue",
    "upgraded",
    "upgrading",
    "closing",
    "closed",
    "server",
)
WEBSOCKET_NEEDS = ("_sendlock", "socket")
GREEN_SOCKET_NEEDS = ("fd",)


def manager(redis_url: str | None) -> socketio.Manager:
    """The client manager for this process: across workers through Redis when it is set."""
    if redis_url:
        # Flask-SocketIO's own channel, so that anything emitting through it reaches us.
        return RedisFanout(redis_url, channel="flask-socketio")
    return Fanout()


def frame(text: str) -> bytes:
    """One final, unmasked text frame (RFC 6455, 5.2), as a server sends it."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


class Fanout(socketio.Manager):  # type: ignore[misc]
    """Rooms of this process, broadcast to with one frame per message."""

    _library_send: Callable[[str, eio_packet.Packet], None]
    _backlog = 0
    _attached = False

    def attach(self, backlog: int, *, direct: bool = True) -> None:
        """Write this server's messages directly where a WebSocket allows it, and hang up
        on a WebSocket ``backlog`` packets behind; without ``direct``, in other async
        modes, or with a library that lacks what is read of it, nothing changes."""
        eio = self.server.eio
        if not direct:
            logger.info(
                "Direct writes are off (LIVE_DIRECT_WRITES): the library's own send path is kept."
            )
            return
        if eio.async_mode != "eventlet":
            logger.info(
                "Direct writes need eventlet, not %s: the library's own send path is kept.",
                eio.async_mode,
            )
            return
        absent = missing(eio)
        if absent is not None:
            logger.warning(
                "Direct writes are off: %s is missing, so the library's own send path is kept.",
                absent,
            )
            return
        _keep_websockets(eio)
        self._library_send = eio.send_packet
        self._backlog = backlog
        self._attached = True
        # Acknowledgements and messages to one person too: the library's writer would also
        # keep the last packet it sent, a join's whole room state, until the next.
        eio.send_packet = self._send

    def _send(self, eio_sid: str, packet: eio_packet.Packet, bytes_: bytes | None = None) -> None:
        """Write ``packet`` (framed as ``bytes_``, when already) directly if its socket
        allows it, else take the library's path."""
        engine_socket = self.server.eio.sockets.get(eio_sid)
        ws = _writable(engine_socket)
        if (
            ws is None
            or packet.packet_type != eio_packet.MESSAGE
            or not isinstance(packet.data, str)
            or not _write(engine_socket, ws, bytes_ or frame(packet.encode()))
        ):
            self._enqueue(eio_sid, engine_socket, packet)

    def _enqueue(self, eio_sid: str, engine_socket: Any, packet: eio_packet.Packet) -> None:
        """The library's path: its queue and writer. A WebSocket already ``backlog``
        packets behind (a stalled tab, a phone in a tunnel) is hung up instead of queued
        to without end; its client reconnects and joins again from its last ``seq``."""
        ws = getattr(engine_socket, WEBSOCKET, None)
        if ws is not None and engine_socket.queue.qsize() >= self._backlog:
            logger.info("Hung up on %s, %d packets behind.", eio_sid, self._backlog)
            with contextlib.suppress(OSError):
                ws.socket.fd.shutdown(socket.SHUT_RDWR)
            return
        self._library_send(eio_sid, packet)

    def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if callback is not None or not self._attached:
            super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback)
            return
        if namespace not in self.rooms:
            return
        arguments = [] if data is None else list(data) if isinstance(data, tuple) else [data]
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *arguments]
        ).encode()
        if isinstance(encoded, list):  # binary attachments travel as several packets
            super().emit(event, data, namespace, room=room, skip_sid=skip_sid)
            return
        packet = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        bytes_ = frame(packet.encode())
        skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid not in skipped:
                self._send(eio_sid, packet, bytes_)


def missing(eio: Any) -> str | None:
    """The first private part of python-engineio or eventlet read here that the installed
    versions lack, named ``owner.attribute``; None when they have them all."""
    from engineio.socket import Socket
    from eventlet import patcher
    from eventlet.greenio import GreenSocket
    from eventlet.websocket import RFC6455WebSocket

    for name in ENGINE_SERVER_NEEDS:
        if not _has(eio, name):
            return f"engineio.Server.{name}"
    if not isinstance(eio._async, dict) or eio._async.get("websocket") is None:
        return "engineio.Server._async['websocket']"
    # Instances, since most of these are set by constructors; each built, never connected,
    # only once what it needs is known to be there.
    plain_socket = patcher.original("socket").socket()
    try:
        green_socket = GreenSocket(plain_socket)
        probed: tuple[tuple[str, Callable[[], Any], tuple[str, ...]], ...] = (
            ("engineio.socket.Socket", lambda: Socket(eio, "probe"), ENGINE_SOCKET_NEEDS),
            ("eventlet.greenio.GreenSocket", lambda: green_socket, GREEN_SOCKET_NEEDS),
            (
                "eventlet.websocket.RFC6455WebSocket",
                lambda: RFC6455WebSocket(green_socket, {}),
                WEBSOCKET_NEEDS,
            ),
        )
        for owner, build, names in probed:
            instance = build()
            for name in names:
                if not _has(instance, name):
                    return f"{owner}.{name}"
    finally:
        plain_socket.close()
    return None


def _has(instance: Any, name: str) -> bool:
    # Not hasattr: GreenSocket.__getattr__ reads ``fd`` itself, so a missing ``fd`` would
    # raise RecursionError, not AttributeError.
    try:
        getattr(instance, name)
    except (AttributeError, RecursionError):
        return False
    return True


def _keep_websockets(eio: Any) -> None:
    """Keep each engine.io socket's WebSocket where ``_writable`` finds it (eventlet)."""
    from eventlet.greenio import GreenSocket

    library_websocket = eio._async["websocket"]

    class Kept(library_websocket):  # type: ignore[misc, valid-type]
        def __init__(self, handler: Any, engine: Any) -> None:
            engine_socket = handler.__self__

            def keep(ws: Any) -> Any:
                # Only a plain TCP socket: bytes written to a TLS socket's descriptor
                # would bypass the encryption.
                if type(ws.socket) is GreenSocket and hasattr(ws, "_sendlock"):
                    setattr(engine_socket, WEBSOCKET, ws)
                return handler(ws)

            super().__init__(keep, engine)

    eio._async = {**eio._async, "websocket": Kept}


def _writable(engine_socket: Any) -> Any | None:
    """The socket's WebSocket if nothing else is waiting to go out on it, else None."""
    ws = getattr(engine_socket, WEBSOCKET, None)
    if (
        ws is None
        or not engine_socket.upgraded
        or engine_socket.upgrading
        or engine_socket.closing
        or engine_socket.closed
        or engine_socket.queue.qsize()
    ):
        return None
    return ws


def _write(engine_socket: Any, ws: Any, bytes_: bytes) -> bool:
    """Write a frame without waiting; False if nothing was written and the library's path
    must take it."""
    if not engine_socket.check_ping_timeout():
        return True  # it closes, as the library's path would
    if not ws._sendlock.acquire(blocking=False):
        return False
    try:
        sent = ws.socket.fd.send(bytes_)
    except BlockingIOError:
        sent = 0
    except OSError:
        # Gone: the library's reader and writer close it.
        ws._sendlock.release()
        return True
    if sent == len(bytes_):
        ws._sendlock.release()
    elif sent == 0:
        ws._sendlock.release()
        return False
    else:
        engine_socket.server.start_background_task(_finish, ws, bytes_[sent:])
    return True


def _finish(ws: Any, rest: bytes) -> None:
    """Write the rest of a frame, holding the send lock taken for its start."""
    try:
        ws.socket.sendall(rest)
    except OSError:
        # Gone: the library's reader and writer close it.
        pass
    finally:
        ws._sendlock.release()


class RedisFanout(socketio.RedisManager, Fanout):  # type: ignore[misc]
    """Rooms across workers: each worker broadcasts what Redis brings it as ``Fanout`` does."""
