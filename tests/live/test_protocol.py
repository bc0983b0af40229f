"""Every frame the server sends matches the protocol (``live.protocol``) exactly.

A whole meeting runs in an open room and in a Chatham House room — every client event, by
facilitators and participants, refusals too — and each received frame (events, presence,
states, notices, acknowledgements, refused connections) is validated strictly: a key the
protocol does not know, a missing one or a value of another type fails.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient
from pydantic import ConfigDict, TypeAdapter, ValidationError
from socketio import packet
from sqlalchemy.orm import Session

from diaspora_hub.extensions import db, socketio
from diaspora_hub.live import events, screen, service
from diaspora_hub.live.events import LiveNamespace
from diaspora_hub.live.models import Room, RoomMode
from diaspora_hub.live.protocol.log import EventsPage, RoomEvent
from diaspora_hub.live.protocol.replies import ConnectError, Refusal
from diaspora_hub.live.protocol.shapes import ReactionCounts, RoomState
from diaspora_hub.live.protocol.socket import CLIENT_EVENTS, SERVER_EVENTS
from tests.live.conftest import NAMESPACE, Connect, World, emit

pytestmark = pytest.mark.postgres

STRICT = ConfigDict(extra="forbid", strict=True)


@cache
def _adapter(hint: Any) -> TypeAdapter[Any]:
    # A list around the type carries the configuration into every typed dict inside it.
    return TypeAdapter(list[hint], config=STRICT)


def conforms(hint: Any, value: Any) -> None:
    """Fail the test with pydantic's account of where ``value`` departs from ``hint``."""
    try:
        _adapter(hint).validate_python([value])
    except ValidationError as error:
        pytest.fail(f"not a {getattr(hint, '__name__', hint)}: {error}\n{value!r}")


class Recorder:
    """The frames one person's client received, and their acknowledgements by event."""

    def __init__(self, client: SocketIOTestClient) -> None:
        self.client = client
        self.acks: list[tuple[str, Any]] = []

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        ack = emit(self.client, event, payload)
        self.acks.append((event, ack))
        return ack

    def frames(self) -> list[tuple[str, Any]]:
        return [(m["name"], m["args"][0]) for m in self.client.queue if m["namespace"] == NAMESPACE]


def check(recorders: dict[str, Recorder]) -> set[str]:
    """Validate everything received; the names of the frames and acks seen."""
    seen: set[str] = set()
    for recorder in recorders.values():
        for name, payload in recorder.frames():
            conforms(SERVER_EVENTS[name], payload)
            seen.add(name if name != "event" else f"event:{payload['type']}")
        for event, ack in recorder.acks:
            if ack["ok"]:
                conforms(CLIENT_EVENTS[event].ack, ack)
                seen.add(f"ack:{event}")
            else:
                conforms(Refusal, ack)
                seen.add(f"refusal:{ack['error']['code']}")
    return seen


SCREEN_ITEM: dict[str, Any] = {
    "kind": "recommendation",
    "id": 1,
    "title": "Cap remittance fees at 3%",
    "url": "/recommendations/1",
    "state": "consultation",
    "version": 1,
    "closes_at": None,
    "tally": {
        "outcome": "short",
        "frozen": False,
        "min_support": 60,
        "blocs": [
            {
                "bloc": "diaspora",
                "support": 1,
                "reservations": 0,
                "oppose": 0,
                "abstain": 0,
                "organisations": 1,
                "eligible": 2,
                "share": 100,
            }
        ],
        "holding_back": [{"bloc": "government", "reason": "too_few"}],
    },
}


def put_on_screen(app: Flask, world: World, room: Room) -> None:
    """What a domain above live does with the room's screen: show, update, clear."""
    with app.app_context(), Session(db.engine) as session:
        facilitator = session.merge(world.facilitator, load=False)
        deliveries = [
            screen.show(session, facilitator, room.id, item=SCREEN_ITEM),
            screen.refresh(session, room.id, item=SCREEN_ITEM),
            screen.clear(session, facilitator, room.id),
        ]
        screen.send_after_commit(session, [d for d in deliveries if d is not None])
        session.commit()


