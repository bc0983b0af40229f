"""What the notifications API and forms accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from diaspora_hub.core.schemas import PageArgs, PageSchema
from diaspora_hub.notifications.models import Delivery


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    url = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Boolean(attribute="is_read")


class NotificationPageSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema))
    #: every unread notification of the person, whatever the filter and page
    unread = fields.Integer()


class NotificationsReadAllSchema(ma.Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class NotificationKindSchema(ma.Schema):
    name = fields.String()
    label = fields.String()
    default = fields.Enum(Delivery, by_value=True)


class NotificationPreferencesSchema(ma.Schema):
    """The person's delivery per kind; a PUT names only the kinds it changes."""

    preferences = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=fields.String(validate=validate.Length(max=30)),
        required=True,
    )


class NotificationPreferencesOutSchema(ma.Schema):
    preferences = fields.Dict(keys=fields.String(), values=fields.String())
    kinds = fields.List(fields.Nested(NotificationKindSchema))
