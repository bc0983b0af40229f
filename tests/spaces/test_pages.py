"""The spaces pages, used the way a person with a browser (and no JavaScript) would."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.live import service as live
from diaspora_hub.organisations.models import Role
from diaspora_hub.spaces.models import (
    ConductAcceptance,
    Phase,
    Space,
    SpaceFacilitator,
    SpaceTag,
    TagKind,
    Visibility,
)
from tests import factories

pytestmark = pytest.mark.postgres

TARGET_10C = "reduce to less than 3 per cent the transaction costs of migrant remittances"


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found
    return found.group(1)


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Space)) or 0


def _tag(session: Session, space: Space, *tags: tuple[TagKind, str]) -> None:
    for kind, code in tags:
        session.add(SpaceTag(space=space, kind=kind, code=code))


@pytest.fixture
def chair(make_user):
    return make_user(can_facilitate=True, display_name="Lucía Herrera")


@pytest.fixture
def world(session, chair):
    member = factories.user(session)
    org = factories.organisation(
        session,
        slug="asf",
        name="Association des Sénégalais de France",
        members={member: Role.MEMBER},
    )
    remittances = factories.space(
        session,
        slug="remittances",
        title="Remittance costs",
        description="Lower the **cost** of sending money home.",
        facilitators=(chair,),
        organisations=(org,),
        conduct="Be respectful.",
    )
    _tag(
        session,
        remittances,
        (TagKind.GOAL, "10"),
        (TagKind.TARGET, "10.c"),
        (TagKind.COUNTRY, "SN"),
        (TagKind.LANGUAGE, "wo"),
    )
    bonds = factories.space(session, slug="bonds", title="Diaspora bonds", facilitators=(chair,))
    _tag(session, bonds, (TagKind.GOAL, "17"), (TagKind.COUNTRY, "MA"))
    bonds.phase = Phase.BUILDING
    hidden = factories.space(
        session,
        slug="hidden-talks",
        title="Remittance talks",
        visibility=Visibility.INVITE,
        facilitators=(chair,),
    )
    _tag(session, hidden, (TagKind.GOAL, "10"), (TagKind.TARGET, "10.c"), (TagKind.COUNTRY, "SN"))
    session.commit()
    return {"member": member}


# --- browsing ---------------------------------------------------------------------------


def test_the_list_has_a_filter_form_that_needs_no_javascript(client, world):
    page = client.get("/spaces")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    form = re.search(r'<form method="get" action="/spaces".*?</form>', html, re.S)
    assert form
    for name in ("sdg", "country", "phase", "language"):
        assert f'<select id="{name}" name="{name}"' in form.group(0)
    assert 'name="q" type="search"' in form.group(0)
    assert '<option value="10.c">' in form.group(0)
    assert '<option value="SN">Senegal</option>' in form.group(0)
    assert '<label for="sdg">' in form.group(0)
    assert "Remittance costs" in html
    assert "Diaspora bonds" in html
    assert "2 spaces" in html


PAGE_FILTERS: list[tuple[str, list[str], list[str]]] = [
    ("sdg=10", ["Remittance costs"], ["Diaspora bonds"]),
    ("sdg=10.c", ["Remittance costs"], ["Diaspora bonds"]),
    ("country=MA", ["Diaspora bonds"], ["Remittance costs"]),
    ("phase=building", ["Diaspora bonds"], ["Remittance costs"]),
    ("language=wo", ["Remittance costs"], ["Diaspora bonds"]),
    ("q=bonds", ["Diaspora bonds"], ["Remittance costs"]),
    ("sdg=&country=&phase=&language=&q=", ["Remittance costs", "Diaspora bonds"], []),
]


def test_filters_on_the_list_page(client, world):
    for query, shown, absent in PAGE_FILTERS:
        html = client.get(f"/spaces?{query}").get_data(as_text=True)
        for title in shown:
            assert title in html, query
        for title in absent:
            assert title not in html, query
        assert "Remittance talks" not in html


def test_selected_filters_stay_selected(client, world):
    html = client.get("/spaces?sdg=10.c&country=SN").get_data(as_text=True)
    assert '<option value="10.c" selected>' in html
    assert '<option value="SN" selected>Senegal</option>' in html


def test_unknown_filter_value_is_explained(client, world):
    page = client.get("/spaces?sdg=10.z")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Unknown SDG goal or target: 10.z." in html
    assert 'aria-invalid="true"' in html


def test_invisible_spaces_stay_hidden_from_pages(client, login, world, make_user):
    outsider = login(make_user())
    for visitor in (client, outsider):
        for query in ("", "?q=talks", "?sdg=10.c", "?country=SN"):
            assert "Remittance talks" not in visitor.get(f"/spaces{query}").get_data(as_text=True)
        assert visitor.get("/spaces/hidden-talks").status_code == 404
    assert "1 space" in client.get("/spaces?sdg=10.c").get_data(as_text=True)


# --- the space page ---------------------------------------------------------------------


def test_detail_shows_targets_places_people_organisations_and_conduct(client, world):
    page = client.get("/spaces/remittances")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Remittance costs</h1>" in html
    assert "<strong>cost</strong>" in html
    assert "Goal 10: Reduced inequalities" in html
    assert "Target 10.c" in html
    assert TARGET_10C in html
    assert "Senegal" in html
    assert "Wolof" in html
    assert "Phase: Exploration" in html
    assert "Lucía Herrera" in html
    assert 'href="/organisations/asf"' in html
    assert "Association des Sénégalais de France" in html
    assert "verified" in html
    assert "Be respectful." in html
    assert "Log in" in html
    assert "I accept version 1" not in html
    assert "Manage the space" not in html


def test_description_markdown_is_sanitised(client, session, chair):
    factories.space(
        session,
        slug="xss",
        facilitators=(chair,),
        description="<script>alert(1)</script> [x](javascript:alert(1))",
    )
    session.commit()
    html = client.get("/spaces/xss").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_accepting_the_conduct_from_the_page(login, session, world, make_user):
    person = make_user()
    browser = login(person)
    html = browser.get("/spaces/remittances").get_data(as_text=True)
    assert "I accept version 1 of the code of conduct" in html
    token = _csrf(browser, "/spaces/remittances")
    response = browser.post("/spaces/remittances/conduct/accept", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/spaces/remittances")
    html = browser.get("/spaces/remittances").get_data(as_text=True)
    assert "You accepted version 1 of the code of conduct." in html
    stored = session.scalar(select(ConductAcceptance).where(ConductAcceptance.user_id == person.id))
    assert stored.conduct.version == 1


def test_the_page_says_when_a_new_version_needs_accepting(login, session, world, chair, make_user):
    person = make_user()
    space = session.scalar(select(Space).where(Space.slug == "remittances"))
    session.add(ConductAcceptance(conduct=space.current_conduct, user_id=person.id))
    session.commit()
    login(chair).post("/api/v1/spaces/remittances/conduct/versions", json={"text": "Version two."})
    html = login(person).get("/spaces/remittances").get_data(as_text=True)
    assert "You accepted version 1; the code of conduct has changed since." in html
    assert "I accept version 2 of the code of conduct" in html


def test_accepting_without_the_csrf_token_is_refused(login, session, world, make_user):
    person = make_user()
    response = login(person).post("/spaces/remittances/conduct/accept", data={})
    assert response.status_code == 400
    assert session.scalar(select(func.count()).where(ConductAcceptance.user_id == person.id)) == 0


# --- opening and editing ----------------------------------------------------------------


def test_who_may_open_the_new_space_form(client, login, make_user, chair):
    assert client.get("/spaces/new").status_code == 302
    assert login(make_user()).get("/spaces/new").status_code == 403
    page = login(chair).get("/spaces/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("title", "slug", "description", "sdg", "countries", "languages", "visibility"):
        assert f'id="{name}" name="{name}"' in html
    assert '<optgroup label="Goal 10. Reduced inequalities">' in html


def test_opening_a_space_with_the_form(login, session, chair):
    factories.organisation(session, slug="asf")
    session.commit()
    browser = login(chair)
    token = _csrf(browser, "/spaces/new")
    response = browser.post(
        "/spaces/new",
        data={
            "csrf_token": token,
            "title": "Skills partnerships",
            "slug": "",
            "description": "Mobility of **skills**.",
            "sdg": ["8.8", "4"],
            "countries": ["MA", "ES"],
            "languages": ["ar"],
            "visibility": "members",
            "organisations": ["asf"],
            "conduct": "",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/spaces/skills-partnerships")
    space = session.scalar(select(Space).where(Space.slug == "skills-partnerships"))
    assert space.visibility is Visibility.MEMBERS
    assert space.codes(TagKind.GOAL) == ["4", "8"]
    assert space.codes(TagKind.TARGET) == ["8.8"]
    assert space.current_conduct.version == 1
    assert [f.user_id for f in space.facilitators] == [chair.id]
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "is open" in html
    assert "Manage the space" in html


FORM_ERRORS: list[tuple[dict[str, Any], int, str]] = [
    ({"title": ""}, 400, "Must not be empty."),
    ({"sdg": ["10.z"]}, 400, "Unknown SDG goal or target: 10.z."),
    ({"countries": ["XX"]}, 400, "Unknown country code: XX."),
    ({"languages": ["xx"]}, 400, "Unknown language code: xx."),
    ({"slug": "Bad Slug"}, 400, "Use lower-case letters"),
    ({"title": "x" * 201}, 413, "At most 200 characters."),
]


def test_form_errors_are_shown_and_nothing_is_stored(login, session, chair):
    browser = login(chair)
    token = _csrf(browser, "/spaces/new")
    for fields, status, message in FORM_ERRORS:
        data = {"csrf_token": token, "title": "Skills partnerships", "visibility": "public"}
        response = browser.post("/spaces/new", data={**data, **fields})
        assert response.status_code == status, fields
        html = response.get_data(as_text=True)
        assert message in html
        assert 'role="alert"' in html
        assert 'aria-invalid="true"' in html
    assert _count(session) == 0


def test_a_taken_slug_opens_the_space_at_a_free_address(login, session, chair):
    factories.space(session, slug="bonds", facilitators=(chair,))
    session.commit()
    browser = login(chair)
    token = _csrf(browser, "/spaces/new")
    response = browser.post(
        "/spaces/new",
        data={"csrf_token": token, "title": "Bonds", "slug": "bonds", "visibility": "public"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/spaces/bonds-")
    assert _count(session) == 2


def test_the_new_space_form_refuses_a_missing_csrf_token(login, session, chair):
    response = login(chair).post("/spaces/new", data={"title": "Forged", "visibility": "public"})
    assert response.status_code == 400
    assert _count(session) == 0


def test_editing_with_the_form(login, session, world, chair, make_user):
    browser = login(chair)
    page = browser.get("/spaces/remittances/edit")
    assert page.status_code == 200
    assert 'value="Remittance costs"' in page.get_data(as_text=True)
    assert '<option value="10.c" selected>' in page.get_data(as_text=True)
    token = _csrf(browser, "/spaces/remittances/edit")
    bad = browser.post(
        "/spaces/remittances/edit",
        data={"csrf_token": token, "title": "Renamed", "countries": ["XX"], "visibility": "public"},
    )
    assert bad.status_code == 400
    good = browser.post(
        "/spaces/remittances/edit",
        data={
            "csrf_token": token,
            "title": "Cheaper remittances",
            "description": "",
            "sdg": ["10.c"],
            "countries": ["SN", "ML"],
            "visibility": "members",
        },
    )
    assert good.status_code == 303
    space = session.scalar(select(Space).where(Space.slug == "remittances"))
    session.refresh(space)
    assert space.title == "Cheaper remittances"
    assert space.codes(TagKind.COUNTRY) == ["SN", "ML"]
    assert space.codes(TagKind.LANGUAGE) == []
    assert space.visibility is Visibility.MEMBERS
    assert login(make_user()).get("/spaces/bonds/edit").status_code == 403
    assert login(make_user()).get("/spaces/hidden-talks/edit").status_code == 404


# --- running a space --------------------------------------------------------------------


def test_manage_page_lists_what_a_facilitator_runs(login, world, chair, make_user):
    page = login(chair).get("/spaces/remittances/manage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Move to Building" in html
    assert "The last facilitator cannot be removed." in html
    assert "Association des Sénégalais de France" in html
    assert "Publish version 2" in html
    assert login(make_user()).get("/spaces/remittances/manage").status_code == 403


def test_facilitators_phase_and_conduct_from_the_manage_page(
    login, session, world, chair, make_user
):
    colleague = make_user(email="kofi@example.org", display_name="Kofi")
    browser = login(chair)
    token = _csrf(browser, "/spaces/remittances/manage")
    base = "/spaces/remittances/manage"

    unknown = browser.post(
        f"{base}/facilitators", data={"csrf_token": token, "facilitator_email": "ghost@x.org"}
    )
    assert unknown.status_code == 400
    assert 'id="facilitator_email-error"' in unknown.get_data(as_text=True)

    added = browser.post(
        f"{base}/facilitators",
        data={"csrf_token": token, "facilitator_email": "kofi@example.org"},
    )
    assert added.status_code == 303
    assert "Kofi now facilitates this space." in browser.get(base).get_data(as_text=True)

    moved = browser.post(f"{base}/phase", data={"csrf_token": token, "phase": "building"})
    assert moved.status_code == 303
    skipped = browser.post(f"{base}/phase", data={"csrf_token": token, "phase": "sustaining"})
    assert skipped.status_code == 409

    published = browser.post(f"{base}/conduct", data={"csrf_token": token, "text": "Be brief."})
    assert published.status_code == 303

    removed = browser.post(f"{base}/facilitators/{chair.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303

    kofi = login(colleague)
    last = kofi.post(
        f"{base}/facilitators/{colleague.id}/remove",
        data={"csrf_token": _csrf(kofi, base)},
    )
    assert last.status_code == 409
    assert "at least one facilitator" in last.get_data(as_text=True)

    space = session.scalar(select(Space).where(Space.slug == "remittances"))
    session.refresh(space)
    assert space.phase is Phase.BUILDING
    assert space.current_conduct.version == 2
    assert session.scalars(
        select(SpaceFacilitator.user_id).where(SpaceFacilitator.space_id == space.id)
    ).all() == [colleague.id]


def test_invitations_from_the_manage_page(login, session, world, chair, make_user):
    guest = make_user(email="guest@example.org")
    browser = login(chair)
    base = "/spaces/hidden-talks/manage"
    token = _csrf(browser, base)
    invited = browser.post(
        f"{base}/invitations", data={"csrf_token": token, "invitee_email": "guest@example.org"}
    )
    assert invited.status_code == 303
    assert login(guest).get("/spaces/hidden-talks").status_code == 200
    revoked = browser.post(f"{base}/invitations/{guest.id}/remove", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert login(guest).get("/spaces/hidden-talks").status_code == 404


def test_organisations_from_the_manage_page(login, session, world, chair):
    factories.organisation(session, slug="moe", name="Ministry of Emigrants")
    session.commit()
    browser = login(chair)
    base = "/spaces/bonds/manage"
    token = _csrf(browser, base)
    assert '<option value="moe">Ministry of Emigrants</option>' in browser.get(base).get_data(
        as_text=True
    )
    added = browser.post(f"{base}/organisations", data={"csrf_token": token, "organisation": "moe"})
    assert added.status_code == 303
    assert "Ministry of Emigrants" in browser.get("/spaces/bonds").get_data(as_text=True)
    removed = browser.post(f"{base}/organisations/moe/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert "Ministry of Emigrants" not in browser.get("/spaces/bonds").get_data(as_text=True)


def test_space_page_lists_its_calls_and_rooms_for_the_viewer(app, client, session, login):
    facilitator = factories.user(session, can_facilitate=True)
    space = factories.space(session, facilitators=(facilitator,), accepted_by=(facilitator,))
    live.open_room(
        session,
        facilitator,
        space.slug,
        title="Remittance corridors live",
        mode="open",
        agenda=[{"title": "Fees", "minutes": 20}],
    )
    session.commit()
    anonymous = client.get(f"/spaces/{space.slug}").get_data(as_text=True)
    assert "Remittance corridors live" in anonymous
    assert "No calls for input yet." in anonymous
    assert "Open a room" not in anonymous
    as_facilitator = login(facilitator).get(f"/spaces/{space.slug}").get_data(as_text=True)
    assert "Open a room" in as_facilitator
    assert "Post a call for input" in as_facilitator
