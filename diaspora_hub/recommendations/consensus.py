"""Consensus by bloc: pure arithmetic over positions, with no database and no clock.

How a tally is read (the rule of each space is a :class:`Rule`):

- Per bloc, ``organisations`` is how many organisations took a position, abstentions
  included. The *support share* is (support + support with reservations) divided by
  (support + support with reservations + oppose): abstaining organisations are counted as
  present but weigh neither way. A bloc where nobody took a position other than abstain
  has no share (``None``).
- A bloc *counts* when at least ``min_organisations`` organisations took a position and it
  has a share. Blocs that do not count never hold a recommendation back and never block
  it; they are shown as "too few organisations".
- A bloc *blocks* when it counts and its opposing organisations are at least ``block`` of
  its organisations (abstentions included in that denominator). ``block = None`` turns
  blocking off.
- ``scope = every_bloc``: every counting bloc must reach ``min_support``;
  ``scope = overall``: the overall share must. The overall share is the mean of the
  counting blocs' shares (``weighting = equal``, each bloc weighs the same however many
  organisations it has) or support over all positions of counting blocs (``pooled``).
- At least ``min_blocs`` blocs must count, otherwise there is not enough to call the
  recommendation *cross-bloc* supported.
- Ties are met: a share exactly at ``min_support`` passes, opposition exactly at ``block``
  blocks. All comparisons use exact fractions, never floats.

A frozen tally is a plain JSON mapping (:func:`freeze`); :func:`thaw` reads it back
unchanged, whatever positions arrive later.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from diaspora_hub.organisations.models import Bloc


class Position(enum.StrEnum):
    SUPPORT = "support"
    #: support, with a reservation put on record
    SUPPORT_WITH_RESERVATIONS = "support_with_reservations"
    #: a reason is required
    OPPOSE = "oppose"
    ABSTAIN = "abstain"


SUPPORTING = frozenset({Position.SUPPORT, Position.SUPPORT_WITH_RESERVATIONS})


class Scope(enum.StrEnum):
    #: every bloc with enough organisations reaches the threshold
    EVERY_BLOC = "every_bloc"
    #: the blocs' overall share reaches the threshold
    OVERALL = "overall"


class Weighting(enum.StrEnum):
    #: each counting bloc weighs the same in the overall share
    EQUAL = "equal"
    #: each organisation weighs the same in the overall share
    POOLED = "pooled"


class Outcome(enum.StrEnum):
    #: the rule is met and no bloc blocks
    SUPPORTED = "supported"
    #: at least one bloc's opposition reaches the blocking share
    BLOCKED = "blocked"
    #: support is below the threshold (in a bloc, or overall)
    SHORT = "short"
    #: fewer than ``min_blocs`` blocs have enough organisations to count
    INSUFFICIENT = "insufficient"


class Reason(enum.StrEnum):
    BLOCKS = "blocks"
    BELOW_THRESHOLD = "below_threshold"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class Rule:
    min_support: Fraction = Fraction(3, 5)
    min_organisations: int = 2
    min_blocs: int = 2
    scope: Scope = Scope.EVERY_BLOC
    weighting: Weighting = Weighting.EQUAL
    block: Fraction | None = Fraction(1, 3)

    def __post_init__(self) -> None:
        if not 0 < self.min_support <= 1:
            raise ValueError("min_support must be in (0, 1]")
        if self.block is not None and not 0 < self.block <= 1:
            raise ValueError("block must be in (0, 1] or None")
        if self.min_organisations < 1 or not 1 <= self.min_blocs <= len(Bloc):
            raise ValueError("min_organisations >= 1 and 1 <= min_blocs <= 4")

    def to_json(self) -> dict[str, Any]:
        return {
            "min_support": _fraction_text(self.min_support),
            "min_organisations": self.min_organisations,
            "min_blocs": self.min_blocs,
            "scope": self.scope.value,
            "weighting": self.weighting.value,
            "block": _fraction_text(self.block) if self.block is not None else None,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Rule:
        block = value.get("block")
        return cls(
            min_support=Fraction(value["min_support"]),
            min_organisations=int(value["min_organisations"]),
            min_blocs=int(value["min_blocs"]),
            scope=Scope(value["scope"]),
            weighting=Weighting(value["weighting"]),
            block=Fraction(block) if block is not None else None,
        )


@dataclass(frozen=True)
class BlocTally:
    bloc: Bloc
    support: int = 0
    reservations: int = 0
    oppose: int = 0
    abstain: int = 0
    #: organisations of the bloc that may endorse (for "3 of 5 took a position")
    eligible: int = 0

    @property
    def organisations(self) -> int:
        """Organisations that took a position, abstentions included."""
        return self.support + self.reservations + self.oppose + self.abstain

    @property
    def supporting(self) -> int:
        return self.support + self.reservations

    @property
    def share(self) -> Fraction | None:
        """Support over support and opposition; None when nobody took a side."""
        sided = self.supporting + self.oppose
        return Fraction(self.supporting, sided) if sided else None

    @property
    def opposition(self) -> Fraction | None:
        return Fraction(self.oppose, self.organisations) if self.organisations else None


@dataclass(frozen=True)
class Finding:
    """Why one bloc holds a recommendation back, or is not counted."""

    bloc: Bloc
    reason: Reason
    #: the bloc's figure the rule compared: share, opposition, or organisations
    value: Fraction
    #: what the rule asked for
    threshold: Fraction


@dataclass(frozen=True)
class Consensus:
    rule: Rule
    blocs: tuple[BlocTally, ...]
    outcome: Outcome
    overall: Fraction | None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def supported(self) -> bool:
        return self.outcome is Outcome.SUPPORTED

    def bloc(self, bloc: Bloc) -> BlocTally:
        return next(t for t in self.blocs if t.bloc is bloc)

    def counting(self) -> list[BlocTally]:
        return [t for t in self.blocs if counts(t, self.rule)]

    @property
    def holding_back(self) -> tuple[Finding, ...]:
        """The findings that keep the outcome from being supported (not the too-few notes)."""
        return tuple(f for f in self.findings if f.reason is not Reason.TOO_FEW)


def counts(tally: BlocTally, rule: Rule) -> bool:
    return tally.organisations >= rule.min_organisations and tally.share is not None


def blocks(tally: BlocTally, rule: Rule) -> bool:
    opposition = tally.opposition
    return (
        rule.block is not None
        and counts(tally, rule)
        and opposition is not None
        and opposition >= rule.block
    )


def bloc_tallies(
    positions: Iterable[tuple[Bloc, Position]], eligible: Mapping[Bloc, int] | None = None
) -> tuple[BlocTally, ...]:
    """One tally per bloc, in the order of :class:`Bloc`, empty blocs included."""
    numbers = {bloc: dict.fromkeys(Position, 0) for bloc in Bloc}
    for bloc, position in positions:
        numbers[Bloc(bloc)][Position(position)] += 1
    eligible = eligible or {}
    return tuple(
        BlocTally(
            bloc=bloc,
            support=numbers[bloc][Position.SUPPORT],
            reservations=numbers[bloc][Position.SUPPORT_WITH_RESERVATIONS],
            oppose=numbers[bloc][Position.OPPOSE],
            abstain=numbers[bloc][Position.ABSTAIN],
            eligible=eligible.get(bloc, 0),
        )
        for bloc in Bloc
    )


def overall_share(tallies: Iterable[BlocTally], rule: Rule) -> Fraction | None:
    counting = [t for t in tallies if counts(t, rule)]
    if not counting:
        return None
    if rule.weighting is Weighting.EQUAL:
        return sum((t.share or Fraction(0) for t in counting), Fraction(0)) / len(counting)
    sided = sum(t.supporting + t.oppose for t in counting)
    return Fraction(sum(t.supporting for t in counting), sided)


def decide(tallies: tuple[BlocTally, ...], rule: Rule) -> Consensus:
    """Apply ``rule`` to per-bloc tallies; blocking is checked before support."""
    findings: list[Finding] = []
    for tally in tallies:
        if tally.organisations and not counts(tally, rule):
            findings.append(
                Finding(
                    tally.bloc,
                    Reason.TOO_FEW,
                    Fraction(tally.organisations),
                    Fraction(rule.min_organisations),
                )
            )
    blocking = [t for t in tallies if blocks(t, rule)]
    for tally in blocking:
        findings.append(
            Finding(
                tally.bloc,
                Reason.BLOCKS,
                tally.opposition or Fraction(0),
                rule.block or Fraction(0),
            )
        )
    overall = overall_share(tallies, rule)
    counting = [t for t in tallies if counts(t, rule)]
    if rule.scope is Scope.EVERY_BLOC:
        for tally in counting:
            share = tally.share
            if share is not None and share < rule.min_support:
                findings.append(
                    Finding(tally.bloc, Reason.BELOW_THRESHOLD, share, rule.min_support)
                )
    if blocking:
        outcome = Outcome.BLOCKED
    elif len(counting) < rule.min_blocs:
        outcome = Outcome.INSUFFICIENT
    elif any(f.reason is Reason.BELOW_THRESHOLD for f in findings) or (
        rule.scope is Scope.OVERALL and (overall is None or overall < rule.min_support)
    ):
        outcome = Outcome.SHORT
    else:
        outcome = Outcome.SUPPORTED
    return Consensus(
        rule=rule, blocs=tallies, outcome=outcome, overall=overall, findings=tuple(findings)
    )


def tally(
    positions: Iterable[tuple[Bloc, Position]],
    rule: Rule,
    eligible: Mapping[Bloc, int] | None = None,
) -> Consensus:
    """The consensus of ``positions`` (one per organisation) under ``rule``."""
    return decide(bloc_tallies(positions, eligible), rule)


# Freezing -------------------------------------------------------------------------------


def freeze(consensus: Consensus) -> dict[str, Any]:
    """A JSON mapping that :func:`thaw` turns back into the same consensus."""
    return {
        "rule": consensus.rule.to_json(),
        "blocs": [
            {
                "bloc": t.bloc.value,
                "support": t.support,
                "reservations": t.reservations,
                "oppose": t.oppose,
                "abstain": t.abstain,
                "eligible": t.eligible,
            }
            for t in consensus.blocs
        ],
        "outcome": consensus.outcome.value,
        "overall": _fraction_text(consensus.overall) if consensus.overall is not None else None,
        "findings": [
            {
                "bloc": f.bloc.value,
                "reason": f.reason.value,
                "value": _fraction_text(f.value),
                "threshold": _fraction_text(f.threshold),
            }
            for f in consensus.findings
        ],
    }


def thaw(value: Mapping[str, Any]) -> Consensus:
    """The stored consensus as it was frozen; nothing is recomputed."""
    overall = value.get("overall")
    return Consensus(
        rule=Rule.from_json(value["rule"]),
        blocs=tuple(
            BlocTally(
                bloc=Bloc(b["bloc"]),
                support=int(b["support"]),
                reservations=int(b["reservations"]),
                oppose=int(b["oppose"]),
                abstain=int(b["abstain"]),
                eligible=int(b.get("eligible", 0)),
            )
            for b in value["blocs"]
        ),
        outcome=Outcome(value["outcome"]),
        overall=Fraction(overall) if overall is not None else None,
        findings=tuple(
            Finding(
                bloc=Bloc(f["bloc"]),
                reason=Reason(f["reason"]),
                value=Fraction(f["value"]),
                threshold=Fraction(f["threshold"]),
            )
            for f in value.get("findings", [])
        ),
    )


def percent(value: Fraction | None) -> int | None:
    """A share as a whole percentage for display, rounded half up; None stays None."""
    if value is None:
        return None
    return int(value * 100 + Fraction(1, 2))


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
