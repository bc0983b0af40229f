"""Organisations that cannot be passed off as others: a bounded number registered per
person and day, and a verified one that changes who it claims to be is checked again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from diaspora_hub.core.audit import AuditEntry
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import RateLimited
from diaspora_hub.organisations import service
from diaspora_hub.organisations.models import Organisation, Role
from tests import factories

pytestmark = pytest.mark.postgres


def _registered(session) -> int:
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


def _body(n: int) -> dict[str, str]:
    return {"name": f"Diaspora network {n}", "kind": "civil_society", "country_of_residence": "FR"}


def test_one_person_registers_a_bounded_number_a_day(app, session, login, make_user):
    app.config["ORGANISATIONS_PER_DAY"] = 2
    person = make_user()
    client = login(person)
    for n in range(2):
        assert client.post("/api/v1/organisations", json=_body(n)).status_code == 201
    refused = client.post("/api/v1/organisations", json=_body(3))
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert "2 organisations a day" in error["message"]
    assert _registered(session) == 2
    # Someone else is not held back by it, and a day later the person may register again.
    assert login(make_user()).post("/api/v1/organisations", json=_body(4)).status_code == 201
    session.execute(update(Organisation).values(created_at=utcnow() - timedelta(days=1, minutes=1)))
    session.commit()
    assert client.post("/api/v1/organisations", json=_body(5)).status_code == 201


def test_the_form_says_so_too(app, session, login, make_user):
    app.config["ORGANISATIONS_PER_DAY"] = 1
    person = make_user()
    client = login(person)
    assert client.post("/api/v1/organisations", json=_body(0)).status_code == 201
    page = client.get("/organisations/new").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/organisations/new", data={"csrf_token": token, **_body(1)})
    assert response.status_code == 429
    assert "1 organisation a day" in response.get_data(as_text=True)
    assert _registered(session) == 1


def test_the_default_bound_holds(session, make_user):
    person = make_user()
    for n in range(service.ORGANISATIONS_PER_DAY):
        service.create_organisation(session, person, _body(n))
    with pytest.raises(RateLimited):
        service.create_organisation(session, person, _body(99))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Association des Senegalais de France"),
        ("acronym", "A.S.F"),
        ("website", "https://asf-paris.example.org"),
        ("kind", "civil_society"),
    ],
)
def test_changing_who_it_claims_to_be_sends_it_back_to_verification(
    session, login, make_user, field, value
):
    admin = make_user()
    org = factories.organisation(
        session,
        slug="asf",
        name="Association des Sénégalais de France",
        acronym="ASF",
        website="https://asf.example.org",
        members={admin: Role.ADMIN},
    )
    session.commit()
    response = login(admin).patch("/api/v1/organisations/asf", json={field: value})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["verified"] is False
    session.expire_all()
    assert session.get(Organisation, org.id).verified_at is None
    listed = login(make_user(is_admin=True)).get("/api/v1/organisations?verified=false")
    assert [o["slug"] for o in listed.get_json()["items"]] == ["asf"]
    reasons = session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "organisation.unverified")
    ).all()
    assert reasons == [{"reason": "identity_changed"}]
