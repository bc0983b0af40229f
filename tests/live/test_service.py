"""Rules of live rooms, on the service functions without Socket.IO."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.core.audit import AuditEntry
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorised,
    ValidationFailed,
)
from diaspora_hub.live import service
from diaspora_hub.live.models import (
    LiveConnection,
    PollVote,
    Room,
    RoomEvent,
    RoomMode,
    RoomParticipant,
    RoomPresence,
)
from diaspora_hub.live.service import lifecycle
from diaspora_hub.organisations.models import (
    Bloc,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from diaspora_hub.spaces.models import Visibility
from diaspora_hub.spaces.service import ConductNotAccepted
from tests import factories
from tests.live.conftest import World

pytestmark = pytest.mark.postgres

WORKER = "test-host:1:1"


@pytest.fixture(autouse=True)
def _request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def enter(session: Session, user: User, room: Room, *, since: int | None = None) -> str:
    """Connect ``user`` and join ``room``, as the Socket.IO layer would; returns the sid."""
    sid = f"sid-{user.id}-{room.id}"
    if session.get(LiveConnection, sid) is None:
        service.connect_together(
            session,
            [service.Connecting(sid=sid, user_id=user.id, session_version=user.session_version)],
            worker_id=WORKER,
        )
    service.join(session, user.id, room.id, sid=sid, worker_id=WORKER, since=since)
    session.commit()
    return sid


def event_types(session: Session, room: Room) -> list[tuple[int, str]]:
    rows = session.execute(
        select(RoomEvent.seq, RoomEvent.type)
        .where(RoomEvent.room_id == room.id)
        .order_by(RoomEvent.seq)
    )
    return [(seq, kind) for seq, kind in rows]


def earlier_member(session: Session, user: User, kind: OrganisationKind) -> Organisation:
    """A new organisation of ``kind`` that ``user`` has belonged to for over a year."""
    organisation = factories.organisation(session, kind=kind)
    membership = Membership(user=user, organisation=organisation, role=Role.MEMBER)
    session.add(membership)
    session.flush()
    membership.created_at = utcnow() - timedelta(days=400)
    return organisation


# Blocs ---------------------------------------------------------------------------------


def test_bloc_prefers_the_spaces_participating_organisation(session, world):
    # Amina joined a government body first, but only her diaspora union takes part here.
    earlier_member(session, world.amina, OrganisationKind.GOVERNMENT)
    session.commit()
    assert service.bloc_of(session, world.amina, world.space) is Bloc.DIASPORA
    assert service.affiliation(session, world.amina, world.space) == world.diaspora_org


def test_joining_counts_a_person_in_the_organisation_taking_part_in_that_space(session, world):
    """Amina belongs to a government body (older membership) that takes part in another
    space: rooms there show her with it, rooms here with her diaspora union."""
    ministry = earlier_member(session, world.amina, OrganisationKind.GOVERNMENT)
    other = factories.space(
        session,
        facilitators=(world.facilitator,),
        organisations=(ministry,),
        accepted_by=(world.amina,),
    )
    elsewhere = service.open_room(session, world.facilitator, other.slug, title="Elsewhere")
    session.commit()
    enter(session, world.amina, world.open_room)
    enter(session, world.amina, elsewhere)
    here = service.room_state(session, world.amina, world.open_room.id)["you"]["person"]
    there = service.room_state(session, world.amina, elsewhere.id)["you"]["person"]
    assert (here["organisation"]["id"], here["bloc"]) == (world.diaspora_org.id, "diaspora")
    assert (there["organisation"]["id"], there["bloc"]) == (ministry.id, "government")


def test_bloc_falls_back_to_a_verified_membership_then_other(session, world):
    person = factories.user(session)
    unverified = factories.organisation(
        session, kind=OrganisationKind.IO, verified=False, members={person: Role.MEMBER}
    )
    session.commit()
    assert unverified.bloc is Bloc.IO
    # An unverified organisation could claim any kind, so it does not place anyone in a bloc.
    assert service.bloc_of(session, person, world.space) is Bloc.OTHER
    factories.organisation(session, kind=OrganisationKind.GOVERNMENT, members={person: Role.MEMBER})
    session.commit()
    assert service.bloc_of(session, person, world.space) is Bloc.GOVERNMENT
    assert service.bloc_of(session, world.outsider, world.space) is Bloc.OTHER


# Joining -------------------------------------------------------------------------------


def test_a_person_deactivated_after_connecting_cannot_join(session, world):
    sid = "sid-deactivated"
    service.connect_together(
        session,
        [
            service.Connecting(
                sid=sid, user_id=world.amina.id, session_version=world.amina.session_version
            )
        ],
        worker_id=WORKER,
    )
    world.amina.is_active = False
    session.commit()
    with pytest.raises(Unauthorised):
        service.join(session, world.amina.id, world.open_room.id, sid=sid, worker_id=WORKER)
    session.rollback()
    assert session.scalar(select(func.count(RoomPresence.id))) == 0


def test_a_join_acts_only_through_the_person_s_own_connection(session, world):
    sid = enter(session, world.amina, world.open_room)
    with pytest.raises(service.NotJoined):
        service.join(session, world.bruno.id, world.open_room.id, sid=sid, worker_id=WORKER)
    session.rollback()
    people = session.scalars(select(RoomPresence.user_id))
    assert list(people) == [world.amina.id]


def admitted(ack: dict[str, Any] | Exception) -> dict[str, Any]:
    assert isinstance(ack, dict), ack
    return ack


def connected(session: Session, user: User, sid: str) -> service.JoinRequest:
    service.connect_together(
        session,
        [service.Connecting(sid=sid, user_id=user.id, session_version=user.session_version)],
        worker_id=WORKER,
    )
    return service.JoinRequest(user_id=user.id, sid=sid)


def test_connections_arriving_together_are_recorded_for_their_own_people(session, world):
    _token, amina_token = accounts.create_token(session, world.amina, "phone")
    revoked, revoked_token = accounts.create_token(session, world.bruno, "old laptop")
    revoked.revoked_at = utcnow()
    _token, chen_token = accounts.create_token(session, world.chen, "tablet")
    world.chen.is_active = False
    session.commit()

    people = service.connect_together(
        session,
        [
            service.Connecting(sid="a", token=amina_token),
            service.Connecting(sid="b", token=revoked_token),
            service.Connecting(
                sid="f",
                user_id=world.facilitator.id,
                session_key="k",
                session_version=world.facilitator.session_version,
            ),
            service.Connecting(sid="c", token=chen_token),
            service.Connecting(sid="x", token="dh_not-a-real-token"),
        ],
        worker_id=WORKER,
    )
    session.commit()

    assert people == [world.amina.id, None, world.facilitator.id, None, None]
    rows = session.execute(select(LiveConnection.sid, LiveConnection.user_id))
    assert sorted(rows) == [("a", world.amina.id), ("f", world.facilitator.id)]
    assert session.get(LiveConnection, "f").session_key == "k"


def test_a_connection_whose_sessions_ended_while_it_waited_is_not_recorded(session, world):
    # Authenticated at their current session version, both wait for their crowd; meanwhile
    # Amina changes her password (ending every session of hers) and Bruno is deactivated.
    _token, bruno_token = accounts.create_token(session, world.bruno, "phone")
    session.commit()
    waiting = [
        service.Connecting(
            sid="amina-tab", user_id=world.amina.id, session_version=world.amina.session_version
        ),
        service.Connecting(sid="bruno-phone", token=bruno_token),
        service.Connecting(
            sid="chen-tab", user_id=world.chen.id, session_version=world.chen.session_version
        ),
    ]
    accounts.change_password(
        session,
        world.amina,
        current_password=factories.PASSWORD,
        new_password="an entirely new passphrase 42",
    )
    world.bruno.is_active = False
    session.commit()

    people = service.connect_together(session, waiting, worker_id=WORKER)
    session.commit()

    # Nothing is left open that the ending of their sessions could no longer find.
    assert people == [None, None, world.chen.id]
    assert list(session.scalars(select(LiveConnection.sid))) == ["chen-tab"]


def test_a_crowd_joins_together_and_each_person_gets_their_own_room(session, world):
    facilitator = connected(session, world.facilitator, "f")
    watcher = enter(session, world.chen, world.open_room)
    crowd = [
        connected(session, world.amina, "a"),
        connected(session, world.outsider, "o"),  # never accepted the code of conduct
        connected(session, world.bruno, "b"),
        facilitator,
    ]
    session.commit()

    arrivals = service.join_together(session, world.open_room.id, crowd, worker_id=WORKER)
    session.commit()

    amina, bruno, fatou = (admitted(arrivals.acks[i]) for i in (0, 2, 3))
    assert isinstance(arrivals.acks[1], ConductNotAccepted)
    assert amina["state"]["you"]["person"]["name"] == "Amina Diallo"
    assert bruno["state"]["you"]["person"]["bloc"] == "government"
    assert fatou["state"]["you"]["facilitator"] is True
    assert amina["state"]["you"]["facilitator"] is False
    assert [e["type"] for e in amina["events"]] == ["room.opened"]
    names = [entry["person"]["name"] for entry in fatou["state"]["presence"]["people"]]
    assert sorted(names) == ["Amina Diallo", "Bruno Gomes", "Chen Wei", "Fatou Facilitator"]
    assert amina["state"]["presence"]["counts"] == fatou["state"]["presence"]["counts"]
    rows = session.execute(
        select(RoomPresence.sid, RoomPresence.user_id).where(
            RoomPresence.room_id == world.open_room.id
        )
    )
    assert sorted(rows) == sorted(
        [
            (watcher, world.chen.id),
            ("a", world.amina.id),
            ("b", world.bruno.id),
            ("f", world.facilitator.id),
        ]
    )
    (delivery,) = arrivals.deliveries
    assert delivery.presence is not None
    full, _partial = delivery.presence
    assert {entry["person"]["id"] for entry in full["people"]} == {
        world.amina.id,
        world.bruno.id,
        world.facilitator.id,
    }
    assert full["total"] == 4


def test_one_person_joining_from_two_tabs_in_a_crowd_counts_once(session, world):
    crowd = [connected(session, world.amina, "tab-1"), connected(session, world.amina, "tab-2")]
    session.commit()

    arrivals = service.join_together(session, world.open_room.id, crowd, worker_id=WORKER)
    session.commit()

    tab_1, tab_2 = (admitted(ack) for ack in arrivals.acks)
    assert tab_1["state"]["you"]["person"]["name"] == "Amina Diallo"
    assert tab_2["state"]["you"]["person"]["name"] == "Amina Diallo"
    assert session.scalar(select(func.count(RoomParticipant.id))) == 1
    assert set(session.scalars(select(RoomPresence.sid))) == {"tab-1", "tab-2"}
    assert tab_2["state"]["presence"]["total"] == 1


def test_a_crowd_admits_no_one_through_someone_else_s_connection(session, world):
    crowd = [
        connected(session, world.amina, "a"),
        service.JoinRequest(user_id=world.bruno.id, sid="a"),
        service.JoinRequest(user_id=world.chen.id, sid="never-connected"),
    ]
    session.commit()

    arrivals = service.join_together(session, world.open_room.id, crowd, worker_id=WORKER)
    session.commit()

    amina, bruno, chen = arrivals.acks
    assert admitted(amina)["room"] == world.open_room.id
    assert isinstance(bruno, service.NotJoined)
    assert isinstance(chen, service.NotJoined)
    assert set(session.scalars(select(RoomPresence.user_id))) == {world.amina.id}


def test_a_crowd_shows_a_members_only_room_to_no_one_outside_it(session, world):
    world.space.visibility = Visibility.MEMBERS
    crowd = [connected(session, world.outsider, "o"), connected(session, world.facilitator, "f")]
    session.commit()

    arrivals = service.join_together(session, world.open_room.id, crowd, worker_id=WORKER)

    outsider, facilitator = arrivals.acks
    assert isinstance(outsider, NotFound)
    assert admitted(facilitator)["state"]["you"]["facilitator"] is True


def test_a_crowd_at_a_room_that_does_not_exist_is_told_so(session, world):
    crowd = [connected(session, world.amina, "a"), connected(session, world.bruno, "b")]
    session.commit()

    arrivals = service.join_together(session, 999_999, crowd, worker_id=WORKER)

    assert all(isinstance(ack, NotFound) for ack in arrivals.acks)
    assert arrivals.deliveries == []


def test_joining_needs_the_code_of_conduct(session, world):
    with pytest.raises(ConductNotAccepted):
        enter(session, world.outsider, world.open_room)
    session.rollback()
    assert session.scalar(select(func.count(RoomPresence.id))) == 0


def test_a_room_of_a_hidden_space_does_not_exist_for_outsiders(session, world):
    hidden = factories.space(
        session,
        visibility=Visibility.INVITE,
        facilitators=(world.facilitator,),
        accepted_by=(world.facilitator,),
    )
    session.commit()
    room = service.open_room(session, world.facilitator, hidden.slug, title="Invite only")
    session.commit()
    with pytest.raises(NotFound):
        enter(session, world.amina, room)
    with pytest.raises(NotFound):
        service.room_state(session, world.amina, room.id)


def test_only_facilitators_open_rooms(session, world):
    with pytest.raises(Forbidden):
        service.open_room(session, world.amina, world.space.slug, title="Mine")


def test_locked_room_admits_facilitators_and_people_admitted_before(session, world):
    room = world.open_room
    enter(session, world.facilitator, room)
    facilitator_sid = f"sid-{world.facilitator.id}-{room.id}"
    enter(session, world.amina, room)
    service.lock(session, world.facilitator.id, room.id, sid=facilitator_sid, locked=True)
    session.commit()
    with pytest.raises(service.RoomLocked):
        enter(session, world.bruno, room)
    session.rollback()
    service.leave(session, world.amina.id, room.id, sid=f"sid-{world.amina.id}-{room.id}")
    session.commit()
    enter(session, world.amina, room)  # admitted before the lock
    with pytest.raises(Conflict):
        service.lock(session, world.facilitator.id, room.id, sid=facilitator_sid, locked=True)
    session.rollback()
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "room")
    ).all()
    assert "room.locked" in actions


def test_registration_is_required_when_the_room_asks_for_it(session, world):
    room = world.open_room
    room.registration_required = True
    session.commit()
    with pytest.raises(service.RegistrationRequired):
        enter(session, world.amina, room)
    session.rollback()
    service.register_participant(session, room, world.amina)
    session.commit()
    enter(session, world.amina, room)
    enter(session, world.facilitator, room)


# The log -------------------------------------------------------------------------------


def test_every_change_gets_the_next_sequence_number(session, world):
    room = world.open_room
    sid = enter(session, world.amina, room)
    for n in range(3):
        service.say(session, world.amina.id, room.id, sid=sid, body=f"point {n}", client_id=f"c{n}")
        session.commit()
    service.hand(session, world.amina.id, room.id, sid=sid, up=True)
    session.commit()
    assert event_types(session, room) == [
        (1, "room.opened"),
        (2, "message"),
        (3, "message"),
        (4, "message"),
        (5, "hand"),
    ]
    session.refresh(room)
    assert room.last_seq == 5


def test_a_failed_change_takes_no_sequence_number(session, world):
    room = world.open_room
    sid = enter(session, world.amina, room)
    with pytest.raises(Forbidden):
        service.agenda(session, world.amina.id, room.id, sid=sid, item=1)
    session.rollback()
    service.say(session, world.amina.id, room.id, sid=sid, body="after", client_id="x")
    session.commit()
    assert [seq for seq, _kind in event_types(session, room)] == [1, 2]


def test_events_after_pages_through_the_log(session, world):
    room = world.open_room
    sid = enter(session, world.amina, room)
    for n in range(5):
        service.say(session, world.amina.id, room.id, sid=sid, body=f"m{n}", client_id=f"m{n}")
    session.commit()
    first = service.events_after(session, world.amina, room.id, after=0, limit=4)
    assert [e["seq"] for e in first["items"]] == [1, 2, 3, 4]
    assert first["has_more"] is True
    rest = service.events_after(session, world.amina, room.id, after=4, limit=4)
    assert [e["seq"] for e in rest["items"]] == [5, 6]
    assert rest["has_more"] is False
    assert rest["last_seq"] == 6


# Chat ------------------------------------------------------------------------------------


def test_say_is_idempotent_on_client_id(session, world):
    room = world.open_room
    sid = enter(session, world.amina, room)
    first = service.say(session, world.amina.id, room.id, sid=sid, body="Hello", client_id="abc")
    session.commit()
    again = service.say(session, world.amina.id, room.id, sid=sid, body="Hello", client_id="abc")
    session.commit()
    assert first.ack == {"seq": 2, "duplicate": False}
    assert again.ack == {"seq": 2, "duplicate": True}
    assert again.deliveries == []
    assert session.scalar(select(func.count()).where(RoomEvent.type == "message")) == 1


def test_say_is_rate_limited_per_person(session, world):
    room = world.open_room
    sid = enter(session, world.amina, room)
    start = utcnow()
    for n in range(service.DEFAULT_SAY_LIMIT):
        service.say(
            session, world.amina.id, room.id, sid=sid, body="x", client_id=f"r{n}", now=start
        )
    session.commit()
    with pytest.raises(RateLimited):
        service.say(
            session, world.amina.id, room.id, sid=sid, body="x", client_id="r-over", now=start
        )
    session.rollback()
    later = start + service.RATE_WINDOW + timedelta(seconds=1)
    service.say(session, world.amina.id, room.id, sid=sid, body="x", client_id="r-later", now=later)
    session.commit()
    # Someone else is not slowed down by Amina.
    bruno = enter(session, world.bruno, room)
    service.say(session, world.bruno.id, room.id, sid=bruno, body="y", client_id="b", now=start)


def test_muted_people_cannot_speak_and_unmuted_can(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    amina = enter(session, world.amina, room)
    service.hand(session, world.amina.id, room.id, sid=amina, up=True)
    outcome = service.moderate(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        action="mute",
        target_id=world.amina.id,
    )
    session.commit()
    assert outcome.deliveries[0].personal[0][0] == amina  # a fresh state for Amina
    assert outcome.deliveries[0].personal[0][2]["you"]["muted"] is True
    acts: list[Callable[[], object]] = [
        lambda: service.say(session, world.amina.id, room.id, sid=amina, body="x", client_id="m"),
        lambda: service.hand(session, world.amina.id, room.id, sid=amina, up=True),
        lambda: service.ask(session, world.amina.id, room.id, sid=amina, body="Why?"),
        lambda: service.react(session, world.amina.id, room.id, sid=amina, emoji="clap"),
    ]
    for act in acts:
        with pytest.raises(service.Muted):
            act()
        session.rollback()
    assert service.room_state(session, world.facilitator, room.id)["queue"] == []  # hand lowered
    service.moderate(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        action="unmute",
        target_id=world.amina.id,
    )
    session.commit()
    service.say(session, world.amina.id, room.id, sid=amina, body="Thanks", client_id="ok")


def test_hidden_messages_lose_their_body_for_participants_only(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    amina = enter(session, world.amina, room)
    said = service.say(session, world.amina.id, room.id, sid=amina, body="Rude", client_id="r")
    service.hide(session, world.facilitator.id, room.id, sid=facilitator, seq=said.ack["seq"])
    session.commit()
    seen = {e["seq"]: e for e in service.events_after(session, world.bruno, room.id)["items"]}
    assert seen[said.ack["seq"]]["data"] == {"body": None, "client_id": "r", "hidden": True}
    assert seen[said.ack["seq"] + 1]["type"] == "hidden"
    full = {e["seq"]: e for e in service.events_after(session, world.facilitator, room.id)["items"]}
    assert full[said.ack["seq"]]["data"]["body"] == "Rude"
    with pytest.raises(Conflict):
        service.hide(session, world.facilitator.id, room.id, sid=facilitator, seq=said.ack["seq"])
    session.rollback()
    with pytest.raises(NotFound):
        service.hide(session, world.facilitator.id, room.id, sid=facilitator, seq=1)  # room.opened


# Hands, floor, queue ---------------------------------------------------------------------


def test_queue_orders_hands_and_can_put_first_time_speakers_first(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    sids = {p.id: enter(session, p, room) for p in (world.amina, world.bruno, world.chen)}
    start = utcnow()
    # Bruno has spoken before; then Bruno, Amina and Chen raise hands in that order.
    service.floor(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        speaker_id=world.bruno.id,
        now=start,
    )
    service.floor(
        session, world.facilitator.id, room.id, sid=facilitator, speaker_id=None, now=start
    )
    for person in (world.bruno, world.amina, world.chen):
        service.hand(session, person.id, room.id, sid=sids[person.id], up=True)
        session.commit()

    def order() -> list[int]:
        return [
            e["person"]["id"]
            for e in service.room_state(session, world.facilitator, room.id)["queue"]
        ]

    assert order() == [world.bruno.id, world.amina.id, world.chen.id]
    service.queue_mode(
        session, world.facilitator.id, room.id, sid=facilitator, mode="first_time_first"
    )
    session.commit()
    assert order() == [world.amina.id, world.chen.id, world.bruno.id]
    with pytest.raises(Conflict):
        service.queue_mode(
            session, world.facilitator.id, room.id, sid=facilitator, mode="first_time_first"
        )
    session.rollback()
    # Lowering twice is harmless and stores nothing.
    service.hand(session, world.chen.id, room.id, sid=sids[world.chen.id], up=False)
    again = service.hand(session, world.chen.id, room.id, sid=sids[world.chen.id], up=False)
    assert again.ack["seq"] is None
    session.commit()
    assert order() == [world.amina.id, world.bruno.id]


def test_floor_lowers_the_hand_and_counts_speaking_time_by_bloc(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    amina = enter(session, world.amina, room)
    bruno = enter(session, world.bruno, room)
    service.hand(session, world.amina.id, room.id, sid=amina, up=True)
    start = utcnow()
    given = service.floor(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        speaker_id=world.amina.id,
        now=start,
    )
    session.commit()
    event = given.deliveries[0].events[0][0]
    assert event["data"]["speaker"]["person"]["id"] == world.amina.id
    assert event["data"]["queue"] == []
    # Participants do not get speaking time by bloc.
    assert "speaking_time" not in given.deliveries[0].events[0][1]["data"]
    service.hand(session, world.bruno.id, room.id, sid=bruno, up=True)
    handed = service.floor(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        speaker_id=world.bruno.id,
        now=start + timedelta(seconds=90),
    )
    assert handed.deliveries[0].events[0][0]["data"]["previous"]["seconds"] == 90
    service.floor(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        speaker_id=None,
        now=start + timedelta(seconds=120),
    )
    session.commit()
    times = service.speaking_time(session, room, start + timedelta(seconds=500))
    assert times["by_bloc"] == {"diaspora": 90, "government": 30, "io": 0, "other": 0}
    assert times["turns_by_bloc"]["diaspora"] == 1
    with pytest.raises(Conflict):
        service.floor(session, world.facilitator.id, room.id, sid=facilitator, speaker_id=None)
    session.rollback()
    with pytest.raises(Forbidden):
        service.floor(session, world.amina.id, room.id, sid=amina, speaker_id=world.amina.id)
    session.rollback()
    with pytest.raises(NotFound):
        service.floor(
            session, world.facilitator.id, room.id, sid=facilitator, speaker_id=world.chen.id
        )


# Polls -------------------------------------------------------------------------------------


def test_poll_results_by_bloc_and_votes_can_change(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    sids = {p.id: enter(session, p, room) for p in (world.amina, world.bruno, world.chen)}
    opened = service.poll_open(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        question="Cap fees at 3%?",
        choices=["Yes", "No", "Later"],
    )
    session.commit()
    poll = opened.ack["poll"]
    service.poll_vote(
        session, world.amina.id, room.id, sid=sids[world.amina.id], poll_id=poll, choices=[1]
    )
    # A vote changes a while later (a change at once counts against the rate limit).
    session.execute(update(PollVote).values(voted_at=utcnow() - timedelta(seconds=5)))
    service.poll_vote(
        session, world.amina.id, room.id, sid=sids[world.amina.id], poll_id=poll, choices=[0]
    )
    service.poll_vote(
        session, world.bruno.id, room.id, sid=sids[world.bruno.id], poll_id=poll, choices=[1]
    )
    voted = service.poll_vote(
        session, world.chen.id, room.id, sid=sids[world.chen.id], poll_id=poll, choices=[0]
    )
    session.commit()
    results = voted.deliveries[0].events[0][1]["data"]["results"]
    assert results["voters"] == 3
    assert results["counts"] == [2, 1, 0]
    assert results["by_bloc"]["diaspora"] == {"voters": 1, "counts": [1, 0, 0]}
    assert results["by_bloc"]["government"] == {"voters": 1, "counts": [0, 1, 0]}
    assert results["by_bloc"]["io"] == {"voters": 1, "counts": [1, 0, 0]}
    assert "votes" not in results  # anonymous by default
    assert voted.deliveries[0].events[0][0]["actor"] is None
    assert session.scalar(select(func.count(PollVote.id))) == 3
    for bad in ([0, 1], [3], [0, 0]):
        with pytest.raises(ValidationFailed):
            service.poll_vote(
                session, world.chen.id, room.id, sid=sids[world.chen.id], poll_id=poll, choices=bad
            )
        session.rollback()
    service.poll_close(session, world.facilitator.id, room.id, sid=facilitator, poll_id=poll)
    session.commit()
    with pytest.raises(Conflict):
        service.poll_vote(
            session, world.chen.id, room.id, sid=sids[world.chen.id], poll_id=poll, choices=[1]
        )
    session.rollback()
    with pytest.raises(Conflict):
        service.poll_close(session, world.facilitator.id, room.id, sid=facilitator, poll_id=poll)


def test_hidden_results_reach_participants_only_when_the_poll_closes(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    amina = enter(session, world.amina, room)
    opened = service.poll_open(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        question="Which corridor first?",
        choices=["Europe", "Gulf", "North America"],
        multiple=True,
        anonymous=False,
        results="on_close",
    )
    poll = opened.ack["poll"]
    voted = service.poll_vote(
        session, world.amina.id, room.id, sid=amina, poll_id=poll, choices=[0, 2]
    )
    session.commit()
    full, partial = voted.deliveries[0].events[0]
    assert "results" not in partial["data"]
    assert "vote" not in partial["data"]
    assert full["data"]["results"]["counts"] == [1, 0, 1]
    assert full["actor"]["id"] == world.amina.id  # named poll
    # A vote carries itself, not the growing list of every vote.
    assert full["data"]["vote"] == {"voter": full["actor"], "choices": [0, 2]}
    assert "votes" not in full["data"]["results"]
    state = service.room_state(session, world.amina, room.id)
    assert "results" not in state["polls"][0]
    assert state["you"]["votes"] == {str(poll): [0, 2]}
    assert service.room_state(session, world.facilitator, room.id)["polls"][0]["results"]
    closed = service.poll_close(
        session, world.facilitator.id, room.id, sid=facilitator, poll_id=poll
    )
    session.commit()
    final = closed.deliveries[0].events[0][1]["data"]["poll"]["results"]
    assert final["counts"] == [1, 0, 1]
    assert final["votes"][0]["voter"]["name"] == "Amina Diallo"
    assert service.room_state(session, world.amina, room.id)["polls"][0]["results"]["voters"] == 1


def test_only_facilitators_run_polls(session, world):
    room = world.open_room
    amina = enter(session, world.amina, room)
    with pytest.raises(Forbidden):
        service.poll_open(
            session, world.amina.id, room.id, sid=amina, question="Mine?", choices=["a", "b"]
        )
    session.rollback()
    facilitator = enter(session, world.facilitator, room)
    with pytest.raises(ValidationFailed):
        service.poll_open(
            session,
            world.facilitator.id,
            room.id,
            sid=facilitator,
            question="?",
            choices=["A", "a"],
        )


# Questions, reactions, agenda ---------------------------------------------------------------


def test_questions_are_upvoted_once_and_answered_once(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    sids = {p.id: enter(session, p, room) for p in (world.amina, world.bruno, world.chen)}
    first = service.ask(session, world.amina.id, room.id, sid=sids[world.amina.id], body="Fees?")
    second = service.ask(session, world.bruno.id, room.id, sid=sids[world.bruno.id], body="Data?")
    session.commit()
    q1, q2 = first.ack["question"], second.ack["question"]
    for person in (world.chen, world.amina):
        service.upvote(session, person.id, room.id, sid=sids[person.id], question_id=q2)
    twice = service.upvote(session, world.chen.id, room.id, sid=sids[world.chen.id], question_id=q2)
    assert twice.ack == {"question": q2, "votes": 2, "seq": None}
    service.upvote(session, world.chen.id, room.id, sid=sids[world.chen.id], question_id=q1)
    service.upvote(
        session, world.chen.id, room.id, sid=sids[world.chen.id], question_id=q1, up=False
    )
    session.commit()
    questions = service.room_state(session, world.bruno, room.id)["questions"]
    assert [(q["id"], q["votes"]) for q in questions] == [(q2, 2), (q1, 0)]
    assert questions[0]["seq"] == second.ack["seq"]
    service.answer(session, world.facilitator.id, room.id, sid=facilitator, question_id=q2)
    session.commit()
    with pytest.raises(Conflict):
        service.answer(session, world.facilitator.id, room.id, sid=facilitator, question_id=q2)
    session.rollback()
    with pytest.raises(Forbidden):
        service.answer(session, world.amina.id, room.id, sid=sids[world.amina.id], question_id=q1)
    session.rollback()
    service.hide(session, world.facilitator.id, room.id, sid=facilitator, seq=first.ack["seq"])
    session.commit()
    assert [q["id"] for q in service.room_state(session, world.bruno, room.id)["questions"]] == [q2]
    hidden = service.room_state(session, world.facilitator, room.id)["questions"]
    assert [q["hidden"] for q in hidden] == [False, True]


def test_reactions_are_aggregated(session, world):
    room = world.open_room
    amina = enter(session, world.amina, room)
    bruno = enter(session, world.bruno, room)
    service.react(session, world.amina.id, room.id, sid=amina, emoji="clap")
    service.react(session, world.bruno.id, room.id, sid=bruno, emoji="clap")
    last = service.react(session, world.bruno.id, room.id, sid=bruno, emoji="heart")
    session.commit()
    assert last.ack["counts"] == {
        "clap": 2,
        "thumbs_up": 0,
        "heart": 1,
        "thinking": 0,
        "surprised": 0,
        "thanks": 0,
    }
    with pytest.raises(ValidationFailed):
        service.react(session, world.bruno.id, room.id, sid=bruno, emoji="poop")


def test_agenda_moves_between_existing_items(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    moved = service.agenda(session, world.facilitator.id, room.id, sid=facilitator, item=0)
    service.agenda(session, world.facilitator.id, room.id, sid=facilitator, item=1)
    session.commit()
    assert moved.deliveries[0].events[0][1]["data"] == {
        "current": 0,
        "item": {"title": "Welcome", "minutes": None},
    }
    assert service.room_state(session, world.amina, room.id)["agenda"]["current"] == 1
    for item in (1, 2):
        with pytest.raises(Conflict):
            service.agenda(session, world.facilitator.id, room.id, sid=facilitator, item=item)
        session.rollback()


# Moderation --------------------------------------------------------------------------------


def test_removal_ends_presence_and_bars_rejoining_until_readmitted(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    amina = enter(session, world.amina, room)
    service.hand(session, world.amina.id, room.id, sid=amina, up=True)
    session.commit()
    removed = service.moderate(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        action="remove",
        target_id=world.amina.id,
    )
    session.commit()
    delivery = removed.deliveries[0]
    assert delivery.disconnect == [amina]
    assert delivery.personal == [
        (
            amina,
            "notice",
            {"room": room.id, "code": "removed", "message": delivery.personal[0][2]["message"]},
        )
    ]
    assert delivery.presence is not None
    assert delivery.presence[0]["total"] == 1
    assert delivery.events[0][0]["data"]["queue"] == []
    with pytest.raises(service.Removed):
        enter(session, world.amina, room)
    session.rollback()
    with pytest.raises(service.NotJoined):
        service.say(session, world.amina.id, room.id, sid=amina, body="still here?", client_id="z")
    session.rollback()
    service.moderate(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        action="readmit",
        target_id=world.amina.id,
    )
    session.commit()
    enter(session, world.amina, room)
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "room", AuditEntry.target_id == room.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["room.opened", "room.participant_removed", "room.participant_readmitted"]
    page = service.audit_trail(session, world.facilitator, room.id)
    assert page.items[0].details == {"user_id": world.amina.id}
    with pytest.raises(Forbidden):
        service.audit_trail(session, world.amina, room.id)


def test_facilitators_cannot_be_moderated(session, world):
    room = world.open_room
    facilitator = enter(session, world.facilitator, room)
    with pytest.raises(Forbidden):
        service.moderate(
            session,
            world.facilitator.id,
            room.id,
            sid=facilitator,
            action="mute",
            target_id=world.facilitator.id,
        )
    session.rollback()
    with pytest.raises(NotFound):
        service.moderate(
            session,
            world.facilitator.id,
            room.id,
            sid=facilitator,
            action="mute",
            target_id=world.chen.id,  # never joined
        )


def test_chatham_house_is_never_relaxed(session, world):
    room = world.open_room
    enter(session, world.amina, room)
    outcome = service.set_mode(session, world.facilitator, room.id, RoomMode.CHATHAM_HOUSE)
    session.commit()
    # Everyone present gets a fresh state that now hides identities.
    (_sid, name, state) = outcome.deliveries[0].personal[0]
    assert name == "state"
    assert state["you"]["person"] == {"bloc": "diaspora"}
    with pytest.raises(Conflict):
        service.set_mode(session, world.facilitator, room.id, RoomMode.OPEN)


# Transcripts ---------------------------------------------------------------------------------


def _talk(session: Session, world: World, room: Room) -> None:
    facilitator = enter(session, world.facilitator, room)
    amina = enter(session, world.amina, room)
    bruno = enter(session, world.bruno, room)
    service.agenda(session, world.facilitator.id, room.id, sid=facilitator, item=0)
    service.say(
        session, world.amina.id, room.id, sid=amina, body="Fees hurt *families*", client_id="1"
    )
    rude = service.say(session, world.bruno.id, room.id, sid=bruno, body="Nonsense", client_id="2")
    service.hide(session, world.facilitator.id, room.id, sid=facilitator, seq=rude.ack["seq"])
    service.ask(session, world.bruno.id, room.id, sid=bruno, body="What about mobile money?")
    poll = service.poll_open(
        session,
        world.facilitator.id,
        room.id,
        sid=facilitator,
        question="Cap?",
        choices=["Yes", "No"],
    ).ack["poll"]
    service.poll_vote(session, world.amina.id, room.id, sid=amina, poll_id=poll, choices=[0])
    service.poll_close(session, world.facilitator.id, room.id, sid=facilitator, poll_id=poll)
    session.commit()


def test_transcript_of_an_open_room_names_speakers_and_marks_hidden_messages(session, world):
    room = world.open_room
    _talk(session, world, room)
    record = service.transcript(session, world.facilitator, room.id)
    assert [m.get("body") for m in record["messages"]] == ["Fees hurt *families*", None]
    assert record["messages"][0]["speaker"]["name"] == "Amina Diallo"
    assert record["messages"][1] == {
        "seq": record["messages"][1]["seq"],
        "at": record["messages"][1]["at"],
        "hidden": True,
    }
    assert record["agenda"][0]["started_at"] is not None
    assert record["agenda"][1]["started_at"] is None
    assert record["polls"][0]["results"]["counts"] == [1, 0]
    assert record["questions"][0]["body"] == "What about mobile money?"
    markdown = service.transcript_markdown(record)
    assert "Amina Diallo (Senegalese Diaspora Union, Diaspora)" in markdown
    assert r"Fees hurt \*families\*" in markdown
    assert "Nonsense" not in markdown
    with pytest.raises(Forbidden):
        service.transcript(session, world.amina, room.id)


def test_transcript_of_a_chatham_house_room_names_blocs_only(session, world):
    room = world.chatham_room
    _talk(session, world, room)
    record = service.transcript(session, world.facilitator, room.id)
    assert record["messages"][0]["speaker"] == {"bloc": "diaspora"}
    assert record["questions"][0]["asker"] == {"bloc": "government"}
    text = service.transcript_markdown(record) + str(record)
    for name in ("Amina", "Bruno", "Senegalese Diaspora Union", "Ministry", "Fatou"):
        assert name not in text
    assert "Chatham House rule" in text


def test_participants_by_bloc_counts_people_admitted(session, world):
    room = world.open_room
    for person in (world.facilitator, world.amina, world.bruno):
        enter(session, person, room)
    record = service.transcript(session, world.facilitator, room.id)
    assert record["participants_by_bloc"] == {"diaspora": 1, "government": 1, "io": 0, "other": 1}
    assert session.scalar(select(func.count(RoomParticipant.id))) == 3


def test_an_ended_room_is_read_only_for_facilitators_too(session, world):
    room = world.open_room
    sid = enter(session, world.facilitator, room)
    lifecycle.end(session, world.facilitator.id, room)
    session.commit()
    last = room.last_seq
    with pytest.raises(Conflict):
        service.say(session, world.facilitator.id, room.id, sid=sid, body="late", client_id="z")
    session.rollback()
    with pytest.raises(Conflict):
        service.poll_open(
            session, world.facilitator.id, room.id, sid=sid, question="Late?", choices=["a", "b"]
        )
    session.rollback()
    session.refresh(room)
    assert room.last_seq == last
