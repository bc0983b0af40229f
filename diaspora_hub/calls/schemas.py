"""What the calls API and forms accept and return."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from diaspora_hub.calls.models import Attribution, CallState
from diaspora_hub.calls.types import (
    WITHHELD_ANONYMOUS_BLOC,
    WITHHELD_ANONYMOUS_DETAILS,
    WITHHELD_ATTRIBUTION,
    WITHHELD_NOT_ANSWERED,
)
from diaspora_hub.core import geo
from diaspora_hub.core.schemas import PageArgs, Text
from diaspora_hub.organisations.models import OrganisationKind
from diaspora_hub.spaces import sdg

#: longest answer to one question, in characters
ANSWER_MAX = 10_000
#: most questions one call may ask
QUESTIONS_MAX = 20


def _country(value: str) -> None:
    if value not in geo.countries():
        raise ma.ValidationError(str(_l("Unknown country code.")))


def _target(value: str) -> None:
    if not sdg.is_target(value):
        raise ma.ValidationError(str(_l("Unknown SDG target.")))


class CallInputSchema(ma.Schema):
    """Times must carry an offset (ISO 8601); forms add the author's time zone first."""

    title = Text(required=True, min_length=1, max_length=200)
    context = Text(max_length=20_000)
    questions = fields.List(
        Text(min_length=1, max_length=1_000),
        required=True,
        validate=validate.Length(
            min=1, max=QUESTIONS_MAX, error=str(_l("Ask between one and twenty questions."))
        ),
    )
    opens_at = fields.AwareDateTime(required=True, format="iso")
    closes_at = fields.AwareDateTime(required=True, format="iso")
    audience_kinds = fields.List(
        fields.String(validate=validate.OneOf([k.value for k in OrganisationKind])),
        required=True,
        validate=validate.Length(min=1, error=str(_l("Choose at least one kind."))),
    )
    sdg_targets = fields.List(fields.String(validate=_target), validate=validate.Length(max=30))
    corridor_origin = fields.String(allow_none=True, validate=_country)
    corridor_residence = fields.String(allow_none=True, validate=_country)


class CallCreateSchema(CallInputSchema):
    #: slug of the government or IO posted for; optional when there is only one choice
    organisation = fields.String(validate=validate.Length(max=80))


class CallUpdateSchema(CallInputSchema):
    """Every field optional; send only what changes."""


class CallListArgs(PageArgs):
    state = fields.Enum(CallState, by_value=True)
    target = fields.String(validate=_target)


class ContributionAnswerInSchema(ma.Schema):
    question_id = fields.Integer(required=True)
    text = Text(required=True, max_length=ANSWER_MAX)


class ContributionInSchema(ma.Schema):
    #: slug of the organisation answered for; optional when there is only one choice
    organisation = fields.String(validate=validate.Length(max=80))
    attribution = fields.Enum(Attribution, by_value=True, required=True)
    answers = fields.List(fields.Nested(ContributionAnswerInSchema), required=True)
    #: the version the answer was based on; a different current version is a conflict
    version = fields.Integer(validate=validate.Range(min=0))


class ContributionReportInSchema(ma.Schema):
    reason = Text(required=True, min_length=1, max_length=1_000)


class ContributionModerationSchema(ma.Schema):
    reason = Text(max_length=1_000, load_default="")


class ThemeCreateSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)
    contribution_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))
    terms = fields.List(Text(max_length=60), validate=validate.Length(max=10), load_default=list)


class ThemeRenameSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)


class ThemeMergeSchema(ma.Schema):
    into = fields.Integer(required=True)


class ThemeSplitSchema(ma.Schema):
    title = Text(required=True, min_length=1, max_length=200)
    contribution_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))


# Output --------------------------------------------------------------------------------


class CallPersonSchema(ma.Schema):
    id = fields.Integer()
    display_name = fields.String()


class CallOrganisationSchema(ma.Schema):
    slug = fields.String()
    name = fields.String()
    kind = fields.String(attribute="kind.value")
    bloc = fields.String(attribute="bloc.value")
    is_verified = fields.Boolean()
    country_of_origin = fields.String(allow_none=True)
    country_of_residence = fields.String(allow_none=True)


class CallQuestionSchema(ma.Schema):
    id = fields.Integer()
    position = fields.Integer()
    text = fields.String()


