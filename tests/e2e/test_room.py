"""The live room in real browsers: people chat, raise hands, vote, lose the network and come
back without losing or doubling a message; Chatham House rooms show blocs, not names."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.live import service
from diaspora_hub.live.models import RoomMode
from diaspora_hub.organisations.models import OrganisationKind, Role
from tests import factories
from tests.e2e.conftest import accessibility_violations, log_in

pytestmark = pytest.mark.e2e

LABELS_SOURCE = Path(__file__).resolve().parents[2] / "frontend" / "src" / "i18n.ts"
#: Coming back online waits for socket.io-client's next reconnection attempt (at most 5 s).
RECONNECT_MS = 15_000


@dataclass
class Scene:
    facilitator: User
    amina: User  # diaspora organisation
    bruno: User  # government
    room_id: int


def arrange_room(arrange: Session, mode: RoomMode = RoomMode.OPEN) -> Scene:
    """A space with a facilitator and two participants from two blocs, and a room in it."""
    facilitator = factories.user(arrange, display_name="Fatou Facilitator")
    amina = factories.user(arrange, display_name="Amina Diallo")
    bruno = factories.user(arrange, display_name="Bruno Gomes")
    diaspora = factories.organisation(
        arrange, name="Senegalese Diaspora Union", acronym="SDU", members={amina: Role.MEMBER}
    )
    government = factories.organisation(
        arrange,
        kind=OrganisationKind.GOVERNMENT,
        name="Ministry of Senegalese Abroad",
        acronym="MSA",
        members={bruno: Role.LIAISON},
    )
    space = factories.space(
        arrange,
        facilitators=(facilitator,),
        organisations=(diaspora, government),
        accepted_by=(facilitator, amina, bruno),
    )
    room = service.open_room(
        arrange,
        facilitator,
        space.slug,
        title="Remittance costs",
        mode=mode,
        agenda=[{"title": "Welcome"}, {"title": "Fees", "minutes": 20}],
    )
    arrange.commit()
    return Scene(facilitator=facilitator, amina=amina, bruno=bruno, room_id=room.id)


def enter(page_for: Callable[[], Page], person: User, room_id: int) -> Page:
    """Log in in a fresh browser context and open the room until it is live."""
    page = page_for()
    log_in(page, person.email, factories.PASSWORD)
    page.goto(f"/rooms/{room_id}")
    expect(page.locator("#room-status")).to_have_text("Live")
    return page


def say(page: Page, text: str) -> None:
    field = page.get_by_label("Message", exact=True)
    field.fill(text)
    field.press("Enter")


def chat(page: Page) -> list[str]:
    return page.locator("#chat-log li.message:not(.outgoing) .body").all_text_contents()


def expect_chat(page: Page, texts: list[str], timeout: float = 5_000) -> None:
    """Exactly these stored messages, in this order (each once)."""
    expect(page.locator("#chat-log li.message:not(.outgoing) .body")).to_have_text(
        texts, timeout=timeout
    )


def results_row(page: Page, table: str, header: str) -> list[str]:
    """The cells of one row of a poll's results (``totals`` or ``by-bloc``)."""
    rows = page.locator(f"#polls table.{table} tbody tr")
    return (
        rows.filter(has=page.get_by_role("rowheader", name=header, exact=True))
        .locator("td")
        .all_text_contents()
    )


