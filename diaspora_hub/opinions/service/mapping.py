"""The opinion map of a space: computed from the votes when they changed, stored, and read.

- The map is recomputed on the first read after a vote, an import or a moderation changed
  what it is built from (``OpinionMap.revision``), and stored: groups, everyone's place and
  group, representative and bridging statements, and the k smoother's streak. Reading it
  again, from any server process or after a restart, changes nothing.
- A recomputation keeps each group's identity (its number) where its membership overlaps
  the new group's most; groups no new group matches are retired, new ones numbered anew.
- Everyone who sees the space sees the map. People appear on it as dots with a voter
  number, never by name; the viewer sees which dot is theirs. Imported voters are shown
  by their Pol.is participant id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict
from diaspora_hub.opinions import analysis
from diaspora_hub.opinions.models import (
    Bridging,
    Choice,
    OpinionGroup,
    OpinionMap,
    Placement,
    Statement,
    StatementState,
    Vote,
    Voter,
)
from diaspora_hub.opinions.service.kernel import opinion_map, visible_space, visible_statement
from diaspora_hub.opinions.types import (
    BridgingStatement,
    GroupTally,
    KStep,
    MapGroup,
    MapMember,
    OpinionMapView,
    RepresentativeStatement,
    Tally,
)
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space

#: bridging statements listed on the map
BRIDGING_SHOWN = 5
#: k history entries kept
K_HISTORY_KEPT = 50


def votes_matrix(session: Session, space: Space) -> tuple[list[int], list[int], analysis.Matrix]:
    """Voter ids, accepted statement ids and the votes matrix between them (NaN: no vote).

    The weights are computed in SQL and the rows turned into arrays at once: a large
    conversation has millions of votes."""
    weight = case(
        *((Vote.choice == choice, choice.weight) for choice in Choice), else_=float("nan")
    )
    rows = session.execute(
        select(Vote.voter_id, Vote.statement_id, weight)
        .join(Statement, Statement.id == Vote.statement_id)
        .where(Statement.space_id == space.id, Statement.state == StatementState.ACCEPTED)
    ).all()
    if not rows:
        return [], [], np.zeros((0, 0))
    # numpy reads plain tuples many times faster than result rows
    table = np.array([tuple(row) for row in rows], dtype=np.float64)
    voter_ids, rows_of = np.unique(table[:, 0].astype(np.int64), return_inverse=True)
    statement_ids, columns_of = np.unique(table[:, 1].astype(np.int64), return_inverse=True)
    matrix = np.full((len(voter_ids), len(statement_ids)), np.nan)
    matrix[rows_of, columns_of] = table[:, 2]
    return [int(v) for v in voter_ids], [int(s) for s in statement_ids], matrix


def refresh(session: Session, space: Space) -> OpinionMap:
    """The stored map, recomputed first if the votes changed since it was computed."""
    stored = opinion_map(session, space)
    if stored.computed_revision == stored.revision:
        return stored
    stored = session.scalars(
        select(OpinionMap).where(OpinionMap.id == stored.id).with_for_update()
    ).one()
    session.refresh(stored)
    if stored.computed_revision == stored.revision:
        return stored
    _recompute(session, space, stored)
    return stored


def _recompute(session: Session, space: Space, stored: OpinionMap) -> None:
    voter_ids, statement_ids, matrix = votes_matrix(session, space)
    smoother = analysis.KSmoother(last_k=stored.last_k, streak=stored.k_streak, k=stored.k)
    result = analysis.analyse(matrix, smoother)
    current = [g for g in stored.groups if g.current]
    current_ids = [g.id for g in current]
    previous: dict[int, int] = {
        voter_id: group_id
        for voter_id, group_id in session.execute(
            select(Placement.voter_id, Placement.group_id).where(
                Placement.map_id == stored.id, Placement.group_id.in_(current_ids)
            )
        )
        if group_id is not None
    }
    matched = analysis.match_groups(previous, voter_ids, result.labels)
    by_id = {g.id: g for g in current}
    group_of_label: dict[int, OpinionGroup] = {}
    for label, group_id in sorted(matched.items()):
        if group_id is not None:
            group_of_label[label] = by_id[group_id]
    for label in sorted(matched):
        if label not in group_of_label:
            group = OpinionGroup(number=stored.next_group_number, current=True, representative=[])
            stored.next_group_number += 1
            stored.groups.append(group)
            group_of_label[label] = group
    kept = {g.id for g in group_of_label.values() if g.id is not None}
    for group in current:
        group.current = group.id in kept
    for label, group in group_of_label.items():
        group.representative = [
            {
                "statement_id": statement_ids[rep.statement],
                "repful_for": rep.repful_for,
                "n_success": rep.n_success,
                "n_trials": rep.n_trials,
                "p_success": rep.p_success,
                "repness": rep.repness,
                "repness_test": rep.repness_test,
            }
            for rep in result.representative.get(label, [])
        ]
    session.flush()
    session.execute(delete(Placement).where(Placement.map_id == stored.id))
    session.execute(delete(Bridging).where(Bridging.map_id == stored.id))
    if voter_ids:
        session.execute(
            insert(Placement),
            [
                {
                    "map_id": stored.id,
                    "voter_id": voter_id,
                    "x": float(result.projections[i, 0]),
                    "y": float(result.projections[i, 1]),
                    "group_id": group_of_label[int(label)].id if label >= 0 else None,
                }
                for i, (voter_id, label) in enumerate(zip(voter_ids, result.labels, strict=True))
            ],
        )
    if statement_ids and group_of_label:
        session.execute(
            insert(Bridging),
            [
                {"map_id": stored.id, "statement_id": sid, "score": float(result.consensus[j])}
                for j, sid in enumerate(statement_ids)
            ],
        )
    now = utcnow()
    stored.updates += 1
    stored.last_k = result.smoother.last_k
    stored.k_streak = result.smoother.streak
    stored.k = result.smoother.k
    if result.smoother.last_k is not None and result.smoother.k is not None:
        entry = {
            "update": stored.updates,
            "best_k": result.smoother.last_k,
            "k": len(group_of_label),
            "at": now.isoformat(),
        }
        stored.k_history = [*stored.k_history, entry][-K_HISTORY_KEPT:]
    stored.computed_revision = stored.revision
    stored.computed_at = now
    session.flush()


def map_view(session: Session, actor: User | None, slug: str) -> OpinionMapView:
    """The space's map as this person sees it (recomputed first if votes changed)."""
    space = visible_space(session, actor, slug)
    stored = refresh(session, space)
    placements = session.execute(
        select(Placement, Voter.user_id, Voter.polis_id)
        .join(Voter, Voter.id == Placement.voter_id)
        .where(Placement.map_id == stored.id)
        .order_by(Placement.voter_id)
    ).all()
    me = actor.id if actor is not None and actor.is_authenticated else None
    members: dict[int | None, list[MapMember]] = defaultdict(list)
    you: MapMember | None = None
    your_group_id: int | None = None
    for placement, user_id, polis_id in placements:
        member = MapMember(
            voter_id=placement.voter_id,
            polis_id=polis_id,
            x=placement.x,
            y=placement.y,
            is_you=me is not None and user_id == me,
        )
        members[placement.group_id].append(member)
        if member.is_you:
            you, your_group_id = member, placement.group_id
    current = [g for g in stored.groups if g.current]
    statements = _statements(
        session, [r["statement_id"] for g in current for r in g.representative]
    )
    groups = [
        MapGroup(
            id=g.id,
            number=g.number,
            members=members.get(g.id, []),
            representative=[
                RepresentativeStatement(
                    statement=statements[r["statement_id"]],
                    repful_for=r["repful_for"],
                    n_success=r["n_success"],
                    n_trials=r["n_trials"],
                    p_success=r["p_success"],
                    repness=r["repness"],
                    repness_test=r["repness_test"],
                )
                for r in g.representative
                if r["statement_id"] in statements
            ],
        )
        for g in current
    ]
    top: list[tuple[int, float]] = [
        (sid, score)
        for sid, score in session.execute(
            select(Bridging.statement_id, Bridging.score)
            .join(Statement, Statement.id == Bridging.statement_id)
            .where(Bridging.map_id == stored.id, Statement.state == StatementState.ACCEPTED)
            .order_by(Bridging.score.desc(), Bridging.statement_id)
            .limit(BRIDGING_SHOWN)
        )
    ]
    bridging = _records(session, stored, dict(top), current)
    accepted = session.scalar(
        select(func.count())
        .select_from(Statement)
        .where(Statement.space_id == space.id, Statement.state == StatementState.ACCEPTED)
    )
    return OpinionMapView(
        space=space,
        groups=groups,
        ungrouped=members.get(None, []),
        bridging=[bridging[sid] for sid, _score in top],
        statements=accepted or 0,
        voters=len(placements),
        computed_at=stored.computed_at,
        k_history=[KStep.of(entry) for entry in stored.k_history],
        you=you,
        your_group=next((g for g in groups if g.id == your_group_id), None),
        can_moderate=spaces.can_manage(session, actor, space),
    )


