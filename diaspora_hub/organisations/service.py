"""Rules for organisations and memberships: who belongs, who may act for whom."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Forbidden
from diaspora_hub.organisations.models import Membership, MembershipStatus, Organisation, Role


def active_membership(
    session: Session, user: User, organisation: Organisation
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


def active_memberships(session: Session, user: User) -> list[Membership]:
    """The organisations this person really belongs to (invitations and requests excluded)."""
    query = (
        select(Membership)
        .join(Membership.organisation)
        .where(Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Organisation.name)
    )
    return list(session.scalars(query))


def require_acting_role(
    session: Session, user: User, organisation: Organisation, roles: Iterable[Role]
) -> Membership:
    """The person may act *for* the organisation: the right role, and the organisation verified.

    Endorsing, forwarding and posting calls all go through here, so an unverified
    organisation can never speak officially.
    """
    membership = active_membership(session, user, organisation)
    if membership is None or membership.role not in set(roles):
        raise Forbidden(
            _("You do not have a role in %(org)s that allows this.", org=organisation.name)
        )
    if not organisation.is_verified:
        raise Forbidden(
            _(
                "%(org)s is not verified yet, so it cannot act on the platform.",
                org=organisation.name,
            )
        )
    return membership
