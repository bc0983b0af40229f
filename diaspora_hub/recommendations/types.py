"""Read models the recommendations service returns to pages, the API and exports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from diaspora_hub.organisations.models import Organisation
from diaspora_hub.recommendations.consensus import Consensus
from diaspora_hub.recommendations.models import (
    Amendment,
    Endorsement,
    EndorsementChange,
    Recommendation,
    RecommendationComment,
    RecommendationState,
    RecommendationVersion,
    SourceKind,
)


@dataclass(frozen=True)
class Permissions:
    """What one person may do with one recommendation, so pages show the right controls."""

    edit: bool = False
    open: bool = False
    adopt: bool = False
    withdraw: bool = False
    cite: bool = False
    decide_amendments: bool = False
    propose_amendment: bool = False
    comment: bool = False
    #: put it on a live room's screen
    show_in_room: bool = False
    #: the organisations this person may endorse for, now
    endorse_as: tuple[Organisation, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A source as every reader may see it; ``available`` is false once it can no longer be
    quoted (hidden since, or removed), and then only its kind is shown."""

    id: int
    kind: SourceKind
    available: bool
    #: what is quoted: a theme title, an excerpt, a message, a poll or Q&A question
    text: str = ""
    #: where it comes from: the call's or the room's title
    origin: str = ""
    url: str = ""
    #: who said it, as attribution and the Chatham House rule allow
    person_name: str | None = None
    organisation_name: str | None = None
    bloc: str | None = None
    chatham_house: bool = False
    at: datetime | None = None
    #: poll results: (choice, votes), and how many voted
    choices: tuple[tuple[str, int], ...] = ()
    voters: int = 0
    #: why the facilitator cites it
    note: str = ""


@dataclass(frozen=True)
class TallyView:
    """The consensus of a round as this person may see it."""

    round: int
    #: None while the space hides tallies until the consultation closes
    consensus: Consensus | None
    hidden: bool = False
    #: the stored tally of an adopted or withdrawn round
    frozen: bool = False
    frozen_at: datetime | None = None


@dataclass(frozen=True)
class EndorsementView:
    endorsement: Endorsement
    history: tuple[EndorsementChange, ...] = ()


class DiffOp(enum.StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class DiffSegment:
    op: DiffOp
    text: str


@dataclass(frozen=True)
class FieldDiff:
    name: str
    segments: tuple[DiffSegment, ...]

    @property
    def changed(self) -> bool:
        return any(segment.op is not DiffOp.EQUAL for segment in self.segments)


@dataclass(frozen=True)
class VersionDiff:
    """What changed from one version to another, word by word."""

    old: RecommendationVersion
    new: RecommendationVersion
    fields: tuple[FieldDiff, ...]


@dataclass(frozen=True)
class Overview:
    """Everything a recommendation's page shows, decided for one reader."""

    recommendation: Recommendation
    state: RecommendationState
    consultation_open: bool
    can: Permissions
    tally: TallyView | None
    endorsements: tuple[EndorsementView, ...]
    sources: tuple[Citation, ...]
    versions: tuple[RecommendationVersion, ...]
    amendments: tuple[Amendment, ...]
    comments: tuple[RecommendationComment, ...]
    #: the latest change, for the page's "what changed" section
    latest_diff: VersionDiff | None = None
    #: the current position of each organisation this person may endorse for
    own: dict[int, Endorsement] = field(default_factory=dict)
    #: (id, title) of the space's live rooms it may be shown in, for facilitators
    rooms: tuple[tuple[int, str], ...] = ()
