"""Searching what a person may see, across every registered kind.

The index answers which things match, best first; each kind's domain then says which of
them this person may see and how (``Kind.resolve``: visibility and attribution are the
domains' rules, decided in their services). Only the best ``CANDIDATES`` matches are
considered, so the total counts what the person may see among those.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.core.pagination import Page
from diaspora_hub.core.search import index, registry
from diaspora_hub.core.search.types import Found, Hit

#: matches read from the index for one search
CANDIDATES = 200
#: characters of text around the first matching word
EXCERPT = 160


def search(
    session: Session,
    actor: Any,
    *,
    query: str,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Hit]:
    """What ``actor`` (a person, or None for a visitor) may see that matches ``query``."""
    kind = kind or None
    if kind is not None and registry.kind(kind) is None:
        raise ValidationFailed(fields={"kind": ["Unknown kind."]})
    if not index.query_words(query):
        return Page(items=[], page=page, per_page=per_page, total=0)
    candidates = [
        (name, object_id)
        for name, object_id in index.matches(session, query, CANDIDATES)
        if kind is None or name == kind
    ]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for name, object_id in candidates:
        by_kind[name].append(object_id)
    seen: dict[tuple[str, int], Found] = {}
    for name, object_ids in by_kind.items():
        found_kind = registry.kind(name)
        if found_kind is None:
            continue
        for object_id, found in found_kind.resolve(session, actor, object_ids).items():
            seen[(name, object_id)] = found
    visible = [key for key in candidates if key in seen]
    start = (page - 1) * per_page
    items = [
        _hit(name, object_id, seen[(name, object_id)], query)
        for name, object_id in visible[start : start + per_page]
    ]
    return Page(items=items, page=page, per_page=per_page, total=len(visible))


def kind_choices() -> list[tuple[str, str]]:
    """(name, label) of every kind people can search for."""
    return [(k.name, str(k.label)) for k in registry.kinds()]


def _hit(name: str, object_id: int, found: Found, query: str) -> Hit:
    found_kind = registry.kind(name)
    return Hit(
        kind=name,
        kind_label=str(found_kind.label) if found_kind else name,
        id=object_id,
        title=found.title,
        url=found.url,
        excerpt=excerpt(found.text, query),
        space=found.space,
    )


def excerpt(text: str, query: str) -> str:
    """About ``EXCERPT`` characters of ``text``, around the first word of the query found."""
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT:
        return flat
    wanted = {form for word in index.query_words(query) for form in index.forms(word)}
    start = 0
    for match in re.finditer(r"\w+", flat):
        if index.forms(match.group()) & wanted:
            start = max(0, match.start() - EXCERPT // 4)
            break
    piece = flat[start : start + EXCERPT]
    return ("…" if start else "") + piece + ("…" if start + EXCERPT < len(flat) else "")
