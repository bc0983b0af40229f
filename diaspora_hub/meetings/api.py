"""JSON API of the meetings domain, under /api/v1."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.errors import NotFound
from diaspora_hub.core.pagination import page_body, paginate
from diaspora_hub.extensions import db, limiter
from diaspora_hub.meetings import exports, schemas, service
from diaspora_hub.meetings.models import (
    Feedback,
    Meeting,
    Minutes,
    MinutesVersion,
    Nomination,
    OutsideEvent,
    OutsideInterest,
    Registration,
)
from diaspora_hub.meetings.service import outside
from diaspora_hub.meetings.types import (
    AttendanceReport,
    FeedbackSummary,
    MeetingFields,
    SlotRanking,
)
from diaspora_hub.spaces import service as spaces

bp = Blueprint("meetings_api", __name__, url_prefix="/api/v1", description="Meetings")

ICS = "text/calendar"
#: a feed address is its own credential: calendar programs poll it, guessers would hammer it
FEED_LIMIT = "60 per minute"


def _write_limit() -> str:
    return str(current_app.config["RATELIMIT_WRITES"])


@bp.get("/spaces/<slug>/meetings")
@bp.arguments(schemas.MeetingListArgs, location="query")
@bp.response(200, schemas.MeetingPageSchema)
def list_meetings(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """Meetings of a space, latest start first."""
    session = db.session()
    space = spaces.get_visible(session, actor(), slug)
    query = select(Meeting).where(Meeting.space_id == space.id).order_by(Meeting.starts_at.desc())
    page = paginate(session, query, args["page"], args["per_page"])
    return page_body(page, page.items)


@bp.post("/spaces/<slug>/meetings")
@bp.arguments(schemas.MeetingInSchema)
@bp.response(201, schemas.MeetingSchema)
def create_meeting(data: dict[str, Any], slug: str) -> Meeting:
    """Schedule a meeting (facilitators); its room opens at the start time."""
    return service.create_meeting(db.session(), require_actor(), slug, fields=MeetingFields(**data))


@bp.get("/spaces/<slug>/meetings/slots")
@bp.arguments(schemas.SpaceSlotArgs, location="query")
@bp.response(200, schemas.SlotRankingSchema)
def space_slots(args: dict[str, Any], slug: str) -> SlotRanking:
    """Best slots for the members of the space's organisations (facilitators); ``count`` > 1
    plans a weekly series whose burden rotates between blocs."""
    _space, ranking = service.space_slots(db.session(), require_actor(), slug, **args)
    return ranking


@bp.get("/meetings/<int:meeting_id>")
@bp.response(200, schemas.MeetingSchema)
def get_meeting(meeting_id: int) -> Meeting:
    """One meeting; times in UTC, ``time_zone`` is the zone they were entered in."""
    return service.get_meeting(db.session(), actor(), meeting_id)


@bp.patch("/meetings/<int:meeting_id>")
@bp.arguments(schemas.MeetingChangeSchema(partial=True))
@bp.response(200, schemas.MeetingSchema)
def update_meeting(data: dict[str, Any], meeting_id: int) -> Meeting:
    """Change a meeting before it starts; registered people are told, calendars update."""
    session = db.session()
    user = require_actor()
    current = service.meeting_fields(service.get_meeting(session, user, meeting_id))
    fields = dataclasses.replace(current, **data)
    return service.update_meeting(session, user, meeting_id, fields=fields)


@bp.post("/meetings/<int:meeting_id>/cancel")
@bp.response(200, schemas.MeetingSchema)
def cancel_meeting(meeting_id: int) -> Meeting:
    """Cancel a meeting; calendars show it cancelled."""
    return service.cancel_meeting(db.session(), require_actor(), meeting_id)


@bp.post("/meetings/<int:meeting_id>/open")
@bp.response(200, schemas.MeetingSchema)
def open_meeting(meeting_id: int) -> Meeting:
    """Open the meeting's room before its start time (facilitators)."""
    return service.open_meeting(db.session(), require_actor(), meeting_id)


@bp.post("/meetings/<int:meeting_id>/end")
@bp.response(200, schemas.MeetingSchema)
def end_meeting(meeting_id: int) -> Meeting:
    """End the meeting; its room becomes read-only (facilitators)."""
    return service.end_meeting(db.session(), require_actor(), meeting_id)


@bp.get("/meetings/<int:meeting_id>.ics")
@bp.response(200, {"type": "string"}, content_type=ICS)
def meeting_ics(meeting_id: int) -> Response:
    """The meeting as an iCalendar file; the same UID through changes, a higher SEQUENCE."""
    meeting = service.get_meeting(db.session(), actor(), meeting_id)
    return Response(
        exports.meeting_ics(meeting, base_url=request.host_url),
        mimetype=ICS,
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )


@bp.get("/meetings/<int:meeting_id>/slots")
@bp.arguments(schemas.SlotArgs, location="query")
@bp.response(200, schemas.SlotRankingSchema)
def meeting_slots(args: dict[str, Any], meeting_id: int) -> SlotRanking:
    """Best slots to move a meeting to, for its registered and invited people (facilitators)."""
    _meeting, ranking = service.meeting_slots(db.session(), require_actor(), meeting_id, **args)
    return ranking