class CallSchema(ma.Schema):
    id = fields.Integer()
    space = fields.String(attribute="space.slug")
    title = fields.String()
    context = fields.String()
    state = fields.String(attribute="state.value")
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    synthesised_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    organisation = fields.Nested(CallOrganisationSchema, allow_none=True)
    author = fields.Nested(CallPersonSchema, allow_none=True)
    audience_kinds = fields.List(fields.String())
    sdg_targets = fields.List(fields.String())
    corridor_origin = fields.String(allow_none=True)
    corridor_residence = fields.String(allow_none=True)
    questions = fields.Nested(CallQuestionSchema, many=True)


class CallPageSchema(ma.Schema):
    items = fields.Nested(CallSchema, many=True)
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ContributionAnswerSchema(ma.Schema):
    question_id = fields.Integer()
    text = fields.String()


class ContributionSchema(ma.Schema):
    """``organisation`` and ``author`` are null where the attribution hides them; ``bloc``
    is null where it would narrow an anonymous contribution down to too few organisations
    (see the tracker's ``withheld``), and ``attribution`` is ``anonymous`` for every
    contribution while ``attribution`` is withheld."""

    id = fields.Integer()
    call_id = fields.Integer()
    attribution = fields.String()
    bloc = fields.String(allow_none=True)
    organisation = fields.Nested(CallOrganisationSchema, allow_none=True)
    author = fields.Nested(CallPersonSchema, allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    hidden = fields.Boolean()
    own = fields.Boolean()
    answers = fields.Nested(ContributionAnswerSchema, many=True)


class ContributionPageSchema(ma.Schema):
    items = fields.Nested(ContributionSchema, many=True)
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ContributionVersionSchema(ma.Schema):
    """Outside the organisation, ``attribution`` is the narrower of the version's own and
    the current one, and ``author`` is null unless both are ``named``."""

    version = fields.Integer()
    saved_at = fields.DateTime()
    attribution = fields.String()
    author = fields.Nested(CallPersonSchema, allow_none=True)
    answers = fields.Nested(ContributionAnswerSchema, many=True)


class ContributionReportSchema(ma.Schema):
    id = fields.Integer()
    contribution_id = fields.Integer()
    reason = fields.String()
    created_at = fields.DateTime()


class CallTrackerSchema(ma.Schema):
    """Counts of who answered. So that no anonymous contribution can be narrowed down to
    fewer than ``anonymity_floor`` organisations, what would narrow it is withheld, and
    ``withheld`` names what: ``not_answered`` (the list is null),
    ``anonymous_kind_and_country`` (anonymous contributions are counted under the key
    ``anonymous`` in ``by_kind`` and ``by_country``), ``anonymous_bloc`` (also in
    ``by_bloc``, and contributions carry no ``bloc``), ``attribution`` (no contribution
    shows its organisation or person)."""

    received = fields.Integer()
    invited = fields.Integer()
    by_bloc = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_country = fields.Dict(keys=fields.String(), values=fields.Integer())
    not_answered = fields.Nested(
        CallOrganisationSchema,
        many=True,
        allow_none=True,
        metadata={
            "description": "Invited organisations that have not answered; null when withheld."
        },
    )
    anonymity_floor = fields.Integer(
        metadata={"description": "The fewest organisations an anonymous contribution hides among."}
    )
    withheld = fields.List(
        fields.String(
            validate=validate.OneOf(
                [
                    WITHHELD_NOT_ANSWERED,
                    WITHHELD_ANONYMOUS_DETAILS,
                    WITHHELD_ANONYMOUS_BLOC,
                    WITHHELD_ATTRIBUTION,
                ]
            )
        ),
        metadata={"description": "What is left out to keep anonymous contributions anonymous."},
    )


class SynthesisTermSchema(ma.Schema):
    term = fields.String()
    count = fields.Integer()
    weight = fields.Float()


class ThemeProposalSchema(ma.Schema):
    title = fields.String()
    contribution_ids = fields.List(fields.Integer())
    terms = fields.Nested(SynthesisTermSchema, many=True)
    cohesion = fields.Float()


class ThemeSchema(ma.Schema):
    id = fields.Integer()
    call_id = fields.Integer()
    title = fields.String()
    terms = fields.List(fields.String())
    contribution_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()