def test_two_people_chat_take_the_floor_vote_and_come_back_after_going_offline(
    page_for, arrange, tmp_path
):
    scene = arrange_room(arrange)
    fatou = enter(page_for, scene.facilitator, scene.room_id)
    amina = enter(page_for, scene.amina, scene.room_id)
    bruno = enter(page_for, scene.bruno, scene.room_id)

    # Presence: names, organisation and bloc, and counts by bloc.
    expect(amina.locator("#presence")).to_contain_text("Bruno Gomes (MSA · Government)")
    expect(bruno.locator("#presence")).to_contain_text("Amina Diallo (SDU · Diaspora)")
    expect(bruno.locator("#presence-counts")).to_contain_text("People here: 3")

    # Chat both ways: the same messages, in the same order, on both sides.
    first = "Fees eat a tenth of what we send home."
    second = "We will publish a fee comparison by June."
    say(amina, first)
    expect_chat(bruno, [first])
    say(bruno, second)
    for page in (amina, bruno, fatou):
        expect_chat(page, [first, second])
    expect(amina.locator("#chat-log li.message").first).to_contain_text("You")
    expect(bruno.locator("#chat-log li.message").first).to_contain_text("Amina Diallo")

    # A raised hand, and the facilitator gives the floor.
    amina.get_by_role("button", name="Raise your hand").click()
    expect(amina.locator("#hand-status")).to_have_text("Your hand is up: number 1 in the queue.")
    expect(fatou.locator("#queue")).to_contain_text("Amina Diallo")
    fatou.locator("#queue").get_by_role("button", name="Give the floor").click()
    expect(bruno.locator("#speaker")).to_contain_text("Now speaking: Amina Diallo")
    expect(amina.locator("#speaker")).to_contain_text("Now speaking: You")
    expect(amina.get_by_role("button", name="Raise your hand")).to_be_visible()
    expect(amina.locator("#queue")).to_have_text("Nobody is waiting to speak.")

    # The facilitator opens a poll through the page; both vote; results by bloc.
    fatou.locator("summary", has_text="Open a poll").click()
    fatou.get_by_label("Question", exact=True).fill("Cap transfer fees at 3%?")
    fatou.get_by_label("Choices", exact=True).fill("Yes\nNo\n")
    fatou.get_by_role("button", name="Open the poll").click()
    for page, choice in ((amina, "Yes"), (bruno, "No")):
        poll = page.locator("#polls article.poll")
        expect(poll.get_by_role("heading")).to_have_text("Cap transfer fees at 3%?")
        poll.get_by_label(choice, exact=True).check()
        poll.get_by_role("button", name="Vote").click()
        expect(poll.locator(".your-vote")).to_have_text(f"Your vote: {choice}")
    for page in (fatou, amina, bruno):
        expect(page.locator("#polls article.poll")).to_contain_text("Voters: 2")
        assert results_row(page, "totals", "Yes") == ["1 (50%)"]
        assert results_row(page, "totals", "No") == ["1 (50%)"]
        # Voters, then Yes and No, per bloc.
        assert results_row(page, "by-bloc", "Diaspora") == ["1", "1", "0"]
        assert results_row(page, "by-bloc", "Government") == ["1", "0", "1"]
        assert results_row(page, "by-bloc", "International organisations") == ["0", "0", "0"]

    fatou.screenshot(path=tmp_path / "room-facilitator.png", full_page=True)
    amina.screenshot(path=tmp_path / "room-participant.png", full_page=True)
    assert accessibility_violations(fatou) == []
    assert accessibility_violations(amina) == []

    # Amina loses the network: the socket drops and the page says so.
    amina.context.set_offline(True)
    expect(amina.locator("#room-status")).to_have_text("Offline")
    away = "Back in a minute."
    say(amina, away)
    expect(amina.locator("#chat-log li.outgoing")).to_contain_text(away)
    expect(amina.locator("#chat-log li.outgoing")).to_contain_text("sending…")

    missed = ["First missed message.", "Second missed message.", "Third missed message."]
    for text in missed:
        say(bruno, text)
    expect_chat(bruno, [first, second, *missed])
    expect(bruno.locator("#chat-log li.outgoing")).to_have_count(0)
    assert chat(amina) == [first, second]  # stored and broadcast, but not heard offline

    # Back online: the three arrive once each, in order, and the held message goes out once.
    amina.context.set_offline(False)
    expect(amina.locator("#room-status")).to_have_text("Live", timeout=RECONNECT_MS)
    expect_chat(amina, [first, second, *missed, away])
    expect(amina.locator("#chat-log li.outgoing")).to_have_count(0)
    expect_chat(bruno, [first, second, *missed, away])
    expect_chat(fatou, [first, second, *missed, away])
    expect(amina.locator("#speaker")).to_contain_text("Now speaking: You")
    assert results_row(amina, "by-bloc", "Diaspora") == ["1", "1", "0"]


