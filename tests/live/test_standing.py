"""Live access follows standing, at once: what a connection receives and may do is a function
of its person's standing in the space now.

Each test changes one person's standing over HTTP while they are connected and joined, and
inspects the raw frames their client gets afterwards: a fresh ``state`` and the right
audience, or a ``notice`` saying why and the end of the connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.live.models import Room, RoomEvent, RoomMode, RoomPresence
from diaspora_hub.spaces.models import Space, Visibility
from tests import factories
from tests.live.conftest import (
    NAMESPACE,
    Connect,
    World,
    add_facilitator,
    drain,
    emit,
    joined,
)

pytestmark = pytest.mark.postgres

Login = Callable[..., FlaskClient]


def _frames(client: SocketIOTestClient) -> list[tuple[str, Any]]:
    taken = [(m["name"], m["args"][0]) for m in client.queue if m["namespace"] == NAMESPACE]
    client.queue = []
    return taken


def _ended(client: SocketIOTestClient, room: Room, code: str) -> None:
    """The client was told why, then disconnected; the room no longer holds it."""
    notices = [payload for name, payload in _frames(client) if name == "notice"]
    assert notices
    assert (notices[-1]["room"], notices[-1]["code"]) == (room.id, code)
    assert notices[-1]["message"]
    assert not client.is_connected(NAMESPACE)


def _present(session: Session, room: Room, user: User) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count())
            .select_from(RoomPresence)
            .where(RoomPresence.room_id == room.id, RoomPresence.user_id == user.id)
        )
        or 0
    )


def _messages(session: Session, room: Room, user: User) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count())
            .select_from(RoomEvent)
            .where(RoomEvent.room_id == room.id, RoomEvent.actor_id == user.id)
            .where(RoomEvent.type == "message")
        )
        or 0
    )


def _ok(response: Any, status: int = 204) -> None:
    assert response.status_code == status, response.get_json()


def test_a_facilitator_removed_while_connected_hears_a_chatham_room_as_a_participant(
    world: World, live_client: Connect, login: Login, session: Session
) -> None:
    nadia = factories.user(session, id=91006, display_name="Nadia Cofacilitator")
    add_facilitator(session, world.space, nadia)
    room = world.chatham_room
    nadia_live = live_client(nadia)
    amina = live_client(world.amina)
    assert joined(nadia_live, room)["state"]["you"]["facilitator"] is True
    joined(amina, room)
    drain(nadia_live, amina)

    _ok(
        login(world.facilitator).delete(
            f"/api/v1/spaces/{world.space.slug}/facilitators/{nadia.id}"
        )
    )

    states = [payload for name, payload in _frames(nadia_live) if name == "state"]
    assert states
    assert states[-1]["you"]["facilitator"] is False
    assert "speaking_time" not in states[-1]
    assert emit(amina, "say", {"room": room.id, "body": "Fees are too high.", "client_id": "x1"})[
        "ok"
    ]
    raw = json.dumps(_frames(nadia_live), ensure_ascii=False)
    assert "Fees are too high." in raw
    assert "Amina Diallo" not in raw
    assert "91002" not in raw
    refused = emit(nadia_live, "moderate", {"room": room.id, "action": "mute", "user": 91002})
    assert refused["error"]["code"] == "forbidden"
    presence = emit(nadia_live, "presence", {"room": room.id})["presence"]
    assert "people" not in presence


def test_a_person_made_facilitator_while_connected_gets_identities_at_once(
    world: World, live_client: Connect, login: Login
) -> None:
    room = world.chatham_room
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    joined(amina, room)
    joined(bruno, room)
    drain(amina, bruno)

    response = login(world.facilitator).post(
        f"/api/v1/spaces/{world.space.slug}/facilitators", json={"email": world.amina.email}
    )
    _ok(response, 201)

    states = [payload for name, payload in _frames(amina) if name == "state"]
    assert states
    assert states[-1]["you"]["facilitator"] is True
    assert "speaking_time" in states[-1]
    assert emit(bruno, "say", {"room": room.id, "body": "We agree.", "client_id": "b1"})["ok"]
    events = [payload for name, payload in _frames(amina) if name == "event"]
    assert events[-1]["actor"]["name"] == "Bruno Gomes"


@pytest.fixture
def private_room(
    world: World, session: Session, login: Login
) -> Callable[[Visibility], tuple[Space, Room]]:
    """A room in a new space of the given visibility, with the world's organisations in it,
    Olaf invited, and everyone's code of conduct accepted."""

    def make(visibility: Visibility) -> tuple[Space, Room]:
        space = factories.space(
            session,
            visibility=visibility,
            facilitators=(world.facilitator,),
            organisations=(world.diaspora_org, world.government_org),
            invited=(world.outsider,),
            accepted_by=(world.facilitator, world.amina, world.bruno, world.outsider),
        )
        session.commit()
        response = login(world.facilitator).post(
            f"/api/v1/spaces/{space.slug}/rooms",
            json={"title": "Private talk", "mode": RoomMode.OPEN.value},
        )
        _ok(response, 201)
        room = session.get(Room, response.get_json()["id"])
        assert room is not None
        return space, room

    return make


