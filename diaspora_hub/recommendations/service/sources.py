"""Sources: what a recommendation cites from the space's calls and rooms.

A source is stored as a reference, and shown as the cited domain presents it *now*:
a contribution with its attribution honoured, a Chatham House message with its bloc
only, and a message hidden since it was cited as unavailable. Opinion-map statements are
not citable yet.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls import citations as call_citations
from diaspora_hub.core import audit
from diaspora_hub.core.errors import Conflict, NotFound, ValidationFailed
from diaspora_hub.live import citations as room_citations
from diaspora_hub.recommendations.models import (
    ROOM_SOURCES,
    Recommendation,
    RecommendationSource,
    RecommendationState,
    SourceKind,
)
from diaspora_hub.recommendations.service.kernel import get_recommendation, require_facilitator
from diaspora_hub.recommendations.types import Citation

_CALL_KINDS = {
    call_citations.CitedKind.THEME: SourceKind.THEME,
    call_citations.CitedKind.CONTRIBUTION: SourceKind.CONTRIBUTION,
}
_ROOM_KINDS = {
    room_citations.CitedKind.MESSAGE: SourceKind.MESSAGE,
    room_citations.CitedKind.POLL: SourceKind.POLL,
    room_citations.CitedKind.QUESTION: SourceKind.QUESTION,
}


def add_source(
    session: Session,
    actor: User | None,
    recommendation_id: int,
    *,
    kind: SourceKind,
    ref: int,
    note: str = "",
) -> RecommendationSource:
    """Cite a theme, contribution, message, poll or answered question of the same space."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    if recommendation.state not in (RecommendationState.DRAFT, RecommendationState.CONSULTATION):
        raise Conflict(_("Sources are cited while the recommendation is drafted or consulted on."))
    source = RecommendationSource(
        recommendation_id=recommendation.id, kind=kind, note=note, added_by_id=user.id
    )
    if kind is SourceKind.THEME:
        found = call_citations.theme_citation(session, ref)
        space_id = found.space_id if found else None
        source.theme_id = ref
    elif kind is SourceKind.CONTRIBUTION:
        found = call_citations.contribution_citation(session, ref)
        space_id = found.space_id if found else None
        source.contribution_id = ref
    else:
        room = room_citations.citation(session, ref)
        if room is not None and _ROOM_KINDS[room.kind] is not kind:
            room = None
        space_id = room.space_id if room else None
        source.room_event_id = ref
    if space_id != recommendation.space_id:
        raise ValidationFailed(
            fields={"ref": [_("No such source among what this space's calls and rooms may cite.")]}
        )
    if _already_cited(session, recommendation, source):
        raise Conflict(_("This source is cited already."))
    session.add(source)
    session.flush()
    audit.record(
        session,
        user.id,
        "recommendation.source_added",
        "recommendation",
        recommendation.id,
        kind=kind.value,
        ref=ref,
    )
    return source


def remove_source(
    session: Session, actor: User | None, recommendation_id: int, *, source_id: int
) -> Recommendation:
    recommendation = get_recommendation(session, actor, recommendation_id)
    source = session.get(RecommendationSource, source_id)
    if source is None or source.recommendation_id != recommendation.id:
        raise NotFound(_("No such source."))
    user = require_facilitator(session, actor, recommendation.space)
    if recommendation.state not in (RecommendationState.DRAFT, RecommendationState.CONSULTATION):
        raise Conflict(_("Sources are cited while the recommendation is drafted or consulted on."))
    session.delete(source)
    session.flush()
    audit.record(
        session,
        user.id,
        "recommendation.source_removed",
        "recommendation",
        recommendation.id,
        source=source_id,
    )
    return recommendation


def citations(session: Session, recommendation: Recommendation) -> list[Citation]:
    rows = session.scalars(
        select(RecommendationSource)
        .where(RecommendationSource.recommendation_id == recommendation.id)
        .order_by(RecommendationSource.id)
    )
    return [present(session, row) for row in rows]


def present(session: Session, source: RecommendationSource) -> Citation:
    if source.kind in ROOM_SOURCES:
        room = (
            room_citations.citation(session, source.room_event_id)
            if source.room_event_id is not None
            else None
        )
        if room is not None:
            return _from_room(room, source.id, note=source.note)
    else:
        call = None
        if source.kind is SourceKind.THEME and source.theme_id is not None:
            call = call_citations.theme_citation(session, source.theme_id)
        elif source.contribution_id is not None:
            call = call_citations.contribution_citation(session, source.contribution_id)
        if call is not None:
            return _from_call(call, source.id, note=source.note)
    return Citation(id=source.id, kind=source.kind, available=False, note=source.note)


def citable(session: Session, actor: User | None, recommendation_id: int) -> list[Citation]:
    """What the facilitator may cite, for the picker; ``id`` is what ``add_source`` takes."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    require_facilitator(session, actor, recommendation.space)
    calls = call_citations.citable(session, recommendation.space_id)
    rooms = room_citations.citable(session, recommendation.space_id)
    return [_from_call(call, call.id) for call in calls] + [
        _from_room(room, room.event_id) for room in rooms
    ]


def _from_call(call: call_citations.CallCitation, citation_id: int, note: str = "") -> Citation:
    organisation = call.organisation
    return Citation(
        id=citation_id,
        kind=_CALL_KINDS[call.kind],
        available=True,
        text=call.text,
        origin=call.call_title,
        url=call.url,
        person_name=call.author_name,
        organisation_name=organisation.name if organisation is not None else None,
        bloc=call.bloc,
        voters=call.contributions,
        note=note,
    )


def _from_room(room: room_citations.RoomCitation, citation_id: int, note: str = "") -> Citation:
    return Citation(
        id=citation_id,
        kind=_ROOM_KINDS[room.kind],
        available=True,
        text=room.text,
        origin=room.room_title,
        url=room.url,
        person_name=room.person_name,
        organisation_name=room.organisation_name,
        bloc=room.bloc,
        chatham_house=room.chatham_house,
        at=room.at,
        choices=tuple((c.choice, c.votes) for c in room.choices),
        voters=room.voters,
        note=note,
    )


def _already_cited(
    session: Session, recommendation: Recommendation, source: RecommendationSource
) -> bool:
    query = select(RecommendationSource.id).where(
        RecommendationSource.recommendation_id == recommendation.id,
        RecommendationSource.kind == source.kind,
    )
    if source.theme_id is not None:
        query = query.where(RecommendationSource.theme_id == source.theme_id)
    if source.contribution_id is not None:
        query = query.where(RecommendationSource.contribution_id == source.contribution_id)
    if source.room_event_id is not None:
        query = query.where(RecommendationSource.room_event_id == source.room_event_id)
    return session.scalar(query.limit(1)) is not None
