"""Themes and contributions as citations, for domains that quote what calls received.

Only what everyone who sees the call may read is citable: themes of synthesised calls,
and contributions to closed calls that are not hidden. A cited contribution honours its
attribution for every reader, as exports do (``service.present_contribution`` with no
organisation of the reader's own).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.calls import service
from diaspora_hub.calls.models import Call, CallState, Contribution, Theme
from diaspora_hub.core.text import plain_text
from diaspora_hub.organisations.models import Organisation

#: length of a contribution's excerpt in a citation
EXCERPT = 400


class CitedKind(enum.StrEnum):
    THEME = "theme"
    CONTRIBUTION = "contribution"


@dataclass(frozen=True)
class CallCitation:
    kind: CitedKind
    id: int
    call_id: int
    call_title: str
    space_id: int
    #: the theme's title, or an excerpt of the contribution
    text: str
    #: contributions only: the organisation and person, where the attribution shows them
    organisation: Organisation | None = None
    author_name: str | None = None
    bloc: str | None = None
    #: themes only: how many contributions it groups
    contributions: int = 0

    @property
    def url(self) -> str:
        anchor = f"contribution-{self.id}" if self.kind is CitedKind.CONTRIBUTION else "themes"
        return f"/calls/{self.call_id}#{anchor}"


def theme_citation(session: Session, theme_id: int) -> CallCitation | None:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.call.state is not CallState.SYNTHESISED:
        return None
    return _theme(theme)


def contribution_citation(session: Session, contribution_id: int) -> CallCitation | None:
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or contribution.is_hidden:
        return None
    if contribution.call.state not in (CallState.CLOSED, CallState.SYNTHESISED):
        return None
    return _contribution(contribution)


def citable(session: Session, space_id: int) -> list[CallCitation]:
    """Every citable theme and contribution of the space's calls, newest calls first."""
    calls = list(
        session.scalars(
            select(Call)
            .where(Call.space_id == space_id, Call.published_at.is_not(None))
            .order_by(Call.closes_at.desc(), Call.id.desc())
        )
    )
    found: list[CallCitation] = []
    for call in calls:
        state = call.state
        if state is CallState.SYNTHESISED:
            themes = session.scalars(select(Theme).where(Theme.call_id == call.id))
            found.extend(_theme(theme) for theme in themes)
        if state in (CallState.CLOSED, CallState.SYNTHESISED):
            contributions = session.scalars(
                select(Contribution)
                .where(Contribution.call_id == call.id, Contribution.hidden_at.is_(None))
                .order_by(Contribution.id)
            )
            found.extend(_contribution(c) for c in contributions)
    return found


def _theme(theme: Theme) -> CallCitation:
    return CallCitation(
        kind=CitedKind.THEME,
        id=theme.id,
        call_id=theme.call_id,
        call_title=theme.call.title,
        space_id=theme.call.space_id,
        text=theme.title,
        contributions=len(theme.links),
    )


def _contribution(contribution: Contribution) -> CallCitation:
    shown = service.present_contribution(contribution, set())
    author = shown["author"]
    return CallCitation(
        kind=CitedKind.CONTRIBUTION,
        id=contribution.id,
        call_id=contribution.call_id,
        call_title=contribution.call.title,
        space_id=contribution.call.space_id,
        text=plain_text(contribution.full_text, EXCERPT),
        organisation=shown["organisation"],
        author_name=author.display_name if author is not None else None,
        bloc=shown["bloc"],
    )
