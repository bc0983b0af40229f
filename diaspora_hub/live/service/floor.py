"""Raised hands, the speaking queue, the floor and speaking time by bloc."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from flask_babel import gettext as _
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, NotFound
from diaspora_hub.live.models import QueueMode, RaisedHand, Room, RoomParticipant, SpeakingTurn
from diaspora_hub.live.service.kernel import (
    _existing_participant,
    _iso,
    _refs,
    _require_facilitator,
    _require_voice,
    _seat,
    person_ref,
)
from diaspora_hub.live.service.log import _append_by, _delivery
from diaspora_hub.live.types import Json, Outcome
from diaspora_hub.organisations.models import Bloc


def _current_turn(session: Session, room: Room) -> SpeakingTurn | None:
    return session.scalar(
        select(SpeakingTurn).where(SpeakingTurn.room_id == room.id, SpeakingTurn.ended_at.is_(None))
    )


def _queue(session: Session, room: Room) -> list[Json]:
    """Raised hands in speaking order for the room's queue mode."""
    spoke = exists().where(
        SpeakingTurn.room_id == room.id, SpeakingTurn.user_id == RaisedHand.user_id
    )
    rows = session.execute(
        select(RaisedHand, spoke.label("spoke"))
        .where(RaisedHand.room_id == room.id)
        .order_by(RaisedHand.raised_at, RaisedHand.id)
    ).all()
    refs = _refs(session, room.id, (hand.user_id for hand, _spoke in rows))
    entries = [
        {
            "ticket": hand.ticket,
            "person": refs.get(hand.user_id),
            "raised_at": _iso(hand.raised_at),
            "first_time": not spoke,
        }
        for hand, spoke in rows
    ]
    if room.queue_mode is QueueMode.FIRST_TIME_FIRST:
        entries.sort(key=lambda entry: not entry["first_time"])
    return entries


def _speaker(session: Session, room: Room) -> Json | None:
    turn = _current_turn(session, room)
    if turn is None:
        return None
    return {
        "person": _refs(session, room.id, [turn.user_id]).get(turn.user_id),
        "since": _iso(turn.started_at),
    }


def speaking_time(session: Session, room: Room, now: datetime | None = None) -> Json:
    """Seconds and turns per bloc, the current turn counted up to ``now``."""
    now = now or utcnow()
    seconds = {bloc.value: 0 for bloc in Bloc}
    turns = {bloc.value: 0 for bloc in Bloc}
    for turn in session.scalars(select(SpeakingTurn).where(SpeakingTurn.room_id == room.id)):
        seconds[turn.bloc.value] += turn.seconds(now)
        turns[turn.bloc.value] += 1
    return {"by_bloc": seconds, "turns_by_bloc": turns, "total": sum(seconds.values())}


def _position(queue: list[Json], ticket: str | None) -> int | None:
    for index, entry in enumerate(queue):
        if entry["ticket"] == ticket:
            return index + 1
    return None


def hand(session: Session, actor_id: int, room_id: int, *, sid: str, up: bool) -> Outcome:
    """Raise or lower a hand; doing what is already done changes nothing."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    raised = session.scalar(
        select(RaisedHand).where(RaisedHand.room_id == seat.room.id, RaisedHand.user_id == actor.id)
    )
    if up:
        _require_voice(seat)
    if up == (raised is not None):
        queue = _queue(session, seat.room)
        ticket = raised.ticket if raised is not None else None
        return Outcome(
            {"up": up, "ticket": ticket, "position": _position(queue, ticket), "seq": None}
        )
    if up:
        raised = RaisedHand(room_id=seat.room.id, user_id=actor.id, ticket=uuid4().hex)
        session.add(raised)
    else:
        session.delete(raised)
    session.flush()
    ticket = raised.ticket if raised is not None else None
    queue = _queue(session, seat.room)
    event = _append_by(
        session,
        seat,
        "hand",
        data={"up": up, "ticket": ticket, "queue": queue},
    )
    return Outcome(
        {
            "up": up,
            "ticket": ticket if up else None,
            "position": _position(queue, ticket) if up else None,
            "seq": event.seq,
        },
        [_delivery(seat.room, event)],
    )


def _end_turn(session: Session, room: Room, now: datetime) -> Json | None:
    turn = _current_turn(session, room)
    if turn is None:
        return None
    turn.ended_at = now
    return {
        "person": _refs(session, room.id, [turn.user_id]).get(turn.user_id),
        "seconds": turn.seconds(now),
    }


def floor(
    session: Session,
    actor_id: int,
    room_id: int,
    *,
    sid: str,
    speaker_id: int | None,
    now: datetime | None = None,
) -> Outcome:
    """A facilitator gives the floor (lowering that person's hand) or ends the current turn."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_facilitator(session, seat)
    now = now or utcnow()
    room = seat.room
    current = _current_turn(session, room)
    if speaker_id is None and current is None:
        raise Conflict(_("Nobody has the floor."))
    if speaker_id is not None and current is not None and current.user_id == speaker_id:
        raise Conflict(_("This person has the floor already."))
    speaker: Json | None = None
    target: RoomParticipant | None = None
    if speaker_id is not None:
        target = _existing_participant(session, room, speaker_id)
        if target is None or target.admitted_at is None or target.is_removed:
            raise NotFound(_("This person is not in the room."))
        if target.is_muted:
            raise Conflict(_("This person is muted."))
    previous = _end_turn(session, room, now)
    if target is not None:
        session.execute(
            delete(RaisedHand).where(
                RaisedHand.room_id == room.id, RaisedHand.user_id == target.user_id
            )
        )
        session.add(
            SpeakingTurn(
                room_id=room.id,
                user_id=target.user_id,
                bloc=target.bloc,
                started_at=now,
                given_by_id=actor.id,
            )
        )
        speaker = {"person": person_ref(target), "since": _iso(now)}
    session.flush()
    event = _append_by(
        session,
        seat,
        "floor",
        data={
            "speaker": speaker,
            "previous": previous,
            "queue": _queue(session, room),
            "speaking_time": speaking_time(session, room, now),
        },
        now=now,
    )
    return Outcome({"seq": event.seq}, [_delivery(room, event)])


def queue_mode(
    session: Session, actor_id: int, room_id: int, *, sid: str, mode: QueueMode | str
) -> Outcome:
    seat = _seat(session, actor_id, room_id, sid)
    _require_facilitator(session, seat)
    target = QueueMode(mode)
    if seat.room.queue_mode is target:
        raise Conflict(_("The queue is in that mode already."))
    seat.room.queue_mode = target
    session.flush()
    event = _append_by(
        session,
        seat,
        "queue.mode",
        data={"mode": target.value, "queue": _queue(session, seat.room)},
    )
    return Outcome({"seq": event.seq}, [_delivery(seat.room, event)])
