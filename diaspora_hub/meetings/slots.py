"""Best slots: when the most people can meet inside their own working day.

A person is *inside* a candidate when, in their own time zone, it falls on a weekday and
starts and ends within their working hours on the same local day. Candidates are ranked
by how many people are inside, then by the least burdened bloc, then by time.

For a series, the burden rotates: each meeting is chosen so that no bloc ends the series
with more than half of its person-meetings outside the working day, whenever some choice
avoids it; only then does attendance decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from diaspora_hub.meetings.types import Attendee, BlocCount, SlotCandidate, SlotRanking

#: candidates start on every half hour
STEP = timedelta(minutes=30)
#: no bloc should carry more than this share of the series outside its working day
FAIR_SHARE = 0.5


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_inside(person: Attendee, starts_at: datetime, ends_at: datetime) -> bool:
    zone = _zone(person.time_zone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return (
        start.weekday() < 5
        and start.date() == end.date()
        and person.starts <= start.time()
        and end.time() <= person.ends
    )


def judge(people: Sequence[Attendee], starts_at: datetime, ends_at: datetime) -> SlotCandidate:
    inside: dict[str, int] = {}
    outside: dict[str, int] = {}
    for person in people:
        counts = inside if is_inside(person, starts_at, ends_at) else outside
        counts[person.bloc] = counts.get(person.bloc, 0) + 1
    blocs = sorted({p.bloc for p in people})
    return SlotCandidate(
        starts_at=starts_at,
        ends_at=ends_at,
        inside=sum(inside.values()),
        outside=sum(outside.values()),
        blocs=tuple(BlocCount(b, inside.get(b, 0), outside.get(b, 0)) for b in blocs),
    )


def _starts(first_day: date, days: int) -> list[datetime]:
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
    return [start + STEP * n for n in range(int(timedelta(days=days) / STEP))]


def _worst_share(candidate: SlotCandidate) -> float:
    return max((b.outside_share for b in candidate.blocs), default=0.0)


def _rank_key(candidate: SlotCandidate) -> tuple[int, float, datetime]:
    return (-candidate.inside, _worst_share(candidate), candidate.starts_at)


def candidates(
    people: Sequence[Attendee], first_day: date, days: int, duration: timedelta
) -> list[SlotCandidate]:
    return [judge(people, start, start + duration) for start in _starts(first_day, days)]


def best_slots(
    people: Sequence[Attendee],
    first_day: date,
    *,
    days: int,
    duration: timedelta,
    limit: int = 8,
) -> SlotRanking:
    found = sorted(candidates(people, first_day, days, duration), key=_rank_key)
    return SlotRanking(people=len(people), blocs=_blocs(people), candidates=tuple(found[:limit]))


def plan_series(
    people: Sequence[Attendee],
    first_day: date,
    *,
    days: int,
    duration: timedelta,
    count: int,
    interval: timedelta = timedelta(days=7),
) -> SlotRanking:
    """One slot per meeting, meeting ``k`` in the ``days`` from ``first_day + k·interval``."""
    sizes = {b: sum(1 for p in people if p.bloc == b) for b in _blocs(people)}
    burden = dict.fromkeys(sizes, 0)
    chosen: list[SlotCandidate] = []
    for k in range(count):
        options = candidates(people, first_day + interval * k, days, duration)

        def overload(option: SlotCandidate) -> float:
            """How far blocs would end the series above their fair share with this pick."""
            return sum(
                max(0.0, (burden[b.bloc] + b.outside) / (sizes[b.bloc] * count) - FAIR_SHARE)
                for b in option.blocs
            )

        pick = min(options, key=lambda o: (overload(o), *_rank_key(o)))
        chosen.append(pick)
        for bloc in pick.blocs:
            burden[bloc.bloc] += bloc.outside
    return SlotRanking(
        people=len(people),
        blocs=tuple(sizes),
        candidates=tuple(chosen),
        series_burden=tuple(BlocCount(b, sizes[b] * count - burden[b], burden[b]) for b in sizes),
        series=True,
    )


def _blocs(people: Sequence[Attendee]) -> tuple[str, ...]:
    return tuple(sorted({p.bloc for p in people}))
