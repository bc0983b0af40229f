"""Rules for organisations and memberships: who belongs, who may act for whom.

Who sees what:
- Anyone, even without an account, sees an organisation's profile and its number of
  active members.
- Active members of the organisation and platform admins see the active members with
  their roles; the organisation's admins and platform admins also see pending
  invitations and requests to join.
- An organisation's admins and platform admins edit it and manage its members; only
  platform admins verify it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.accounts.signals import standing_changed
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.organisations.models import (
    SLUG_MAX_LENGTH,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
)
from diaspora_hub.organisations.types import MemberOverview, OrganisationChanges, Profile

#: Page paths under /organisations/ that a slug must never shadow.
RESERVED_SLUGS = frozenset({"new"})
#: Changing these on a verified organisation changes who it claims to be.
IDENTITY_FIELDS = (
    "name",
    "acronym",
    "website",
    "kind",
    "country_of_origin",
    "country_of_residence",
)
#: how many organisations one person may register in 24 hours (``ORGANISATIONS_PER_DAY``)
ORGANISATIONS_PER_DAY = 3
EDITABLE_FIELDS = (*IDENTITY_FIELDS, "description", "website", "countries")


# Reading ---------------------------------------------------------------------------


def get_organisation(session: Session, slug: str) -> Organisation:
    """Organisations are public, so an unknown slug is the only reason for a 404."""
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def search_organisations(
    session: Session,
    *,
    kind: str | None = None,
    country: str | None = None,
    verified: bool | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Organisation]:
    """Filter by kind, country (of origin or of residence), verification and name/acronym."""
    query = select(Organisation)
    if kind is not None:
        query = query.where(Organisation.kind == OrganisationKind(kind))
    if country is not None:
        query = query.where(
            or_(
                Organisation.country_of_origin == country,
                Organisation.country_of_residence == country,
            )
        )
    if verified is True:
        query = query.where(Organisation.verified_at.is_not(None))
    elif verified is False:
        query = query.where(Organisation.verified_at.is_(None))
    if q:
        query = query.where(
            or_(
                Organisation.name.icontains(q, autoescape=True),
                Organisation.acronym.icontains(q, autoescape=True),
            )
        )
    query = query.order_by(func.lower(Organisation.name), Organisation.id)
    return paginate(session, query, page, per_page)


def membership_of(session: Session, actor: User, organisation: Organisation) -> Membership | None:
    """This person's membership in any state: active, invited or requested."""
    return session.scalar(
        select(Membership).where(
            Membership.user_id == actor.id, Membership.organisation_id == organisation.id
        )
    )


