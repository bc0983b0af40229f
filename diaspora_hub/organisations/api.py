"""JSON API of the organisations domain, under /api/v1.

Anyone may browse organisations and read a profile with its member count; the member
list is for the organisation's active members and platform admins.
"""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import page_body
from diaspora_hub.extensions import db
from diaspora_hub.organisations import schemas, service, types
from diaspora_hub.organisations.models import Membership, Organisation

bp = Blueprint("organisations_api", __name__, url_prefix="/api/v1", description="organisations")


@bp.get("/organisations")
@bp.arguments(schemas.OrganisationListArgs, location="query")
@bp.response(200, schemas.OrganisationDirectoryPageSchema)
def list_organisations(args: dict[str, Any]) -> dict[str, Any]:
    """Browse organisations by kind, country, verification and name or acronym."""
    page = service.search_organisations(db.session(), **args)
    return page_body(page, page.items)


@bp.post("/organisations")
@login_required
@bp.arguments(schemas.OrganisationCreateSchema)
@bp.response(201, schemas.OrganisationSchema)
def create_organisation(data: dict[str, Any]) -> Organisation:
    """Register an organisation; you become its first admin.

    One person registers at most ``ORGANISATIONS_PER_DAY`` (3) organisations in 24 hours;
    beyond that the answer is 429 ``rate_limited``.
    """
    return service.create_organisation(db.session(), require_actor(), data)


@bp.get("/organisations/<slug>")
@bp.response(200, schemas.OrganisationDetailSchema)
def get_organisation(slug: str) -> types.Profile:
    """An organisation's profile, its member count and your own membership."""
    return service.organisation_profile(db.session(), actor(), slug)


@bp.patch("/organisations/<slug>")
@login_required
@bp.arguments(schemas.OrganisationUpdateSchema)
@bp.response(200, schemas.OrganisationSchema)
def update_organisation(data: types.OrganisationChanges, slug: str) -> Organisation:
    """Edit an organisation (its admins and platform admins).

    When its own admins change the name, acronym, website, kind or countries of origin or
    residence of a verified organisation, the verification is withdrawn.
    """
    return service.update_organisation(db.session(), require_actor(), slug, data)


@bp.get("/organisations/<slug>/members")
@login_required
@bp.arguments(schemas.MemberListArgs, location="query")
@bp.response(200, schemas.OrganisationMemberPageSchema)
def list_members(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """Members in one state (default active); invited and requested are for its admins."""
    page = service.list_members(db.session(), require_actor(), slug, **args)
    return page_body(page, page.items)


@bp.post("/organisations/<slug>/invitations")
@login_required
@bp.arguments(schemas.MemberInvitationSchema)
@bp.response(201, schemas.OrganisationMemberSchema)
def invite(data: dict[str, Any], slug: str) -> Membership:
    """Invite a person with an account, by email, with a role (its admins)."""
    return service.invite(db.session(), require_actor(), slug, data["email"], data["role"])


@bp.post("/organisations/<slug>/join-requests")
@login_required
@bp.response(201, schemas.OrganisationMemberSchema)
def request_to_join(slug: str) -> Membership:
    """Ask to join; an admin of the organisation accepts or declines."""
    return service.request_to_join(db.session(), require_actor(), slug)


@bp.post("/organisations/<slug>/members/<int:user_id>/accept")
@login_required
@bp.response(200, schemas.OrganisationMemberSchema)
def accept(slug: str, user_id: int) -> Membership:
    """Accept your own invitation, or (as its admin) someone's request to join."""
    return service.accept(db.session(), require_actor(), slug, user_id)


@bp.post("/organisations/<slug>/members/<int:user_id>/decline")
@login_required
@bp.response(204)
def decline(slug: str, user_id: int) -> None:
    """Decline or withdraw a pending invitation or request to join."""
    service.decline(db.session(), require_actor(), slug, user_id)


@bp.patch("/organisations/<slug>/members/<int:user_id>")
@login_required
@bp.arguments(schemas.MemberRoleSchema)
@bp.response(200, schemas.OrganisationMemberSchema)
def change_role(data: dict[str, Any], slug: str, user_id: int) -> Membership:
    """Change a member's role (its admins); the last admin cannot be demoted."""
    return service.change_role(db.session(), require_actor(), slug, user_id, data["role"])


@bp.delete("/organisations/<slug>/members/<int:user_id>")
@login_required
@bp.response(204)
def remove_member(slug: str, user_id: int) -> None:
    """Remove a member (its admins) or leave (yourself); the last admin stays."""
    service.remove_member(db.session(), require_actor(), slug, user_id)


@bp.post("/organisations/<slug>/verification")
@login_required
@bp.response(200, schemas.OrganisationSchema)
def verify(slug: str) -> Organisation:
    """Verify an organisation (platform admins)."""
    return service.verify(db.session(), require_actor(), slug)


@bp.delete("/organisations/<slug>/verification")
@login_required
@bp.response(200, schemas.OrganisationSchema)
def unverify(slug: str) -> Organisation:
    """Withdraw an organisation's verification (platform admins)."""
    return service.unverify(db.session(), require_actor(), slug)


@bp.get("/me/memberships")
@login_required
@bp.arguments(schemas.MyMembershipArgs, location="query")
@bp.response(200, schemas.MyMembershipPageSchema)
def my_memberships(args: dict[str, Any]) -> dict[str, Any]:
    """Your memberships, pending invitations and requests to join."""
    page = service.memberships_of(db.session(), require_actor(), **args)
    return page_body(page, page.items)
