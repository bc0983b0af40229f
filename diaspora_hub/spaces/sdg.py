"""The UN Sustainable Development Goals and their targets, in the official UN wording.

``sdg.json`` holds the English text (17 goals, 169 targets), ``sdg_translations.json`` the
French and Spanish; ``SDG_SOURCES.md`` names where both come from. Every function answers
in the language of the request (English outside one). Codes are strings everywhere they
are stored or filtered on: ``"10"`` for goal 10, ``"10.c"`` for one of its targets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import has_request_context
from flask_babel import get_locale

_SOURCE = Path(__file__).with_name("sdg.json")
_TRANSLATIONS = Path(__file__).with_name("sdg_translations.json")


@dataclass(frozen=True)
class Target:
    #: e.g. "10.c"
    code: str
    #: number of the goal it belongs to
    goal: int
    #: the official wording
    text: str


@dataclass(frozen=True)
class Goal:
    number: int
    #: short name, e.g. "Reduced inequalities"
    title: str
    #: the goal's full statement
    description: str
    targets: tuple[Target, ...]

    @property
    def code(self) -> str:
        return str(self.number)


@dataclass(frozen=True)
class _Catalogue:
    goals: tuple[Goal, ...]
    by_number: dict[int, Goal]
    targets: dict[str, Target]
    #: position of every goal and target code in the official order, for sorting
    order: dict[str, int]


@cache
def _translations() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(_TRANSLATIONS.read_text(encoding="utf-8"))
    return found


def languages() -> tuple[str, ...]:
    """Languages the goals and targets are worded in."""
    return ("en", *sorted(_translations()))


def current_language() -> str:
    """The language of the request, when the goals are worded in it; else English."""
    if not has_request_context():
        return "en"
    locale = get_locale()
    language = locale.language if locale is not None else "en"
    return language if language in _translations() else "en"


def _catalogue() -> _Catalogue:
    return _catalogue_in(current_language())


@cache
def _catalogue_in(language: str) -> _Catalogue:
    raw = json.loads(_SOURCE.read_text(encoding="utf-8"))
    wording = _translations().get(language, {"goals": {}, "targets": {}})
    goals = tuple(
        Goal(
            number=int(g["number"]),
            title=wording["goals"].get(str(g["number"]), g)["title"],
            description=wording["goals"].get(str(g["number"]), g)["description"],
            targets=tuple(
                Target(
                    code=t["code"],
                    goal=int(g["number"]),
                    text=wording["targets"].get(t["code"], t["text"]),
                )
                for t in g["targets"]
            ),
        )
        for g in raw["goals"]
    )
    targets = {t.code: t for g in goals for t in g.targets}
    order: dict[str, int] = {}
    for g in goals:
        order[g.code] = len(order)
        for t in g.targets:
            order[t.code] = len(order)
    return _Catalogue(
        goals=goals, by_number={g.number: g for g in goals}, targets=targets, order=order
    )


def goals() -> tuple[Goal, ...]:
    """All 17 goals in their official order, each with its targets."""
    return _catalogue().goals


def goal(number: int | str) -> Goal | None:
    """Goal by number (``10`` or ``"10"``); None when there is no such goal."""
    key = str(number)
    if not key.isdigit():
        return None
    return _catalogue().by_number.get(int(key))


def target(code: str) -> Target | None:
    return _catalogue().targets.get(code)


def is_goal(code: str) -> bool:
    """``"10"`` is a goal; ``"010"`` and ``"10.1"`` are not."""
    found = goal(code)
    return found is not None and found.code == code


def is_target(code: str) -> bool:
    return code in _catalogue().targets


def goal_of_target(code: str) -> int:
    """Number of the goal a target belongs to; KeyError for an unknown target."""
    return _catalogue().targets[code].goal


def sort_key(code: str) -> int:
    """Official order of goals and targets (``"10.a"`` after ``"10.7"``, before ``"11"``)."""
    return _catalogue().order.get(code, len(_catalogue().order))
