"""Each room feature over Socket.IO: its acknowledgement and what the others receive."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from diaspora_hub.core.audit import AuditEntry
from tests.live.conftest import NAMESPACE, drain, emit, joined, received

pytestmark = pytest.mark.postgres


@pytest.fixture
def room(live_client, world):
    """The open room with the facilitator, Amina (diaspora), Bruno (government), Chen (IO)."""
    clients = {
        "facilitator": live_client(world.facilitator),
        "amina": live_client(world.amina),
        "bruno": live_client(world.bruno),
        "chen": live_client(world.chen),
    }
    for client in clients.values():
        joined(client, world.open_room)
    drain(*clients.values())
    room_id = world.open_room.id

    def act(name: str, event: str, **payload):
        return emit(clients[name], event, {"room": room_id, **payload})

    act.clients = clients  # type: ignore[attr-defined]
    return act


def last_event(client, kind: str):
    events = [e for e in received(client, "event") if e["type"] == kind]
    assert events, kind
    return events[-1]


def test_hands_floor_and_queue_modes(room, world):
    clients = room.clients
    assert room("bruno", "floor", user=world.bruno.id)["error"]["code"] == "forbidden"
    assert room("facilitator", "floor", user=world.bruno.id)["ok"]
    assert room("facilitator", "floor", user=None)["ok"]
    for name in ("bruno", "amina", "chen"):
        ack = room(name, "hand", up=True)
        assert ack["ok"]
        assert ack["up"] is True
    assert ack["position"] == 3
    assert room("chen", "hand", up=True) == {
        "ok": True,
        "up": True,
        "ticket": ack["ticket"],
        "position": 3,
        "seq": None,
    }
    queue = last_event(clients["amina"], "hand")["data"]["queue"]
    assert [entry["person"]["name"] for entry in queue] == [
        "Bruno Gomes",
        "Amina Diallo",
        "Chen Wei",
    ]
    assert [entry["first_time"] for entry in queue] == [False, True, True]

    assert room("facilitator", "queue_mode", mode="first_time_first")["ok"]
    reordered = last_event(clients["bruno"], "queue.mode")["data"]["queue"]
    assert [entry["person"]["name"] for entry in reordered] == [
        "Amina Diallo",
        "Chen Wei",
        "Bruno Gomes",
    ]

    assert room("facilitator", "floor", user=world.amina.id)["ok"]
    floor = last_event(clients["chen"], "floor")
    assert floor["data"]["speaker"]["person"]["name"] == "Amina Diallo"
    assert floor["data"]["speaker"]["since"]
    assert [entry["person"]["name"] for entry in floor["data"]["queue"]] == [
        "Chen Wei",
        "Bruno Gomes",
    ]
    assert "speaking_time" not in floor["data"]
    full = last_event(clients["facilitator"], "floor")
    assert set(full["data"]["speaking_time"]["by_bloc"]) == {
        "diaspora",
        "government",
        "io",
        "other",
    }


def test_polls_by_bloc_with_results_hidden_until_close(room, world):
    clients = room.clients
    opened = room(
        "facilitator",
        "poll_open",
        question="Cap fees at 3%?",
        choices=["Yes", "No"],
        results="on_close",
    )
    assert opened["ok"]
    poll = opened["poll"]
    shown = last_event(clients["amina"], "poll.opened")["data"]["poll"]
    assert shown["choices"] == ["Yes", "No"]
    assert shown["results_hidden"] is True
    assert "results" not in shown
    assert room("amina", "poll_vote", poll=poll, choices=[0])["ok"]
    assert room("bruno", "poll_vote", poll=poll, choices=[1])["ok"]
    assert (
        room("chen", "poll_vote", poll=poll, choices=[0, 1])["error"]["code"] == "validation_failed"
    )
    assert room("chen", "poll_vote", poll=poll, choices=[0])["ok"]
    voted = last_event(clients["bruno"], "poll.voted")
    assert voted["data"] == {"poll": poll, "voters": 3, "results_hidden": True}
    assert voted["actor"] is None  # anonymous
    assert last_event(clients["facilitator"], "poll.voted")["data"]["results"]["counts"] == [2, 1]
    assert room("amina", "poll_close", poll=poll)["error"]["code"] == "forbidden"
    assert room("facilitator", "poll_close", poll=poll)["ok"]
    results = last_event(clients["amina"], "poll.closed")["data"]["poll"]["results"]
    assert results["counts"] == [2, 1]
    assert results["by_bloc"]["diaspora"]["counts"] == [1, 0]
    assert results["by_bloc"]["government"]["counts"] == [0, 1]
    assert results["by_bloc"]["io"]["counts"] == [1, 0]
    assert room("amina", "poll_vote", poll=poll, choices=[1])["error"]["code"] == "conflict"


def test_questions_upvotes_and_answers(room, world):
    clients = room.clients
    asked = room("amina", "ask", body="How will providers be audited?")
    assert asked["ok"]
    question = last_event(clients["chen"], "question.asked")["data"]["question"]
    assert question["body"] == "How will providers be audited?"
    assert question["asker"]["name"] == "Amina Diallo"
    up = room("chen", "upvote", question=asked["question"])
    assert up == {"ok": True, "question": asked["question"], "votes": 1, "seq": up["seq"]}
    assert last_event(clients["amina"], "question.upvoted")["data"] == {
        "question": asked["question"],
        "votes": 1,
        "up": True,
    }
    assert room("facilitator", "answer", question=asked["question"])["ok"]
    assert room("facilitator", "answer", question=asked["question"])["error"]["code"] == "conflict"
    assert last_event(clients["bruno"], "question.answered")["data"] == {
        "question": asked["question"]
    }


def test_reactions_are_counted_for_the_room(room):
    clients = room.clients
    room("amina", "react", emoji="clap")
    room("bruno", "react", emoji="clap")
    ack = room("chen", "react", emoji="thanks")
    assert ack["counts"]["clap"] == 2
    assert ack["counts"]["thanks"] == 1
    assert last_event(clients["facilitator"], "reaction")["data"]["counts"] == ack["counts"]
    assert room("chen", "react", emoji="💩")["error"]["code"] == "validation_failed"


def test_agenda_moves_for_everyone(room):
    clients = room.clients
    assert room("facilitator", "agenda", item=1) == {"ok": True, "current": 1, "seq": 2}
    for client in clients.values():
        assert last_event(client, "agenda")["data"] == {
            "current": 1,
            "item": {"title": "Fees", "minutes": 20},
        }
    assert room("facilitator", "agenda", item=9)["error"]["code"] == "conflict"


def test_moderation_hide_mute_lock_are_audited(room, session, world, live_client):
    clients = room.clients
    said = room("bruno", "say", body="Off-topic rant", client_id="r")
    assert room("facilitator", "hide", seq=said["seq"])["ok"]
    hidden = last_event(clients["amina"], "hidden")
    assert hidden["data"] == {"target": said["seq"], "kind": "message"}

    assert room("facilitator", "moderate", action="mute", user=world.bruno.id)["ok"]
    (state,) = received(clients["bruno"], "state")
    assert state["you"]["muted"] is True
    assert room("bruno", "say", body="Let me speak", client_id="m")["error"]["code"] == "muted"
    assert last_event(clients["amina"], "moderation")["data"]["action"] == "mute"

    assert room("facilitator", "lock", locked=True) == {"ok": True, "locked": True, "seq": 5}
    assert last_event(clients["chen"], "room.locked")["data"] == {"locked": True}
    newcomer = live_client(world.outsider)
    assert emit(newcomer, "join", {"room": world.open_room.id})["ok"] is False
    clients["chen"].disconnect(namespace=NAMESPACE)
    clients["chen"].connect(namespace=NAMESPACE)
    assert emit(clients["chen"], "join", {"room": world.open_room.id})["ok"]  # admitted before

    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "room", AuditEntry.target_id == world.open_room.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "room.opened",
        "room.message_hidden",
        "room.participant_muted",
        "room.locked",
    ]
