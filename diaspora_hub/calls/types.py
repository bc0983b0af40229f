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


@dataclass
class Tracker:
    """Who answered so far, by stakeholder group, and who of the invited has not."""

    received: int = 0
    invited: int = 0
    by_bloc: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    not_answered: list[Organisation] = field(default_factory=list)


@dataclass
class CallOverview:
    """Everything the call page shows, decided for one reader."""

    call: Call
    state: CallState
    can: CallPermissions
    tracker: Tracker | None
    contributions: Page[dict[str, Any]]
    themes: list[Theme]


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
