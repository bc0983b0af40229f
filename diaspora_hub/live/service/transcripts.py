"""The record of a room for its facilitators, the read model of every transcript format."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.live.exports import transcript_json, transcript_markdown
from diaspora_hub.live.models import Room, RoomEvent, RoomParticipant
from diaspora_hub.live.service.floor import speaking_time
from diaspora_hub.live.service.kernel import _iso
from diaspora_hub.live.service.log import _events_query
from diaspora_hub.live.service.moderation import _managed_room
from diaspora_hub.live.service.polls import _poll_json, _polls
from diaspora_hub.live.service.questions import _questions
from diaspora_hub.live.service.redaction import anonymised
from diaspora_hub.live.types import Json
from diaspora_hub.organisations.models import Bloc


def transcript(session: Session, actor: User, room_id: int) -> Json:
    """The record of a room for its facilitators; Chatham House rooms name blocs only."""
    room = _managed_room(session, actor, room_id)
    events = list(session.scalars(_events_query(room.id).order_by(RoomEvent.seq)))
    messages: list[Json] = []
    agenda_progress: list[Json] = [
        {**item, "position": index, "started_at": None} for index, item in enumerate(room.agenda)
    ]
    for event in events:
        data = event.payload.get("data") or {}
        if event.type == "message":
            entry: Json = {"seq": event.seq, "at": _iso(event.created_at)}
            if event.hidden_at is not None:
                entry["hidden"] = True
            else:
                entry.update(speaker=event.payload.get("actor"), body=data.get("body"))
            messages.append(entry)
        elif event.type == "agenda":
            position = data.get("current")
            if (
                isinstance(position, int)
                and 0 <= position < len(agenda_progress)
                and agenda_progress[position]["started_at"] is None
            ):
                agenda_progress[position]["started_at"] = _iso(event.created_at)
    polls = [_poll_json(session, poll) for poll in _polls(session, room)]
    for poll in polls:
        poll.pop("results_hidden")
    record: Json = {
        "room": {
            "id": room.id,
            "title": room.title,
            "mode": room.mode.value,
            "space": {"slug": room.space.slug, "title": room.space.title},
            "opened_at": _iso(room.created_at),
        },
        "generated_at": _iso(utcnow()),
        "agenda": agenda_progress,
        "messages": messages,
        "questions": [
            {k: v for k, v in q.items() if k != "hidden"}
            for q in _questions(session, room, include_hidden=False)
        ],
        "polls": polls,
        "speaking_time": speaking_time(session, room),
        "participants_by_bloc": _participants_by_bloc(session, room),
    }
    return anonymised(record) if room.is_chatham_house else record


def _participants_by_bloc(session: Session, room: Room) -> Json:
    counts = {bloc.value: 0 for bloc in Bloc}
    rows = session.execute(
        select(RoomParticipant.bloc, func.count(RoomParticipant.id))
        .where(RoomParticipant.room_id == room.id, RoomParticipant.admitted_at.is_not(None))
        .group_by(RoomParticipant.bloc)
    )
    for bloc, count in rows:
        counts[Bloc(bloc).value] = count
    return counts


def transcript_file(
    session: Session, actor: User, room_id: int, extension: str
) -> tuple[str, str, str]:
    """A transcript download: (body, media type, file name)."""
    record = transcript(session, actor, room_id)
    name = f"room-{room_id}-transcript.{extension}"
    if extension == "md":
        return transcript_markdown(record), "text/markdown", name
    return transcript_json(record), "application/json", name
