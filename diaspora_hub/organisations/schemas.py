"""What the organisations API and forms accept and return."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from diaspora_hub.accounts.schemas import PersonSchema
from diaspora_hub.core.geo import countries
from diaspora_hub.core.schemas import PageArgs, PageSchema, Text
from diaspora_hub.organisations.models import (
    SLUG_MAX_LENGTH,
    MembershipStatus,
    OrganisationKind,
    Role,
)
from diaspora_hub.organisations.types import Profile

KINDS = tuple(k.value for k in OrganisationKind)
ROLES = tuple(r.value for r in Role)
STATUSES = tuple(s.value for s in MembershipStatus)
NAME_MAX_LENGTH = 200
ACRONYM_MAX_LENGTH = 30
DESCRIPTION_MAX_LENGTH = 20_000
WEBSITE_MAX_LENGTH = 300
MAX_COUNTRIES = 60
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# An empty form field means "none" for these, not an invalid value.
_BLANK_IS_NONE = ("slug", "acronym", "website", "country_of_origin", "country_of_residence")


class Country(fields.String):
    """An ISO 3166 alpha-2 code, accepted in either case and stored upper-case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if code not in countries():
            raise ma.ValidationError(str(_l("Not a known ISO 3166 country code.")))
        return code


def _one_of(choices: tuple[str, ...], message: Any) -> Any:
    def check(value: str) -> None:
        if value not in choices:
            raise ma.ValidationError(str(message))

    return check


def _web_address(value: str) -> None:
    try:
        validate.URL(schemes={"http", "https"}, require_tld=True)(value)
    except ma.ValidationError:
        raise ma.ValidationError(
            str(_l("Enter a web address starting with http:// or https://."))
        ) from None


def _email(value: str) -> None:
    try:
        validate.Email()(value)
    except ma.ValidationError:
        raise ma.ValidationError(str(_l("Enter an email address like name@example.org."))) from None


def _slug(value: str) -> None:
    if not _SLUG.fullmatch(value):
        raise ma.ValidationError(
            str(_l("Use lower-case letters, digits and single hyphens between them."))
        )


class _OrganisationFields(ma.Schema):
    name = Text(min_length=1, max_length=NAME_MAX_LENGTH)
    acronym = Text(max_length=ACRONYM_MAX_LENGTH, allow_none=True)
    kind = fields.String(validate=_one_of(KINDS, _l("Choose a kind of organisation.")))
    description = Text(max_length=DESCRIPTION_MAX_LENGTH)
    website = Text(max_length=WEBSITE_MAX_LENGTH, allow_none=True, validate=_web_address)
    country_of_origin = Country(allow_none=True)
    country_of_residence = Country(allow_none=True)
    countries = fields.List(Country(), validate=validate.Length(max=MAX_COUNTRIES))

    @ma.pre_load
    def _blank_is_none(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        loaded = {key: data[key] for key in data}
        for key in _BLANK_IS_NONE:
            value = loaded.get(key)
            if isinstance(value, str) and not value.strip():
                loaded[key] = None
        return loaded


class OrganisationCreateSchema(_OrganisationFields):
    name = Text(required=True, min_length=1, max_length=NAME_MAX_LENGTH)
    kind = fields.String(
        required=True, validate=_one_of(KINDS, _l("Choose a kind of organisation."))
    )
    #: optional; derived from the name when left out
    slug = Text(max_length=SLUG_MAX_LENGTH, allow_none=True, validate=_slug)


class OrganisationUpdateSchema(_OrganisationFields):
    """Every field optional: only what is sent changes. The slug never changes: links stay."""


class OrganisationListArgs(PageArgs):
    kind = fields.String(validate=_one_of(KINDS, _l("Choose a kind of organisation.")))
    country = Country()
    verified = fields.Boolean()
    q = Text(max_length=100)


class MemberListArgs(PageArgs):
    status = fields.String(
        load_default=MembershipStatus.ACTIVE.value,
        validate=_one_of(STATUSES, _l("Choose active, invited or requested.")),
    )


class MyMembershipArgs(PageArgs):
    status = fields.String(validate=_one_of(STATUSES, _l("Choose active, invited or requested.")))


class MemberInvitationSchema(ma.Schema):
    email = fields.String(required=True, validate=[validate.Length(max=254), _email])
    role = fields.String(
        load_default=Role.MEMBER.value, validate=_one_of(ROLES, _l("Choose a role."))
    )


class MemberRoleSchema(ma.Schema):
    role = fields.String(required=True, validate=_one_of(ROLES, _l("Choose a role.")))


class OrganisationSchema(ma.Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    acronym = fields.String(allow_none=True)
    kind = fields.String()
    #: the stakeholder group it counts in, derived from its kind
    bloc = fields.String()
    description = fields.String()
    website = fields.String(allow_none=True)
    country_of_origin = fields.String(allow_none=True)
    country_of_residence = fields.String(allow_none=True)
    countries = fields.List(fields.String())
    verified = fields.Boolean(attribute="is_verified")
    verified_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class OrganisationSummarySchema(ma.Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    acronym = fields.String(allow_none=True)
    kind = fields.String()
    bloc = fields.String()
    verified = fields.Boolean(attribute="is_verified")


class MembershipStateSchema(ma.Schema):
    role = fields.String()
    status = fields.String()


class OrganisationDetailSchema(OrganisationSchema):
    member_count = fields.Integer()
    #: the acting person's own membership in any state, or null
    my_membership = fields.Nested(MembershipStateSchema, allow_none=True)
    can_manage = fields.Boolean()

    @ma.pre_dump
    def _flatten(self, profile: Profile, **kwargs: Any) -> dict[str, Any]:
        organisation = profile.organisation
        flat = {
            field.attribute or name: getattr(organisation, field.attribute or name)
            for name, field in OrganisationSchema().fields.items()
        }
        flat.update(
            member_count=profile.member_count,
            my_membership=profile.my_membership,
            can_manage=profile.can_manage,
        )
        return flat


class OrganisationMemberSchema(ma.Schema):
    user_id = fields.Integer()
    user = fields.Nested(PersonSchema)
    role = fields.String()
    status = fields.String()
    #: when the person joined, was invited or asked to join
    created_at = fields.DateTime()


class MyMembershipSchema(ma.Schema):
    organisation = fields.Nested(OrganisationSummarySchema)
    role = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class OrganisationDirectoryPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationSchema))


class OrganisationMemberPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationMemberSchema))


class MyMembershipPageSchema(PageSchema):
    items = fields.List(fields.Nested(MyMembershipSchema))
