"""Read models the organisations service returns (what one person sees of an organisation)
and the inputs it takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from diaspora_hub.core.pagination import Page
from diaspora_hub.organisations.models import Membership, Organisation, OrganisationKind


@dataclass(frozen=True)
class MemberOverview:
    """Everything an organisation's admins need to manage its members on one page."""

    organisation: Organisation
    active: Page[Membership]
    invited: list[Membership]
    requested: list[Membership]


@dataclass(frozen=True)
class Profile:
    """An organisation as one person sees it, with what they may do there."""

    organisation: Organisation
    member_count: int
    #: active members with roles, or None when the viewer may only see the count
    members: list[Membership] | None
    #: the viewer's own membership in any state
    my_membership: Membership | None
    can_manage: bool
    can_verify: bool


class OrganisationChanges(TypedDict, total=False):
    """What ``update_organisation`` changes: only the fields given; None clears a field."""

    name: str
    acronym: str | None
    kind: OrganisationKind | str
    country_of_origin: str | None
    country_of_residence: str | None
    description: str
    website: str | None
    countries: Sequence[str]
