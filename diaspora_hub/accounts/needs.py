"""What needs a person: the cards on their home page, gathered from every domain.

Accounts cannot import the domains above it, so each domain registers a provider here from
its package's ``init_app`` (calls waiting for an answer, rooms live now, invitations …) and
the home page asks every provider. A provider decides what the person may see through its
own service. The registry holds configuration (which functions to ask), filled only by
``init_app`` functions; registering again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User


class Urgency(IntEnum):
    """Cards sort by urgency first, then by deadline."""

    #: happening now: a room with people in it
    NOW = 0
    #: has a deadline: a call that closes
    DUE = 1
    #: waits for a decision without a deadline: an invitation, a join request
    WAITING = 2
    #: worth knowing: something coming up
    LATER = 3


@dataclass(frozen=True)
class Need:
    #: what it is, for the card's icon and class: "call", "room", "invitation", "request" …
    kind: str
    title: str
    url: str
    #: the main action, e.g. "Answer for Alpha Diaspora"
    action: str
    urgency: Urgency
    #: a line under the title, e.g. "Remittances · 5 people here"
    detail: str = ""
    #: the deadline, shown in the reader's zone and used to sort
    due: datetime | None = None


Provider = Callable[[Session, User], Iterable[Need]]

_PROVIDERS: list[Provider] = []


def register(function: Provider) -> None:
    """Ask ``function`` for a person's cards on every home page."""
    if function not in _PROVIDERS:
        _PROVIDERS.append(function)


def collect(session: Session, user: User) -> list[Need]:
    """Every provider's cards, most urgent first, then the nearest deadline."""
    found = [need for provider in _PROVIDERS for need in provider(session, user)]
    return sorted(
        found, key=lambda n: (n.urgency, n.due is None, n.due.timestamp() if n.due else 0.0)
    )
