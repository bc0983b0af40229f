"""A delegate reads a recommendation and endorses it for their organisation, by keyboard,
at phone width; the page passes automated WCAG checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from diaspora_hub import create_app, demo
from diaspora_hub.extensions import db
from diaspora_hub.recommendations.models import Recommendation, RecommendationState
from tests.e2e.conftest import accessibility_violations, log_in

pytestmark = pytest.mark.e2e

#: set to a folder to keep screenshots of the pages for review
SHOTS = os.environ.get("RECOMMENDATION_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _demo(server_database: str, arrange) -> dict[RecommendationState, int]:
    """``flask seed-demo`` on the server's database, as ``make run`` does."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": server_database,
            "SOCKETIO_ASYNC_MODE": "threading",
        }
    )
    with app.app_context():
        demo.load(db.session())
        db.session.commit()
        db.engine.dispose()
    return {r.state: r.id for r in arrange.scalars(select(Recommendation))}


def test_a_delegate_endorses_by_keyboard_at_phone_width(page_for, arrange, server_database):
    ids = _demo(server_database, arrange)
    page = page_for()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"ngozi@{demo.DOMAIN}", demo.DEMO_PASSWORD)
    page.goto(f"/recommendations/{ids[RecommendationState.CONSULTATION]}")
    assert page.locator("h1").is_visible()
    assert page.get_by_role("img", name="Support by bloc").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "consultation-390")
    assert accessibility_violations(page) == []

    page.get_by_label("Support", exact=True).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Our members send through agents today; wallets would help.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**#endorse")
    assert page.get_by_text("The position of Fair Transfers Coalition is on record.").is_visible()
    assert page.get_by_text("On record: Support (version 2).").is_visible()


def test_the_adopted_recommendation_and_its_versions_pass_wcag_checks(
    page_for, arrange, server_database
):
    ids = _demo(server_database, arrange)
    page = page_for()
    page.goto(f"/recommendations/{ids[RecommendationState.ADOPTED]}")
    assert page.get_by_text("tally frozen").is_visible()
    _shot(page, "adopted")
    assert accessibility_violations(page) == []
    page.goto(f"/recommendations/{ids[RecommendationState.CONSULTATION]}/versions")
    assert page.locator("ins").first.is_visible()
    _shot(page, "versions")
    assert accessibility_violations(page) == []
    log_in(page, f"facilitator@{demo.DOMAIN}", demo.DEMO_PASSWORD)
    page.goto(f"/recommendations/{ids[RecommendationState.CONSULTATION]}")
    _shot(page, "facilitator")
    assert accessibility_violations(page) == []


@pytest.mark.skip(
    reason="issue 12: in the tabbed phone room the on-screen recommendation is not drawn "
    "for a participant who joins after it was shown; the live path is covered by "
    "tests/recommendations/test_screen.py"
)
def test_endorsements_during_a_meeting_move_the_bars_on_screen(page_for, arrange, server_database):
    ids = _demo(server_database, arrange)
    consulted = ids[RecommendationState.CONSULTATION]
    chair = page_for()
    log_in(chair, f"facilitator@{demo.DOMAIN}", demo.DEMO_PASSWORD)
    chair.goto(f"/recommendations/{consulted}")
    # Lucía reads the site in Spanish, so her controls are found by their ids.
    chair.locator("#screen-room").select_option(index=0)
    chair.locator("form[action$='/screen'] button").click()
    chair.wait_for_url("**/rooms/*")
    room_path = chair.url.split("//", 1)[1].split("/", 1)[1]

    listener = page_for()
    listener.set_viewport_size({"width": 390, "height": 844})
    log_in(listener, f"camila@{demo.DOMAIN}", demo.DEMO_PASSWORD)
    listener.goto(f"/{room_path}")
    screen = listener.locator("#screen-item")
    other = screen.locator("tbody tr").last
    other.wait_for()
    assert "100 %" not in other.inner_text()
    _shot(listener, "room-screen-390")

    delegate = page_for()
    log_in(delegate, f"ngozi@{demo.DOMAIN}", demo.DEMO_PASSWORD)
    delegate.goto(f"/recommendations/{consulted}")
    delegate.get_by_label("Support", exact=True).check()
    delegate.get_by_role("button", name="Change the position").click()
    delegate.wait_for_url("**#endorse")

    listener.wait_for_function(
        "() => [...document.querySelectorAll('#screen-item tbody tr')].at(-1)"
        ".innerText.includes('100 %')"
    )
    for leak in ("Ngozi", "Fair Transfers"):
        assert leak not in screen.inner_text()
    assert accessibility_violations(listener) == []
