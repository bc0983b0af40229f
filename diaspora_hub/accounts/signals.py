"""Signals other domains subscribe to without accounts importing them.

``sessions_revoked`` — sender: the ``User``; kwargs: ``session_id`` (the ended login's
key, see ``service.login_key``, or None: every session of that person). Sent after
commit when a person logs out, changes their password or is deactivated, so live
connections can be ended at once.

``standing_changed`` — sender: the SQLAlchemy ``Session`` in which the change is flushed;
kwargs: ``user_ids`` (a collection of user ids, or None: everyone in the space) and
``space_id`` (or None: every space). Sent by accounts, organisations and spaces right
after they flush a change of what people may see or do in a space: a facilitator added
or removed, an invitation revoked, an organisation removed from a space, a membership
ended, a space's visibility or code of conduct changed, an account deactivated. A
receiver acts in that session (flush only), so its own changes commit or roll back with
the one that caused them, and sends what it has to say only after the commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

sessions_revoked = _signals.signal("sessions-revoked")

standing_changed = _signals.signal("standing-changed")
