"""Every ``/live`` client event holds against any payload: strict types, and fuzzing.

Whatever JSON a client sends — any value, any shape, in any field — it gets an error
acknowledgement or a valid one; a refused event stores nothing and broadcasts nothing, and
the server goes on serving.
"""

from __future__ import annotations

from typing import Any, get_args

import pytest
from flask_socketio import SocketIOTestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from diaspora_hub.live.protocol.replies import ErrorCode
from diaspora_hub.live.protocol.socket import CLIENT_EVENTS
from tests import factories
from tests.live.conftest import Connect, World, add_facilitator, drain, emit, joined, received

#: Tables a refused event must leave as they were (presence and standing rows are made by
#: joining, which the fuzzing repeats).
STORED = (
    "room",
    "room_event",
    "raised_hand",
    "speaking_turn",
    "poll",
    "poll_vote",
    "room_question",
    "question_vote",
    "room_reaction",
)
ERROR_CODES = frozenset(get_args(ErrorCode.__value__))


def _snapshot(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        table: session.scalar(select(func.count()).select_from(text(table))) or 0
        for table in STORED
    }


def _refused(ack: Any) -> str:
    assert isinstance(ack, dict), ack
    assert ack["ok"] is False, ack
    assert set(ack) == {"ok", "error"}, ack
    code = ack["error"]["code"]
    assert code in ERROR_CODES, ack
    return str(code)


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        ("hand", {"up": 1}, "up"),
        ("hand", {"up": "true"}, "up"),
        ("hand", {"up": None}, "up"),
        ("upvote", {"question": 1, "up": 0}, "up"),
        ("lock", {"locked": 1}, "locked"),
        ("poll_open", {"question": "Q?", "choices": ["a", "b"], "multiple": 1}, "multiple"),
        ("say", {"room": True, "body": "x", "client_id": "c"}, "room"),
        ("poll_vote", {"poll": True, "choices": [0]}, "poll"),
        ("poll_vote", {"poll": 1, "choices": [True]}, "choices"),
        ("agenda", {"item": 1.0}, "item"),
        ("hide", {"seq": "1"}, "seq"),
        ("floor", {"user": False}, "user"),
        ("join", {"since": True}, "since"),
        ("join", {"since": 2**63}, "since"),
        ("moderate", {"action": "mute", "user": 2**64}, "user"),
    ],
)
def test_booleans_and_integers_are_strict(
    world: World,
    live_client: Connect,
    session: Session,
    event: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    fatou = live_client(world.facilitator)
    amina = live_client(world.amina)
    joined(fatou, world.open_room)
    joined(amina, world.open_room)
    drain(fatou, amina)
    before = _snapshot(session)
    ack = emit(fatou, event, {"room": world.open_room.id, **payload})
    assert _refused(ack) in {"wrong_type", "validation_failed"}
    assert field in ack["error"]["fields"]
    assert _snapshot(session) == before
    assert received(fatou) == []
    assert received(amina) == []


# Fuzzing ---------------------------------------------------------------------------------


def _json(ids: list[int]) -> st.SearchStrategy[Any]:
    """Any JSON value, with the ids that name things in the room drawn often."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(ids),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
        st.sampled_from(["", " ", "true", "1", "mute", "remove", "clap", "live", "order"]),
        st.text(min_size=2001, max_size=2100),
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=6,
    )


def _payloads(event: str, ids: list[int]) -> st.SearchStrategy[Any]:
    """Payloads of one event: its own fields with any values (a field left out, an unknown
    one added, now and then), or something that is not an object at all."""
    fields = sorted(CLIENT_EVENTS[event].payload().fields)
    value = _json(ids)
    objects = st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(fields, value) | {"extra": value},
    )
    return st.one_of(objects, objects, objects, _json(ids))


@pytest.fixture
def fuzzed_room(world: World, live_client: Connect, session: Session) -> dict[str, Any]:
    """The open room with a poll and a question in it, a facilitator and a participant who
    act, and a second facilitator who only listens (every broadcast reaches them)."""
    watcher = factories.user(session, id=91009, display_name="Wanda Watcher")
    add_facilitator(session, world.space, watcher)
    fatou = live_client(world.facilitator)
    amina = live_client(world.amina)
    wanda = live_client(watcher)
    room = world.open_room
    for client in (fatou, amina, wanda):
        joined(client, room)
    poll = emit(fatou, "poll_open", {"room": room.id, "question": "Q?", "choices": ["a", "b"]})
    question = emit(amina, "ask", {"room": room.id, "body": "Why?"})
    drain(fatou, amina, wanda)
    ids = [room.id, poll["poll"], question["question"], world.amina.id, world.facilitator.id, 1]
    return {"room": room, "actors": (fatou, amina), "watcher": wanda, "ids": ids}


@pytest.mark.parametrize("event", sorted(CLIENT_EVENTS))
def test_any_payload_gets_an_error_or_a_valid_ack_and_a_refusal_changes_nothing(
    fuzzed_room: dict[str, Any], session: Session, event: str
) -> None:
    room = fuzzed_room["room"]
    watcher: SocketIOTestClient = fuzzed_room["watcher"]

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=_payloads(event, fuzzed_room["ids"]), by_facilitator=st.booleans())
    def attempt(payload: Any, by_facilitator: bool) -> None:
        fatou, amina = fuzzed_room["actors"]
        actor = fatou if by_facilitator else amina
        before = _snapshot(session)
        ack = actor.emit(event, payload, namespace="/live", callback=True)
        assert isinstance(ack, dict), ack
        if ack.get("ok") is True:
            for client in (fatou, amina):  # it may have left the room, or been removed
                emit(client, "join", {"room": room.id})
            drain(fatou, amina, watcher)
            return
        assert _refused(ack) != "server_error", (payload, ack)
        assert _snapshot(session) == before, payload
        assert received(watcher) == [], payload

    attempt()
    fatou, _amina = fuzzed_room["actors"]
    said = emit(fatou, "say", {"room": room.id, "body": "Still serving.", "client_id": "alive"})
    assert said["ok"], said
