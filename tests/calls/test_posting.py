"""Who posts calls, what a call accepts, who sees drafts, and how the clock moves a call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.calls.models import Call
from diaspora_hub.core.db import utcnow
from tests.calls.conftest import iso, make_call

pytestmark = pytest.mark.postgres


def _payload(**changes: Any) -> dict[str, Any]:
    now = utcnow()
    body = {
        "title": "Cost of sending money home",
        "context": "We prepare the **G20** roadmap.",
        "questions": ["What do you pay per transfer?", "Which channel do you use?"],
        "opens_at": iso(now + timedelta(hours=1)),
        "closes_at": iso(now + timedelta(days=10)),
        "audience_kinds": ["diaspora", "civil_society"],
        "sdg_targets": ["10.c"],
        "corridor_origin": "SN",
    }
    body.update(changes)
    return body


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Call)) or 0


@pytest.mark.parametrize("who", ["liaison", "io_liaison", "facilitator", "admin"])
def test_liaisons_of_verified_government_or_io_and_facilitators_post(session, world, login, who):
    client = login(getattr(world, who))
    response = client.post("/api/v1/spaces/remittances/calls", json=_payload())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "draft"
    assert body["sdg_targets"] == ["10.c"]
    assert body["corridor_origin"] == "SN"
    assert [q["text"] for q in body["questions"]] == _payload()["questions"]
    expected_org = {"liaison": "Gov SN", "io_liaison": "IOM"}.get(who)
    assert (body["organisation"] or {}).get("name") == expected_org


@pytest.mark.parametrize("who", ["unverified_liaison", "member_a", "outsider"])
def test_others_may_not_post(session, world, login, who):
    response = login(getattr(world, who)).post("/api/v1/spaces/remittances/calls", json=_payload())
    assert response.status_code == 403
    assert _count(session) == 0


def test_unverified_government_is_told_why(world, login):
    response = login(world.unverified_liaison).post(
        "/api/v1/spaces/remittances/calls", json=_payload()
    )
    assert "not verified" in response.get_json()["error"]["message"]


def test_anonymous_cannot_post(client, world):
    assert client.post("/api/v1/spaces/remittances/calls", json=_payload()).status_code == 401


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"closes_at": iso(utcnow() - timedelta(days=1))}, 400, "closes_at"),
        ({"questions": []}, 400, "questions"),
        ({"sdg_targets": ["10.99"]}, 400, "sdg_targets"),
        ({"sdg_targets": ["3.1"]}, 400, "sdg_targets"),
        ({"corridor_origin": "XX"}, 400, "corridor_origin"),
        ({"audience_kinds": []}, 400, "audience_kinds"),
        ({"audience_kinds": ["aliens"]}, 400, "audience_kinds"),
        ({"opens_at": "2030-01-01T10:00:00"}, 400, "opens_at"),
        ({"title": "x" * 201}, 413, "title"),
        ({"questions": ["x" * 1001]}, 413, "questions"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(session, world, login, changes, status, field):
    response = login(world.liaison).post(
        "/api/v1/spaces/remittances/calls", json=_payload(**changes)
    )
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _count(session) == 0


def test_closing_before_opening_is_refused(session, world, login):
    now = utcnow()
    response = login(world.liaison).post(
        "/api/v1/spaces/remittances/calls",
        json=_payload(
            opens_at=iso(now + timedelta(days=3)), closes_at=iso(now + timedelta(days=2))
        ),
    )
    assert response.status_code == 400
    assert "closes_at" in response.get_json()["error"]["fields"]
    assert _count(session) == 0


def test_drafts_are_seen_by_author_and_facilitators_only(session, world, login, client):
    draft = make_call(session, world.space, world.liaison, published=False)
    for who in (world.liaison, world.facilitator, world.admin):
        assert login(who).get(f"/api/v1/calls/{draft.id}").status_code == 200
    for who in (world.member_a, world.io_liaison):
        assert login(who).get(f"/api/v1/calls/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/calls/{draft.id}").status_code == 404
    listed = login(world.member_a).get("/api/v1/spaces/remittances/calls").get_json()
    assert listed["total"] == 0
    listed = login(world.facilitator).get("/api/v1/spaces/remittances/calls").get_json()
    assert [c["id"] for c in listed["items"]] == [draft.id]


def test_calls_of_a_hidden_space_do_not_exist_for_outsiders(session, world, login):
    world.space.visibility = "invite"
    session.commit()
    call = make_call(session, world.space, world.liaison)
    assert login(world.outsider).get(f"/api/v1/calls/{call.id}").status_code == 404
    assert login(world.outsider).get("/api/v1/spaces/remittances/calls").status_code == 404


def test_state_follows_the_clock(session, world, client):
    hour, day = timedelta(hours=1), timedelta(days=1)
    cases = {
        "scheduled": make_call(session, world.space, world.liaison, opens_in=hour, closes_in=day),
        "open": make_call(session, world.space, world.liaison, opens_in=-hour, closes_in=day),
        "closed": make_call(session, world.space, world.liaison, opens_in=-day, closes_in=-hour),
    }
    for state, call in cases.items():
        assert client.get(f"/api/v1/calls/{call.id}").get_json()["state"] == state
        listed = client.get(f"/api/v1/spaces/remittances/calls?state={state}").get_json()
        assert [c["id"] for c in listed["items"]] == [call.id]


def test_filter_by_sdg_target(session, world, login):
    client = login(world.liaison)
    tagged = client.post("/api/v1/spaces/remittances/calls", json=_payload()).get_json()
    client.post("/api/v1/spaces/remittances/calls", json=_payload(sdg_targets=["17.3"]))
    listed = client.get("/api/v1/spaces/remittances/calls?target=10.c").get_json()
    assert [c["id"] for c in listed["items"]] == [tagged["id"]]


def test_publish_then_it_opens_by_itself(session, world, login, client):
    author = login(world.liaison)
    created = author.post(
        "/api/v1/spaces/remittances/calls",
        json=_payload(opens_at=iso(utcnow() - timedelta(minutes=1))),
    ).get_json()
    assert client.get(f"/api/v1/calls/{created['id']}").status_code == 404
    published = author.post(f"/api/v1/calls/{created['id']}/publish", json={})
    assert published.status_code == 200
    assert published.get_json()["state"] == "open"
    assert client.get(f"/api/v1/calls/{created['id']}").get_json()["state"] == "open"
    assert author.post(f"/api/v1/calls/{created['id']}/publish", json={}).status_code == 409


def test_only_author_or_facilitator_publishes(session, world, login):
    draft = make_call(session, world.space, world.liaison, published=False)
    assert (
        login(world.io_liaison).post(f"/api/v1/calls/{draft.id}/publish", json={}).status_code
        == 404
    )
    draft.published_at = None
    assert (
        login(world.facilitator).post(f"/api/v1/calls/{draft.id}/publish", json={}).status_code
        == 200
    )


def test_edit_rules_follow_the_state(session, world, login):
    client = login(world.liaison)
    draft = make_call(
        session, world.space, world.liaison, published=False, organisation=world.government
    )
    changed = client.patch(f"/api/v1/calls/{draft.id}", json={"questions": ["Only one?"]})
    assert changed.status_code == 200
    assert [q["text"] for q in changed.get_json()["questions"]] == ["Only one?"]

    open_call = make_call(session, world.space, world.liaison, organisation=world.government)
    refused = client.patch(f"/api/v1/calls/{open_call.id}", json={"questions": ["New?"]})
    assert refused.status_code == 409
    later = iso(open_call.closes_at + timedelta(days=1))
    extended = client.patch(f"/api/v1/calls/{open_call.id}", json={"closes_at": later})
    assert extended.status_code == 200

    closed = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=2),
        closes_in=-timedelta(hours=1),
        organisation=world.government,
    )
    assert client.patch(f"/api/v1/calls/{closed.id}", json={"title": "Late"}).status_code == 409
    session.expire_all()
    assert session.get(Call, closed.id).title == "Remittance costs"


def test_a_liaison_cannot_edit_someone_elses_call(session, world, login):
    call = make_call(session, world.space, world.liaison)
    response = login(world.io_liaison).patch(f"/api/v1/calls/{call.id}", json={"title": "Mine"})
    assert response.status_code == 403
