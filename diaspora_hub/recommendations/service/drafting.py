"""Writing recommendations: drafts, versions and the consultation lifecycle.

Every change of wording is a new version. A draft or a recommendation under consultation
is edited in place (each save a version); an adopted one changes only through
:func:`revise_recommendation`, which saves the new version and opens a new round.
Adopting or withdrawing freezes the round's tally.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.organisations.models import Organisation, OrganisationKind
from diaspora_hub.recommendations import consensus, diffs
from diaspora_hub.recommendations.models import (
    FrozenTally,
    Recommendation,
    RecommendationState,
    RecommendationTarget,
    RecommendationVersion,
)
from diaspora_hub.recommendations.service import notices
from diaspora_hub.recommendations.service import screen as screens
from diaspora_hub.recommendations.service.kernel import get_recommendation, require_facilitator
from diaspora_hub.recommendations.service.tallies import current_consensus
from diaspora_hub.recommendations.types import FieldDiff, VersionDiff
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space


def list_recommendations(
    session: Session,
    actor: User | None,
    slug: str,
    *,
    state: RecommendationState | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[Space, Page[Recommendation]]:
    """A space's recommendations; drafts for its facilitators only."""
    space = spaces.get_visible(session, actor, slug)
    query = select(Recommendation).where(Recommendation.space_id == space.id)
    if not spaces.can_manage(session, actor, space):
        query = query.where(Recommendation.state != RecommendationState.DRAFT)
    if state is not None:
        query = query.where(Recommendation.state == state)
    query = query.order_by(Recommendation.updated_at.desc(), Recommendation.id.desc())
    return space, paginate(session, query, page, per_page)


def create_recommendation(
    session: Session,
    actor: User | None,
    slug: str,
    *,
    title: str,
    text: str,
    rationale: str = "",
    target_ios: Sequence[str] = (),
) -> Recommendation:
    space = spaces.get_visible(session, actor, slug)
    user = require_facilitator(session, actor, space)
    _require_text(title, text)
    recommendation = Recommendation(
        space=space, title=title, text=text, rationale=rationale, created_by_id=user.id
    )
    recommendation.targets = [
        RecommendationTarget(organisation=org) for org in _target_ios(session, target_ios)
    ]
    recommendation.versions = [
        RecommendationVersion(
            version=1, title=title, text=text, rationale=rationale, author_id=user.id, round=0
        )
    ]
    session.add(recommendation)
    session.flush()
    audit.record(session, user.id, "recommendation.created", "recommendation", recommendation.id)
    return recommendation


def update_recommendation(
    session: Session,
    actor: User | None,
    recommendation_id: int,
    *,
    title: str | None = None,
    text: str | None = None,
    rationale: str | None = None,
    target_ios: Sequence[str] | None = None,
    note: str = "",
) -> Recommendation:
    """Save a new version of a draft or of a recommendation under consultation."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    recommendation.require_editable()
    if recommendation.state is RecommendationState.ADOPTED:
        raise Conflict(
            _("An adopted recommendation changes only through a new version and consultation.")
        )
    if target_ios is not None:
        _set_targets(session, recommendation, _target_ios(session, target_ios))
    wording = _wording(recommendation, title, text, rationale)
    if wording != (recommendation.title, recommendation.text, recommendation.rationale):
        save_version(session, recommendation, wording, author=user, note=note)
    elif target_ios is None:
        raise ValidationFailed(_("Nothing changed."))
    session.flush()
    audit.record(
        session,
        user.id,
        "recommendation.updated",
        "recommendation",
        recommendation.id,
        version=recommendation.version,
    )
    screens.refresh_screens(session, recommendation)
    return recommendation


def revise_recommendation(
    session: Session,
    actor: User | None,
    recommendation_id: int,
    *,
    closes_at: datetime,
    title: str | None = None,
    text: str | None = None,
    rationale: str | None = None,
    note: str = "",
) -> Recommendation:
    """A new version of an adopted recommendation, opening a new consultation round."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    if recommendation.state is not RecommendationState.ADOPTED:
        raise Conflict(_("Only an adopted recommendation is revised; edit the others."))
    wording = _wording(recommendation, title, text, rationale)
    if wording == (recommendation.title, recommendation.text, recommendation.rationale):
        raise ValidationFailed(_("Nothing changed."))
    now = utcnow()
    _check_closes_at(closes_at, now)
    save_version(session, recommendation, wording, author=user, note=note)
    recommendation.open_consultation(now, closes_at)
    session.flush()
    notices.announce_opened(session, recommendation)
    audit.record(
        session,
        user.id,
        "recommendation.revised",
        "recommendation",
        recommendation.id,
        version=recommendation.version,
        round=recommendation.round,
    )
    screens.refresh_screens(session, recommendation)
    return recommendation


def save_version(
    session: Session,
    recommendation: Recommendation,
    wording: tuple[str, str, str],
    *,
    author: User | None,
    note: str = "",
    amendment_id: int | None = None,
) -> RecommendationVersion:
    title, text, rationale = wording
    _require_text(title, text)
    recommendation.version += 1
    recommendation.title, recommendation.text, recommendation.rationale = wording
    version = RecommendationVersion(
        version=recommendation.version,
        title=title,
        text=text,
        rationale=rationale,
        round=recommendation.round,
        author_id=author.id if author is not None else None,
        amendment_id=amendment_id,
        note=note,
    )
    recommendation.versions.append(version)
    session.flush()
    return version


