"""What every opinions feature shares: finding the space and statement, who votes, and
marking the map as out of date."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import NotFound, Unauthorised
from diaspora_hub.opinions.models import OpinionMap, Statement, StatementState, Voter
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space


def visible_space(session: Session, actor: User | None, slug: str) -> Space:
    return spaces.get_visible(session, actor, slug)


def visible_statement(session: Session, actor: User | None, statement_id: int) -> Statement:
    """The statement, or 404 when it does not exist or the person may not know it does:
    pending and rejected ones exist for their author and the facilitators only."""
    statement = session.get(Statement, statement_id)
    if statement is None or not spaces.can_see(session, actor, statement.space):
        raise NotFound(_("No such statement."))
    if statement.state is not StatementState.ACCEPTED and not (
        (actor is not None and statement.author_id == actor.id)
        or spaces.can_manage(session, actor, statement.space)
    ):
        raise NotFound(_("No such statement."))
    return statement


def voter_of(session: Session, person: User, space: Space) -> Voter:
    """The person's voter row in the space, created on their first vote."""
    voter = session.scalar(
        select(Voter).where(Voter.space_id == space.id, Voter.user_id == person.id)
    )
    if voter is None:
        voter = Voter(space_id=space.id, user_id=person.id)
        session.add(voter)
        session.flush()
    return voter


def opinion_map(session: Session, space: Space) -> OpinionMap:
    found = session.scalar(select(OpinionMap).where(OpinionMap.space_id == space.id))
    if found is None:
        found = OpinionMap(space_id=space.id, revision=0, updates=0, k_streak=0, k_history=[])
        found.next_group_number = 1
        session.add(found)
        session.flush()
    return found


def touch(session: Session, space: Space) -> None:
    """What the map is built from changed: the next read recomputes it."""
    stored = opinion_map(session, space)
    session.execute(
        update(OpinionMap)
        .where(OpinionMap.id == stored.id)
        .values(revision=OpinionMap.revision + 1)
        .execution_options(synchronize_session="fetch")
    )


def participant(session: Session, actor: User | None, space: Space) -> User:
    """The person, once they may take part (sight of the space, code of conduct accepted)."""
    spaces.require_participant(session, actor, space)
    if actor is None:
        raise Unauthorised()
    return actor


def manager(session: Session, actor: User | None, space: Space) -> User:
    """The person, once they run the space (a facilitator or a platform admin)."""
    spaces.require_manager(session, actor, space)
    if actor is None:
        raise Unauthorised()
    return actor
