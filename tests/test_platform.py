"""Platform-wide promises: health check, OpenAPI document, error shape, security headers."""

from __future__ import annotations

import gc
import re
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
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = rule.rule
        for converter in ("int:", "string:", "path:"):
            path = path.replace(f"<{converter}", "<")
        path = path.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from OpenAPI"


def test_the_interactive_api_docs_come_from_this_site_only(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "<script>" not in html  # the page keeps the site's content security policy
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    paths = {source.split("?", 1)[0] for source in sources}  # hashed names carry ?v=
    for asset in ("/static/build/swagger-ui/swagger-ui-bundle.js", "/static/build/api-docs.js"):
        assert asset in paths
        served = client.get(asset)
        assert served.status_code == 200, f"{asset}: run the front-end build"
        served.close()


def test_a_wrong_bearer_token_is_told_it_is_wrong(client, login, make_user):
    refused = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "invalid_token"
    assert "token" in refused.get_json()["error"]["message"]
    # Even where visitors are welcome, a wrong token is refused rather than ignored.
    public = client.get("/api/v1/spaces", headers={"Authorization": "Bearer not-a-token"})
    assert public.status_code == 401
    assert client.get("/api/v1/auth/me").get_json()["error"]["code"] == "unauthorised"


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
