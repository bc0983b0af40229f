"""Rules of recommendations on the service functions: who may do what, and what changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.notifications.models import Notification
from diaspora_hub.recommendations import service
from diaspora_hub.recommendations.consensus import Consensus, Outcome, Position
from diaspora_hub.recommendations.models import (
    Endorsement,
    EndorsementChange,
    FrozenTally,
    RecommendationState,
    RecommendationVersion,
)
from diaspora_hub.recommendations.types import TallyView
from diaspora_hub.spaces.models import Visibility
from tests import factories
from tests.recommendations.conftest import consulted, draft

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("in_app")]


def _view(session: Session, person, recommendation) -> TallyView:
    view = service.tally_view(session, person, recommendation)
    assert view is not None
    return view


def _consensus(view: TallyView) -> Consensus:
    assert view.consensus is not None
    return view.consensus


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# Drafting --------------------------------------------------------------------------------


def test_a_facilitator_drafts_and_every_edit_is_a_version(session, world):
    recommendation = draft(session, world)
    service.update_recommendation(
        session,
        world.facilitator,
        recommendation.id,
        text="Transfer fees should not exceed **3 %** by 2027.",
        note="Sooner",
    )
    assert [v.version for v in recommendation.versions] == [1, 2]
    diff = service.compare_versions(session, world.facilitator, recommendation.id, old=1, new=2)
    text = next(f for f in diff.fields if f.name == "text")
    removed = "".join(s.text for s in text.segments if s.op.value == "delete")
    added = "".join(s.text for s in text.segments if s.op.value == "insert")
    assert ("Senegal" in removed, "2030" in removed, added.strip()) == (True, True, "2027.")
    kept = "".join(s.text for s in text.segments if s.op.value != "delete")
    assert kept == "Transfer fees should not exceed **3 %** by 2027."


@pytest.mark.parametrize("who", ["delegate_a", "member_a", "outsider", "gov_liaison"])
def test_only_facilitators_draft(session, world, who):
    with pytest.raises(Forbidden):
        service.create_recommendation(
            session, getattr(world, who), world.space.slug, title="T", text="Text"
        )
    assert _count(session, RecommendationVersion) == 0


def test_a_platform_admin_may_step_in(session, world):
    recommendation = service.create_recommendation(
        session, world.admin, world.space.slug, title="T", text="Text"
    )
    assert recommendation.state is RecommendationState.DRAFT


@pytest.mark.parametrize(("title", "text"), [("", "Text"), ("Title", "  ")])
def test_empty_title_or_text_is_refused(session, world, title, text):
    with pytest.raises(ValidationFailed):
        service.create_recommendation(
            session, world.facilitator, world.space.slug, title=title, text=text
        )


def test_targets_must_be_international_organisations(session, world):
    with pytest.raises(ValidationFailed) as error:
        service.create_recommendation(
            session,
            world.facilitator,
            world.space.slug,
            title="T",
            text="Text",
            target_ios=["ministry"],
        )
    assert "target_ios" in (error.value.fields or {})


def test_drafts_are_invisible_to_everyone_but_facilitators(session, world):
    recommendation = draft(session, world)
    for person in (world.delegate_a, world.outsider, None):
        with pytest.raises(NotFound):
            service.get_recommendation(session, person, recommendation.id)
    _space, page = service.list_recommendations(session, world.delegate_a, world.space.slug)
    assert page.total == 0


def test_a_private_space_hides_its_recommendations_from_outsiders(session, world):
    world.space.visibility = Visibility.MEMBERS
    session.commit()
    recommendation = consulted(session, world)
    with pytest.raises(NotFound):
        service.get_recommendation(session, world.outsider, recommendation.id)
    with pytest.raises(NotFound):
        service.list_recommendations(session, world.outsider, world.space.slug)
    assert service.get_recommendation(session, world.delegate_a, recommendation.id)


def test_opening_tells_the_delegates_and_not_plain_members(session, world):
    consulted(session, world)
    told = set(
        session.scalars(
            select(Notification.user_id).where(Notification.kind == "recommendations.opened")
        )
    )
    assert told == {
        world.delegate_a.id,
        world.delegate_b.id,
        world.gov_liaison.id,
        world.io_liaison.id,
    }


def test_closing_in_the_past_is_refused_and_nothing_opens(session, world):
    recommendation = draft(session, world)
    with pytest.raises(ValidationFailed):
        service.open_consultation(
            session, world.facilitator, recommendation.id, closes_at=utcnow() - timedelta(hours=1)
        )
    assert recommendation.state is RecommendationState.DRAFT


# Endorsing --------------------------------------------------------------------------------


def test_a_delegate_endorses_and_changes_position_with_the_history_kept(session, world):
    recommendation = consulted(session, world)
    service.endorse(session, world.delegate_a, recommendation.id, position=Position.SUPPORT)
    service.endorse(
        session,
        world.delegate_a,
        recommendation.id,
        position=Position.SUPPORT_WITH_RESERVATIONS,
        reason="Only for digital transfers.",
    )
    endorsement = session.scalar(select(Endorsement))
    assert endorsement.position is Position.SUPPORT_WITH_RESERVATIONS
    assert [c.position for c in endorsement.changes] == [
        Position.SUPPORT,
        Position.SUPPORT_WITH_RESERVATIONS,
    ]
    assert _count(session, Endorsement) == 1


@pytest.mark.parametrize(
    "who", ["member_a", "outsider", "unverified_delegate", "outsider_delegate"]
)
def test_only_delegates_of_verified_taking_part_organisations_endorse(session, world, who):
    recommendation = consulted(session, world)
    with pytest.raises(Forbidden):
        service.endorse(session, getattr(world, who), recommendation.id, position=Position.SUPPORT)
    assert _count(session, Endorsement) == 0


def test_an_unverified_organisation_cannot_endorse_even_when_named(session, world):
    recommendation = consulted(session, world)
    with pytest.raises(Forbidden):
        service.endorse(
            session,
            world.unverified_delegate,
            recommendation.id,
            position=Position.SUPPORT,
            organisation=world.unverified.slug,
        )


@pytest.mark.parametrize("position", [Position.OPPOSE, Position.SUPPORT_WITH_RESERVATIONS])
def test_opposing_or_reserving_needs_a_reason(session, world, position):
    recommendation = consulted(session, world)
    with pytest.raises(ValidationFailed) as error:
        service.endorse(session, world.delegate_a, recommendation.id, position=position, reason=" ")
    assert "reason" in (error.value.fields or {})
    assert _count(session, Endorsement) == 0


def test_no_endorsement_after_the_consultation_closes(session, world):
    recommendation = consulted(session, world)
    recommendation.closes_at = utcnow() - timedelta(minutes=1)
    session.commit()
    with pytest.raises(Conflict):
        service.endorse(session, world.delegate_a, recommendation.id, position=Position.SUPPORT)
    assert _count(session, EndorsementChange) == 0


def test_no_endorsement_on_a_draft(session, world):
    recommendation = draft(session, world)
    with pytest.raises(NotFound):
        service.endorse(session, world.delegate_a, recommendation.id, position=Position.SUPPORT)


def test_the_tally_counts_by_bloc_and_names_who_holds_it_back(session, world):
    recommendation = consulted(session, world)
    service.endorse(session, world.delegate_a, recommendation.id, position=Position.SUPPORT)
    service.endorse(session, world.delegate_b, recommendation.id, position=Position.SUPPORT)
    service.endorse(session, world.gov_liaison, recommendation.id, position=Position.SUPPORT)
    service.endorse(
        session, world.io_liaison, recommendation.id, position=Position.OPPOSE, reason="Too fast"
    )
    view = _view(session, world.outsider, recommendation)
    consensus = _consensus(view)
    assert consensus.bloc(world.org_a.bloc).organisations == 2
    assert consensus.bloc(world.org_a.bloc).eligible == 2  # the unverified one is not eligible
    # Government and IO have one organisation each: too few to count under the default rule.
    assert consensus.outcome is Outcome.INSUFFICIENT


def test_adopting_freezes_the_tally(session, world):
    recommendation = consulted(session, world)
    service.endorse(session, world.delegate_a, recommendation.id, position=Position.SUPPORT)
    service.adopt_recommendation(session, world.facilitator, recommendation.id, note="By consensus")
    session.commit()
    frozen = session.scalar(select(FrozenTally))
    before = dict(frozen.tally)
    assert frozen.decision is RecommendationState.ADOPTED
    with pytest.raises(Conflict):
        service.endorse(
            session, world.delegate_b, recommendation.id, position=Position.OPPOSE, reason="No"
        )
    view = _view(session, world.outsider, recommendation)
    assert view.frozen
    assert _consensus(view).bloc(world.org_a.bloc).support == 1
    assert session.scalar(select(FrozenTally)).tally == before


def test_an_adopted_recommendation_changes_only_through_a_new_consultation(session, world):
    recommendation = consulted(session, world)
    service.adopt_recommendation(session, world.facilitator, recommendation.id)
    with pytest.raises(Conflict):
        service.update_recommendation(session, world.facilitator, recommendation.id, text="New")
    service.revise_recommendation(
        session,
        world.facilitator,
        recommendation.id,
        text="Fees should not exceed 2 %.",
        closes_at=utcnow() + timedelta(days=3),
    )
    assert recommendation.state is RecommendationState.CONSULTATION
    assert (recommendation.round, recommendation.version) == (2, 2)
    view = _view(session, world.outsider, recommendation)
    assert not view.frozen
    assert _consensus(view).bloc(world.org_a.bloc).organisations == 0


def test_withdrawing_needs_a_reason_and_then_nothing_changes(session, world):
    recommendation = consulted(session, world)
    with pytest.raises(ValidationFailed):
        service.withdraw_recommendation(session, world.facilitator, recommendation.id, reason="")
    service.withdraw_recommendation(
        session, world.facilitator, recommendation.id, reason="Superseded"
    )
    with pytest.raises(Conflict):
        service.update_recommendation(session, world.facilitator, recommendation.id, text="New")
    with pytest.raises(Conflict):
        service.adopt_recommendation(session, world.facilitator, recommendation.id)


def test_hidden_tallies_show_only_to_facilitators_until_the_close(session, world):
    from fractions import Fraction

    from diaspora_hub.recommendations.consensus import Scope, Weighting

    service.update_settings(
        session,
        world.facilitator,
        world.space.slug,
        min_support=Fraction(3, 5),
        min_organisations=2,
        min_blocs=2,
        scope=Scope.EVERY_BLOC,
        weighting=Weighting.EQUAL,
        block=Fraction(1, 3),
        hide_tallies=True,
    )
    recommendation = consulted(session, world)
    service.endorse(session, world.delegate_a, recommendation.id, position=Position.SUPPORT)
    assert _view(session, world.delegate_b, recommendation).hidden
    assert not _view(session, world.facilitator, recommendation).hidden
    _rec, seen_by_b = service.list_endorsements(session, world.delegate_b, recommendation.id)
    _rec, seen_by_a = service.list_endorsements(session, world.delegate_a, recommendation.id)
    assert (len(seen_by_b), len(seen_by_a)) == (0, 1)
    recommendation.closes_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert _view(session, world.delegate_b, recommendation).consensus is not None


# Amendments and comments ------------------------------------------------------------------


def test_a_participant_proposes_and_an_accepted_amendment_becomes_a_version(session, world):
    recommendation = consulted(session, world)
    amendment = service.propose_amendment(
        session,
        world.member_a,
        recommendation.id,
        text="Transfer fees should not exceed 3 % by 2028.",
        explanation="2030 is too late.",
    )
    with pytest.raises(Forbidden):
        service.accept_amendment(session, world.member_a, amendment.id, reason="I like it")
    with pytest.raises(ValidationFailed):
        service.accept_amendment(session, world.facilitator, amendment.id, reason="")
    service.accept_amendment(session, world.facilitator, amendment.id, reason="Agreed in the room")
    assert recommendation.version == 2
    assert recommendation.versions[-1].author_id == world.member_a.id
    assert recommendation.versions[-1].amendment_id == amendment.id
    with pytest.raises(Conflict):
        service.reject_amendment(session, world.facilitator, amendment.id, reason="Changed my mind")


def test_an_amendment_on_an_old_version_cannot_be_accepted(session, world):
    recommendation = consulted(session, world)
    amendment = service.propose_amendment(session, world.member_a, recommendation.id, text="Other")
    service.update_recommendation(session, world.facilitator, recommendation.id, text="Edited")
    with pytest.raises(Conflict):
        service.accept_amendment(session, world.facilitator, amendment.id, reason="Fine")
    service.reject_amendment(session, world.facilitator, amendment.id, reason="Overtaken")


def test_outsiders_neither_amend_nor_comment_without_the_code_of_conduct(session, world):
    recommendation = consulted(session, world)
    stranger = factories.user(session)
    session.commit()
    with pytest.raises(Forbidden):
        service.propose_amendment(session, stranger, recommendation.id, text="Other")
    with pytest.raises(Forbidden):
        service.add_comment(session, stranger, recommendation.id, body="Hello")
    comment = service.add_comment(session, world.outsider, recommendation.id, body="Good idea")
    assert comment.version == 1


# Sources ----------------------------------------------------------------------------------


def test_an_unknown_source_is_refused(session, world):
    from diaspora_hub.recommendations.models import SourceKind

    recommendation = draft(session, world)
    for kind in SourceKind:
        with pytest.raises(ValidationFailed):
            service.add_source(session, world.facilitator, recommendation.id, kind=kind, ref=9999)
