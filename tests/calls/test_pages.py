"""The same rules through the server-rendered pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from diaspora_hub.calls.models import Call, Contribution
from tests.calls.conftest import add_contribution, csrf_token, make_call

pytestmark = pytest.mark.postgres


def _call_form(token: str, **changes: Any) -> dict[str, Any]:
    form = {
        "csrf_token": token,
        "title": "Dual citizenship",
        "context": "Background",
        "questions": "Does your country allow dual citizenship?\n\nWhat would change?\n",
        "opens_at": "2031-03-01T09:00",
        "closes_at": "2031-03-15T18:00",
        "audience_kinds": ["diaspora", "academia"],
        "sdg_targets": ["10.7"],
        "corridor_origin": "",
        "corridor_residence": "FR",
    }
    form.update(changes)
    return form


def test_posting_a_call_in_the_authors_time_zone(session, world, login):
    world.facilitator.time_zone = "Europe/Paris"
    session.merge(world.facilitator)
    session.commit()
    client = login(world.facilitator)
    page = client.get("/spaces/remittances/calls/new")
    assert page.status_code == 200
    assert 'type="datetime-local"' in page.get_data(as_text=True)
    token = csrf_token(client, "/spaces/remittances/calls/new")
    response = client.post("/spaces/remittances/calls/new", data=_call_form(token))
    assert response.status_code == 303, response.get_data(as_text=True)
    call = session.scalar(select(Call))
    assert call.opens_at == datetime(2031, 3, 1, 8, 0, tzinfo=UTC)  # 09:00 in Paris (CET)
    assert [q.text for q in call.questions] == [
        "Does your country allow dual citizenship?",
        "What would change?",
    ]
    assert call.corridor_origin is None
    assert call.corridor_residence == "FR"
    assert call.published_at is None
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This is a draft" in detail


def test_bad_form_input_is_shown_and_changes_nothing(session, world, login):
    client = login(world.liaison)
    token = csrf_token(client, "/spaces/remittances/calls/new")
    response = client.post(
        "/spaces/remittances/calls/new",
        data=_call_form(token, closes_at="2031-02-01T10:00", questions=""),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in text
    assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_members_may_not_open_the_form(world, login):
    assert login(world.member_a).get("/spaces/remittances/calls/new").status_code == 403


def test_publish_from_the_page_and_drafts_are_404_to_others(session, world, login):
    draft = make_call(
        session, world.space, world.liaison, published=False, organisation=world.government
    )
    assert login(world.member_a).get(f"/calls/{draft.id}").status_code == 404
    author = login(world.liaison)
    token = csrf_token(author, f"/calls/{draft.id}")
    assert author.post(f"/calls/{draft.id}/publish", data={"csrf_token": token}).status_code == 303
    assert login(world.member_a).get(f"/calls/{draft.id}").status_code == 200
    listing = login(world.member_a).get("/spaces/remittances/calls").get_data(as_text=True)
    assert "Remittance costs" in listing


def test_editing_an_open_call_keeps_what_cannot_change(session, world, login):
    call = make_call(session, world.space, world.liaison, organisation=world.government)
    client = login(world.liaison)
    page = client.get(f"/calls/{call.id}/edit")
    assert page.status_code == 200
    token = csrf_token(client, f"/calls/{call.id}/edit")
    local = "%Y-%m-%dT%H:%M"
    form = _call_form(
        token,
        title="Remittance costs in 2031",
        questions="\n".join(q.text for q in call.questions),
        opens_at=call.opens_at.strftime(local),
        closes_at=(call.closes_at + timedelta(days=1)).strftime(local),
        audience_kinds=["diaspora"],
        sdg_targets=[],
        corridor_residence="",
    )
    response = client.post(f"/calls/{call.id}/edit", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Call, call.id).title == "Remittance costs in 2031"
    form["questions"] = "A new question"
    refused = client.post(f"/calls/{call.id}/edit", data=form)
    assert refused.status_code == 409


def test_answering_through_the_page(session, world, login):
    call = make_call(session, world.space, world.liaison)
    client = login(world.member_a)
    detail = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Answer for your organisation" in detail
    page = client.get(f"/calls/{call.id}/answer")
    assert page.status_code == 200
    token = csrf_token(client, f"/calls/{call.id}/answer")
    first, second = call.questions
    response = client.post(
        f"/calls/{call.id}/answer",
        data={
            "csrf_token": token,
            "organisation": "alpha",
            "attribution": "anonymous",
            f"answer_{first.id}": "Nine percent.",
            f"answer_{second.id}": "",
        },
    )
    assert response.status_code == 303
    stored = session.scalar(select(Contribution))
    assert stored.attribution.value == "anonymous"
    assert [a.text for a in stored.answers] == ["Nine percent."]
    again = client.get(f"/calls/{call.id}/answer").get_data(as_text=True)
    assert "Nine percent." in again
    assert 'name="version" value="1"' in again

    too_long = client.post(
        f"/calls/{call.id}/answer",
        data={
            "csrf_token": token,
            "organisation": "alpha",
            "attribution": "named",
            "version": "1",
            f"answer_{first.id}": "x" * 10_001,
        },
    )
    assert too_long.status_code == 413
    session.expire_all()
    assert session.scalar(select(Contribution)).version == 1


def test_a_non_member_sees_no_answer_button(session, world, login):
    call = make_call(session, world.space, world.liaison)
    detail = login(world.outsider).get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Answer for your organisation" not in detail


def test_report_and_hide_through_the_page(session, world, login):
    call = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=2),
        closes_in=-timedelta(hours=1),
    )
    contribution = add_contribution(session, call, world.org_a, world.member_a, "Rude words")
    reporter = login(world.member_b)
    token = csrf_token(reporter, f"/calls/{call.id}")
    empty = reporter.post(
        f"/calls/{call.id}/contributions/{contribution.id}/report",
        data={"csrf_token": token, "reason": ""},
    )
    assert empty.status_code == 400
    sent = reporter.post(
        f"/calls/{call.id}/contributions/{contribution.id}/report",
        data={"csrf_token": token, "reason": "Rude"},
    )
    assert sent.status_code == 303
    facilitator = login(world.facilitator)
    token = csrf_token(facilitator, f"/calls/{call.id}")
    hidden = facilitator.post(
        f"/calls/{call.id}/contributions/{contribution.id}/hide", data={"csrf_token": token}
    )
    assert hidden.status_code == 303
    assert "Rude words" not in reporter.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Rude words" in facilitator.get(f"/calls/{call.id}").get_data(as_text=True)


def test_anyone_reads_a_published_call_of_a_public_space(session, world, client):
    call = make_call(session, world.space, world.liaison)
    page = client.get(f"/calls/{call.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<strong>fees</strong>" in text
    assert "Answer for your organisation" not in text
    assert client.get("/spaces/remittances/calls?state=open").status_code == 200


def test_answering_for_another_organisation_through_the_page_is_refused(session, world, login):
    call = make_call(session, world.space, world.liaison)
    client = login(world.member_a)
    token = csrf_token(client, f"/calls/{call.id}/answer")
    response = client.post(
        f"/calls/{call.id}/answer",
        data={
            "csrf_token": token,
            "organisation": "beta",
            "attribution": "named",
            f"answer_{call.questions[0].id}": "Not ours",
        },
    )
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Contribution)) == 0
