"""What the search may show of calls and contributions to one person.

The same rules as the calls' own pages: a call as ``get_call`` lets it be seen, a
contribution as the call's list of contributions does, with its attribution applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call, Contribution
from diaspora_hub.calls.service.access import (
    _organisation_ids,
    get_call,
    present_contribution,
)
from diaspora_hub.calls.service.contributions import _readable_contributions
from diaspora_hub.core.errors import NotFound


def findable_calls(session: Session, actor: User | None, call_ids: Collection[int]) -> list[Call]:
    """The calls of ``call_ids`` this person may see."""
    found: list[Call] = []
    for call_id in call_ids:
        try:
            found.append(get_call(session, actor, call_id))
        except NotFound:
            continue
    return found


def findable_contributions(
    session: Session, actor: User | None, contribution_ids: Collection[int]
) -> list[tuple[Call, dict[str, Any]]]:
    """The contributions of ``contribution_ids`` this person may read, each with its call,
    presented as its attribution allows this reader."""
    by_call: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(Contribution.call_id, Contribution.id).where(
            Contribution.id.in_(list(contribution_ids))
        )
    )
    for call_id, contribution_id in rows:
        by_call[call_id].append(contribution_id)
    own = _organisation_ids(session, actor)
    found: list[tuple[Call, dict[str, Any]]] = []
    for call in findable_calls(session, actor, list(by_call)):
        readable = _readable_contributions(session, actor, call).where(
            Contribution.id.in_(by_call[call.id])
        )
        found.extend((call, present_contribution(c, own)) for c in session.scalars(readable))
    return found
