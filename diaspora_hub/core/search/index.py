"""Keeping the index up to date, and asking it, on SQLite (FTS5) and PostgreSQL alike.

The index follows every write in the transaction that makes it: after each flush, the
objects of watched models that were added, changed or deleted name the indexed things
they belong to, whose documents are read again and stored. A write that rolls back takes
its index change with it, and no service can forget to reindex. (Database triggers would
do the same without Python, but what a document says depends on rules — a contribution's
attribution decides whether its author's name is in it — which are Python, and would have
to be written twice, once per SQL dialect.)

Words are found in English, French and Spanish at once: PostgreSQL stems every document
and query with each language's configuration; on SQLite, the Snowball stemmers of the
three languages give every word its stems, and FTS5 folds case and accents. Both fold
accents before stemming, so a word typed without them is found.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Mapping
from functools import cache, lru_cache
from typing import Any, cast

import snowballstemmer
from sqlalchemy import (
    ColumnElement,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from diaspora_hub.core.search import registry
from diaspora_hub.core.search.models import SearchEntry

#: PostgreSQL text-search configurations, and the Snowball stemmers, of our languages
PG_CONFIGS = ("english", "french", "spanish", "simple")
STEMMERS = ("english", "french", "spanish")
#: query words beyond this are ignored
MAX_QUERY_WORDS = 12

_WORD = re.compile(r"\w+")
#: writes go through the table, not the ORM: they run inside a flush
_ENTRIES = cast(Table, SearchEntry.__table__)
_FTS_DELETE = text("DELETE FROM search_terms WHERE rowid = :id")
_FTS_INSERT = text("INSERT INTO search_terms (rowid, terms) VALUES (:id, :terms)")
_FTS_MATCH = text(
    "SELECT e.kind, e.object_id FROM search_terms "
    "JOIN search_entry AS e ON e.id = search_terms.rowid "
    "WHERE search_terms MATCH :query ORDER BY bm25(search_terms), e.id LIMIT :limit"
)
_PENDING = "diaspora_hub.search.pending"


@cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(language)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def forms(word: str) -> frozenset[str]:
    """The word and its stems in each language, case and accents folded (remembered: a
    language has far fewer words than its texts have, and stemming is the slow part)."""
    lowered = word.casefold()
    stems = {_fold(_stemmer(lang).stemWord(lowered)) for lang in STEMMERS}
    return frozenset({_fold(lowered), *stems})


def terms(document: str) -> str:
    """What SQLite's FTS5 table holds of a document: every form of every word."""
    return " ".join(" ".join(sorted(forms(word))) for word in _WORD.findall(document))


def query_words(query: str) -> list[str]:
    return _WORD.findall(query)[:MAX_QUERY_WORDS]


def _fts_query(words: list[str]) -> str:
    """Every word must match, in any of its forms (words are \\w+: nothing to escape)."""
    return " AND ".join(
        "(" + " OR ".join(f'"{form}"' for form in sorted(forms(word))) + ")" for word in words
    )


def _pg_vector(document: ColumnElement[str]) -> ColumnElement[Any]:
    """The document's words in every configuration; its accents are folded first, as on
    SQLite, so "couts" finds "coûts" (PostgreSQL's unaccent is an extension that not every
    server may install)."""
    vectors = [func.to_tsvector(text(f"'{config}'::regconfig"), document) for config in PG_CONFIGS]
    combined: ColumnElement[Any] = vectors[0]
    for vector in vectors[1:]:
        combined = combined.op("||")(vector)
    return combined


def _pg_query(words: list[str]) -> ColumnElement[Any]:
    phrase = _fold(" ".join(words))
    queries = [
        func.plainto_tsquery(text(f"'{config}'::regconfig"), phrase) for config in PG_CONFIGS
    ]
    combined: ColumnElement[Any] = queries[0]
    for query in queries[1:]:
        combined = combined.op("||")(query)
    return combined


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# Writing -----------------------------------------------------------------------------------


