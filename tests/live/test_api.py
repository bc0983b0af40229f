"""The rooms API and pages: opening and listing rooms, state, the event log, transcripts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from diaspora_hub.live.models import Room, RoomEvent
from diaspora_hub.spaces.models import Visibility
from tests import factories
from tests.live.conftest import Connect, World, emit, joined

pytestmark = pytest.mark.postgres


def rooms_of(session, space) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Room.title).where(Room.space_id == space.id)))


# Opening and listing ------------------------------------------------------------------------


def test_a_facilitator_opens_a_room(login, session, world):
    client = login(world.facilitator)
    response = client.post(
        f"/api/v1/spaces/{world.space.slug}/rooms",
        json={
            "title": "Mobile money",
            "mode": "chatham_house",
            "agenda": ["Welcome", {"title": "Interoperability", "minutes": 25}],
            "video_url": "https://meet.example.org/mobile-money",
            "locked": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["mode"] == "chatham_house"
    assert body["agenda"] == [
        {"title": "Welcome", "minutes": None},
        {"title": "Interoperability", "minutes": 25},
    ]
    assert body["locked"] is True
    assert body["last_seq"] == 1
    assert body["space"] == {"slug": world.space.slug, "title": world.space.title}
    opened = session.scalar(select(RoomEvent).where(RoomEvent.room_id == body["id"]))
    assert opened.type == "room.opened"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"mode": "open"}, 400, "title"),
        ({"title": "x" * 201}, 413, "title"),
        ({"title": "Room", "mode": "secret"}, 400, "mode"),
        ({"title": "Room", "video_url": "javascript:alert(1)"}, 400, "video_url"),
        ({"title": "Room", "agenda": [{"minutes": 5}]}, 400, "agenda"),
        ({"title": "Room", "locked": "perhaps"}, 422, "locked"),
    ],
)
def test_bad_rooms_are_refused(login, session, world, payload, status, field):
    client = login(world.facilitator)
    response = client.post(f"/api/v1/spaces/{world.space.slug}/rooms", json=payload)
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert len(rooms_of(session, world.space)) == 2


def test_only_facilitators_open_rooms(client, login, session, world):
    url = f"/api/v1/spaces/{world.space.slug}/rooms"
    assert client.post(url, json={"title": "Anon"}).status_code == 401
    assert login(world.amina).post(url, json={"title": "Mine"}).status_code == 403
    hidden = factories.space(session, visibility=Visibility.INVITE)
    session.commit()
    response = login(world.amina).post(f"/api/v1/spaces/{hidden.slug}/rooms", json={"title": "x"})
    assert response.status_code == 404
    assert len(rooms_of(session, world.space)) == 2


def test_rooms_are_listed_newest_first(client, world):
    response = client.get(f"/api/v1/spaces/{world.space.slug}/rooms?per_page=1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2
    assert [room["title"] for room in body["items"]] == ["Closed-door consultation"]


# State and log --------------------------------------------------------------------------------


def test_room_state_needs_a_person_who_may_join(client, login, world):
    url = f"/api/v1/rooms/{world.open_room.id}"
    assert client.get(url).status_code == 401
    outsider = login(world.outsider).get(url)
    assert outsider.status_code == 403
    assert outsider.get_json()["error"]["code"] == "conduct_required"
    state = login(world.amina).get(url).get_json()
    assert state["room"]["title"] == "Remittance costs"
    assert state["you"]["facilitator"] is False
    assert "speaking_time" not in state
    assert "speaking_time" in login(world.facilitator).get(url).get_json()
    assert login(world.amina).get("/api/v1/rooms/999999").status_code == 404


def test_events_after_serves_the_same_log_as_the_socket(live_client, login, world):
    amina = live_client(world.amina)
    joined(amina, world.open_room)
    for n in range(3):
        emit(amina, "say", {"room": world.open_room.id, "body": f"m{n}", "client_id": f"m{n}"})
    live = [m["args"][0] for m in amina.queue if m["name"] == "event"]
    http = login(world.bruno)
    page = http.get(f"/api/v1/rooms/{world.open_room.id}/events?after=1&limit=2").get_json()
    assert page["items"] == live[:2]
    assert page["has_more"] is True
    assert page["last_seq"] == 4
    rest = http.get(f"/api/v1/rooms/{world.open_room.id}/events?after=3").get_json()
    assert rest["items"] == live[2:]
    assert rest["has_more"] is False
    bad = http.get(f"/api/v1/rooms/{world.open_room.id}/events?limit=0")
    assert bad.status_code == 400


def test_audit_trail_is_for_facilitators(live_client, login, world):
    facilitator = live_client(world.facilitator)
    amina = live_client(world.amina)
    joined(facilitator, world.open_room)
    joined(amina, world.open_room)
    emit(
        facilitator,
        "moderate",
        {"room": world.open_room.id, "action": "mute", "user": world.amina.id},
    )
    emit(facilitator, "lock", {"room": world.open_room.id, "locked": True})
    url = f"/api/v1/rooms/{world.open_room.id}/audit"
    trail = login(world.facilitator).get(url).get_json()
    assert [entry["action"] for entry in trail["items"]] == [
        "room.locked",
        "room.participant_muted",
        "room.opened",
    ]
    assert trail["items"][1]["details"] == {"user_id": world.amina.id}
    assert login(world.amina).get(url).status_code == 403


# Transcripts ----------------------------------------------------------------------------------


def _meeting(live_client: Connect, world: World, room: Room) -> Any:
    facilitator = live_client(world.facilitator)
    amina = live_client(world.amina)
    joined(facilitator, room)
    joined(amina, room)
    said = emit(amina, "say", {"room": room.id, "body": "Lower the fees", "client_id": "1"})
    hidden = emit(amina, "say", {"room": room.id, "body": "Off topic rant", "client_id": "2"})
    emit(facilitator, "hide", {"room": room.id, "seq": hidden["seq"]})
    return said


def test_transcripts_for_facilitators_in_both_formats(live_client, login, world):
    _meeting(live_client, world, world.open_room)
    client = login(world.facilitator)
    markdown = client.get(f"/api/v1/rooms/{world.open_room.id}/transcript.md")
    assert markdown.status_code == 200
    assert markdown.mimetype == "text/markdown"
    assert "attachment" in markdown.headers["Content-Disposition"]
    text = markdown.get_data(as_text=True)
    assert text.startswith("# Remittance costs")
    assert "Amina Diallo (Senegalese Diaspora Union, Diaspora):** Lower the fees" in text
    assert "Off topic rant" not in text
    assert "(a message hidden by the facilitators)" in text
    record = client.get(f"/api/v1/rooms/{world.open_room.id}/transcript.json").get_json()
    assert [m.get("body") for m in record["messages"]] == ["Lower the fees", None]
    assert record["messages"][1]["hidden"] is True
    participant = login(world.amina)
    assert participant.get(f"/api/v1/rooms/{world.open_room.id}/transcript.md").status_code == 403
    assert participant.get(f"/api/v1/rooms/{world.open_room.id}/transcript.json").status_code == 403


def test_transcripts_of_chatham_house_rooms_name_no_one(live_client, login, world):
    _meeting(live_client, world, world.chatham_room)
    client = login(world.facilitator)
    for extension in ("md", "json"):
        response = client.get(f"/api/v1/rooms/{world.chatham_room.id}/transcript.{extension}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        for identity in ("Amina", "Senegalese Diaspora Union", "Fatou", "SDU"):
            assert identity not in text
        assert not re.search(r"\b9100[1-5]\b", text)
        assert "Lower the fees" in text
    record = json.loads(text)
    assert record["messages"][0]["speaker"] == {"bloc": "diaspora"}


# Pages -------------------------------------------------------------------------------------


def test_rooms_page_lists_rooms_and_offers_the_form_to_facilitators(client, login, world):
    page = client.get(f"/spaces/{world.space.slug}/rooms")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Remittance costs" in html
    assert "Chatham House rule" in html
    assert 'name="title"' not in html
    form = login(world.facilitator).get(f"/spaces/{world.space.slug}/rooms").get_data(as_text=True)
    assert 'name="title"' in form
    assert 'name="csrf_token"' in form
    assert client.get("/spaces/no-such-space/rooms").status_code == 404


def test_the_form_opens_a_room_without_javascript(app, login, session, world):
    app.config["WTF_CSRF_ENABLED"] = False
    client = login(world.facilitator)
    response = client.post(
        f"/spaces/{world.space.slug}/rooms",
        data={
            "title": "Diaspora bonds",
            "mode": "open",
            "agenda": "Welcome\n\nBonds\n",
            "video_url": "",
        },
    )
    assert response.status_code == 303
    room = session.scalar(select(Room).where(Room.title == "Diaspora bonds"))
    assert response.headers["Location"].endswith(f"/rooms/{room.id}")
    assert room.agenda == [
        {"title": "Welcome", "minutes": None},
        {"title": "Bonds", "minutes": None},
    ]
    assert room.video_url is None
    assert not room.is_locked
    invalid = client.post(f"/spaces/{world.space.slug}/rooms", data={"title": "", "mode": "open"})
    assert invalid.status_code == 400
    html = invalid.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert session.scalar(select(func.count(Room.id))) == 3


def test_room_page_is_a_shell_for_the_browser_code(client, login, world):
    assert client.get(f"/rooms/{world.open_room.id}").status_code == 302
    response = login(world.amina).get(f"/rooms/{world.open_room.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for element in (
        "room-status",
        "presence",
        "chat-log",
        "chat-form",
        "queue",
        "polls",
        "agenda",
        "reactions",
        "questions",
    ):
        assert f'id="{element}"' in html, element
    assert '<script type="module" src="/static/build/room.js?v=' in html
    assert "needs JavaScript" in html
    assert "Fees" in html  # agenda item
    blob = re.search(r'<script type="application/json" id="room-data">(.*?)</script>', html, re.S)
    assert blob is not None
    data = json.loads(blob.group(1))
    assert data["room"] == world.open_room.id
    assert data["user"] == {"id": world.amina.id, "role": "participant"}
    assert data["last_seq"] == 1
    assert data["can_join"] is True
    assert "transcript" not in html
    facilitator = (
        login(world.facilitator).get(f"/rooms/{world.open_room.id}").get_data(as_text=True)
    )
    assert f"/rooms/{world.open_room.id}/transcript.md" in facilitator


def test_room_page_says_why_someone_cannot_join(login, world):
    html = login(world.outsider).get(f"/rooms/{world.open_room.id}").get_data(as_text=True)
    assert "code of conduct" in html
    assert '"can_join": false' in html


def test_transcript_download_page(live_client, login, world):
    _meeting(live_client, world, world.open_room)
    response = login(world.facilitator).get(f"/rooms/{world.open_room.id}/transcript.md")
    assert response.status_code == 200
    assert "Lower the fees" in response.get_data(as_text=True)
    assert login(world.amina).get(f"/rooms/{world.open_room.id}/transcript.json").status_code == 403
