"""One search across spaces, calls, contributions, rooms and organisations.

Each test runs on SQLite (FTS5) and, with ``--db=postgresql``, on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from diaspora_hub.calls.models import Attribution
from diaspora_hub.live.models import Room
from diaspora_hub.spaces.models import Visibility
from tests import factories
from tests.calls.conftest import add_contribution, make_call

pytestmark = pytest.mark.postgres


def _search(client: FlaskClient, q: str, **args: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _titles(body: dict[str, Any]) -> list[str]:
    return [item["title"] for item in body["items"]]


def test_a_hidden_spaces_words_find_nothing_for_an_outsider(
    client, login, session, world, make_user
):
    facilitator = make_user(can_facilitate=True)
    hidden = factories.space(
        session,
        slug="quiet-talks",
        title="Quiet talks on zanzibarite corridors",
        description="Only for the invited: zanzibarite.",
        visibility=Visibility.INVITE,
        facilitators=(facilitator,),
        accepted_by=(facilitator,),
    )
    make_call(session, hidden, facilitator, title="Zanzibarite call")
    session.add(Room(space=hidden, title="Zanzibarite room"))
    session.commit()

    for outsider in (client, login(world.outsider), login(world.member_a)):
        body = _search(outsider, "zanzibarite")
        assert body["items"] == []
        assert body["total"] == 0
    insider = _search(login(facilitator), "zanzibarite")
    assert sorted(item["kind"] for item in insider["items"]) == ["call", "room", "space"]
    assert insider["total"] == 3


def test_a_contribution_is_found_as_its_attribution_allows(client, login, session, world):
    call = make_call(session, world.space, world.liaison, closes_in=timedelta(hours=-1))
    add_contribution(
        session,
        call,
        world.org_b,
        world.member_b,
        "Agents charge a hidden exchange margin.",
        attribution=Attribution.ANONYMOUS,
    )
    add_contribution(
        session, call, world.org_c, world.member_c, "Mobile wallets lowered the margin.", "named"
    )

    reader = login(world.member_a)
    found = _search(reader, "margin", kind="contribution")
    assert found["total"] == 2
    assert "An anonymous contribution on “Remittance costs”" in _titles(found)
    assert "Gamma Diaspora on “Remittance costs”" in _titles(found)
    assert "Beta" not in str(found)
    assert "Binta" not in str(found)
    # The hidden name and organisation are not in the index: searching them finds nothing.
    assert _search(reader, "Binta", kind="contribution")["total"] == 0
    assert _search(reader, "Beta", kind="contribution")["total"] == 0
    # The named author is findable by name.
    assert _search(reader, "Cheikh", kind="contribution")["total"] == 1


def test_an_open_calls_contributions_stay_with_their_organisation(login, session, world):
    call = make_call(session, world.space, world.liaison)
    add_contribution(session, call, world.org_b, world.member_b, "Quarterly transfer calendars.")
    assert _search(login(world.member_a), "calendars")["total"] == 0
    assert _search(login(world.member_b), "calendars")["total"] == 1
    assert _search(login(world.liaison), "calendars")["total"] == 1


def test_draft_calls_are_found_by_their_author_only(login, session, world):
    make_call(session, world.space, world.liaison, title="Draft on diaspora bonds", published=False)
    assert _search(login(world.member_a), "bonds")["total"] == 0
    assert _titles(_search(login(world.liaison), "bonds")) == ["Draft on diaspora bonds"]


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Remittances cost too much in rural areas.", "remittance costs"),
        ("Les organisations réduisent les coûts des transferts.", "organisation cout transfert"),
        ("Las remesas financian la educación.", "remesa educacion"),
    ],
)
def test_words_are_found_in_english_french_and_spanish(client, session, text, query):
    factories.space(session, title="Words", description=text)
    session.commit()
    assert _titles(_search(client, query)) == ["Words"]


def test_the_index_follows_changes_and_deletions(client, session):
    space = factories.space(session, title="Savings circles")
    session.commit()
    assert _search(client, "circles")["total"] == 1
    space.title = "Savings groups"
    session.commit()
    assert _search(client, "circles")["total"] == 0
    assert _search(client, "groups")["total"] == 1
    session.delete(space)
    session.commit()
    assert _search(client, "groups")["total"] == 0


def test_organisations_and_pages_of_results(client, session):
    for n in range(3):
        factories.organisation(session, name=f"Harbour Collective {n}")
    session.commit()
    first = _search(client, "harbour", per_page=2)
    assert first["total"] == 3
    assert len(first["items"]) == 2
    assert first["page"] == 1
    second = _search(client, "harbour", per_page=2, page=2)
    assert len(second["items"]) == 1
    assert {i["kind"] for i in first["items"] + second["items"]} == {"organisation"}
    assert second["items"][0]["url"].startswith("/organisations/")


def test_bad_searches_are_refused(client):
    assert client.get("/api/v1/search", query_string={"q": "x" * 201}).status_code == 413
    refused = client.get("/api/v1/search", query_string={"q": "x", "kind": "nothing"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "validation_failed"
    assert _search(client, "   ")["total"] == 0


def test_the_results_page_works_for_visitors_in_their_language(client, session):
    factories.space(session, title="Diaspora bonds", description="Bonds for schools.")
    session.commit()
    page = client.get("/search?q=bonds", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Diaspora bonds" in html
    assert "Espaces thématiques" in html
    assert 'role="search"' in html


def test_reindexing_rebuilds_the_index(client, runner, session):
    factories.space(session, title="Hometown associations")
    session.commit()
    session.execute(text("DELETE FROM search_entry"))
    session.commit()
    assert _search(client, "hometown")["total"] == 0
    result = runner.invoke(args=["search-reindex"])
    assert result.exit_code == 0
    assert "space: 1" in result.output
    assert _search(client, "hometown")["total"] == 1
