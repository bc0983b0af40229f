"""The default SQLite database takes concurrent writers, and no answer carries a traceback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import text

from diaspora_hub.extensions import db
from tests import factories

WRITERS = 16
WRITES_EACH = 25


def test_the_sqlite_database_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert (connection.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def test_concurrent_writers_on_the_file_database_all_succeed(app, session, login):
    people = [factories.user(session, can_facilitate=True) for _ in range(WRITERS)]
    spaces = [factories.space(session, facilitators=(person,)) for person in people]
    session.commit()
    app.config["RATELIMIT_LOGIN"] = f"{WRITERS} per minute"  # all log in from one address
    clients = [login(person) for person in people]

    def write(n: int) -> list[int]:
        statuses = []
        for k in range(WRITES_EACH):
            # Each writer edits its own space and reads the others' (readers and writers mix).
            response = clients[n].patch(
                f"/api/v1/spaces/{spaces[n].slug}", json={"description": f"Version {k}"}
            )
            statuses.append(response.status_code)
            statuses.append(
                clients[n].get(f"/api/v1/spaces/{spaces[(n + 1) % WRITERS].slug}").status_code
            )
        return statuses

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = [status for result in pool.map(write, range(WRITERS)) for status in result]

    assert set(statuses) == {200}
    session.expire_all()
    assert {space.description for space in spaces} == {f"Version {WRITES_EACH - 1}"}


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    """The app as served (exceptions are answered, not raised to the test) with a page and
    an operation that fail on our side."""

    def fail() -> str:
        raise RuntimeError("a bug on our side, with secrets in its traceback")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/api/v1/failing", "failing_api", fail)
    app.add_url_rule("/failing", "failing_page", fail)
    return app


def test_a_server_error_is_the_documented_shape_without_a_traceback(failing_app):
    response = failing_app.test_client().get("/api/v1/failing")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "server_error"
    assert set(body["error"]) == {"code", "message"}
    assert "Traceback" not in response.get_data(as_text=True)
    assert "secrets" not in response.get_data(as_text=True)


def test_a_page_that_fails_says_so_without_a_traceback(failing_app):
    response = failing_app.test_client().get("/failing")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side." in page
    assert "Traceback" not in page
    assert "secrets" not in page
