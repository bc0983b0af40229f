"""The schema is the migrations: they build every table on both databases, and match the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from diaspora_hub import create_app
from diaspora_hub.core.search.models import include_name
from diaspora_hub.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_database_url(database_backend, tmp_path, request) -> Iterator[str]:
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    server.create_database("diaspora_hub_migrations")
    yield server.url("diaspora_hub_migrations")
    server.drop_database("diaspora_hub_migrations")


def _app(url: str):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SOCKETIO_ASYNC_MODE": "threading",
        }
    )


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database_url):
    app = _app(empty_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
            )
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
