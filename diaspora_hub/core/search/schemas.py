"""The search's query arguments and results, for the API and the results page."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from diaspora_hub.core.schemas import PageArgs, PageSchema, Text


class SearchArgs(PageArgs):
    q = Text(max_length=200, load_default="")
    kind = fields.String(load_default=None)


class HitSchema(ma.Schema):
    kind = fields.String()
    kind_label = fields.String()
    id = fields.Integer()
    title = fields.String()
    url = fields.String()
    excerpt = fields.String()
    space = fields.String(allow_none=True)


class SearchPageSchema(PageSchema):
    items = fields.List(fields.Nested(HitSchema))
