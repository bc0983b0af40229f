"""Read models the spaces service returns (a space, and a person's standing in it, as one
person sees them) and the inputs it takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from diaspora_hub.accounts.models import User
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    Phase,
    Space,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    Visibility,
    allowed_phase_moves,
)


@dataclass(frozen=True)
class Standing:
    """Where a signed-in person stands in a space: whether they may know it exists, run it,
    and take part (code of conduct accepted)."""

    visible: bool
    manager: bool
    conduct_accepted: bool


@dataclass(frozen=True)
class ConductState:
    """Where one person stands with a space's code of conduct."""

    #: the current version; None for a space that has none
    conduct: CodeOfConduct | None
    #: the person accepted the current version (and may take part)
    accepted: bool
    #: the latest version the person accepted, if any
    accepted_version: int | None


@dataclass(frozen=True)
class SpaceDetail:
    """A space as one person sees it."""

    space: Space
    facilitators: list[User]
    organisations: list[Organisation]
    is_facilitator: bool
    can_manage: bool
    conduct: ConductState

    @property
    def allowed_phases(self) -> tuple[Phase, ...]:
        return allowed_phase_moves(self.space.phase)


@dataclass(frozen=True)
class SpaceManagement:
    """What a facilitator needs to run a space."""

    space: Space
    facilitators: list[SpaceFacilitator]
    participants: list[SpaceOrganisation]
    invitations: list[SpaceInvitation]
    #: organisations that could still be added
    organisation_choices: list[Organisation]

    @property
    def allowed_phases(self) -> tuple[Phase, ...]:
        return allowed_phase_moves(self.space.phase)


class SpaceChanges(TypedDict, total=False):
    """What ``update_space`` changes: only the fields given; a list replaces the old one."""

    title: str
    description: str
    sdg: Sequence[str]
    countries: Sequence[str]
    languages: Sequence[str]
    visibility: Visibility | str
