"""A room with more people than the presence list limit: counts first, names on request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_room import arrange_room, enter

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[servers.AppServer]:
    """The app with a presence list limit of one person, so two make a large room."""
    env = servers.app_environment(
        server_database, servers.free_port(), LIVE_PRESENCE_LIST_LIMIT="1"
    )
    with servers.start_app(env, tmp_path) as app_server:
        yield app_server


def test_participants_of_a_large_room_see_counts_and_ask_for_the_names(page_for, arrange):
    scene = arrange_room(arrange)
    amina = enter(page_for, scene.amina, scene.room_id)
    bruno = enter(page_for, scene.bruno, scene.room_id)
    expect(bruno.locator("#presence-counts")).to_contain_text("People here: 2")
    expect(bruno.locator("#presence")).not_to_contain_text("Amina Diallo")

    bruno.get_by_role("button", name="Show everyone here").click()
    expect(bruno.locator("#presence")).to_contain_text("Amina Diallo (SDU · Diaspora)")
    expect(bruno.locator("#presence")).to_contain_text("You (MSA · Government)")

    # The list stays current: someone arriving afterwards is added to it.
    fatou = enter(page_for, scene.facilitator, scene.room_id)
    expect(bruno.locator("#presence")).to_contain_text("Fatou Facilitator")
    expect(bruno.locator("#presence-counts")).to_contain_text("People here: 3")
    # Facilitators get the list with the join, without asking.
    expect(fatou.locator("#presence")).to_contain_text("Amina Diallo (SDU · Diaspora)")
    # Amina joined while the room was small: her list came with the join and grows.
    expect(amina.locator("#presence")).to_contain_text("Fatou Facilitator")
    expect(amina.get_by_role("button", name="Show everyone here")).to_have_count(0)
