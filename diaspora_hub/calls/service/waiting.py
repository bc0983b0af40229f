"""Calls waiting for a person's organisations: open, in the audience, not answered yet.

The home page lists them, soonest deadline first, so a delegate sees what is due.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call, CallState, Contribution
from diaspora_hub.calls.service.access import _is_participant, _state_condition, in_audience
from diaspora_hub.calls.types import WaitingCall
from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations import service as organisations
from diaspora_hub.spaces import service as spaces

#: open calls looked at, nearest deadline first; more than a person can answer this week
SCAN_LIMIT = 100


def waiting_calls(session: Session, actor: User, *, limit: int = 10) -> list[WaitingCall]:
    """Open calls in spaces this person takes part in that one of their organisations may
    answer and has not, each with the organisations it waits for."""
    memberships = organisations.active_memberships(session, actor)
    if not memberships:
        return []
    org_ids = [m.organisation_id for m in memberships]
    query = (
        select(Call)
        .where(_state_condition(CallState.OPEN, utcnow()))
        .where(Call.space_id.in_(select(spaces.visible_spaces(actor).subquery().c.id)))
        .order_by(Call.closes_at, Call.id)
        .limit(SCAN_LIMIT)
    )
    calls = list(session.scalars(query))
    answered = {
        (call_id, org_id)
        for call_id, org_id in session.execute(
            select(Contribution.call_id, Contribution.organisation_id).where(
                Contribution.call_id.in_([c.id for c in calls]),
                Contribution.organisation_id.in_(org_ids),
            )
        )
    }
    found: list[WaitingCall] = []
    for call in calls:
        pending = tuple(
            m.organisation
            for m in memberships
            if in_audience(call, m.organisation) and (call.id, m.organisation_id) not in answered
        )
        if pending and _is_participant(session, actor, call.space):
            found.append(WaitingCall(call=call, organisations=pending))
        if len(found) >= limit:
            break
    return found
