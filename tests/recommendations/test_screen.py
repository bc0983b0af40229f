"""A recommendation on a live room's screen: endorsements during the meeting move the bars
for everyone in the room, and a Chatham House room never hears who endorsed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from diaspora_hub.live import service as live
from diaspora_hub.live.models import RoomMode
from tests.live.conftest import NAMESPACE, emit, joined, live_client, received
from tests.recommendations.conftest import consulted, draft

pytestmark = pytest.mark.postgres

__all__ = ["live_client"]


def _room(session, world, mode: RoomMode):
    with world.app.test_request_context():
        room = live.open_room(
            session, world.facilitator, world.space.slug, title="Meeting", mode=mode
        )
        session.commit()
    return room


def _events(client, kind: str) -> list[dict[str, Any]]:
    return [e for e in received(client, "event") if e["type"] == kind]


def test_endorsements_move_the_bars_live_and_name_nobody(session, world, login, live_client):
    room = _room(session, world, RoomMode.CHATHAM_HOUSE)
    recommendation = consulted(session, world)
    chair = live_client(world.facilitator)
    listener = live_client(world.outsider)
    joined(chair, room)
    joined(listener, room)
    received(chair)
    received(listener)

    shown = login(world.facilitator).post(
        f"/api/v1/recommendations/{recommendation.id}/screen", json={"room": room.id}
    )
    assert shown.status_code == 200, shown.get_json()
    [event] = _events(listener, "screen.shown")
    assert event["data"]["item"]["title"] == recommendation.title
    assert event["actor"] is None

    given = login(world.delegate_a).post(
        f"/api/v1/recommendations/{recommendation.id}/endorsements", json={"position": "support"}
    )
    assert given.status_code == 200
    [update] = _events(listener, "screen.updated")
    diaspora = next(b for b in update["data"]["item"]["tally"]["blocs"] if b["bloc"] == "diaspora")
    assert (diaspora["support"], diaspora["share"]) == (1, 100)
    for payload in (event, update, *_events(chair, "screen.updated")):
        raw = json.dumps(payload)
        for leak in ("Fatou", world.org_a.name, world.org_a.slug, str(world.delegate_a.id)):
            assert leak not in raw

    # Joining later replays what is on screen with the room's other events.
    late = live_client(world.member_a)
    ack = emit(late, "join", {"room": room.id})
    assert [e["type"] for e in ack["events"]][-2:] == ["screen.shown", "screen.updated"]


def test_only_facilitators_show_and_drafts_stay_off_screen(session, world, login, live_client):
    room = _room(session, world, RoomMode.OPEN)
    recommendation = consulted(session, world)
    for who in (world.delegate_a, world.outsider):
        refused = login(who).post(
            f"/api/v1/recommendations/{recommendation.id}/screen", json={"room": room.id}
        )
        assert refused.status_code == 403
    unopened = draft(session, world, title="Not yet")
    assert (
        login(world.facilitator)
        .post(f"/api/v1/recommendations/{unopened.id}/screen", json={"room": room.id})
        .status_code
        == 409
    )
    wrong_room = login(world.facilitator).post(
        f"/api/v1/recommendations/{recommendation.id}/screen", json={"room": 99999}
    )
    assert wrong_room.status_code == 400
    listener = live_client(world.outsider)
    ack = emit(listener, "join", {"room": room.id})
    assert all(not e["type"].startswith("screen.") for e in ack["events"])
    assert listener.is_connected(NAMESPACE)


def test_a_hidden_tally_shows_the_title_only_and_endorsements_stay_silent(
    session, world, login, live_client
):
    room = _room(session, world, RoomMode.OPEN)
    recommendation = consulted(session, world)
    rule = {
        "min_support": "3/5",
        "min_organisations": 2,
        "min_blocs": 2,
        "scope": "every_bloc",
        "weighting": "equal",
        "block": "1/3",
        "hide_tallies": True,
    }
    facilitator = login(world.facilitator)
    assert (
        facilitator.put("/api/v1/spaces/remittances/recommendation-rule", json=rule).status_code
        == 200
    )
    listener = live_client(world.outsider)
    joined(listener, room)
    received(listener)
    facilitator.post(f"/api/v1/recommendations/{recommendation.id}/screen", json={"room": room.id})
    [event] = _events(listener, "screen.shown")
    assert event["data"]["item"]["tally"] is None
    login(world.delegate_a).post(
        f"/api/v1/recommendations/{recommendation.id}/endorsements", json={"position": "support"}
    )
    assert _events(listener, "screen.updated") == []
