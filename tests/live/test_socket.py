"""The ``/live`` namespace: connecting, rooms, acknowledgements and what each client receives."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.extensions import db
from diaspora_hub.live import service
from diaspora_hub.live.models import LiveConnection, Room, RoomEvent, RoomPresence
from diaspora_hub.spaces.models import CodeOfConduct
from tests import factories
from tests.live.conftest import NAMESPACE, drain, emit, joined, received

pytestmark = pytest.mark.postgres


def stored_events(session: Session, room: Room) -> int:
    session.expire_all()
    count = session.scalar(select(func.count(RoomEvent.id)).where(RoomEvent.room_id == room.id))
    return int(count or 0)


# Connecting ---------------------------------------------------------------------------------


def test_anonymous_connections_are_refused(app, live_client, session):
    client = live_client(None)
    assert not client.is_connected(NAMESPACE)
    assert session.scalar(select(func.count(LiveConnection.sid))) == 0


def test_an_api_token_connects(app, live_client, session, world):
    with app.test_request_context():
        _token, secret = accounts.create_token(session, world.amina, "room bot")
        session.commit()
    client = live_client(None, auth={"token": secret})
    assert client.is_connected(NAMESPACE)
    ack = joined(client, world.open_room)
    assert ack["state"]["you"]["person"]["name"] == "Amina Diallo"
    refused = live_client(None, auth={"token": "dh_not-a-real-token"})
    assert not refused.is_connected(NAMESPACE)


def test_people_connecting_together_each_connect_as_themselves(app, live_client, session, world):
    # Long enough for every connection below to arrive before the crowd is recorded.
    app.config["LIVE_CROWD_QUIET"] = 0.5
    with app.test_request_context():
        tokens = [accounts.create_token(session, p, "bot")[1] for p in (world.amina, world.chen)]
        session.commit()
    auths = [{"token": tokens[0]}, {"token": "dh_not-a-real-token"}, {"token": tokens[1]}]

    with ThreadPoolExecutor(len(auths)) as pool:
        amina, stranger, chen = pool.map(lambda auth: live_client(None, auth=auth), auths)

    assert not stranger.is_connected(NAMESPACE)
    assert joined(amina, world.open_room)["state"]["you"]["person"]["name"] == "Amina Diallo"
    assert joined(chen, world.open_room)["state"]["you"]["person"]["name"] == "Chen Wei"
    assert session.scalar(select(func.count(LiveConnection.sid))) == 2


def test_a_crowd_of_browsers_larger_than_the_database_pool_connects(app, live_client, session):
    app.config["LIVE_CROWD_QUIET"] = 0.5
    with app.app_context():
        pool_size = db.engine.pool.size() + db.engine.pool._max_overflow  # type: ignore[attr-defined]
    people = [factories.user(session) for _ in range(pool_size + 5)]
    logins = [accounts.open_session(session, person) for person in people]
    session.commit()
    browsers = []
    for signed_in in logins:  # signed in as logging in would (more logins than its rate limit)
        browser = app.test_client()
        with browser.session_transaction() as cookie:
            cookie["_user_id"] = signed_in
            cookie["_fresh"] = True
        browsers.append(browser)

    with ThreadPoolExecutor(len(browsers)) as pool:
        clients = list(pool.map(lambda http: live_client(None, http=http), browsers))

    assert all(client.is_connected(NAMESPACE) for client in clients)
    assert session.scalar(select(func.count(LiveConnection.sid))) == len(people)


def test_cross_site_connections_are_refused(app, live_client, world, login):
    evil = live_client(world.amina, headers={"Origin": "http://evil.example"})
    assert not evil.is_connected(NAMESPACE)
    same_site = live_client(world.amina, headers={"Origin": "http://localhost"})
    assert same_site.is_connected(NAMESPACE)
    # The Engine.IO handshake itself refuses other origins (cors_allowed_origins).
    http = login(world.amina)
    handshake = "/socket.io/?EIO=4&transport=polling"
    assert http.get(handshake, headers={"Origin": "http://evil.example"}).status_code == 400
    assert http.get(handshake, headers={"Origin": "http://localhost"}).status_code == 200


def test_a_session_voided_by_a_password_change_cannot_connect(live_client, session, world, login):
    http = login(world.amina)
    world.amina.session_version += 1
    session.commit()
    client = live_client(None, http=http)
    assert not client.is_connected(NAMESPACE)


# Rooms ------------------------------------------------------------------------------------------


def test_people_outside_the_space_cannot_join(live_client, session, world):
    outsider = live_client(world.outsider)
    ack = emit(outsider, "join", {"room": world.open_room.id})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "conduct_required"
    missing = emit(outsider, "join", {"room": 999_999})
    assert missing["error"]["code"] == "not_found"
    assert session.scalar(select(func.count(RoomPresence.id))) == 0


def test_events_for_a_room_not_joined_are_refused(live_client, session, world):
    amina = live_client(world.amina)
    joined(amina, world.open_room)
    ack = emit(
        amina, "say", {"room": world.chatham_room.id, "body": "Wrong room", "client_id": "w"}
    )
    assert ack["error"]["code"] == "not_joined"
    assert stored_events(session, world.chatham_room) == 1


def test_three_clients_in_two_rooms_each_receive_their_own(live_client, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    chen = live_client(world.chen)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    joined(chen, world.chatham_room)
    drain(amina, bruno, chen)

    ack = emit(
        amina, "say", {"room": world.open_room.id, "body": "Fees are too high", "client_id": "1"}
    )
    assert ack == {"ok": True, "seq": 2, "duplicate": False}
    for client in (amina, bruno):
        events = received(client, "event")
        assert [(e["room"], e["seq"], e["data"]["body"]) for e in events] == [
            (world.open_room.id, 2, "Fees are too high")
        ]
    assert received(chen) == []

    emit(chen, "say", {"room": world.chatham_room.id, "body": "Agreed", "client_id": "2"})
    assert [e["data"]["body"] for e in received(chen, "event")] == ["Agreed"]
    assert received(amina) == []
    assert received(bruno) == []


def test_presence_follows_joins_leaves_and_disconnects(live_client, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    first = joined(amina, world.open_room)
    assert [p["person"]["name"] for p in first["state"]["presence"]["people"]] == ["Amina Diallo"]
    drain(amina)
    second = joined(bruno, world.open_room)
    assert [p["person"]["name"] for p in second["state"]["presence"]["people"]] == [
        "Amina Diallo",
        "Bruno Gomes",
    ]
    # Those already in the room hear only who changed, with the new counts.
    (arrived,) = received(amina, "presence")
    assert arrived["total"] == 2
    assert arrived["counts"] == {"diaspora": 1, "government": 1, "io": 0, "other": 0}
    assert [p["person"]["name"] for p in arrived["people"]] == ["Bruno Gomes"]
    assert arrived["left"] == []
    ack = emit(bruno, "leave", {"room": world.open_room.id})
    assert ack == {"ok": True, "room": world.open_room.id}
    (departed,) = received(amina, "presence")
    assert (departed["total"], departed["people"], departed["left"]) == (1, [], [world.bruno.id])
    joined(bruno, world.open_room)
    drain(amina)
    bruno.disconnect(namespace=NAMESPACE)
    (disconnected,) = received(amina, "presence")
    assert (disconnected["total"], disconnected["left"]) == (1, [world.bruno.id])


def test_people_arriving_together_are_let_in_together(app, live_client, session, world):
    # Long enough for every join of the crowd below to arrive before it is let in.
    app.config["LIVE_CROWD_QUIET"] = 0.5
    world.outsider.language = "fr"
    session.commit()
    amina = live_client(world.amina)
    joined(amina, world.open_room)
    drain(amina)
    people = (world.bruno, world.chen, world.facilitator, world.outsider)
    clients = [live_client(person) for person in people]

    with ThreadPoolExecutor(len(clients)) as pool:
        acks = list(pool.map(lambda c: emit(c, "join", {"room": world.open_room.id}), clients))

    bruno, chen, fatou, outsider = acks
    assert [bruno["ok"], chen["ok"], fatou["ok"]] == [True, True, True]
    assert chen["state"]["you"]["person"]["name"] == "Chen Wei"
    assert fatou["state"]["you"]["facilitator"] is True
    # The one refused among them hears why in their own language, and alone.
    assert outsider["ok"] is False
    assert outsider["error"]["code"] == "conduct_required"
    assert (
        outsider["error"]["message"] == "Veuillez d’abord accepter le code de conduite de l’espace."
    )
    # Those already in the room hear of the whole crowd at once.
    (arrived,) = received(amina, "presence")
    assert [entry["person"]["name"] for entry in arrived["people"]] == [
        "Bruno Gomes",
        "Chen Wei",
        "Fatou Facilitator",
    ]
    assert arrived["total"] == 4


def test_a_second_connection_of_someone_present_changes_nobody_s_presence(live_client, world):
    amina = live_client(world.amina)
    bruno_laptop = live_client(world.bruno)
    bruno_phone = live_client(world.bruno)
    joined(amina, world.open_room)
    joined(bruno_laptop, world.open_room)
    joined(bruno_phone, world.open_room)
    drain(amina)
    bruno_laptop.disconnect(namespace=NAMESPACE)
    (update,) = received(amina, "presence")
    assert update["total"] == 2
    assert update["left"] == []
    assert [p["person"]["name"] for p in update["people"]] == ["Bruno Gomes"]


# Acknowledgements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"body": "no room", "client_id": "x"}, "validation_failed", "room"),
        ({"room": "1", "body": "x", "client_id": "x"}, "wrong_type", "room"),
        ({"room": 1, "body": "   ", "client_id": "x"}, "validation_failed", "body"),
        ({"room": 1, "body": "x" * 2001, "client_id": "x"}, "too_large", "body"),
        ({"room": 1, "body": "x", "client_id": "has spaces"}, "validation_failed", "client_id"),
        ({"room": 1, "body": "x", "client_id": "x", "extra": 1}, "validation_failed", "extra"),
        ("just text", "wrong_type", "_schema"),
    ],
)
def test_a_bad_payload_gets_an_error_ack_and_changes_nothing(
    live_client, session, world, payload, code, field
):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    drain(amina, bruno)
    if isinstance(payload, dict) and payload.get("room") == 1:
        payload = {**payload, "room": world.open_room.id}
    ack = emit(amina, "say", payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert field in ack["error"]["fields"]
    assert received(amina) == []
    assert received(bruno) == []
    assert stored_events(session, world.open_room) == 1


def test_a_failing_operation_emits_nothing(live_client, session, world):
    facilitator = live_client(world.facilitator)
    amina = live_client(world.amina)
    joined(facilitator, world.open_room)
    joined(amina, world.open_room)
    drain(facilitator, amina)
    for event, payload in [
        ("lock", {"room": world.open_room.id, "locked": True}),
        ("floor", {"room": world.open_room.id, "user": world.amina.id}),
        ("agenda", {"room": world.open_room.id, "item": 0}),
        ("moderate", {"room": world.open_room.id, "action": "mute", "user": world.bruno.id}),
    ]:
        ack = emit(amina, event, payload)
        assert ack["error"]["code"] == "forbidden", event
    closed = emit(facilitator, "poll_close", {"room": world.open_room.id, "poll": 12345})
    assert closed["error"]["code"] == "not_found"
    assert received(facilitator) == []
    assert received(amina) == []
    assert stored_events(session, world.open_room) == 1


# Reconnecting and retrying -----------------------------------------------------------------------


def test_reconnecting_with_since_replays_what_was_missed(live_client, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    first = joined(amina, world.open_room)
    joined(bruno, world.open_room)
    last_seen = first["state"]["last_seq"]
    amina.disconnect(namespace=NAMESPACE)

    for n in range(3):
        emit(
            bruno, "say", {"room": world.open_room.id, "body": f"missed {n}", "client_id": f"m{n}"}
        )
    emit(bruno, "hand", {"room": world.open_room.id, "up": True})

    amina.connect(namespace=NAMESPACE)
    back = joined(amina, world.open_room, since=last_seen)
    assert back["complete"] is True
    assert [(e["seq"], e["type"]) for e in back["events"]] == [
        (2, "message"),
        (3, "message"),
        (4, "message"),
        (5, "hand"),
    ]
    assert [e["data"].get("body") for e in back["events"][:3]] == [
        "missed 0",
        "missed 1",
        "missed 2",
    ]
    assert back["state"]["last_seq"] == 5
    assert back["state"]["queue"][0]["person"]["name"] == "Bruno Gomes"


def test_a_retried_say_is_stored_once(live_client, session, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    drain(amina, bruno)
    payload = {"room": world.open_room.id, "body": "Only once", "client_id": "retry-1"}
    first = emit(amina, "say", payload)
    second = emit(amina, "say", payload)
    assert first == {"ok": True, "seq": 2, "duplicate": False}
    assert second == {"ok": True, "seq": 2, "duplicate": True}
    assert len(received(bruno, "event")) == 1
    assert stored_events(session, world.open_room) == 2


def test_say_is_rate_limited(live_client, session, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    drain(amina, bruno)
    acks = [
        emit(amina, "say", {"room": world.open_room.id, "body": f"m{n}", "client_id": f"c{n}"})
        for n in range(6)
    ]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]
    assert acks[5]["error"]["code"] == "rate_limited"
    assert len(received(bruno, "event")) == 5
    assert stored_events(session, world.open_room) == 6


# Ending connections -----------------------------------------------------------------------------


def test_a_removed_person_is_disconnected_and_cannot_rejoin(live_client, session, world):
    facilitator = live_client(world.facilitator)
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    for client in (facilitator, amina, bruno):
        joined(client, world.open_room)
    drain(facilitator, amina, bruno)
    ack = emit(
        facilitator,
        "moderate",
        {"room": world.open_room.id, "action": "remove", "user": world.amina.id},
    )
    assert ack["ok"] is True
    assert not amina.is_connected(NAMESPACE)
    assert [n["code"] for n in received(amina, "notice")] == ["removed"]
    events = received(bruno, "event")
    assert [e["data"]["action"] for e in events] == ["remove"]
    assert received(bruno, "presence")[-1]["total"] == 2

    amina.connect(namespace=NAMESPACE)
    again = emit(amina, "join", {"room": world.open_room.id})
    assert again["error"]["code"] == "removed"
    assert (
        session.scalar(
            select(func.count(RoomPresence.id)).where(RoomPresence.user_id == world.amina.id)
        )
        == 0
    )


def test_logging_out_ends_live_connections(live_client, login, world):
    http = login(world.amina)
    amina = live_client(None, http=http)
    bruno = live_client(world.bruno)
    joined(amina, world.open_room)
    joined(bruno, world.open_room)
    drain(bruno)
    assert http.post("/api/v1/auth/logout", json={}).status_code == 204
    assert not amina.is_connected(NAMESPACE)
    assert [n["code"] for n in received(amina, "notice")] == ["session_ended"]
    assert received(bruno, "presence")[-1]["total"] == 1
    assert bruno.is_connected(NAMESPACE)


def test_a_password_change_ends_every_live_connection(app, live_client, login, session, world):
    with app.test_request_context():
        _token, secret = accounts.create_token(session, world.amina, "bot")
        session.commit()
    http = login(world.amina)
    browser = live_client(None, http=http)
    bot = live_client(None, auth={"token": secret})
    assert browser.is_connected(NAMESPACE)
    assert bot.is_connected(NAMESPACE)
    changed = http.post(
        "/api/v1/auth/password",
        json={
            "current_password": "lanterns-over-dakar-2030",
            "new_password": "baobab-shade-at-noon-77",
        },
    )
    assert changed.status_code == 200
    assert not browser.is_connected(NAMESPACE)
    assert not bot.is_connected(NAMESPACE)


def test_people_joining_after_a_change_see_it_though_earlier_joiners_shared_a_reading(
    live_client, world
):
    """Joins at one sequence number share one reading of the queue, polls, questions and
    latest events; the next event makes the next joiner read them again."""
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    chen = live_client(world.chen)
    fatou = live_client(world.facilitator)
    first = joined(amina, world.open_room)
    second = joined(bruno, world.open_room)
    assert first["state"]["queue"] == second["state"]["queue"] == []
    assert [e["type"] for e in first["events"]] == [e["type"] for e in second["events"]]
    hand = emit(bruno, "hand", {"room": world.open_room.id, "up": True})
    assert hand["ok"], hand
    asked = emit(amina, "ask", {"room": world.open_room.id, "body": "Who pays the fees?"})
    assert asked["ok"], asked
    third = joined(chen, world.open_room)
    assert [entry["person"]["name"] for entry in third["state"]["queue"]] == ["Bruno Gomes"]
    assert [q["body"] for q in third["state"]["questions"]] == ["Who pays the fees?"]
    assert third["state"]["last_seq"] == asked["seq"]
    assert [e["type"] for e in third["events"][-2:]] == ["hand", "question.asked"]
    assert third["events"][-1]["data"]["question"]["hidden"] is False

    joined(fatou, world.open_room)
    assert emit(fatou, "hide", {"room": world.open_room.id, "seq": asked["seq"]})["ok"]
    chen.disconnect(namespace=NAMESPACE)
    again = joined(live_client(world.chen), world.open_room)
    assert again["events"][-2]["data"]["question"]["hidden"] is True
    assert again["events"][-1]["type"] == "hidden"


def test_in_large_rooms_participants_get_the_list_of_who_is_here_when_they_ask(
    app, live_client, world
):
    app.config["LIVE_PRESENCE_LIST_LIMIT"] = 1
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    fatou = live_client(world.facilitator)
    joined(amina, world.open_room)
    state = joined(bruno, world.open_room)["state"]
    assert state["presence"] == {
        "room": world.open_room.id,
        "counts": {"diaspora": 1, "government": 1, "io": 0, "other": 0},
        "total": 2,
    }
    facilitators_view = joined(fatou, world.open_room)["state"]["presence"]
    assert [p["person"]["name"] for p in facilitators_view["people"]] == [
        "Amina Diallo",
        "Bruno Gomes",
        "Fatou Facilitator",
    ]
    asked = emit(bruno, "presence", {"room": world.open_room.id})
    assert asked["ok"], asked
    assert asked["presence"]["people"] == facilitators_view["people"]
    assert asked["presence"]["total"] == 3


def test_the_list_of_who_is_here_needs_the_room_and_keeps_chatham_house(live_client, world):
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    refused = emit(amina, "presence", {"room": world.chatham_room.id})
    assert refused["ok"] is False
    assert refused["error"]["code"] == "not_joined"
    joined(amina, world.chatham_room)
    joined(bruno, world.chatham_room)
    asked = emit(amina, "presence", {"room": world.chatham_room.id})
    assert asked == {
        "ok": True,
        "presence": {
            "room": world.chatham_room.id,
            "counts": {"diaspora": 1, "government": 1, "io": 0, "other": 0},
            "total": 2,
        },
    }
    wrong = emit(amina, "presence", {"room": "2"})
    assert (wrong["ok"], wrong["error"]["code"]) == (False, "wrong_type")


def test_joining_asks_for_the_code_of_conduct_of_the_room_s_own_space(
    app, live_client, session, world
):
    """Another space's newer code of conduct, which Amina never accepted, is not hers to
    accept before she joins a room here; her own space's new version is."""
    other = factories.space(session, facilitators=(world.facilitator,), accepted_by=())
    other.conducts.append(CodeOfConduct(version=2, text="Stricter rules."))
    session.commit()
    with app.test_request_context():
        service.open_room(session, world.facilitator, other.slug, title="Elsewhere")
        session.commit()
    amina = live_client(world.amina)
    assert emit(amina, "join", {"room": world.open_room.id})["ok"]

    world.space.conducts.append(CodeOfConduct(version=2, text="Updated rules."))
    session.commit()
    bruno = live_client(world.bruno)
    refused = emit(bruno, "join", {"room": world.open_room.id})
    assert (refused["ok"], refused["error"]["code"]) == (False, "conduct_required")


