"""Sections that domains above spaces add to a space's page (calls, rooms, meetings …).

Spaces cannot import those domains, so each of them registers a provider here from its
package's ``init_app`` (``create_app`` calls those in layer order, so sections appear in
that order), and the space page asks every provider for its section. Providers decide
visibility through their own service, so the page shows each viewer only what they may see.

The registry is filled only by ``init_app`` functions, never by importing a module; it holds
configuration (which functions to ask), not state, and registering again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.spaces.models import Space


@dataclass(frozen=True)
class SectionItem:
    title: str
    url: str
    #: a short line under the title, e.g. "Open until 3 December"
    meta: str = ""


@dataclass(frozen=True)
class Section:
    #: stable id, used for the heading's anchor
    key: str
    heading: str
    items: list[SectionItem] = field(default_factory=list)
    #: shown when there are no items
    empty: str = ""
    #: link to the full list
    more: tuple[str, str] | None = None
    #: the main action for this viewer, e.g. ("Open a room", url)
    action: tuple[str, str] | None = None


Provider = Callable[[Session, User | None, Space], Section | None]

_PROVIDERS: list[Provider] = []


def register(function: Provider) -> None:
    """Ask ``function`` for a section on every space page, after those registered before."""
    if function not in _PROVIDERS:
        _PROVIDERS.append(function)


def collect(session: Session, user: User | None, space: Space) -> list[Section]:
    return [s for p in _PROVIDERS if (s := p(session, user, space)) is not None]
