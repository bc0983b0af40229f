"""Anonymity that holds: what the call's author and facilitators can read never narrows an
anonymous contribution down to fewer than ``ANONYMITY_FLOOR`` organisations, and a
withdrawn name stays withdrawn in the history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call
from diaspora_hub.calls.service import ANONYMITY_FLOOR
from diaspora_hub.organisations.models import OrganisationKind, Role
from diaspora_hub.spaces.models import ConductAcceptance, Space
from tests import factories
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


# The tracker must not re-identify anonymous answers -----------------------------------


@dataclass
class Audience:
    """A public space whose invited diaspora organisations live in France, Spain and
    Canada, and two more verified diaspora organisations that could answer too."""

    space: Space
    liaison: User
    facilitator: User
    members: dict[str, User]


@pytest.fixture
def audience(session) -> Audience:
    liaison = factories.user(session, display_name="Gina Government")
    facilitator = factories.user(session, can_facilitate=True)
    government = factories.organisation(
        session, kind=OrganisationKind.GOVERNMENT, members={liaison: Role.LIAISON}
    )
    members: dict[str, User] = {}
    orgs = []
    for slug, residence in [
        ("fr-one", "FR"),
        ("fr-two", "FR"),
        ("es-one", "ES"),
        ("ca-one", "CA"),
        ("de-one", "DE"),
        ("de-two", "DE"),
    ]:
        person = factories.user(session, display_name=f"Member of {slug}")
        members[slug] = person
        orgs.append(
            factories.organisation(
                session,
                slug=slug,
                name=f"Diaspora {slug}",
                country_of_residence=residence,
                members={person: Role.MEMBER},
            )
        )
    space = factories.space(
        session,
        slug="returns",
        facilitators=(facilitator,),
        organisations=(*orgs[:4], government),
        accepted_by=(liaison, *members.values()),
    )
    session.commit()
    return Audience(space=space, liaison=liaison, facilitator=facilitator, members=members)


def _all(client: FlaskClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        separator = "&" if "?" in path else "?"
        body = client.get(f"{path}{separator}page={page}&per_page=100").get_json()
        items += body["items"]
        if page * 100 >= body["total"]:
            return items
        page += 1


def _candidates(client: FlaskClient, call_id: int, space: str) -> dict[int, set[str]]:
    """For each anonymous contribution, the organisations that could have written it, as
    someone reasons who reads everything this client may fetch."""
    call = client.get(f"/api/v1/calls/{call_id}").get_json()
    directory = {
        o["slug"]: o
        for o in _all(client, "/api/v1/organisations?verified=true")
        if o["kind"] in call["audience_kinds"]
        and (not call["corridor_origin"] or o["country_of_origin"] == call["corridor_origin"])
        and (
            not call["corridor_residence"]
            or o["country_of_residence"] == call["corridor_residence"]
        )
        and client.get(f"/api/v1/organisations/{o['slug']}").get_json()["member_count"] > 0
    }
    contributions = _all(client, f"/api/v1/calls/{call_id}/contributions")
    exported = client.get(f"/api/v1/calls/{call_id}/contributions.json").get_json()
    csv = client.get(f"/api/v1/calls/{call_id}/contributions.csv").get_data(as_text=True)
    named = {c["organisation"]["slug"] for c in contributions if c["organisation"]}
    named |= {c["organisation"]["slug"] for c in exported["contributions"] if c["organisation"]}
    named |= {slug for slug, o in directory.items() if o["name"] in csv}
    for c in contributions:
        history = client.get(f"/api/v1/calls/{call_id}/contributions/{c['id']}/history")
        assert all(v["author"] is None for v in history.get_json()) or c["author"]
    tracker = client.get(f"/api/v1/calls/{call_id}/tracker").get_json()
    participants = {o["slug"] for o in _all(client, f"/api/v1/spaces/{space}/organisations")}
    own = {m["organisation"]["slug"] for m in _all(client, "/api/v1/me/memberships")}
    pool = set(directory) - named - own
    if tracker["not_answered"] is not None:
        silent = {o["slug"] for o in tracker["not_answered"]}
        pool -= silent
        answered_invited = (participants & set(directory)) - silent
        if tracker["received"] == len(answered_invited):
            pool &= participants
    for breakdown, attribute in (("by_country", "country_of_residence"), ("by_kind", "kind")):
        counts = Counter(tracker[breakdown])
        counts.subtract(Counter(directory[slug][attribute] or "unknown" for slug in named))
        if "anonymous" not in counts:
            left = {key for key, n in counts.items() if n > 0}
            pool = {slug for slug in pool if (directory[slug][attribute] or "unknown") in left}
    found = {}
    for c in contributions:
        if c["organisation"] is None:
            found[c["id"]] = {
                slug for slug in pool if not c["bloc"] or directory[slug]["bloc"] == c["bloc"]
            }
    return found


def _say(client: FlaskClient, call: Call, org: str, attribution: str) -> int:
    response = client.post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, org, attribution, f"What {org} thinks."),
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def test_the_only_canadian_answer_stays_hidden_among_three(session, audience, login):
    call = make_call(session, audience.space, audience.liaison)
    _say(login(audience.members["ca-one"]), call, "ca-one", "anonymous")
    _say(login(audience.members["fr-one"]), call, "fr-one", "named")
    _say(login(audience.members["fr-two"]), call, "fr-two", "organisation")
    for reader in (audience.liaison, audience.facilitator):
        client = login(reader)
        found = _candidates(client, call.id, audience.space.slug)
        assert len(found) == 1
        for candidates in found.values():
            assert "ca-one" in candidates
            assert len(candidates) >= ANONYMITY_FLOOR, candidates
        tracker = client.get(f"/api/v1/calls/{call.id}/tracker").get_json()
        assert tracker["not_answered"] is None
        assert "not_answered" in tracker["withheld"]
        assert tracker["by_country"] == {"FR": 2, "anonymous": 1}
        page = client.get(f"/calls/{call.id}").get_data(as_text=True)
        assert 'id="anonymity-notice"' in page
        assert "Not shown: with the list" in page
        assert (
            "CA"
            not in client.get(f"/api/v1/calls/{call.id}/contributions.csv")
            .get_data(as_text=True)
            .split("\n", 1)[1]
        )


def test_enough_anonymous_answers_keep_the_whole_tracker(session, audience, login):
    call = make_call(session, audience.space, audience.liaison)
    for slug in ("fr-one", "fr-two", "es-one"):
        _say(login(audience.members[slug]), call, slug, "anonymous")
    client = login(audience.liaison)
    tracker = client.get(f"/api/v1/calls/{call.id}/tracker").get_json()
    assert tracker["withheld"] == []
    assert [o["slug"] for o in tracker["not_answered"]] == ["ca-one"]
    assert tracker["by_country"] == {"ES": 1, "FR": 2}
    for candidates in _candidates(client, call.id, audience.space.slug).values():
        assert len(candidates) >= ANONYMITY_FLOOR


def test_too_small_an_audience_for_an_anonymous_answer(session, audience, login):
    call = make_call(session, audience.space, audience.liaison, corridor_residence="FR")
    client = login(audience.members["fr-one"])
    response = client.post(
        f"/api/v1/calls/{call.id}/contributions",
        json=_answer(call, "fr-one", "anonymous", "Only two of us could say this."),
    )
    assert response.status_code == 400
    assert "attribution" in response.get_json()["error"]["fields"]
    assert _say(client, call, "fr-one", "organisation")


def test_names_given_later_never_single_out_an_anonymous_answer(session, audience, login):
    """Three could answer; once the other two are named, nobody is shown by name."""
    call = make_call(session, audience.space, audience.liaison, corridor_residence="FR")
    extra = factories.user(session)
    factories.organisation(
        session, slug="fr-three", country_of_residence="FR", members={extra: Role.MEMBER}
    )
    session.add(ConductAcceptance(conduct_id=audience.space.conducts[0].id, user_id=extra.id))
    session.commit()
    _say(login(audience.members["fr-one"]), call, "fr-one", "anonymous")
    _say(login(audience.members["fr-two"]), call, "fr-two", "named")
    _say(login(extra), call, "fr-three", "named")
    for reader in (audience.liaison, audience.facilitator):
        client = login(reader)
        for candidates in _candidates(client, call.id, audience.space.slug).values():
            assert len(candidates) >= ANONYMITY_FLOOR, candidates
        body = client.get(f"/api/v1/calls/{call.id}/contributions").get_json()
        assert [c["organisation"] for c in body["items"]] == [None, None, None]
        text = _everything_said(client, call, body["items"][1]["id"])
        assert audience.members["fr-two"].display_name not in text
    moderated = login(audience.facilitator).post(
        f"/api/v1/calls/{call.id}/contributions/{body['items'][1]['id']}/hide", json={}
    )
    assert moderated.status_code == 200
    assert moderated.get_json()["organisation"] is None
    assert moderated.get_json()["bloc"] is None


def test_a_lone_anonymous_government_loses_its_stakeholder_group(session, audience, login):
    voice = factories.user(session)
    factories.organisation(
        session, slug="gov-two", kind=OrganisationKind.GOVERNMENT, members={voice: Role.LIAISON}
    )
    session.add(ConductAcceptance(conduct_id=audience.space.conducts[0].id, user_id=voice.id))
    session.commit()
    call = make_call(
        session, audience.space, audience.liaison, audience_kinds=("diaspora", "government")
    )
    _say(login(voice), call, "gov-two", "anonymous")
    client = login(audience.liaison)
    for candidates in _candidates(client, call.id, audience.space.slug).values():
        assert "gov-two" in candidates
        assert len(candidates) >= ANONYMITY_FLOOR
    body = client.get(f"/api/v1/calls/{call.id}/contributions").get_json()
    assert body["items"][0]["bloc"] is None
    tracker = client.get(f"/api/v1/calls/{call.id}/tracker").get_json()
    assert "anonymous_bloc" in tracker["withheld"]
    assert tracker["by_bloc"] == {"anonymous": 1}
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "The stakeholder group of anonymous contributions is not shown" in page


def test_a_facilitator_knows_their_own_organisation_did_not_answer(session, audience, login):
    extra = factories.user(session)
    factories.organisation(
        session, slug="fr-three", country_of_residence="FR", members={extra: Role.MEMBER}
    )
    factories.organisation(
        session,
        slug="fr-four",
        country_of_residence="FR",
        members={audience.facilitator: Role.MEMBER},
    )
    session.add(ConductAcceptance(conduct_id=audience.space.conducts[0].id, user_id=extra.id))
    session.commit()
    call = make_call(session, audience.space, audience.liaison, corridor_residence="FR")
    _say(login(audience.members["fr-one"]), call, "fr-one", "anonymous")
    _say(login(audience.members["fr-two"]), call, "fr-two", "named")
    client = login(audience.facilitator)
    for candidates in _candidates(client, call.id, audience.space.slug).values():
        assert len(candidates) >= ANONYMITY_FLOOR, candidates
