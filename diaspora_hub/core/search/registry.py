"""The kinds of things search finds, registered by each domain's ``init_app``.

Like the other registries (space sections, notification kinds) this table is
configuration, the same for every app of a process; registering a kind again replaces it
with the same thing.
"""

from __future__ import annotations

from diaspora_hub.core.search.types import Kind

_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _KINDS[kind.name] = kind


def kinds() -> tuple[Kind, ...]:
    return tuple(_KINDS.values())


def kind(name: str) -> Kind | None:
    return _KINDS.get(name)
