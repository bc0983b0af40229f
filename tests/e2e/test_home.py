"""The home page in a real browser: a delegate sees what needs them, on a phone and a wide
screen, and a visitor sees what the product does; neither page has a serious barrier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from diaspora_hub.organisations.models import Membership, MembershipStatus, OrganisationKind, Role
from tests import factories, servers
from tests.calls.conftest import add_contribution, make_call
from tests.e2e.checks import phone, serious_violations
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def delegate(arrange: Session) -> str:
    facilitator = factories.user(arrange, display_name="Fatou Facilitator")
    amina = factories.user(arrange, display_name="Amina Diallo")
    union = factories.organisation(
        arrange, name="Senegalese Diaspora Union", members={amina: Role.DELEGATE}
    )
    forum = factories.organisation(arrange, name="Lagos Diaspora Forum")
    arrange.add(
        Membership(
            user=amina, organisation=forum, role=Role.MEMBER, status=MembershipStatus.INVITED
        )
    )
    space = factories.space(
        arrange,
        title="Remittance costs",
        facilitators=(facilitator,),
        organisations=(union,),
        accepted_by=(facilitator, amina),
    )
    arrange.commit()
    make_call(arrange, space, facilitator, title="Fees survey", closes_in=timedelta(days=9))
    make_call(arrange, space, facilitator, title="Transfer channels", closes_in=timedelta(days=2))
    return amina.email


def test_a_delegate_sees_calls_by_deadline_and_an_invitation_then_answers(
    browser: Browser, server: servers.AppServer, delegate: str
) -> None:
    for context in (browser.new_context(base_url=server.url), phone(browser, server.url)):
        page = context.new_page()
        log_in(page, delegate, factories.PASSWORD)
        needs = page.get_by_role("region", name="What needs you").get_by_role("listitem")
        expect(needs).to_have_count(3)
        expect(needs.get_by_role("heading")).to_have_text(
            ["Transfer channels", "Fees survey", "Invitation to join Lagos Diaspora Forum"]
        )
        expect(needs.first).to_contain_text("Due ")
        assert serious_violations(page) == []
        needs.first.get_by_role("link", name="Answer for Senegalese Diaspora Union").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Transfer channels")
        context.close()


def test_a_visitor_learns_what_the_product_does_and_finds_public_spaces(
    browser: Browser, server: servers.AppServer, arrange: Session
) -> None:
    factories.space(arrange, title="Open to all")
    arrange.commit()
    context = phone(browser, server.url)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Diaspora diplomacy, in the open")
    expect(page.get_by_role("link", name="Open to all")).to_be_visible()
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    assert serious_violations(page) == []
    context.close()


def test_a_space_and_its_call_tracker_have_no_serious_barrier_on_a_phone_or_a_wide_screen(
    browser: Browser, server: servers.AppServer, arrange: Session
) -> None:
    liaison = factories.user(arrange, display_name="Gina Government")
    amina = factories.user(arrange, display_name="Amina Diallo")
    government = factories.organisation(
        arrange, kind=OrganisationKind.GOVERNMENT, members={liaison: Role.LIAISON}
    )
    union = factories.organisation(
        arrange, name="Senegalese Diaspora Union", members={amina: Role.MEMBER}
    )
    space = factories.space(
        arrange,
        title="Remittance costs",
        organisations=(union, government),
        accepted_by=(liaison, amina),
    )
    arrange.commit()
    call = make_call(arrange, space, liaison, title="Fees survey", organisation=government)
    add_contribution(arrange, call, union, amina, "Fees are too high.")
    for context in (browser.new_context(base_url=server.url), phone(browser, server.url)):
        page = context.new_page()
        log_in(page, liaison.email, factories.PASSWORD)
        page.goto(f"/spaces/{space.slug}")
        expect(page.get_by_role("link", name="Fees survey")).to_be_visible()
        assert serious_violations(page) == []
        page.goto(f"/calls/{call.id}")
        expect(page.get_by_role("img", name="Contributions by stakeholder group")).to_be_visible()
        page.get_by_text("The numbers: Contributions by stakeholder group").click()
        expect(page.get_by_role("row", name="Diaspora 1")).to_be_visible()
        assert serious_violations(page) == []
        context.close()
