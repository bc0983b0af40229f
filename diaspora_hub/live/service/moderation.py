"""Moderation by facilitators: hiding, locking, muting, removing, and the audit trail."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.live import presence
from diaspora_hub.live.models import RaisedHand, Room, RoomEvent, RoomQuestion
from diaspora_hub.live.service.floor import _current_turn, _end_turn, _queue
from diaspora_hub.live.service.kernel import (
    _existing_participant,
    _require_facilitator,
    _seat,
    person_ref,
    visible_room,
)
from diaspora_hub.live.service.log import _append_by, _delivery, _events_query, event_json
from diaspora_hub.live.service.presence import _announce_presence
from diaspora_hub.live.service.redaction import HIDEABLE, _pair
from diaspora_hub.live.service.state import _states_for
from diaspora_hub.live.types import MODERATION_ACTIONS, Delivery, Json, Outcome
from diaspora_hub.spaces import service as spaces


def hide(session: Session, actor_id: int, room_id: int, *, sid: str, seq: int) -> Outcome:
    """A facilitator hides a message or a question from participants."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_facilitator(session, seat)
    target = session.scalar(
        _events_query(seat.room.id).where(RoomEvent.seq == seq, RoomEvent.type.in_(HIDEABLE))
    )
    if target is None:
        raise NotFound(_("No such message or question in this room."))
    if target.hidden_at is not None:
        raise Conflict(_("That is hidden already."))
    target.hidden_at = utcnow()
    kind = "question" if target.type == "question.asked" else "message"
    if kind == "question":
        question = session.scalar(
            select(RoomQuestion).where(
                RoomQuestion.room_id == seat.room.id, RoomQuestion.seq == seq
            )
        )
        if question is not None:
            question.hidden_at = target.hidden_at
    event = _append_by(
        session,
        seat,
        "hidden",
        data={"target": seq, "kind": kind},
    )
    audit.record(
        session,
        actor.id,
        f"room.{kind}_hidden",
        "room",
        seat.room.id,
        seq=seq,
        author_id=target.actor_id,
    )
    return Outcome({"seq": event.seq}, [_delivery(seat.room, event)])


def lock(session: Session, actor_id: int, room_id: int, *, sid: str, locked: bool) -> Outcome:
    """Lock the room to newcomers (people already admitted may still come back), or unlock it."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_facilitator(session, seat)
    if locked:
        seat.room.lock()
    else:
        seat.room.unlock()
    session.flush()
    event = _append_by(
        session,
        seat,
        "room.locked",
        data={"locked": locked},
    )
    audit.record(
        session, actor.id, "room.locked" if locked else "room.unlocked", "room", seat.room.id
    )
    return Outcome({"locked": locked, "seq": event.seq}, [_delivery(seat.room, event)])


def moderate(
    session: Session, actor_id: int, room_id: int, *, sid: str, action: str, target_id: int
) -> Outcome:
    """Mute, unmute, remove (disconnect and bar) or readmit a participant; audited."""
    seat = _seat(session, actor_id, room_id, sid)
    actor = seat.user
    _require_facilitator(session, seat)
    room = seat.room
    target = _existing_participant(session, room, target_id)
    if target is None:
        raise NotFound(_("This person has not been in the room."))
    if target.user_id == actor.id or spaces.can_manage(session, target.user, room.space):
        raise Forbidden(_("Facilitators cannot be moderated here."))
    verb = next((verb for name, verb in MODERATION_ACTIONS if name == action), None)
    if verb is None:
        raise ValidationFailed(fields={"action": [_("Unknown action.")]})
    getattr(target, action)()
    delivery = Delivery(room_id=room.id)
    data: Json = {"action": action, "user": person_ref(target)}
    if action in ("mute", "remove"):
        session.execute(
            delete(RaisedHand).where(
                RaisedHand.room_id == room.id, RaisedHand.user_id == target.user_id
            )
        )
        current = _current_turn(session, room)
        if action == "remove" and current is not None and current.user_id == target.user_id:
            data["previous"] = _end_turn(session, room, utcnow())
    session.flush()
    if action in ("mute", "remove"):
        data["queue"] = _queue(session, room)
    sids = presence.sids_in_room(session, room.id, target.user_id)
    if action == "remove":
        presence.drop_from_room(session, room.id, target.user_id)
        notice = {
            "room": room.id,
            "code": "removed",
            "message": _("The facilitators removed you from this room."),
        }
        delivery.personal.extend((s, "notice", notice) for s in sids)
        delivery.disconnect.extend(sids)
        _announce_presence(session, room, delivery, [target.user_id])
    event = _append_by(session, seat, "moderation", data=data)
    delivery.events.append(_pair(event_json(event), room))
    if action in ("mute", "unmute"):
        delivery.personal.extend(_states_for(session, room, ((s, target.user_id) for s in sids)))
        _announce_presence(session, room, delivery, [target.user_id])
    audit.record(session, actor.id, verb, "room", room.id, user_id=target.user_id)
    return Outcome({"action": action, "user": target.user_id, "seq": event.seq}, [delivery])


def _managed_room(session: Session, actor: User, room_id: int) -> Room:
    room = visible_room(session, actor, room_id)
    spaces.require_manager(session, actor, room.space)
    return room


def audit_trail(
    session: Session, actor: User, room_id: int, *, page: int = 1, per_page: int = 20
) -> Page[audit.AuditEntry]:
    """What facilitators did in a room, newest first (facilitators only)."""
    room = _managed_room(session, actor, room_id)
    query = (
        select(audit.AuditEntry)
        .where(audit.AuditEntry.target_type == "room", audit.AuditEntry.target_id == room.id)
        .order_by(audit.AuditEntry.at.desc(), audit.AuditEntry.id.desc())
    )
    return paginate(session, query, page, per_page)
