"""Organisation rules on the service functions: slugs, countries, memberships, verification."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.audit import AuditEntry
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.organisations import service
from diaspora_hub.organisations.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
)
from tests import factories

pytestmark = pytest.mark.postgres


def diaspora(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Association des Sénégalais de France",
        "kind": "diaspora",
        "country_of_origin": "SN",
        "country_of_residence": "FR",
    }
    data.update(overrides)
    return data


def audit_actions(session: Session, organisation: Organisation) -> list[str]:
    query = select(AuditEntry.action).where(
        AuditEntry.target_type == "organisation", AuditEntry.target_id == organisation.id
    )
    return list(session.scalars(query.order_by(AuditEntry.id)))


def role_of(session: Session, user: User, organisation: Organisation) -> Role | None:
    membership = service.active_membership(session, user, organisation)
    return membership.role if membership else None


@pytest.fixture
def people(session):
    made = {
        "admin": factories.user(session),
        "member": factories.user(session),
        "outsider": factories.user(session),
        "platform": factories.user(session, is_admin=True),
    }
    session.commit()
    return made


@pytest.fixture
def org(session, people):
    made = factories.organisation(
        session, members={people["admin"]: Role.ADMIN, people["member"]: Role.MEMBER}
    )
    session.commit()
    return made


# Creating ---------------------------------------------------------------------------


def test_creator_becomes_the_first_active_admin(session, people):
    org = service.create_organisation(session, people["outsider"], diaspora(acronym="ASF"))
    session.commit()
    assert org.slug == "association-des-senegalais-de-france"
    assert not org.is_verified
    membership = service.active_membership(session, people["outsider"], org)
    assert membership is not None
    assert membership.role is Role.ADMIN
    assert audit_actions(session, org) == ["organisation.created"]


def test_derived_slugs_get_a_number_when_taken(session, people):
    slugs = [
        service.create_organisation(session, people["admin"], diaspora()).slug for _ in range(3)
    ]
    assert slugs == [
        "association-des-senegalais-de-france",
        "association-des-senegalais-de-france-2",
        "association-des-senegalais-de-france-3",
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("  Ça va — Diaspora & Co.  ", "ca-va-diaspora-co"),
        ("جمعية", "organisation"),
        ("New", "new-2"),
    ],
)
def test_slug_is_ascii_lowercase_and_avoids_reserved_paths(session, people, name, slug):
    org = service.create_organisation(session, people["admin"], diaspora(name=name))
    assert org.slug == slug


def test_a_requested_slug_that_is_taken_is_a_conflict(session, people, org):
    with pytest.raises(Conflict) as caught:
        service.create_organisation(session, people["outsider"], diaspora(slug=org.slug))
    assert "slug" in (caught.value.fields or {})


def test_a_reserved_slug_is_refused(session, people):
    with pytest.raises(ValidationFailed) as caught:
        service.create_organisation(session, people["outsider"], diaspora(slug="new"))
    assert "slug" in (caught.value.fields or {})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (diaspora(country_of_origin=None), "country_of_origin"),
        (diaspora(country_of_residence=None), "country_of_residence"),
        (diaspora(kind="government"), "country_of_origin"),
        ({"name": "Ministry", "kind": "government"}, "country_of_residence"),
    ],
)
def test_countries_depend_on_the_kind(session, people, data, field):
    with pytest.raises(ValidationFailed) as caught:
        service.create_organisation(session, people["outsider"], data)
    assert field in (caught.value.fields or {})
    session.rollback()
    assert session.scalar(select(Organisation)) is None


def test_other_kinds_need_only_where_they_are_based(session, people):
    org = service.create_organisation(
        session,
        people["admin"],
        {"name": "OECD", "kind": "io", "country_of_residence": "FR", "countries": ["DE", "DE"]},
    )
    assert org.country_of_origin is None
    assert org.countries == ["DE"]
    assert org.bloc.value == "io"


# Editing ----------------------------------------------------------------------------


def test_only_its_admins_and_platform_admins_edit(session, people, org):
    for who in ("member", "outsider"):
        with pytest.raises(Forbidden):
            service.update_organisation(session, people[who], org.slug, {"description": "x"})
    service.update_organisation(session, people["admin"], org.slug, {"description": "Ours"})
    service.update_organisation(session, people["platform"], org.slug, {"website": None})
    assert org.description == "Ours"


def test_own_admins_changing_identity_withdraw_verification(session, people, org):
    service.update_organisation(session, people["admin"], org.slug, {"description": "New text"})
    assert org.is_verified
    service.update_organisation(session, people["admin"], org.slug, {"name": "Another name"})
    assert not org.is_verified
    assert audit_actions(session, org)[-2:] == ["organisation.updated", "organisation.unverified"]


def test_platform_admin_edits_keep_verification(session, people, org):
    service.update_organisation(session, people["platform"], org.slug, {"name": "Fixed typo"})
    assert org.is_verified


def test_changing_kind_away_from_diaspora_drops_the_country_of_origin(session, people, org):
    service.update_organisation(session, people["admin"], org.slug, {"kind": "civil_society"})
    assert org.kind is OrganisationKind.CIVIL_SOCIETY
    assert org.country_of_origin is None


def test_edits_are_checked_against_the_stored_values(session, people, org):
    with pytest.raises(ValidationFailed) as caught:
        service.update_organisation(session, people["admin"], org.slug, {"country_of_origin": None})
    assert "country_of_origin" in (caught.value.fields or {})


# Verification -----------------------------------------------------------------------


def test_only_platform_admins_verify(session, people):
    org = factories.organisation(session, verified=False, members={people["admin"]: Role.ADMIN})
    for who in ("admin", "outsider"):
        with pytest.raises(Forbidden):
            service.verify(session, people[who], org.slug)
    service.verify(session, people["platform"], org.slug)
    assert org.verified_by_id == people["platform"].id
    assert org.verified_at is not None
    with pytest.raises(Conflict):
        service.verify(session, people["platform"], org.slug)
    with pytest.raises(Forbidden):
        service.unverify(session, people["admin"], org.slug)
    service.unverify(session, people["platform"], org.slug)
    assert not org.is_verified
    assert org.verified_by_id is None
    assert audit_actions(session, org) == ["organisation.verified", "organisation.unverified"]


def test_unverified_organisation_cannot_act(session, people):
    org = factories.organisation(session, verified=False, members={people["admin"]: Role.ADMIN})
    with pytest.raises(Forbidden, match="not verified"):
        service.require_acting_role(session, people["admin"], org, [Role.ADMIN])
    service.verify(session, people["platform"], org.slug)
    assert service.require_acting_role(session, people["admin"], org, [Role.ADMIN]).is_active


def test_acting_needs_an_active_membership_with_the_role(session, people, org):
    with pytest.raises(Forbidden):
        service.require_acting_role(session, people["member"], org, [Role.DELEGATE])
    service.invite(session, people["admin"], org.slug, people["outsider"].email, "delegate")
    with pytest.raises(Forbidden):
        service.require_acting_role(session, people["outsider"], org, [Role.DELEGATE])


# Invitations and requests -----------------------------------------------------------


def test_invitation_is_accepted_by_the_invitee_only(session, people, org):
    invitee = people["outsider"]
    membership = service.invite(
        session, people["admin"], org.slug, invitee.email.upper(), "liaison"
    )
    assert (membership.status, membership.role) == (MembershipStatus.INVITED, Role.LIAISON)
    assert service.active_membership(session, invitee, org) is None
    assert [m.organisation for m in service.memberships_of(session, invitee).items] == [org]
    with pytest.raises(Forbidden):
        service.accept(session, people["admin"], org.slug, invitee.id)
    with pytest.raises(Forbidden):
        service.accept(session, people["member"], org.slug, invitee.id)
    service.accept(session, invitee, org.slug, invitee.id)
    assert role_of(session, invitee, org) is Role.LIAISON
    assert membership.decided_by_id == people["admin"].id
    with pytest.raises(Conflict):
        service.accept(session, invitee, org.slug, invitee.id)


def test_only_managers_invite(session, people, org):
    with pytest.raises(Forbidden):
        service.invite(session, people["member"], org.slug, people["outsider"].email, "member")
    service.invite(session, people["platform"], org.slug, people["outsider"].email, "member")


def test_inviting_unknown_or_present_people(session, people, org):
    with pytest.raises(ValidationFailed) as caught:
        service.invite(session, people["admin"], org.slug, "ghost@example.org", "member")
    assert caught.value.fields == {"email": ["There is no account with this email."]}
    with pytest.raises(Conflict):
        service.invite(session, people["admin"], org.slug, people["member"].email, "admin")
    service.invite(session, people["admin"], org.slug, people["outsider"].email, "member")
    with pytest.raises(Conflict):
        service.invite(session, people["admin"], org.slug, people["outsider"].email, "member")


def test_deactivated_accounts_cannot_be_invited(session, people, org):
    gone = factories.user(session, is_active=False)
    with pytest.raises(ValidationFailed):
        service.invite(session, people["admin"], org.slug, gone.email, "member")


def test_invitee_declines_and_can_be_invited_again(session, people, org):
    invitee = people["outsider"]
    service.invite(session, people["admin"], org.slug, invitee.email, "member")
    service.decline(session, invitee, org.slug, invitee.id)
    assert service.membership_of(session, invitee, org) is None
    service.invite(session, people["admin"], org.slug, invitee.email, "member")


def test_join_request_flow(session, people, org):
    person = people["outsider"]
    membership = service.request_to_join(session, person, org.slug)
    assert membership.status is MembershipStatus.REQUESTED
    with pytest.raises(Conflict):
        service.request_to_join(session, person, org.slug)
    with pytest.raises(Forbidden):
        service.accept(session, person, org.slug, person.id)
    with pytest.raises(Forbidden):
        service.accept(session, people["member"], org.slug, person.id)
    requests = service.list_members(session, people["admin"], org.slug, status="requested")
    assert [m.user_id for m in requests.items] == [person.id]
    service.accept(session, people["admin"], org.slug, person.id)
    assert membership.is_active
    assert membership.role is Role.MEMBER
    assert membership.decided_by_id == people["admin"].id
    assert "membership.accepted" in audit_actions(session, org)


def test_admins_decline_requests(session, people, org):
    person = people["outsider"]
    service.request_to_join(session, person, org.slug)
    with pytest.raises(Forbidden):
        service.decline(session, people["member"], org.slug, person.id)
    service.decline(session, people["admin"], org.slug, person.id)
    assert service.membership_of(session, person, org) is None
    with pytest.raises(NotFound):
        service.decline(session, people["admin"], org.slug, person.id)


def test_members_already_in_cannot_ask_again(session, people, org):
    with pytest.raises(Conflict):
        service.request_to_join(session, people["member"], org.slug)
    service.invite(session, people["admin"], org.slug, people["outsider"].email, "member")
    with pytest.raises(Conflict, match="invited"):
        service.request_to_join(session, people["outsider"], org.slug)


# Roles, removal and the last admin --------------------------------------------------


def test_only_managers_change_roles(session, people, org):
    with pytest.raises(Forbidden):
        service.change_role(session, people["member"], org.slug, people["member"].id, "admin")
    service.change_role(session, people["admin"], org.slug, people["member"].id, "delegate")
    assert role_of(session, people["member"], org) is Role.DELEGATE
    assert "membership.role_changed" in audit_actions(session, org)


def test_last_admin_can_be_neither_demoted_nor_removed_nor_leave(session, people, org):
    admin = people["admin"]
    with pytest.raises(Conflict):
        service.change_role(session, admin, org.slug, admin.id, "member")
    with pytest.raises(Conflict):
        service.remove_member(session, admin, org.slug, admin.id)
    with pytest.raises(Conflict):
        service.remove_member(session, people["platform"], org.slug, admin.id)
    service.change_role(session, admin, org.slug, people["member"].id, "admin")
    service.change_role(session, admin, org.slug, admin.id, "member")
    with pytest.raises(Forbidden):
        service.change_role(session, admin, org.slug, admin.id, "admin")
    assert role_of(session, people["member"], org) is Role.ADMIN


def test_an_invited_admin_does_not_count_as_an_admin(session, people, org):
    service.invite(session, people["admin"], org.slug, people["outsider"].email, "admin")
    with pytest.raises(Conflict):
        service.remove_member(session, people["admin"], org.slug, people["admin"].id)


def test_members_leave_and_admins_remove(session, people, org):
    service.remove_member(session, people["member"], org.slug, people["member"].id)
    assert service.membership_of(session, people["member"], org) is None
    other = factories.user(session)
    session.add(Membership(user=other, organisation=org, role=Role.MEMBER))
    session.flush()
    with pytest.raises(Forbidden):
        service.remove_member(session, people["outsider"], org.slug, other.id)
    service.remove_member(session, people["admin"], org.slug, other.id)
    assert service.membership_of(session, other, org) is None
    assert audit_actions(session, org) == ["membership.left", "membership.removed"]
    with pytest.raises(NotFound):
        service.remove_member(session, people["admin"], org.slug, people["outsider"].id)


# Seeing -----------------------------------------------------------------------------


def test_who_sees_the_member_list(session, people, org):
    service.invite(session, people["admin"], org.slug, people["outsider"].email, "member")
    with pytest.raises(Forbidden):
        service.list_members(session, people["outsider"], org.slug)
    seen = service.list_members(session, people["member"], org.slug)
    assert {m.user_id for m in seen.items} == {people["admin"].id, people["member"].id}
    with pytest.raises(Forbidden):
        service.list_members(session, people["member"], org.slug, status="invited")
    for who in ("admin", "platform"):
        invited = service.list_members(session, people[who], org.slug, status="invited")
        assert [m.user_id for m in invited.items] == [people["outsider"].id]
    public = service.organisation_profile(session, None, org.slug)
    assert (public.member_count, public.members) == (2, None)
    inside = service.organisation_profile(session, people["member"], org.slug)
    assert inside.members is not None
    assert len(inside.members) == 2
    assert not inside.can_manage
    assert service.organisation_profile(session, people["platform"], org.slug).can_verify


def test_unknown_organisation_is_404(session, people):
    with pytest.raises(NotFound):
        service.organisation_profile(session, None, "nobody")
    with pytest.raises(NotFound):
        service.request_to_join(session, people["outsider"], "nobody")


def test_search_filters_and_totals(session, people):
    factories.organisation(session, name="Senegalese in Paris", acronym="SIP")
    factories.organisation(session, name="Malian Youth 100%", country_of_origin="ML")
    factories.organisation(
        session,
        name="Ministry of Senegalese Abroad",
        kind=OrganisationKind.GOVERNMENT,
        country_of_residence="SN",
        verified=False,
    )
    factories.organisation(
        session, name="World Bank", kind=OrganisationKind.IO, country_of_residence="US"
    )
    session.commit()

    def names(**filters: Any) -> list[str]:
        return [o.name for o in service.search_organisations(session, **filters).items]

    assert names(kind="government") == ["Ministry of Senegalese Abroad"]
    assert names(country="SN") == [
        "Ministry of Senegalese Abroad",
        "Senegalese in Paris",
    ]
    assert names(verified=False) == ["Ministry of Senegalese Abroad"]
    assert len(names(verified=True)) == 3
    assert names(q="senegal") == ["Ministry of Senegalese Abroad", "Senegalese in Paris"]
    assert names(q="sip") == ["Senegalese in Paris"]
    assert names(q="100%") == ["Malian Youth 100%"]
    assert names(q="%") == ["Malian Youth 100%"]
    page = service.search_organisations(session, page=2, per_page=3)
    assert (page.total, len(page.items), page.pages) == (4, 1, 2)
