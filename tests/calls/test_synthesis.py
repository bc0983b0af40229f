"""Proposed groups of contributions, and turning them into themes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from diaspora_hub.calls import synthesis
from diaspora_hub.calls.models import Call, Theme, ThemeContribution
from diaspora_hub.organisations.models import Role
from tests import factories
from tests.calls.conftest import add_contribution, csrf_token, make_call

CORPUS = [
    (11, "Remittance fees are far too high; transfer costs eat 9% of what families receive."),
    (12, "Dual citizenship would let our members invest and vote without losing their passport."),
    (13, "Lower the fees on money transfers and regulate remittance operators."),
    (14, "Recognise dual nationality so the diaspora keeps citizenship rights at home."),
    (15, "Mobile money could cut remittance costs; bank fees are the main barrier."),
    (16, "Our members fear losing citizenship when naturalising abroad; allow dual citizenship."),
]


def test_tokenise_drops_stop_words_punctuation_and_folds_plurals():
    assert synthesis.tokenise("The FEES, the fee; and les frais de l'envoi!") == [
        "fee",
        "fee",
        "frais",
        "envoi",
    ]


def test_remittances_and_citizenship_land_in_different_groups():
    proposals = synthesis.propose(CORPUS)
    groups = {p.contribution_ids for p in proposals}
    assert groups == {(11, 13, 15), (12, 14, 16)}
    by_group = {p.contribution_ids: [t.term for t in p.terms] for p in proposals}
    assert {"fee", "remittance"} <= set(by_group[(11, 13, 15)][:3])
    assert {"citizenship", "dual"} <= set(by_group[(12, 14, 16)][:3])


def test_proposals_are_deterministic_whatever_the_input_order():
    first = synthesis.propose(CORPUS)
    again = synthesis.propose(list(reversed(CORPUS)))
    assert first == again
    assert [p.title for p in first] == [p.title for p in again]


def test_unrelated_answers_stay_alone_and_nothing_gives_nothing():
    assert synthesis.propose([]) == []
    alone = synthesis.propose([(1, "Remittance fees"), (2, "Football clubs for youth")])
    assert [p.contribution_ids for p in alone] == [(1,), (2,)]
    assert alone[0].cohesion == 1.0


@pytest.fixture
def closed_call(session, world):
    call = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=9),
        closes_in=-timedelta(hours=1),
    )
    orgs = [world.org_a, world.org_b, world.org_c]
    for n, (_cid, text) in enumerate(CORPUS):
        if n < 3:
            org = orgs[n]
        else:
            member = factories.user(session)
            org = factories.organisation(session, members={member: Role.MEMBER})
        add_contribution(session, call, org, world.member_a, text)
    return call


@pytest.mark.postgres
def test_theme_workflow(session, world, login, closed_call):
    call = closed_call
    client = login(world.facilitator)
    proposals = client.get(f"/api/v1/calls/{call.id}/synthesis/proposals").get_json()
    assert len(proposals) == 2
    assert all(len(p["contribution_ids"]) == 3 for p in proposals)
    assert proposals == client.get(f"/api/v1/calls/{call.id}/synthesis/proposals").get_json()

    themes = []
    for proposal in proposals:
        created = client.post(
            f"/api/v1/calls/{call.id}/themes",
            json={
                "title": proposal["title"],
                "contribution_ids": proposal["contribution_ids"],
                "terms": [t["term"] for t in proposal["terms"]],
            },
        )
        assert created.status_code == 201, created.get_json()
        themes.append(created.get_json())
    assert client.get(f"/api/v1/calls/{call.id}/synthesis/proposals").get_json() == []
    again = client.post(
        f"/api/v1/calls/{call.id}/themes",
        json={"title": "Twice", "contribution_ids": themes[0]["contribution_ids"][:1]},
    )
    assert again.status_code == 409

    first, second = themes
    renamed = client.patch(f"/api/v1/themes/{first['id']}", json={"title": "Cost of remittances"})
    assert renamed.get_json()["title"] == "Cost of remittances"

    moved = first["contribution_ids"][:1]
    split = client.post(
        f"/api/v1/themes/{first['id']}/split", json={"contribution_ids": moved, "title": "Fees"}
    )
    assert split.status_code == 201
    assert split.get_json()["contribution_ids"] == moved
    everything = client.post(
        f"/api/v1/themes/{second['id']}/split",
        json={"contribution_ids": second["contribution_ids"], "title": "All"},
    )
    assert everything.status_code == 400

    merged = client.post(
        f"/api/v1/themes/{split.get_json()['id']}/merge", json={"into": first["id"]}
    )
    assert merged.status_code == 200
    assert merged.get_json()["contribution_ids"] == sorted(first["contribution_ids"])
    assert len(client.get(f"/api/v1/calls/{call.id}/themes").get_json()) == 2

    # Nobody else sees themes before the synthesis is finished, nor changes them.
    member = login(world.member_a)
    assert member.get(f"/api/v1/calls/{call.id}/themes").get_json() == []
    assert member.patch(f"/api/v1/themes/{first['id']}", json={"title": "x"}).status_code == 404
    assert member.post(f"/api/v1/calls/{call.id}/synthesise", json={}).status_code == 403

    done = client.post(f"/api/v1/calls/{call.id}/synthesise", json={})
    assert done.status_code == 200
    assert done.get_json()["state"] == "synthesised"
    assert client.post(f"/api/v1/calls/{call.id}/synthesise", json={}).status_code == 409
    assert client.patch(f"/api/v1/themes/{first['id']}", json={"title": "x"}).status_code == 409
    assert len(member.get(f"/api/v1/calls/{call.id}/themes").get_json()) == 2

    links = session.scalars(select(ThemeContribution)).all()
    assert len(links) == 6
    stored = session.scalar(select(Theme).where(Theme.id == first["id"]))
    assert stored.title == "Cost of remittances"


@pytest.mark.postgres
def test_synthesis_waits_for_the_close(session, world, login):
    call = make_call(session, world.space, world.liaison)
    add_contribution(session, call, world.org_a, world.member_a, "Fees")
    client = login(world.facilitator)
    assert client.get(f"/api/v1/calls/{call.id}/synthesis/proposals").status_code == 409
    response = client.post(f"/api/v1/calls/{call.id}/synthesise", json={})
    assert response.status_code == 409
    session.expire_all()
    assert session.get(Call, call.id).synthesised_at is None


@pytest.mark.postgres
def test_hidden_contributions_are_not_proposed(session, world, login, closed_call):
    client = login(world.facilitator)
    first = client.get(f"/api/v1/calls/{closed_call.id}/contributions").get_json()["items"][0]
    client.post(f"/api/v1/calls/{closed_call.id}/contributions/{first['id']}/hide", json={})
    proposals = client.get(f"/api/v1/calls/{closed_call.id}/synthesis/proposals").get_json()
    assert first["id"] not in {cid for p in proposals for cid in p["contribution_ids"]}


@pytest.mark.postgres
def test_synthesis_page_accepts_a_proposal(session, world, login, closed_call):
    client = login(world.facilitator)
    page = client.get(f"/calls/{closed_call.id}/synthesis")
    assert page.status_code == 200
    assert "Tied by" in page.get_data(as_text=True)
    ids = client.get(f"/api/v1/calls/{closed_call.id}/synthesis/proposals").get_json()[0]
    response = client.post(
        f"/calls/{closed_call.id}/themes",
        data={
            "csrf_token": csrf_token(client, f"/calls/{closed_call.id}/synthesis"),
            "title": "Fees",
            "contribution_ids": [str(i) for i in ids["contribution_ids"]],
        },
    )
    assert response.status_code == 303
    assert session.scalar(select(Theme.title)) == "Fees"
    assert login(world.member_a).get(f"/calls/{closed_call.id}/synthesis").status_code == 403