def store(session: Session, kind: str, documents: Mapping[int, str]) -> None:
    """Put {object id: text} documents of ``kind`` in the index, replacing what it had
    (a few statements for the whole batch, whatever its size)."""
    if not documents:
        return
    entries: dict[int, int] = {
        row.object_id: row.id
        for row in session.execute(
            select(_ENTRIES.c.object_id, _ENTRIES.c.id).where(
                _ENTRIES.c.kind == kind, _ENTRIES.c.object_id.in_(list(documents))
            )
        )
    }
    fresh = [
        {"kind": kind, "object_id": object_id}
        for object_id in documents
        if object_id not in entries
    ]
    if fresh:
        created = session.execute(
            insert(_ENTRIES).returning(_ENTRIES.c.object_id, _ENTRIES.c.id), fresh
        )
        entries.update({row.object_id: row.id for row in created})
    if _is_postgres(session):
        session.execute(
            update(_ENTRIES)
            .where(_ENTRIES.c.id == bindparam("entry_id"))
            .values(vector=_pg_vector(bindparam("document", type_=Text))),
            [
                {"entry_id": entries[object_id], "document": _fold(document)}
                for object_id, document in documents.items()
            ],
        )
        return
    ids = [{"id": entries[object_id]} for object_id in documents]
    session.execute(_FTS_DELETE, ids)
    session.execute(
        _FTS_INSERT,
        [
            {"id": entries[object_id], "terms": terms(document)}
            for object_id, document in documents.items()
        ],
    )


def remove(session: Session, kind: str, object_ids: Collection[int]) -> None:
    if object_ids:
        session.execute(
            delete(_ENTRIES).where(
                _ENTRIES.c.kind == kind, _ENTRIES.c.object_id.in_(list(object_ids))
            )
        )


def reindex(session: Session, kind: str, object_ids: Collection[int] | None = None) -> int:
    """Read the documents of ``object_ids`` (None: every one) again; how many are indexed."""
    found = registry.kind(kind)
    if found is None:
        return 0
    documents = dict(found.documents(session, object_ids))
    if object_ids is None:
        stale = set(session.scalars(select(SearchEntry.object_id).where(SearchEntry.kind == kind)))
    else:
        stale = set(object_ids)
    remove(session, kind, stale - set(documents))
    store(session, kind, documents)
    return len(documents)


# Following writes -----------------------------------------------------------------------


def _changed(obj: Any, fields: frozenset[str]) -> bool:
    if not fields:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def note_writes(session: Session, _context: Any) -> None:
    """After a flush: which indexed things the flushed rows belong to."""
    kinds = registry.kinds()
    if not kinds:
        return
    pending: dict[str, set[int]] = session.info.setdefault(_PENDING, defaultdict(set))
    for group, is_update in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in group:
            for found in kinds:
                watch = found.watch.get(type(obj))
                if watch is None or (is_update and not _changed(obj, watch.fields)):
                    continue
                owner = watch.owner(obj)
                if owner is not None:
                    pending[found.name].add(owner)


def apply_writes(session: Session, _context: Any) -> None:
    """After the flush has run: reindex what it touched, in the same transaction."""
    pending: dict[str, set[int]] | None = session.info.pop(_PENDING, None)
    for kind, object_ids in (pending or {}).items():
        reindex(session, kind, object_ids)


# Asking ------------------------------------------------------------------------------------


def matches(session: Session, query: str, limit: int) -> list[tuple[str, int]]:
    """(kind, object id) of the best ``limit`` matches, best first."""
    words = query_words(query)
    if not words:
        return []
    if _is_postgres(session):
        tsquery = _pg_query(words)
        rows = session.execute(
            select(SearchEntry.kind, SearchEntry.object_id)
            .where(SearchEntry.vector.op("@@")(tsquery))
            .order_by(func.ts_rank(SearchEntry.vector, tsquery).desc(), SearchEntry.id)
            .limit(limit)
        )
    else:
        rows = session.execute(
            _FTS_MATCH,
            {"query": _fts_query(words), "limit": limit},
        )
    return [(str(kind), int(object_id)) for kind, object_id in rows]
