"""What calls wait for from a person, for their home page: open calls their organisations
may answer and have not; calls they posted that are open; closed calls they may group into
themes.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call, CallState, Contribution
from diaspora_hub.calls.service.access import _is_participant, _state_condition, in_audience
from diaspora_hub.calls.types import RunCall, WaitingCall
from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations import service as organisations
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import SpaceFacilitator

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


def run_calls(session: Session, actor: User, *, limit: int = 10) -> list[RunCall]:
    """Open calls this person posted, and closed ones awaiting a synthesis in spaces they
    facilitate (or in any space, for platform admins), each with its contributions so far."""
    now = utcnow()
    facilitated = select(SpaceFacilitator.space_id).where(SpaceFacilitator.user_id == actor.id)
    synthesis_due = _state_condition(CallState.CLOSED, now)
    if not actor.is_admin:
        synthesis_due = synthesis_due & Call.space_id.in_(facilitated)
    query = (
        select(Call)
        .where(
            or_(
                _state_condition(CallState.OPEN, now) & (Call.author_id == actor.id),
                synthesis_due,
            )
        )
        .order_by(Call.closes_at, Call.id)
        .limit(limit)
    )
    calls = list(session.scalars(query))
    rows = session.execute(
        select(Contribution.call_id, func.count())
        .where(Contribution.call_id.in_([c.id for c in calls]))
        .group_by(Contribution.call_id)
    )
    counts: dict[int, int] = {row[0]: row[1] for row in rows}
    return [
        RunCall(call=call, state=call.state_at(now), contributions=counts.get(call.id, 0))
        for call in calls
    ]
