"""JSON API of the spaces domain, under /api/v1."""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.schemas import PersonSchema
from diaspora_hub.core.api import Blueprint
from diaspora_hub.core.pagination import Page, page_body
from diaspora_hub.core.schemas import PageArgs
from diaspora_hub.extensions import db
from diaspora_hub.spaces import schemas, sdg, service
from diaspora_hub.spaces.models import CodeOfConduct, SpaceInvitation
from diaspora_hub.spaces.types import ConductState, SpaceChanges, SpaceDetail

bp = Blueprint(
    "spaces_api",
    __name__,
    url_prefix="/api/v1",
    description="Issue spaces: SDG targets, facilitators, organisations, code of conduct",
)


@bp.get("/sdg")
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.GoalPageSchema)
def list_sdg(args: dict[str, Any]) -> dict[str, Any]:
    """The 17 Sustainable Development Goals with their targets, in official order."""
    goals = list(sdg.goals())
    start = (args["page"] - 1) * args["per_page"]
    page = Page(
        items=goals[start : start + args["per_page"]],
        page=args["page"],
        per_page=args["per_page"],
        total=len(goals),
    )
    return page_body(page, page.items)


@bp.get("/spaces")
@bp.arguments(schemas.SpaceFilterSchema, location="query")
@bp.response(200, schemas.SpacePageSchema)
def list_spaces(args: dict[str, Any]) -> dict[str, Any]:
    """Spaces you may see, filtered by SDG goal or target, country, phase, language, title."""
    page = service.search_spaces(db.session(), actor(), **args)
    return page_body(page, page.items)


@bp.post("/spaces")
@login_required
@bp.arguments(schemas.SpaceCreateSchema)
@bp.response(201, schemas.SpaceSchema)
def create_space(data: dict[str, Any]) -> SpaceDetail:
    """Open a space (facilitators trusted by a platform admin); you become its facilitator."""
    space = service.create_space(db.session(), require_actor(), **data)
    return service.describe(db.session(), require_actor(), space)


@bp.get("/spaces/<slug>")
@bp.response(200, schemas.SpaceSchema)
def get_space(slug: str) -> SpaceDetail:
    """One space, with what the acting person may do in it."""
    return service.space_detail(db.session(), actor(), slug)


@bp.patch("/spaces/<slug>")
@login_required
@bp.arguments(schemas.SpaceUpdateSchema)
@bp.response(200, schemas.SpaceSchema)
def update_space(data: SpaceChanges, slug: str) -> SpaceDetail:
    """Change title, description, SDG, countries, languages or visibility (facilitators)."""
    space = service.update_space(db.session(), require_actor(), slug, data)
    return service.describe(db.session(), require_actor(), space)


@bp.post("/spaces/<slug>/phase")
@login_required
@bp.arguments(schemas.PhaseSchema)
@bp.response(200, schemas.SpaceSchema)
def change_phase(data: dict[str, Any], slug: str) -> SpaceDetail:
    """Move the partnership one phase forward or back (facilitators)."""
    space = service.change_phase(db.session(), require_actor(), slug, data["phase"])
    return service.describe(db.session(), require_actor(), space)


@bp.get("/spaces/<slug>/conduct")
@bp.response(200, schemas.ConductSchema)
def get_conduct(slug: str) -> ConductState:
    """The current code of conduct and whether you accepted it."""
    return service.conduct_state(db.session(), actor(), slug)


@bp.post("/spaces/<slug>/conduct")
@login_required
@bp.response(200, schemas.ConductSchema)
def accept_conduct(slug: str) -> ConductState:
    """Accept the space's current code of conduct; needed before taking part."""
    return service.accept_conduct(db.session(), require_actor(), slug)


@bp.post("/spaces/<slug>/conduct/versions")
@login_required
@bp.arguments(schemas.ConductPublishSchema)
@bp.response(201, schemas.ConductVersionSchema)
def publish_conduct(data: dict[str, Any], slug: str) -> CodeOfConduct:
    """Publish a new version of the code of conduct; everyone must accept it again."""
    return service.publish_conduct(db.session(), require_actor(), slug, data["text"])


@bp.get("/spaces/<slug>/facilitators")
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.PersonPageSchema)
def list_facilitators(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """The people who run the space."""
    page = service.list_facilitators(db.session(), actor(), slug, **args)
    return page_body(page, [row.user for row in page.items])


@bp.post("/spaces/<slug>/facilitators")
@login_required
@bp.arguments(schemas.EmailSchema)
@bp.response(201, PersonSchema)
def add_facilitator(data: dict[str, Any], slug: str) -> Any:
    """Add a facilitator by the email of an existing account (facilitators)."""
    return service.add_facilitator(db.session(), require_actor(), slug, data["email"]).user


@bp.delete("/spaces/<slug>/facilitators/<int:user_id>")
@login_required
@bp.response(204)
def remove_facilitator(slug: str, user_id: int) -> None:
    """Remove a facilitator; the last one cannot be removed."""
    service.remove_facilitator(db.session(), require_actor(), slug, user_id)


@bp.get("/spaces/<slug>/organisations")
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.OrganisationPageSchema)
def list_organisations(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """Organisations taking part in the space."""
    page = service.list_participants(db.session(), actor(), slug, **args)
    return page_body(page, [row.organisation for row in page.items])


@bp.post("/spaces/<slug>/organisations")
@login_required
@bp.arguments(schemas.OrganisationRefSchema)
@bp.response(201, schemas.OrganisationBriefSchema)
def add_organisation(data: dict[str, Any], slug: str) -> Any:
    """Add a participating organisation by its slug (facilitators)."""
    return service.add_organisation(
        db.session(), require_actor(), slug, data["organisation"]
    ).organisation


@bp.delete("/spaces/<slug>/organisations/<org_slug>")
@login_required
@bp.response(204)
def remove_organisation(slug: str, org_slug: str) -> None:
    """Remove a participating organisation (facilitators)."""
    service.remove_organisation(db.session(), require_actor(), slug, org_slug)


@bp.get("/spaces/<slug>/invitations")
@login_required
@bp.arguments(PageArgs, location="query")
@bp.response(200, schemas.InvitationPageSchema)
def list_invitations(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """People invited by name (facilitators)."""
    page = service.list_invitations(db.session(), require_actor(), slug, **args)
    return page_body(page, page.items)


@bp.post("/spaces/<slug>/invitations")
@login_required
@bp.arguments(schemas.EmailSchema)
@bp.response(201, schemas.InvitationSchema)
def invite(data: dict[str, Any], slug: str) -> SpaceInvitation:
    """Invite a person by email into a ``members`` or ``invite`` space (facilitators)."""
    return service.invite(db.session(), require_actor(), slug, data["email"])


@bp.delete("/spaces/<slug>/invitations/<int:user_id>")
@login_required
@bp.response(204)
def revoke_invitation(slug: str, user_id: int) -> None:
    """Withdraw an invitation (facilitators)."""
    service.revoke_invitation(db.session(), require_actor(), slug, user_id)
