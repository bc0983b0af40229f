"""Statements and votes: who adds, who moderates, who votes, and what each person sees.

- Everyone who sees the space sees its accepted statements. A statement a participant adds
  is pending until a facilitator accepts or rejects it; until then only its author and the
  facilitators know it exists. Adding a statement casts no vote.
- Adding and voting need sight of the space and its current code of conduct accepted.
  A vote is agree, disagree or pass, one per voter per statement, and may be changed.
- Only accepted statements take votes; a person adds at most ``ADD_LIMIT`` statements an
  hour in a space.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, RateLimited, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.core.text import clean_text
from diaspora_hub.live.models import Room
from diaspora_hub.opinions.models import (
    MAX_STATEMENT_LENGTH,
    Choice,
    Statement,
    StatementState,
    Vote,
    Voter,
)
from diaspora_hub.opinions.service.kernel import (
    manager,
    participant,
    touch,
    visible_space,
    visible_statement,
    voter_of,
)
from diaspora_hub.opinions.types import StatementItem, StatementList, Tally
from diaspora_hub.spaces import service as spaces

#: statements one person may add in one space within ``ADD_WINDOW``
ADD_LIMIT = 10
ADD_WINDOW = timedelta(hours=1)


def list_statements(
    session: Session,
    actor: User | None,
    slug: str,
    *,
    state: StatementState = StatementState.ACCEPTED,
    room_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> StatementList:
    """Accepted statements for everyone; pending or rejected ones for facilitators only."""
    space = visible_space(session, actor, slug)
    manager = spaces.can_manage(session, actor, space)
    if state is not StatementState.ACCEPTED and not manager:
        spaces.require_manager(session, actor, space)
    query = select(Statement).where(Statement.space_id == space.id, Statement.state == state)
    if room_id is not None:
        query = query.where(Statement.room_id == room_id)
    found = paginate(session, query.order_by(Statement.id), page, per_page)
    mine = _my_votes(session, actor, space.id, [s.id for s in found.items])
    items = [StatementItem(statement=s, my_vote=mine.get(s.id)) for s in found.items]
    mine_pending: list[Statement] = []
    if actor is not None and actor.is_authenticated:
        mine_pending = list(
            session.scalars(
                select(Statement)
                .where(
                    Statement.space_id == space.id,
                    Statement.author_id == actor.id,
                    Statement.state == StatementState.PENDING,
                )
                .order_by(Statement.id)
            )
        )
    pending = 0
    if manager:
        pending = (
            session.scalar(
                select(func.count())
                .select_from(Statement)
                .where(Statement.space_id == space.id, Statement.state == StatementState.PENDING)
            )
            or 0
        )
    return StatementList(
        space=space,
        page=Page(items=items, page=found.page, per_page=found.per_page, total=found.total),
        can_add=_is_participant(session, actor, space.id),
        can_moderate=manager,
        pending=pending,
        mine_pending=mine_pending,
    )


def add_statement(
    session: Session, actor: User | None, slug: str, *, text: str, room_id: int | None = None
) -> Statement:
    """A participant's statement, pending until a facilitator moderates it."""
    space = visible_space(session, actor, slug)
    actor = participant(session, actor, space)
    cleaned = " ".join(clean_text(text).split())
    if not cleaned:
        raise ValidationFailed(fields={"text": [_("Write a statement.")]})
    if len(cleaned) > MAX_STATEMENT_LENGTH:
        raise ValidationFailed(
            fields={"text": [_("At most %(n)d characters.", n=MAX_STATEMENT_LENGTH)]}
        )
    if room_id is not None:
        room = session.get(Room, room_id)
        if room is None or room.space_id != space.id:
            raise ValidationFailed(fields={"room_id": [_("No such room in this space.")]})
    recent = session.scalar(
        select(func.count())
        .select_from(Statement)
        .where(
            Statement.space_id == space.id,
            Statement.author_id == actor.id,
            Statement.created_at >= utcnow() - ADD_WINDOW,
        )
    )
    if (recent or 0) >= ADD_LIMIT:
        raise RateLimited(_("You have added many statements in the last hour; try again later."))
    statement = Statement(
        space_id=space.id,
        room_id=room_id,
        author_id=actor.id,
        text=cleaned,
        state=StatementState.PENDING,
    )
    session.add(statement)
    session.flush()
    audit.record(session, actor.id, "statement.added", "statement", statement.id)
    return statement


def moderate_statement(
    session: Session, actor: User | None, statement_id: int, *, accept: bool
) -> Statement:
    """A facilitator shows a pending statement to everyone, or keeps it out."""
    statement = visible_statement(session, actor, statement_id)
    actor = manager(session, actor, statement.space)
    if accept:
        statement.accept(actor, utcnow())
    else:
        statement.reject(actor, utcnow())
    session.flush()
    touch(session, statement.space)
    audit.record(
        session,
        actor.id,
        "statement.accepted" if accept else "statement.rejected",
        "statement",
        statement.id,
    )
    return statement


def vote(session: Session, actor: User | None, statement_id: int, *, choice: Choice) -> Vote:
    """Agree, disagree or pass; voting again changes the vote."""
    statement = visible_statement(session, actor, statement_id)
    actor = participant(session, actor, statement.space)
    if statement.state is not StatementState.ACCEPTED:
        raise Conflict(_("Only accepted statements can be voted on."))
    voter = voter_of(session, actor, statement.space)
    current = session.scalar(
        select(Vote).where(Vote.statement_id == statement.id, Vote.voter_id == voter.id)
    )
    if current is None:
        current = Vote(statement_id=statement.id, voter_id=voter.id, choice=choice)
        session.add(current)
    elif current.choice is not choice:
        current.choice = choice
        current.updated_at = utcnow()
    else:
        return current
    session.flush()
    touch(session, statement.space)
    return current


def tally(session: Session, actor: User | None, statement_id: int) -> Tally:
    """How an accepted statement was voted on so far."""
    statement = visible_statement(session, actor, statement_id)
    rows = session.execute(
        select(Vote.choice, func.count())
        .where(Vote.statement_id == statement.id)
        .group_by(Vote.choice)
    )
    counts: dict[Choice, int] = {choice: n for choice, n in rows}  # noqa: C416 - typed rows
    return Tally(
        agree=counts.get(Choice.AGREE, 0),
        disagree=counts.get(Choice.DISAGREE, 0),
        passed=counts.get(Choice.PASS, 0),
    )


def my_vote(session: Session, actor: User | None, statement_id: int) -> Choice | None:
    statement = visible_statement(session, actor, statement_id)
    return _my_votes(session, actor, statement.space_id, [statement.id]).get(statement.id)


def _my_votes(
    session: Session, actor: User | None, space_id: int, statement_ids: list[int]
) -> dict[int, Choice]:
    if actor is None or not actor.is_authenticated or not statement_ids:
        return {}
    rows = session.execute(
        select(Vote.statement_id, Vote.choice)
        .join(Voter, Voter.id == Vote.voter_id)
        .where(
            Voter.space_id == space_id,
            Voter.user_id == actor.id,
            Vote.statement_id.in_(statement_ids),
        )
    )
    return {statement_id: choice for statement_id, choice in rows}  # noqa: C416 - typed rows


def _is_participant(session: Session, actor: User | None, space_id: int) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    found = spaces.standing(session, actor, space_id)
    return found.visible and found.conduct_accepted
