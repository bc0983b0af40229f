"""A space's address: asking for one that a hidden space holds tells the creator nothing."""

from __future__ import annotations

import pytest

from diaspora_hub.spaces import service
from diaspora_hub.spaces.models import Visibility
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def chair(make_user):
    return make_user(can_facilitate=True, display_name="Lucía Herrera")


def _hidden(session, slug: str) -> None:
    other = factories.user(session, can_facilitate=True)
    factories.space(session, slug=slug, visibility=Visibility.INVITE, facilitators=(other,))
    session.commit()


def _suffixed(slug: str, base: str) -> bool:
    return slug.startswith(base + "-") and service.SLUG_PATTERN.fullmatch(slug) is not None


def test_an_address_a_hidden_space_holds_gives_a_free_one(login, session, chair):
    _hidden(session, "secret-talks")
    response = login(chair).post(
        "/api/v1/spaces", json={"title": "Open talks", "slug": "secret-talks"}
    )
    assert response.status_code == 201, response.get_json()
    slug = response.get_json()["slug"]
    assert slug != "secret-talks"
    assert _suffixed(slug, "secret-talks")


def test_the_free_address_does_not_count_the_hidden_spaces(session, chair):
    """Numbering (-2, -3 …) would tell how many hidden spaces share the address."""
    _hidden(session, "secret-talks")
    _hidden(session, "secret-talks-2")
    for asked in ({"slug": "secret-talks"}, {}):
        space = service.create_space(session, chair, title="Secret talks", **asked)
        assert _suffixed(space.slug, "secret-talks")
        assert space.slug not in ("secret-talks-2", "secret-talks-3")
    session.rollback()


def test_a_hidden_space_and_a_visible_one_answer_alike(login, session, chair):
    _hidden(session, "hidden-bonds")
    factories.space(session, slug="public-bonds")
    session.commit()
    client = login(chair)
    answers = [
        client.post("/api/v1/spaces", json={"title": "Bonds", "slug": slug})
        for slug in ("hidden-bonds", "public-bonds", "new")
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert _suffixed(answers[0].get_json()["slug"], "hidden-bonds")
    assert _suffixed(answers[1].get_json()["slug"], "public-bonds")
    assert _suffixed(answers[2].get_json()["slug"], "new")
