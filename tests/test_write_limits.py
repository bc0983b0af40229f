"""Every write, in the API and on the pages, counts against one budget per person."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from diaspora_hub.accounts.models import ApiToken


@pytest.fixture(autouse=True)
def _small_budget(app):
    app.config["RATELIMIT_WRITES"] = "3 per minute"


def test_api_writes_beyond_the_budget_are_refused_and_store_nothing(login, make_user, session):
    person = make_user()
    client = login(person)
    assert client.patch("/api/v1/auth/me", json={"display_name": "A"}).status_code == 200
    for name in ("one", "two"):
        assert client.post("/api/v1/auth/tokens", json={"name": name}).status_code == 201

    refused = client.post("/api/v1/auth/tokens", json={"name": "three"})

    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert set(refused.get_json()["error"]) <= {"code", "message", "fields"}
    assert int(refused.headers["Retry-After"]) >= 1
    assert session.scalar(select(func.count(ApiToken.id))) == 2
    # Reading is not writing.
    assert client.get("/api/v1/auth/tokens").status_code == 200


def test_the_budget_is_each_persons_own(login, make_user):
    first, second = login(make_user()), login(make_user())
    for _ in range(3):
        first.patch("/api/v1/auth/me", json={"display_name": "First"})
    assert first.patch("/api/v1/auth/me", json={"display_name": "F"}).status_code == 429
    assert second.patch("/api/v1/auth/me", json={"display_name": "Second"}).status_code == 200


def test_form_posts_beyond_the_budget_get_a_page_saying_to_wait(app, login, make_user):
    app.config["WTF_CSRF_ENABLED"] = False
    browser = login(make_user())
    for n in range(3):
        response = browser.post("/account/tokens", data={"name": f"token {n}"})
        assert response.status_code == 200

    refused = browser.post("/account/tokens", data={"name": "one more"})

    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "please wait" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) >= 1


def test_logging_out_works_whatever_was_spent(login, make_user):
    client = login(make_user())
    for _ in range(4):
        client.patch("/api/v1/auth/me", json={"display_name": "Busy"})
    assert client.post("/api/v1/auth/logout", json={}).status_code == 204
