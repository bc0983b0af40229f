"""Platform-wide promises: health check, OpenAPI document, error shape, security headers."""

from __future__ import annotations

import gc
import weakref

import pytest

from diaspora_hub import create_app

pytestmark = pytest.mark.postgres


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_503_when_the_database_is_gone(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SOCKETIO_ASYNC_MODE": "threading",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_openapi_lists_every_api_endpoint(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = rule.rule
        for converter in ("int:", "string:", "path:"):
            path = path.replace(f"<{converter}", "<")
        path = path.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from OpenAPI"


def test_unknown_api_path_has_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_request_matching_no_route_is_freed_as_soon_as_it_ends(app, client):
    # Every Socket.IO event runs in such a request context (its path is no route). Kept
    # alive until a full collection, which serving holds back, each would keep its
    # handler's frames and data: at a meeting's start, every joiner's room state.
    gc.disable()
    try:
        with app.test_request_context("/socket.io/") as context:
            request = weakref.ref(context.request)
        del context
        assert request() is None
    finally:
        gc.enable()
    # A page that does not exist is still one.
    assert client.get("/no-such-page").status_code == 404


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