def test_a_chatham_house_room_shows_blocs_and_a_removed_person_stays_out(page_for, arrange):
    scene = arrange_room(arrange, RoomMode.CHATHAM_HOUSE)
    fatou = enter(page_for, scene.facilitator, scene.room_id)
    amina = enter(page_for, scene.amina, scene.room_id)
    bruno = enter(page_for, scene.bruno, scene.room_id)

    said = "Our ministry can lower consular fees."
    say(bruno, said)
    expect_chat(amina, [said])
    author = amina.locator("#chat-log li.message .head .name")
    expect(author).to_have_text("Government")
    room_text = amina.locator("#room").inner_text()
    for identity in ("Bruno Gomes", "Ministry of Senegalese Abroad", "MSA", "Fatou Facilitator"):
        assert identity not in room_text
    expect(amina.locator("#presence-counts")).to_contain_text("Government: 1")
    # Facilitators still see who said what, for moderation.
    expect(fatou.locator("#chat-log li.message .head")).to_contain_text("Bruno Gomes")

    # By keyboard alone: raise a hand, ask a question.
    amina.get_by_role("button", name="Raise your hand").focus()
    amina.keyboard.press("Enter")
    expect(amina.locator("#queue li.mine")).to_have_text("You first time")
    expect(bruno.locator("#queue")).to_contain_text("Diaspora")
    amina.get_by_label("Your question").focus()
    amina.keyboard.type("Who pays for the fee cap?")
    amina.keyboard.press("Tab")
    amina.keyboard.press("Enter")
    expect(bruno.locator("#questions")).to_contain_text("Who pays for the fee cap?")
    expect(bruno.locator("#questions")).to_contain_text("Asked by Diaspora")

    assert accessibility_violations(amina) == []

    # The facilitator removes Bruno: he is told, and his page does not come back.
    fatou.once("dialog", lambda dialog: dialog.accept())
    person = fatou.locator("#presence li", has_text="Bruno Gomes")
    person.locator("summary", has_text="More").click()
    person.get_by_role("button", name="Remove").click()
    expect(bruno.locator("#room-status")).to_have_text(
        "Session ended — The facilitators removed you from this room."
    )
    expect(bruno.get_by_label("Message", exact=True)).to_be_disabled()
    expect(fatou.locator("#removed")).to_contain_text("Bruno Gomes")
    expect(amina.locator("#presence-counts")).to_contain_text("Government: 0")