@bp.get("/meetings/<int:meeting_id>/registrations")
@bp.response(200, schemas.RegistrationSchema(many=True))
def list_registrations(meeting_id: int) -> list[Registration]:
    """Every registration, waiting list in order (facilitators)."""
    _meeting, registrations = service.list_registrations(db.session(), require_actor(), meeting_id)
    return registrations


@bp.post("/meetings/<int:meeting_id>/registrations")
@limiter.limit(_write_limit)
@bp.arguments(schemas.RegistrationInSchema)
@bp.response(201, schemas.RegistrationSchema)
def register(data: dict[str, Any], meeting_id: int) -> Registration:
    """Register in a category, for yourself or (delegates) for your organisation; 409 when
    full unless ``waiting_list`` is true."""
    return service.register(db.session(), require_actor(), meeting_id, **data)


@bp.post("/meetings/<int:meeting_id>/registrations/<int:registration_id>/approve")
@bp.response(200, schemas.RegistrationSchema)
def approve(meeting_id: int, registration_id: int) -> Registration:
    """Approve a pending registration (facilitators)."""
    return service.approve(db.session(), require_actor(), meeting_id, registration_id)


@bp.post("/meetings/<int:meeting_id>/registrations/<int:registration_id>/decline")
@bp.response(200, schemas.RegistrationSchema)
def decline(meeting_id: int, registration_id: int) -> Registration:
    """Decline a pending or waiting registration (facilitators); the waiting list moves up."""
    return service.decline(db.session(), require_actor(), meeting_id, registration_id)


@bp.post("/meetings/<int:meeting_id>/registrations/<int:registration_id>/withdraw")
@bp.response(200, schemas.RegistrationSchema)
def withdraw(meeting_id: int, registration_id: int) -> Registration:
    """Give up your place; the waiting list moves up."""
    return service.withdraw(db.session(), require_actor(), meeting_id, registration_id)


@bp.get("/calendar/<token>.ics")
@limiter.limit(FEED_LIMIT)
@bp.response(200, {"type": "string"}, content_type=ICS)
def calendar_feed(token: str) -> Response:
    """A person's private calendar feed (the token is its only credential)."""
    return feed_response(token)


def feed_response(token: str) -> Response:
    person, meetings = service.feed(db.session(), token)
    body = exports.to_ics(meetings, name=person.display_name, base_url=request.host_url)
    return Response(body, mimetype=ICS, headers={"Cache-Control": "private, max-age=300"})


@bp.get("/meetings/<int:meeting_id>/attendance")
@bp.response(200, schemas.AttendanceSchema)
def attendance(meeting_id: int) -> AttendanceReport:
    """Attendance from room presence, by bloc; by person too except to participants of a
    Chatham House meeting (facilitators and registered people)."""
    return service.attendance(db.session(), require_actor(), meeting_id)


@bp.get("/meetings/<int:meeting_id>/minutes")
@bp.response(200, schemas.MinutesSchema)
def get_minutes(meeting_id: int) -> Minutes:
    """Published minutes; facilitators also read a draft."""
    _meeting, found = service.read_minutes(db.session(), actor(), meeting_id)
    if found is None:
        raise NotFound(_("No minutes yet."))
    return found


@bp.get("/meetings/<int:meeting_id>/minutes/draft")
@bp.response(200, schemas.MinutesInSchema)
def draft_minutes(meeting_id: int) -> dict[str, Any]:
    """A first text from the room: agenda with times, polls, questions, attendance by bloc."""
    return {"body": service.draft_minutes(db.session(), require_actor(), meeting_id)}


@bp.put("/meetings/<int:meeting_id>/minutes")
@bp.arguments(schemas.MinutesInSchema)
@bp.response(200, schemas.MinutesSchema)
def save_minutes(data: dict[str, Any], meeting_id: int) -> Minutes:
    """Save a new version of the minutes (facilitators, after the meeting)."""
    return service.save_minutes(db.session(), require_actor(), meeting_id, **data)


@bp.get("/meetings/<int:meeting_id>/minutes/versions")
@bp.response(200, schemas.MinutesVersionSchema(many=True))
def minutes_versions(meeting_id: int) -> list[MinutesVersion]:
    """Every saved version (facilitators)."""
    session = db.session()
    user = require_actor()
    meeting, found = service.read_minutes(session, user, meeting_id)
    service.require_manager(session, user, meeting)
    return list(found.versions) if found else []


@bp.post("/meetings/<int:meeting_id>/minutes/publish")
@bp.response(200, schemas.MinutesSchema)
def publish_minutes(meeting_id: int) -> Minutes:
    """Publish the minutes to the space (facilitators)."""
    return service.publish_minutes(db.session(), require_actor(), meeting_id)


