"""Read models the calls service returns (a call as one reader sees it, the tracker,
synthesis) and the inputs it takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from diaspora_hub.calls import synthesis
from diaspora_hub.calls.models import Attribution, Call, CallState, Theme
from diaspora_hub.core.pagination import Page
from diaspora_hub.organisations.models import Organisation


@dataclass(frozen=True)
class CallPermissions:
    """What the person may do with one call, for pages to show the right buttons."""

    edit: bool = False
    publish: bool = False
    manage: bool = False
    tracker: bool = False
    export: bool = False
    report: bool = False
    answer_as: tuple[Organisation, ...] = ()
    #: the person's organisations in the audience that cannot answer until verified
    unverified: tuple[Organisation, ...] = ()


#: what ``Disclosure.withheld`` names, as the API documents it
WITHHELD_NOT_ANSWERED = "not_answered"
WITHHELD_ANONYMOUS_DETAILS = "anonymous_kind_and_country"
WITHHELD_ANONYMOUS_BLOC = "anonymous_bloc"
WITHHELD_ATTRIBUTION = "attribution"


@dataclass(frozen=True)
class Disclosure:
    """What of who answered a call its readers may be shown, so that an anonymous
    contribution stays hidden among enough organisations (``service.anonymity``)."""

    #: the tracker's list of invited organisations that have not answered
    not_answered: bool = True
    #: the kind and country of anonymous contributions in the tracker's counts
    anonymous_details: bool = True
    #: the stakeholder group of anonymous contributions, wherever it is shown
    anonymous_bloc: bool = True
    #: the organisation and person of contributions that are not anonymous
    attribution: bool = True

    @property
    def withheld(self) -> list[str]:
        shown = (
            (self.not_answered, WITHHELD_NOT_ANSWERED),
            (self.anonymous_details, WITHHELD_ANONYMOUS_DETAILS),
            (self.anonymous_bloc, WITHHELD_ANONYMOUS_BLOC),
            (self.attribution, WITHHELD_ATTRIBUTION),
        )
        return [name for allowed, name in shown if not allowed]

    def attribution_of(self, attribution: Attribution) -> Attribution:
        """The attribution readers outside the organisation are shown."""
        return attribution if self.attribution else Attribution.ANONYMOUS


@dataclass
class Tracker:
    """Who answered so far, by stakeholder group, and who of the invited has not.

    Contributions whose kind, country or bloc is withheld are counted under the key
    ``anonymous``; ``not_answered`` is None when withheld."""

    received: int = 0
    invited: int = 0
    by_bloc: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    not_answered: list[Organisation] | None = field(default_factory=list)
    #: the fewest organisations an anonymous contribution is hidden among
    anonymity_floor: int = 3
    #: what is left out so that anonymous contributions stay anonymous
    withheld: list[str] = field(default_factory=list)


@dataclass
class CallOverview:
    """Everything the call page shows, decided for one reader."""

    call: Call
    state: CallState
    can: CallPermissions
    tracker: Tracker | None
    contributions: Page[dict[str, Any]]
    themes: list[Theme]
    disclosure: Disclosure = field(default_factory=Disclosure)


@dataclass
class SynthesisOverview:
    call: Call
    state: CallState
    proposals: list[synthesis.Proposal]
    themes: list[Theme]
    excerpts: dict[int, str]


# Inputs the service takes, as validated by the schemas ------------------------------------


class CallFields(TypedDict, total=False):
    """A call's fields: ``create_call`` needs title, questions, opens_at, closes_at and
    audience_kinds; ``update_call`` changes only the fields given."""

    #: slug of the organisation the call is posted for (creating only)
    organisation: str | None
    title: str
    context: str | None
    questions: list[str]
    opens_at: datetime
    closes_at: datetime
    #: organisation kinds, by value
    audience_kinds: list[str]
    sdg_targets: list[str] | None
    corridor_origin: str | None
    corridor_residence: str | None


class AnswerFields(TypedDict):
    question_id: int
    text: str


class ContributionFields(TypedDict, total=False):
    """A contribution as saved: attribution and answers, for an organisation the person may
    answer for, at the version they read (to refuse a save over someone else's)."""

    organisation: str | None
    attribution: Attribution | str
    answers: list[AnswerFields]
    version: int | None


@dataclass(frozen=True)
class WaitingCall:
    """An open call and the person's organisations that may answer it and have not."""

    call: Call
    organisations: tuple[Organisation, ...]


@dataclass(frozen=True)
class RunCall:
    """A call the person runs: posted and open, or closed and waiting for its themes."""

    call: Call
    state: CallState
    contributions: int
