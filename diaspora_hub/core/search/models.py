"""The search index: one row per searchable thing, and each database's text index over it.

PostgreSQL keeps the document's ``tsvector`` in ``search_entry.vector`` (GIN-indexed).
SQLite keeps the stemmed terms in the FTS5 table ``search_terms`` (rowid = the entry's id),
which a trigger empties with the entry; ``vector`` stays empty there. Neither FTS5's
virtual table nor its shadow tables are in the metadata: :func:`include_name` keeps
migrations from comparing them with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, Index, String, Text, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from diaspora_hub.core.db import Base

#: SQLite's FTS5 table of stemmed terms, and the prefix of the shadow tables it keeps
FTS_TABLE = "search_terms"
FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_terms "
    "USING fts5(terms, tokenize = 'unicode61 remove_diacritics 2')"
)
FTS_EMPTY = "DELETE FROM search_terms"
FTS_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS search_entry_deleted AFTER DELETE ON search_entry "
    "BEGIN DELETE FROM search_terms WHERE rowid = old.id; END"
)
FTS_DROP = "DROP TABLE IF EXISTS search_terms"


class SearchEntry(Base):
    """What the index holds of one space, call, contribution, room or organisation."""

    __tablename__ = "search_entry"
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_search_entry_vector", "vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the registered kind, e.g. "call"
    kind: Mapped[str] = mapped_column(String(32))
    #: the id of the indexed object in its own table
    object_id: Mapped[int]
    #: PostgreSQL: the text's words stemmed in English, French and Spanish; SQLite: unused
    vector: Mapped[Any] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), nullable=True
    )


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic: FTS5's tables are the migration's own business, not the models'."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def _sqlite(statement: str) -> DDL:
    return DDL(statement).execute_if(dialect="sqlite")  # type: ignore[no-untyped-call]


# Part of the table's definition, as its indexes are: where a schema is built from the
# models rather than the migrations (the test setup), the FTS5 table is built beside it,
# empty, and dropped with it. The app's schema is the migration's.
for _statement in (FTS_CREATE, FTS_EMPTY, FTS_TRIGGER):
    event.listen(SearchEntry.__table__, "after_create", _sqlite(_statement))
event.listen(SearchEntry.__table__, "after_drop", _sqlite(FTS_DROP))
