"""The meetings API: the documented nouns, error shapes, and who sees registrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from diaspora_hub.core.db import utcnow
from diaspora_hub.meetings.models import Registration

pytestmark = pytest.mark.postgres


def _body(**changes: Any) -> dict[str, Any]:
    start = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    body = {
        "title": "Diaspora bonds",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "time_zone": "America/St_Johns",
        "registration": "approval",
        "capacity": 10,
        "video_url": "https://meet.jit.si/diaspora-bonds",
        "agenda": [{"title": "Welcome", "minutes": 5, "owner": "Chair"}],
        "categories": [
            {"key": "delegate", "label": "Delegate", "capacity": 3, "for_organisations": True},
            {"key": "press", "label": "Press", "capacity": 1},
        ],
    }
    body.update(changes)
    return body


def test_schedule_register_approve_through_the_api(world, login, session):
    facilitator = login(world.facilitator)
    created = facilitator.post("/api/v1/spaces/remittances/meetings", json=_body())
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["state"] == "scheduled"
    assert meeting["time_zone"] == "America/St_Johns"
    assert [c["key"] for c in meeting["categories"]] == ["delegate", "press"]
    listed = login(world.member).get("/api/v1/spaces/remittances/meetings").get_json()
    assert listed["total"] == 1

    delegate = login(world.delegate)
    registered = delegate.post(
        f"/api/v1/meetings/{meeting['id']}/registrations",
        json={"category": "delegate", "organisation": "asf"},
    )
    assert registered.status_code == 201, registered.get_json()
    registration = registered.get_json()
    assert registration["status"] == "pending"
    assert registration["organisation"]["slug"] == "asf"

    again = delegate.post(
        f"/api/v1/meetings/{meeting['id']}/registrations",
        json={"category": "delegate", "organisation": "asf"},
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"

    approve = f"/api/v1/meetings/{meeting['id']}/registrations/{registration['id']}/approve"
    wrong = delegate.post(approve, json={})
    assert wrong.status_code == 403
    assert delegate.get(f"/api/v1/meetings/{meeting['id']}/registrations").status_code == 403
    approved = facilitator.post(approve, json={})
    assert approved.get_json()["status"] == "approved"
    everyone = facilitator.get(f"/api/v1/meetings/{meeting['id']}/registrations").get_json()
    assert [r["user"]["display_name"] for r in everyone] == ["Fatou Delegate"]


def test_full_press_category_answers_409_with_the_field(world, login, session):
    meeting = (
        login(world.facilitator)
        .post("/api/v1/spaces/remittances/meetings", json=_body(registration="open"))
        .get_json()
    )
    path = f"/api/v1/meetings/{meeting['id']}/registrations"
    assert login(world.member).post(path, json={"category": "press"}).status_code == 201
    full = login(world.other_member).post(path, json={"category": "press"})
    assert full.status_code == 409
    assert "category" in full.get_json()["error"]["fields"]
    queued = login(world.other_member).post(path, json={"category": "press", "waiting_list": True})
    assert queued.get_json()["status"] == "waiting"
    assert session.scalar(select(func.count()).select_from(Registration)) == 2


def test_bad_input_is_400_or_422_and_stores_nothing(world, login):
    facilitator = login(world.facilitator)
    path = "/api/v1/spaces/remittances/meetings"
    assert facilitator.post(path, json=_body(video_url="ftp://x")).status_code == 400
    assert facilitator.post(path, json=_body(capacity="many")).status_code == 422
    huge = facilitator.post(path, json=_body(title="x" * 500))
    assert huge.status_code == 413
    assert login(world.member).post(path, json=_body()).status_code == 403
    assert facilitator.get("/api/v1/spaces/remittances/meetings").get_json()["total"] == 0


def test_patch_changes_and_slots_are_documented(app, world, login):
    facilitator = login(world.facilitator)
    meeting = facilitator.post("/api/v1/spaces/remittances/meetings", json=_body()).get_json()
    patched = facilitator.patch(f"/api/v1/meetings/{meeting['id']}", json={"title": "Bonds"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["title"] == "Bonds"
    assert patched.get_json()["sequence"] == 1
    ranking = facilitator.get(
        f"/api/v1/meetings/{meeting['id']}/slots?from=2026-12-07&days=2"
    ).get_json()
    assert ranking["people"] == 4
    assert set(ranking["blocs"]) == {"diaspora", "government"}
    series = facilitator.get(
        "/api/v1/spaces/remittances/meetings/slots?from=2026-12-07&days=5&count=3&minutes=90"
    ).get_json()
    assert series["series"] is True
    assert len(series["candidates"]) == 3
    bad = facilitator.get("/api/v1/spaces/remittances/meetings/slots?days=40")
    assert bad.status_code == 400
    assert login(world.member).get("/api/v1/spaces/remittances/meetings/slots").status_code == 403
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/spaces/{slug}/meetings",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/meetings/{meeting_id}.ics",
        "/api/v1/meetings/{meeting_id}/registrations",
        "/api/v1/meetings/{meeting_id}/slots",
        "/api/v1/calendar/{token}.ics",
    ):
        assert path in spec["paths"], path
