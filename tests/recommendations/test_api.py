"""The recommendations API: the whole lifecycle, errors in the documented shape, OpenAPI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from diaspora_hub.core.db import utcnow
from diaspora_hub.recommendations.models import Endorsement
from tests.recommendations.conftest import consulted, draft

pytestmark = pytest.mark.postgres


def _closes() -> str:
    return (utcnow() + timedelta(days=5)).isoformat()


def test_a_recommendation_from_draft_to_adoption(session, world, login):
    facilitator = login(world.facilitator)
    created = facilitator.post(
        "/api/v1/spaces/remittances/recommendations",
        json={"title": "Cap fees", "text": "Fees below 3 %.", "target_ios": ["agency"]},
    )
    assert created.status_code == 201, created.get_json()
    rec = created.get_json()
    assert (rec["state"], rec["version"], rec["target_ios"][0]["slug"]) == ("draft", 1, "agency")
    rid = rec["id"]
    assert login(world.delegate_a).get(f"/api/v1/recommendations/{rid}").status_code == 404
    edited = facilitator.patch(f"/api/v1/recommendations/{rid}", json={"text": "Fees below 2 %."})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["version"] == 2
    opened = facilitator.post(f"/api/v1/recommendations/{rid}/open", json={"closes_at": _closes()})
    assert opened.get_json()["state"] == "consultation"

    for person in (world.delegate_a, world.delegate_b, world.gov_liaison):
        given = login(person).post(
            f"/api/v1/recommendations/{rid}/endorsements", json={"position": "support"}
        )
        assert given.status_code == 200, given.get_json()
    tally = login(world.outsider).get(f"/api/v1/recommendations/{rid}/consensus").get_json()
    diaspora = next(b for b in tally["consensus"]["blocs"] if b["bloc"] == "diaspora")
    assert (diaspora["support"], diaspora["share"], diaspora["eligible"]) == (2, "1/1", 2)
    assert tally["consensus"]["outcome"] == "insufficient"

    adopted = facilitator.post(f"/api/v1/recommendations/{rid}/adopt", json={"note": "Agreed"})
    assert adopted.get_json()["state"] == "adopted"
    frozen = login(world.outsider).get(f"/api/v1/recommendations/{rid}/consensus").get_json()
    assert frozen["frozen"] is True
    assert frozen["consensus"] == tally["consensus"]

    diff = facilitator.get(f"/api/v1/recommendations/{rid}/versions/diff?old=1&new=2").get_json()
    text = next(f for f in diff["fields"] if f["name"] == "text")
    assert [s for s in text["segments"] if s["op"] != "equal"] == [
        {"op": "delete", "text": "3"},
        {"op": "insert", "text": "2"},
    ]
    versions = login(world.outsider).get(f"/api/v1/recommendations/{rid}/versions").get_json()
    assert [v["version"] for v in versions] == [1, 2]


def test_errors_come_in_the_documented_shape_and_change_nothing(session, world, login, client):
    recommendation = consulted(session, world)
    url = f"/api/v1/recommendations/{recommendation.id}/endorsements"
    missing = login(world.delegate_a).post(url, json={"position": "oppose"})
    assert missing.status_code == 400
    assert "reason" in missing.get_json()["error"]["fields"]
    wrong = login(world.delegate_a).post(url, json={"position": "maybe"})
    assert wrong.status_code == 400
    member = login(world.member_a).post(url, json={"position": "support"})
    assert (member.status_code, member.get_json()["error"]["code"]) == (403, "forbidden")
    anonymous = client.post(url, json={"position": "support"})
    assert anonymous.status_code == 401
    huge = login(world.delegate_a).post(url, json={"position": "oppose", "reason": "x" * 5000})
    assert huge.status_code == 413
    assert session.scalar(select(func.count()).select_from(Endorsement)) == 0


def test_amendments_through_the_api(session, world, login):
    recommendation = consulted(session, world)
    proposed = login(world.member_a).post(
        f"/api/v1/recommendations/{recommendation.id}/amendments",
        json={"text": "Fees below 1 %.", "explanation": "Be bold."},
    )
    assert proposed.status_code == 201
    amendment_id = proposed.get_json()["id"]
    no_reason = login(world.facilitator).post(
        f"/api/v1/amendments/{amendment_id}/accept", json={"reason": ""}
    )
    assert no_reason.status_code == 400
    accepted = login(world.facilitator).post(
        f"/api/v1/amendments/{amendment_id}/accept", json={"reason": "Agreed in the room"}
    )
    assert accepted.get_json()["resulting_version"] == 2
    listed = login(world.outsider).get(f"/api/v1/recommendations/{recommendation.id}/amendments")
    assert [a["state"] for a in listed.get_json()] == ["accepted"]


def test_the_space_sets_its_rule(session, world, login):
    draft(session, world)
    rule = {
        "min_support": "2/3",
        "min_organisations": 1,
        "min_blocs": 2,
        "scope": "every_bloc",
        "weighting": "equal",
        "block": None,
        "hide_tallies": True,
    }
    denied = login(world.delegate_a).put(
        "/api/v1/spaces/remittances/recommendation-rule", json=rule
    )
    assert denied.status_code == 403
    saved = login(world.facilitator).put(
        "/api/v1/spaces/remittances/recommendation-rule", json=rule
    )
    assert saved.status_code == 200, saved.get_json()
    read = login(world.outsider).get("/api/v1/spaces/remittances/recommendation-rule").get_json()
    assert read == rule
    bad = login(world.facilitator).put(
        "/api/v1/spaces/remittances/recommendation-rule", json={**rule, "min_support": "3/2"}
    )
    assert bad.status_code == 400


def test_the_contract_is_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/spaces/{slug}/recommendations",
        "/api/v1/recommendations/{recommendation_id}",
        "/api/v1/recommendations/{recommendation_id}/versions",
        "/api/v1/recommendations/{recommendation_id}/amendments",
        "/api/v1/recommendations/{recommendation_id}/endorsements",
    ):
        assert path in paths


def test_comments_are_rate_limited(session, world, login):
    recommendation = consulted(session, world)
    client = login(world.outsider)
    url = f"/api/v1/recommendations/{recommendation.id}/comments"
    statuses = [client.post(url, json={"body": f"Point {n}"}).status_code for n in range(20)]
    assert statuses == [201] * 20
    refused = client.post(url, json={"body": "One more"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (429, "rate_limited")
