"""Answering a call for an organisation: who may, when, how often, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.calls.models import Call, Contribution, ContributionReport, ContributionVersion
from diaspora_hub.core.audit import AuditEntry
from diaspora_hub.notifications.models import Notification
from diaspora_hub.organisations.models import Membership, Role
from diaspora_hub.spaces.models import ConductAcceptance
from tests.calls.conftest import add_contribution, make_call

pytestmark = pytest.mark.postgres


def _answer(
    call: Call,
    org: str | None = "alpha",
    attribution: str = "organisation",
    texts: tuple[str, ...] = ("Fees are 9%.",),
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "organisation": org,
        "attribution": attribution,
        "answers": [
            {"question_id": q.id, "text": t} for q, t in zip(call.questions, texts, strict=False)
        ],
    }
    body.update(extra)
    return body


def _count(session: Session, model: type[Any] = Contribution) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_member_answers_for_their_organisation(session, world, login):
    call = make_call(session, world.space, world.liaison)
    client = login(world.member_a)
    response = client.post(f"/api/v1/calls/{call.id}/contributions", json=_answer(call))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["organisation"]["slug"] == "alpha"
    assert body["version"] == 1
    assert body["answers"] == [{"question_id": call.questions[0].id, "text": "Fees are 9%."}]


def test_organisation_is_chosen_when_there_is_only_one(session, world, login):
    call = make_call(session, world.space, world.liaison)
    body = _answer(call)
    del body["organisation"]
    response = login(world.member_a).post(f"/api/v1/calls/{call.id}/contributions", json=body)
    assert response.status_code == 201
    assert response.get_json()["organisation"]["slug"] == "alpha"


@pytest.mark.parametrize(
    ("who", "org", "status"),
    [
        ("member_a", "beta", 403),  # not their organisation
        ("outsider", "alpha", 403),  # belongs to none
        ("liaison", None, 403),  # a government is not in a diaspora-only audience
        ("member_a", "nope", 400),  # unknown organisation
    ],
)
def test_only_members_answer_and_only_for_their_organisation(
    session, world, login, who, org, status
):
    call = make_call(session, world.space, world.liaison)
    body = _answer(call, org=org)
    if org is None:
        body["organisation"] = world.government.slug
    response = login(getattr(world, who)).post(f"/api/v1/calls/{call.id}/contributions", json=body)
    assert response.status_code == status, response.get_json()
    assert _count(session) == 0


def test_organisations_outside_the_corridor_may_not_answer(session, world, login):
    call = make_call(
        session, world.space, world.liaison, corridor_origin="SN", corridor_residence="FR"
    )
    assert (
        login(world.member_b)
        .post(  # lives in Spain
            f"/api/v1/calls/{call.id}/contributions", json=_answer(call, org="beta")
        )
        .status_code
        == 403
    )
    assert (
        login(world.member_c)
        .post(  # comes from Mali
            f"/api/v1/calls/{call.id}/contributions", json=_answer(call, org="gamma")
        )
        .status_code
        == 403
    )
    assert (
        login(world.member_a)
        .post(f"/api/v1/calls/{call.id}/contributions", json=_answer(call))
        .status_code
        == 201
    )


def test_the_code_of_conduct_comes_first(session, world, login, make_user):
    newcomer = make_user()
    session.add(Membership(user_id=newcomer.id, organisation_id=world.org_a.id, role=Role.MEMBER))
    session.commit()
    call = make_call(session, world.space, world.liaison)
    response = login(newcomer).post(f"/api/v1/calls/{call.id}/contributions", json=_answer(call))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "conduct_required"


@pytest.mark.parametrize(
    ("opens_in", "closes_in"),
    [(timedelta(hours=1), timedelta(days=1)), (-timedelta(days=2), -timedelta(hours=1))],
    ids=["not-yet-open", "closed"],
)
def test_answers_only_while_open(session, world, login, opens_in, closes_in):
    call = make_call(session, world.space, world.liaison, opens_in=opens_in, closes_in=closes_in)
    response = login(world.member_a).post(
        f"/api/v1/calls/{call.id}/contributions", json=_answer(call)
    )
    assert response.status_code == 409
    assert _count(session) == 0


def test_a_draft_cannot_be_answered(session, world, login):
    call = make_call(session, world.space, world.liaison, published=False)
    response = login(world.member_a).post(
        f"/api/v1/calls/{call.id}/contributions", json=_answer(call)
    )
    assert response.status_code == 404


def test_one_current_contribution_with_history(session, world, login, make_user):
    colleague = make_user(display_name="Awa Colleague")
    session.add(Membership(user_id=colleague.id, organisation_id=world.org_a.id, role=Role.MEMBER))
    session.commit()
    session.add(ConductAcceptance(conduct_id=world.space.conducts[0].id, user_id=colleague.id))
    session.commit()
    call = make_call(session, world.space, world.liaison)
    first = login(world.member_a).post(f"/api/v1/calls/{call.id}/contributions", json=_answer(call))
    assert first.status_code == 201
    second = login(colleague).post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, texts=("Fees are 7% now.", "Cap them."), version=1),
    )
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["version"] == 2
    assert _count(session) == 1
    assert _count(session, ContributionVersion) == 2

    stale = login(world.member_a).post(
        f"/api/v1/calls/{call.id}/contributions", json=_answer(call, version=1)
    )
    assert stale.status_code == 409

    history = login(world.member_a).get(
        f"/api/v1/calls/{call.id}/contributions/{first.get_json()['id']}/history"
    )
    assert history.status_code == 200
    versions = history.get_json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["answers"][0]["text"] == "Fees are 9%."
    assert versions[1]["author"]["display_name"] == "Awa Colleague"
    # Another organisation does not get the history.
    other = login(world.member_b).get(
        f"/api/v1/calls/{call.id}/contributions/{first.get_json()['id']}/history"
    )
    assert other.status_code == 404


def test_nothing_changes_after_close(session, world, login):
    call = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=3),
        closes_in=-timedelta(minutes=1),
    )
    contribution = add_contribution(session, call, world.org_a, world.member_a, "Too late?")
    response = login(world.member_a).post(
        f"/api/v1/calls/{call.id}/contributions", json=_answer(call, texts=("Changed",))
    )
    assert response.status_code == 409
    session.expire_all()
    assert session.get(Contribution, contribution.id).answers[0].text == "Too late?"


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ([{"question_id": 0, "text": "x"}], 400),
        ([], 400),
        (None, 413),
    ],
    ids=["unknown-question", "empty", "oversized"],
)
def test_bad_answers_change_nothing(session, world, login, answers, status):
    call = make_call(session, world.space, world.liaison)
    if answers is None:
        answers = [{"question_id": call.questions[0].id, "text": "x" * 10_001}]
    body = {"organisation": "alpha", "attribution": "named", "answers": answers}
    response = login(world.member_a).post(f"/api/v1/calls/{call.id}/contributions", json=body)
    assert response.status_code == status
    assert _count(session) == 0


def test_bad_attribution_is_refused(session, world, login):
    call = make_call(session, world.space, world.liaison)
    response = login(world.member_a).post(
        f"/api/v1/calls/{call.id}/contributions", json=_answer(call, attribution="secret")
    )
    assert response.status_code == 400
    assert _count(session) == 0


def test_while_open_only_author_facilitators_and_own_organisation_read(
    session, world, login, client
):
    call = make_call(session, world.space, world.liaison)
    login(world.member_a).post(f"/api/v1/calls/{call.id}/contributions", json=_answer(call))
    login(world.member_b).post(
        f"/api/v1/calls/{call.id}/contributions", json=_answer(call, org="beta")
    )
    seen = {
        who: login(getattr(world, who))
        .get(f"/api/v1/calls/{call.id}/contributions")
        .get_json()["total"]
        for who in ("liaison", "facilitator", "member_a", "outsider")
    }
    assert seen == {"liaison": 2, "facilitator": 2, "member_a": 1, "outsider": 0}
    assert client.get(f"/api/v1/calls/{call.id}/contributions").get_json()["total"] == 0


def test_after_close_attribution_decides_what_readers_see(session, world, login, client):
    call = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=3),
        closes_in=-timedelta(hours=1),
    )
    add_contribution(session, call, world.org_a, world.member_a, "Named", "named")
    add_contribution(session, call, world.org_b, world.member_b, "Org", "organisation")
    add_contribution(session, call, world.org_c, world.member_c, "Anon", "anonymous")
    items = client.get(f"/api/v1/calls/{call.id}/contributions").get_json()["items"]
    shown = {
        i["answers"][0]["text"]: (
            (i["organisation"] or {}).get("slug"),
            (i["author"] or {}).get("display_name"),
        )
        for i in items
    }
    assert shown == {
        "Named": ("alpha", "Amadou Member"),
        "Org": ("beta", None),
        "Anon": (None, None),
    }
    # The facilitators too: anonymous means anonymous.
    items = login(world.facilitator).get(f"/api/v1/calls/{call.id}/contributions").get_json()
    anon = next(i for i in items["items"] if i["attribution"] == "anonymous")
    assert anon["organisation"] is None
    assert anon["author"] is None
    # Its own members still recognise it.
    own = login(world.member_c).get(f"/api/v1/calls/{call.id}/contributions").get_json()
    mine = next(i for i in own["items"] if i["attribution"] == "anonymous")
    assert mine["own"] is True
    assert mine["organisation"]["slug"] == "gamma"


def test_report_then_hide_and_restore_are_recorded(session, world, login, client):
    call = make_call(
        session,
        world.space,
        world.liaison,
        opens_in=-timedelta(days=3),
        closes_in=-timedelta(hours=1),
    )
    contribution = add_contribution(session, call, world.org_a, world.member_a, "Insulting text")
    base = f"/api/v1/calls/{call.id}/contributions/{contribution.id}"

    assert client.post(f"{base}/reports", json={"reason": "x"}).status_code == 401
    reporter = login(world.member_b)
    assert reporter.post(f"{base}/reports", json={"reason": ""}).status_code == 400
    assert reporter.post(f"{base}/reports", json={"reason": "Insults a member"}).status_code == 201
    assert reporter.post(f"{base}/reports", json={"reason": "Again"}).status_code == 409
    assert _count(session, ContributionReport) == 1

    assert reporter.post(f"{base}/hide", json={}).status_code == 403
    facilitator = login(world.facilitator)
    hidden = facilitator.post(f"{base}/hide", json={"reason": "Code of conduct"})
    assert hidden.status_code == 200
    assert hidden.get_json()["hidden"] is True
    assert facilitator.post(f"{base}/hide", json={}).status_code == 409
    assert client.get(f"/api/v1/calls/{call.id}/contributions").get_json()["total"] == 0
    assert facilitator.get(f"/api/v1/calls/{call.id}/contributions").get_json()["total"] == 1
    assert reporter.post(f"{base}/reports", json={"reason": "x"}).status_code == 404

    assert facilitator.post(f"{base}/restore", json={}).status_code == 200
    assert client.get(f"/api/v1/calls/{call.id}/contributions").get_json()["total"] == 1

    actions = list(
        session.scalars(
            select(AuditEntry.action)
            .where(
                AuditEntry.target_type == "contribution", AuditEntry.target_id == contribution.id
            )
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["contribution.reported", "contribution.hidden", "contribution.restored"]
    report = session.scalar(select(ContributionReport))
    session.refresh(report)
    assert report.resolved_at is not None

    told = session.scalars(select(Notification).where(Notification.kind == "calls.reported"))
    assert [n.user_id for n in told] == [world.facilitator.id]
