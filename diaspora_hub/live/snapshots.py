"""A worker's cache of the parts of room state that only room events change.

The speaking queue, the current speaker, polls, questions and reactions change only
together with a room event, which moves the room's ``last_seq`` in the shared database; so
does the log a first join replays (its latest events). So what was read for one
``last_seq`` holds for every join at that ``last_seq``, on any worker: when a crowd joins
a quiet room, one reading serves everyone. Presence, the joiner's own standing and
speaking time (which runs with the clock) are never cached.
Entries are replaced, never changed, so a reader may hold one while another is stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Json = dict[str, Any]
#: (the part: "state" or "replay", room id, the room's last_seq, read by a facilitator)
Key = tuple[str, int, int, bool]


class SharedViews:
    """The cached parts by room, sequence number and kind of viewer; the newest few kept."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Key, Json] = OrderedDict()
        self._guard = threading.Lock()

    def read(self, key: Key, compute: Callable[[], Json]) -> Json:
        """The entry under ``key``, computed and stored first if missing."""
        with self._guard:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                return value
        value = compute()
        with self._guard:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