def active_membership(
    session: Session, actor: User, organisation: Organisation
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.user_id == actor.id,
            Membership.organisation_id == organisation.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


def active_memberships(session: Session, actor: User) -> list[Membership]:
    """The organisations this person really belongs to (invitations and requests excluded)."""
    query = (
        select(Membership)
        .join(Membership.organisation)
        .where(Membership.user_id == actor.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Organisation.name)
    )
    return list(session.scalars(query))


def member_count(session: Session, organisation: Organisation) -> int:
    """Active members only; this number is public."""
    return (
        session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
        or 0
    )


def can_manage(session: Session, actor: User | None, organisation: Organisation) -> bool:
    """Its active admins run an organisation; platform admins may step in."""
    if actor is None:
        return False
    if actor.is_admin:
        return True
    membership = active_membership(session, actor, organisation)
    return membership is not None and membership.role is Role.ADMIN


def can_see_members(session: Session, actor: User | None, organisation: Organisation) -> bool:
    if actor is None:
        return False
    return actor.is_admin or active_membership(session, actor, organisation) is not None


def require_manager(session: Session, actor: User, organisation: Organisation) -> None:
    if not can_manage(session, actor, organisation):
        raise Forbidden(_("Only the admins of %(org)s may do that.", org=organisation.name))


def _members_query(
    organisation: Organisation, status: MembershipStatus
) -> Select[tuple[Membership]]:
    return (
        select(Membership)
        .join(Membership.user)
        .where(Membership.organisation_id == organisation.id, Membership.status == status)
        .order_by(func.lower(User.display_name), User.id)
    )


def list_members(
    session: Session,
    actor: User,
    slug: str,
    *,
    status: str = MembershipStatus.ACTIVE,
    page: int = 1,
    per_page: int = 20,
) -> Page[Membership]:
    """Members in one state; pending ones are for the organisation's managers only."""
    organisation = get_organisation(session, slug)
    wanted = MembershipStatus(status)
    if wanted is MembershipStatus.ACTIVE:
        if not can_see_members(session, actor, organisation):
            raise Forbidden(
                _("Only members of %(org)s can see who belongs to it.", org=organisation.name)
            )
    else:
        require_manager(session, actor, organisation)
    return paginate(session, _members_query(organisation, wanted), page, per_page)


def get_managed(session: Session, actor: User, slug: str) -> Organisation:
    """The organisation, for someone about to edit it or manage its members."""
    organisation = get_organisation(session, slug)
    require_manager(session, actor, organisation)
    return organisation


def member_overview(
    session: Session, actor: User, slug: str, *, page: int = 1, per_page: int = 50
) -> MemberOverview:
    organisation = get_managed(session, actor, slug)
    return MemberOverview(
        organisation=organisation,
        active=paginate(
            session, _members_query(organisation, MembershipStatus.ACTIVE), page, per_page
        ),
        invited=list(session.scalars(_members_query(organisation, MembershipStatus.INVITED))),
        requested=list(session.scalars(_members_query(organisation, MembershipStatus.REQUESTED))),
    )


def memberships_of(
    session: Session,
    actor: User,
    *,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Membership]:
    """This person's memberships, invitations and requests, by organisation name."""
    query = (
        select(Membership)
        .join(Membership.organisation)
        .where(Membership.user_id == actor.id)
        .order_by(func.lower(Organisation.name), Organisation.id)
    )
    if status is not None:
        query = query.where(Membership.status == MembershipStatus(status))
    return paginate(session, query, page, per_page)


def waiting_decisions(session: Session, actor: User) -> tuple[list[Membership], list[Membership]]:
    """Invitations this person may accept, and join requests to organisations they run
    (as an active admin; a platform admin steps in from the organisation's page instead)."""
    invitations = list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == actor.id, Membership.status == MembershipStatus.INVITED)
            .order_by(Membership.created_at, Membership.id)
        )
    )
    run = [m.organisation_id for m in active_memberships(session, actor) if m.role is Role.ADMIN]
    requests = (
        list(
            session.scalars(
                select(Membership)
                .where(
                    Membership.organisation_id.in_(run),
                    Membership.status == MembershipStatus.REQUESTED,
                )
                .order_by(Membership.created_at, Membership.id)
            )
        )
        if run
        else []
    )
    return invitations, requests


def organisation_profile(session: Session, actor: User | None, slug: str) -> Profile:
    organisation = get_organisation(session, slug)
    members = None
    if can_see_members(session, actor, organisation):
        members = list(session.scalars(_members_query(organisation, MembershipStatus.ACTIVE)))
    return Profile(
        organisation=organisation,
        member_count=member_count(session, organisation),
        members=members,
        my_membership=membership_of(session, actor, organisation) if actor else None,
        can_manage=can_manage(session, actor, organisation),
        can_verify=bool(actor and actor.is_admin),
    )


# Creating and editing ----------------------------------------------------------------


