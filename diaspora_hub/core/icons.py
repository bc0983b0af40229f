"""Icons drawn from SVG files shipped under ``static/icons`` (Lucide, ISC licence there).

They are inlined into the page, so they never depend on the visitor's emoji font, take no
extra request, and colour with the text around them. An icon is decoration: it is hidden
from assistive technology, and the words beside it carry the meaning.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

ICONS_DIR = Path(__file__).resolve().parents[1] / "static" / "icons"

_BODY = re.compile(r"<svg[^>]*>(.*)</svg>", re.DOTALL)


@cache
def _body(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"not an icon name: {name!r}")
    found = _BODY.search((ICONS_DIR / f"{name}.svg").read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{name}.svg holds no <svg> element")
    return re.sub(r"\s+", " ", found.group(1)).strip()


def icon(name: str, css_class: str = "") -> Markup:
    """The icon ``name`` (a file name in static/icons without .svg) as inline SVG."""
    classes = escape(f"icon {css_class}".strip())
    # The body comes from a file shipped with the code, never from a person.
    return Markup(  # noqa: S704
        f'<svg class="{classes}" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true" focusable="false">{_body(name)}</svg>'
    )
