"""Who may know a space exists, and who may take part in it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from diaspora_hub.core.errors import Forbidden, NotFound
from diaspora_hub.organisations.models import MembershipStatus, Role
from diaspora_hub.spaces import service
from diaspora_hub.spaces.models import Space, Visibility
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(session):
    facilitator = factories.user(session, can_facilitate=True)
    member = factories.user(session)
    invitee = factories.user(session)
    outsider = factories.user(session)
    admin = factories.user(session, is_admin=True)
    org = factories.organisation(session, members={member: Role.MEMBER})
    spaces = {
        v: factories.space(
            session,
            facilitators=(facilitator,),
            visibility=v,
            organisations=(org,),
            invited=(invitee,),
            slug=f"s-{v.value}",
        )
        for v in Visibility
    }
    session.commit()
    return {
        "facilitator": facilitator,
        "member": member,
        "invitee": invitee,
        "outsider": outsider,
        "admin": admin,
        "anonymous": None,
        "spaces": spaces,
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", {"public"}),
        ("outsider", {"public"}),
        ("member", {"public", "members"}),
        ("invitee", {"public", "members", "invite"}),
        ("facilitator", {"public", "members", "invite"}),
        ("admin", {"public", "members", "invite"}),
    ],
)
def test_visibility(session, world, who, expected):
    person = world[who]
    seen = {s.slug.removeprefix("s-") for s in session.scalars(service.visible_spaces(person))}
    assert seen == expected
    for visibility, space in world["spaces"].items():
        if visibility.value in expected:
            assert service.get_visible(session, person, space.slug) == space
        else:
            with pytest.raises(NotFound):
                service.get_visible(session, person, space.slug)


def test_pending_membership_does_not_reveal_a_members_space(session, world):
    membership = world["member"].id
    row = session.scalar(select(Space).where(Space.slug == "s-members"))
    org = row.participants[0].organisation
    for m in org.memberships:
        if m.user_id == membership:
            m.status = MembershipStatus.REQUESTED
    session.commit()
    assert "s-members" not in {
        s.slug for s in session.scalars(service.visible_spaces(world["member"]))
    }


def test_taking_part_needs_the_current_conduct(session, world):
    space = world["spaces"][Visibility.PUBLIC]
    with pytest.raises(service.ConductNotAccepted):
        service.require_participant(session, world["outsider"], space)
    with pytest.raises(Forbidden):
        service.require_participant(session, None, space)
    with pytest.raises(NotFound):
        service.require_participant(session, world["outsider"], world["spaces"][Visibility.INVITE])
