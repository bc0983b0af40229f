"""The grouping arithmetic on votes whose groups are known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from diaspora_hub.opinions import analysis, simulation


@pytest.mark.parametrize(("people", "statements", "groups"), [(200, 30, 2), (300, 40, 3)])
def test_finds_the_groups_votes_were_drawn_from(people, statements, groups):
    drawn = simulation.simulate(people, statements, groups)
    result = analysis.analyse(drawn.votes)
    grouped = result.labels >= 0
    assert result.smoother.k == groups
    assert adjusted_rand_score(drawn.groups[grouped], result.labels[grouped]) >= 0.8


def test_the_same_votes_give_the_same_map():
    drawn = simulation.simulate(250, 30, 3, seed=11)
    first, second = analysis.analyse(drawn.votes), analysis.analyse(drawn.votes.copy())
    assert np.array_equal(first.labels, second.labels)
    assert np.allclose(first.projections, second.projections)


def test_people_with_too_few_votes_are_placed_but_not_grouped():
    drawn = simulation.simulate(120, 30, 2, seed=3)
    votes = drawn.votes.copy()
    votes[0, :] = np.nan
    votes[0, :3] = 1.0
    result = analysis.analyse(votes)
    assert result.labels[0] == -1
    assert np.isfinite(result.projections[0]).all()


def test_bridging_statements_are_those_every_group_agrees_with():
    drawn = simulation.simulate(300, 40, 3, seed=5)
    result = analysis.analyse(drawn.votes)
    top = set(np.argsort(-result.consensus)[: len(drawn.consensus)].tolist())
    assert top == set(drawn.consensus)


def test_representative_statements_set_each_group_apart():
    drawn = simulation.simulate(300, 40, 2, seed=9)
    result = analysis.analyse(drawn.votes)
    for group, reps in result.representative.items():
        assert reps
        members = result.labels == group
        for rep in reps:
            column = drawn.votes[:, rep.statement]
            share_in = np.nanmean(column[members] == (1 if rep.repful_for == "agree" else -1))
            share_out = np.nanmean(column[~members] == (1 if rep.repful_for == "agree" else -1))
            assert share_in > share_out
            assert rep.repness_test > analysis.Z_90


def test_pol_is_smoothed_tests():
    # stats.clj: prop-test adds one to successes and trials; two-prop-test to all four.
    assert analysis.prop_test(np.array([9.0]), np.array([10.0]))[0] == pytest.approx(
        2 * np.sqrt(11) * (10 / 11 - 0.5)
    )
    z = analysis.two_prop_test(*(np.array([v]) for v in (8.0, 2.0, 10.0, 10.0)))[0]
    p1, p2, p_hat = 9 / 11, 3 / 11, 12 / 22
    assert z == pytest.approx((p1 - p2) / np.sqrt(p_hat * (1 - p_hat) * (2 / 11)))


def test_a_new_k_is_shown_only_after_winning_several_updates_in_a_row():
    smoother = analysis.KSmoother().update(2)
    assert smoother.k == 2
    for _ in range(analysis.K_STREAK - 1):
        smoother = smoother.update(3)
        assert smoother.k == 2
    smoother = smoother.update(3)
    assert smoother.k == 3
    assert smoother.update(2).k == 3


def test_group_identities_follow_the_members_they_share():
    people = [1, 2, 3, 4, 5, 6]
    previous = {1: 10, 2: 10, 3: 10, 4: 20, 5: 20, 6: 20}
    # the same split, with indices swapped, and one person moved
    labels = np.array([1, 1, 0, 0, 0, 0])
    assert analysis.match_groups(previous, people, labels) == {0: 20, 1: 10}
    # a third group appears: it gets no stored identity
    labels = np.array([0, 0, 0, 1, 1, 2])
    assert analysis.match_groups(previous, people, labels) == {0: 10, 1: 20, 2: None}
