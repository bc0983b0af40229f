"""Field types shared by every domain's schemas."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields

from diaspora_hub.core.api import TooLong
from diaspora_hub.core.pagination import MAX_PAGE
from diaspora_hub.core.text import clean_text


class Text(fields.String):
    """Trimmed text with a hard size limit; beyond it the request is refused with 413."""

    def __init__(self, *, max_length: int, min_length: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.min_length = min_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = clean_text(super()._deserialize(value, attr, data, **kwargs))
        if len(text) > self.max_length:
            raise ma.ValidationError(
                TooLong(_("At most %(count)d characters.", count=self.max_length))
            )
        if len(text) < self.min_length:
            if self.min_length == 1:
                raise ma.ValidationError(_("Must not be empty."))
            raise ma.ValidationError(_("At least %(count)d characters.", count=self.min_length))
        return text


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class PageSchema(ma.Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
