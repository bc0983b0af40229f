"""Rules for issue spaces: who sees a space, who takes part, who runs it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, or_, select, true
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Forbidden, NotFound
from diaspora_hub.organisations.models import Membership, MembershipStatus
from diaspora_hub.spaces.models import (
    ConductAcceptance,
    Space,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    Visibility,
)


class ConductNotAccepted(Forbidden):
    code = "conduct_required"


def visible_condition(user: User | None) -> ColumnElement[bool]:
    """The SQL condition for spaces ``user`` may know exist; lists, counts and search use it."""
    if user is None or not user.is_authenticated:
        return Space.visibility == Visibility.PUBLIC
    if user.is_admin:
        return true()
    facilitates = exists().where(
        SpaceFacilitator.space_id == Space.id, SpaceFacilitator.user_id == user.id
    )
    invited = exists().where(
        SpaceInvitation.space_id == Space.id, SpaceInvitation.user_id == user.id
    )
    member_of_participant = exists().where(
        SpaceOrganisation.space_id == Space.id,
        Membership.organisation_id == SpaceOrganisation.organisation_id,
        Membership.user_id == user.id,
        Membership.status == MembershipStatus.ACTIVE,
    )
    return or_(
        Space.visibility == Visibility.PUBLIC,
        facilitates,
        (Space.visibility == Visibility.MEMBERS) & (member_of_participant | invited),
        (Space.visibility == Visibility.INVITE) & invited,
    )


def visible_spaces(user: User | None) -> Select[tuple[Space]]:
    return select(Space).where(visible_condition(user))


def can_see(session: Session, user: User | None, space: Space) -> bool:
    return bool(
        session.scalar(select(exists().where(Space.id == space.id, visible_condition(user))))
    )


def get_visible(session: Session, user: User | None, slug: str) -> Space:
    """The space by slug, or 404 when it does not exist *or* the person may not know it does."""
    space = session.scalar(visible_spaces(user).where(Space.slug == slug))
    if space is None:
        raise NotFound(_("No such space."))
    return space


def is_facilitator(session: Session, user: User | None, space: Space) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id == user.id
                )
            )
        )
    )


def can_manage(session: Session, user: User | None, space: Space) -> bool:
    """Facilitators run a space; platform admins may step in."""
    return (
        user is not None
        and user.is_authenticated
        and (user.is_admin or is_facilitator(session, user, space))
    )


def require_manager(session: Session, user: User | None, space: Space) -> None:
    if not can_manage(session, user, space):
        raise Forbidden(_("Only the facilitators of this space may do that."))


def has_accepted_current_conduct(session: Session, user: User, space: Space) -> bool:
    conduct = space.current_conduct
    if conduct is None:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    ConductAcceptance.conduct_id == conduct.id, ConductAcceptance.user_id == user.id
                )
            )
        )
    )


def require_participant(session: Session, user: User | None, space: Space) -> None:
    """Taking part (answering, joining rooms, voting) needs sight of the space and the
    current code of conduct accepted."""
    if user is None or not user.is_authenticated:
        raise Forbidden(_("Please log in to take part."))
    if not can_see(session, user, space):
        raise NotFound(_("No such space."))
    if not has_accepted_current_conduct(session, user, space):
        raise ConductNotAccepted(_("Please accept the space's code of conduct first."))
