"""Signals other domains subscribe to without accounts importing them.

``sessions_revoked`` — sender: the ``User``; kwargs: ``session_id`` (the ended login's
key, see ``service.login_key``, or None: every session of that person). Sent after
commit when a person logs out, changes their password or is deactivated, so live
connections can be ended at once.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

sessions_revoked = _signals.signal("sessions-revoked")
