"""The demo's recommendations: one under consultation with every bloc, one adopted, frozen."""

from __future__ import annotations

from sqlalchemy import select

from diaspora_hub.recommendations.models import (
    Endorsement,
    FrozenTally,
    Recommendation,
    RecommendationState,
)


def test_the_demo_has_a_consultation_with_every_bloc_and_a_frozen_adoption(runner, session):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    found = {r.state: r for r in session.scalars(select(Recommendation))}
    assert set(found) == {
        RecommendationState.DRAFT,
        RecommendationState.CONSULTATION,
        RecommendationState.ADOPTED,
    }
    consulted = found[RecommendationState.CONSULTATION]
    endorsements = session.scalars(
        select(Endorsement).where(Endorsement.recommendation_id == consulted.id)
    )
    assert {e.organisation.bloc.value for e in endorsements} == {
        "diaspora",
        "government",
        "io",
        "other",
    }
    frozen = session.scalar(select(FrozenTally))
    assert frozen.recommendation_id == found[RecommendationState.ADOPTED].id
    assert frozen.tally["outcome"] == "supported"
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert len(list(session.scalars(select(Recommendation)))) == 3