def test_a_revoked_invitation_ends_the_connection_and_nothing_more_is_heard_or_stored(
    world: World,
    live_client: Connect,
    login: Login,
    session: Session,
    private_room: Callable[[Visibility], tuple[Space, Room]],
) -> None:
    space, room = private_room(Visibility.INVITE)
    olaf = live_client(world.outsider)
    fatou = live_client(world.facilitator)
    joined(olaf, room)
    joined(fatou, room)
    drain(olaf, fatou)

    _ok(
        login(world.facilitator).delete(
            f"/api/v1/spaces/{space.slug}/invitations/{world.outsider.id}"
        )
    )

    _ended(olaf, room, "access_ended")
    assert _present(session, room, world.outsider) == 0
    presence = [payload for name, payload in _frames(fatou) if name == "presence"]
    assert presence
    assert world.outsider.id in presence[-1]["left"]
    # A new connection cannot join again either.
    again = live_client(world.outsider)
    assert emit(again, "join", {"room": room.id})["error"]["code"] == "not_found"
    assert (
        emit(again, "say", {"room": room.id, "body": "Still here?", "client_id": "o1"})["error"][
            "code"
        ]
        == "not_joined"
    )
    assert _messages(session, room, world.outsider) == 0


def test_an_organisation_removed_from_a_members_space_ends_its_members_connections(
    world: World,
    live_client: Connect,
    login: Login,
    session: Session,
    private_room: Callable[[Visibility], tuple[Space, Room]],
) -> None:
    space, room = private_room(Visibility.MEMBERS)
    amina = live_client(world.amina)
    bruno = live_client(world.bruno)
    joined(amina, room)
    joined(bruno, room)
    drain(amina, bruno)

    response = login(world.facilitator).delete(
        f"/api/v1/spaces/{space.slug}/organisations/{world.diaspora_org.slug}"
    )
    _ok(response)

    _ended(amina, room, "access_ended")
    assert bruno.is_connected(NAMESPACE)
    assert not [payload for name, payload in _frames(bruno) if name == "notice"]
    assert _present(session, room, world.amina) == 0


def test_a_membership_ended_ends_the_connection_to_a_members_space(
    world: World,
    live_client: Connect,
    login: Login,
    session: Session,
    private_room: Callable[[Visibility], tuple[Space, Room]],
) -> None:
    _space, room = private_room(Visibility.MEMBERS)
    amina = live_client(world.amina)
    joined(amina, room)
    drain(amina)

    response = login(world.amina).delete(
        f"/api/v1/organisations/{world.diaspora_org.slug}/members/{world.amina.id}"
    )
    _ok(response)

    _ended(amina, room, "access_ended")
    assert _present(session, room, world.amina) == 0


def test_a_space_narrowed_to_invitations_ends_the_connections_of_those_not_invited(
    world: World, live_client: Connect, login: Login, session: Session
) -> None:
    room = world.open_room
    amina = live_client(world.amina)
    fatou = live_client(world.facilitator)
    joined(amina, room)
    joined(fatou, room)
    drain(amina, fatou)

    response = login(world.facilitator).patch(
        f"/api/v1/spaces/{world.space.slug}", json={"visibility": "invite"}
    )
    _ok(response, 200)

    _ended(amina, room, "access_ended")
    assert fatou.is_connected(NAMESPACE)
    assert not [payload for name, payload in _frames(fatou) if name == "notice"]
    assert _present(session, room, world.facilitator) == 1


def test_a_new_code_of_conduct_ends_the_connections_of_those_who_have_not_accepted_it(
    world: World, live_client: Connect, login: Login, session: Session
) -> None:
    room = world.open_room
    amina = live_client(world.amina)
    fatou = live_client(world.facilitator)
    joined(amina, room)
    joined(fatou, room)
    drain(amina, fatou)

    response = login(world.facilitator).post(
        f"/api/v1/spaces/{world.space.slug}/conduct/versions", json={"text": "Be kind, v2."}
    )
    _ok(response, 201)

    _ended(amina, room, "conduct_required")
    assert fatou.is_connected(NAMESPACE)
    # Accepting the new version lets the person back in.
    http = login(world.amina)
    _ok(http.post(f"/api/v1/spaces/{world.space.slug}/conduct", json={}), 200)
    assert emit(live_client(world.amina, http=http), "join", {"room": room.id})["ok"]


def test_a_deactivated_account_is_told_and_disconnected(
    world: World, live_client: Connect, login: Login, session: Session
) -> None:
    admin = factories.user(session, is_admin=True)
    session.commit()
    room = world.open_room
    amina = live_client(world.amina)
    joined(amina, room)
    drain(amina)

    _ok(login(admin).patch(f"/api/v1/users/{world.amina.id}", json={"is_active": False}), 200)

    notices = [payload for name, payload in _frames(amina) if name == "notice"]
    assert notices
    assert notices[0]["code"] == "session_ended"
    assert not amina.is_connected(NAMESPACE)
    assert _present(session, room, world.amina) == 0


def test_a_change_that_fails_leaves_every_connection_as_it_was(
    world: World, live_client: Connect, login: Login, session: Session
) -> None:
    room = world.open_room
    fatou = live_client(world.facilitator)
    joined(fatou, room)
    drain(fatou)

    # The last facilitator cannot be removed: nothing changes, nothing is sent.
    response = login(world.facilitator).delete(
        f"/api/v1/spaces/{world.space.slug}/facilitators/{world.facilitator.id}"
    )
    assert response.status_code == 409
    assert _frames(fatou) == []
    assert joined(fatou, room)["state"]["you"]["facilitator"] is True
