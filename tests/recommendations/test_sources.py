"""Citations: what a recommendation quotes of calls and rooms, honouring attribution and the
Chatham House rule for every reader."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import (
    Attribution,
    Call,
    CallQuestion,
    Contribution,
    ContributionAnswer,
    Theme,
    ThemeContribution,
)
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, ValidationFailed
from diaspora_hub.live import service as live
from diaspora_hub.live.models import Room, RoomEvent, RoomMode
from diaspora_hub.recommendations import service
from diaspora_hub.recommendations.models import SourceKind
from tests import factories
from tests.recommendations.conftest import World, consulted, draft

pytestmark = pytest.mark.postgres

WORKER = "test-host:1:1"


def _enter(session: Session, user: User, room: Room) -> str:
    sid = f"sid-{user.id}-{room.id}"
    live.connect_together(
        session,
        [live.Connecting(sid=sid, user_id=user.id, session_version=user.session_version)],
        worker_id=WORKER,
    )
    live.join(session, user.id, room.id, sid=sid, worker_id=WORKER)
    session.commit()
    return sid


def _room_with_record(session: Session, world: World, mode: RoomMode) -> dict[str, int]:
    """A room where Fatou speaks and asks, the facilitator answers and runs a poll."""
    with world.app.test_request_context():
        return _record(session, world, mode)


def _record(session: Session, world: World, mode: RoomMode) -> dict[str, int]:
    room = live.open_room(
        session, world.facilitator, world.space.slug, title="Consultation", mode=mode
    )
    session.commit()
    chair = _enter(session, world.facilitator, room)
    speaker = _enter(session, world.delegate_a, room)
    said = live.say(
        session,
        world.delegate_a.id,
        room.id,
        sid=speaker,
        body="Fees are too high.",
        client_id="m1",
    )
    asked = live.ask(session, world.delegate_a.id, room.id, sid=speaker, body="Who pays the fee?")
    answered = live.answer(
        session, world.facilitator.id, room.id, sid=chair, question_id=asked.ack["question"]
    )
    poll = live.poll_open(
        session,
        world.facilitator.id,
        room.id,
        sid=chair,
        question="Cap at 3 %?",
        choices=["Yes", "No"],
    )
    live.poll_vote(
        session, world.delegate_a.id, room.id, sid=speaker, poll_id=poll.ack["poll"], choices=[0]
    )
    closed = live.poll_close(
        session, world.facilitator.id, room.id, sid=chair, poll_id=poll.ack["poll"]
    )
    session.commit()

    def event_id(seq: int) -> int:
        return session.execute(
            select(RoomEvent.id).where(RoomEvent.room_id == room.id, RoomEvent.seq == seq)
        ).scalar_one()

    return {
        "room": room.id,
        "message": event_id(said.ack["seq"]),
        "question": event_id(answered.ack["seq"]),
        "poll": event_id(closed.ack["seq"]),
        "asked": event_id(asked.ack["seq"]),
    }


def _cite_all(session: Session, world: World, refs: dict[str, int]) -> int:
    recommendation = consulted(session, world)
    with world.app.test_request_context():
        for kind in (SourceKind.MESSAGE, SourceKind.QUESTION, SourceKind.POLL):
            service.add_source(
                session, world.facilitator, recommendation.id, kind=kind, ref=refs[kind.value]
            )
        session.commit()
    return recommendation.id


def test_a_cited_chatham_house_message_names_a_bloc_never_a_person(session, world, login):
    refs = _room_with_record(session, world, RoomMode.CHATHAM_HOUSE)
    recommendation_id = _cite_all(session, world, refs)
    for reader in (world.facilitator, world.delegate_a):
        body = login(reader).get(f"/api/v1/recommendations/{recommendation_id}").get_json()
        sources = body["sources"]
        assert [s["kind"] for s in sources] == ["message", "question", "poll"]
        assert all(s["available"] for s in sources)
        assert sources[0]["text"] == "Fees are too high."
        assert sources[0]["bloc"] == "diaspora"
        raw = json.dumps(sources)
        for leak in ("Fatou", world.org_a.name, world.org_a.slug, str(world.delegate_a.id)):
            assert leak not in raw
        page = login(reader).get(f"/recommendations/{recommendation_id}").get_data(as_text=True)
        cited = page[page.index('id="sources-heading"') : page.index('id="changes-heading"')]
        assert "Fees are too high." in cited
        assert "Chatham House" in cited
        for leak in ("Fatou", world.org_a.name):
            assert leak not in cited


def test_an_open_room_message_is_cited_with_its_speaker(session, world, login):
    refs = _room_with_record(session, world, RoomMode.OPEN)
    recommendation_id = _cite_all(session, world, refs)
    body = login(world.outsider).get(f"/api/v1/recommendations/{recommendation_id}").get_json()
    message, question, poll = body["sources"]
    assert (message["person_name"], message["organisation_name"]) == (
        "Fatou Delegate",
        "Alpha Diaspora",
    )
    assert question["text"] == "Who pays the fee?"
    assert poll["choices"] == [{"choice": "Yes", "votes": 1}, {"choice": "No", "votes": 0}]
    assert message["url"] == f"/rooms/{refs['room']}"


def test_a_message_hidden_after_it_was_cited_is_no_longer_quoted(session, world, login):
    refs = _room_with_record(session, world, RoomMode.OPEN)
    recommendation_id = _cite_all(session, world, refs)
    session.get(RoomEvent, refs["message"]).hidden_at = utcnow()
    session.commit()
    body = login(world.outsider).get(f"/api/v1/recommendations/{recommendation_id}").get_json()
    assert body["sources"][0] == {**body["sources"][0], "available": False, "text": ""}


@pytest.mark.usefixtures("in_app")
def test_only_citable_events_of_the_same_space_are_cited(session, world):
    refs = _room_with_record(session, world, RoomMode.OPEN)
    recommendation = draft(session, world)
    with pytest.raises(ValidationFailed):  # an unanswered question's own event is not a poll
        service.add_source(
            session, world.facilitator, recommendation.id, kind=SourceKind.POLL, ref=refs["message"]
        )
    with pytest.raises(ValidationFailed):  # the "asked" event is not citable, only "answered"
        service.add_source(
            session,
            world.facilitator,
            recommendation.id,
            kind=SourceKind.QUESTION,
            ref=refs["asked"],
        )
    other_space = factories.space(session, facilitators=(world.facilitator,))
    session.commit()
    elsewhere = service.create_recommendation(
        session, world.facilitator, other_space.slug, title="T", text="X"
    )
    with pytest.raises(ValidationFailed):
        service.add_source(
            session, world.facilitator, elsewhere.id, kind=SourceKind.MESSAGE, ref=refs["message"]
        )
    service.add_source(
        session, world.facilitator, recommendation.id, kind=SourceKind.MESSAGE, ref=refs["message"]
    )
    with pytest.raises(Conflict):
        service.add_source(
            session,
            world.facilitator,
            recommendation.id,
            kind=SourceKind.MESSAGE,
            ref=refs["message"],
        )


def _closed_call(
    session: Session, world: World, attribution: Attribution
) -> tuple[Contribution, Theme]:
    now = utcnow()
    call = Call(
        space=world.space,
        author_id=world.facilitator.id,
        title="Remittance costs",
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        audience_kinds=["diaspora"],
        published_at=now - timedelta(days=11),
    )
    call.questions = [CallQuestion(position=1, text="What does a transfer cost you?")]
    session.add(call)
    session.flush()
    contribution = Contribution(
        call=call, organisation=world.org_a, author_id=world.delegate_a.id, attribution=attribution
    )
    contribution.answers = [
        ContributionAnswer(question_id=call.questions[0].id, text="Nine percent.")
    ]
    session.add(contribution)
    theme = Theme(call=call, title="Fees are high")
    theme.links = [ThemeContribution(contribution=contribution)]
    session.add(theme)
    session.commit()
    return contribution, theme


def test_a_cited_contribution_honours_its_attribution(session, world, login):
    contribution, theme = _closed_call(session, world, Attribution.ANONYMOUS)
    recommendation = consulted(session, world)
    with world.app.test_request_context():
        service.add_source(
            session,
            world.facilitator,
            recommendation.id,
            kind=SourceKind.CONTRIBUTION,
            ref=contribution.id,
        )
        # The call is not synthesised yet, so its themes are not public.
        with pytest.raises(ValidationFailed):
            service.add_source(
                session, world.facilitator, recommendation.id, kind=SourceKind.THEME, ref=theme.id
            )
        theme.call.synthesised_at = utcnow()
        session.commit()
        service.add_source(
            session, world.facilitator, recommendation.id, kind=SourceKind.THEME, ref=theme.id
        )
        session.commit()
    body = login(world.facilitator).get(f"/api/v1/recommendations/{recommendation.id}").get_json()
    cited, cited_theme = body["sources"]
    assert cited["text"] == "Nine percent."
    assert (cited["person_name"], cited["organisation_name"], cited["bloc"]) == (
        None,
        None,
        "diaspora",
    )
    assert cited_theme["text"] == "Fees are high"
    assert cited_theme["url"].endswith("#themes")
