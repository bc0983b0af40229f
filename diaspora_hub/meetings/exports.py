"""Renderings of meetings: iCalendar files and feeds, and the picture of the best slots.

Calendars use the ``icalendar`` library: times carry the zone the facilitator entered
them in (with its VTIMEZONE), the UID never changes, SEQUENCE grows with every change a
calendar must pick up, and a cancelled meeting is sent as STATUS:CANCELLED.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from flask_babel import format_datetime
from flask_babel import gettext as _
from icalendar import Calendar, Event
from markupsafe import Markup

from diaspora_hub.core.text import plain_text
from diaspora_hub.core.timezones import to_local
from diaspora_hub.meetings.models import Meeting, MeetingState, Nomination, OutsideEvent
from diaspora_hub.meetings.types import SlotRanking

PRODUCT = "-//diaspora_hub//meetings//EN"


def _event(meeting: Meeting, base_url: str) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("dtstart", to_local(meeting.starts_at, meeting.time_zone))
    event.add("dtend", to_local(meeting.ends_at, meeting.time_zone))
    event.add("summary", meeting.title)
    page = f"{base_url.rstrip('/')}/meetings/{meeting.id}"
    event.add("url", page)
    description = plain_text(meeting.description, 4000) if meeting.description else ""
    event.add("description", f"{description}\n\n{page}".strip())
    if meeting.video_url:
        event.add("location", meeting.video_url)
    cancelled = meeting.state is MeetingState.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def to_ics(meetings: Sequence[Meeting], *, name: str, base_url: str, method: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    if method:
        calendar.add("method", method)
    for meeting in meetings:
        calendar.add_component(_event(meeting, base_url))
    calendar.add_missing_timezones()
    body: bytes = calendar.to_ical()
    return body


def meeting_ics(meeting: Meeting, *, base_url: str) -> bytes:
    cancelled = meeting.state is MeetingState.CANCELLED
    return to_ics(
        [meeting],
        name=meeting.title,
        base_url=base_url,
        method="CANCEL" if cancelled else "PUBLISH",
    )


# The picture of the best slots -------------------------------------------------------------

_ROW = 14
_GAP = 10
_LABEL = 190
_BAR = 200
_WIDTH = _LABEL + _BAR + 40


def slots_svg(ranking: SlotRanking, *, labels: dict[str, str]) -> Markup:
    """People per bloc inside (solid) and outside (hatched) their working day, per candidate.

    ``labels`` names the blocs in the viewer's language; times are in the viewer's zone.
    """
    blocs = ranking.blocs
    block = _ROW * max(len(blocs), 1) + _GAP + 16
    height = block * len(ranking.candidates) + 10
    widest = max((b.inside + b.outside for c in ranking.candidates for b in c.blocs), default=1)
    title = _("Best slots by bloc")
    description = _(
        "For each candidate time, a bar per bloc: solid for people inside their "
        "working day, hatched for people outside it. The table beside it has the numbers."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="slots-chart" role="img" '
        f'viewBox="0 0 {_WIDTH} {height}" aria-labelledby="slots-title slots-desc">',
        f'<title id="slots-title">{escape(title)}</title>',
        f'<desc id="slots-desc">{escape(description)}</desc>',
        '<defs><pattern id="slots-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3d6"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#a4451b" stroke-width="2"/></pattern></defs>',
    ]
    for n, candidate in enumerate(ranking.candidates):
        top = n * block + 12
        when = format_datetime(candidate.starts_at, "EEE d MMM HH:mm")
        parts.append(
            f'<text x="0" y="{top}" class="slots-when" font-size="12" font-weight="bold" '
            f'fill="#1b1b1b">{escape(when)} · {candidate.inside}/'
            f"{candidate.inside + candidate.outside}</text>"
        )
        for row, bloc in enumerate(candidate.blocs):
            y = top + 6 + row * _ROW
            inside_w = _BAR * bloc.inside / widest
            outside_w = _BAR * bloc.outside / widest
            parts.append(
                f'<text x="0" y="{y + 10}" font-size="11" fill="#1b1b1b">'
                f"{escape(labels.get(bloc.bloc, bloc.bloc))}</text>"
                f'<rect x="{_LABEL}" y="{y}" width="{inside_w:.1f}" height="{_ROW - 3}" '
                f'fill="#1f6f50"/>'
                f'<rect x="{_LABEL + inside_w:.1f}" y="{y}" width="{outside_w:.1f}" '
                f'height="{_ROW - 3}" fill="url(#slots-hatch)" stroke="#a4451b"/>'
                f'<text x="{_LABEL + inside_w + outside_w + 4:.1f}" y="{y + 10}" font-size="11" '
                f'fill="#1b1b1b">{bloc.inside}/{bloc.inside + bloc.outside}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


# Nominations to an outside event ---------------------------------------------------------------

#: The CSV layout, one row per nomination in the order they were made:
#: ``event_id, event_title, host, organisation, organisation_kind, bloc,
#: country_of_residence, person, email, level, status, nominated_at, decided_at``
#: (times in ISO 8601, UTC; ``decided_at`` empty until a facilitator decides).
NOMINATION_COLUMNS = (
    "event_id",
    "event_title",
    "host",
    "organisation",
    "organisation_kind",
    "bloc",
    "country_of_residence",
    "person",
    "email",
    "level",
    "status",
    "nominated_at",
    "decided_at",
)


def nominations_csv(event: OutsideEvent, nominations: Sequence[Nomination]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(NOMINATION_COLUMNS)
    for n in nominations:
        writer.writerow(
            [
                event.id,
                event.title,
                event.host,
                n.organisation.name,
                n.organisation.kind.value,
                n.organisation.bloc.value,
                n.organisation.country_of_residence or "",
                n.user.display_name,
                n.user.email,
                n.level.value,
                n.status.value,
                n.created_at.isoformat(),
                n.decided_at.isoformat() if n.decided_at else "",
            ]
        )
    return out.getvalue()
