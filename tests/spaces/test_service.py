"""The rules of issue spaces, checked on the service functions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.audit import AuditEntry
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.core.pagination import Page
from diaspora_hub.organisations.models import Role
from diaspora_hub.spaces import service
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    Phase,
    Space,
    TagKind,
    Visibility,
)
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def chair(session):
    person = factories.user(session, can_facilitate=True, display_name="Lucía Herrera")
    session.commit()
    return person


def _create(session: Session, actor: User, **kwargs: Any) -> Space:
    kwargs.setdefault("title", "Remittance costs")
    space = service.create_space(session, actor, **kwargs)
    session.commit()
    return space


def _space_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Space)) or 0


# --- creating ---------------------------------------------------------------------------


def test_plain_user_may_not_open_a_space(session):
    plain = factories.user(session)
    session.commit()
    with pytest.raises(Forbidden):
        service.create_space(session, plain, title="Remittance costs")
    assert _space_count(session) == 0


@pytest.mark.parametrize("who", [{"can_facilitate": True}, {"is_admin": True}])
def test_trusted_facilitators_and_admins_may_open_a_space(session, who):
    person = factories.user(session, **who)
    session.commit()
    space = _create(session, person)
    assert service.is_facilitator(session, person, space)
    assert [f.user_id for f in space.facilitators] == [person.id]


def test_a_new_space_starts_in_exploration_with_a_first_code_of_conduct(session, chair):
    space = _create(session, chair, description="Lower the **cost**.")
    assert space.phase is Phase.EXPLORATION
    assert space.visibility is Visibility.PUBLIC
    conduct = space.current_conduct
    assert conduct is not None
    assert conduct.version == 1
    assert "Chatham House" in conduct.text
    # The author of the code of conduct accepts it by publishing it.
    assert service.has_accepted_current_conduct(session, chair, space)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == space.id))
    assert "space.created" in set(actions)


def test_given_conduct_text_is_version_one(session, chair):
    space = _create(session, chair, conduct="Be kind.")
    assert [(c.version, c.text) for c in space.conducts] == [(1, "Be kind.")]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Remittance costs", "remittance-costs"),
        ("Transferts d\u2019argent — Sénégal & Mali!", "transferts-d-argent-senegal-mali"),
        ("التحويلات المالية", "space"),
        ("  --Diaspora   bonds--  ", "diaspora-bonds"),
    ],
)
def test_slug_is_derived_from_the_title(title, slug):
    assert service.slugify(title) == slug


def test_taken_slugs_get_a_random_suffix(session, chair):
    slugs = [_create(session, chair, title="Diaspora bonds").slug for _ in range(3)]
    assert slugs[0] == "diaspora-bonds"
    assert len(set(slugs)) == 3
    assert all(slug.startswith("diaspora-bonds-") for slug in slugs[1:])
    assert _create(session, chair, title="New").slug.startswith("new-")
    assert _create(session, chair, title="Other", slug="new").slug.startswith("new-")
    assert _create(session, chair, title="Other", slug="bonds").slug == "bonds"
    assert _create(session, chair, title="Other", slug="bonds").slug.startswith("bonds-")


def test_an_explicit_slug_must_be_well_formed(session, chair):
    with pytest.raises(ValidationFailed) as caught:
        service.create_space(session, chair, title="Other", slug="Not a slug")
    assert "slug" in (caught.value.fields or {})


def test_sdg_codes_are_checked_and_targets_bring_their_goal(session, chair):
    space = _create(session, chair, sdg=["10.c", "5", "10.C", "1.a"])
    assert space.codes(TagKind.GOAL) == ["1", "5", "10"]
    assert space.codes(TagKind.TARGET) == ["1.a", "10.c"]


UNKNOWN_CODES: list[tuple[str, list[str]]] = [
    ("sdg", ["10.z"]),
    ("sdg", ["18"]),
    ("sdg", ["10", "1.x"]),
    ("countries", ["XX"]),
    ("countries", ["France"]),
    ("languages", ["xx"]),
    ("languages", ["fra"]),
    ("organisations", ["no-such-org"]),
]


def test_unknown_codes_are_refused_and_nothing_is_stored(session, chair):
    for field, values in UNKNOWN_CODES:
        given: dict[str, Any] = {field: values}
        with pytest.raises(ValidationFailed) as caught:
            service.create_space(session, chair, title="Remittance costs", **given)
        assert list(caught.value.fields or {}) == [field], values
        session.rollback()
    assert _space_count(session) == 0


def test_countries_languages_and_organisations_are_stored(session, chair):
    org = factories.organisation(session, slug="asf")
    session.commit()
    space = _create(
        session, chair, countries=["sn", "FR", "SN"], languages=["FR", "wo"], organisations=["asf"]
    )
    assert space.codes(TagKind.COUNTRY) == ["SN", "FR"]
    assert space.codes(TagKind.LANGUAGE) == ["fr", "wo"]
    assert [p.organisation_id for p in space.participants] == [org.id]


# --- seeing and searching ---------------------------------------------------------------


@pytest.fixture
def catalogue(session, chair):
    """Five spaces; two of them are not public."""
    member = factories.user(session)
    outsider = factories.user(session)
    org = factories.organisation(session, members={member: Role.MEMBER})
    session.commit()
    spaces = {
        "remittances": _create(
            session, chair, title="Remittance costs", sdg=["10.c"], countries=["SN"]
        ),
        "bonds": _create(session, chair, title="Diaspora bonds", sdg=["17.3"], languages=["fr"]),
        "skills": _create(session, chair, title="Skills partnerships", sdg=["8"], countries=["MA"]),
        "members": _create(
            session,
            chair,
            title="Remittance data (members)",
            sdg=["10.c"],
            countries=["SN"],
            languages=["fr"],
            visibility="members",
            organisations=[org.slug],
        ),
        "secret": _create(
            session,
            chair,
            title="Remittance talks (invitation)",
            sdg=["10.c"],
            countries=["SN"],
            languages=["fr"],
            visibility="invite",
        ),
    }
    service.change_phase(session, chair, spaces["skills"].slug, "building")
    session.commit()
    return {"spaces": spaces, "member": member, "outsider": outsider}


def _titles(page: Page[Space]) -> list[str]:
    return sorted(s.title for s in page.items)


OUTSIDER_FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"sdg": "10"}, ["Remittance costs"]),
    ({"sdg": "10.c"}, ["Remittance costs"]),
    ({"sdg": "10.1"}, []),
    ({"sdg": "17"}, ["Diaspora bonds"]),
    ({"country": "SN"}, ["Remittance costs"]),
    ({"country": "ma"}, ["Skills partnerships"]),
    ({"phase": "building"}, ["Skills partnerships"]),
    ({"language": "fr"}, ["Diaspora bonds"]),
    ({"q": "remittance"}, ["Remittance costs"]),
    ({"q": "%"}, []),
    ({"sdg": "10", "country": "MA"}, []),
]


def test_filters_for_an_outsider(session, catalogue):
    for filters, expected in OUTSIDER_FILTERS:
        page = service.search_spaces(session, catalogue["outsider"], **filters)
        assert _titles(page) == expected, filters
        assert page.total == len(expected), filters


@pytest.mark.parametrize("who", ["outsider", None])
def test_hidden_spaces_never_show_in_lists_totals_or_search(session, catalogue, who):
    person = catalogue[who] if who else None
    everything = service.search_spaces(session, person)
    assert everything.total == 3
    assert "Remittance talks (invitation)" not in _titles(everything)
    queries: list[dict[str, Any]] = [
        {"sdg": "10.c"},
        {"language": "fr"},
        {"q": "Remittance"},
        {"country": "SN"},
    ]
    for filters in queries:
        page = service.search_spaces(session, person, **filters)
        assert all(s.visibility is Visibility.PUBLIC for s in page.items)
        assert page.total == len(page.items)
    for slug in (catalogue["spaces"]["members"].slug, catalogue["spaces"]["secret"].slug):
        with pytest.raises(NotFound):
            service.space_detail(session, person, slug)


def test_members_of_a_participating_organisation_find_the_members_space(session, catalogue):
    page = service.search_spaces(session, catalogue["member"], sdg="10.c")
    assert _titles(page) == ["Remittance costs", "Remittance data (members)"]
    assert page.total == 2


def test_facilitators_see_everything_they_run(session, catalogue, chair):
    assert service.search_spaces(session, chair, q="remittance").total == 3


def test_unknown_filter_values_are_refused(session, catalogue):
    bad: list[dict[str, Any]] = [
        {"sdg": "10.z"},
        {"sdg": "18"},
        {"country": "XX"},
        {"language": "zz"},
    ]
    for filters in bad:
        with pytest.raises(ValidationFailed) as caught:
            service.search_spaces(session, None, **filters)
        assert list(caught.value.fields or {}) == list(filters)


def test_pagination_counts_only_visible_spaces(session, catalogue):
    first = service.search_spaces(session, None, page=1, per_page=2)
    second = service.search_spaces(session, None, page=2, per_page=2)
    assert first.total == second.total == 3
    assert len(first.items) == 2
    assert len(second.items) == 1


# --- editing ----------------------------------------------------------------------------


def test_managers_edit_and_lists_replace_the_old_ones(session, chair):
    space = _create(session, chair, sdg=["10.c"], countries=["SN"], languages=["fr"])
    service.update_space(
        session,
        chair,
        space.slug,
        {"title": "Cheaper remittances", "sdg": ["1.4"], "countries": ["ML"]},
    )
    session.commit()
    session.refresh(space)
    assert space.title == "Cheaper remittances"
    assert space.codes(TagKind.GOAL) == ["1"]
    assert space.codes(TagKind.TARGET) == ["1.4"]
    assert space.codes(TagKind.COUNTRY) == ["ML"]
    assert space.codes(TagKind.LANGUAGE) == ["fr"]


def test_a_bad_edit_changes_nothing(session, chair):
    space = _create(session, chair, sdg=["10.c"])
    with pytest.raises(ValidationFailed):
        service.update_space(session, chair, space.slug, {"title": "New", "sdg": ["10.z"]})
    session.rollback()
    session.refresh(space)
    assert space.title == "Remittance costs"
    assert space.codes(TagKind.TARGET) == ["10.c"]


def test_only_managers_edit(session, chair):
    space = _create(session, chair)
    other = factories.user(session, can_facilitate=True)
    admin = factories.user(session, is_admin=True)
    session.commit()
    with pytest.raises(Forbidden):
        service.update_space(session, other, space.slug, {"title": "Hijacked"})
    service.update_space(session, admin, space.slug, {"title": "Fixed by an admin"})
    session.commit()
    assert space.title == "Fixed by an admin"


def test_hidden_space_is_not_found_even_for_editing(session, chair):
    space = _create(session, chair, visibility="invite")
    outsider = factories.user(session)
    session.commit()
    with pytest.raises(NotFound):
        service.update_space(session, outsider, space.slug, {"title": "x"})


# --- phases -----------------------------------------------------------------------------


def test_phase_moves_one_step_at_a_time(session, chair):
    space = _create(session, chair)
    for phase in ("building", "running", "sustaining", "running"):
        service.change_phase(session, chair, space.slug, phase)
        session.commit()
        assert space.phase.value == phase


@pytest.mark.parametrize("target", ["running", "sustaining", "exploration"])
def test_skipping_or_standing_still_is_a_conflict(session, chair, target):
    space = _create(session, chair)
    with pytest.raises(Conflict):
        service.change_phase(session, chair, space.slug, target)
    session.rollback()
    session.refresh(space)
    assert space.phase is Phase.EXPLORATION


def test_phase_changes_are_audited(session, chair):
    space = _create(session, chair)
    service.change_phase(session, chair, space.slug, "building")
    session.commit()
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "space.phase_changed"))
    assert entry.details == {"before": "exploration", "after": "building"}
    assert entry.actor_id == chair.id


# --- code of conduct --------------------------------------------------------------------


def test_accepting_makes_a_participant_and_a_new_version_asks_again(session, chair):
    space = _create(session, chair)
    person = factories.user(session)
    session.commit()
    with pytest.raises(service.ConductNotAccepted):
        service.require_participant(session, person, space)

    state = service.accept_conduct(session, person, space.slug)
    session.commit()
    assert state.accepted
    assert state.accepted_version == 1
    service.require_participant(session, person, space)

    conduct = service.publish_conduct(session, chair, space.slug, "Version two: be brief.")
    session.commit()
    assert conduct.version == 2
    with pytest.raises(service.ConductNotAccepted):
        service.require_participant(session, person, space)
    state = service.conduct_state(session, person, space.slug)
    assert not state.accepted
    assert state.accepted_version == 1
    assert state.conduct is not None
    assert state.conduct.text == "Version two: be brief."

    service.accept_conduct(session, person, space.slug)
    session.commit()
    service.require_participant(session, person, space)
    versions = session.scalars(
        select(CodeOfConduct.version)
        .join(ConductAcceptance, ConductAcceptance.conduct_id == CodeOfConduct.id)
        .where(ConductAcceptance.user_id == person.id)
        .order_by(CodeOfConduct.version)
    )
    assert list(versions) == [1, 2]


def test_earlier_versions_stay_as_they_were(session, chair):
    space = _create(session, chair, conduct="First text.")
    service.publish_conduct(session, chair, space.slug, "Second text.")
    session.commit()
    session.refresh(space)
    assert [(c.version, c.text) for c in space.conducts] == [
        (1, "First text."),
        (2, "Second text."),
    ]


def test_accepting_twice_keeps_one_acceptance(session, chair):
    space = _create(session, chair)
    person = factories.user(session)
    session.commit()
    service.accept_conduct(session, person, space.slug)
    service.accept_conduct(session, person, space.slug)
    session.commit()
    count = session.scalar(select(func.count()).where(ConductAcceptance.user_id == person.id))
    assert count == 1


def test_accepting_needs_sight_of_the_space(session, chair):
    space = _create(session, chair, visibility="invite")
    outsider = factories.user(session)
    session.commit()
    with pytest.raises(NotFound):
        service.accept_conduct(session, outsider, space.slug)


def test_only_managers_publish_a_new_version(session, chair):
    space = _create(session, chair)
    person = factories.user(session)
    session.commit()
    with pytest.raises(Forbidden):
        service.publish_conduct(session, person, space.slug, "Mine now.")


# --- facilitators, organisations, invitations ------------------------------------------


def test_facilitators_are_added_by_email_and_never_all_removed(session, chair):
    space = _create(session, chair)
    colleague = factories.user(session, email="colleague@example.org")
    session.commit()
    service.add_facilitator(session, chair, space.slug, "Colleague@Example.org")
    session.commit()
    assert service.is_facilitator(session, colleague, space)
    with pytest.raises(Conflict):
        service.add_facilitator(session, chair, space.slug, "colleague@example.org")
    session.rollback()

    service.remove_facilitator(session, colleague, space.slug, chair.id)
    session.commit()
    assert not service.is_facilitator(session, chair, space)
    with pytest.raises(Conflict):
        service.remove_facilitator(session, colleague, space.slug, colleague.id)
    session.rollback()
    assert service.is_facilitator(session, colleague, space)
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"space.facilitator_added", "space.facilitator_removed"} <= actions


def test_a_facilitator_needs_an_existing_account(session, chair):
    space = _create(session, chair)
    with pytest.raises(ValidationFailed) as caught:
        service.add_facilitator(session, chair, space.slug, "ghost@example.org")
    assert "email" in (caught.value.fields or {})


def test_removing_someone_who_does_not_facilitate_is_not_found(session, chair):
    space = _create(session, chair)
    other = factories.user(session)
    session.commit()
    with pytest.raises(NotFound):
        service.remove_facilitator(session, chair, space.slug, other.id)


def test_outsiders_cannot_manage_facilitators(session, chair):
    space = _create(session, chair)
    outsider = factories.user(session, email="outsider@example.org")
    session.commit()
    with pytest.raises(Forbidden):
        service.add_facilitator(session, outsider, space.slug, "outsider@example.org")
    with pytest.raises(Forbidden):
        service.remove_facilitator(session, outsider, space.slug, chair.id)


def test_participating_organisations_open_a_members_space(session, chair):
    member = factories.user(session)
    org = factories.organisation(session, slug="asf", members={member: Role.MEMBER})
    session.commit()
    space = _create(session, chair, visibility="members")
    assert not service.can_see(session, member, space)

    service.add_organisation(session, chair, space.slug, "asf")
    session.commit()
    assert service.can_see(session, member, space)
    with pytest.raises(Conflict):
        service.add_organisation(session, chair, space.slug, "asf")
    session.rollback()
    with pytest.raises(ValidationFailed) as caught:
        service.add_organisation(session, chair, space.slug, "nobody")
    assert "organisation" in (caught.value.fields or {})

    service.remove_organisation(session, chair, space.slug, org.slug)
    session.commit()
    assert not service.can_see(session, member, space)
    with pytest.raises(NotFound):
        service.remove_organisation(session, chair, space.slug, org.slug)


def test_invitations_open_an_invite_space(session, chair):
    guest = factories.user(session, email="guest@example.org")
    session.commit()
    space = _create(session, chair, visibility="invite")
    service.invite(session, chair, space.slug, "guest@example.org")
    session.commit()
    assert service.get_visible(session, guest, space.slug) == space
    assert service.list_invitations(session, chair, space.slug).total == 1
    with pytest.raises(Conflict):
        service.invite(session, chair, space.slug, "guest@example.org")
    session.rollback()

    service.revoke_invitation(session, chair, space.slug, guest.id)
    session.commit()
    with pytest.raises(NotFound):
        service.get_visible(session, guest, space.slug)


def test_public_spaces_need_no_invitation(session, chair):
    factories.user(session, email="guest@example.org")
    session.commit()
    space = _create(session, chair)
    with pytest.raises(Conflict):
        service.invite(session, chair, space.slug, "guest@example.org")


def test_only_managers_see_who_is_invited(session, chair):
    guest = factories.user(session, email="guest@example.org")
    session.commit()
    space = _create(session, chair, visibility="members")
    service.invite(session, chair, space.slug, guest.email)
    session.commit()
    with pytest.raises(Forbidden):
        service.list_invitations(session, guest, space.slug)


def test_detail_tells_the_person_what_they_may_do(session, chair):
    space = _create(session, chair)
    person = factories.user(session)
    session.commit()
    mine = service.space_detail(session, chair, space.slug)
    theirs = service.space_detail(session, person, space.slug)
    anonymous = service.space_detail(session, None, space.slug)
    assert (mine.is_facilitator, mine.can_manage, mine.conduct.accepted) == (True, True, True)
    assert (theirs.is_facilitator, theirs.can_manage, theirs.conduct.accepted) == (
        False,
        False,
        False,
    )
    assert not anonymous.conduct.accepted
    assert mine.allowed_phases == (Phase.BUILDING,)
    assert [f.display_name for f in mine.facilitators] == ["Lucía Herrera"]
