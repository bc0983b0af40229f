"""Requests of one kind arriving together, done together by the first of them.

When a meeting starts, hundreds of people connect and join one room within a second. Done
one by one, each request runs its own statements and commit; done as a crowd, they share
them. The first request of a crowd waits while more keep arriving (``LIVE_CROWD_QUIET``
seconds without a newcomer, at most ``LIVE_CROWD_GATHER`` seconds and ``CROWD_SIZE``
requests, since a crowd is one stretch of work on the event loop), does them all in one
transaction and wakes the others with their results.

A request the crowd could not do gets None, and its own handler then does it on its own:
a refusal reaches the person in their own language, and never holds up the others. A
request waiting for its crowd holds no database connection.
Nothing here is room state: a crowd lives for a few milliseconds, in one worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app

from diaspora_hub.extensions import db, socketio

#: Seconds without a newcomer that end the wait for more.
CROWD_QUIET = 0.001
#: Seconds the first request waits for others, at most.
CROWD_GATHER = 0.02
#: Requests in one crowd, at most.
CROWD_SIZE = 50

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Arrival(Generic[Item, Result]):
    item: Item
    done: Any  # an event of the server's async mode
    result: Result | None = None


class Crowds:
    """The crowds of one worker now gathering, by key (e.g. the room they join)."""

    def __init__(self) -> None:
        self._open: dict[Hashable, list[_Arrival[Any, Any]]] = {}
        self._guard = threading.Lock()

    def gather(
        self, key: Hashable, item: Item, do: Callable[[list[Item]], list[Result | None]]
    ) -> Result | None:
        """``item``'s result when done together with the others arriving under ``key``
        (``do`` does a whole crowd and must not raise); None: do it on your own."""
        # Whatever the request read so far (a logged-in person, say) took a database
        # connection: give it back before waiting, or a crowd would hold the whole pool.
        db.session.close()
        arrival: _Arrival[Item, Result] = _Arrival(item, socketio.server.eio.create_event())
        with self._guard:
            crowd = self._open.setdefault(key, [])
            crowd.append(arrival)
            first = len(crowd) == 1
            if len(crowd) >= CROWD_SIZE:
                del self._open[key]
        if not first:
            arrival.done.wait()
            return arrival.result
        try:
            self._wait(key, crowd)
            if len(crowd) > 1:
                results = do([other.item for other in crowd])
                for other, result in zip(crowd, results, strict=True):
                    other.result = result
        finally:
            for other in crowd[1:]:
                other.done.set()
        return arrival.result

    def _wait(self, key: Hashable, crowd: list[_Arrival[Any, Any]]) -> None:
        """Wait while requests keep arriving, then close the crowd to newcomers."""
        config = current_app.config
        quiet = float(config.get("LIVE_CROWD_QUIET", CROWD_QUIET))
        deadline = time.monotonic() + float(config.get("LIVE_CROWD_GATHER", CROWD_GATHER))
        seen = 1
        while True:
            socketio.sleep(quiet)
            with self._guard:
                size = len(crowd)
                if size == seen or size >= CROWD_SIZE or time.monotonic() >= deadline:
                    if self._open.get(key) is crowd:
                        del self._open[key]
                    return
            seen = size