def meeting(world: World, room: Room, live_client: Connect) -> dict[str, Recorder]:
    """A facilitator and three participants do everything a room offers."""
    people = {
        "facilitator": world.facilitator,
        "amina": world.amina,
        "bruno": world.bruno,
        "chen": world.chen,
    }
    recorders = {name: Recorder(live_client(user)) for name, user in people.items()}

    def act(name: str, event: str, ok: bool = True, **payload: Any) -> Any:
        ack = recorders[name].send(event, {"room": room.id, **payload})
        assert ack["ok"] is ok, (event, ack)
        return ack

    for name in recorders:
        act(name, "join")
    act("amina", "presence")
    said = act("amina", "say", body="Fees eat a tenth of what we send home.", client_id="a-1")
    act("amina", "say", body="Fees eat a tenth of what we send home.", client_id="a-1")
    act("bruno", "say", body="We are listening.", client_id="b-1")
    act("chen", "hand", up=True)
    act("chen", "hand", up=True)
    act("bruno", "hand", up=True)
    act("amina", "hand", up=True)
    act("amina", "hand", up=False)
    act("facilitator", "queue_mode", mode="first_time_first")
    act("facilitator", "floor", user=world.chen.id)
    act("facilitator", "floor", user=world.bruno.id)
    named = act(
        "facilitator",
        "poll_open",
        question="Cap fees at 3%?",
        choices=["Yes", "No"],
        anonymous=False,
    )["poll"]
    hidden = act(
        "facilitator",
        "poll_open",
        question="Which corridor first?",
        choices=["SN → FR", "PH → CA", "CO → ES"],
        multiple=True,
        results="on_close",
    )["poll"]
    act("amina", "poll_vote", poll=named, choices=[0])
    act("bruno", "poll_vote", poll=named, choices=[1])
    act("chen", "poll_vote", poll=hidden, choices=[0, 2])
    act("facilitator", "poll_close", poll=named)
    act("facilitator", "poll_close", poll=hidden)
    question = act("chen", "ask", body="Who audits the providers?")["question"]
    other = act("amina", "ask", body="Can remittances fund pensions?")
    act("amina", "upvote", question=question)
    act("amina", "upvote", question=question)
    act("bruno", "upvote", question=question)
    act("bruno", "upvote", question=question, up=False)
    act("bruno", "questions", offset=1)
    act("facilitator", "questions")
    act("facilitator", "answer", question=question)
    act("amina", "react", emoji="clap")
    act("facilitator", "agenda", item=0)
    put_on_screen(recorders["facilitator"].client.app, world, room)
    act("facilitator", "hide", seq=said["seq"])
    act("facilitator", "hide", seq=other["seq"])
    act("facilitator", "lock", locked=True)
    act("facilitator", "lock", locked=False)
    act("facilitator", "moderate", action="mute", user=world.bruno.id)
    act("bruno", "say", ok=False, body="Let me speak", client_id="b-2")
    act("facilitator", "moderate", action="unmute", user=world.bruno.id)
    act("facilitator", "floor", user=world.chen.id)
    act("facilitator", "moderate", action="remove", user=world.chen.id)
    act("facilitator", "moderate", action="readmit", user=world.chen.id)
    act("facilitator", "floor", user=world.bruno.id)
    act("facilitator", "floor", user=None)
    # Refusals: not a facilitator, a bad value, a wrong type, unknown keys.
    act("amina", "lock", ok=False, locked=True)
    act("amina", "poll_vote", ok=False, poll=named, choices=[0, 1])
    act("amina", "agenda", ok=False, item="1")
    act("amina", "react", ok=False, emoji="clap", extra=True)
    # Bruno drops and comes back, replaying everything from the start, then leaves.
    recorders["bruno"].client.disconnect(namespace=NAMESPACE)
    recorders["bruno"].client.connect(namespace=NAMESPACE)
    act("bruno", "join", since=0)
    act("bruno", "leave")
    return recorders