def bridging_statement(
    session: Session, actor: User | None, statement_id: int
) -> BridgingStatement:
    """One statement with its group-informed consensus and its vote record, overall and by
    group: what a recommendation cites when it is drafted from a bridging statement."""
    statement = visible_statement(session, actor, statement_id)
    if statement.state is not StatementState.ACCEPTED:
        raise Conflict(_("Only accepted statements are on the opinion map."))
    stored = refresh(session, statement.space)
    score = session.scalar(
        select(Bridging.score).where(
            Bridging.map_id == stored.id, Bridging.statement_id == statement.id
        )
    )
    current = [g for g in stored.groups if g.current]
    return _records(session, stored, {statement.id: score or 0.0}, current)[statement.id]


def _statements(session: Session, ids: Sequence[int]) -> dict[int, Statement]:
    if not ids:
        return {}
    found = session.scalars(
        select(Statement).where(
            Statement.id.in_(set(ids)), Statement.state == StatementState.ACCEPTED
        )
    )
    return {s.id: s for s in found}


def _records(
    session: Session, stored: OpinionMap, scores: dict[int, float], groups: list[OpinionGroup]
) -> dict[int, BridgingStatement]:
    """Tallies overall and by group for ``scores``' statements, in two queries."""
    ids = list(scores)
    statements = _statements(session, ids)
    counts: dict[tuple[int, int | None], dict[Choice, int]] = defaultdict(dict)
    if ids:
        rows = session.execute(
            select(Vote.statement_id, Placement.group_id, Vote.choice, func.count())
            .outerjoin(
                Placement,
                (Placement.voter_id == Vote.voter_id) & (Placement.map_id == stored.id),
            )
            .where(Vote.statement_id.in_(ids))
            .group_by(Vote.statement_id, Placement.group_id, Vote.choice)
        )
        for statement_id, group_id, choice, n in rows:
            counts[(statement_id, group_id)][choice] = n

    def tally_of(statement_id: int, group_ids: list[int | None]) -> Tally:
        total: dict[Choice, int] = defaultdict(int)
        for group_id in group_ids:
            for choice, n in counts.get((statement_id, group_id), {}).items():
                total[choice] += n
        return Tally(total[Choice.AGREE], total[Choice.DISAGREE], total[Choice.PASS])

    everyone = list({key[1] for key in counts})
    return {
        sid: BridgingStatement(
            statement=statements[sid],
            score=scores[sid],
            tally=tally_of(sid, everyone),
            by_group=[GroupTally(g.number, tally_of(sid, [g.id])) for g in groups],
        )
        for sid in ids
        if sid in statements
    }