def open_consultation(
    session: Session, actor: User | None, recommendation_id: int, *, closes_at: datetime
) -> Recommendation:
    """Open a draft for endorsement until ``closes_at``; its delegates are told."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    if recommendation.state is not RecommendationState.DRAFT:
        raise Conflict(_("Only a draft opens for consultation."))
    now = utcnow()
    _check_closes_at(closes_at, now)
    recommendation.open_consultation(now, closes_at)
    session.flush()
    notices.announce_opened(session, recommendation)
    audit.record(
        session,
        user.id,
        "recommendation.opened",
        "recommendation",
        recommendation.id,
        round=recommendation.round,
        closes_at=closes_at.isoformat(),
    )
    return recommendation


def adopt_recommendation(
    session: Session, actor: User | None, recommendation_id: int, *, note: str = ""
) -> Recommendation:
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    now = utcnow()
    recommendation.adopt(now, user, note)
    _freeze(session, recommendation, now)
    audit.record(session, user.id, "recommendation.adopted", "recommendation", recommendation.id)
    screens.refresh_screens(session, recommendation)
    return recommendation


def withdraw_recommendation(
    session: Session, actor: User | None, recommendation_id: int, *, reason: str
) -> Recommendation:
    recommendation = get_recommendation(session, actor, recommendation_id)
    user = require_facilitator(session, actor, recommendation.space)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Say why it is withdrawn.")]})
    now = utcnow()
    was_consulted = recommendation.state is RecommendationState.CONSULTATION
    recommendation.withdraw(now, user, reason)
    if was_consulted:
        _freeze(session, recommendation, now)
    session.flush()
    audit.record(
        session,
        user.id,
        "recommendation.withdrawn",
        "recommendation",
        recommendation.id,
        reason=reason,
    )
    screens.refresh_screens(session, recommendation)
    return recommendation


def _freeze(session: Session, recommendation: Recommendation, now: datetime) -> FrozenTally:
    """Store the round's tally as it stands; it is read back as stored from now on."""
    frozen = FrozenTally(
        recommendation_id=recommendation.id,
        round=recommendation.round,
        decision=recommendation.state,
        version=recommendation.version,
        tally=consensus.freeze(current_consensus(session, recommendation)),
        frozen_at=now,
    )
    session.add(frozen)
    session.flush()
    return frozen


# Versions -------------------------------------------------------------------------------


def list_versions(
    session: Session, actor: User | None, recommendation_id: int
) -> list[RecommendationVersion]:
    recommendation = get_recommendation(session, actor, recommendation_id)
    return list(recommendation.versions)


def compare_versions(
    session: Session, actor: User | None, recommendation_id: int, *, old: int, new: int
) -> VersionDiff:
    """What changed between two versions of a recommendation, word by word."""
    recommendation = get_recommendation(session, actor, recommendation_id)
    by_number = {v.version: v for v in recommendation.versions}
    if old not in by_number or new not in by_number:
        raise ValidationFailed(fields={"versions": [_("No such version.")]})
    return version_diff(by_number[old], by_number[new])


def version_diff(old: RecommendationVersion, new: RecommendationVersion) -> VersionDiff:
    return VersionDiff(
        old=old,
        new=new,
        fields=(
            FieldDiff("title", diffs.diff(old.title, new.title)),
            FieldDiff("text", diffs.diff(old.text, new.text)),
            FieldDiff("rationale", diffs.diff(old.rationale, new.rationale)),
        ),
    )


# Helpers ---------------------------------------------------------------------------------


def _wording(
    recommendation: Recommendation, title: str | None, text: str | None, rationale: str | None
) -> tuple[str, str, str]:
    return (
        recommendation.title if title is None else title,
        recommendation.text if text is None else text,
        recommendation.rationale if rationale is None else rationale,
    )


def _require_text(title: str, text: str) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = [_("Give the recommendation a title.")]
    if not text.strip():
        errors["text"] = [_("Write the recommendation's text.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _check_closes_at(closes_at: datetime, now: datetime) -> None:
    if closes_at <= now:
        raise ValidationFailed(fields={"closes_at": [_("Must be in the future.")]})


def _set_targets(
    session: Session, recommendation: Recommendation, wanted: list[Organisation]
) -> None:
    """Keep the rows of targets that stay, so the one-row-per-target rule holds at every flush."""
    keep = {org.id for org in wanted}
    for target in list(recommendation.targets):
        if target.organisation_id not in keep:
            recommendation.targets.remove(target)
    session.flush()
    present = {target.organisation_id for target in recommendation.targets}
    for org in wanted:
        if org.id not in present:
            recommendation.targets.append(RecommendationTarget(organisation=org))


def _target_ios(session: Session, slugs: Sequence[str]) -> list[Organisation]:
    wanted = sorted(set(slugs))
    if not wanted:
        return []
    found = list(
        session.scalars(
            select(Organisation).where(Organisation.slug.in_(wanted)).order_by(Organisation.name)
        )
    )
    if len(found) != len(wanted) or any(org.kind is not OrganisationKind.IO for org in found):
        raise ValidationFailed(
            fields={"target_ios": [_("Choose international organisations only.")]}
        )
    return found
