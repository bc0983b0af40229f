"""Back-off for password guesses, counted together for every way in.

A failed login on the page or through the API, and a registration refused because the
address is taken, are guesses. They are counted per network address and per account, in
the rate-limit storage (Redis when configured), so every worker sees the same counts.
Past a few free guesses each further one waits twice as long as the one before, up to
``LONGEST_WAIT``: a guesser is slowed to a crawl, while the real person, even under
attack, waits minutes at most and never finds the account locked.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask_babel import gettext as _
from limits.storage import Storage

from diaspora_hub.core.errors import RateLimited
from diaspora_hub.extensions import limiter

#: Failures an account takes before its guesses must wait.
FREE_GUESSES_PER_ACCOUNT = 10
#: Failures a network address makes before its guesses must wait (offices share one).
FREE_GUESSES_PER_ADDRESS = 20
#: The longest wait between two guesses, in seconds.
LONGEST_WAIT = 300
#: Failures are forgotten this long after the first of them, in seconds.
MEMORY = 3600


@dataclass(frozen=True)
class _Counter:
    key: str
    free: int

    @property
    def hold(self) -> str:
        return f"{self.key}:hold"


def _counters(*, address: str | None, email: str) -> list[_Counter]:
    # The account is named by a hash, so the storage holds no email address.
    account = hashlib.sha256(email.encode()).hexdigest()
    counters = [_Counter(f"guesses:account:{account}", FREE_GUESSES_PER_ACCOUNT)]
    if address:
        counters.append(_Counter(f"guesses:address:{address}", FREE_GUESSES_PER_ADDRESS))
    return counters


def _storage() -> Storage | None:
    return limiter.storage if limiter.enabled else None


def check(*, address: str | None, email: str) -> None:
    """Refuse (429, with how long to wait) a guess that comes before its wait is over."""
    storage = _storage()
    if storage is None:
        return
    waits = [
        storage.get_expiry(counter.hold) - time.time()
        for counter in _counters(address=address, email=email)
        if storage.get(counter.hold)
    ]
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        raise RateLimited(
            _("Too many attempts. Try again in %(seconds)d seconds.", seconds=seconds),
            retry_after=seconds,
        )


def failed(*, address: str | None, email: str) -> None:
    """Count a wrong guess; past the free ones, the next guess must wait longer each time."""
    storage = _storage()
    if storage is None:
        return
    for counter in _counters(address=address, email=email):
        failures = storage.incr(counter.key, MEMORY)
        if failures >= counter.free:
            wait = min(LONGEST_WAIT, 2 ** min(failures - counter.free, 16))
            storage.clear(counter.hold)
            storage.incr(counter.hold, wait)


def succeeded(*, email: str) -> None:
    """The right password: the account starts afresh (the address does not)."""
    storage = _storage()
    if storage is None:
        return
    for counter in _counters(address=None, email=email):
        storage.clear(counter.key)
        storage.clear(counter.hold)
