"""What the opinions API and forms accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from diaspora_hub.core.schemas import PageArgs, PageSchema, Text
from diaspora_hub.opinions.models import MAX_STATEMENT_LENGTH, Choice, StatementState


class StatementListArgs(PageArgs):
    #: facilitators list pending or rejected statements too
    state = fields.Enum(StatementState, by_value=True, load_default=StatementState.ACCEPTED)
    room_id = fields.Integer(validate=validate.Range(min=1))


class StatementInSchema(ma.Schema):
    text = Text(required=True, min_length=1, max_length=MAX_STATEMENT_LENGTH)
    #: the live room it is added in
    room_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))


class VoteInSchema(ma.Schema):
    choice = fields.Enum(Choice, by_value=True, required=True)


class ModerationInSchema(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "reject"]))


class StatementSchema(ma.Schema):
    id = fields.Integer()
    text = fields.String()
    state = fields.Enum(StatementState, by_value=True)
    room_id = fields.Integer(allow_none=True)
    polis_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(format="iso")


class StatementItemSchema(ma.Schema):
    statement = fields.Nested(StatementSchema)
    my_vote = fields.Enum(Choice, by_value=True, allow_none=True)


class StatementPageSchema(PageSchema):
    items = fields.List(fields.Nested(StatementItemSchema))


class VoteTallySchema(ma.Schema):
    agree = fields.Integer()
    disagree = fields.Integer()
    passed = fields.Integer(data_key="pass")
    votes = fields.Integer()


class VoteOutSchema(ma.Schema):
    statement_id = fields.Integer()
    choice = fields.Enum(Choice, by_value=True, allow_none=True)
    tally = fields.Nested(VoteTallySchema)


class MemberSchema(ma.Schema):
    voter_id = fields.Integer()
    #: the Pol.is participant id of an imported voter
    polis_id = fields.Integer(allow_none=True)
    x = fields.Float()
    y = fields.Float()
    is_you = fields.Boolean()


class RepresentativeSchema(ma.Schema):
    statement = fields.Nested(StatementSchema)
    repful_for = fields.String()
    n_success = fields.Integer()
    n_trials = fields.Integer()
    p_success = fields.Float()
    repness = fields.Float()
    repness_test = fields.Float()


class GroupSchema(ma.Schema):
    id = fields.Integer()
    number = fields.Integer()
    label = fields.String()
    members = fields.List(fields.Nested(MemberSchema))
    representative = fields.List(fields.Nested(RepresentativeSchema))


class GroupTallySchema(ma.Schema):
    group_number = fields.Integer()
    group_label = fields.String()
    tally = fields.Nested(VoteTallySchema)
    agreement = fields.Float()


class BridgingSchema(ma.Schema):
    statement = fields.Nested(StatementSchema)
    #: group-informed consensus: product over groups of (agrees + 1) / (votes + 2)
    score = fields.Float()
    tally = fields.Nested(VoteTallySchema)
    by_group = fields.List(fields.Nested(GroupTallySchema))


class KStepSchema(ma.Schema):
    update = fields.Integer()
    best_k = fields.Integer()
    k = fields.Integer()
    at = fields.String()


class OpinionMapSchema(ma.Schema):
    groups = fields.List(fields.Nested(GroupSchema))
    ungrouped = fields.List(fields.Nested(MemberSchema))
    bridging = fields.List(fields.Nested(BridgingSchema))
    statements = fields.Integer()
    voters = fields.Integer()
    computed_at = fields.AwareDateTime(format="iso", allow_none=True)
    k_history = fields.List(fields.Nested(KStepSchema))
    you = fields.Nested(MemberSchema, allow_none=True)


class ImportFilesSchema(ma.Schema):
    """The multipart upload: Pol.is export files under their own names."""

    comments = fields.Raw(data_key="comments.csv", metadata={"type": "string", "format": "binary"})
    votes = fields.Raw(data_key="votes.csv", metadata={"type": "string", "format": "binary"})
    participants_votes = fields.Raw(
        data_key="participants-votes.csv", metadata={"type": "string", "format": "binary"}
    )


class ImportSummarySchema(ma.Schema):
    statements = fields.Integer()
    voters = fields.Integer()
    votes = fields.Integer()
