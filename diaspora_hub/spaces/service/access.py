"""The kernel of the spaces service: who may know a space exists, who runs it, who takes part.

Every other module of the service, and the domains above spaces, decide sight and rights
through these functions, so the rules for a space's visibility live in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, func, or_, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Forbidden, NotFound
from diaspora_hub.organisations.models import Membership, MembershipStatus
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    Space,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    Visibility,
)
from diaspora_hub.spaces.types import ConductState, Standing


class ConductNotAccepted(Forbidden):
    code = "conduct_required"


def visible_condition(actor: User | None) -> ColumnElement[bool]:
    """The SQL condition for spaces ``actor`` may know exist; lists, counts and search use it."""
    if actor is None or not actor.is_authenticated:
        return Space.visibility == Visibility.PUBLIC
    if actor.is_admin:
        return true()
    return _visible_to(actor.id)


def _visible_to(
    user_id: int | ColumnElement[int] | QueryableAttribute[int],
) -> ColumnElement[bool]:
    """``visible_condition`` for a signed-in person who is not a platform admin.

    ``user_id`` may be a column of an enclosing query (a crowd's joins read many people at
    once), so each test names the only tables it reads itself."""
    facilitates = (
        exists()
        .where(SpaceFacilitator.space_id == Space.id, SpaceFacilitator.user_id == user_id)
        .correlate_except(SpaceFacilitator)
    )
    invited = (
        exists()
        .where(SpaceInvitation.space_id == Space.id, SpaceInvitation.user_id == user_id)
        .correlate_except(SpaceInvitation)
    )
    member_of_participant = (
        exists()
        .where(
            SpaceOrganisation.space_id == Space.id,
            Membership.organisation_id == SpaceOrganisation.organisation_id,
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .correlate_except(SpaceOrganisation, Membership)
    )
    return or_(
        Space.visibility == Visibility.PUBLIC,
        facilitates,
        (Space.visibility == Visibility.MEMBERS) & (member_of_participant | invited),
        (Space.visibility == Visibility.INVITE) & invited,
    )


def visible_spaces(actor: User | None) -> Select[tuple[Space]]:
    return select(Space).where(visible_condition(actor))


def can_see(session: Session, actor: User | None, space: Space) -> bool:
    return bool(
        session.scalar(select(exists().where(Space.id == space.id, visible_condition(actor))))
    )


def get_visible(session: Session, actor: User | None, slug: str) -> Space:
    """The space by slug, or 404 when it does not exist *or* the person may not know it does."""
    space = session.scalar(visible_spaces(actor).where(Space.slug == slug))
    if space is None:
        raise NotFound(_("No such space."))
    return space


def is_facilitator(session: Session, actor: User | None, space: Space) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id == actor.id
                )
            )
        )
    )


def can_manage(session: Session, actor: User | None, space: Space) -> bool:
    """Facilitators run a space; platform admins may step in."""
    return (
        actor is not None
        and actor.is_authenticated
        and actor.id in managers(session, [actor], space)
    )


def managers(session: Session, users: Iterable[User], space: Space) -> set[int]:
    """The ids of those of ``users`` who may run the space (``can_manage``): one query for
    everyone, none when they are all platform admins."""
    people = [user for user in users if user.is_authenticated]
    ids = {user.id for user in people if user.is_admin}
    others = [user.id for user in people if not user.is_admin]
    if others:
        ids.update(
            session.scalars(
                select(SpaceFacilitator.user_id).where(
                    SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id.in_(others)
                )
            )
        )
    return ids


def require_manager(session: Session, actor: User | None, space: Space) -> None:
    if not can_manage(session, actor, space):
        raise Forbidden(_("Only the facilitators of this space may do that."))


def space_for_manager(session: Session, actor: User | None, slug: str) -> Space:
    """The space, for someone about to change it: 404 unseen, 403 not a manager."""
    space = get_visible(session, actor, slug)
    require_manager(session, actor, space)
    return space


def has_accepted_current_conduct(session: Session, actor: User, space: Space) -> bool:
    conduct = space.current_conduct
    if conduct is None:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    ConductAcceptance.conduct_id == conduct.id,
                    ConductAcceptance.user_id == actor.id,
                )
            )
        )
    )


def standing_columns(
    user_id: ColumnElement[int] | QueryableAttribute[int],
    space_id: ColumnElement[int] | QueryableAttribute[int],
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """The facts behind a ``Standing`` as SQL columns (see ``standing_from``), for queries
    that read them together with other rows: a live room's join reads everything at once."""
    current_conduct = (
        select(CodeOfConduct.id)
        .where(CodeOfConduct.space_id == space_id)
        .order_by(CodeOfConduct.version.desc())
        .limit(1)
        .scalar_subquery()
        # ``space_id`` may be a column of the enclosing query, two levels up.
        .correlate_except(CodeOfConduct)
    )
    accepted = exists().where(
        ConductAcceptance.conduct_id == current_conduct, ConductAcceptance.user_id == user_id
    )
    return (
        exists().where(Space.id == space_id, _visible_to(user_id)),
        exists().where(SpaceFacilitator.space_id == space_id, SpaceFacilitator.user_id == user_id),
        ~exists().where(CodeOfConduct.space_id == space_id) | accepted,
    )


