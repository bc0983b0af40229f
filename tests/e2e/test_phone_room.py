"""The live room on a phone: one screen with tabs, the speaker and the hand button always in
reach, and a facilitator's "remove" behind a menu and a confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests import factories, servers
from tests.e2e.checks import PHONE, phone, serious_violations
from tests.e2e.conftest import log_in
from tests.e2e.test_room import Scene, arrange_room

pytestmark = pytest.mark.e2e

#: the room, header to tab bar, fits in this many phone screens
SCREENS = 2


def enter_on_phone(browser: Browser, server: servers.AppServer, email: str, room: int) -> Page:
    page = phone(browser, server.url).new_page()
    log_in(page, email, factories.PASSWORD)
    page.goto(f"/rooms/{room}")
    expect(page.locator("#room-status")).to_have_text("Live")
    return page


def test_a_participant_moves_between_tabs_and_keeps_the_floor_in_reach(
    browser: Browser, server: servers.AppServer, arrange: Session
) -> None:
    scene: Scene = arrange_room(arrange)
    fatou = enter_on_phone(browser, server, scene.facilitator.email, scene.room_id)
    amina = enter_on_phone(browser, server, scene.amina.email, scene.room_id)

    tabs = amina.get_by_role("tablist", name="Parts of the room")
    expect(tabs).to_be_visible()
    expect(tabs.get_by_role("tab", name="Chat")).to_have_attribute("aria-selected", "true")
    expect(amina.get_by_label("Message", exact=True)).to_be_visible()
    expect(amina.get_by_role("heading", name="Polls")).to_be_hidden()
    height = amina.evaluate("document.documentElement.scrollHeight")
    assert height <= SCREENS * PHONE["height"], height

    # The hand is raised from the chat tab; the floor is given from the speakers tab.
    amina.get_by_role("button", name="Raise your hand").click()
    expect(amina.locator("#hand-status")).to_have_text("Your hand is up: number 1 in the queue.")
    fatou.get_by_role("tab", name="Speakers").click()
    fatou.locator("#queue").get_by_role("button", name="Give the floor").click()
    expect(amina.locator("#speaker")).to_contain_text("Now speaking: You")
    expect(amina.locator("#speaker")).to_be_in_viewport()

    # A poll opens: a button beside the speaker leads to it, and the vote is cast there.
    fatou.get_by_role("tab", name="Polls").click()
    fatou.locator("summary", has_text="Open a poll").click()
    fatou.get_by_label("Question", exact=True).fill("Cap transfer fees at 3%?")
    fatou.get_by_label("Choices", exact=True).fill("Yes\nNo\n")
    fatou.get_by_role("button", name="Open the poll").click()
    amina.get_by_role("button", name="Vote in the open poll").click()
    expect(amina.get_by_role("tab", name="Polls")).to_have_attribute("aria-selected", "true")
    expect(amina.get_by_label("Message", exact=True)).to_be_hidden()
    poll = amina.locator("#polls article.poll")
    poll.get_by_label("Yes", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.locator(".your-vote")).to_have_text("Your vote: Yes")
    expect(poll.get_by_role("img", name="Results by bloc")).to_be_visible()

    # Arrow keys move along the tabs, as in any tab list.
    amina.get_by_role("tab", name="Polls").focus()
    amina.keyboard.press("ArrowRight")
    expect(amina.get_by_role("tab", name="Questions")).to_be_focused()
    expect(amina.get_by_label("Your question")).to_be_visible()
    assert serious_violations(amina) == []


def test_a_facilitator_removes_someone_only_through_a_menu_and_a_confirmation(
    browser: Browser, server: servers.AppServer, arrange: Session
) -> None:
    scene: Scene = arrange_room(arrange)
    fatou = enter_on_phone(browser, server, scene.facilitator.email, scene.room_id)
    bruno = enter_on_phone(browser, server, scene.bruno.email, scene.room_id)

    fatou.get_by_role("tab", name="People").click()
    row = fatou.locator("#presence li", has_text="Bruno Gomes")
    expect(row.get_by_role("button", name="Remove")).to_be_hidden()
    expect(fatou.get_by_role("img", name="People here by stakeholder group")).to_be_visible()
    row.locator("summary", has_text="More").click()
    fatou.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Remove").click()
    expect(bruno.locator("#room-status")).to_have_text("Live")

    fatou.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    expect(bruno.locator("#room-status")).to_contain_text("Session ended")
    fatou.get_by_role("tab", name="Tools").click()
    expect(fatou.locator("#removed")).to_contain_text("Bruno Gomes")
    assert serious_violations(fatou) == []