def test_a_whole_meeting_in_an_open_room_follows_the_protocol(live_client, world, login):
    recorders = meeting(world, world.open_room, live_client)
    seen = check(recorders)
    expected = {f"event:{kind}" for kind in _event_types()} - {
        "event:room.opened",
        "event:room.mode",
    }
    assert expected <= seen
    assert {f"ack:{name}" for name in CLIENT_EVENTS} <= seen
    assert {"presence", "state", "notice", "refusal:forbidden", "refusal:muted"} <= seen
    assert {"refusal:validation_failed", "refusal:wrong_type"} <= seen
    http = login(world.chen)
    room = world.open_room.id
    conforms(EventsPage, http.get(f"/api/v1/rooms/{room}/events?after=0&limit=500").get_json())
    conforms(RoomState, http.get(f"/api/v1/rooms/{room}").get_json())


def test_a_whole_meeting_in_a_chatham_house_room_follows_the_protocol(live_client, world, login):
    recorders = meeting(world, world.chatham_room, live_client)
    seen = check(recorders)
    assert {f"ack:{name}" for name in CLIENT_EVENTS} <= seen
    assert {"presence", "state", "notice", "event:poll.voted", "event:moderation"} <= seen
    http = login(world.amina)
    room = world.chatham_room.id
    conforms(EventsPage, http.get(f"/api/v1/rooms/{room}/events?after=0&limit=500").get_json())
    conforms(RoomState, http.get(f"/api/v1/rooms/{room}").get_json())


def test_a_room_turning_chatham_house_and_a_large_room_follow_the_protocol(app, live_client, world):
    app.config["LIVE_PRESENCE_LIST_LIMIT"] = 1
    recorders = {
        name: Recorder(live_client(user))
        for name, user in (("facilitator", world.facilitator), ("amina", world.amina))
    }
    recorders["bruno"] = Recorder(live_client(world.bruno))
    for recorder in recorders.values():
        assert recorder.send("join", {"room": world.open_room.id})["ok"]
    assert recorders["amina"].send("presence", {"room": world.open_room.id})["ok"]
    with app.test_request_context():
        session = db.session()
        outcome = service.set_mode(
            session, world.facilitator, world.open_room.id, RoomMode.CHATHAM_HOUSE
        )
        session.commit()
        events.deliver(outcome.deliveries)
    seen = check(recorders)
    assert {"event:room.mode", "state", "presence"} <= seen


def test_the_first_event_of_a_room_and_ended_sessions_follow_the_protocol(
    live_client, world, login
):
    http = login(world.amina)
    amina = Recorder(live_client(None, http=http))
    joined = amina.send("join", {"room": world.open_room.id, "since": 0})
    assert joined["events"][0]["type"] == "room.opened"
    assert http.post("/api/v1/auth/logout", json={}).status_code == 204
    seen = check({"amina": amina})
    assert {"ack:join", "notice"} <= seen


def test_refused_connections_follow_the_protocol(app, live_client):
    client = live_client(None)
    listening = socketio.server._send_packet
    found: list[Any] = []

    def observe(eio_sid: str, pkt: packet.Packet) -> None:
        if pkt.packet_type == packet.CONNECT_ERROR:
            found.append(pkt.data)
        listening(eio_sid, pkt)

    # The test client keeps no connect error: listen in on its delivery, then connect again.
    socketio.server._send_packet = observe
    try:
        client.connect(namespace=NAMESPACE)
        client.connect(namespace=NAMESPACE, headers={"Origin": "http://evil.example"})
    finally:
        socketio.server._send_packet = listening
    assert len(found) == 2
    for refusal in found:
        conforms(ConnectError, refusal)
    assert [refusal["data"]["code"] for refusal in found] == ["unauthorised", "forbidden_origin"]


def _event_types() -> set[str]:
    return {member.__annotations__["type"].__args__[0] for member in RoomEvent.__value__.__args__}


def test_the_protocol_names_every_handler_reaction_and_event_type():
    handlers = {name[3:] for name in vars(LiveNamespace) if name.startswith("on_")}
    assert handlers - {"connect", "disconnect"} == set(CLIENT_EVENTS)
    assert tuple(ReactionCounts.__annotations__) == service.REACTION_NAMES
    assert len(_event_types()) == len(RoomEvent.__value__.__args__)
