"""Adding, moderating and voting on statements: who may, and what others see."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from diaspora_hub.opinions.models import Statement, StatementState, Vote
from diaspora_hub.spaces.models import Space
from tests.opinions.conftest import accepted

pytestmark = pytest.mark.postgres


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _add(
    client: FlaskClient, space: Space, text: str = "Remittance fees should be capped at 3%."
) -> TestResponse:
    return client.post(f"/api/v1/spaces/{space.slug}/statements", json={"text": text})


def test_an_added_statement_waits_for_a_facilitator_and_casts_no_vote(session, world, login):
    ana = login(world.ana)
    response = _add(ana, world.space)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["state"] == "pending"
    assert _count(session, Vote) == 0
    # nobody else sees it until it is accepted
    listed = login(world.bo).get(f"/api/v1/spaces/{world.space.slug}/statements").get_json()
    assert listed["items"] == []
    statement_id = response.get_json()["id"]
    assert login(world.bo).get(f"/api/v1/statements/{statement_id}/votes").status_code == 404


def test_a_facilitator_accepts_and_everyone_then_sees_it(session, world, login, client):
    statement_id = _add(login(world.ana), world.space).get_json()["id"]
    facilitator = login(world.facilitator)
    pending = facilitator.get(f"/api/v1/spaces/{world.space.slug}/statements?state=pending")
    assert [i["statement"]["id"] for i in pending.get_json()["items"]] == [statement_id]
    response = facilitator.post(
        f"/api/v1/statements/{statement_id}/moderation", json={"decision": "accept"}
    )
    assert response.status_code == 200
    assert response.get_json()["state"] == "accepted"
    listed = client.get(f"/api/v1/spaces/{world.space.slug}/statements").get_json()
    assert [i["statement"]["text"] for i in listed["items"]] == [
        "Remittance fees should be capped at 3%."
    ]
    again = facilitator.post(
        f"/api/v1/statements/{statement_id}/moderation", json={"decision": "reject"}
    )
    assert again.status_code == 409


@pytest.mark.parametrize("who", ["ana", "bo", "newcomer", "outsider"])
def test_only_facilitators_moderate(session, world, login, who):
    statement_id = _add(login(world.ana), world.space).get_json()["id"]
    response = login(getattr(world, who)).post(
        f"/api/v1/statements/{statement_id}/moderation", json={"decision": "accept"}
    )
    # the author sees their statement but may not moderate; others do not know it exists
    assert response.status_code == (403 if who == "ana" else 404)
    assert session.get(Statement, statement_id).state is StatementState.PENDING


def test_admins_may_moderate(session, world, login):
    statement_id = _add(login(world.ana), world.space).get_json()["id"]
    response = login(world.admin).post(
        f"/api/v1/statements/{statement_id}/moderation", json={"decision": "reject"}
    )
    assert response.status_code == 200
    assert response.get_json()["state"] == "rejected"


def test_pending_statements_are_listed_for_facilitators_only(world, login):
    response = login(world.ana).get(f"/api/v1/spaces/{world.space.slug}/statements?state=pending")
    assert response.status_code == 403


@pytest.mark.parametrize(("text", "status"), [("", 400), ("   ", 400), ("x" * 281, 413), (42, 422)])
def test_bad_statements_are_refused_and_nothing_is_stored(session, world, login, text, status):
    response = login(world.ana).post(
        f"/api/v1/spaces/{world.space.slug}/statements", json={"text": text}
    )
    assert response.status_code == status
    assert set(response.get_json()["error"]) >= {"code", "message"}
    assert _count(session, Statement) == 0


def test_taking_part_needs_the_code_of_conduct_and_sight_of_the_space(session, world, login):
    assert _add(login(world.newcomer), world.space).get_json()["error"]["code"] == (
        "conduct_required"
    )
    assert _add(login(world.outsider), world.private).status_code == 404
    assert _add(login(world.ana), world.private).status_code == 201
    (statement,) = accepted(session, world.space, "Diaspora bonds need guarantees.")
    response = login(world.newcomer).post(
        f"/api/v1/statements/{statement.id}/votes", json={"choice": "agree"}
    )
    assert response.status_code == 403
    assert _count(session, Vote) == 0


def test_anonymous_people_read_but_do_not_vote(session, world, client):
    (statement,) = accepted(session, world.space, "Diaspora bonds need guarantees.")
    assert client.get(f"/api/v1/spaces/{world.space.slug}/statements").status_code == 200
    response = client.post(f"/api/v1/statements/{statement.id}/votes", json={"choice": "agree"})
    assert response.status_code == 401


def test_a_vote_is_one_per_person_and_can_change(session, world, login):
    (statement,) = accepted(session, world.space, "Diaspora bonds need guarantees.")
    ana = login(world.ana)
    first = ana.post(f"/api/v1/statements/{statement.id}/votes", json={"choice": "agree"})
    assert first.status_code == 200
    assert first.get_json()["tally"] == {"agree": 1, "disagree": 0, "pass": 0, "votes": 1}
    changed = ana.post(f"/api/v1/statements/{statement.id}/votes", json={"choice": "pass"})
    assert changed.get_json()["tally"] == {"agree": 0, "disagree": 0, "pass": 1, "votes": 1}
    assert _count(session, Vote) == 1
    mine = ana.get(f"/api/v1/spaces/{world.space.slug}/statements").get_json()["items"]
    assert mine[0]["my_vote"] == "pass"


def test_a_bad_vote_changes_nothing(session, world, login):
    (statement,) = accepted(session, world.space, "Diaspora bonds need guarantees.")
    ana = login(world.ana)
    response = ana.post(f"/api/v1/statements/{statement.id}/votes", json={"choice": "maybe"})
    assert response.status_code == 400
    pending_id = _add(ana, world.space).get_json()["id"]
    response = ana.post(f"/api/v1/statements/{pending_id}/votes", json={"choice": "agree"})
    assert response.status_code == 409
    assert _count(session, Vote) == 0


def test_adding_is_rate_limited(session, world, login):
    ana = login(world.ana)
    for n in range(10):
        assert _add(ana, world.space, f"Statement number {n}").status_code == 201
    response = _add(ana, world.space, "One too many")
    assert response.status_code == 429
    assert _count(session, Statement) == 10
