"""Telling delegates: a recommendation opened for endorsement, or closes tomorrow.

The opening notice goes out with the facilitator's action. The reminder is scheduled
work (``jobs.closing_reminders``): a once-only flag per round, set atomically, so two
workers or a slot run twice never remind twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.notifications.languages import notify_in_their_languages
from diaspora_hub.organisations.models import Membership, MembershipStatus
from diaspora_hub.recommendations.models import Endorsement, Recommendation, RecommendationState
from diaspora_hub.recommendations.service.kernel import ENDORSING_ROLES, participating_organisations
from diaspora_hub.spaces import service as spaces

KIND_OPENED = "recommendations.opened"
KIND_CLOSING = "recommendations.closing"

#: notification kinds and their labels, registered by ``init_app``
KINDS: tuple[tuple[str, Any], ...] = (
    (KIND_OPENED, _l("A recommendation of your space opened for endorsement")),
    (KIND_CLOSING, _l("An endorsement you may give closes in a day")),
)

#: the reminder goes out this long before a consultation closes
REMINDER_BEFORE = timedelta(days=1)


def delegates(session: Session, recommendation: Recommendation) -> list[User]:
    """Active delegates, liaisons and admins of the verified organisations taking part."""
    orgs = [
        o.id for o in participating_organisations(session, recommendation.space) if o.is_verified
    ]
    if not orgs:
        return []
    people = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id.in_(orgs),
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(ENDORSING_ROLES),
            User.is_active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return [p for p in people if spaces.can_see(session, p, recommendation.space)]


def announce_opened(session: Session, recommendation: Recommendation) -> None:
    _notify(
        session,
        delegates(session, recommendation),
        KIND_OPENED,
        _l("Open for endorsement: %(title)s", title=recommendation.title),
        _l("Your organisation may endorse it until the consultation closes."),
        recommendation,
    )


def send_closing_reminders(session: Session, now: datetime) -> int:
    """A day before a round closes, remind delegates whose organisation has not endorsed."""
    due = session.scalars(
        select(Recommendation)
        .where(
            Recommendation.state == RecommendationState.CONSULTATION,
            Recommendation.reminder_sent_at.is_(None),
            Recommendation.closes_at > now,
            Recommendation.closes_at <= now + REMINDER_BEFORE,
        )
        .order_by(Recommendation.id)
    )
    sent = 0
    for recommendation in list(due):
        if not _claim(session, recommendation, now):
            continue
        _notify(
            session,
            _not_yet_endorsed(session, recommendation),
            KIND_CLOSING,
            _l("Endorsement closes in a day: %(title)s", title=recommendation.title),
            _l("Your organisation has not given its position yet."),
            recommendation,
        )
        sent += 1
    return sent


def _not_yet_endorsed(session: Session, recommendation: Recommendation) -> list[User]:
    endorsed = set(
        session.scalars(
            select(Endorsement.organisation_id).where(
                Endorsement.recommendation_id == recommendation.id,
                Endorsement.round == recommendation.round,
            )
        )
    )
    people = []
    for person in delegates(session, recommendation):
        roles = session.scalars(
            select(Membership.organisation_id).where(
                Membership.user_id == person.id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role.in_(ENDORSING_ROLES),
            )
        )
        if set(roles) - endorsed:
            people.append(person)
    return people


def _claim(session: Session, recommendation: Recommendation, now: datetime) -> bool:
    result = session.execute(
        update(Recommendation)
        .where(Recommendation.id == recommendation.id, Recommendation.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(recommendation)
    return bool(getattr(result, "rowcount", 0))


def _notify(
    session: Session,
    people: Sequence[User],
    kind: str,
    title: Any,
    body: Any,
    recommendation: Recommendation,
) -> None:
    notify_in_their_languages(
        session, people, kind, title=title, body=body, url=f"/recommendations/{recommendation.id}"
    )
