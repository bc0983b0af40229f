"""The whole room as one person may see it: what a join, a REST read or a change of mode
sends."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Forbidden
from diaspora_hub.live import presence
from diaspora_hub.live.models import (
    Poll,
    PollVote,
    QuestionVote,
    RaisedHand,
    Room,
    RoomParticipant,
    RoomQuestion,
)
from diaspora_hub.live.service.floor import _queue, _speaker, speaking_time
from diaspora_hub.live.service.kernel import (
    _existing_participant,
    _existing_participants,
    person_ref,
    visible_room,
)
from diaspora_hub.live.service.participants import _admissible
from diaspora_hub.live.service.polls import _poll_json, _polls
from diaspora_hub.live.service.presence import _presence_for
from diaspora_hub.live.service.questions import _question_total, _questions
from diaspora_hub.live.service.reactions import _reaction_counts
from diaspora_hub.live.service.redaction import view
from diaspora_hub.live.snapshots import SharedViews
from diaspora_hub.live.types import Json, RoomPage
from diaspora_hub.spaces import service as spaces


def _room_json(room: Room) -> Json:
    return {
        "id": room.id,
        "title": room.title,
        "mode": room.mode.value,
        "video_url": room.video_url,
        "locked": room.is_locked,
        "queue_mode": room.queue_mode.value,
        "registration_required": room.registration_required,
        "space": {"slug": room.space.slug, "title": room.space.title},
    }


def _agenda_json(room: Room) -> Json:
    return {"items": room.agenda, "current": room.agenda_position}


def _own_parts(session: Session, room: Room, user_ids: Collection[int]) -> dict[int, Json]:
    """Each person's raised hand, votes and upvotes in the room, by person: three queries
    for everyone."""
    wanted = list(user_ids)
    parts: dict[int, Json] = {
        user_id: {"hand": None, "votes": {}, "upvoted": []} for user_id in wanted
    }
    hands = select(RaisedHand.user_id, RaisedHand.ticket).where(
        RaisedHand.room_id == room.id, RaisedHand.user_id.in_(wanted)
    )
    for user_id, ticket in session.execute(hands):
        parts[user_id]["hand"] = ticket
    votes = (
        select(PollVote.user_id, PollVote.poll_id, PollVote.choices)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(Poll.room_id == room.id, PollVote.user_id.in_(wanted))
    )
    for user_id, poll_id, choices in session.execute(votes):
        parts[user_id]["votes"][str(poll_id)] = choices
    upvotes = (
        select(QuestionVote.user_id, QuestionVote.question_id)
        .join(RoomQuestion, RoomQuestion.id == QuestionVote.question_id)
        .where(RoomQuestion.room_id == room.id, QuestionVote.user_id.in_(wanted))
        .order_by(QuestionVote.question_id)
    )
    for user_id, question_id in session.execute(upvotes):
        parts[user_id]["upvoted"].append(question_id)
    return parts


def _you(
    session: Session,
    room: Room,
    participant: RoomParticipant | None,
    user: User,
    *,
    first_visit: bool = False,
    own: Json | None = None,
) -> Json:
    """The person's own standing (``own``: their hand, votes and upvotes, when read)."""
    you: Json = {
        "person": person_ref(participant) if participant is not None else None,
        "muted": participant.is_muted if participant is not None else False,
        "hand": None,
        "votes": {},
        "upvoted": [],
    }
    if participant is None or first_visit:
        return you  # never in the room before: no hand, votes or upvotes to look up
    you.update(own if own is not None else _own_parts(session, room, [user.id])[user.id])
    return you


def _shared_state(
    session: Session, room: Room, *, facilitator: bool, views: SharedViews | None
) -> Json:
    """The parts of the state that only room events change, as this kind of viewer sees
    them; read once per ``last_seq`` when ``views`` caches them (see ``snapshots``)."""

    def read() -> Json:
        return view(
            {
                "queue": _queue(session, room),
                "speaker": _speaker(session, room),
                "polls": [_poll_json(session, poll) for poll in _polls(session, room)],
                "questions": _questions(session, room, include_hidden=facilitator),
                "questions_total": _question_total(session, room, include_hidden=facilitator),
                "reactions": _reaction_counts(session, room),
            },
            chatham=room.is_chatham_house,
            facilitator=facilitator,
        )

    if views is None:
        return read()
    return views.read(("state", room.id, room.last_seq, facilitator), read)


def _state(
    session: Session,
    room: Room,
    user: User,
    *,
    facilitator: bool,
    now: datetime | None = None,
    participant: RoomParticipant | None = None,
    first_visit: bool = False,
    views: SharedViews | None = None,
    present: Json | None = None,
    own: Json | None = None,
) -> Json:
    """The whole room as ``user`` (whose standing row ``participant``, presence ``present``
    and ``own`` parts are, when already read) may see it, with their own standing under
    ``you``."""
    participant = participant or _existing_participant(session, room, user.id)
    you = _you(session, room, participant, user, first_visit=first_visit, own=own)
    you["facilitator"] = facilitator
    chatham = room.is_chatham_house
    state: Json = {
        **view(
            {"room": _room_json(room), "agenda": _agenda_json(room), "you": you},
            chatham=chatham,
            facilitator=facilitator,
        ),
        **_shared_state(session, room, facilitator=facilitator, views=views),
        "last_seq": room.last_seq,
        "presence": (
            present
            if present is not None
            else _presence_for(session, room, facilitator=facilitator)
        ),
    }
    if facilitator:
        state["speaking_time"] = speaking_time(session, room, now)
    return state


def _states_for(
    session: Session, room: Room, sids: Iterable[tuple[str, int]]
) -> list[tuple[str, str, Json]]:
    """Each connection's own state. Everyone's rows are read together, and what is the same
    for every viewer of a kind (the shared parts, presence) once per kind."""
    wanted = list(sids)
    user_ids = {user_id for _sid, user_id in wanted}
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
    managers = spaces.managers(session, users.values(), room.space)
    participants = _existing_participants(session, room, users.keys())
    owns = _own_parts(session, room, users.keys())
    views = SharedViews()
    presences: dict[bool, Json] = {}
    states: dict[int, Json] = {}
    out: list[tuple[str, str, Json]] = []
    for sid, user_id in wanted:
        user = users.get(user_id)
        if user is None:
            continue
        if user_id not in states:
            facilitator = user_id in managers
            if facilitator not in presences:
                presences[facilitator] = _presence_for(session, room, facilitator=facilitator)
            states[user_id] = _state(
                session,
                room,
                user,
                facilitator=facilitator,
                participant=participants.get(user_id),
                views=views,
                present=presences[facilitator],
                own=owns[user_id],
            )
        out.append((sid, "state", states[user_id]))
    return out


def _states_for_everyone(session: Session, room: Room) -> list[tuple[str, str, Json]]:
    return _states_for(session, room, presence.present_sids(session, room.id))


def room_state(session: Session, actor: User, room_id: int) -> Json:
    """The room as this person may see it, without joining it (the REST view)."""
    room = visible_room(session, actor, room_id)
    facilitator = _admissible(session, actor, room)
    return _state(session, room, actor, facilitator=facilitator)


def room_page(session: Session, actor: User, room_id: int) -> RoomPage:
    """The room page is shown to anyone who may see the space, with why they cannot join."""
    room = visible_room(session, actor, room_id)
    try:
        facilitator = _admissible(session, actor, room)
    except Forbidden as refusal:
        return RoomPage(room=room, facilitator=False, can_join=False, refusal=refusal.message)
    return RoomPage(room=room, facilitator=facilitator, can_join=True, refusal=None)
