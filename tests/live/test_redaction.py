"""Chatham House redaction finds a person by the shape of their reference, not by the key it
sits under: a payload of a kind the room has never sent, with people under new keys, in
lists and deep inside, reaches participants with blocs only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.live import service
from diaspora_hub.live.models import Room, RoomEvent
from tests.live.conftest import Connect, World, emit
from tests.live.test_chatham_house import IDENTITIES, USER_ID

pytestmark = pytest.mark.postgres


def nomination(app: Flask, session: Session, world: World, room: Room) -> dict[str, Any]:
    """Store an event naming Amina under keys no redaction rule has heard of."""
    with app.test_request_context():
        amina = service.person_ref(service.register_participant(session, room, world.amina))
        data = {
            "nominee": amina,
            "panel": [{"member": amina, "role": "chair"}, amina],
            "ballot": {"round": {"leader": amina, "margin": 2}},
        }
        room = session.get(Room, room.id) or room
        room.last_seq += 1
        session.add(
            RoomEvent(
                room_id=room.id,
                seq=room.last_seq,
                type="nomination",
                actor_id=None,
                payload={"actor": None, "data": data},
                created_at=utcnow(),
            )
        )
        session.commit()
    return data


def the_nomination(ack: dict[str, Any]) -> dict[str, Any]:
    (event,) = [e for e in ack["events"] if e["type"] == "nomination"]
    data: dict[str, Any] = event["data"]
    return data


def test_a_person_under_a_new_key_reaches_participants_as_a_bloc(
    app, session, live_client: Connect, login, world
):
    room = world.chatham_room
    nomination(app, session, world, room)
    bruno = live_client(world.bruno)
    ack = emit(bruno, "join", {"room": room.id})
    assert ack["ok"], ack
    events = login(world.chen).get(f"/api/v1/rooms/{room.id}/events").get_json()
    raw = json.dumps([ack, events], ensure_ascii=False)
    for identity in IDENTITIES:
        assert identity not in raw
    assert not USER_ID.search(raw)
    assert world.diaspora_org.slug not in raw
    assert the_nomination(ack) == {
        "nominee": {"bloc": "diaspora"},
        "panel": [{"member": {"bloc": "diaspora"}, "role": "chair"}, {"bloc": "diaspora"}],
        "ballot": {"round": {"leader": {"bloc": "diaspora"}, "margin": 2}},
    }


def test_facilitators_and_open_rooms_still_see_who_it_is(app, session, live_client: Connect, world):
    stored = nomination(app, session, world, world.chatham_room)
    nomination(app, session, world, world.open_room)
    facilitator = live_client(world.facilitator)
    assert the_nomination(emit(facilitator, "join", {"room": world.chatham_room.id})) == stored
    bruno = live_client(world.bruno)
    assert the_nomination(emit(bruno, "join", {"room": world.open_room.id})) == stored


def test_exports_of_chatham_house_rooms_keep_blocs_of_people_under_any_key(app, session, world):
    with app.test_request_context():
        amina = service.person_ref(
            service.register_participant(session, world.chatham_room, world.amina)
        )
    record = {"appendix": {"signatories": [amina]}, "chair": amina}
    assert service.anonymised(record) == {
        "appendix": {"signatories": [{"bloc": "diaspora"}]},
        "chair": {"bloc": "diaspora"},
    }
