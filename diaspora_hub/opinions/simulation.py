"""Votes with a known structure: groups of people who vote alike, for the demo data, the
tests and the benchmark that check the map finds them again."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diaspora_hub.opinions.analysis import Labels, Matrix


@dataclass(frozen=True)
class Simulated:
    #: people by statements: 1 agree, -1 disagree, 0 pass, NaN not voted
    votes: Matrix
    #: the group each person was drawn from
    groups: Labels
    #: statements every group leans towards agreeing with
    consensus: list[int]


def simulate(
    people: int,
    statements: int,
    groups: int,
    *,
    seed: int = 7,
    turnout: float = 0.6,
    consensus_share: float = 0.1,
    conviction: float = 0.85,
    passes: float = 0.1,
    leaning: Matrix | None = None,
) -> Simulated:
    """Each group leans agree or disagree on each statement with ``conviction``; a few
    statements every group agrees with; each person votes on about ``turnout`` of them.
    ``leaning`` (groups by statements: each group's chance of agreeing) replaces the
    drawn leanings."""
    rng = np.random.default_rng(seed)
    membership = rng.integers(0, groups, size=people)
    if leaning is None:
        leaning = rng.choice([conviction, 1 - conviction], size=(groups, statements))
        shared = rng.choice(
            statements, size=max(1, int(statements * consensus_share)), replace=False
        )
        leaning[:, shared] = conviction
    p_agree = leaning[membership]
    draw = rng.random((people, statements))
    votes = np.where(draw < p_agree, 1.0, -1.0)
    votes[rng.random((people, statements)) < passes] = 0.0
    votes[rng.random((people, statements)) >= turnout] = np.nan
    return Simulated(
        votes=votes,
        groups=np.asarray(membership, dtype=np.int64),
        consensus=[int(j) for j in np.flatnonzero((leaning >= conviction).all(axis=0))],
    )


def participants_votes_csv(votes: Matrix, *, first_participant: int = 0) -> str:
    """The votes as a Pol.is ``participants-votes.csv`` (comment ids 0, 1, 2 …), so
    simulated voters come in the way imported ones do."""
    statements = votes.shape[1]
    lines = ["participant," + ",".join(str(j) for j in range(statements))]
    for i, row in enumerate(votes):
        cells = ("" if np.isnan(v) else str(int(v)) for v in row)
        lines.append(f"{first_participant + i}," + ",".join(cells))
    return "\n".join(lines) + "\n"
