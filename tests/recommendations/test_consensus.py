"""The consensus arithmetic, as documented in ``recommendations.consensus``."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from diaspora_hub.organisations.models import Bloc
from diaspora_hub.recommendations.consensus import (
    Outcome,
    Position,
    Reason,
    Rule,
    Scope,
    Weighting,
    bloc_tallies,
    freeze,
    tally,
    thaw,
)

positions = st.lists(st.tuples(st.sampled_from(list(Bloc)), st.sampled_from(list(Position))))
fractions = st.fractions(min_value=Fraction(1, 20), max_value=1, max_denominator=20)
rules = st.builds(
    Rule,
    min_support=fractions,
    min_organisations=st.integers(min_value=1, max_value=4),
    min_blocs=st.integers(min_value=1, max_value=4),
    scope=st.sampled_from(list(Scope)),
    weighting=st.sampled_from(list(Weighting)),
    block=st.one_of(st.none(), fractions),
)


@given(positions, st.sampled_from(list(Bloc)))
def test_adding_a_support_never_lowers_a_blocs_share(given_positions, bloc):
    before = tally(given_positions, Rule()).bloc(bloc).share
    after = tally([*given_positions, (bloc, Position.SUPPORT)], Rule()).bloc(bloc).share
    assert after is not None
    assert before is None or after >= before


@given(positions, st.sampled_from(list(Bloc)), st.sampled_from(list(Position)), rules)
def test_blocs_are_independent(given_positions, bloc, position, rule):
    before = tally(given_positions, rule)
    after = tally([*given_positions, (bloc, position)], rule)
    for other in Bloc:
        if other is not bloc:
            assert after.bloc(other) == before.bloc(other)


@given(positions, rules, positions)
def test_a_frozen_tally_never_moves(given_positions, rule, later):
    frozen = freeze(tally(given_positions, rule))
    stored = dict(frozen)
    tally([*given_positions, *later], rule)
    assert thaw(stored) == tally(given_positions, rule)
    assert freeze(thaw(stored)) == frozen


@given(positions, rules)
def test_support_or_reservations_count_the_same_and_abstentions_weigh_neither_way(
    given_positions, rule
):
    swapped = [
        (b, Position.SUPPORT if p is Position.SUPPORT_WITH_RESERVATIONS else p)
        for b, p in given_positions
    ]
    assert [t.share for t in tally(swapped, rule).blocs] == [
        t.share for t in tally(given_positions, rule).blocs
    ]
    with_abstention = tally([*given_positions, (Bloc.IO, Position.ABSTAIN)], rule)
    assert with_abstention.bloc(Bloc.IO).share == tally(given_positions, rule).bloc(Bloc.IO).share


@given(rules)
def test_empty_blocs_have_no_share_and_never_hold_back(rule):
    result = tally([], rule)
    assert all(t.share is None and t.organisations == 0 for t in result.blocs)
    assert result.findings == ()
    assert result.outcome is Outcome.INSUFFICIENT
    assert result.overall is None


def test_a_bloc_of_abstentions_has_no_share_and_is_not_counted():
    result = tally([(Bloc.IO, Position.ABSTAIN)] * 3, Rule())
    assert result.bloc(Bloc.IO).share is None
    assert result.counting() == []


def test_a_share_exactly_at_the_threshold_passes():
    rule = Rule(min_support=Fraction(3, 5), block=None)
    three_of_five = [Position.SUPPORT] * 3 + [Position.OPPOSE] * 2
    result = tally(
        [(Bloc.DIASPORA, p) for p in three_of_five] + [(Bloc.GOVERNMENT, p) for p in three_of_five],
        rule,
    )
    assert result.outcome is Outcome.SUPPORTED


def test_opposition_exactly_at_the_blocking_share_blocks():
    rule = Rule(min_support=Fraction(1, 2), block=Fraction(1, 3))
    bloc = [Position.SUPPORT, Position.SUPPORT, Position.OPPOSE]
    result = tally(
        [(Bloc.DIASPORA, p) for p in bloc] + [(Bloc.GOVERNMENT, Position.SUPPORT)] * 2, rule
    )
    assert result.outcome is Outcome.BLOCKED
    (finding,) = result.holding_back
    assert (finding.bloc, finding.reason, finding.value) == (
        Bloc.DIASPORA,
        Reason.BLOCKS,
        Fraction(1, 3),
    )


def test_the_bloc_below_the_threshold_is_named():
    result = tally(
        [(Bloc.DIASPORA, Position.SUPPORT)] * 3
        + [(Bloc.GOVERNMENT, Position.SUPPORT), (Bloc.GOVERNMENT, Position.OPPOSE)]
        + [(Bloc.GOVERNMENT, Position.ABSTAIN)] * 4,
        Rule(),
    )
    assert result.outcome is Outcome.SHORT
    assert [(f.bloc, f.reason, f.value) for f in result.holding_back] == [
        (Bloc.GOVERNMENT, Reason.BELOW_THRESHOLD, Fraction(1, 2))
    ]


def test_a_bloc_with_too_few_organisations_is_noted_but_does_not_hold_back():
    result = tally(
        [(Bloc.DIASPORA, Position.SUPPORT)] * 2
        + [(Bloc.GOVERNMENT, Position.SUPPORT)] * 2
        + [(Bloc.IO, Position.OPPOSE)],
        Rule(),
    )
    assert result.outcome is Outcome.SUPPORTED
    assert [(f.bloc, f.reason) for f in result.findings] == [(Bloc.IO, Reason.TOO_FEW)]


def test_equal_weighting_gives_each_bloc_the_same_say():
    big = [(Bloc.DIASPORA, Position.SUPPORT)] * 9 + [(Bloc.DIASPORA, Position.OPPOSE)]
    small = [(Bloc.GOVERNMENT, Position.SUPPORT), (Bloc.GOVERNMENT, Position.OPPOSE)]
    equal = tally(big + small, Rule(scope=Scope.OVERALL, weighting=Weighting.EQUAL, block=None))
    pooled = tally(big + small, Rule(scope=Scope.OVERALL, weighting=Weighting.POOLED, block=None))
    assert equal.overall == Fraction(7, 10)
    assert pooled.overall == Fraction(10, 12)


def test_eligible_organisations_are_reported_per_bloc():
    (diaspora, *_rest) = bloc_tallies([(Bloc.DIASPORA, Position.SUPPORT)], {Bloc.DIASPORA: 4})
    assert (diaspora.organisations, diaspora.eligible) == (1, 4)
