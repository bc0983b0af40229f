"""Marshmallow schemas of the meetings API: explicit fields, typed inputs out of every load."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, post_load, validate

from diaspora_hub.core.schemas import PageArgs, Text
from diaspora_hub.meetings.models import (
    Level,
    Meeting,
    MeetingMode,
    NominationStatus,
    RegistrationPolicy,
    RegistrationStatus,
)
from diaspora_hub.meetings.types import AgendaEntry, CategoryEntry

AGENDA_MAX = 30
CATEGORIES_MAX = 10
DESCRIPTION_MAX = 10_000
MINUTES_MAX = 50_000
FEEDBACK_MAX = 2_000


# Input ---------------------------------------------------------------------------------------


class AgendaEntrySchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)
    minutes = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=720))
    owner = Text(load_default="", max_length=120)

    @post_load
    def entry(self, data: dict[str, Any], **_kwargs: Any) -> AgendaEntry:
        return AgendaEntry(**data)


class CategoryEntrySchema(ma.Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,39}$"))
    label = Text(required=True, min_length=1, max_length=80)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    for_organisations = fields.Boolean(load_default=False)

    @post_load
    def entry(self, data: dict[str, Any], **_kwargs: Any) -> CategoryEntry:
        return CategoryEntry(**data)


class MeetingInSchema(ma.Schema):
    """A meeting to schedule, or (partially) the changes to one."""

    title = Text(required=True, min_length=1, max_length=200)
    description = Text(load_default="", max_length=DESCRIPTION_MAX)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    time_zone = fields.String(load_default="UTC", validate=validate.Length(max=64))
    mode = fields.Enum(MeetingMode, by_value=True, load_default=MeetingMode.OPEN)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    registration = fields.Enum(
        RegistrationPolicy, by_value=True, load_default=RegistrationPolicy.OPEN
    )
    video_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    agenda = fields.List(
        fields.Nested(AgendaEntrySchema),
        load_default=list,
        validate=validate.Length(max=AGENDA_MAX),
    )
    categories = fields.List(
        fields.Nested(CategoryEntrySchema),
        load_default=list,
        validate=validate.Length(max=CATEGORIES_MAX),
    )

    @post_load
    def utc(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        for name in ("starts_at", "ends_at"):
            if name in data:
                data[name] = data[name].astimezone(UTC)
        for name in ("agenda", "categories"):
            if name in data:
                data[name] = tuple(data[name])
        return data


class MeetingChangeSchema(MeetingInSchema):
    """The fields of a meeting to change (loaded partially)."""


class RegistrationInSchema(ma.Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    #: slug of the organisation a delegate registers for
    organisation = fields.String(load_default=None, allow_none=True)
    #: join the waiting list when the category is full, instead of being refused
    waiting_list = fields.Boolean(load_default=False)


class SlotArgs(ma.Schema):
    first_day = fields.Date(data_key="from", load_default=lambda: datetime.now(UTC).date())
    days = fields.Integer(load_default=7)
    count = fields.Integer(load_default=1)


class SpaceSlotArgs(SlotArgs):
    minutes = fields.Integer(load_default=60)


class WorkingHoursSchema(ma.Schema):
    starts = fields.Time(required=True)
    ends = fields.Time(required=True)


class MeetingListArgs(PageArgs):
    pass


# Output --------------------------------------------------------------------------------------


class AgendaItemSchema(ma.Schema):
    position = fields.Integer()
    title = fields.String()
    minutes = fields.Integer(allow_none=True)
    owner = fields.String()


class CategorySchema(ma.Schema):
    key = fields.String()
    label = fields.String()
    capacity = fields.Integer(allow_none=True)
    for_organisations = fields.Boolean()


class MeetingSchema(ma.Schema):
    id = fields.Integer()
    space = fields.String(attribute="space.slug")
    room_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    time_zone = fields.String()
    mode = fields.String(attribute="mode.value")
    capacity = fields.Integer(allow_none=True)
    registration = fields.String(attribute="registration.value")
    video_url = fields.String(allow_none=True)
    state = fields.Method("current_state")
    sequence = fields.Integer()
    agenda = fields.Nested(AgendaItemSchema, many=True)
    categories = fields.Nested(CategorySchema, many=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def current_state(self, meeting: Meeting) -> str:
        return meeting.state_at(datetime.now(UTC)).value


class MeetingPageSchema(ma.Schema):
    items = fields.Nested(MeetingSchema, many=True)
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class RegistrationPersonSchema(ma.Schema):
    id = fields.Integer()
    display_name = fields.String()


class RegistrationOrganisationSchema(ma.Schema):
    slug = fields.String()
    name = fields.String()
    bloc = fields.String(attribute="bloc.value")


class RegistrationSchema(ma.Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    status = fields.Enum(RegistrationStatus, by_value=True)
    category = fields.String(attribute="category.key")
    user = fields.Nested(RegistrationPersonSchema)
    organisation = fields.Nested(RegistrationOrganisationSchema, allow_none=True)
    queued_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class BlocCountSchema(ma.Schema):
    bloc = fields.String()
    inside = fields.Integer()
    outside = fields.Integer()


class SlotCandidateSchema(ma.Schema):
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    inside = fields.Integer()
    outside = fields.Integer()
    blocs = fields.Nested(BlocCountSchema, many=True)


class SlotRankingSchema(ma.Schema):
    people = fields.Integer()
    blocs = fields.List(fields.String())
    series = fields.Boolean()
    candidates = fields.Nested(SlotCandidateSchema, many=True)
    series_burden = fields.Nested(BlocCountSchema, many=True)


class CalendarTokenSchema(ma.Schema):
    url = fields.String()


class MinutesInSchema(ma.Schema):
    body = Text(required=True, min_length=1, max_length=MINUTES_MAX)
    #: the version the text was edited from, so a parallel edit is noticed
    version = fields.Integer(load_default=None, allow_none=True)


class FeedbackInSchema(ma.Schema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = Text(load_default="", max_length=FEEDBACK_MAX)


class BlocAttendanceSchema(ma.Schema):
    bloc = fields.String()
    people = fields.Integer()
    minutes = fields.Integer()


class PersonAttendanceSchema(ma.Schema):
    name = fields.String()
    bloc = fields.String()
    joined_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    minutes = fields.Integer()


class AttendanceSchema(ma.Schema):
    named = fields.Boolean()
    by_bloc = fields.Nested(BlocAttendanceSchema, many=True)
    people = fields.Nested(PersonAttendanceSchema, many=True)


class MinutesSchema(ma.Schema):
    meeting_id = fields.Integer()
    body = fields.String()
    version = fields.Integer()
    published_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class MinutesVersionSchema(ma.Schema):
    version = fields.Integer()
    body = fields.String()
    saved_at = fields.DateTime()


class FeedbackSchema(ma.Schema):
    rating = fields.Integer()
    comment = fields.String()


class FeedbackSummarySchema(ma.Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    ratings = fields.List(fields.Integer())
    comments = fields.List(fields.String())


# Outside events ------------------------------------------------------------------------------


class OutsideEventInSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)
    host = Text(required=True, min_length=1, max_length=200)
    description = Text(load_default="", max_length=DESCRIPTION_MAX)
    location = Text(load_default="", max_length=300)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    nominations_close_at = fields.AwareDateTime(required=True, format="iso")
    quota = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    eligible_kinds = fields.List(fields.String(), required=True)
    eligible_levels = fields.List(fields.String(), required=True)

    @post_load
    def utc(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        for name in ("starts_at", "ends_at", "nominations_close_at"):
            data[name] = data[name].astimezone(UTC)
        return data


class InterestInSchema(ma.Schema):
    organisation = fields.String(required=True)
    level = fields.Enum(Level, by_value=True, required=True)
    note = Text(load_default="", max_length=FEEDBACK_MAX)


class NominationInSchema(ma.Schema):
    organisation = fields.String(required=True)
    user_id = fields.Integer(required=True)


class OutsideEventSchema(ma.Schema):
    id = fields.Integer()
    space = fields.String(attribute="space.slug")
    title = fields.String()
    host = fields.String()
    description = fields.String()
    location = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    nominations_close_at = fields.DateTime()
    quota = fields.Integer()
    eligible_kinds = fields.List(fields.String())
    eligible_levels = fields.List(fields.String())


class InterestSchema(ma.Schema):
    id = fields.Integer()
    user = fields.Nested(RegistrationPersonSchema)
    organisation = fields.Nested(RegistrationOrganisationSchema)
    level = fields.Enum(Level, by_value=True)
    note = fields.String()
    created_at = fields.DateTime()


class NominationSchema(ma.Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    user = fields.Nested(RegistrationPersonSchema)
    organisation = fields.Nested(RegistrationOrganisationSchema)
    level = fields.Enum(Level, by_value=True)
    status = fields.Enum(NominationStatus, by_value=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
