"""The organisations API as an integration would use it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.audit import AuditEntry
from diaspora_hub.core.db import Base
from diaspora_hub.organisations.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
)
from tests import factories

pytestmark = pytest.mark.postgres

DIASPORA = {
    "name": "Association des Sénégalais de France",
    "acronym": "ASF",
    "kind": "diaspora",
    "description": "We *support* newcomers.",
    "website": "https://asf.example.org",
    "country_of_origin": "sn",
    "country_of_residence": "FR",
    "countries": ["BE", "IT"],
}


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def world(session):
    people = {
        "admin": factories.user(session, display_name="Awa Admin"),
        "member": factories.user(session, display_name="Moussa Member"),
        "outsider": factories.user(session, display_name="Olu Outsider"),
        "platform": factories.user(session, is_admin=True),
    }
    org = factories.organisation(
        session,
        slug="asf",
        name="ASF Paris",
        verified=False,
        members={people["admin"]: Role.ADMIN, people["member"]: Role.MEMBER},
    )
    session.commit()
    return {**people, "org": org}


def test_create_makes_the_creator_admin(login, make_user, session):
    person = make_user()
    client = login(person)
    response = client.post("/api/v1/organisations", json=DIASPORA)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["slug"] == "association-des-senegalais-de-france"
    assert (body["kind"], body["bloc"], body["verified"]) == ("diaspora", "diaspora", False)
    assert body["country_of_origin"] == "SN"
    detail = client.get(f"/api/v1/organisations/{body['slug']}").get_json()
    assert detail["member_count"] == 1
    assert detail["my_membership"] == {"role": "admin", "status": "active"}
    assert detail["can_manage"] is True
    memberships = client.get("/api/v1/me/memberships").get_json()
    assert memberships["total"] == 1
    assert memberships["items"][0]["organisation"]["slug"] == body["slug"]
    assert memberships["items"][0]["role"] == "admin"


def test_anonymous_cannot_create(client, session):
    response = client.post("/api/v1/organisations", json=DIASPORA)
    assert response.status_code == 401
    assert count(session, Organisation) == 0


def test_slugs_derived_or_requested(login, make_user):
    client = login(make_user())
    first = client.post("/api/v1/organisations", json=DIASPORA).get_json()
    second = client.post("/api/v1/organisations", json=DIASPORA).get_json()
    assert second["slug"] == first["slug"] + "-2"
    chosen = client.post("/api/v1/organisations", json={**DIASPORA, "slug": "asf-paris"})
    assert chosen.get_json()["slug"] == "asf-paris"
    taken = client.post("/api/v1/organisations", json={**DIASPORA, "slug": "asf-paris"})
    assert taken.status_code == 409
    assert "slug" in taken.get_json()["error"]["fields"]
    reserved = client.post("/api/v1/organisations", json={**DIASPORA, "slug": "new"})
    assert reserved.status_code == 400
    shaped = client.post("/api/v1/organisations", json={**DIASPORA, "slug": "Not A Slug"})
    assert shaped.status_code == 400
    assert client.get("/api/v1/organisations").get_json()["total"] == 3


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"country_of_origin": "XX"}, 400, "country_of_origin"),
        ({"country_of_residence": "France"}, 400, "country_of_residence"),
        ({"countries": ["FR", "ZZ"]}, 400, "countries"),
        ({"country_of_origin": None}, 400, "country_of_origin"),
        ({"kind": "club"}, 400, "kind"),
        ({"kind": "government"}, 400, "country_of_origin"),
        ({"website": "javascript:alert(1)"}, 400, "website"),
        ({"website": "ftp://asf.example.org"}, 400, "website"),
        ({"name": ""}, 400, "name"),
        ({"name": "x" * 201}, 413, "name"),
        ({"acronym": "x" * 31}, 413, "acronym"),
        ({"description": "x" * 20_001}, 413, "description"),
        ({"name": 42}, 422, "name"),
        ({"countries": "FR"}, 422, "countries"),
        ({"country_of_origin": 7}, 422, "country_of_origin"),
        ({"unexpected": 1}, 400, "unexpected"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    login, make_user, session, change, status, field
):
    client = login(make_user())
    response = client.post("/api/v1/organisations", json={**DIASPORA, **change})
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(session, Organisation) == 0
    assert count(session, Membership) == 0


def test_malformed_json_is_400(login, make_user, session):
    client = login(make_user())
    response = client.post(
        "/api/v1/organisations", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert count(session, Organisation) == 0


def test_browse_filters_and_pagination(client, session):
    factories.organisation(session, name="Senegalese in Paris", acronym="SIP")
    factories.organisation(session, name="Malian Youth", country_of_origin="ML")
    factories.organisation(
        session,
        name="Ministry of Senegalese Abroad",
        kind=OrganisationKind.GOVERNMENT,
        country_of_residence="SN",
        verified=False,
    )
    for n in range(3):
        factories.organisation(session, name=f"Academy {n}", kind=OrganisationKind.ACADEMIA)
    session.commit()

    def get(query: str) -> Any:
        response = client.get(f"/api/v1/organisations?{query}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    assert [o["name"] for o in get("kind=government")["items"]] == ["Ministry of Senegalese Abroad"]
    assert get("kind=government")["items"][0]["verified"] is False
    # Factory diaspora organisations come from Senegal unless told otherwise.
    assert [o["name"] for o in get("country=sn")["items"]] == [
        "Ministry of Senegalese Abroad",
        "Senegalese in Paris",
    ]
    assert get("verified=false")["total"] == 1
    assert get("verified=true")["total"] == 5
    assert [o["acronym"] for o in get("q=sip")["items"]] == ["SIP"]
    page = get("kind=academia&per_page=2&page=2")
    assert (page["total"], page["page"], page["per_page"]) == (3, 2, 2)
    assert [o["name"] for o in page["items"]] == ["Academy 2"]
    assert get("page=9")["items"] == []
    assert client.get("/api/v1/organisations?kind=club").status_code == 400
    assert client.get("/api/v1/organisations?country=XX").status_code == 400
    assert client.get("/api/v1/organisations?per_page=1000").status_code == 400
    assert client.get("/api/v1/organisations?verified=maybe").status_code == 422


def test_detail_is_public_but_members_are_not(client, login, world):
    public = client.get("/api/v1/organisations/asf").get_json()
    assert public["member_count"] == 2
    assert public["my_membership"] is None
    assert "members" not in public
    assert client.get("/api/v1/organisations/nobody").status_code == 404
    assert client.get("/api/v1/organisations/asf/members").status_code == 401
    assert login(world["outsider"]).get("/api/v1/organisations/asf/members").status_code == 403
    member = login(world["member"])
    listed = member.get("/api/v1/organisations/asf/members").get_json()
    assert listed["total"] == 2
    assert {(m["user"]["display_name"], m["role"]) for m in listed["items"]} == {
        ("Awa Admin", "admin"),
        ("Moussa Member", "member"),
    }
    assert "email" not in listed["items"][0]["user"]
    assert member.get("/api/v1/organisations/asf/members?status=invited").status_code == 403
    platform = login(world["platform"]).get("/api/v1/organisations/asf/members")
    assert platform.get_json()["total"] == 2


def test_edit_by_its_admins_only(login, world, session):
    change = {"description": "Updated", "countries": ["BE"], "website": ""}
    member = login(world["member"]).patch("/api/v1/organisations/asf", json=change)
    assert member.status_code == 403
    admin = login(world["admin"])
    response = admin.patch("/api/v1/organisations/asf", json=change)
    assert response.status_code == 200
    assert response.get_json()["countries"] == ["BE"]
    session.expire_all()
    assert session.get(Organisation, world["org"].id).description == "Updated"
    bad = admin.patch(
        "/api/v1/organisations/asf", json={"description": "Again", "country_of_residence": "XX"}
    )
    assert bad.status_code == 400
    slug = admin.patch("/api/v1/organisations/asf", json={"slug": "other"})
    assert slug.status_code == 400
    session.expire_all()
    assert session.get(Organisation, world["org"].id).description == "Updated"


def test_invitation_accepted_by_the_invitee(login, world, session):
    admin = login(world["admin"])
    outsider = world["outsider"]
    response = admin.post(
        "/api/v1/organisations/asf/invitations", json={"email": outsider.email, "role": "delegate"}
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "invited"
    invitee = login(outsider)
    pending = invitee.get("/api/v1/me/memberships?status=invited").get_json()
    assert [(m["organisation"]["slug"], m["role"]) for m in pending["items"]] == [
        ("asf", "delegate")
    ]
    assert (
        admin.post(f"/api/v1/organisations/asf/members/{outsider.id}/accept", json={}).status_code
        == 403
    )
    accepted = invitee.post(f"/api/v1/organisations/asf/members/{outsider.id}/accept", json={})
    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "active"
    assert invitee.get("/api/v1/organisations/asf").get_json()["member_count"] == 3
    again = invitee.post(f"/api/v1/organisations/asf/members/{outsider.id}/accept", json={})
    assert again.status_code == 409


def test_invitation_errors(login, world, session):
    admin = login(world["admin"])
    unknown = admin.post(
        "/api/v1/organisations/asf/invitations", json={"email": "ghost@example.org"}
    )
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["fields"] == {
        "email": ["There is no account with this email."]
    }
    present = admin.post(
        "/api/v1/organisations/asf/invitations", json={"email": world["member"].email}
    )
    assert present.status_code == 409
    not_email = admin.post("/api/v1/organisations/asf/invitations", json={"email": "nope"})
    assert not_email.status_code == 400
    bad_role = admin.post(
        "/api/v1/organisations/asf/invitations",
        json={"email": world["outsider"].email, "role": "king"},
    )
    assert bad_role.status_code == 400
    by_member = login(world["member"]).post(
        "/api/v1/organisations/asf/invitations", json={"email": world["outsider"].email}
    )
    assert by_member.status_code == 403
    assert count(session, Membership) == 2


def test_invitee_declines(login, world, session):
    outsider = world["outsider"]
    login(world["admin"]).post(
        "/api/v1/organisations/asf/invitations", json={"email": outsider.email}
    )
    response = login(outsider).post(
        f"/api/v1/organisations/asf/members/{outsider.id}/decline", json={}
    )
    assert response.status_code == 204
    assert count(session, Membership) == 2


def test_join_request_flow(login, world, session):
    outsider = world["outsider"]
    asker = login(outsider)
    response = asker.post("/api/v1/organisations/asf/join-requests", json={})
    assert response.status_code == 201
    assert response.get_json()["status"] == "requested"
    assert asker.post("/api/v1/organisations/asf/join-requests", json={}).status_code == 409
    assert (
        asker.post(f"/api/v1/organisations/asf/members/{outsider.id}/accept", json={}).status_code
        == 403
    )
    admin = login(world["admin"])
    requests = admin.get("/api/v1/organisations/asf/members?status=requested").get_json()
    assert [m["user_id"] for m in requests["items"]] == [outsider.id]
    accepted = admin.post(f"/api/v1/organisations/asf/members/{outsider.id}/accept", json={})
    assert accepted.status_code == 200
    stored = session.scalar(select(Membership).where(Membership.user_id == outsider.id))
    assert stored.status is MembershipStatus.ACTIVE
    assert stored.decided_by_id == world["admin"].id


def test_admin_declines_a_request(login, world, session):
    outsider = world["outsider"]
    login(outsider).post("/api/v1/organisations/asf/join-requests", json={})
    member = login(world["member"])
    assert (
        member.post(f"/api/v1/organisations/asf/members/{outsider.id}/decline", json={}).status_code
        == 403
    )
    admin = login(world["admin"])
    assert (
        admin.post(f"/api/v1/organisations/asf/members/{outsider.id}/decline", json={}).status_code
        == 204
    )
    assert admin.get("/api/v1/organisations/asf/members?status=requested").get_json()["total"] == 0


def test_roles_and_the_last_admin(login, world, session):
    admin_user, member_user = world["admin"], world["member"]
    admin, member = login(admin_user), login(member_user)
    path = "/api/v1/organisations/asf/members"
    assert member.patch(f"{path}/{member_user.id}", json={"role": "admin"}).status_code == 403
    assert admin.patch(f"{path}/{admin_user.id}", json={"role": "member"}).status_code == 409
    assert admin.delete(f"{path}/{admin_user.id}").status_code == 409
    assert admin.patch(f"{path}/{member_user.id}", json={"role": "boss"}).status_code == 400
    assert admin.patch(f"{path}/{member_user.id}", json={"role": 3}).status_code == 422
    promoted = admin.patch(f"{path}/{member_user.id}", json={"role": "admin"})
    assert promoted.status_code == 200
    assert promoted.get_json()["role"] == "admin"
    assert admin.delete(f"{path}/{admin_user.id}").status_code == 204
    remaining = member.get(path).get_json()["items"]
    assert [(m["user_id"], m["role"]) for m in remaining] == [(member_user.id, "admin")]
    assert admin.get("/api/v1/organisations/asf").get_json()["my_membership"] is None
    assert admin.delete(f"{path}/{world['outsider'].id}").status_code == 403
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"membership.role_changed", "membership.left"} <= actions


def test_admin_removes_a_member(login, world, session):
    member_user = world["member"]
    admin = login(world["admin"])
    assert admin.delete(f"/api/v1/organisations/asf/members/{member_user.id}").status_code == 204
    assert admin.delete(f"/api/v1/organisations/asf/members/{member_user.id}").status_code == 404
    assert count(session, Membership) == 1


def test_verification_by_platform_admins_only(login, world, session):
    path = "/api/v1/organisations/asf/verification"
    assert login(world["admin"]).post(path, json={}).status_code == 403
    platform = login(world["platform"])
    verified = platform.post(path, json={})
    assert verified.status_code == 200
    assert verified.get_json()["verified"] is True
    assert platform.post(path, json={}).status_code == 409
    stored = session.get(Organisation, world["org"].id)
    session.refresh(stored)
    assert stored.verified_by_id == world["platform"].id
    assert login(world["member"]).delete(path).status_code == 403
    withdrawn = platform.delete(path)
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["verified"] is False
    actions = list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "organisation")
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["organisation.verified", "organisation.unverified"]


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/organisations",
        "/api/v1/organisations/{slug}",
        "/api/v1/organisations/{slug}/members/{user_id}",
        "/api/v1/me/memberships",
    ):
        assert path in paths
