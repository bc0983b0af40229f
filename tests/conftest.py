"""Fixtures shared by the whole suite: an app on a real database, clients, people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from diaspora_hub import create_app
from diaspora_hub.extensions import db
from tests import factories

pytest_plugins = ["tests.plugins.databases"]


def _config(database_url: str, tmp_path: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "SOCKETIO_ASYNC_MODE": "threading",
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_ORIGIN": "http://localhost",
        "SERVER_NAME": "localhost",
        "MAIL_URL": None,
        # Real Argon2id with the lightest parameters: hashing strength is not under test.
        "ARGON2_PROFILE": "CHEAPEST",
    }


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Create the tables once per session; each test empties them afterwards."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()


@pytest.fixture
def app(_schema: None, database_url: str, tmp_path: Any) -> Iterator[Flask]:
    """A fresh app; no app context stays pushed, so each request has its own ``g``."""
    app = create_app(_config(database_url, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of its own, to arrange data and to check what requests stored."""
    with app.app_context():
        engine = db.engine
    own = Session(bind=engine, expire_on_commit=False)
    yield own
    own.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(session: Session) -> Callable[..., Any]:
    def make(**kwargs: Any) -> Any:
        user = factories.user(session, **kwargs)
        session.commit()
        return user

    return make


@pytest.fixture
def login(app: Flask) -> Callable[..., FlaskClient]:
    """A new client logged in as ``user`` through the real login endpoint."""

    def log_in(user: Any, password: str = factories.PASSWORD) -> FlaskClient:
        new_client = app.test_client()
        response = new_client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return new_client

    return log_in
