"""Floods and bounds: every live write has a per-person limit, and a join carries a bounded
amount of history (the rest on request)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.live.models import RoomEvent, RoomQuestion
from tests.live.conftest import Connect, World, drain, emit, joined, received

pytestmark = pytest.mark.postgres


def _stored(session: Session) -> tuple[int, int]:
    session.expire_all()
    events = session.scalar(select(func.count()).select_from(RoomEvent)) or 0
    questions = session.scalar(select(func.count()).select_from(RoomQuestion)) or 0
    return events, questions


@pytest.fixture
def in_room(world: World, live_client: Connect) -> tuple[SocketIOTestClient, SocketIOTestClient]:
    """The facilitator and Amina, connected and in the open room."""
    fatou = live_client(world.facilitator)
    amina = live_client(world.amina)
    joined(fatou, world.open_room)
    joined(amina, world.open_room)
    return fatou, amina


@pytest.mark.parametrize(
    ("setting", "event", "payloads"),
    [
        ("LIVE_ASK_LIMIT", "ask", [{"body": f"Question {n}?"} for n in range(3)]),
        ("LIVE_HAND_LIMIT", "hand", [{"up": True}, {"up": False}, {"up": True}]),
        ("LIVE_UPVOTE_LIMIT", "upvote", [{"up": True}, {"up": False}, {"up": True}]),
        ("LIVE_REACT_LIMIT", "react", [{"emoji": "clap"}] * 3),
        ("LIVE_FACILITATOR_LIMIT", "agenda", [{"item": 1}, {"item": 0}, {"item": 1}]),
    ],
)
def test_every_live_write_has_a_per_person_limit(
    app: Flask,
    world: World,
    in_room: tuple[SocketIOTestClient, SocketIOTestClient],
    session: Session,
    setting: str,
    event: str,
    payloads: list[dict[str, Any]],
) -> None:
    fatou, amina = in_room
    room = world.open_room
    question = emit(fatou, "ask", {"room": room.id, "body": "Which fees?"})["question"]
    extra = {"question": question} if event == "upvote" else {}
    actor = fatou if event == "agenda" else amina
    app.config[setting] = 2
    drain(fatou, amina)
    for payload in payloads[:2]:
        assert emit(actor, event, {"room": room.id, **payload, **extra})["ok"]
    drain(fatou, amina)
    before = _stored(session)

    refused = emit(actor, event, {"room": room.id, **payloads[2], **extra})

    assert refused["ok"] is False
    assert refused["error"]["code"] == "rate_limited"
    assert _stored(session) == before
    assert received(fatou) == []
    assert received(amina) == []


def test_poll_votes_have_a_per_person_limit_though_anonymous_votes_name_nobody(
    app: Flask,
    world: World,
    in_room: tuple[SocketIOTestClient, SocketIOTestClient],
    session: Session,
) -> None:
    fatou, amina = in_room
    room = world.open_room
    polls = [
        emit(fatou, "poll_open", {"room": room.id, "question": f"Q{n}?", "choices": ["a", "b"]})[
            "poll"
        ]
        for n in range(3)
    ]
    app.config["LIVE_POLL_VOTE_LIMIT"] = 2
    for poll in polls[:2]:
        assert emit(amina, "poll_vote", {"room": room.id, "poll": poll, "choices": [0]})["ok"]
    drain(fatou, amina)
    before = _stored(session)

    third = emit(amina, "poll_vote", {"room": room.id, "poll": polls[2], "choices": [0]})
    changed = emit(amina, "poll_vote", {"room": room.id, "poll": polls[0], "choices": [1]})

    assert third["error"]["code"] == "rate_limited"
    assert changed["error"]["code"] == "rate_limited"
    assert _stored(session) == before
    assert received(fatou) == []


def test_a_join_carries_a_bounded_history_and_the_rest_comes_on_request(
    app: Flask, world: World, live_client: Connect, login: Any
) -> None:
    app.config.update(
        LIVE_SAY_LIMIT=1000, LIVE_ASK_LIMIT=1000, LIVE_JOIN_HISTORY=20, LIVE_STATE_QUESTIONS=10
    )
    room = world.open_room
    amina = live_client(world.amina)
    joined(amina, room)
    body = "x" * 1900
    for n in range(40):
        assert emit(amina, "say", {"room": room.id, "body": body, "client_id": f"m{n}"})["ok"]
        assert emit(amina, "ask", {"room": room.id, "body": f"Question {n}?"})["ok"]

    ack = joined(live_client(world.bruno), room)

    assert len(ack["events"]) == 20
    assert ack["complete"] is False
    assert ack["events"][-1]["seq"] == ack["state"]["last_seq"]
    assert len(ack["state"]["questions"]) == 10
    assert ack["state"]["questions_total"] == 40
    assert len(json.dumps(ack)) < 60_000
    bruno = live_client(world.bruno)
    joined(bruno, room)
    more = emit(bruno, "questions", {"room": room.id, "offset": 10})
    assert more["ok"]
    assert (more["offset"], more["total"], len(more["questions"])) == (10, 40, 10)
    seen = {q["id"] for q in ack["state"]["questions"]}
    assert not seen & {q["id"] for q in more["questions"]}
    first = ack["events"][0]["seq"]
    older = login(world.bruno).get(f"/api/v1/rooms/{room.id}/events?after=0&limit=500")
    assert [e["seq"] for e in older.get_json()["items"]][-1] == ack["state"]["last_seq"]
    assert first > 1
