"""Best slots across time zones, DST changes and odd offsets, and a series that rotates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from diaspora_hub.meetings import slots
from diaspora_hub.meetings.types import Attendee

NINE_TO_FIVE = (time(9), time(17))


def _person(zone: str, bloc: str = "diaspora", hours: tuple[time, time] = NINE_TO_FIVE):
    return Attendee(bloc=bloc, time_zone=zone, starts=hours[0], ends=hours[1])


@pytest.mark.parametrize(
    ("zone", "inside_utc", "outside_utc"),
    [
        # UTC+05:45: 09:00 local is 03:15 UTC, so 03:00 UTC starts too early
        ("Asia/Kathmandu", datetime(2026, 12, 7, 3, 15), datetime(2026, 12, 7, 3, 0)),
        # UTC-03:30 in winter: 09:00 local is 12:30 UTC
        ("America/St_Johns", datetime(2026, 12, 7, 12, 30), datetime(2026, 12, 7, 12, 0)),
        # UTC+13:45 in the southern summer: Monday 09:00 local is Sunday 19:15 UTC
        ("Pacific/Chatham", datetime(2026, 12, 6, 19, 15), datetime(2026, 12, 6, 19, 0)),
    ],
)
def test_odd_offsets(zone, inside_utc, outside_utc):
    person = _person(zone)
    hour = timedelta(hours=1)
    start = inside_utc.replace(tzinfo=UTC)
    assert slots.is_inside(person, start, start + hour)
    early = outside_utc.replace(tzinfo=UTC)
    assert not slots.is_inside(person, early, early + hour)


def test_the_same_utc_time_moves_across_a_dst_change():
    """Toronto leaves summer time on 1 November 2026: 13:00 UTC is 09:00, then 08:00."""
    person = _person("America/Toronto")
    hour = timedelta(hours=1)
    before = datetime(2026, 10, 30, 13, 0, tzinfo=UTC)  # Friday, EDT
    after = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)  # Monday, EST
    assert slots.is_inside(person, before, before + hour)
    assert not slots.is_inside(person, after, after + hour)
    assert slots.is_inside(person, after + hour, after + 2 * hour)


def test_weekends_and_a_day_that_ends_after_midnight_are_outside():
    person = _person("Europe/Paris", hours=(time(9), time(23, 59)))
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert not slots.is_inside(person, saturday, saturday + timedelta(hours=1))
    late = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 23:30 to 00:30 in Paris
    assert not slots.is_inside(person, late, late + timedelta(hours=1))


def test_ranking_counts_people_and_blocs_and_respects_own_hours():
    people = [
        _person("Europe/Paris", "diaspora"),
        _person("Europe/Madrid", "diaspora"),
        _person("Africa/Dakar", "government"),
        _person("America/New_York", "io", hours=(time(7), time(15))),
    ]
    ranking = slots.best_slots(people, date(2026, 12, 7), days=1, duration=timedelta(hours=1))
    best = ranking.candidates[0]
    assert best.inside == 4
    assert ranking.blocs == ("diaspora", "government", "io")
    # New York works 07:00-15:00 (12:00-20:00 UTC); Paris and Madrid until 16:00 UTC
    assert (
        datetime(2026, 12, 7, 12, tzinfo=UTC)
        <= best.starts_at
        <= datetime(2026, 12, 7, 15, tzinfo=UTC)
    )
    by_bloc = {b.bloc: (b.inside, b.outside) for b in best.blocs}
    assert by_bloc == {"diaspora": (2, 0), "government": (1, 0), "io": (1, 0)}


def test_a_series_rotates_the_burden_between_blocs():
    """Manila and Mexico City share no working hour: the best single slot leaves one bloc
    out every time; across a series neither carries more than half."""
    people = [
        *[_person("Asia/Manila", "diaspora") for _ in range(3)],
        *[_person("America/Mexico_City", "government") for _ in range(4)],
    ]
    single = slots.best_slots(people, date(2026, 12, 7), days=5, duration=timedelta(hours=1))
    assert single.candidates[0].inside == 4  # the bigger bloc wins a single meeting
    series = slots.plan_series(
        people, date(2026, 12, 7), days=5, duration=timedelta(hours=1), count=4
    )
    assert len(series.candidates) == 4
    burden = {b.bloc: b.outside_share for b in series.series_burden}
    assert burden == {"diaspora": 0.5, "government": 0.5}
    inside_each = [c.inside for c in series.candidates]
    assert sorted(inside_each) == [3, 3, 4, 4]
