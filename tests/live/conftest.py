"""Fixtures for live rooms: a space with people from three blocs, rooms, Socket.IO clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.extensions import db, socketio
from diaspora_hub.live import service
from diaspora_hub.live.models import Room, RoomMode
from diaspora_hub.organisations.models import Organisation, OrganisationKind, Role
from diaspora_hub.spaces.models import ConductAcceptance, Space, SpaceFacilitator
from tests import factories

NAMESPACE = "/live"


@dataclass
class World:
    """A space with a facilitator and participants in three blocs, and two rooms in it."""

    space: Space
    facilitator: User
    amina: User  # diaspora organisation
    bruno: User  # government
    chen: User  # international organisation
    outsider: User  # no organisation, never accepted the code of conduct
    diaspora_org: Organisation
    government_org: Organisation
    io_org: Organisation
    open_room: Room
    chatham_room: Room


@pytest.fixture
def world(app: Flask, session: Session) -> World:
    # High, distinct ids make any leaked user id easy to find in a raw payload.
    facilitator = factories.user(session, id=91001, display_name="Fatou Facilitator")
    amina = factories.user(session, id=91002, display_name="Amina Diallo")
    bruno = factories.user(session, id=91003, display_name="Bruno Gomes")
    chen = factories.user(session, id=91004, display_name="Chen Wei")
    outsider = factories.user(session, id=91005, display_name="Olaf Outsider")
    diaspora_org = factories.organisation(
        session, name="Senegalese Diaspora Union", acronym="SDU", members={amina: Role.MEMBER}
    )
    government_org = factories.organisation(
        session,
        kind=OrganisationKind.GOVERNMENT,
        name="Ministry of Senegalese Abroad",
        members={bruno: Role.LIAISON},
    )
    io_org = factories.organisation(
        session, kind=OrganisationKind.IO, name="Remittance Agency", members={chen: Role.LIAISON}
    )
    space = factories.space(
        session,
        facilitators=(facilitator,),
        organisations=(diaspora_org, government_org, io_org),
        accepted_by=(facilitator, amina, bruno, chen),
    )
    session.commit()
    with app.test_request_context():
        open_room = service.open_room(
            session,
            facilitator,
            space.slug,
            title="Remittance costs",
            agenda=[{"title": "Welcome"}, {"title": "Fees", "minutes": 20}],
        )
        chatham_room = service.open_room(
            session,
            facilitator,
            space.slug,
            title="Closed-door consultation",
            mode=RoomMode.CHATHAM_HOUSE,
            agenda=[{"title": "Positions"}],
        )
        session.commit()
    return World(
        space=space,
        facilitator=facilitator,
        amina=amina,
        bruno=bruno,
        chen=chen,
        outsider=outsider,
        diaspora_org=diaspora_org,
        government_org=government_org,
        io_org=io_org,
        open_room=open_room,
        chatham_room=chatham_room,
    )


def add_facilitator(session: Session, space: Space, user: User) -> None:
    """Make ``user`` a facilitator of ``space`` who accepted its code of conduct (committed)."""
    session.add(SpaceFacilitator(space_id=space.id, user_id=user.id))
    conduct = space.current_conduct
    if conduct is not None:
        session.add(ConductAcceptance(conduct_id=conduct.id, user_id=user.id))
    session.commit()


Connect = Callable[..., SocketIOTestClient]


@pytest.fixture
def live_client(app: Flask, login: Callable[..., FlaskClient]) -> Iterator[Connect]:
    """``live_client(user)`` logs in over HTTP and connects to ``/live`` with that session.

    ``live_client(None)`` connects anonymously; ``http=`` reuses a Flask test client.
    """
    opened: list[SocketIOTestClient] = []

    def connect(
        user: User | None, *, http: FlaskClient | None = None, **kwargs: Any
    ) -> SocketIOTestClient:
        flask_client = http or (login(user) if user is not None else app.test_client())
        client = socketio.test_client(
            app, namespace=NAMESPACE, flask_test_client=flask_client, **kwargs
        )
        opened.append(client)
        return client

    yield connect
    for client in opened:
        if client.is_connected(NAMESPACE):
            client.disconnect(namespace=NAMESPACE)


def emit(client: SocketIOTestClient, event: str, payload: Any) -> Any:
    """Send one ``/live`` event and return its acknowledgement."""
    return client.emit(event, payload, namespace=NAMESPACE, callback=True)


def received(client: SocketIOTestClient, name: str | None = None) -> list[Any]:
    """Take the payloads received so far (of one Socket.IO event name, if given).

    Works after the server disconnected the client, so tests can read its last notice.
    """
    taken = [m for m in client.queue if m["namespace"] == NAMESPACE and name in (None, m["name"])]
    client.queue = [m for m in client.queue if all(m is not t for t in taken)]
    return [m["args"][0] for m in taken]


def joined(client: SocketIOTestClient, room: Room, since: int | None = None) -> dict[str, Any]:
    """Join ``room``, check it worked, and forget what joining broadcast."""
    payload: dict[str, Any] = {"room": room.id}
    if since is not None:
        payload["since"] = since
    ack = emit(client, "join", payload)
    assert ack["ok"], ack
    return dict(ack)


def drain(*clients: SocketIOTestClient) -> None:
    for client in clients:
        received(client)


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The app's own scoped session inside an app context, for calling services directly."""
    with app.test_request_context():
        yield db.session()
