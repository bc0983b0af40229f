"""CSV and JSON exports honour each contribution's attribution."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.calls.conftest import add_contribution, make_call

pytestmark = pytest.mark.postgres


@pytest.fixture
def call(session, world):
    call = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=3),
        closes_in=-timedelta(hours=1),
    )
    add_contribution(session, call, world.org_a, world.member_a, "Named answer", "named")
    add_contribution(session, call, world.org_b, world.member_b, "=Org answer", "organisation")
    add_contribution(session, call, world.org_c, world.member_c, "Anonymous answer", "anonymous")
    return call


def test_json_export_honours_attribution(world, login, call):
    response = login(world.liaison).get(f"/api/v1/calls/{call.id}/contributions.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_json()
    assert body["call"]["questions"][0]["text"] == "What does a transfer cost you?"
    rows = {r["attribution"]: r for r in body["contributions"]}
    assert rows["named"]["organisation"]["name"] == "Alpha Diaspora"
    assert rows["named"]["person"] == "Amadou Member"
    assert rows["organisation"]["organisation"]["name"] == "Beta Diaspora"
    assert rows["organisation"]["person"] is None
    assert rows["anonymous"]["organisation"] is None
    assert rows["anonymous"]["person"] is None
    assert rows["anonymous"]["answers"][0]["text"] == "Anonymous answer"
    raw = response.get_data(as_text=True)
    assert "Gamma" not in raw
    assert "Cheikh" not in raw
    assert "Binta" not in raw


def test_csv_export_honours_attribution_and_defuses_formulas(world, login, call):
    response = login(world.facilitator).get(f"/api/v1/calls/{call.id}/contributions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    by = {r["attribution"]: r for r in rows}
    assert (by["named"]["organisation"], by["named"]["person"]) == (
        "Alpha Diaspora",
        "Amadou Member",
    )
    assert (by["organisation"]["organisation"], by["organisation"]["person"]) == (
        "Beta Diaspora",
        "",
    )
    assert (by["anonymous"]["organisation"], by["anonymous"]["person"]) == ("", "")
    assert by["organisation"]["Q1: What does a transfer cost you?"] == "'=Org answer"
    assert "Gamma" not in text
    assert "Cheikh" not in text


def test_hidden_contributions_are_left_out(world, login, call):
    client = login(world.facilitator)
    items = client.get(f"/api/v1/calls/{call.id}/contributions").get_json()["items"]
    named = next(i for i in items if i["attribution"] == "named")
    client.post(f"/api/v1/calls/{call.id}/contributions/{named['id']}/hide", json={})
    body = client.get(f"/api/v1/calls/{call.id}/contributions.json").get_json()
    assert {r["attribution"] for r in body["contributions"]} == {"organisation", "anonymous"}


@pytest.mark.parametrize(("who", "status"), [("member_a", 403), ("outsider", 403), ("admin", 200)])
def test_exports_are_for_author_and_facilitators(world, login, call, who, status):
    client = login(getattr(world, who))
    assert client.get(f"/api/v1/calls/{call.id}/contributions.csv").status_code == status
    assert client.get(f"/api/v1/calls/{call.id}/contributions.json").status_code == status
