"""A facilitator schedules a meeting and a member registers on a phone, in a real browser;
the pages pass automated WCAG checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations.models import Role
from tests import factories
from tests.e2e.conftest import accessibility_violations, log_in

pytestmark = pytest.mark.e2e


def test_schedule_then_register_with_the_keyboard_at_390_px(page_for, arrange):
    facilitator = factories.user(
        arrange, email="lucia@example.org", display_name="Lucía Herrera", time_zone="Europe/Madrid"
    )
    member = factories.user(
        arrange,
        email="jose@example.org",
        display_name="José Villanueva",
        time_zone="America/Toronto",
    )
    organisation = factories.organisation(arrange, members={member: Role.MEMBER})
    factories.space(
        arrange,
        slug="remittances",
        facilitators=(facilitator,),
        organisations=(organisation,),
        accepted_by=(member,),
    )
    arrange.commit()

    page = page_for()
    log_in(page, facilitator.email, factories.PASSWORD)
    page.goto("/spaces/remittances/meetings/slots?from=2026-12-07&days=2&minutes=60")
    assert page.locator("svg.slots-chart").is_visible()
    assert accessibility_violations(page) == []
    page.goto("/spaces/remittances/meetings/new")
    day = (utcnow() + timedelta(days=7)).date()
    page.get_by_label("Title").fill("Remittance corridors")
    page.get_by_label("Starts").fill(f"{day}T15:00")
    page.get_by_label("Ends").fill(f"{day}T16:00")
    page.get_by_label("Agenda").fill("Welcome | 10 | Chair\nFees | 40")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**/meetings/*")
    meeting_url = page.url

    phone = page_for()
    phone.set_viewport_size({"width": 390, "height": 844})
    log_in(phone, member.email, factories.PASSWORD)
    phone.goto(meeting_url)
    # 15:00 in Madrid is 09:00 in Toronto that week
    assert "9:00" in phone.locator(".when").inner_text()
    observer = phone.get_by_label("Observer")
    observer.focus()
    phone.keyboard.press("Space")
    assert observer.is_checked()
    phone.get_by_role("button", name="Register").focus()
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert phone.get_by_role("button", name="Give up my place").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert accessibility_violations(phone) == []