def test_in_large_rooms_only_people_holding_the_list_hear_who_arrives(app, live_client, world):
    app.config["LIVE_PRESENCE_LIST_LIMIT"] = 1
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    chen = live_client(world.chen)
    joined(amina, world.open_room)  # alone: the list comes with her join
    joined(bruno, world.open_room)  # two people: counts only
    drain(amina, bruno)
    joined(chen, world.open_room)
    (to_amina,) = received(amina, "presence")
    (to_bruno,) = received(bruno, "presence")
    assert [p["person"]["name"] for p in to_amina["people"]] == ["Chen Wei"]
    assert to_bruno == {
        "room": world.open_room.id,
        "counts": {"diaspora": 1, "government": 1, "io": 1, "other": 0},
        "total": 3,
    }
    assert emit(bruno, "presence", {"room": world.open_room.id})["ok"]
    chen.disconnect(namespace=NAMESPACE)
    (left,) = received(bruno, "presence")
    assert (left["left"], left["total"]) == ([world.chen.id], 2)
    # Room events reach participants whether or not they hold the list.
    said = emit(chen_again := live_client(world.chen), "join", {"room": world.open_room.id})
    assert said["ok"]
    drain(amina, bruno)
    emit(chen_again, "say", {"room": world.open_room.id, "body": "Back", "client_id": "b"})
    assert [e["data"]["body"] for e in received(amina, "event")] == ["Back"]
    assert [e["data"]["body"] for e in received(bruno, "event")] == ["Back"]
