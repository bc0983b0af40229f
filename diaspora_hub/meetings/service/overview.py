"""What the pages show: a space's meetings and one meeting as one viewer sees it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.meetings.models import Meeting, MeetingState
from diaspora_hub.meetings.service import kernel
from diaspora_hub.meetings.service.registration import registrations_of
from diaspora_hub.meetings.types import (
    AgendaEntry,
    CategoryEntry,
    MeetingFields,
    MeetingOverview,
    SpaceMeetings,
)
from diaspora_hub.spaces import service as spaces

#: how many past meetings a space's page lists
PAST_SHOWN = 20


def space_meetings(session: Session, actor: User | None, slug: str) -> SpaceMeetings:
    """Upcoming and live meetings first (soonest first), then the latest past ones."""
    space = spaces.get_visible(session, actor, slug)
    now = utcnow()
    meetings = list(
        session.scalars(
            select(Meeting).where(Meeting.space_id == space.id).order_by(Meeting.starts_at)
        )
    )
    done = (MeetingState.ENDED, MeetingState.CANCELLED)
    upcoming = [m for m in meetings if m.state_at(now) not in done]
    past = [m for m in reversed(meetings) if m.state_at(now) in done][:PAST_SHOWN]
    return SpaceMeetings(
        space=space,
        upcoming=tuple(upcoming),
        past=tuple(past),
        can_schedule=spaces.can_manage(session, actor, space),
    )


def meeting_overview(session: Session, actor: User | None, meeting_id: int) -> MeetingOverview:
    meeting = kernel.get_meeting(session, actor, meeting_id)
    now = utcnow()
    can = kernel.permissions(session, actor, meeting, now)
    found, taken = kernel.places(session, meeting)
    return MeetingOverview(
        meeting=meeting,
        state=meeting.state_at(now),
        can=can,
        places=tuple(found),
        taken=taken,
        mine=kernel.own_registration(session, actor, meeting),
        registrations=tuple(registrations_of(session, meeting)) if can.manage else (),
        jitsi_embed=meeting.video_url if kernel.is_jitsi(meeting.video_url) else None,
    )


def meeting_fields(meeting: Meeting) -> MeetingFields:
    """The meeting as the schedule form and a partial API change start from."""
    return MeetingFields(
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        time_zone=meeting.time_zone,
        description=meeting.description,
        mode=meeting.mode,
        capacity=meeting.capacity,
        registration=meeting.registration,
        video_url=meeting.video_url,
        agenda=tuple(AgendaEntry(i.title, i.minutes, i.owner) for i in meeting.agenda),
        categories=tuple(
            CategoryEntry(c.key, c.label, c.capacity, c.for_organisations)
            for c in meeting.categories
        ),
    )
