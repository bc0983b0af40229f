"""ISO 3166 countries and ISO 639-1 languages, validated against pycountry's data."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def countries() -> dict[str, str]:
    """Alpha-2 code → English short name."""
    return {c.alpha_2: c.name for c in pycountry.countries}


@cache
def languages() -> dict[str, str]:
    """ISO 639-1 code → English name (only languages that have a two-letter code)."""
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


def country_name(code: str) -> str:
    return countries().get(code, code)


def language_name(code: str) -> str:
    return languages().get(code, code)
