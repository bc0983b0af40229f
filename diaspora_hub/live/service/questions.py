"""Questions to the room: asked, upvoted once per person, answered by facilitators."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import NotFound
from diaspora_hub.live.models import QuestionVote, Room, RoomQuestion
from diaspora_hub.live.service.kernel import (
    DEFAULT_STATE_QUESTIONS,
    _iso,
    _refs,
    _require_facilitator,
    _require_voice,
    _seat,
    _setting,
)
from diaspora_hub.live.service.log import _append_by, _delivery
from diaspora_hub.live.service.redaction import view
from diaspora_hub.live.types import Json, Outcome


def _question_json(question: RoomQuestion, asker: Json | None) -> Json:
    return {
        "id": question.id,
        "seq": question.seq,
        "body": question.body,
        "asker": asker,
        "votes": question.votes,
        "state": question.state.value,
        "asked_at": _iso(question.asked_at),
        "answered_at": _iso(question.answered_at),
        "hidden": question.hidden_at is not None,
    }


def _questions_query(room: Room, *, include_hidden: bool) -> Select[tuple[RoomQuestion]]:
    query = select(RoomQuestion).where(RoomQuestion.room_id == room.id)
    if not include_hidden:
        query = query.where(RoomQuestion.hidden_at.is_(None))
    return query


def _question_total(session: Session, room: Room, *, include_hidden: bool) -> int:
    query = _questions_query(room, include_hidden=include_hidden)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _questions(
    session: Session, room: Room, *, include_hidden: bool, offset: int = 0
) -> list[Json]:
    """The room's questions by votes, at most LIVE_STATE_QUESTIONS of them from ``offset``."""
    limit = _setting("LIVE_STATE_QUESTIONS", DEFAULT_STATE_QUESTIONS)
    query = _questions_query(room, include_hidden=include_hidden)
    questions = list(
        session.scalars(
            query.order_by(RoomQuestion.votes.desc(), RoomQuestion.id).offset(offset).limit(limit)
        )
    )
    refs = _refs(session, room.id, (q.user_id for q in questions if q.user_id is not None))
    return [
        _question_json(q, refs.get(q.user_id) if q.user_id is not None else None) for q in questions
    ]


def questions(session: Session, actor_id: int, room_id: int, *, sid: str, offset: int) -> Outcome:
    """More of the room's questions than its ``state`` carries, from ``offset`` (in the
    state's order), as this person may see them."""
    seat = _seat(session, actor_id, room_id, sid)
    room = seat.room
    found = _questions(session, room, include_hidden=seat.facilitator, offset=offset)
    shown = view({"questions": found}, chatham=room.is_chatham_house, facilitator=seat.facilitator)
    return Outcome(
        {
            "questions": shown["questions"],
            "offset": offset,
            "total": _question_total(session, room, include_hidden=seat.facilitator),
        }
    )


def _room_question(session: Session, room: Room, question_id: int) -> RoomQuestion:
    question = session.scalar(
        select(RoomQuestion).where(
            RoomQuestion.id == question_id,
            RoomQuestion.room_id == room.id,
            RoomQuestion.hidden_at.is_(None),
        )
    )
    if question is None:
        raise NotFound(_("No such question in this room."))
    return question


def ask(session: Session, actor_id: int, room_id: int, *, sid: str, body: str) -> Outcome:
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_voice(seat)
    room = seat.room
    question = RoomQuestion(
        room_id=room.id,
        user_id=actor.id,
        bloc=seat.participant.bloc,
        body=body,
        seq=room.last_seq + 1,
        asked_at=utcnow(),
    )
    session.add(question)
    session.flush()
    event = _append_by(
        session,
        seat,
        "question.asked",
        data={"question": _question_json(question, seat.ref())},
    )
    # The room row is locked, so the number taken above is the one the event received.
    question.seq = event.seq
    return Outcome({"question": question.id, "seq": event.seq}, [_delivery(room, event)])


def upvote(
    session: Session, actor_id: int, room_id: int, *, sid: str, question_id: int, up: bool = True
) -> Outcome:
    """Upvote a question once, or take the upvote back."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    question = _room_question(session, seat.room, question_id)
    vote = session.scalar(
        select(QuestionVote).where(
            QuestionVote.question_id == question.id, QuestionVote.user_id == actor.id
        )
    )
    if up == (vote is not None):
        return Outcome({"question": question.id, "votes": question.votes, "seq": None})
    if up:
        session.add(QuestionVote(question_id=question.id, user_id=actor.id))
        question.votes += 1
    else:
        session.delete(vote)
        question.votes -= 1
    session.flush()
    event = _append_by(
        session,
        seat,
        "question.upvoted",
        data={"question": question.id, "votes": question.votes, "up": up},
    )
    return Outcome(
        {"question": question.id, "votes": question.votes, "seq": event.seq},
        [_delivery(seat.room, event)],
    )


def answer(session: Session, actor_id: int, room_id: int, *, sid: str, question_id: int) -> Outcome:
    seat = _seat(session, actor_id, room_id, sid)
    _require_facilitator(session, seat)
    question = _room_question(session, seat.room, question_id)
    question.mark_answered()
    session.flush()
    event = _append_by(
        session,
        seat,
        "question.answered",
        data={"question": question.id},
    )
    return Outcome({"question": question.id, "seq": event.seq}, [_delivery(seat.room, event)])
