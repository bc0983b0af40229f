"""The front page: what needs a logged-in person, most urgent first; the product for visitors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.live import service as live
from diaspora_hub.live.models import LiveConnection, RoomPresence
from diaspora_hub.organisations.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
)
from diaspora_hub.spaces.models import Space, Visibility
from tests import factories
from tests.calls.conftest import add_contribution, make_call


def _scene(session: Session) -> tuple[User, User, Organisation, Space]:
    facilitator = factories.user(session, can_facilitate=True, display_name="Fatou Facilitator")
    amina = factories.user(session, display_name="Amina Diallo")
    newcomer = factories.user(session, display_name="Nadia Newcomer")
    diaspora = factories.organisation(
        session, name="Senegalese Diaspora Union", members={amina: Role.ADMIN}
    )
    other = factories.organisation(session, name="Lagos Diaspora Forum")
    session.add(
        Membership(
            user=amina, organisation=other, role=Role.MEMBER, status=MembershipStatus.INVITED
        )
    )
    session.add(
        Membership(
            user=newcomer,
            organisation=diaspora,
            role=Role.MEMBER,
            status=MembershipStatus.REQUESTED,
        )
    )
    space = factories.space(
        session,
        title="Remittance costs",
        facilitators=(facilitator,),
        organisations=(diaspora,),
        accepted_by=(facilitator, amina),
    )
    session.commit()
    return facilitator, amina, diaspora, space


def test_a_delegate_sees_the_live_room_then_calls_by_deadline_then_decisions(session, login):
    facilitator, amina, diaspora, space = _scene(session)
    later = make_call(session, space, facilitator, title="Fees survey", closes_in=timedelta(days=9))
    make_call(session, space, facilitator, title="Transfer channels", closes_in=timedelta(days=2))
    answered = make_call(session, space, facilitator, title="Already answered")
    add_contribution(session, answered, diaspora, amina, "Done")
    make_call(session, space, facilitator, title="For governments", audience_kinds=("government",))
    room = live.open_room(session, facilitator, space.slug, title="Monthly consultation")
    session.add(LiveConnection(sid="sid-1", user_id=facilitator.id, worker_id="w1"))
    session.add(RoomPresence(sid="sid-1", room_id=room.id, user_id=facilitator.id, worker_id="w1"))
    session.commit()

    page = login(amina).get("/").get_data(as_text=True)
    assert "What needs you" in page
    order = [
        page.index(title)
        for title in (
            "Monthly consultation",
            "Transfer channels",
            "Fees survey",
            "Invitation to join Lagos Diaspora Forum",
            "Nadia Newcomer asks to join Senegalese Diaspora Union",
        )
    ]
    assert order == sorted(order)
    assert "1 person here" in page
    assert "Answer for Senegalese Diaspora Union" in page
    assert f'href="/calls/{later.id}/answer"' in page
    assert "Already answered" not in page
    assert "For governments" not in page


def test_someone_with_nothing_waiting_is_told_so(session, login):
    person = factories.user(session)
    session.commit()
    page = login(person).get("/").get_data(as_text=True)
    assert "Nothing waits for you right now." in page


def test_a_visitor_reads_what_the_product_does_and_only_public_spaces(session, client):
    factories.space(session, title="Open to all")
    factories.space(session, title="Behind closed doors", visibility=Visibility.INVITE)
    factories.organisation(session, kind=OrganisationKind.GOVERNMENT)
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Answer calls for input" in page
    assert "Open to all" in page
    assert "Behind closed doors" not in page
    assert "What needs you" not in page


def test_an_author_follows_their_open_call_and_a_facilitator_is_asked_for_themes(session, login):
    facilitator, amina, diaspora, space = _scene(session)
    liaison = factories.user(session, display_name="Gina Government")
    factories.organisation(
        session, kind=OrganisationKind.GOVERNMENT, members={liaison: Role.LIAISON}
    )
    session.commit()
    open_call = make_call(session, space, liaison, title="Fees survey")
    add_contribution(session, open_call, diaspora, amina, "Fees")
    make_call(
        session,
        space,
        facilitator,
        title="Closed consultation",
        opens_in=timedelta(days=-9),
        closes_in=timedelta(days=-1),
    )

    author_page = login(liaison).get("/").get_data(as_text=True)
    assert "Fees survey" in author_page
    assert "1 contribution so far" in author_page
    assert "See who has answered" in author_page
    assert "Closed consultation" not in author_page

    facilitator_page = login(facilitator).get("/").get_data(as_text=True)
    assert "Closed consultation" in facilitator_page
    assert "Group the contributions into themes" in facilitator_page