@bp.post("/meetings/<int:meeting_id>/feedback")
@limiter.limit(_write_limit)
@bp.arguments(schemas.FeedbackInSchema)
@bp.response(200, schemas.FeedbackSchema)
def give_feedback(data: dict[str, Any], meeting_id: int) -> Feedback:
    """Rate the meeting 1-5 with an optional comment (people who held a place)."""
    return service.give_feedback(db.session(), require_actor(), meeting_id, **data)


@bp.get("/meetings/<int:meeting_id>/feedback")
@bp.response(200, schemas.FeedbackSummarySchema)
def feedback_summary(meeting_id: int) -> FeedbackSummary:
    """Feedback in sum, comments unattributed (facilitators)."""
    return service.feedback_summary(db.session(), require_actor(), meeting_id)


# Outside events ---------------------------------------------------------------------------------


@bp.get("/spaces/<slug>/outside-events")
@bp.response(200, schemas.OutsideEventSchema(many=True))
def list_outside_events(slug: str) -> list[OutsideEvent]:
    """Outside events (UN, IMF, World Bank …) this space nominates to, latest first."""
    _space, events = outside.space_events(db.session(), actor(), slug)
    return events


@bp.post("/spaces/<slug>/outside-events")
@bp.arguments(schemas.OutsideEventInSchema)
@bp.response(201, schemas.OutsideEventSchema)
def post_outside_event(data: dict[str, Any], slug: str) -> OutsideEvent:
    """Post an outside event with a quota per organisation and eligibility (facilitators)."""
    return outside.post_event(db.session(), require_actor(), slug, **data)


@bp.get("/outside-events/<int:event_id>")
@bp.response(200, schemas.OutsideEventSchema)
def get_outside_event(event_id: int) -> OutsideEvent:
    """One outside event."""
    return outside.get_event(db.session(), actor(), event_id)


@bp.post("/outside-events/<int:event_id>/interest")
@limiter.limit(_write_limit)
@bp.arguments(schemas.InterestInSchema)
@bp.response(201, schemas.InterestSchema)
def show_interest(data: dict[str, Any], event_id: int) -> OutsideInterest:
    """Say you would like to go, for one of your eligible organisations, with your level."""
    return outside.show_interest(db.session(), require_actor(), event_id, **data)


@bp.get("/outside-events/<int:event_id>/interest")
@bp.response(200, schemas.InterestSchema(many=True))
def list_interest(event_id: int) -> list[OutsideInterest]:
    """Interested members: all for facilitators, their organisations' for delegates."""
    session = db.session()
    user = require_actor()
    return outside.interests_for(session, user, outside.get_event(session, user, event_id))


@bp.get("/outside-events/<int:event_id>/nominations")
@bp.response(200, schemas.NominationSchema(many=True))
def list_nominations(event_id: int) -> list[Nomination]:
    """Nominations: all for facilitators, their organisations' for delegates."""
    _event, found = outside.nominations(db.session(), require_actor(), event_id)
    return found


@bp.post("/outside-events/<int:event_id>/nominations")
@limiter.limit(_write_limit)
@bp.arguments(schemas.NominationInSchema)
@bp.response(201, schemas.NominationSchema)
def nominate(data: dict[str, Any], event_id: int) -> Nomination:
    """Nominate an interested member within your organisation's quota (delegates)."""
    return outside.nominate(db.session(), require_actor(), event_id, **data)


@bp.post("/outside-events/<int:event_id>/nominations/<int:nomination_id>/approve")
@bp.response(200, schemas.NominationSchema)
def approve_nomination(event_id: int, nomination_id: int) -> Nomination:
    """Approve a nomination (facilitators)."""
    return outside.decide(db.session(), require_actor(), event_id, nomination_id, approve=True)


@bp.post("/outside-events/<int:event_id>/nominations/<int:nomination_id>/decline")
@bp.response(200, schemas.NominationSchema)
def decline_nomination(event_id: int, nomination_id: int) -> Nomination:
    """Decline a nomination, freeing its place in the quota (facilitators)."""
    return outside.decide(db.session(), require_actor(), event_id, nomination_id, approve=False)


@bp.post("/outside-events/<int:event_id>/nominations/<int:nomination_id>/withdraw")
@bp.response(200, schemas.NominationSchema)
def withdraw_nomination(event_id: int, nomination_id: int) -> Nomination:
    """Take a nomination back, freeing its place in the quota (the nominating organisation)."""
    return outside.withdraw(db.session(), require_actor(), event_id, nomination_id)


@bp.get("/outside-events/<int:event_id>/nominations.csv")
@bp.response(200, {"type": "string"}, content_type="text/csv")
def nominations_csv(event_id: int) -> Response:
    """The nominations as CSV (facilitators). Columns: event_id, event_title, host,
    organisation, organisation_kind, bloc, country_of_residence, person, email, level,
    status, nominated_at, decided_at (ISO 8601, UTC)."""
    event, found = outside.export_nominations(db.session(), require_actor(), event_id)
    return Response(
        exports.nominations_csv(event, found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="nominations-{event.id}.csv"'},
    )