def test_the_facilitator_runs_the_room_from_the_page(page_for, arrange):
    scene = arrange_room(arrange)
    fatou = enter(page_for, scene.facilitator, scene.room_id)
    amina = enter(page_for, scene.amina, scene.room_id)
    bruno = enter(page_for, scene.bruno, scene.room_id)

    # The agenda moves on for everyone.
    fatou.get_by_role("button", name="Next agenda item").click()
    expect(amina.locator("#agenda li[aria-current=step]")).to_have_text("Welcome (now)")
    fatou.get_by_role("button", name="Next agenda item").click()
    expect(amina.locator("#agenda li[aria-current=step]")).to_have_text("Fees (20 min) (now)")
    expect(fatou.get_by_role("button", name="Next agenda item")).to_be_disabled()

    # Reactions add up in the room.
    amina.get_by_role("button", name="Applause").click()
    bruno.get_by_role("button", name="Applause").click()
    expect(fatou.get_by_role("button", name="Applause")).to_contain_text("2")

    # A turn, then first-time speakers go first; speaking time is counted by bloc.
    amina.get_by_role("button", name="Raise your hand").click()
    fatou.locator("#queue").get_by_role("button", name="Give the floor").click()
    expect(bruno.locator("#speaker")).to_contain_text("Amina Diallo")
    fatou.get_by_role("button", name="End the current turn").click()
    expect(bruno.locator("#speaker")).to_have_text("Nobody has the floor.")
    amina.get_by_role("button", name="Raise your hand").click()
    expect(fatou.locator("#queue li")).to_have_count(1)
    bruno.get_by_role("button", name="Raise your hand").click()
    expect(fatou.locator("#queue li .name")).to_have_text(["Amina Diallo", "Bruno Gomes"])
    fatou.get_by_role("button", name="First-time speakers first").click()
    expect(fatou.get_by_role("button", name="First-time speakers first")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(amina.locator("#queue li")).to_have_text(
        ["Bruno Gomes (MSA · Government) first time", "You"]
    )
    expect(amina.locator("#hand-status")).to_have_text("Your hand is up: number 2 in the queue.")
    diaspora_time = fatou.locator("#speaking-time tr", has_text="Diaspora").locator("td")
    expect(diaspora_time.last).to_have_text("1")

    # Questions: asked, upvoted, answered.
    bruno.get_by_label("Your question").fill("Who pays for the fee cap?")
    bruno.get_by_role("button", name="Ask", exact=True).click()
    question = amina.locator("#questions li", has_text="Who pays for the fee cap?")
    question.get_by_role("button", name="Upvote").click()
    expect(question.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    expect(bruno.locator("#questions li")).to_contain_text("upvotes: 1")
    fatou.locator("#questions li").get_by_role("button", name="Mark as answered").click()
    expect(question).to_contain_text("answered")

    # A poll with several answers whose results wait for the close.
    fatou.locator("summary", has_text="Open a poll").click()
    fatou.get_by_label("Question", exact=True).fill("Which fees matter most?")
    fatou.get_by_label("Choices", exact=True).fill("Transfer\nExchange rate\nCash-out")
    fatou.get_by_label("People may pick several choices").check()
    fatou.get_by_label("Results", exact=True).select_option("on_close")
    fatou.get_by_role("button", name="Open the poll").click()
    poll = amina.locator("#polls article.poll")
    poll.get_by_label("Transfer").check()
    poll.get_by_label("Exchange rate").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.locator(".your-vote")).to_have_text("Your vote: Transfer, Exchange rate")
    expect(bruno.locator("#polls article.poll")).to_contain_text("Voters: 1")
    expect(bruno.locator("#polls article.poll")).to_contain_text(
        "Results will be shown when the poll closes."
    )
    fatou.get_by_role("button", name="Close the poll").click()
    expect(bruno.locator("#polls article.poll")).to_contain_text("Closed")
    assert results_row(bruno, "by-bloc", "Diaspora") == ["1", "1", "1", "0"]
    expect(bruno.locator("#polls article.poll form")).to_have_count(0)

    # Moderation: hide a message, mute and unmute, lock, remove and readmit.
    say(bruno, "Call me on my private number.")
    expect_chat(amina, ["Call me on my private number."])
    fatou.locator("#chat-log li.message").get_by_role("button", name="Hide").click()
    expect(amina.locator("#chat-log li.message .body")).to_have_text(
        "This message was hidden by the facilitators."
    )
    expect(fatou.locator("#chat-log li.message")).to_contain_text("hidden from participants")

    amina_row = fatou.locator("#presence li", has_text="Amina Diallo")
    amina_row.locator("summary", has_text="More").click()
    amina_row.get_by_role("button", name="Mute").click()
    expect(amina.locator("#muted-note")).to_be_visible()
    expect(amina.get_by_label("Message", exact=True)).to_be_disabled()
    expect(amina.get_by_role("button", name="Raise your hand")).to_be_disabled()
    amina_row.get_by_role("button", name="Unmute").click()
    expect(amina.get_by_label("Message", exact=True)).to_be_enabled()
    expect(amina.locator("#muted-note")).to_be_hidden()

    fatou.get_by_role("button", name="Lock the room").click()
    expect(amina.locator("#room-lock-state")).to_have_text(
        "Locked: only people already admitted may enter."
    )
    fatou.get_by_role("button", name="Unlock the room").click()
    expect(amina.locator("#room-lock-state")).to_have_text("Open to participants.")

    fatou.once("dialog", lambda dialog: dialog.accept())
    bruno_row = fatou.locator("#presence li", has_text="Bruno Gomes")
    bruno_row.locator("summary", has_text="More").click()
    bruno_row.get_by_role("button", name="Remove").click()
    expect(bruno.locator("#room-status")).to_contain_text("Session ended")
    fatou.locator("#removed").get_by_role("button", name="Readmit").click()
    expect(fatou.locator("#removed")).to_have_text("Nobody has been removed.")
    bruno.reload()
    expect(bruno.locator("#room-status")).to_have_text("Live")
    expect(amina.locator("#presence")).to_contain_text("Bruno Gomes")


def test_every_label_the_script_uses_is_translated_on_the_page(page_for, arrange):
    scene = arrange_room(arrange)
    page = enter(page_for, scene.amina, scene.room_id)
    blob = json.loads(page.locator("#room-labels").text_content() or "{}")
    wanted = set(re.findall(r'^  "(\w+)",$', LABELS_SOURCE.read_text(), re.MULTILINE))
    assert wanted
    assert set(blob["labels"]) == wanted
    assert set(blob["blocs"]) == {"diaspora", "government", "io", "other"}
    assert set(blob["reactions"]) == set(service.REACTION_NAMES)
