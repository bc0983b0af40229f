"""Organisation pages: they render, show errors next to fields, refuse forged posts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.organisations.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
)
from tests import factories

FORM = {
    "name": "Nigerian Diaspora in Berlin",
    "acronym": "NDB",
    "kind": "diaspora",
    "slug": "",
    "country_of_origin": "NG",
    "country_of_residence": "DE",
    "countries": ["AT", "CH"],
    "website": "https://ndb.example.org",
    "description": "We meet **monthly**. <script>alert(1)</script>",
}


def csrf_token(client: FlaskClient, path: str = "/organisations") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})})


def organisations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


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
        description="Helping *newcomers*.\n\n<img src=x onerror=alert(1)>",
        countries=["BE"],
        members={people["admin"]: Role.ADMIN, people["member"]: Role.MEMBER},
    )
    factories.organisation(session, slug="oecd", name="OECD", kind=OrganisationKind.IO)
    session.commit()
    return {**people, "org": org}


def test_list_marks_unverified_organisations_and_filters(client, world):
    page = client.get("/organisations").get_data(as_text=True)
    assert "ASF Paris" in page
    assert "OECD" in page
    assert page.count('class="badge unverified"') == 1
    assert page.count('class="badge verified"') == 1
    assert 'href="/organisations/asf"' in page
    assert "2 organisations found." in page
    only_io = client.get("/organisations?kind=io&country=&verified=&q=").get_data(as_text=True)
    assert "OECD" in only_io
    assert "ASF Paris" not in only_io
    unverified = client.get("/organisations?verified=no").get_data(as_text=True)
    assert "ASF Paris" in unverified
    assert "OECD" not in unverified
    by_name = client.get("/organisations?q=asf").get_data(as_text=True)
    assert "1 organisation found." in by_name


def test_list_paginates(client, session):
    for n in range(25):
        factories.organisation(session, name=f"Group {n:02d}")
    session.commit()
    first = client.get("/organisations").get_data(as_text=True)
    assert "25 organisations found." in first
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    second = client.get("/organisations?page=2").get_data(as_text=True)
    assert "Group 24" in second
    assert "Group 00" not in second


def test_list_with_a_bad_filter_says_so(client, world):
    response = client.get("/organisations?kind=club")
    assert response.status_code == 400
    assert 'id="kind-error"' in response.get_data(as_text=True)


def test_detail_for_the_public_shows_the_count_only(client, world):
    response = client.get("/organisations/asf")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>ASF Paris" in page
    assert 'class="badge unverified"' in page
    assert "Not verified yet" in page
    assert "Senegal (SN)" in page
    assert "France (FR)" in page
    assert "Belgium (BE)" in page
    assert "Diaspora organisation" in page
    assert "<em>newcomers</em>" in page
    assert "<img" not in page
    assert "2 active members." in page
    assert "Awa Admin" not in page
    assert "to ask to join" in page
    assert client.get("/organisations/nobody").status_code == 404


def test_detail_for_members_lists_members_with_roles(login, world):
    page = login(world["member"]).get("/organisations/asf").get_data(as_text=True)
    assert "Awa Admin" in page
    assert "Organisation admin" in page
    assert "You are a member, as: Member." in page
    assert "/organisations/asf/edit" not in page
    assert "Verify this organisation" not in page
    admin_page = login(world["admin"]).get("/organisations/asf").get_data(as_text=True)
    assert "/organisations/asf/edit" in admin_page
    assert "/organisations/asf/members" in admin_page
    platform_page = login(world["platform"]).get("/organisations/asf").get_data(as_text=True)
    assert "Awa Admin" in platform_page
    assert "Verify this organisation" in platform_page


def test_register_form_creates_and_redirects(login, make_user, session):
    person = make_user()
    client = login(person)
    assert client.get("/organisations/new").status_code == 200
    response = post(client, "/organisations/new", FORM)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/organisations/nigerian-diaspora-in-berlin")
    stored = session.scalar(select(Organisation))
    assert stored is not None
    assert (stored.acronym, stored.countries) == ("NDB", ["AT", "CH"])
    membership = session.scalar(select(Membership))
    assert membership is not None
    assert (membership.user_id, membership.role) == (person.id, Role.ADMIN)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is registered" in page
    assert 'class="badge unverified"' in page
    assert "<script>" not in page


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"country_of_origin": ""}, "country_of_origin", 400),
        ({"country_of_residence": "XX"}, "country_of_residence", 400),
        ({"kind": ""}, "kind", 400),
        ({"website": "ftp://example.org"}, "website", 400),
        ({"name": ""}, "name", 400),
        ({"slug": "new"}, "slug", 400),
        ({"name": "x" * 201}, "name", 413),
    ],
)
def test_register_form_errors_are_shown_next_to_fields(
    login, make_user, session, change, field, status
):
    client = login(make_user())
    response = post(client, "/organisations/new", {**FORM, **change})
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page)
    assert 'value="Nigerian Diaspora in Berlin"' in page or field == "name"
    assert organisations(session) == 0


def test_register_form_taken_slug_is_a_conflict(login, world, session):
    client = login(world["outsider"])
    response = post(client, "/organisations/new", {**FORM, "slug": "asf"})
    assert response.status_code == 409
    assert 'id="slug-error"' in response.get_data(as_text=True)
    assert organisations(session) == 2


def test_forms_without_csrf_token_are_refused(login, world, session):
    client = login(world["admin"])
    response = client.post("/organisations/new", data=FORM)
    assert response.status_code == 400
    assert organisations(session) == 2
    forged = client.post("/organisations/asf/invitations", data={"email": world["outsider"].email})
    assert forged.status_code == 400
    join = login(world["outsider"]).post("/organisations/asf/join")
    assert join.status_code == 400
    assert session.scalar(select(func.count()).select_from(Membership)) == 2


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/organisations/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_edit_page(login, world, session):
    assert login(world["member"]).get("/organisations/asf/edit").status_code == 403
    client = login(world["admin"])
    form = client.get("/organisations/asf/edit").get_data(as_text=True)
    assert 'value="ASF Paris"' in form
    assert '<option value="SN" selected>' in form
    assert '<option value="BE" selected>' in form
    data = {
        "name": "ASF Paris",
        "acronym": "",
        "kind": "diaspora",
        "country_of_origin": "SN",
        "country_of_residence": "FR",
        "website": "",
        "description": "Updated",
    }
    bad = post(client, "/organisations/asf/edit", {**data, "country_of_origin": "ZZ"})
    assert bad.status_code == 400
    assert 'id="country_of_origin-error"' in bad.get_data(as_text=True)
    session.expire_all()
    assert session.get(Organisation, world["org"].id).description.startswith("Helping")
    saved = post(client, "/organisations/asf/edit", data)
    assert saved.status_code == 303
    session.expire_all()
    stored = session.get(Organisation, world["org"].id)
    assert (stored.description, stored.countries) == ("Updated", [])


def test_members_page_invites_and_shows_errors(login, world, session):
    assert login(world["member"]).get("/organisations/asf/members").status_code == 403
    client = login(world["admin"])
    page = client.get("/organisations/asf/members").get_data(as_text=True)
    assert "Moussa Member" in page
    unknown = post(
        client, "/organisations/asf/invitations", {"email": "ghost@example.org", "role": "member"}
    )
    assert unknown.status_code == 400
    assert "There is no account with this email." in unknown.get_data(as_text=True)
    assert 'id="email-error"' in unknown.get_data(as_text=True)
    invited = post(
        client,
        "/organisations/asf/invitations",
        {"email": world["outsider"].email, "role": "liaison"},
    )
    assert invited.status_code == 303
    page = client.get("/organisations/asf/members").get_data(as_text=True)
    assert "Withdraw the invitation of Olu Outsider" in page


def test_last_admin_cannot_step_down_on_the_members_page(login, world, session):
    client = login(world["admin"])
    admin_id = world["admin"].id
    response = post(
        client,
        f"/organisations/asf/members/{admin_id}/role",
        {"role": "member", "back": "members"},
    )
    assert response.status_code == 409
    assert "needs at least one admin" in response.get_data(as_text=True)
    left = post(client, f"/organisations/asf/members/{admin_id}/remove", {"back": "detail"})
    assert left.status_code == 409
    membership = session.scalar(select(Membership).where(Membership.user_id == admin_id))
    assert membership is not None
    assert membership.role is Role.ADMIN


def test_invitee_accepts_on_my_organisations_page(login, world, session):
    outsider = world["outsider"]
    post(
        login(world["admin"]),
        "/organisations/asf/invitations",
        {"email": outsider.email, "role": "delegate"},
    )
    client = login(outsider)
    page = client.get("/me/organisations").get_data(as_text=True)
    assert "Accept the invitation to ASF Paris" in page
    assert 'class="badge unverified"' in page
    response = post(client, f"/organisations/asf/members/{outsider.id}/accept", {"back": "mine"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/me/organisations")
    page = client.get("/me/organisations").get_data(as_text=True)
    assert "Leave ASF Paris" in page
    membership = session.scalar(select(Membership).where(Membership.user_id == outsider.id))
    assert membership is not None
    assert (membership.status, membership.role) == (MembershipStatus.ACTIVE, Role.DELEGATE)


def test_join_request_accepted_on_the_members_page(login, world, session):
    outsider = world["outsider"]
    asker = login(outsider)
    assert post(asker, "/organisations/asf/join", {"back": "detail"}).status_code == 303
    assert "You asked to join" in asker.get("/organisations/asf").get_data(as_text=True)
    admin = login(world["admin"])
    assert "Accept Olu Outsider" in admin.get("/organisations/asf/members").get_data(as_text=True)
    accepted = post(admin, f"/organisations/asf/members/{outsider.id}/accept", {"back": "members"})
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith("/organisations/asf/members")
    membership = session.scalar(select(Membership).where(Membership.user_id == outsider.id))
    assert membership is not None
    assert membership.is_active


def test_verification_buttons(login, world, session):
    refused = post(login(world["admin"]), "/organisations/asf/verify")
    assert refused.status_code == 403
    client = login(world["platform"])
    assert post(client, "/organisations/asf/verify").status_code == 303
    page = client.get("/organisations/asf").get_data(as_text=True)
    assert 'class="badge verified"' in page
    assert "Withdraw verification" in page
    assert post(client, "/organisations/asf/unverify").status_code == 303
    session.expire_all()
    assert not session.get(Organisation, world["org"].id).is_verified
