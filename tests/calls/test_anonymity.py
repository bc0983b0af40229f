"""Anonymity that holds: what the call's author and facilitators can read never narrows an
anonymous contribution down to fewer than ``ANONYMITY_FLOOR`` organisations, and a
withdrawn name stays withdrawn in the history."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from diaspora_hub.calls.models import Call
from tests.calls.conftest import make_call

pytestmark = pytest.mark.postgres


def _answer(call: Call, org: str, attribution: str, text: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": org,
        "attribution": attribution,
        "answers": [{"question_id": call.questions[0].id, "text": text}],
    }
    body.update(extra)
    return body


def _everything_said(client: FlaskClient, call: Call, contribution_id: int) -> str:
    """Every page and document about the call the reader can fetch, as one text."""
    paths = [
        f"/calls/{call.id}",
        f"/api/v1/calls/{call.id}/contributions",
        f"/api/v1/calls/{call.id}/contributions/{contribution_id}/history",
        f"/api/v1/calls/{call.id}/contributions.csv",
        f"/api/v1/calls/{call.id}/contributions.json",
    ]
    texts = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        texts.append(response.get_data(as_text=True))
    return "\n".join(texts)


@pytest.mark.parametrize("later", ["anonymous", "organisation"])
def test_a_withdrawn_name_is_gone_from_the_history(session, world, login, later):
    call = make_call(session, world.space, world.liaison)
    member = login(world.member_a)
    first = member.post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, "alpha", "named", "Fees are 9%."),
    )
    assert first.status_code == 201
    contribution_id = first.get_json()["id"]
    second = member.post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, "alpha", later, "Fees are 9%, still.", version=1),
    )
    assert second.status_code == 200, second.get_json()
    for reader in (world.liaison, world.facilitator):
        client = login(reader)
        history = client.get(
            f"/api/v1/calls/{call.id}/contributions/{contribution_id}/history"
        ).get_json()
        assert [v["author"] for v in history] == [None, None]
        assert {v["attribution"] for v in history} == {later}
        assert world.member_a.display_name not in _everything_said(client, call, contribution_id)
    # The organisation's own members still see who wrote each version.
    own = member.get(f"/api/v1/calls/{call.id}/contributions/{contribution_id}/history")
    assert own.get_json()[0]["author"]["display_name"] == world.member_a.display_name


def test_a_version_saved_anonymously_stays_anonymous_after_naming(session, world, login):
    call = make_call(session, world.space, world.liaison)
    member = login(world.member_a)
    first = member.post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, "alpha", "anonymous", "Fees are 9%."),
    )
    member.post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, "alpha", "named", "We stand by it.", version=1),
    )
    history = (
        login(world.liaison)
        .get(f"/api/v1/calls/{call.id}/contributions/{first.get_json()['id']}/history")
        .get_json()
    )
    assert history[0]["author"] is None
    assert history[0]["attribution"] == "anonymous"
    assert history[1]["author"]["display_name"] == world.member_a.display_name
