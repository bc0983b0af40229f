"""One search across everything a person may see.

Core owns the index and its two engines (SQLite FTS5, PostgreSQL full-text search); each
domain registers the kinds of things it makes findable from its own ``init_app`` with
:func:`register` — which models to follow, what text to index, and who may see a match —
so a new domain adds its kinds without this package knowing it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from diaspora_hub.core.search.registry import kinds, register
from diaspora_hub.core.search.types import Found, Hit, Kind, Watch

__all__ = ["Found", "Hit", "Kind", "Watch", "init_app", "kinds", "objects", "register"]

T = TypeVar("T")


def objects(session: Session, model: type[T], ids: Collection[int] | None) -> Sequence[T]:
    """The rows of ``model`` with these ids (None: all of them), for a kind's documents."""
    query = select(model)
    if ids is not None:
        query = query.where(model.id.in_(list(ids)))  # type: ignore[attr-defined]
    return session.scalars(query).all()


def init_app(app: Flask) -> None:
    """The results page, the API, the index following every flush, ``flask search-reindex``."""
    from diaspora_hub.core import api
    from diaspora_hub.core.search import api as search_api
    from diaspora_hub.core.search import index, views

    app.register_blueprint(views.bp)
    api.register(app, search_api.bp)
    if not event.contains(Session, "after_flush", index.note_writes):
        event.listen(Session, "after_flush", index.note_writes)
        event.listen(Session, "after_flush_postexec", index.apply_writes)
    app.cli.add_command(reindex_command)


@click.command("search-reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database (after a restore or an import)."""
    from diaspora_hub.core.search import index
    from diaspora_hub.extensions import db

    session = db.session()
    for found in kinds():
        count = index.reindex(session, found.name)
        click.echo(f"{found.name}: {count}")
    session.commit()
