"""Only verified organisations answer calls: an organisation registered a minute ago with
a look-alike name is not counted as a voice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from diaspora_hub.calls.models import Contribution
from diaspora_hub.organisations.models import Role
from diaspora_hub.spaces.models import ConductAcceptance
from tests import factories
from tests.calls.conftest import csrf_token, make_call

pytestmark = pytest.mark.postgres


@pytest.fixture
def impostor(session, world, make_user):
    """A participant of the space whose only organisation is a fresh, unverified look-alike."""
    person = make_user(display_name="Ivan Impostor")
    factories.organisation(
        session,
        verified=False,
        members={person: Role.ADMIN},
        name="Alpha Diaspora.",
        acronym="AD",
        slug="alpha-diaspora",
    )
    session.add(ConductAcceptance(conduct_id=world.space.conducts[0].id, user_id=person.id))
    session.commit()
    return person


def _contributions(session) -> int:
    return session.scalar(select(func.count()).select_from(Contribution)) or 0


def test_an_unverified_organisation_cannot_answer(session, world, login, impostor):
    call = make_call(session, world.space, world.liaison)
    body = {
        "organisation": "alpha-diaspora",
        "attribution": "organisation",
        "answers": [{"question_id": call.questions[0].id, "text": "Count us."}],
    }
    client = login(impostor)
    response = client.post(f"/api/v1/calls/{call.id}/contributions", json=body)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "not verified" in error["message"]
    del body["organisation"]
    assert client.post(f"/api/v1/calls/{call.id}/contributions", json=body).status_code == 403
    assert _contributions(session) == 0
    tracker = login(world.liaison).get(f"/api/v1/calls/{call.id}/tracker").get_json()
    assert tracker["received"] == 0


def test_the_pages_say_why(session, world, login, impostor):
    call = make_call(session, world.space, world.liaison)
    client = login(impostor)
    detail = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Answer for your organisation" not in detail
    assert "not verified yet" in detail
    page = client.get(f"/calls/{call.id}/answer").get_data(as_text=True)
    assert "not verified yet" in page
    token = csrf_token(client, f"/calls/{call.id}/answer")
    posted = client.post(
        f"/calls/{call.id}/answer",
        data={
            "csrf_token": token,
            "organisation": "alpha-diaspora",
            "attribution": "organisation",
            f"answer_{call.questions[0].id}": "Count us.",
        },
    )
    assert posted.status_code == 403
    assert _contributions(session) == 0
