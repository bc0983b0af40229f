"""Outside events: interest, nominations within quota, the facilitator's decision, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from diaspora_hub.core.db import utcnow
from diaspora_hub.meetings.models import Nomination, OutsideEvent
from diaspora_hub.organisations.models import Membership, Role

pytestmark = pytest.mark.postgres


def _event(**changes: Any) -> dict[str, Any]:
    start = utcnow() + timedelta(days=30)
    body: dict[str, Any] = {
        "title": "Global Forum on Remittances",
        "host": "World Bank Group",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=2)).isoformat(),
        "nominations_close_at": (start - timedelta(days=10)).isoformat(),
        "quota": 1,
        "eligible_kinds": ["diaspora"],
        "eligible_levels": ["doctoral", "professional"],
    }
    body.update(changes)
    return body


@pytest.fixture
def event(world, login, session) -> dict[str, Any]:
    session.add(Membership(user=world.liaison, organisation=world.diaspora, role=Role.MEMBER))
    session.commit()
    response = login(world.facilitator).post(
        "/api/v1/spaces/remittances/outside-events", json=_event()
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Nomination)) or 0


def test_only_facilitators_post_and_bad_windows_are_refused(world, login):
    path = "/api/v1/spaces/remittances/outside-events"
    assert login(world.delegate).post(path, json=_event()).status_code == 403
    late = _event(nominations_close_at=(utcnow() + timedelta(days=40)).isoformat())
    response = login(world.facilitator).post(path, json=late)
    assert response.status_code == 400
    assert "nominations_close_at" in response.get_json()["error"]["fields"]


def test_interest_nomination_within_quota_and_approval(world, login, session, event):
    base = f"/api/v1/outside-events/{event['id']}"
    member = login(world.member)
    interest = member.post(f"{base}/interest", json={"organisation": "asf", "level": "doctoral"})
    assert interest.status_code == 201, interest.get_json()
    student = login(world.other_member).post(
        f"{base}/interest", json={"organisation": "asf", "level": "student"}
    )
    assert student.status_code == 409
    assert "level" in student.get_json()["error"]["fields"]
    government = login(world.liaison).post(
        f"{base}/interest", json={"organisation": world.government.slug, "level": "professional"}
    )
    assert government.status_code == 403
    again = member.post(f"{base}/interest", json={"organisation": "asf", "level": "doctoral"})
    assert again.status_code == 409
    liaison = login(world.liaison).post(
        f"{base}/interest", json={"organisation": "asf", "level": "professional"}
    )
    assert liaison.status_code == 201

    delegate = login(world.delegate)
    seen = delegate.get(f"{base}/interest").get_json()
    assert {i["user"]["display_name"] for i in seen} == {"José Member", "Moussa Liaison"}
    assert (
        member.post(
            f"{base}/nominations", json={"organisation": "asf", "user_id": world.member.id}
        ).status_code
        == 403
    )
    first = delegate.post(
        f"{base}/nominations", json={"organisation": "asf", "user_id": world.member.id}
    )
    assert first.status_code == 201, first.get_json()
    over = delegate.post(
        f"{base}/nominations", json={"organisation": "asf", "user_id": world.liaison.id}
    )
    assert over.status_code == 409
    assert "quota" in over.get_json()["error"]["message"]
    assert _count(session) == 1

    nomination = first.get_json()["id"]
    assert delegate.post(f"{base}/nominations/{nomination}/approve", json={}).status_code == 403
    declined = login(world.facilitator).post(f"{base}/nominations/{nomination}/decline", json={})
    assert declined.get_json()["status"] == "declined"
    second = delegate.post(
        f"{base}/nominations", json={"organisation": "asf", "user_id": world.liaison.id}
    )
    assert second.status_code == 201
    approved = login(world.facilitator).post(
        f"{base}/nominations/{second.get_json()['id']}/approve", json={}
    )
    assert approved.get_json()["status"] == "approved"

    exported = login(world.facilitator).get(f"{base}/nominations.csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["person"], r["status"], r["level"]) for r in rows] == [
        ("José Member", "declined", "doctoral"),
        ("Moussa Liaison", "approved", "professional"),
    ]
    assert rows[0]["organisation"] == "Sénégalais de France"
    assert rows[0]["bloc"] == "diaspora"
    assert delegate.get(f"{base}/nominations.csv").status_code == 403


def test_nominations_close(world, login, session, event):
    found = session.get(OutsideEvent, event["id"])
    found.nominations_close_at = utcnow() - timedelta(minutes=1)
    session.commit()
    response = login(world.member).post(
        f"/api/v1/outside-events/{event['id']}/interest",
        json={"organisation": "asf", "level": "doctoral"},
    )
    assert response.status_code == 409
    assert "closed" in response.get_json()["error"]["message"]


def test_outside_event_pages(world, login, session):
    session.add(Membership(user=world.liaison, organisation=world.diaspora, role=Role.MEMBER))
    session.commit()
    facilitator = login(world.facilitator)
    form = facilitator.get("/spaces/remittances/outside-events/new")
    token = re.search(r'name="csrf-token" content="([^"]+)"', form.get_data(as_text=True))
    assert token
    day = (utcnow() + timedelta(days=40)).date()
    close = (utcnow() + timedelta(days=20)).date()
    posted = facilitator.post(
        "/spaces/remittances/outside-events/new",
        data={
            "csrf_token": token.group(1),
            "title": "IMF Spring Meetings side event",
            "host": "IMF",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T17:00",
            "nominations_close_at": f"{close}T12:00",
            "quota": "2",
            "eligible_kinds": ["diaspora"],
            "eligible_levels": ["professional"],
        },
    )
    assert posted.status_code == 303, posted.get_data(as_text=True)
    event = session.scalar(select(OutsideEvent))
    assert event is not None
    member = login(world.member)
    page = member.get(f"/outside-events/{event.id}").get_data(as_text=True)
    assert "I would like to go" in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    shown = member.post(
        f"/outside-events/{event.id}/interest",
        data={"csrf_token": token.group(1), "organisation": "asf", "level": "professional"},
    )
    assert shown.status_code == 303
    delegate_page = login(world.delegate).get(f"/outside-events/{event.id}").get_data(True)
    assert "Nominate José Member" in delegate_page
    listing = member.get("/spaces/remittances/outside-events").get_data(as_text=True)
    assert "IMF Spring Meetings side event" in listing
