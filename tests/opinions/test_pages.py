"""The same rules through the pages, which work without JavaScript."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from diaspora_hub.opinions import simulation
from diaspora_hub.opinions.models import Statement, StatementState, Vote
from tests.calls.conftest import csrf_token
from tests.opinions.conftest import accepted

pytestmark = pytest.mark.postgres


def test_voting_with_a_plain_form(session, world, login):
    (statement,) = accepted(session, world.space, "Remittance fees should be capped at 3%.")
    client = login(world.ana)
    page = f"/spaces/{world.space.slug}/statements"
    html = client.get(page).get_data(as_text=True)
    assert "Remittance fees should be capped at 3%." in html
    assert 'aria-pressed="false"' in html
    token = csrf_token(client, page)
    response = client.post(
        f"/statements/{statement.id}/vote", data={"csrf_token": token, "choice": "disagree"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#statement-{statement.id}")
    html = client.get(page).get_data(as_text=True)
    assert re.search(r'value="disagree"[^>]*aria-pressed="true"', html)
    assert session.scalar(select(func.count()).select_from(Vote)) == 1


def test_a_vote_form_without_its_token_is_refused(session, world, login):
    (statement,) = accepted(session, world.space, "Remittance fees should be capped at 3%.")
    response = login(world.ana).post(f"/statements/{statement.id}/vote", data={"choice": "agree"})
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Vote)) == 0


def test_adding_a_statement_and_moderating_it(session, world, login):
    ana = login(world.ana)
    page = f"/spaces/{world.space.slug}/statements"
    response = ana.post(
        page, data={"csrf_token": csrf_token(ana, page), "text": "Consulates should open late."}
    )
    assert response.status_code == 303
    assert "Consulates should open late." in ana.get(page).get_data(as_text=True)  # as pending
    facilitator = login(world.facilitator)
    queue = f"/spaces/{world.space.slug}/statements/moderation"
    assert "Consulates should open late." in facilitator.get(queue).get_data(as_text=True)
    statement = session.scalar(select(Statement))
    response = facilitator.post(
        f"/statements/{statement.id}/moderation",
        data={"csrf_token": csrf_token(facilitator, queue), "decision": "accept"},
    )
    assert response.status_code == 303
    session.refresh(statement)
    assert statement.state is StatementState.ACCEPTED


def test_an_empty_statement_is_shown_back_with_the_error(session, world, login):
    ana = login(world.ana)
    page = f"/spaces/{world.space.slug}/statements"
    response = ana.post(page, data={"csrf_token": csrf_token(ana, page), "text": "  "})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Statement)) == 0


def test_the_moderation_queue_is_for_facilitators(world, login):
    queue = f"/spaces/{world.space.slug}/statements/moderation"
    assert login(world.ana).get(queue).status_code == 403


def test_importing_through_the_page_and_seeing_the_map(session, world, login):
    facilitator = login(world.facilitator)
    queue = f"/spaces/{world.space.slug}/statements/moderation"
    drawn = simulation.simulate(90, 16, 2, seed=3)
    csv_text = simulation.participants_votes_csv(drawn.votes)
    response = facilitator.post(
        f"/spaces/{world.space.slug}/statements/import",
        data={
            "csrf_token": csrf_token(facilitator, queue),
            "participants_votes_csv": (io.BytesIO(csv_text.encode()), "participants-votes.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    html = login(world.ana).get(f"/spaces/{world.space.slug}/opinion-map").get_data(as_text=True)
    assert '<svg class="opinion-map"' in html
    assert 'role="img"' in html
    assert '<title id="map-title">' in html
    assert '<desc id="map-desc">' in html
    assert "Group A" in html
    assert "Group B" in html
    assert "<table" in html


def test_a_malformed_import_through_the_page_says_what_is_wrong(session, world, login):
    facilitator = login(world.facilitator)
    queue = f"/spaces/{world.space.slug}/statements/moderation"
    response = facilitator.post(
        f"/spaces/{world.space.slug}/statements/import",
        data={
            "csrf_token": csrf_token(facilitator, queue),
            "participants_votes_csv": (io.BytesIO(b"participant,0\n1,7\n"), "pv.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "participants-votes.csv" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Statement)) == 0


def test_the_space_page_leads_to_the_statements_and_the_map(world, login):
    html = login(world.ana).get(f"/spaces/{world.space.slug}").get_data(as_text=True)
    assert f"/spaces/{world.space.slug}/statements" in html
    assert f"/spaces/{world.space.slug}/opinion-map" in html


def test_an_empty_map_says_so(world, client):
    html = client.get(f"/spaces/{world.space.slug}/opinion-map").get_data(as_text=True)
    assert "Not enough votes yet to form groups." in html
