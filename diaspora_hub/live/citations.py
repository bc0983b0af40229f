"""Room events as citations: what a recommendation may quote of a live room, and how.

Three kinds of event are citable: a chat message that is not hidden, the results of a
closed poll, and a Q&A question that was answered and is not hidden. A citation names the
speaker and their organisation in open rooms; in a Chatham House room it names the bloc
only, whoever reads it, facilitators included, because a recommendation is public record.
The room's current mode decides, as it does for the room's own events.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.live.models import Room, RoomEvent, RoomParticipant, RoomQuestion

#: how many of a room's latest citable events the facilitator's picker offers
PICKER_LIMIT = 50


class CitedKind(enum.StrEnum):
    MESSAGE = "message"
    POLL = "poll"
    QUESTION = "question"


#: the room events that can be cited, and as what (read-only: live keeps no state here)
_EVENT_TYPES = MappingProxyType(
    {
        "message": CitedKind.MESSAGE,
        "poll.closed": CitedKind.POLL,
        "question.answered": CitedKind.QUESTION,
    }
)


@dataclass(frozen=True)
class PollChoice:
    choice: str
    votes: int


@dataclass(frozen=True)
class RoomCitation:
    kind: CitedKind
    event_id: int
    room_id: int
    room_title: str
    space_id: int
    seq: int
    at: datetime
    chatham_house: bool
    #: the message, the poll's question or the Q&A question
    text: str
    #: the speaker or asker; None in Chatham House rooms and for polls
    person_name: str | None
    organisation_name: str | None
    #: the speaker's or asker's bloc; None for polls
    bloc: str | None
    voters: int = 0
    choices: tuple[PollChoice, ...] = ()

    @property
    def url(self) -> str:
        return f"/rooms/{self.room_id}"


def citation(session: Session, event_id: int) -> RoomCitation | None:
    """The event as a citation, or None when it does not exist or cannot be cited."""
    event = session.get(RoomEvent, event_id)
    if event is None:
        return None
    room = session.get(Room, event.room_id)
    if room is None:
        return None
    return _cite(session, room, event)


def citable(session: Session, space_id: int) -> list[RoomCitation]:
    """The latest citable events of the space's rooms, newest first, for a picker."""
    query = (
        select(RoomEvent, Room)
        .join(Room, Room.id == RoomEvent.room_id)
        .where(
            Room.space_id == space_id,
            RoomEvent.type.in_(list(_EVENT_TYPES)),
            RoomEvent.hidden_at.is_(None),
        )
        .order_by(RoomEvent.created_at.desc(), RoomEvent.id.desc())
        .limit(PICKER_LIMIT * 2)
    )
    found = [_cite(session, room, event) for event, room in session.execute(query).tuples()]
    return [c for c in found if c is not None][:PICKER_LIMIT]


def _cite(session: Session, room: Room, event: RoomEvent) -> RoomCitation | None:
    kind = _EVENT_TYPES.get(event.type)
    if kind is None or event.hidden_at is not None:
        return None
    data: dict[str, Any] = event.payload.get("data") or {}
    chatham = room.is_chatham_house
    common: dict[str, Any] = {
        "kind": kind,
        "event_id": event.id,
        "room_id": room.id,
        "room_title": room.title,
        "space_id": room.space_id,
        "seq": event.seq,
        "at": event.created_at,
        "chatham_house": chatham,
    }
    if kind is CitedKind.MESSAGE:
        person = event.payload.get("actor") or {}
        return RoomCitation(
            **common, text=str(data.get("body") or ""), **_who(person, chatham=chatham)
        )
    if kind is CitedKind.POLL:
        poll = data.get("poll") or {}
        results = poll.get("results") or {}
        counts = list(results.get("counts") or [])
        return RoomCitation(
            **common,
            text=str(poll.get("question") or ""),
            person_name=None,
            organisation_name=None,
            bloc=None,
            voters=int(results.get("voters") or 0),
            choices=tuple(
                PollChoice(str(choice), int(counts[i]) if i < len(counts) else 0)
                for i, choice in enumerate(poll.get("choices") or [])
            ),
        )
    question = session.get(RoomQuestion, data.get("question"))
    if question is None or question.room_id != room.id or question.hidden_at is not None:
        return None
    return RoomCitation(
        **common, text=question.body, **_asker(session, room, question, chatham=chatham)
    )


def _who(person: dict[str, Any], *, chatham: bool) -> dict[str, Any]:
    bloc = person.get("bloc")
    if chatham:
        return {"person_name": None, "organisation_name": None, "bloc": bloc}
    organisation = person.get("organisation") or {}
    return {
        "person_name": person.get("name"),
        "organisation_name": organisation.get("name"),
        "bloc": bloc,
    }


def _asker(
    session: Session, room: Room, question: RoomQuestion, *, chatham: bool
) -> dict[str, Any]:
    if chatham or question.user_id is None:
        return {"person_name": None, "organisation_name": None, "bloc": question.bloc.value}
    participant = session.scalar(
        select(RoomParticipant).where(
            RoomParticipant.room_id == room.id, RoomParticipant.user_id == question.user_id
        )
    )
    if participant is None:
        return {"person_name": None, "organisation_name": None, "bloc": question.bloc.value}
    organisation = participant.organisation
    return {
        "person_name": participant.user.display_name,
        "organisation_name": organisation.name if organisation is not None else None,
        "bloc": question.bloc.value,
    }
