"""The recommendation pages, for each role: what they show and what their forms do."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diaspora_hub.recommendations.models import Endorsement, RecommendationState
from tests.recommendations.conftest import consulted, draft

pytestmark = pytest.mark.postgres


def _token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert found, page.status_code
    return found.group(1)


def test_the_page_leads_with_the_state_and_the_consensus(session, world, login):
    recommendation = consulted(session, world)
    page = login(world.outsider).get(f"/recommendations/{recommendation.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (
        html.index("Under consultation")
        < html.index("Consensus by bloc")
        < html.index('id="text-heading"')
    )
    assert '<svg class="consensus-bars"' in html
    assert '<title id="consensus-title">' in html
    assert "<caption>Positions by bloc, round 1</caption>" in html
    assert "Your organisation&#39;s position" not in html


def test_a_delegate_endorses_from_the_page(session, world, login):
    recommendation = consulted(session, world)
    client = login(world.delegate_a)
    path = f"/recommendations/{recommendation.id}"
    assert "Position of Alpha Diaspora" in client.get(path).get_data(as_text=True)
    token = _token(client, path)
    refused = client.post(
        f"{path}/endorse",
        data={"csrf_token": token, "organisation": "alpha", "position": "oppose", "reason": ""},
    )
    assert refused.status_code == 400
    assert "Say why your organisation opposes it." in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Endorsement)) == 0
    given = client.post(
        f"{path}/endorse",
        data={"csrf_token": token, "organisation": "alpha", "position": "support", "reason": ""},
    )
    assert given.status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert "On record: Support (version 1)." in html


def test_a_member_without_a_delegate_role_sees_no_endorse_form(session, world, login):
    recommendation = consulted(session, world)
    html = login(world.member_a).get(f"/recommendations/{recommendation.id}").get_data(as_text=True)
    assert "Position of" not in html
    assert "Propose an amendment" in html


def test_forms_need_the_csrf_token(session, world, login):
    recommendation = consulted(session, world)
    response = login(world.delegate_a).post(
        f"/recommendations/{recommendation.id}/endorse", data={"position": "support"}
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Endorsement)) == 0


def test_a_facilitator_drafts_opens_and_adopts_from_the_pages(session, world, login):
    client = login(world.facilitator)
    token = _token(client, "/spaces/remittances/recommendations/new")
    created = client.post(
        "/spaces/remittances/recommendations/new",
        data={
            "csrf_token": token,
            "title": "Cap fees",
            "text": "Fees below 3 %.",
            "rationale": "",
            "target_ios": ["agency"],
        },
    )
    assert created.status_code == 303
    path = created.headers["Location"]
    opened = client.post(
        f"{path}/open", data={"csrf_token": token, "closes_at": "2031-01-15T17:00"}
    )
    assert opened.status_code == 303
    adopted = client.post(f"{path}/adopt", data={"csrf_token": token, "note": "Agreed"})
    assert adopted.status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert "Adopted" in html
    assert "tally frozen" in html


def test_empty_text_is_shown_on_the_form_and_nothing_is_saved(session, world, login):
    client = login(world.facilitator)
    token = _token(client, "/spaces/remittances/recommendations/new")
    response = client.post(
        "/spaces/remittances/recommendations/new",
        data={"csrf_token": token, "title": "Cap fees", "text": "  "},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert (
        client.get("/spaces/remittances/recommendations")
        .get_data(as_text=True)
        .count('class="card"')
        == 0
    )


@pytest.mark.parametrize("who", ["delegate_a", "outsider"])
def test_only_facilitators_open_the_drafting_and_rule_forms(world, login, who):
    client = login(getattr(world, who))
    assert client.get("/spaces/remittances/recommendations/new").status_code == 403
    assert client.get("/spaces/remittances/recommendation-rule").status_code == 403


def test_the_versions_page_shows_the_diff(session, world, login):
    recommendation = draft(session, world)
    client = login(world.facilitator)
    token = _token(client, f"/recommendations/{recommendation.id}/edit")
    saved = client.post(
        f"/recommendations/{recommendation.id}/edit",
        data={
            "csrf_token": token,
            "title": recommendation.title,
            "text": "Transfer fees to Senegal should not exceed **2 %** by 2030.",
            "rationale": recommendation.rationale,
            "target_ios": ["agency"],
            "note": "Lower",
        },
    )
    assert saved.status_code == 303
    html = client.get(f"/recommendations/{recommendation.id}/versions").get_data(as_text=True)
    assert "<del>" in html
    assert "<ins>" in html
    assert "[added:]" in html


def test_the_space_page_lists_recommendations(session, world, login):
    recommendation = consulted(session, world)
    assert recommendation.state is RecommendationState.CONSULTATION
    html = login(world.outsider).get("/spaces/remittances").get_data(as_text=True)
    assert "Recommendations" in html
    assert recommendation.title in html


def test_the_pages_are_translated(session, world, login):
    recommendation = consulted(session, world)
    world.outsider.language = "fr"
    session.commit()
    html = login(world.outsider).get(f"/recommendations/{recommendation.id}").get_data(as_text=True)
    assert "Consensus par bloc" in html
