"""What domains hand the search, and what it answers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

#: (session, ids or None for all) → (id, text to index) of each that should be found;
#: an id left out is taken out of the index
Documents = Callable[[Session, Collection[int] | None], Iterable[tuple[int, str]]]
#: (session, actor, ids) → what the actor may see of each; an id left out stays hidden.
#: The actor is the domain's own person type (a User, or None for a visitor).
Resolve = Callable[[Session, Any, Collection[int]], Mapping[int, "Found"]]


@dataclass(frozen=True)
class Watch:
    """A model whose writes change what a kind indexes."""

    #: the id of the indexed object a row belongs to (its own id, or e.g. its ``call_id``)
    owner: Callable[[Any], int | None]
    #: attributes whose change reindexes; empty: any write does
    fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Kind:
    """One kind of thing people can find, registered by its domain's ``init_app``."""

    #: short name stored in the index and used in the API, e.g. "call"
    name: str
    #: plural label shown in the results, e.g. _l("Calls for input")
    label: Any
    #: the models whose writes reindex this kind
    watch: Mapping[type, Watch]
    documents: Documents
    resolve: Resolve


@dataclass(frozen=True)
class Found:
    """A match as this person may see it (attribution and visibility applied)."""

    title: str
    #: where the result leads, a path on this site
    url: str
    #: the text the excerpt is cut from
    text: str = ""
    #: the space it belongs to, if any
    space: str | None = None


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    id: int
    title: str
    url: str
    excerpt: str
    space: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