def slugify(name: str) -> str:
    """ASCII, lower case, words joined by hyphens; accents are dropped, not the letters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    # Keep room for a "-NN" suffix inside the column's limit.
    slug = slug[: SLUG_MAX_LENGTH - 6].rstrip("-")
    return slug or "organisation"


def _free_slug(session: Session, base: str) -> str:
    taken = (
        set(
            session.scalars(
                select(Organisation.slug).where(
                    or_(Organisation.slug == base, Organisation.slug.startswith(f"{base}-"))
                )
            )
        )
        | RESERVED_SLUGS
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _check_countries(
    kind: OrganisationKind, origin: str | None, residence: str | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if residence is None:
        errors["country_of_residence"] = [_("Say in which country the organisation is based.")]
    if kind is OrganisationKind.DIASPORA and origin is None:
        errors["country_of_origin"] = [
            _("A diaspora organisation needs the country its community comes from.")
        ]
    if kind is not OrganisationKind.DIASPORA and origin is not None:
        errors["country_of_origin"] = [
            _("Only diaspora organisations have a country of origin; leave it empty.")
        ]
    return errors


def _insert_unique(
    session: Session, rows: Iterable[object], message: str, fields: dict[str, list[str]]
) -> None:
    """Two requests racing for the same unique value: the loser gets a 409, not a 500.

    The savepoint keeps the rest of the request usable, so a page can still show the error.
    """
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        raise Conflict(message, fields=fields) from None


def create_organisation(session: Session, actor: User, data: dict[str, Any]) -> Organisation:
    """Register an organisation; its creator becomes its first active admin."""
    kind = OrganisationKind(data["kind"])
    origin = data.get("country_of_origin")
    residence = data.get("country_of_residence")
    errors = _check_countries(kind, origin, residence)
    requested_slug = data.get("slug")
    if requested_slug in RESERVED_SLUGS:
        errors["slug"] = [_("This address is reserved; choose another.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if requested_slug is not None:
        if session.scalar(select(Organisation.id).where(Organisation.slug == requested_slug)):
            raise Conflict(
                _("Another organisation already uses this address."),
                fields={"slug": [_("Already taken.")]},
            )
        slug = requested_slug
    else:
        slug = _free_slug(session, slugify(data["name"]))
    _require_registration_allowance(session, actor)
    organisation = Organisation(
        slug=slug,
        name=data["name"],
        acronym=data.get("acronym") or None,
        kind=kind,
        description=data.get("description", ""),
        website=data.get("website") or None,
        country_of_origin=origin,
        country_of_residence=residence,
        countries=_distinct(data.get("countries", [])),
        created_by_id=actor.id,
    )
    founder = Membership(
        user_id=actor.id,
        organisation=organisation,
        role=Role.ADMIN,
        status=MembershipStatus.ACTIVE,
        decided_by_id=actor.id,
    )
    _insert_unique(
        session,
        (organisation, founder),
        _("Another organisation already uses this address."),
        {"slug": [_("Already taken.")]},
    )
    audit.record(
        session, actor.id, "organisation.created", "organisation", organisation.id, slug=slug
    )
    return organisation


def _require_registration_allowance(session: Session, actor: User) -> None:
    """A bounded number a day, so nobody floods the directory with look-alikes of real
    organisations; platform admins are not bound."""
    if actor.is_admin:
        return
    limit = ORGANISATIONS_PER_DAY
    if has_app_context():
        limit = int(current_app.config.get("ORGANISATIONS_PER_DAY", limit))
    # Two registrations of one person at once must not both pass the count (PostgreSQL).
    session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    registered = session.scalar(
        select(func.count(Organisation.id)).where(
            Organisation.created_by_id == actor.id,
            Organisation.created_at > utcnow() - timedelta(days=1),
        )
    )
    if (registered or 0) >= limit:
        raise RateLimited(
            ngettext(
                "One person may register %(num)d organisation a day. Try again tomorrow, "
                "or ask a platform admin.",
                "One person may register %(num)d organisations a day. Try again tomorrow, "
                "or ask a platform admin.",
                limit,
            )
        )


def _distinct(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def update_organisation(
    session: Session, actor: User, slug: str, changes: OrganisationChanges
) -> Organisation:
    """Edit an organisation.

    When its own admins change who a verified organisation claims to be (name, acronym,
    website, kind or countries of origin and residence), the verification is withdrawn and
    it is back among the unverified organisations platform admins check; a platform
    admin's edits keep it.
    """
    organisation = get_organisation(session, slug)
    require_manager(session, actor, organisation)
    given: Mapping[str, Any] = changes
    new = {key: given[key] for key in EDITABLE_FIELDS if key in given}
    if "countries" in new:
        new["countries"] = _distinct(new["countries"])
    for key in ("acronym", "website"):
        if key in new:
            new[key] = new[key] or None
    kind = OrganisationKind(new.get("kind", organisation.kind))
    if "kind" in new and kind is not OrganisationKind.DIASPORA and "country_of_origin" not in new:
        new["country_of_origin"] = None
    origin = new.get("country_of_origin", organisation.country_of_origin)
    residence = new.get("country_of_residence", organisation.country_of_residence)
    errors = _check_countries(kind, origin, residence)
    if errors:
        raise ValidationFailed(fields=errors)
    if "kind" in new:
        new["kind"] = kind
    changed = sorted(key for key, value in new.items() if getattr(organisation, key) != value)
    if not changed:
        return organisation
    for key in changed:
        setattr(organisation, key, new[key])
    audit.record(
        session, actor.id, "organisation.updated", "organisation", organisation.id, fields=changed
    )
    identity_changed = any(key in IDENTITY_FIELDS for key in changed)
    if organisation.is_verified and identity_changed and not actor.is_admin:
        organisation.withdraw_verification()
        audit.record(
            session,
            actor.id,
            "organisation.unverified",
            "organisation",
            organisation.id,
            reason="identity_changed",
        )
    session.flush()
    return organisation


# Verification ------------------------------------------------------------------------


def _require_platform_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only platform admins verify organisations."))


def verify(session: Session, actor: User, slug: str) -> Organisation:
    _require_platform_admin(actor)
    organisation = get_organisation(session, slug)
    organisation.mark_verified(actor)
    audit.record(session, actor.id, "organisation.verified", "organisation", organisation.id)
    session.flush()
    return organisation


def unverify(session: Session, actor: User, slug: str) -> Organisation:
    _require_platform_admin(actor)
    organisation = get_organisation(session, slug)
    organisation.withdraw_verification()
    audit.record(session, actor.id, "organisation.unverified", "organisation", organisation.id)
    session.flush()
    return organisation


# Memberships -------------------------------------------------------------------------


def _locked(session: Session, slug: str) -> Organisation:
    """The organisation, locked on PostgreSQL so two admins cannot demote each other at once."""
    organisation = session.scalar(
        select(Organisation).where(Organisation.slug == slug).with_for_update()
    )
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def _membership(session: Session, organisation: Organisation, user_id: int) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id == user_id
        )
    )
    if membership is None:
        raise NotFound(_("No such membership."))
    return membership


def _active_admin_count(session: Session, organisation: Organisation) -> int:
    return (
        session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role == Role.ADMIN,
            )
        )
        or 0
    )


def _require_another_admin(
    session: Session, organisation: Organisation, membership: Membership
) -> None:
    """An organisation keeps at least one active admin."""
    if _is_last_admin(session, membership):
        raise Conflict(
            _(
                "%(org)s needs at least one admin; make someone else admin first.",
                org=organisation.name,
            )
        )


def _is_last_admin(session: Session, membership: Membership) -> bool:
    return (
        membership.is_active
        and membership.role is Role.ADMIN
        and _active_admin_count(session, membership.organisation) == 1
    )


def invite(session: Session, actor: User, slug: str, email: str, role: str) -> Membership:
    """Invite an existing account; the answer never says more than "no account"."""
    organisation = _locked(session, slug)
    require_manager(session, actor, organisation)
    invitee = accounts.get_by_email(session, email)
    if invitee is None or not invitee.is_active:
        raise ValidationFailed(fields={"email": [_("There is no account with this email.")]})
    existing = membership_of(session, invitee, organisation)
    if existing is not None:
        raise Conflict(_existing_message(existing), fields={"email": [_existing_message(existing)]})
    membership = Membership(
        user_id=invitee.id,
        organisation_id=organisation.id,
        role=Role(role),
        status=MembershipStatus.INVITED,
        decided_by_id=actor.id,
    )
    message = _("This person is invited already.")
    _insert_unique(session, (membership,), message, {"email": [message]})
    audit.record(
        session,
        actor.id,
        "membership.invited",
        "organisation",
        organisation.id,
        user_id=invitee.id,
        role=membership.role.value,
    )
    return membership


def _existing_message(membership: Membership) -> str:
    if membership.status is MembershipStatus.ACTIVE:
        return str(_("This person is a member already."))
    if membership.status is MembershipStatus.INVITED:
        return str(_("This person is invited already."))
    return str(_("This person has asked to join already; accept their request instead."))


def request_to_join(session: Session, actor: User, slug: str) -> Membership:
    organisation = _locked(session, slug)
    existing = membership_of(session, actor, organisation)
    if existing is not None:
        messages = {
            MembershipStatus.ACTIVE: _("You are a member already."),
            MembershipStatus.INVITED: _("You are invited already; accept the invitation."),
            MembershipStatus.REQUESTED: _("You have asked to join already."),
        }
        raise Conflict(messages[existing.status])
    membership = Membership(
        user_id=actor.id,
        organisation_id=organisation.id,
        role=Role.MEMBER,
        status=MembershipStatus.REQUESTED,
    )
    _insert_unique(session, (membership,), _("You have asked to join already."), {})
    audit.record(
        session, actor.id, "membership.requested", "organisation", organisation.id, user_id=actor.id
    )
    return membership


def _require_self_or_manager(
    session: Session, actor: User, organisation: Organisation, user_id: int
) -> None:
    """Checked before the membership is looked up, so refusals reveal nothing about it."""
    if user_id != actor.id:
        require_manager(session, actor, organisation)


def accept(session: Session, actor: User, slug: str, user_id: int) -> Membership:
    """The invitee accepts their invitation, or a manager accepts a request to join."""
    organisation = _locked(session, slug)
    _require_self_or_manager(session, actor, organisation, user_id)
    membership = _membership(session, organisation, user_id)
    if membership.is_active:
        raise Conflict(_("This membership is active already."))
    if user_id == actor.id:
        if membership.status is not MembershipStatus.INVITED:
            raise Forbidden(
                _("An admin of %(org)s decides on your request.", org=organisation.name)
            )
        membership.accept_invitation()
        how = "invitation"
    else:
        if membership.status is not MembershipStatus.REQUESTED:
            raise Forbidden(_("Only the invited person can accept an invitation."))
        membership.accept_request(actor)
        how = "request"
    audit.record(
        session,
        actor.id,
        "membership.accepted",
        "organisation",
        organisation.id,
        user_id=user_id,
        via=how,
    )
    session.flush()
    return membership


def decline(session: Session, actor: User, slug: str, user_id: int) -> None:
    """Say no to a pending membership: the invitee or requester withdraws, or a manager refuses."""
    organisation = _locked(session, slug)
    _require_self_or_manager(session, actor, organisation, user_id)
    membership = _membership(session, organisation, user_id)
    if membership.is_active:
        raise Conflict(_("This membership is active; remove the member instead."))
    audit.record(
        session,
        actor.id,
        "membership.declined",
        "organisation",
        organisation.id,
        user_id=user_id,
        status=membership.status.value,
    )
    session.delete(membership)
    session.flush()


def change_role(session: Session, actor: User, slug: str, user_id: int, role: str) -> Membership:
    organisation = _locked(session, slug)
    require_manager(session, actor, organisation)
    membership = _membership(session, organisation, user_id)
    new_role = Role(role)
    if membership.role is new_role:
        return membership
    _require_another_admin(session, organisation, membership)
    audit.record(
        session,
        actor.id,
        "membership.role_changed",
        "organisation",
        organisation.id,
        user_id=user_id,
        old=membership.role.value,
        new=new_role.value,
    )
    membership.role = new_role
    session.flush()
    return membership


def remove_member(session: Session, actor: User, slug: str, user_id: int) -> None:
    """A manager removes someone, or a person leaves; the last active admin stays."""
    organisation = _locked(session, slug)
    _require_self_or_manager(session, actor, organisation, user_id)
    membership = _membership(session, organisation, user_id)
    _require_another_admin(session, organisation, membership)
    audit.record(
        session,
        actor.id,
        "membership.left" if user_id == actor.id else "membership.removed",
        "organisation",
        organisation.id,
        user_id=user_id,
        role=membership.role.value,
        status=membership.status.value,
    )
    session.delete(membership)
    session.flush()
    standing_changed.send(session, user_ids=[user_id], space_id=None)


def require_acting_role(
    session: Session, actor: User, organisation: Organisation, roles: Iterable[Role]
) -> Membership:
    """The person may act *for* the organisation: the right role, and the organisation verified.

    Endorsing, forwarding and posting calls all go through here, so an unverified
    organisation can never speak officially.
    """
    membership = active_membership(session, actor, organisation)
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
