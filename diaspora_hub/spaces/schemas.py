"""What the spaces API and forms accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from diaspora_hub.accounts.schemas import PersonSchema
from diaspora_hub.core.schemas import PageArgs, PageSchema, Text
from diaspora_hub.spaces import sdg
from diaspora_hub.spaces.models import Phase, Space, TagKind, Visibility
from diaspora_hub.spaces.types import ConductState, SpaceDetail

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
CONDUCT_MAX = 20_000


class Code(fields.String):
    """A code such as ``"10"``, ``"10.c"``, ``"SN"`` or ``"fr"``; goal numbers may be integers."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return str(super()._deserialize(value, attr, data, **kwargs))


def _codes(max_items: int, *, numbers: bool = False) -> fields.List[Any]:
    item = Code if numbers else fields.String
    return fields.List(
        item(validate=validate.Length(max=16)), validate=validate.Length(max=max_items)
    )


class SpaceUpdateSchema(ma.Schema):
    title = Text(min_length=1, max_length=TITLE_MAX)
    description = Text(max_length=DESCRIPTION_MAX)
    #: SDG goals ("10") and targets ("10.c"); a target brings its goal along
    sdg = _codes(200, numbers=True)
    #: ISO 3166 alpha-2 codes
    countries = _codes(300)
    #: ISO 639-1 codes
    languages = _codes(200)
    visibility = fields.Enum(Visibility, by_value=fields.String)


class SpaceCreateSchema(SpaceUpdateSchema):
    title = Text(required=True, min_length=1, max_length=TITLE_MAX)
    #: derived from the title when not given
    slug = Text(max_length=80)
    #: slugs of participating organisations
    organisations = fields.List(
        fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=200)
    )
    #: the first version of the code of conduct; a standard text when not given
    conduct = Text(max_length=CONDUCT_MAX)


class SpaceFilterSchema(PageArgs):
    sdg = fields.String(validate=validate.Length(max=16))
    country = fields.String(validate=validate.Length(max=16))
    phase = fields.Enum(Phase, by_value=fields.String)
    language = fields.String(validate=validate.Length(max=16))
    q = Text(max_length=200)

    @ma.pre_load
    def _drop_blanks(self, data: Any, **kwargs: Any) -> Any:
        """A filter form sends every select, the unused ones empty."""
        if not hasattr(data, "items"):
            return data
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


class PhaseSchema(ma.Schema):
    phase = fields.Enum(Phase, by_value=fields.String, required=True)


class ConductPublishSchema(ma.Schema):
    text = Text(required=True, min_length=1, max_length=CONDUCT_MAX)


class EmailSchema(ma.Schema):
    #: the email of an existing account
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class OrganisationRefSchema(ma.Schema):
    #: the organisation's slug
    organisation = fields.String(required=True, validate=validate.Length(min=1, max=80))


# --- responses -------------------------------------------------------------------------


class TargetSchema(ma.Schema):
    code = fields.String()
    goal = fields.Integer()
    text = fields.String()


class GoalBriefSchema(ma.Schema):
    number = fields.Integer()
    title = fields.String()


class GoalSchema(GoalBriefSchema):
    description = fields.String()
    targets = fields.List(fields.Nested(TargetSchema))


class GoalPageSchema(PageSchema):
    items = fields.List(fields.Nested(GoalSchema))


class OrganisationBriefSchema(ma.Schema):
    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    bloc = fields.String()
    verified = fields.Boolean(attribute="is_verified")


def _summary(space: Space) -> dict[str, Any]:
    goals = [sdg.goal(code) for code in space.codes(TagKind.GOAL)]
    targets = [sdg.target(code) for code in space.codes(TagKind.TARGET)]
    return {
        "id": space.id,
        "slug": space.slug,
        "title": space.title,
        "description": space.description,
        "visibility": space.visibility.value,
        "phase": space.phase.value,
        "sdg": [g.code for g in goals if g] + [t.code for t in targets if t],
        "sdg_goals": [g for g in goals if g],
        "sdg_targets": [t for t in targets if t],
        "countries": space.codes(TagKind.COUNTRY),
        "languages": space.codes(TagKind.LANGUAGE),
        "created_at": space.created_at,
        "updated_at": space.updated_at,
    }


class SpaceSummarySchema(ma.Schema):
    """A space in a list."""

    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    #: Markdown
    description = fields.String()
    visibility = fields.String()
    phase = fields.String()
    #: goal and target codes, as a client sends them back
    sdg = fields.List(fields.String())
    sdg_goals = fields.List(fields.Nested(GoalBriefSchema))
    sdg_targets = fields.List(fields.Nested(TargetSchema))
    countries = fields.List(fields.String())
    languages = fields.List(fields.String())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    @ma.pre_dump
    def _values(self, space: Space, **kwargs: Any) -> dict[str, Any]:
        return _summary(space)


class SpacePageSchema(PageSchema):
    items = fields.List(fields.Nested(SpaceSummarySchema))


class SpaceSchema(SpaceSummarySchema):
    """A space as the acting person sees it."""

    allowed_phases = fields.List(fields.String())
    facilitators = fields.List(fields.Nested(PersonSchema))
    organisations = fields.List(fields.Nested(OrganisationBriefSchema))
    #: version of the current code of conduct (null when the space has none)
    conduct_version = fields.Integer(allow_none=True)
    is_facilitator = fields.Boolean()
    can_manage = fields.Boolean()
    #: the acting person accepted the current code of conduct
    conduct_accepted = fields.Boolean()
    #: the latest version the acting person accepted
    conduct_accepted_version = fields.Integer(allow_none=True)

    @ma.pre_dump
    def _values(self, detail: SpaceDetail, **kwargs: Any) -> dict[str, Any]:
        conduct = detail.conduct
        return {
            **_summary(detail.space),
            "allowed_phases": [p.value for p in detail.allowed_phases],
            "facilitators": detail.facilitators,
            "organisations": detail.organisations,
            "conduct_version": conduct.conduct.version if conduct.conduct else None,
            "is_facilitator": detail.is_facilitator,
            "can_manage": detail.can_manage,
            "conduct_accepted": conduct.accepted,
            "conduct_accepted_version": conduct.accepted_version,
        }


class ConductSchema(ma.Schema):
    """The current code of conduct and where the acting person stands with it."""

    version = fields.Integer(allow_none=True)
    #: Markdown
    text = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    accepted = fields.Boolean()
    accepted_version = fields.Integer(allow_none=True)

    @ma.pre_dump
    def _values(self, state: ConductState, **kwargs: Any) -> dict[str, Any]:
        conduct = state.conduct
        return {
            "version": conduct.version if conduct else None,
            "text": conduct.text if conduct else None,
            "published_at": conduct.created_at if conduct else None,
            "accepted": state.accepted,
            "accepted_version": state.accepted_version,
        }


class ConductVersionSchema(ma.Schema):
    version = fields.Integer()
    text = fields.String()
    published_at = fields.DateTime(attribute="created_at")


class PersonPageSchema(PageSchema):
    items = fields.List(fields.Nested(PersonSchema))


class OrganisationPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationBriefSchema))


class InvitationSchema(ma.Schema):
    user_id = fields.Integer()
    display_name = fields.String(attribute="user.display_name")
    email = fields.String(attribute="user.email")
    invited_at = fields.DateTime(attribute="created_at")


class InvitationPageSchema(PageSchema):
    items = fields.List(fields.Nested(InvitationSchema))
