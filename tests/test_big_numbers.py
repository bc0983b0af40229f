"""Numbers too large for the database are no such thing (path) or a bad request (query)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, BaseConverter, IntegerConverter, Rule

from diaspora_hub.organisations.models import Role
from tests import factories

TOO_BIG = 2**63
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _routes_with_ints(app: Flask) -> list[tuple[Rule, str]]:
    routes: list[tuple[Rule, str]] = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            routes.extend((rule, m) for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
    return routes


def _value(converter: BaseConverter) -> object:
    if isinstance(converter, IntegerConverter):
        return TOO_BIG
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _path(app: Flask, rule: Rule) -> str:
    values = {name: _value(converter) for name, converter in rule._converters.items()}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, force_external=False)


def test_every_route_with_a_number_in_its_path_answers_404_to_a_huge_one(app, session, login):
    admin = factories.user(session, is_admin=True, can_facilitate=True)
    session.commit()
    browser = login(admin)
    routes = _routes_with_ints(app)
    assert len(routes) > 20  # the walk really walks the application
    answers = {}
    for rule, method in routes:
        path = _path(app, rule)
        body: dict[str, Any] = {"json": {}} if method in WRITES and path.startswith("/api/") else {}
        for who, client in (("anonymous", app.test_client()), ("admin", browser)):
            answers[(who, method, rule.rule)] = client.open(path, method=method, **body).status_code
    assert {key: status for key, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/spaces?page={TOO_BIG}",
        f"/api/v1/organisations?page={TOO_BIG}",
        f"/api/v1/users?page={TOO_BIG}",
        f"/api/v1/spaces?page=9&per_page={TOO_BIG}",
        f"/spaces?page={TOO_BIG}",
        f"/admin/people?page={TOO_BIG}",
        f"/api/v1/spaces?page={2**40}",
    ],
)
def test_huge_numbers_in_a_query_are_a_bad_request(app, session, login, path):
    admin = factories.user(session, is_admin=True)
    session.commit()
    response = login(admin).get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "validation_failed"


def test_a_huge_page_of_a_list_counted_by_hand_is_a_bad_request(app, session, login):
    """Some pages read ``?page=`` themselves; the pagination refuses it all the same."""
    admin = factories.user(session, is_admin=True)
    space = factories.space(session)
    organisation = factories.organisation(session, members={admin: Role.ADMIN})
    session.commit()
    browser = login(admin)
    for path in (f"/spaces/{space.slug}/calls", f"/organisations/{organisation.slug}/members"):
        assert browser.get(f"{path}?page={TOO_BIG}").status_code == 400, path
