"""The SDG catalogue every space is tagged against."""

from __future__ import annotations

import pytest

from diaspora_hub.spaces import sdg


def test_all_goals_and_targets_are_there_in_order():
    goals = sdg.goals()
    assert [g.number for g in goals] == list(range(1, 18))
    assert sum(len(g.targets) for g in goals) == 169
    assert goals[9].title == "Reduced inequalities"
    assert [t.code for t in goals[9].targets][-3:] == ["10.a", "10.b", "10.c"]


def test_target_lookup_carries_the_official_text():
    target = sdg.target("10.c")
    assert target is not None
    assert target.goal == 10
    assert "remittance" in target.text
    assert sdg.goal_of_target("10.c") == 10
    assert sdg.target("10.z") is None


@pytest.mark.parametrize(
    ("code", "is_goal", "is_target"),
    [
        ("10", True, False),
        ("17", True, False),
        ("18", False, False),
        ("0", False, False),
        ("010", False, False),
        ("10.c", False, True),
        ("10.z", False, False),
        ("1.1", False, True),
        ("", False, False),
        ("ten", False, False),
    ],
)
def test_codes_are_recognised(code, is_goal, is_target):
    assert sdg.is_goal(code) is is_goal
    assert sdg.is_target(code) is is_target


def test_goal_accepts_numbers_and_strings():
    assert sdg.goal(5) == sdg.goal("5")
    assert sdg.goal(18) is None
    assert sdg.goal("x") is None


def test_unknown_target_has_no_goal():
    with pytest.raises(KeyError):
        sdg.goal_of_target("18.1")


def test_sort_key_follows_the_official_order():
    codes = ["11", "10.c", "10.a", "10", "10.7", "2.1"]
    assert sorted(codes, key=sdg.sort_key) == ["2.1", "10", "10.7", "10.a", "10.c", "11"]


def test_every_goal_and_target_has_the_official_french_and_spanish_wording(app):
    english = {t.code: t.text for t in sdg._catalogue_in("en").targets.values()}
    for language, word in (("fr", "envois de fonds"), ("es", "remesas")):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert all(t.text != english[t.code] for g in sdg.goals() for t in g.targets)
            assert word in sdg.goals()[9].targets[-1].text
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert sdg.goals()[9].title == "Inégalités réduites"
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert sdg.goals()[0].description.startswith("Poner fin a la pobreza en todas sus formas")


def test_a_spaces_page_shows_the_sdg_targets_in_the_readers_language(client, session):
    from diaspora_hub.spaces.models import SpaceTag, TagKind
    from tests import factories

    tags = [SpaceTag(kind=TagKind.GOAL, code="10"), SpaceTag(kind=TagKind.TARGET, code="10.c")]
    factories.space(session, slug="fees", tags=tags)
    session.commit()
    html = client.get("/spaces/fees", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Reducción de las Desigualdades" in html
    assert "reducir a menos del 3% los costos de transacción de las remesas" in html
