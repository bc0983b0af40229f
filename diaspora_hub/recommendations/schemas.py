"""What the recommendations API and forms accept and return."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from diaspora_hub.core.schemas import PageArgs, Text
from diaspora_hub.recommendations.consensus import Position, Scope, Weighting
from diaspora_hub.recommendations.models import RecommendationState, SourceKind

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 2_000
COMMENT_MAX = 2_000
#: what one address may write of people's own words: comments and amendments
WRITE_LIMIT = "20 per minute"


class FractionField(fields.Field):  # type: ignore[type-arg]
    """A share written ``3/5`` or ``60%``; answered as ``3/5``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return f"{value.numerator}/{value.denominator}"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Fraction:
        text = str(value).strip()
        try:
            share = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise ma.ValidationError(str(_l("Write a share as 3/5 or 60%."))) from None
        if not 0 < share <= 1:
            raise ma.ValidationError(str(_l("A share is more than 0 and at most 1.")))
        return share


# Input ---------------------------------------------------------------------------------


class RecommendationCreateSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=TITLE_MAX)
    text = Text(required=True, min_length=1, max_length=TEXT_MAX)
    rationale = Text(max_length=TEXT_MAX, load_default="")
    #: slugs of organisations of kind ``io``
    target_ios = fields.List(fields.String(validate=validate.Length(max=80)), load_default=list)


class RecommendationUpdateSchema(ma.Schema):
    """Send only what changes; every change of wording is a new version."""

    title = Text(min_length=1, max_length=TITLE_MAX)
    text = Text(min_length=1, max_length=TEXT_MAX)
    rationale = Text(max_length=TEXT_MAX)
    target_ios = fields.List(fields.String(validate=validate.Length(max=80)))
    #: what changed and why
    note = Text(max_length=REASON_MAX, load_default="")


class RecommendationReviseSchema(ma.Schema):
    title = Text(min_length=1, max_length=TITLE_MAX)
    text = Text(min_length=1, max_length=TEXT_MAX)
    rationale = Text(max_length=TEXT_MAX)
    note = Text(max_length=REASON_MAX, load_default="")
    closes_at = fields.AwareDateTime(required=True, format="iso")


class OpenSchema(ma.Schema):
    closes_at = fields.AwareDateTime(required=True, format="iso")


class AdoptSchema(ma.Schema):
    note = Text(max_length=REASON_MAX, load_default="")


class ReasonSchema(ma.Schema):
    reason = Text(required=True, min_length=1, max_length=REASON_MAX)


class RecommendationListArgs(PageArgs):
    state = fields.Enum(RecommendationState, by_value=True)


class CompareArgs(ma.Schema):
    old = fields.Integer(required=True, validate=validate.Range(min=1))
    new = fields.Integer(required=True, validate=validate.Range(min=1))


class AmendmentInSchema(ma.Schema):
    text = Text(required=True, min_length=1, max_length=TEXT_MAX)
    explanation = Text(max_length=REASON_MAX, load_default="")


class EndorsementInSchema(ma.Schema):
    #: slug of the organisation endorsed for; optional when there is only one choice
    organisation = fields.String(validate=validate.Length(max=80))
    position = fields.Enum(Position, by_value=True, required=True)
    #: the reservation, or the reason to oppose (both required), or an optional note
    reason = Text(max_length=REASON_MAX, load_default="")


class SourceInSchema(ma.Schema):
    kind = fields.Enum(SourceKind, by_value=True, required=True)
    #: the id of the theme, contribution or room event cited
    ref = fields.Integer(required=True, validate=validate.Range(min=1))
    note = Text(max_length=REASON_MAX, load_default="")


class ScreenInSchema(ma.Schema):
    #: the id of a live room of the recommendation's space
    room_id = fields.Integer(required=True, data_key="room", validate=validate.Range(min=1))


class ScreenSchema(ma.Schema):
    room = fields.Integer(attribute="room_id")
    recommendation_id = fields.Integer()
    shown_at = fields.DateTime()


class CommentInSchema(ma.Schema):
    body = Text(required=True, min_length=1, max_length=COMMENT_MAX)


class RuleSchema(ma.Schema):
    """The space's consensus rule; see ``recommendations.consensus`` for how it is read."""

    min_support = FractionField(required=True)
    min_organisations = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    min_blocs = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    scope = fields.Enum(Scope, by_value=True, required=True)
    weighting = fields.Enum(Weighting, by_value=True, required=True)
    #: null: opposition never blocks
    block = FractionField(required=True, allow_none=True)
    hide_tallies = fields.Boolean(required=True)


# Output --------------------------------------------------------------------------------


class RecommendationPersonSchema(ma.Schema):
    id = fields.Integer()
    display_name = fields.String()


class RecommendationOrganisationSchema(ma.Schema):
    slug = fields.String()
    name = fields.String()
    kind = fields.String(attribute="kind.value")
    bloc = fields.String(attribute="bloc.value")
    is_verified = fields.Boolean()


class RecommendationSchema(ma.Schema):
    id = fields.Integer()
    space = fields.String(attribute="space.slug")
    title = fields.String()
    text = fields.String()
    rationale = fields.String()
    state = fields.String(attribute="state.value")
    version = fields.Integer()
    round = fields.Integer()
    opened_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    target_ios = fields.Nested(
        RecommendationOrganisationSchema, many=True, attribute="target_organisations"
    )


