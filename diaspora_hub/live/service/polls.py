"""Polls: opened and closed by facilitators, one vote per person, results by bloc."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import NotFound, ValidationFailed
from diaspora_hub.live.models import Poll, PollState, PollVote, ResultsVisibility, Room
from diaspora_hub.live.service.kernel import (
    RATE_WINDOW,
    _iso,
    _rate_limit,
    _refs,
    _require_facilitator,
    _require_under_limit,
    _seat,
)
from diaspora_hub.live.service.log import _append, _append_by, _delivery
from diaspora_hub.live.types import Json, Outcome
from diaspora_hub.organisations.models import Bloc


def _poll_results(session: Session, poll: Poll, *, named_votes: bool = True) -> Json:
    """Totals and totals by bloc; for named polls also who voted what (``named_votes``)."""
    votes = list(session.scalars(select(PollVote).where(PollVote.poll_id == poll.id)))
    size = len(poll.choices)
    counts = [0] * size
    by_bloc: Json = {bloc.value: {"voters": 0, "counts": [0] * size} for bloc in Bloc}
    for vote in votes:
        by_bloc[vote.bloc.value]["voters"] += 1
        for choice in vote.choices:
            counts[choice] += 1
            by_bloc[vote.bloc.value]["counts"][choice] += 1
    results: Json = {"voters": len(votes), "counts": counts, "by_bloc": by_bloc}
    if named_votes and not poll.anonymous:
        refs = _refs(session, poll.room_id, (vote.user_id for vote in votes))
        results["votes"] = [
            {"voter": refs.get(vote.user_id), "choices": vote.choices}
            for vote in sorted(votes, key=lambda v: (v.voted_at, v.id))
        ]
    return results


def _poll_json(session: Session, poll: Poll) -> Json:
    return {
        "id": poll.id,
        "question": poll.question,
        "choices": poll.choices,
        "multiple": poll.multiple,
        "anonymous": poll.anonymous,
        "results_visibility": poll.results.value,
        "state": poll.state.value,
        "opened_at": _iso(poll.opened_at),
        "closed_at": _iso(poll.closed_at),
        "results_hidden": poll.results_hidden,
        "results": _poll_results(session, poll),
    }


def _polls(session: Session, room: Room) -> list[Poll]:
    return list(session.scalars(select(Poll).where(Poll.room_id == room.id).order_by(Poll.id)))


def _room_poll(session: Session, room: Room, poll_id: int) -> Poll:
    poll = session.scalar(select(Poll).where(Poll.id == poll_id, Poll.room_id == room.id))
    if poll is None:
        raise NotFound(_("No such poll in this room."))
    return poll


def poll_open(
    session: Session,
    actor_id: int,
    room_id: int,
    *,
    sid: str,
    question: str,
    choices: list[str],
    multiple: bool = False,
    anonymous: bool = True,
    results: ResultsVisibility | str = ResultsVisibility.LIVE,
) -> Outcome:
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_facilitator(session, seat)
    if len({choice.casefold() for choice in choices}) != len(choices):
        raise ValidationFailed(fields={"choices": [_("Each choice must be different.")]})
    poll = Poll(
        room_id=seat.room.id,
        question=question,
        choices=list(choices),
        multiple=multiple,
        anonymous=anonymous,
        results=ResultsVisibility(results),
        state=PollState.OPEN,
        opened_by_id=actor.id,
        opened_at=utcnow(),
    )
    session.add(poll)
    session.flush()
    event = _append_by(
        session,
        seat,
        "poll.opened",
        data={"poll": _poll_json(session, poll)},
    )
    return Outcome({"poll": poll.id, "seq": event.seq}, [_delivery(seat.room, event)])


def poll_vote(
    session: Session, actor_id: int, room_id: int, *, sid: str, poll_id: int, choices: list[int]
) -> Outcome:
    """Vote, or change one's vote, while the poll is open."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    poll = _room_poll(session, seat.room, poll_id)
    poll.require_open()
    picked = sorted(set(choices))
    if len(picked) != len(choices) or any(not 0 <= c < len(poll.choices) for c in picked):
        raise ValidationFailed(fields={"choices": [_("Pick among the poll's choices, once each.")]})
    if not poll.multiple and len(picked) != 1:
        raise ValidationFailed(fields={"choices": [_("Pick exactly one choice.")]})
    vote = session.scalar(
        select(PollVote).where(PollVote.poll_id == poll.id, PollVote.user_id == actor.id)
    )
    now = utcnow()
    _check_votes(session, actor.id, poll.id, now)
    if vote is None:
        session.add(
            PollVote(
                poll_id=poll.id,
                user_id=actor.id,
                bloc=seat.participant.bloc,
                choices=picked,
                voted_at=now,
            )
        )
    else:
        vote.choices = picked
        vote.bloc = seat.participant.bloc
        vote.voted_at = now
    session.flush()
    # Each vote carries the new totals and, in a named poll, this one vote: never the whole
    # list of votes, which would grow with every broadcast.
    results = _poll_results(session, poll, named_votes=False)
    data: Json = {
        "poll": poll.id,
        "voters": results["voters"],
        "results_hidden": poll.results_hidden,
        "results": results,
    }
    if not poll.anonymous:
        data["vote"] = {"voter": seat.ref(), "choices": picked}
    # An anonymous vote names nobody, not even in the stored log.
    event = _append(
        session,
        seat.room,
        "poll.voted",
        actor=None if poll.anonymous else seat.ref(),
        actor_id=None if poll.anonymous else actor.id,
        data=data,
        now=now,
    )
    ack: Json = {"poll": poll.id, "choices": picked, "seq": event.seq}
    return Outcome(ack, [_delivery(seat.room, event)])


def _check_votes(session: Session, actor_id: int, poll_id: int, now: datetime) -> None:
    """The person's limit of votes (LIVE_POLL_VOTE_LIMIT per window). Anonymous votes leave
    no trace of their voter in the log, so their own rows count: the polls voted in within
    the window, and a changed vote at most once per share of it."""
    limit = _rate_limit("poll.voted")
    since = now - RATE_WINDOW
    recent = session.scalar(
        select(func.count())
        .select_from(PollVote)
        .where(PollVote.user_id == actor_id, PollVote.voted_at > since)
    )
    changed_just_now = session.scalar(
        select(
            exists().where(
                PollVote.poll_id == poll_id,
                PollVote.user_id == actor_id,
                PollVote.voted_at > now - RATE_WINDOW / max(limit, 1),
            )
        )
    )
    _require_under_limit(limit if changed_just_now else recent or 0, limit)


def poll_close(session: Session, actor_id: int, room_id: int, *, sid: str, poll_id: int) -> Outcome:
    seat = _seat(session, actor_id, room_id, sid)
    _require_facilitator(session, seat)
    poll = _room_poll(session, seat.room, poll_id)
    poll.close()
    session.flush()
    event = _append_by(
        session,
        seat,
        "poll.closed",
        data={"poll": _poll_json(session, poll)},
    )
    return Outcome({"poll": poll.id, "seq": event.seq}, [_delivery(seat.room, event)])
