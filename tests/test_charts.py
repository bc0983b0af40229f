"""Pictures drawn on the server: each says what it shows and carries its numbers as text."""

from __future__ import annotations

from diaspora_hub.core import charts


def test_the_longest_bar_fills_the_width_and_the_others_are_in_proportion():
    chart = charts.bars(
        "fees",
        "Fees",
        [("Bank", 8), ("Phone", 2), ("Cash", 0)],
        label_heading="Channel",
        value_heading="Answers",
    )
    assert [row.width for row in chart.rows] == [100.0, 25.0, 0.0]
    assert chart.description == "Bank: 8; Phone: 2; Cash: 0."


def test_stacked_segments_follow_each_other_and_each_series_has_its_own_pattern():
    chart = charts.stacked(
        "poll",
        "Results by bloc",
        [("Yes", {"diaspora": 3, "government": 1}), ("No", {"io": 2})],
        groups=[("diaspora", "Diaspora"), ("government", "Government"), ("io", "IO")],
        label_heading="Choice",
        value_heading="Votes",
    )
    yes = chart.rows[0]
    assert [(s.start, s.width) for s in yes.segments] == [(0.0, 75.0), (75.0, 25.0), (100.0, 0.0)]
    assert chart.rows[1].width == 50.0
    assert len({s.pattern for s in chart.series}) == 3
    assert "Yes: 4 (Diaspora 3, Government 1, IO 0)" in chart.description


def test_a_long_dot_row_shows_one_dot_for_several():
    chart = charts.dots(
        "countries",
        "By country",
        [("France", 50), ("Spain", 3)],
        label_heading="Country",
        value_heading="Answers",
    )
    assert chart.per_dot == 3
    assert [row.dots for row in chart.rows] == [17, 1]


def test_a_stacked_chart_draws_a_legend_a_patterned_segment_per_bloc_and_its_table(app):
    chart = charts.stacked(
        "poll-7",
        "Results by bloc",
        [("Yes", {"diaspora": 2, "government": 1})],
        groups=[("diaspora", "Diaspora"), ("government", "Government")],
        label_heading="Choice",
        value_heading="Votes",
    )
    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% from "_charts.html" import stacked_chart with context %}{{ stacked_chart(c) }}'
        ).render(c=chart)
    assert 'role="img" aria-labelledby="poll-7-title poll-7-desc"' in " ".join(html.split())
    assert html.count('class="chart-segment"') == 2
    assert 'fill="url(#poll-7-fill-1)"' in html
    assert "<title>Government: 1</title>" in html
    assert '<th scope="col">Diaspora</th>' in html
    assert "Yes: 3 (Diaspora 2, Government 1)." in html
