"""Chatham House rooms: what participants receive never identifies a person, only a bloc.

The tests run a whole meeting and inspect every raw payload a participant's client got —
events, presence, states, notices and acknowledgements — for names, organisations and
user ids (the world's people have ids 91001 to 91005, which appear nowhere else).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask_socketio import SocketIOTestClient

from tests.live.conftest import NAMESPACE, Connect, World, emit, received

pytestmark = pytest.mark.postgres

IDENTITIES = (
    "Amina Diallo",
    "Bruno Gomes",
    "Chen Wei",
    "Fatou Facilitator",
    "Senegalese Diaspora Union",
    "SDU",
    "Ministry of Senegalese Abroad",
    "Remittance Agency",
)
USER_ID = re.compile(r"\b9100[1-5]\b")


def person_dicts(value: Any, key: str | None = None) -> list[dict[str, Any]]:
    """Every dict found under a key that names a person."""
    found = []
    if isinstance(value, dict):
        wrapper = "person" in value  # e.g. {"speaker": {"person": …, "since": …}}
        if key in {"actor", "person", "speaker", "asker", "voter", "user"} and not wrapper:
            found.append(value)
        for k, v in value.items():
            found += person_dicts(v, k)
    elif isinstance(value, list):
        for item in value:
            found += person_dicts(item, key if key in {"people", "votes", "queue"} else None)
    return found


def assert_anonymous(payloads: list[Any]) -> None:
    raw = json.dumps(payloads, ensure_ascii=False)
    for identity in IDENTITIES:
        assert identity not in raw
    assert not USER_ID.search(raw)
    assert '"client_id"' not in raw
    for person in person_dicts(payloads):
        assert set(person) <= {"bloc"}, person


def run_meeting(
    world: World, live_client: Connect
) -> tuple[dict[str, SocketIOTestClient], dict[str, list[Any]]]:
    """A facilitator and three participants go through everything a room offers."""
    room = world.chatham_room.id
    clients = {
        "facilitator": live_client(world.facilitator),
        "amina": live_client(world.amina),
        "bruno": live_client(world.bruno),
        "chen": live_client(world.chen),
    }
    acks: dict[str, list[Any]] = {name: [] for name in clients}

    def act(name: str, event: str, **payload: Any) -> Any:
        ack = emit(clients[name], event, {"room": room, **payload})
        assert ack["ok"], (event, ack)
        acks[name].append(ack)
        return ack

    for name in clients:
        act(name, "join")
    said = act("amina", "say", body="Fees eat a tenth of what we send home.", client_id="a-1")
    act("bruno", "say", body="We are listening.", client_id="b-1")
    act("chen", "hand", up=True)
    act("bruno", "hand", up=True)
    act("facilitator", "queue_mode", mode="first_time_first")
    act("facilitator", "floor", user=world.chen.id)
    act("facilitator", "floor", user=world.bruno.id)
    poll = act(
        "facilitator",
        "poll_open",
        question="Cap fees at 3%?",
        choices=["Yes", "No"],
        anonymous=False,
    )["poll"]
    act("amina", "poll_vote", poll=poll, choices=[0])
    act("bruno", "poll_vote", poll=poll, choices=[1])
    act("facilitator", "poll_close", poll=poll)
    question = act("chen", "ask", body="Who audits the providers?")["question"]
    act("amina", "upvote", question=question)
    act("facilitator", "answer", question=question)
    act("amina", "react", emoji="clap")
    act("facilitator", "agenda", item=0)
    act("facilitator", "hide", seq=said["seq"])
    act("facilitator", "moderate", action="mute", user=world.bruno.id)
    act("facilitator", "floor", user=None)
    # Bruno drops and comes back, replaying everything from the start.
    clients["bruno"].disconnect(namespace=NAMESPACE)
    clients["bruno"].connect(namespace=NAMESPACE)
    act("bruno", "join", since=0)
    return clients, acks


def test_participants_receive_blocs_only(live_client, world):
    clients, acks = run_meeting(world, live_client)
    seen = {name: received(clients[name]) + acks[name] for name in ("amina", "bruno", "chen")}
    for payloads in seen.values():
        assert_anonymous(payloads)
    # Blocs are still there: who spoke for which group is the point of the room.
    amina = json.dumps(seen["amina"])
    assert '"actor": {"bloc": "government"}' in amina
    assert '"speaker": {"person": {"bloc": "io"}' in amina


def test_facilitators_still_see_who_is_who(live_client, world):
    clients, acks = run_meeting(world, live_client)
    raw = json.dumps(received(clients["facilitator"]) + acks["facilitator"], ensure_ascii=False)
    for identity in ("Amina Diallo", "Bruno Gomes", "Chen Wei", "Senegalese Diaspora Union"):
        assert identity in raw
    assert str(world.amina.id) in raw
    assert "Fees eat a tenth" in raw  # the hidden message, for moderation


def test_participants_never_join_the_facilitators_channel(live_client, world):
    facilitator = live_client(world.facilitator)
    amina = live_client(world.amina)
    for client in (facilitator, amina):
        assert emit(client, "join", {"room": world.chatham_room.id})["ok"]
    received(facilitator)
    received(amina)
    emit(amina, "say", {"room": world.chatham_room.id, "body": "One copy", "client_id": "x"})
    mine = received(amina, "event")
    theirs = received(facilitator, "event")
    assert len(mine) == len(theirs) == 1
    assert mine[0]["actor"] == {"bloc": "diaspora"}
    assert theirs[0]["actor"]["name"] == "Amina Diallo"


def test_the_rest_log_and_state_hide_identities_from_participants(live_client, login, world):
    run_meeting(world, live_client)
    room = world.chatham_room.id
    http = login(world.chen)
    events = http.get(f"/api/v1/rooms/{room}/events?after=0&limit=500").get_json()
    state = http.get(f"/api/v1/rooms/{room}").get_json()
    assert events["items"]
    assert_anonymous([events, state])
    facilitator = login(world.facilitator)
    assert "Amina Diallo" in facilitator.get(f"/api/v1/rooms/{room}/events").get_data(as_text=True)


def test_open_rooms_name_people(live_client, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    for client in (amina, bruno):
        emit(client, "join", {"room": world.open_room.id})
    received(bruno)
    emit(amina, "say", {"room": world.open_room.id, "body": "Named", "client_id": "n"})
    (event,) = received(bruno, "event")
    assert event["actor"] == {
        "id": world.amina.id,
        "name": "Amina Diallo",
        "organisation": {
            "id": world.diaspora_org.id,
            "slug": world.diaspora_org.slug,
            "name": "Senegalese Diaspora Union",
            "acronym": "SDU",
        },
        "bloc": "diaspora",
    }
