"""Renderings of the opinion map: a server-drawn SVG, accessible without colour or sight.

Each group has its own colour *and* shape, the viewer's dot is ringed and labelled "You",
and the picture carries a title and a description naming every group and what sets it
apart; the page puts the same facts in tables beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from diaspora_hub.core.text import plain_text
from diaspora_hub.opinions.types import MapGroup, MapMember, OpinionMapView

WIDTH, HEIGHT, PAD = 600, 420, 28
#: colour and shape per group, in order; every colour has at least 4.5:1 contrast on white
STYLES = (
    ("#0b5cad", "circle"),
    ("#a4161a", "square"),
    ("#1e6b34", "triangle"),
    ("#6b3fa0", "diamond"),
    ("#8a4b08", "cross"),
)
UNGROUPED = ("#5b6470", "ring")


@dataclass(frozen=True)
class GroupStyle:
    colour: str
    shape: str

    @property
    def shape_name(self) -> str:
        names: dict[str, str] = {
            "circle": _("circles"),
            "square": _("squares"),
            "triangle": _("triangles"),
            "diamond": _("diamonds"),
            "cross": _("crosses"),
            "ring": _("hollow circles"),
        }
        return names[self.shape]


def style_of(index: int) -> GroupStyle:
    colour, shape = STYLES[index % len(STYLES)]
    return GroupStyle(colour, shape)


def ungrouped_style() -> GroupStyle:
    return GroupStyle(*UNGROUPED)


def symbol(style: GroupStyle, size: int = 14) -> Markup:
    """A small inline SVG of a group's marker, for legends and tables (decorative)."""
    half = size / 2
    return Markup(  # noqa: S704 - built from numbers and our own colour constants
        f'<svg class="map-symbol" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'aria-hidden="true" focusable="false">{_marker(style, half, half, half - 1.5)}</svg>'
    )


def _marker(style: GroupStyle, x: float, y: float, r: float) -> str:
    c = style.colour
    if style.shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{c}"/>'
    if style.shape == "square":
        s = r * 1.8
        return (
            f'<rect x="{x - s / 2:.1f}" y="{y - s / 2:.1f}" width="{s:.1f}" height="{s:.1f}" '
            f'fill="{c}"/>'
        )
    if style.shape == "triangle":
        points = (
            f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.85:.1f} {x - r:.1f},{y + r * 0.85:.1f}"
        )
        return f'<polygon points="{points}" fill="{c}"/>'
    if style.shape == "diamond":
        points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{c}"/>'
    if style.shape == "cross":
        w, a = r * 0.38, r * 0.62
        return (
            f'<path d="M{x - r:.1f} {y - w:.1f}h{a:.1f}v{-a:.1f}h{2 * w:.1f}v{a:.1f}h{a:.1f}'
            f'v{2 * w:.1f}h{-a:.1f}v{a:.1f}h{-2 * w:.1f}v{-a:.1f}h{-a:.1f}z" fill="{c}"/>'
        )
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#fff" stroke="{c}" '
        'stroke-width="1.5"/>'
    )


def group_summary(group: MapGroup) -> str:
    """One sentence naming a group by what sets it apart."""
    people = ngettext("%(num)d person", "%(num)d people", len(group.members))
    if not group.representative:
        return str(_("Group %(label)s, %(people)s.", label=group.label, people=people))
    first = group.representative[0]
    text = plain_text(first.statement.text, 120)
    if first.repful_for == "agree":
        found = _(
            "Group %(label)s, %(people)s, stands apart in agreeing that “%(text)s”",
            label=group.label,
            people=people,
            text=text,
        )
    else:
        found = _(
            "Group %(label)s, %(people)s, stands apart in disagreeing that “%(text)s”",
            label=group.label,
            people=people,
            text=text,
        )
    return str(found)


def map_svg(view: OpinionMapView) -> Markup:
    """The map as an SVG image: one dot per voter, coloured and shaped by group."""
    dots: list[tuple[MapMember, GroupStyle]] = [
        (member, style_of(i)) for i, group in enumerate(view.groups) for member in group.members
    ]
    dots += [(member, ungrouped_style()) for member in view.ungrouped]
    xs = [m.x for m, _s in dots] or [0.0]
    ys = [m.y for m, _s in dots] or [0.0]
    span_x = max(max(xs) - min(xs), 1e-9)
    span_y = max(max(ys) - min(ys), 1e-9)

    def at(member: MapMember) -> tuple[float, float]:
        x = PAD + (member.x - min(xs)) / span_x * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (member.y - min(ys)) / span_y * (HEIGHT - 2 * PAD)
        return x, y

    radius = 4.0 if len(dots) < 400 else 2.5
    parts = [
        f'<svg class="opinion-map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">{escape(_("Opinion map of %(space)s", space=view.space.title))}'
        "</title>",
        f'<desc id="map-desc">{escape(_description(view))}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#c9d0da"/>',
        '<g aria-hidden="true">',
    ]
    for member, style in dots:
        x, y = at(member)
        parts.append(_marker(style, x, y, radius))
    for i, group in enumerate(view.groups):
        if not group.members:
            continue
        cx = sum(at(m)[0] for m in group.members) / len(group.members)
        cy = sum(at(m)[1] for m in group.members) / len(group.members)
        label = escape(_("Group %(label)s", label=group.label))
        colour = style_of(i).colour
        parts.append(
            f'<text x="{cx:.1f}" y="{cy - 14:.1f}" text-anchor="middle" font-size="24" '
            f'font-weight="700" fill="{colour}" stroke="#fff" stroke-width="4" '
            f'paint-order="stroke">{label}</text>'
        )
    if view.you is not None:
        x, y = at(view.you)
        right = x < WIDTH - 90
        label_x = x + radius + 9 if right else x - radius - 9
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius + 6:.1f}" fill="none" '
            'stroke="#1b1f24" stroke-width="3"/>'
            f'<text x="{label_x:.1f}" y="{y + 7:.1f}" font-size="22" font-weight="700" '
            f'text-anchor="{"start" if right else "end"}" '
            f'fill="#1b1f24" stroke="#fff" stroke-width="4" paint-order="stroke">'
            f"{escape(_('You'))}</text>"
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def _description(view: OpinionMapView) -> str:
    if not view.groups:
        return str(_("Not enough votes yet to form groups."))
    sentences = [
        ngettext(
            "%(num)d group of people who vote alike.",
            "%(num)d groups of people who vote alike.",
            len(view.groups),
        )
    ]
    for i, group in enumerate(view.groups):
        sentences.append(
            _(
                "%(summary)s Shown as %(colour_shape)s.",
                summary=group_summary(group),
                colour_shape=style_of(i).shape_name,
            )
        )
    if view.ungrouped:
        sentences.append(
            ngettext(
                "%(num)d person not grouped yet, shown as hollow circles.",
                "%(num)d people not grouped yet, shown as hollow circles.",
                len(view.ungrouped),
            )
        )
    if view.your_group is not None:
        sentences.append(_("You are in group %(label)s.", label=view.your_group.label))
    return " ".join(sentences)
