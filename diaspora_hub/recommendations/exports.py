"""Renderings of recommendations: the consensus by bloc as a server-drawn SVG.

The picture is one horizontal bar per bloc, the bar's length its support share, with a
line at the rule's threshold. It carries a ``<title>`` and a ``<desc>`` that say the same
in words, and the page puts the table with every figure beside it.
"""

from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _
from markupsafe import Markup, escape

from diaspora_hub.organisations.labels import bloc_label
from diaspora_hub.recommendations.consensus import Consensus, Scope, counts
from diaspora_hub.recommendations.consensus import percent as _percent

#: bloc colours, the same as the site's (site.css ``--bloc-*``), all 4.5:1 on white
BLOC_COLOURS = {
    "diaspora": "#0b5cad",
    "government": "#6b3fa0",
    "io": "#1e6b34",
    "other": "#8a4b08",
}
_WIDTH = 360
_BAR = 250
_ROW = 46


def percent(value: Fraction | None) -> int:
    """A share as a whole percentage (0 for no share), for sentences and the picture."""
    return _percent(value) or 0


def consensus_svg(consensus: Consensus, *, element_id: str = "consensus") -> Markup:
    """Bars of support by bloc, the threshold marked across each; accessible by title and
    desc. Blocs that do not count under the rule are drawn paler."""
    rule = consensus.rule
    height = _ROW * len(consensus.blocs) + 22
    threshold_x = int(_BAR * rule.min_support)
    rows = []
    summary = []
    for index, tally in enumerate(consensus.blocs):
        y = 8 + index * _ROW
        name = bloc_label(tally.bloc)
        colour = BLOC_COLOURS[tally.bloc.value]
        share = tally.share
        figure = _("no position") if share is None else _("%(share)d %%", share=percent(share))
        counted = counts(tally, rule)
        note = figure if counted or share is None else _("%(figure)s, not counted", figure=figure)
        summary.append(
            _(
                "%(bloc)s: %(note)s, %(n)d organisations",
                bloc=name,
                note=note,
                n=tally.organisations,
            )
        )
        length = int(_BAR * share) if share is not None else 0
        bar = (
            f'<rect x="0" y="{y + 20}" width="{length}" height="18" fill="{colour}"'
            + ("" if counted else ' fill-opacity="0.45"')
            + "/>"
            if length
            else ""
        )
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="#1b1f24">{escape(name)}</text>'
            f'<rect x="0" y="{y + 20}" width="{_BAR}" height="18" fill="#f3f5f8" '
            f'stroke="#4a5260" stroke-width="1"/>'
            f"{bar}"
            f'<text x="{_BAR + 6}" y="{y + 34}" font-size="13" fill="#1b1f24">'
            f"{escape(figure)} · {tally.organisations}</text>"
            f'<line x1="{threshold_x}" x2="{threshold_x}" y1="{y + 16}" y2="{y + 42}" '
            f'stroke="#a4161a" stroke-width="2" stroke-dasharray="3 2"/>'
        )
    if rule.scope is Scope.EVERY_BLOC:
        threshold = _("threshold %(share)d %% in every bloc", share=percent(rule.min_support))
    else:
        threshold = _("threshold %(share)d %% overall", share=percent(rule.min_support))
    title = _("Support by bloc")
    desc = "; ".join(summary) + f"; {threshold}."
    svg = (
        f'<svg class="consensus-bars" viewBox="0 0 {_WIDTH} {height}" role="img" '
        f'aria-labelledby="{element_id}-title {element_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{element_id}-title">{escape(title)}</title>'
        f'<desc id="{element_id}-desc">{escape(desc)}</desc>'
        + "".join(rows)
        + f'<text x="0" y="{height - 3}" font-size="11" '
        f'fill="#a4161a">{escape(threshold)}</text>'
        "</svg>"
    )
    return Markup(svg)  # noqa: S704 - every text above is escaped
