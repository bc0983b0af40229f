"""Pictures drawn on the server: horizontal bars, bars stacked by series, and dot rows.

A chart here is only numbers laid out in percentages; ``templates/_charts.html`` draws it as
SVG with a title, a description and the same numbers as a table, so it reads without the
picture, without colour and without JavaScript. Lengths are percentages of the drawing's
width, so text keeps its size on a phone and on a wide screen. The room page draws the same
shapes in the browser (``frontend/src/charts.ts``) for numbers that change live.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Fills that keep 4.5:1 against white, each with a pattern, so no series is told by colour
#: alone; the first four are the site's bloc colours in bloc order.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#0b5cad", "solid"),
    ("#6b3fa0", "stripes"),
    ("#1e6b34", "dots"),
    ("#8a4b08", "grid"),
    ("#a4161a", "waves"),
    ("#1b1f24", "checks"),
)

#: Above this many units in a row, one dot stands for several.
MAX_DOTS = 24


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    #: one of the pattern names the template defines
    pattern: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: int
    #: where the segment starts and how wide it is, in percent of the drawing
    start: float
    width: float


@dataclass(frozen=True)
class Row:
    label: str
    value: int
    #: the bar's length in percent of the drawing (the longest row fills it)
    width: float
    segments: tuple[Segment, ...] = ()
    #: dot rows only: how many dots the row shows
    dots: int = 0


@dataclass(frozen=True)
class Chart:
    #: unique on the page: the ids of the title, description and patterns derive from it
    key: str
    #: "bars", "stacked" or "dots"
    kind: str
    title: str
    description: str
    label_heading: str
    value_heading: str
    rows: tuple[Row, ...]
    series: tuple[Series, ...] = ()
    #: dot rows only: how many units one dot stands for
    per_dot: int = 1
    #: bar rows only: the series whose fill every bar takes (per row when it names them)
    fill: tuple[Series, ...] = ()

    @property
    def height(self) -> int:
        """The drawing's height in pixels: a label line and a bar per row."""
        return ROW_HEIGHT * len(self.rows) + 4


ROW_HEIGHT = 44


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _percent(value: int, scale: int) -> float:
    return round(100.0 * value / scale, 2) if scale > 0 else 0.0


def series(pairs: Sequence[tuple[str, str]]) -> tuple[Series, ...]:
    """Give each (key, label) a fill and pattern, in order, so the same order reads the same."""
    return tuple(
        Series(key, label, *PALETTE[index % len(PALETTE)])
        for index, (key, label) in enumerate(pairs)
    )


def _summary(rows: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in rows) + "."


def bars(
    key: str,
    title: str,
    data: Sequence[tuple[str, int]],
    *,
    label_heading: str,
    value_heading: str,
    colours: Sequence[Series] = (),
) -> Chart:
    """One bar per (label, value); ``colours`` gives each row its series' fill and pattern."""
    scale = max((value for _label, value in data), default=0)
    return Chart(
        key=_slug(key),
        kind="bars",
        title=title,
        description=_summary(data),
        label_heading=label_heading,
        value_heading=value_heading,
        rows=tuple(Row(label, value, _percent(value, scale)) for label, value in data),
        fill=tuple(colours),
    )


def stacked(
    key: str,
    title: str,
    data: Sequence[tuple[str, Mapping[str, int]]],
    *,
    groups: Sequence[tuple[str, str]],
    label_heading: str,
    value_heading: str,
) -> Chart:
    """One bar per row, cut into the ``groups`` (key, label) in their order."""
    kinds = series(groups)
    scale = max((sum(values.values()) for _label, values in data), default=0)
    rows = []
    for label, values in data:
        start = 0.0
        segments = []
        for one in kinds:
            value = values.get(one.key, 0)
            width = _percent(value, scale)
            segments.append(Segment(one, value, start, width))
            start = round(start + width, 2)
        total = sum(values.get(one.key, 0) for one in kinds)
        rows.append(Row(label, total, _percent(total, scale), tuple(segments)))
    described = "; ".join(
        f"{label}: {sum(values.values())} ("
        + ", ".join(f"{one.label} {values.get(one.key, 0)}" for one in kinds)
        + ")"
        for label, values in data
    )
    return Chart(
        key=_slug(key),
        kind="stacked",
        title=title,
        description=described + "." if data else "",
        label_heading=label_heading,
        value_heading=value_heading,
        rows=tuple(rows),
        series=kinds,
    )


def dots(
    key: str,
    title: str,
    data: Sequence[tuple[str, int]],
    *,
    label_heading: str,
    value_heading: str,
) -> Chart:
    """A row of dots per label, one per unit, or per ``per_dot`` units in long rows."""
    largest = max((value for _label, value in data), default=0)
    per_dot = max(1, -(-largest // MAX_DOTS))
    return Chart(
        key=_slug(key),
        kind="dots",
        title=title,
        description=_summary(data),
        label_heading=label_heading,
        value_heading=value_heading,
        rows=tuple(
            Row(label, value, _percent(value, largest), dots=-(-value // per_dot))
            for label, value in data
        ),
        per_dot=per_dot,
    )