class RecommendationPageSchema(ma.Schema):
    items = fields.Nested(RecommendationSchema, many=True)
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class VersionSchema(ma.Schema):
    version = fields.Integer()
    title = fields.String()
    text = fields.String()
    rationale = fields.String()
    round = fields.Integer()
    author = fields.Nested(RecommendationPersonSchema, allow_none=True)
    amendment_id = fields.Integer(allow_none=True)
    note = fields.String()
    saved_at = fields.DateTime()


class DiffSegmentSchema(ma.Schema):
    op = fields.String(attribute="op.value")
    text = fields.String()


class FieldDiffSchema(ma.Schema):
    name = fields.String()
    changed = fields.Boolean()
    segments = fields.Nested(DiffSegmentSchema, many=True)


class VersionDiffSchema(ma.Schema):
    old = fields.Integer(attribute="old.version")
    new = fields.Integer(attribute="new.version")
    fields_ = fields.Nested(FieldDiffSchema, many=True, data_key="fields", attribute="fields")


class AmendmentSchema(ma.Schema):
    id = fields.Integer()
    recommendation_id = fields.Integer()
    proposer = fields.Nested(RecommendationPersonSchema, allow_none=True)
    base_version = fields.Integer()
    text = fields.String()
    explanation = fields.String()
    state = fields.String(attribute="state.value")
    decided_by = fields.Nested(RecommendationPersonSchema, allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String()
    resulting_version = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class EndorsementChangeSchema(ma.Schema):
    position = fields.String(attribute="position.value")
    reason = fields.String()
    version = fields.Integer()
    given_by = fields.Nested(RecommendationPersonSchema, allow_none=True)
    at = fields.DateTime()


class EndorsementSchema(ma.Schema):
    id = fields.Integer()
    recommendation_id = fields.Integer()
    round = fields.Integer()
    organisation = fields.Nested(RecommendationOrganisationSchema)
    position = fields.String(attribute="position.value")
    reason = fields.String()
    version = fields.Integer()
    given_by = fields.Nested(RecommendationPersonSchema, allow_none=True)
    updated_at = fields.DateTime()


class EndorsementViewSchema(ma.Schema):
    endorsement = fields.Nested(EndorsementSchema)
    history = fields.Nested(EndorsementChangeSchema, many=True)


class BlocTallySchema(ma.Schema):
    bloc = fields.String(attribute="bloc.value")
    support = fields.Integer()
    reservations = fields.Integer()
    oppose = fields.Integer()
    abstain = fields.Integer()
    organisations = fields.Integer()
    eligible = fields.Integer()
    #: support over support and opposition; null when nobody took a side
    share = FractionField(allow_none=True)


class FindingSchema(ma.Schema):
    bloc = fields.String(attribute="bloc.value")
    reason = fields.String(attribute="reason.value")
    value = FractionField()
    threshold = FractionField()


class ConsensusSchema(ma.Schema):
    outcome = fields.String(attribute="outcome.value")
    supported = fields.Boolean()
    overall = FractionField(allow_none=True)
    blocs = fields.Nested(BlocTallySchema, many=True)
    findings = fields.Nested(FindingSchema, many=True)
    rule = fields.Method("_rule")

    def _rule(self, consensus: Any) -> dict[str, Any]:
        rule: dict[str, Any] = consensus.rule.to_json()
        return rule


class TallySchema(ma.Schema):
    round = fields.Integer()
    hidden = fields.Boolean()
    frozen = fields.Boolean()
    frozen_at = fields.DateTime(allow_none=True)
    #: null while the space hides tallies until the consultation closes
    consensus = fields.Nested(ConsensusSchema, allow_none=True)


class CitationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(attribute="kind.value")
    available = fields.Boolean()
    text = fields.String()
    origin = fields.String()
    url = fields.String()
    person_name = fields.String(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    bloc = fields.String(allow_none=True)
    chatham_house = fields.Boolean()
    at = fields.DateTime(allow_none=True)
    voters = fields.Integer()
    choices = fields.Method("_choices")
    note = fields.String()

    def _choices(self, citation: Any) -> list[dict[str, Any]]:
        return [{"choice": choice, "votes": votes} for choice, votes in citation.choices]


class SourceSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(attribute="kind.value")
    note = fields.String()
    created_at = fields.DateTime()


class CommentSchema(ma.Schema):
    id = fields.Integer()
    author = fields.Nested(RecommendationPersonSchema, allow_none=True)
    body = fields.String()
    version = fields.Integer()
    created_at = fields.DateTime()


class PermissionsSchema(ma.Schema):
    edit = fields.Boolean()
    open = fields.Boolean()
    adopt = fields.Boolean()
    withdraw = fields.Boolean()
    cite = fields.Boolean()
    decide_amendments = fields.Boolean()
    propose_amendment = fields.Boolean()
    comment = fields.Boolean()
    show_in_room = fields.Boolean()
    endorse_as = fields.Nested(RecommendationOrganisationSchema, many=True)


class RecommendationDetailSchema(ma.Schema):
    recommendation = fields.Nested(RecommendationSchema)
    consultation_open = fields.Boolean()
    tally = fields.Nested(TallySchema, allow_none=True)
    sources = fields.Nested(CitationSchema, many=True)
    comments = fields.Nested(CommentSchema, many=True)
    permissions = fields.Nested(PermissionsSchema, attribute="can")


class RuleOutSchema(RuleSchema):
    """The rule as stored, or the defaults when the space has not set one."""
