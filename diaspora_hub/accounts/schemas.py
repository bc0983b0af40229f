"""What the accounts API and forms accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from diaspora_hub.accounts.models import LANGUAGES
from diaspora_hub.core.schemas import PageArgs, PageSchema, Text
from diaspora_hub.core.timezones import is_time_zone


def _time_zone(value: str) -> None:
    if not is_time_zone(value):
        raise ma.ValidationError(str(_l("Unknown time zone.")))


class RegisterSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=256))
    display_name = Text(required=True, min_length=1, max_length=80)
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    time_zone = fields.String(validate=_time_zone)


class RegisterFormSchema(RegisterSchema):
    password_confirm = fields.String(required=True, validate=validate.Length(max=256))

    @ma.validates_schema
    def _passwords_match(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("password") != data.get("password_confirm"):
            raise ma.ValidationError(str(_l("The two passwords differ.")), "password_confirm")


class LoginSchema(ma.Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=256))


class LoginFormSchema(LoginSchema):
    #: the page's "keep me logged in on this device" box
    remember = fields.Boolean(load_default=False)


class ProfileSchema(ma.Schema):
    display_name = Text(min_length=1, max_length=80)
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    time_zone = fields.String(validate=_time_zone)


class LanguageSchema(ma.Schema):
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    #: the page to go back to (only a path on this site is followed)
    next = fields.String()


class PasswordChangeSchema(ma.Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=256))
    new_password = fields.String(required=True, validate=validate.Length(max=256))


class PasswordChangeFormSchema(PasswordChangeSchema):
    new_password_confirm = fields.String(required=True, validate=validate.Length(max=256))

    @ma.validates_schema
    def _passwords_match(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("new_password") != data.get("new_password_confirm"):
            raise ma.ValidationError(str(_l("The two passwords differ.")), "new_password_confirm")


class TokenCreateSchema(ma.Schema):
    name = Text(required=True, min_length=1, max_length=80)


class UserSchema(ma.Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    language = fields.String()
    time_zone = fields.String()
    is_admin = fields.Boolean()
    can_facilitate = fields.Boolean()


class PersonSchema(ma.Schema):
    """What anyone may see of another person."""

    id = fields.Integer()
    display_name = fields.String()


class TokenSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String()


class PersonAdminSchema(ma.Schema):
    """What platform admins see of an account."""

    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    is_admin = fields.Boolean()
    can_facilitate = fields.Boolean()
    is_active = fields.Boolean()
    created_at = fields.DateTime()


class PersonUpdateSchema(ma.Schema):
    can_facilitate = fields.Boolean()
    is_active = fields.Boolean()


class PeopleQuerySchema(PageArgs):
    q = Text(load_default="", max_length=100)


class PeoplePageSchema(PageSchema):
    items = fields.List(fields.Nested(PersonAdminSchema))
