"""The `--db` option and the session fixtures for the database and Redis.

`pytest` runs everything on SQLite; `pytest -m postgres --db=postgresql` runs the tests
marked `postgres` again on a real PostgreSQL, so both dialects the migrations target are
exercised. Servers start only when a test asks for them, once per session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import servers

DATABASE_BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("databases")
    group.addoption(
        "--db",
        action="store",
        dest="database_backend",
        choices=DATABASE_BACKENDS,
        default="sqlite",
        help="database the app under test uses (default: sqlite)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {config.getoption('database_backend')}"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _require(available: bool, what: str, *, explicit: bool) -> None:
    """Skip when a server is missing on a developer's machine; fail in CI or when asked for.

    CI installs every server, so a missing one there is a broken setup, not a reason to
    pass quietly.
    """
    if available:
        return
    message = f"{what} is not installed; `make system-deps` installs it"
    if explicit or _in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def database_backend(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgresql`, as chosen with `--db`."""
    backend: str = request.config.getoption("database_backend")
    return backend


@pytest.fixture(scope="session")
def postgres_server(database_backend: str) -> Iterator[servers.PostgresServer]:
    """A PostgreSQL server for the session, also for tests that need one whatever `--db` is."""
    _require(servers.postgres_available(), "PostgreSQL", explicit=database_backend == "postgresql")
    server = servers.start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest,
    database_backend: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """SQLAlchemy URL of an empty database for the session, on the backend `--db` chose."""
    if database_backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "diaspora_hub.sqlite3"
        yield f"sqlite:///{path}"
        return
    server: servers.PostgresServer = request.getfixturevalue("postgres_server")
    name = f"diaspora_hub_test_{os.getpid()}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[servers.RedisServer]:
    """A Redis server for the session, started the first time a test asks for it."""
    _require(servers.redis_available(), "Redis (redis-server)", explicit=False)
    server = servers.start_redis()
    try:
        yield server
    finally:
        server.stop()
