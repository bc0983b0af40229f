"""The live tracker: who answered, by bloc, kind and country, and who has not yet."""

from __future__ import annotations

import pytest

from diaspora_hub.organisations.models import OrganisationKind
from tests.calls.conftest import add_contribution, make_call

pytestmark = pytest.mark.postgres


def test_tracker_counts_and_not_answered(session, world, login):
    call = make_call(
        session,
        world.space,
        world.liaison,
        audience_kinds=(OrganisationKind.DIASPORA.value, OrganisationKind.GOVERNMENT.value),
    )
    add_contribution(session, call, world.org_a, world.member_a, "Fees", "named")
    add_contribution(session, call, world.org_b, world.member_b, "Fees too")
    add_contribution(session, call, world.government, world.liaison, "We listen")
    body = login(world.liaison).get(f"/api/v1/calls/{call.id}/tracker").get_json()
    assert body["received"] == 3
    assert body["invited"] == 4
    assert body["by_bloc"] == {"diaspora": 2, "government": 1}
    assert body["by_kind"] == {"diaspora": 2, "government": 1}
    assert body["by_country"] == {"ES": 1, "FR": 2}
    assert [o["slug"] for o in body["not_answered"]] == ["gamma"]
    assert body["withheld"] == []


def test_corridor_narrows_who_is_invited(session, world, login):
    call = make_call(session, world.space, world.liaison, corridor_origin="SN")
    body = login(world.facilitator).get(f"/api/v1/calls/{call.id}/tracker").get_json()
    assert body["invited"] == 2
    assert sorted(o["slug"] for o in body["not_answered"]) == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("liaison", 200),
        ("facilitator", 200),
        ("admin", 200),
        ("member_a", 403),
        ("io_liaison", 403),
    ],
)
def test_tracker_is_for_author_and_facilitators(session, world, login, who, status):
    call = make_call(session, world.space, world.liaison)
    assert login(getattr(world, who)).get(f"/api/v1/calls/{call.id}/tracker").status_code == status


def test_tracker_on_the_call_page(session, world, login):
    call = make_call(session, world.space, world.liaison)
    add_contribution(session, call, world.org_a, world.member_a, "Fees")
    page = login(world.liaison).get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Invited organisations that have not answered yet" in page
    assert "Beta Diaspora" in page
    assert "Gamma Diaspora" in page
    member_page = login(world.member_a).get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Invited organisations that have not answered yet" not in member_page
