"""The spaces API as a client would use it."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from diaspora_hub.core.db import Base
from diaspora_hub.organisations.models import OrganisationKind, Role
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    Phase,
    Space,
    SpaceTag,
    TagKind,
    Visibility,
)
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def chair(make_user):
    return make_user(can_facilitate=True, display_name="Lucía Herrera")


@pytest.fixture
def chair_client(login, chair):
    return login(chair)


def _open(client: FlaskClient, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Remittance costs")
    response = client.post("/api/v1/spaces", json=body)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def _count(session: Session, model: type[Base] = Space) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- creating ---------------------------------------------------------------------------


def test_opening_a_space_returns_the_full_representation(chair_client, chair, session):
    org = factories.organisation(session, slug="asf", name="Association des Sénégalais de France")
    session.commit()
    body = _open(
        chair_client,
        title="Remittance costs",
        description="Lower the **cost** of sending money home.",
        sdg=["10.c", 5],
        countries=["SN", "fr"],
        languages=["fr", "wo"],
        visibility="members",
        organisations=["asf"],
    )
    assert body["slug"] == "remittance-costs"
    assert body["phase"] == "exploration"
    assert body["allowed_phases"] == ["building"]
    assert body["visibility"] == "members"
    assert body["sdg"] == ["5", "10", "10.c"]
    assert [g["number"] for g in body["sdg_goals"]] == [5, 10]
    assert body["sdg_targets"][0]["code"] == "10.c"
    assert "remittance" in body["sdg_targets"][0]["text"]
    assert body["countries"] == ["SN", "FR"]
    assert body["languages"] == ["fr", "wo"]
    assert body["facilitators"] == [{"id": chair.id, "display_name": "Lucía Herrera"}]
    assert body["organisations"] == [
        {
            "slug": "asf",
            "name": org.name,
            "kind": "diaspora",
            "bloc": "diaspora",
            "verified": True,
        }
    ]
    assert body["conduct_version"] == 1
    assert body["is_facilitator"] is True
    assert body["can_manage"] is True
    assert body["conduct_accepted"] is True


def test_plain_users_may_not_open_spaces_and_anonymous_must_log_in(
    client, login, make_user, session
):
    plain = login(make_user())
    assert plain.post("/api/v1/spaces", json={"title": "Mine"}).status_code == 403
    assert client.post("/api/v1/spaces", json={"title": "Mine"}).status_code == 401
    assert _count(session) == 0


def test_admins_may_open_spaces(login, make_user):
    admin = login(make_user(is_admin=True))
    assert _open(admin)["is_facilitator"] is True


BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"sdg": ["10.z"]}, "sdg"),
    ({"sdg": ["18"]}, "sdg"),
    ({"sdg": [18]}, "sdg"),
    ({"countries": ["XX"]}, "countries"),
    ({"languages": ["xx"]}, "languages"),
    ({"organisations": ["nobody"]}, "organisations"),
    ({"visibility": "secret"}, "visibility"),
    ({"slug": "Not A Slug"}, "slug"),
    ({"title": ""}, "title"),
    ({"phase": "running"}, "phase"),
]


def test_bad_values_are_400_with_the_field_named(chair_client, session):
    for body, field in BAD_VALUES:
        response = chair_client.post("/api/v1/spaces", json={"title": "Remittance costs", **body})
        assert response.status_code == 400, body
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert field in error["fields"], body
    assert _count(session) == 0


def test_a_taken_slug_gets_a_free_one(chair_client, session):
    assert _open(chair_client, slug="bonds")["slug"] == "bonds"
    again = _open(chair_client, title="Bonds", slug="bonds")["slug"]
    derived = _open(chair_client, title="Bonds")["slug"]
    assert again.startswith("bonds-")
    assert derived.startswith("bonds-")
    assert len({"bonds", again, derived}) == 3
    assert _count(session) == 3


def test_oversized_text_is_413_and_wrong_types_422(chair_client, session):
    cases: list[tuple[dict[str, Any], str, int]] = [
        ({"title": "x" * 201}, "title", 413),
        ({"description": "x" * 20_001}, "description", 413),
        ({"conduct": "x" * 20_001}, "conduct", 413),
        ({"title": 42}, "title", 422),
        ({"sdg": "10"}, "sdg", 422),
        ({"sdg": [True]}, "sdg", 422),
        ({"countries": [1]}, "countries", 422),
        ({"visibility": 3}, "visibility", 422),
    ]
    for body, field, status in cases:
        response = chair_client.post("/api/v1/spaces", json={"title": "Remittance costs", **body})
        assert response.status_code == status, body
        assert field in response.get_json()["error"]["fields"], body
    assert _count(session) == 0


def test_malformed_json_is_400(chair_client, session):
    response = chair_client.post(
        "/api/v1/spaces", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert _count(session) == 0


# --- browsing ---------------------------------------------------------------------------


@pytest.fixture
def world(session, chair, make_user):
    member = make_user()
    outsider = make_user()
    org = factories.organisation(session, members={member: Role.MEMBER})
    spaces = [
        factories.space(
            session, slug="remittances", title="Remittance costs", facilitators=(chair,)
        ),
        factories.space(session, slug="bonds", title="Diaspora bonds", facilitators=(chair,)),
        factories.space(
            session,
            slug="members-only",
            title="Remittance data",
            visibility=Visibility.MEMBERS,
            organisations=(org,),
            facilitators=(chair,),
        ),
        factories.space(
            session,
            slug="secret",
            title="Remittance talks",
            visibility=Visibility.INVITE,
            facilitators=(chair,),
        ),
    ]
    tags = {
        "remittances": [(TagKind.GOAL, "10"), (TagKind.TARGET, "10.c"), (TagKind.COUNTRY, "SN")],
        "bonds": [(TagKind.GOAL, "17"), (TagKind.LANGUAGE, "fr")],
        "members-only": [(TagKind.GOAL, "10"), (TagKind.TARGET, "10.c"), (TagKind.LANGUAGE, "fr")],
        "secret": [(TagKind.GOAL, "10"), (TagKind.TARGET, "10.c"), (TagKind.COUNTRY, "SN")],
    }
    for space in spaces:
        for kind, code in tags[space.slug]:
            session.add(SpaceTag(space=space, kind=kind, code=code))
    spaces[1].phase = Phase.BUILDING
    session.commit()
    return {"member": member, "outsider": outsider}


def _slugs(response: TestResponse) -> tuple[list[str], int]:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return sorted(s["slug"] for s in body["items"]), body["total"]


ANONYMOUS_FILTERS: list[tuple[str, list[str]]] = [
    ("", ["bonds", "remittances"]),
    ("?sdg=10", ["remittances"]),
    ("?sdg=10.c", ["remittances"]),
    ("?sdg=17", ["bonds"]),
    ("?country=SN", ["remittances"]),
    ("?phase=building", ["bonds"]),
    ("?language=fr", ["bonds"]),
    ("?q=REMITTANCE", ["remittances"]),
    ("?sdg=&country=&phase=&language=&q=", ["bonds", "remittances"]),
]


def test_anonymous_listing_and_filters(client, world):
    for query, expected in ANONYMOUS_FILTERS:
        assert _slugs(client.get(f"/api/v1/spaces{query}")) == (expected, len(expected)), query


def test_members_see_their_members_space_but_outsiders_do_not(login, world):
    member, outsider = login(world["member"]), login(world["outsider"])
    assert _slugs(member.get("/api/v1/spaces?sdg=10.c")) == (["members-only", "remittances"], 2)
    assert _slugs(outsider.get("/api/v1/spaces?sdg=10.c")) == (["remittances"], 1)
    assert _slugs(outsider.get("/api/v1/spaces?q=remittance")) == (["remittances"], 1)
    assert member.get("/api/v1/spaces/members-only").status_code == 200
    for path in ("/spaces/members-only", "/spaces/secret", "/spaces/secret/conduct"):
        assert outsider.get(f"/api/v1{path}").status_code == 404
    assert outsider.get("/api/v1/spaces/secret/facilitators").status_code == 404


def test_anonymous_get_404_for_hidden_spaces(client, world):
    for slug in ("members-only", "secret", "no-such-space"):
        response = client.get(f"/api/v1/spaces/{slug}")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_bad_filters_are_400(client, world):
    cases = [("?sdg=10.z", "sdg"), ("?sdg=18", "sdg"), ("?country=XX", "country")]
    cases += [("?phase=x", "phase"), ("?per_page=500", "per_page")]
    for query, field in cases:
        response = client.get(f"/api/v1/spaces{query}")
        assert response.status_code == 400, query
        assert field in response.get_json()["error"]["fields"], query


def test_listing_is_paginated(client, world):
    body = client.get("/api/v1/spaces?per_page=1&page=2").get_json()
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (2, 1, 2, 1)


def test_sdg_reference(client):
    body = client.get("/api/v1/sdg").get_json()
    assert body["total"] == 17
    assert len(body["items"]) == 17
    goal = body["items"][9]
    assert (goal["number"], goal["title"]) == (10, "Reduced inequalities")
    assert goal["targets"][-1]["code"] == "10.c"


# --- editing and phases -----------------------------------------------------------------


def test_patch_changes_fields_and_bad_input_changes_nothing(chair_client, login, make_user):
    _open(chair_client, sdg=["10.c"])
    ok = chair_client.patch(
        "/api/v1/spaces/remittance-costs",
        json={"title": "Cheaper remittances", "sdg": ["1.4"], "visibility": "invite"},
    )
    assert ok.status_code == 200
    assert ok.get_json()["sdg"] == ["1", "1.4"]
    assert ok.get_json()["visibility"] == "invite"
    bad = chair_client.patch(
        "/api/v1/spaces/remittance-costs", json={"title": "Broken", "countries": ["XX"]}
    )
    assert bad.status_code == 400
    assert chair_client.get("/api/v1/spaces/remittance-costs").get_json()["title"] == (
        "Cheaper remittances"
    )
    other = login(make_user())
    assert other.patch("/api/v1/spaces/remittance-costs", json={"title": "x"}).status_code == 404


def test_non_managers_get_403_on_a_space_they_see(chair_client, login, make_user):
    _open(chair_client)
    other = login(make_user())
    assert other.patch("/api/v1/spaces/remittance-costs", json={"title": "x"}).status_code == 403
    assert (
        other.post("/api/v1/spaces/remittance-costs/phase", json={"phase": "building"}).status_code
        == 403
    )


def test_phase_moves(chair_client):
    _open(chair_client)
    moved = chair_client.post("/api/v1/spaces/remittance-costs/phase", json={"phase": "building"})
    assert moved.status_code == 200
    assert moved.get_json()["phase"] == "building"
    assert moved.get_json()["allowed_phases"] == ["exploration", "running"]
    skip = chair_client.post("/api/v1/spaces/remittance-costs/phase", json={"phase": "sustaining"})
    assert skip.status_code == 409
    assert chair_client.get("/api/v1/spaces/remittance-costs").get_json()["phase"] == "building"
    unknown = chair_client.post("/api/v1/spaces/remittance-costs/phase", json={"phase": "done"})
    assert unknown.status_code == 400


# --- code of conduct --------------------------------------------------------------------


def test_conduct_is_accepted_and_versions_ask_again(chair_client, login, make_user, session):
    _open(chair_client, conduct="Be kind.")
    person = make_user()
    client = login(person)
    before = client.get("/api/v1/spaces/remittance-costs/conduct").get_json()
    assert before == {
        "version": 1,
        "text": "Be kind.",
        "published_at": before["published_at"],
        "accepted": False,
        "accepted_version": None,
    }
    accepted = client.post("/api/v1/spaces/remittance-costs/conduct", json={})
    assert accepted.status_code == 200
    assert accepted.get_json()["accepted"] is True
    assert client.get("/api/v1/spaces/remittance-costs").get_json()["conduct_accepted"] is True

    published = chair_client.post(
        "/api/v1/spaces/remittance-costs/conduct/versions", json={"text": "Be kind and brief."}
    )
    assert published.status_code == 201
    assert published.get_json()["version"] == 2
    after = client.get("/api/v1/spaces/remittance-costs/conduct").get_json()
    assert (after["version"], after["accepted"], after["accepted_version"]) == (2, False, 1)
    assert client.post("/api/v1/spaces/remittance-costs/conduct", json={}).status_code == 200
    rows = session.execute(
        select(CodeOfConduct.version)
        .join(ConductAcceptance, ConductAcceptance.conduct_id == CodeOfConduct.id)
        .where(ConductAcceptance.user_id == person.id)
        .order_by(CodeOfConduct.version)
    )
    assert [r.version for r in rows] == [1, 2]


def test_conduct_rules_for_outsiders(chair_client, client, login, make_user):
    _open(chair_client, visibility="invite", slug="secret")
    _open(chair_client, slug="open")
    other = login(make_user())
    assert other.post("/api/v1/spaces/secret/conduct", json={}).status_code == 404
    assert client.post("/api/v1/spaces/open/conduct", json={}).status_code == 401
    assert (
        other.post("/api/v1/spaces/open/conduct/versions", json={"text": "Mine"}).status_code == 403
    )
    empty = chair_client.post("/api/v1/spaces/open/conduct/versions", json={"text": ""})
    assert empty.status_code == 400
    huge = chair_client.post("/api/v1/spaces/open/conduct/versions", json={"text": "x" * 20_001})
    assert huge.status_code == 413
    assert chair_client.get("/api/v1/spaces/open/conduct").get_json()["version"] == 1


# --- facilitators, organisations, invitations ------------------------------------------


def test_facilitator_management(chair_client, chair, make_user, login):
    _open(chair_client)
    colleague = make_user(email="colleague@example.org", display_name="Kofi")
    path = "/api/v1/spaces/remittance-costs/facilitators"
    added = chair_client.post(path, json={"email": "colleague@example.org"})
    assert added.status_code == 201
    assert added.get_json() == {"id": colleague.id, "display_name": "Kofi"}
    assert chair_client.post(path, json={"email": "colleague@example.org"}).status_code == 409
    assert chair_client.post(path, json={"email": "ghost@example.org"}).status_code == 400
    assert chair_client.post(path, json={"email": "not an email"}).status_code == 400
    listed = chair_client.get(path).get_json()
    assert listed["total"] == 2
    assert [p["display_name"] for p in listed["items"]] == ["Lucía Herrera", "Kofi"]

    kofi = login(colleague)
    assert kofi.delete(f"{path}/{chair.id}").status_code == 204
    last = kofi.delete(f"{path}/{colleague.id}")
    assert last.status_code == 409
    assert kofi.get(path).get_json()["total"] == 1
    assert chair_client.delete(f"{path}/{colleague.id}").status_code == 403


def test_organisation_management(chair_client, session, client):
    factories.organisation(
        session, slug="moe", name="Ministry", kind=OrganisationKind.GOVERNMENT, verified=False
    )
    session.commit()
    _open(chair_client)
    path = "/api/v1/spaces/remittance-costs/organisations"
    added = chair_client.post(path, json={"organisation": "moe"})
    assert added.status_code == 201
    assert added.get_json() == {
        "slug": "moe",
        "name": "Ministry",
        "kind": "government",
        "bloc": "government",
        "verified": False,
    }
    assert chair_client.post(path, json={"organisation": "moe"}).status_code == 409
    unknown = chair_client.post(path, json={"organisation": "nobody"})
    assert unknown.status_code == 400
    assert "organisation" in unknown.get_json()["error"]["fields"]
    assert client.get(path).get_json()["total"] == 1
    assert chair_client.delete(f"{path}/moe").status_code == 204
    assert chair_client.delete(f"{path}/moe").status_code == 404
    assert client.get(path).get_json()["total"] == 0


def test_invitations(chair_client, login, make_user):
    _open(chair_client, visibility="invite", slug="talks")
    guest = make_user(email="guest@example.org")
    guest_client = login(guest)
    assert guest_client.get("/api/v1/spaces/talks").status_code == 404
    path = "/api/v1/spaces/talks/invitations"
    invited = chair_client.post(path, json={"email": "guest@example.org"})
    assert invited.status_code == 201
    assert invited.get_json()["user_id"] == guest.id
    assert guest_client.get("/api/v1/spaces/talks").status_code == 200
    assert _slugs(guest_client.get("/api/v1/spaces")) == (["talks"], 1)
    assert guest_client.get(path).status_code == 403
    assert chair_client.get(path).get_json()["total"] == 1
    assert chair_client.delete(f"{path}/{guest.id}").status_code == 204
    assert guest_client.get("/api/v1/spaces/talks").status_code == 404
    assert chair_client.delete(f"{path}/{guest.id}").status_code == 404


def test_cookie_writes_must_be_json(chair_client, session):
    response = chair_client.post("/api/v1/spaces", data={"title": "Forged"})
    assert response.status_code == 400
    assert _count(session) == 0
