"""Read models the opinions service returns to pages, the API and the domains above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diaspora_hub.core.pagination import Page
from diaspora_hub.opinions.models import Choice, Statement
from diaspora_hub.spaces.models import Space


def group_letter(number: int) -> str:
    """Group 1 is "A", 26 is "Z", 27 is "AA" …"""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class StatementItem:
    statement: Statement
    #: the viewer's current vote, if any
    my_vote: Choice | None


@dataclass(frozen=True)
class StatementList:
    space: Space
    page: Page[StatementItem]
    #: the viewer may add statements (signed in, conduct accepted)
    can_add: bool
    #: the viewer moderates (a facilitator)
    can_moderate: bool
    #: statements waiting for moderation (counted for facilitators only, else 0)
    pending: int
    #: the viewer's own statements still waiting for a facilitator
    mine_pending: list[Statement]


@dataclass(frozen=True)
class Tally:
    agree: int
    disagree: int
    passed: int

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passed


@dataclass(frozen=True)
class MapMember:
    """A dot on the map. People are shown by a voter number only (and "you" to themselves);
    imported voters by their Pol.is participant id."""

    voter_id: int
    #: the Pol.is participant id of an imported voter
    polis_id: int | None
    x: float
    y: float
    #: the viewer themselves
    is_you: bool


@dataclass(frozen=True)
class RepresentativeStatement:
    statement: Statement
    #: "agree" or "disagree": how the group stands apart on it
    repful_for: str
    n_success: int
    n_trials: int
    p_success: float
    repness: float
    repness_test: float


@dataclass(frozen=True)
class MapGroup:
    id: int
    number: int
    members: list[MapMember]
    representative: list[RepresentativeStatement]

    @property
    def label(self) -> str:
        return group_letter(self.number)


@dataclass(frozen=True)
class GroupTally:
    group_number: int
    tally: Tally

    @property
    def group_label(self) -> str:
        return group_letter(self.group_number)

    @property
    def agreement(self) -> float:
        """Smoothed share agreeing, as group-informed consensus counts it."""
        return (self.tally.agree + 1) / (self.tally.votes + 2)


@dataclass(frozen=True)
class BridgingStatement:
    """A statement every group tends to agree with, with the record of its votes."""

    statement: Statement
    #: group-informed consensus: product over groups of (agrees + 1) / (votes + 2)
    score: float
    tally: Tally
    by_group: list[GroupTally]


@dataclass(frozen=True)
class KStep:
    update: int
    best_k: int
    k: int
    at: str

    @classmethod
    def of(cls, entry: dict[str, Any]) -> KStep:
        return cls(
            update=int(entry["update"]),
            best_k=int(entry["best_k"]),
            k=int(entry["k"]),
            at=str(entry["at"]),
        )


@dataclass(frozen=True)
class OpinionMapView:
    space: Space
    groups: list[MapGroup]
    #: people placed on the map but not grouped yet (too few votes)
    ungrouped: list[MapMember]
    bridging: list[BridgingStatement]
    #: accepted statements and voters counted
    statements: int
    voters: int
    computed_at: datetime | None
    k_history: list[KStep]
    #: the viewer's own dot, if they voted
    you: MapMember | None
    #: the group the viewer is in, if any
    your_group: MapGroup | None
    #: the viewer moderates the space's statements
    can_moderate: bool
