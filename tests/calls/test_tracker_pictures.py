"""The call tracker as pictures: each says what it shows and carries its numbers as text."""

from __future__ import annotations

import re

from tests.calls.conftest import add_contribution, make_call


def test_the_call_tracker_draws_blocs_kinds_and_countries_with_their_tables(session, world, login):
    call = make_call(session, world.space, world.liaison)
    add_contribution(session, call, world.org_a, world.member_a, "Fees")
    add_contribution(session, call, world.org_b, world.member_b, "Costs")
    page = login(world.liaison).get(f"/calls/{call.id}").get_data(as_text=True)
    pictures = re.findall(r'<svg class="chart-svg"[^>]*role="img"', page)
    assert len(pictures) == 3
    assert '<title id="tracker-bloc-title">Contributions by stakeholder group</title>' in page
    assert re.search(r'<desc id="tracker-bloc-desc">Diaspora: 2; Government: 0;', page)
    assert '<th scope="row">Spain</th>' in page
