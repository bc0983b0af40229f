"""A recommendation on a live room's screen: its bars move as organisations endorse.

A facilitator of the space puts a recommendation that is not a draft on the screen of
one of the space's rooms; every endorsement, adoption or withdrawal afterwards sends
the room its new tally as a room event (``live.screen``). The tally carries figures by
bloc only, never an organisation or a person, so Chatham House rooms hear the same as
open ones; a space that hides tallies until the close shows the title and state only.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, ValidationFailed
from diaspora_hub.live import screen
from diaspora_hub.live.models import Room
from diaspora_hub.recommendations.consensus import percent
from diaspora_hub.recommendations.models import Recommendation, RecommendationState, RoomScreen
from diaspora_hub.recommendations.service.kernel import (
    get_recommendation,
    hides_tallies,
    require_facilitator,
)
from diaspora_hub.recommendations.service.tallies import current_consensus, tally_view

Json = dict[str, Any]


def put_on_screen(
    session: Session, actor: User | None, recommendation_id: int, *, room_id: int
) -> RoomScreen:
    """Show the recommendation in a room of its space; it replaces what the room showed."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    if recommendation.state is RecommendationState.DRAFT:
        raise Conflict(_("Open the consultation before showing it in a room."))
    room = session.get(Room, room_id)
    if room is None or room.space_id != recommendation.space_id:
        raise ValidationFailed(fields={"room": [_("Choose a room of this space.")]})
    shown = session.get(RoomScreen, room_id)
    if shown is None:
        shown = RoomScreen(room_id=room_id, recommendation_id=recommendation.id)
        session.add(shown)
    shown.recommendation_id = recommendation.id
    shown.shown_at = utcnow()
    shown.shown_by_id = user.id
    session.flush()
    delivery = screen.show(session, user, room_id, item=screen_item(session, recommendation))
    screen.send_after_commit(session, [delivery])
    audit.record(
        session, user.id, "recommendation.shown", "recommendation", recommendation.id, room=room_id
    )
    return shown


def refresh_screens(session: Session, recommendation: Recommendation) -> None:
    """Send the new tally to every room showing the recommendation (after commit)."""
    rooms = list(
        session.scalars(
            select(RoomScreen.room_id)
            .where(RoomScreen.recommendation_id == recommendation.id)
            .order_by(RoomScreen.room_id)
        )
    )
    if not rooms:
        return
    item = screen_item(session, recommendation)
    if item["tally"] is None and recommendation.is_open_at(utcnow()):
        return  # a hidden tally: even the moment of an endorsement stays unannounced
    deliveries = [d for room_id in rooms if (d := screen.refresh(session, room_id, item=item))]
    screen.send_after_commit(session, deliveries)


def screen_item(session: Session, recommendation: Recommendation) -> Json:
    """The recommendation as a room shows it: title, state and tally by bloc, no names."""
    item: Json = {
        "kind": "recommendation",
        "id": recommendation.id,
        "title": recommendation.title,
        "url": f"/recommendations/{recommendation.id}",
        "state": recommendation.state.value,
        "version": recommendation.version,
        "closes_at": recommendation.closes_at.isoformat() if recommendation.closes_at else None,
        "tally": None,
    }
    view = tally_view(session, None, recommendation)
    if view is None or (view.hidden and hides_tallies(session, recommendation.space)):
        return item
    consensus = view.consensus or current_consensus(session, recommendation)
    item["tally"] = {
        "outcome": consensus.outcome.value,
        "frozen": view.frozen,
        "min_support": percent(consensus.rule.min_support),
        "blocs": [
            {
                "bloc": t.bloc.value,
                "support": t.support,
                "reservations": t.reservations,
                "oppose": t.oppose,
                "abstain": t.abstain,
                "organisations": t.organisations,
                "eligible": t.eligible,
                "share": percent(t.share),
            }
            for t in consensus.blocs
        ],
        "holding_back": [
            {"bloc": f.bloc.value, "reason": f.reason.value} for f in consensus.holding_back
        ],
    }
    return item