#: Built once: every live join and every contribution asks it.
_STANDING = select(
    *standing_columns(bindparam("user_id", type_=Integer), bindparam("space_id", type_=Integer))
)


def standing_from(actor: User, facts: Sequence[Any], *, space_exists: bool = True) -> Standing:
    """The ``Standing`` of ``actor`` from the values of ``standing_columns``."""
    visible, facilitator, conduct_accepted = (bool(value) for value in facts)
    if actor.is_admin:
        return Standing(
            visible=space_exists, manager=space_exists, conduct_accepted=conduct_accepted
        )
    return Standing(
        visible=visible, manager=visible and facilitator, conduct_accepted=conduct_accepted
    )


def standing(session: Session, actor: User, space_id: int) -> Standing:
    """The person's ``Standing`` in one query."""
    facts = session.execute(_STANDING, {"user_id": actor.id, "space_id": space_id}).one()
    space_exists = not actor.is_admin or session.get(Space, space_id) is not None
    return standing_from(actor, facts, space_exists=space_exists)


def require_standing(found: Standing) -> Standing:
    """Taking part needs sight of the space and the current code of conduct accepted."""
    if not found.visible:
        raise NotFound(_("No such space."))
    if not found.conduct_accepted:
        raise ConductNotAccepted(_("Please accept the space's code of conduct first."))
    return found


def require_participant(session: Session, actor: User | None, space: Space) -> Standing:
    """Taking part (answering, joining rooms, voting) needs sight of the space and the
    current code of conduct accepted."""
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Please log in to take part."))
    return require_standing(standing(session, actor, space.id))


def _conduct_state(session: Session, actor: User | None, space: Space) -> ConductState:
    conduct = space.current_conduct
    if actor is None or not actor.is_authenticated:
        return ConductState(conduct=conduct, accepted=False, accepted_version=None)
    accepted_version = session.scalar(
        select(func.max(CodeOfConduct.version))
        .join(ConductAcceptance, ConductAcceptance.conduct_id == CodeOfConduct.id)
        .where(CodeOfConduct.space_id == space.id, ConductAcceptance.user_id == actor.id)
    )
    return ConductState(
        conduct=conduct,
        accepted=has_accepted_current_conduct(session, actor, space),
        accepted_version=accepted_version,
    )


def _lock(session: Session, space: Space) -> None:
    """Serialise concurrent changes that count rows of one space (PostgreSQL row lock)."""
    session.execute(select(Space.id).where(Space.id == space.id).with_for_update())


def _id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None
