"""A space's page leads with what is happening: open calls and live rooms come before the
SDG targets, countries and code of conduct."""

from __future__ import annotations

from diaspora_hub.live import service as live
from diaspora_hub.live.models import LiveConnection, RoomPresence
from tests import factories
from tests.calls.conftest import make_call


def test_the_space_page_shows_the_live_room_and_open_call_before_what_it_is_about(session, login):
    facilitator = factories.user(session, can_facilitate=True)
    reader = factories.user(session)
    space = factories.space(
        session, title="Remittance costs", facilitators=(facilitator,), accepted_by=(facilitator,)
    )
    session.commit()
    make_call(session, space, facilitator, title="Fees survey")
    busy = live.open_room(session, facilitator, space.slug, title="Monthly consultation")
    quiet = live.open_room(session, facilitator, space.slug, title="Newer but empty room")
    session.add(LiveConnection(sid="sid-1", user_id=facilitator.id, worker_id="w1"))
    session.add(RoomPresence(sid="sid-1", room_id=busy.id, user_id=facilitator.id, worker_id="w1"))
    session.commit()
    assert busy.id < quiet.id

    page = login(reader).get(f"/spaces/{space.slug}").get_data(as_text=True)
    assert "Live now · 1 person here" in page
    about = page.index("About this space")
    assert page.index("Fees survey") < about
    assert page.index("Monthly consultation") < page.index("Newer but empty room") < about
    assert about < page.index("Code of conduct")
    assert "To take part, read and accept the code of conduct." in page
