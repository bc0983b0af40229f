"""Spaces as people see them: search, a space's page, what its facilitators manage."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session, selectinload

from diaspora_hub.accounts.models import User
from diaspora_hub.core import geo
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces import sdg as sdg_catalogue
from diaspora_hub.spaces.models import (
    Phase,
    Space,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    SpaceTag,
    TagKind,
)
from diaspora_hub.spaces.service.access import (
    _conduct_state,
    can_manage,
    get_visible,
    space_for_manager,
    visible_spaces,
)
from diaspora_hub.spaces.types import ConductState, SpaceDetail, SpaceManagement


def search_spaces(
    session: Session,
    actor: User | None,
    *,
    sdg: str | None = None,
    country: str | None = None,
    phase: Phase | str | None = None,
    language: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Space]:
    """Spaces the person may know of, filtered; the total counts only those too."""
    query = visible_spaces(actor)
    errors: dict[str, list[str]] = {}
    if sdg:
        code = sdg.strip().lower()
        if sdg_catalogue.is_goal(code):
            query = query.where(_tagged(TagKind.GOAL, code))
        elif sdg_catalogue.is_target(code):
            query = query.where(_tagged(TagKind.TARGET, code))
        else:
            errors["sdg"] = [_("Unknown SDG goal or target: %(code)s.", code=sdg)]
    if country:
        code = country.strip().upper()
        if code in geo.countries():
            query = query.where(_tagged(TagKind.COUNTRY, code))
        else:
            errors["country"] = [_("Unknown country code: %(code)s.", code=country)]
    if language:
        code = language.strip().lower()
        if code in geo.languages():
            query = query.where(_tagged(TagKind.LANGUAGE, code))
        else:
            errors["language"] = [_("Unknown language code: %(code)s.", code=language)]
    if phase:
        query = query.where(Space.phase == Phase(phase))
    if errors:
        raise ValidationFailed(fields=errors)
    if q and q.strip():
        query = query.where(Space.title.icontains(q.strip(), autoescape=True))
    query = query.options(selectinload(Space.tags)).order_by(
        Space.created_at.desc(), Space.id.desc()
    )
    return paginate(session, query, page, per_page)


def space_detail(session: Session, actor: User | None, slug: str) -> SpaceDetail:
    return describe(session, actor, get_visible(session, actor, slug))


def describe(session: Session, actor: User | None, space: Space) -> SpaceDetail:
    """A space already found visible, as ``actor`` sees it."""
    facilitators = list(
        session.scalars(
            select(User)
            .join(SpaceFacilitator, SpaceFacilitator.user_id == User.id)
            .where(SpaceFacilitator.space_id == space.id)
            .order_by(SpaceFacilitator.created_at, SpaceFacilitator.id)
        )
    )
    organisations = list(
        session.scalars(
            select(Organisation)
            .join(SpaceOrganisation, SpaceOrganisation.organisation_id == Organisation.id)
            .where(SpaceOrganisation.space_id == space.id)
            .order_by(Organisation.name)
        )
    )
    return SpaceDetail(
        space=space,
        facilitators=facilitators,
        organisations=organisations,
        is_facilitator=actor is not None and any(f.id == actor.id for f in facilitators),
        can_manage=can_manage(session, actor, space),
        conduct=_conduct_state(session, actor, space),
    )


def management(session: Session, actor: User | None, slug: str) -> SpaceManagement:
    space = space_for_manager(session, actor, slug)
    facilitators = list(
        session.scalars(_facilitators_query(space).options(selectinload(SpaceFacilitator.user)))
    )
    participants = list(
        session.scalars(
            _participants_query(space).options(selectinload(SpaceOrganisation.organisation))
        )
    )
    invitations = list(
        session.scalars(_invitations_query(space).options(selectinload(SpaceInvitation.user)))
    )
    taken = {p.organisation_id for p in participants}
    choices = [o for o in organisation_choices(session) if o.id not in taken]
    return SpaceManagement(
        space=space,
        facilitators=facilitators,
        participants=participants,
        invitations=invitations,
        organisation_choices=choices,
    )


def organisation_choices(session: Session) -> list[Organisation]:
    """Organisations a space may list as participating, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def list_facilitators(
    session: Session, actor: User | None, slug: str, page: int = 1, per_page: int = 20
) -> Page[SpaceFacilitator]:
    space = get_visible(session, actor, slug)
    query = _facilitators_query(space).options(selectinload(SpaceFacilitator.user))
    return paginate(session, query, page, per_page)


def list_participants(
    session: Session, actor: User | None, slug: str, page: int = 1, per_page: int = 20
) -> Page[SpaceOrganisation]:
    space = get_visible(session, actor, slug)
    query = _participants_query(space).options(selectinload(SpaceOrganisation.organisation))
    return paginate(session, query, page, per_page)


def list_invitations(
    session: Session, actor: User | None, slug: str, page: int = 1, per_page: int = 20
) -> Page[SpaceInvitation]:
    """Who is invited is for the facilitators only."""
    space = space_for_manager(session, actor, slug)
    query = _invitations_query(space).options(selectinload(SpaceInvitation.user))
    return paginate(session, query, page, per_page)


def conduct_state(session: Session, actor: User | None, slug: str) -> ConductState:
    return _conduct_state(session, actor, get_visible(session, actor, slug))


def _tagged(kind: TagKind, code: str) -> ColumnElement[bool]:
    return exists().where(
        SpaceTag.space_id == Space.id, SpaceTag.kind == kind, SpaceTag.code == code
    )


def _facilitators_query(space: Space) -> Select[tuple[SpaceFacilitator]]:
    return (
        select(SpaceFacilitator)
        .where(SpaceFacilitator.space_id == space.id)
        .order_by(SpaceFacilitator.created_at, SpaceFacilitator.id)
    )


def _participants_query(space: Space) -> Select[tuple[SpaceOrganisation]]:
    return (
        select(SpaceOrganisation)
        .join(SpaceOrganisation.organisation)
        .where(SpaceOrganisation.space_id == space.id)
        .order_by(Organisation.name, Organisation.id)
    )


def _invitations_query(space: Space) -> Select[tuple[SpaceInvitation]]:
    return (
        select(SpaceInvitation)
        .where(SpaceInvitation.space_id == space.id)
        .order_by(SpaceInvitation.created_at, SpaceInvitation.id)
    )
