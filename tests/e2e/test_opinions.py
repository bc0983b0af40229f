"""A participant votes on statements with the keyboard and finds themself on the opinion
map; the pages pass automated WCAG checks, at 390 px wide too."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.opinions import simulation
from diaspora_hub.opinions.models import Choice, Statement, StatementState, Vote, Voter
from diaspora_hub.spaces.models import Space
from tests import factories
from tests.e2e.conftest import accessibility_violations, log_in

pytestmark = pytest.mark.e2e

CHOICES = {1.0: Choice.AGREE, -1.0: Choice.DISAGREE, 0.0: Choice.PASS}


def _conversation(arrange: Session) -> tuple[User, Space, simulation.Simulated]:
    """A space with eight statements and sixty pseudonymous voters in two groups."""
    person = factories.user(arrange, email="awa@example.org", display_name="Awa Sow")
    facilitator = factories.user(arrange, can_facilitate=True)
    space = factories.space(
        arrange, slug="bonds", facilitators=(facilitator,), accepted_by=(person, facilitator)
    )
    drawn = simulation.simulate(60, 8, 2, seed=12, turnout=1.0)
    statements = [
        Statement(
            space_id=space.id, text=f"Statement number {j + 1}", state=StatementState.ACCEPTED
        )
        for j in range(8)
    ]
    voters = [Voter(space_id=space.id, polis_id=i) for i in range(60)]
    arrange.add_all([*statements, *voters])
    arrange.flush()
    for i, row in enumerate(drawn.votes):
        for j, value in enumerate(row):
            if value == value:  # not NaN
                arrange.add(
                    Vote(
                        statement_id=statements[j].id, voter_id=voters[i].id, choice=CHOICES[value]
                    )
                )
    arrange.commit()
    return person, space, drawn


def test_vote_with_the_keyboard_and_find_yourself_on_the_map(page_for, arrange):
    person, space, drawn = _conversation(arrange)
    page = page_for()
    log_in(page, person.email, factories.PASSWORD)
    page.goto(f"/spaces/{space.slug}/statements")
    assert accessibility_violations(page) == []
    for j in range(8):
        choice = CHOICES[drawn.votes[0, j]]
        button = page.locator(f"#statement-{j + 1} button[value={choice.value}]")
        button.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert (
            page.locator(f"#statement-{j + 1} button[value={choice.value}]").get_attribute(
                "aria-pressed"
            )
            == "true"
        )
    page.goto(f"/spaces/{space.slug}/opinion-map")
    assert page.get_by_text("You are in group").first.is_visible()
    assert page.locator("svg.opinion-map title").text_content().startswith("Opinion map")
    assert "You are in group" in page.locator("svg.opinion-map desc").text_content()
    assert accessibility_violations(page) == []


def test_the_map_reads_at_390_pixels(page_for, arrange):
    person, space, _drawn = _conversation(arrange)
    page = page_for()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, person.email, factories.PASSWORD)
    page.goto(f"/spaces/{space.slug}/opinion-map")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    svg = page.locator("svg.opinion-map").bounding_box()
    assert svg is not None
    assert svg["width"] <= 390
    assert accessibility_violations(page) == []


def test_a_facilitator_moderates_with_the_keyboard(page_for, arrange):
    person, space, _drawn = _conversation(arrange)
    facilitator = space.facilitators[0].user
    arrange.add(Statement(space_id=space.id, author_id=person.id, text="Bonds need guarantees."))
    arrange.commit()
    page = page_for()
    log_in(page, facilitator.email, factories.PASSWORD)
    page.goto(f"/spaces/{space.slug}/statements/moderation")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Accept").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("The statement is accepted and shown to everyone.").is_visible()
    page.goto(f"/spaces/{space.slug}/statements")
    assert page.locator(".statement-text", has_text="Bonds need guarantees.").is_visible()
