"""What is answered to a known person is never kept by a browser or proxy cache."""

from __future__ import annotations

from diaspora_hub.accounts import service
from tests import factories


def test_answers_to_a_logged_in_person_are_not_stored(app, session, login):
    person = factories.user(session)
    session.commit()
    browser = login(person)
    for path in ("/api/v1/auth/me", "/account", "/", "/api/v1/spaces", "/api/v1/no-such-thing"):
        assert browser.get(path).headers.get("Cache-Control") == "no-store", path


def test_answers_to_a_token_are_not_stored(app, session):
    person = factories.user(session)
    session.commit()
    with app.test_request_context():
        _token, secret = service.create_token(session, person, "sync")
    session.commit()
    response = app.test_client().get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_answers_to_anonymous_people_may_be_cached(client):
    assert "no-store" not in client.get("/api/v1/spaces").headers.get("Cache-Control", "")
