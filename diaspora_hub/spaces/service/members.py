"""Who runs and who takes part in a space: facilitators, organisations, invitations, and
the code of conduct everyone accepts before taking part."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.accounts.signals import standing_changed
from diaspora_hub.core import audit
from diaspora_hub.core.errors import Conflict, NotFound, Unauthorised, ValidationFailed
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    Visibility,
)
from diaspora_hub.spaces.service.access import (
    _conduct_state,
    _id,
    _lock,
    get_visible,
    has_accepted_current_conduct,
    is_facilitator,
    space_for_manager,
)
from diaspora_hub.spaces.service.editing import _validated_organisations
from diaspora_hub.spaces.types import ConductState


def add_facilitator(
    session: Session, actor: User | None, slug: str, email: str
) -> SpaceFacilitator:
    space = space_for_manager(session, actor, slug)
    person = _account(session, email)
    if is_facilitator(session, person, space):
        raise Conflict(
            _("%(name)s already facilitates this space.", name=person.display_name),
            fields={"email": [_("Already a facilitator.")]},
        )
    row = SpaceFacilitator(space=space, user=person)
    session.add(row)
    audit.record(
        session, _id(actor), "space.facilitator_added", "space", space.id, user_id=person.id
    )
    session.flush()
    standing_changed.send(session, user_ids=[person.id], space_id=space.id)
    return row


def remove_facilitator(session: Session, actor: User | None, slug: str, user_id: int) -> None:
    """A space always keeps at least one facilitator."""
    space = space_for_manager(session, actor, slug)
    _lock(session, space)
    row = session.scalar(
        select(SpaceFacilitator).where(
            SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id == user_id
        )
    )
    if row is None:
        raise NotFound(_("This person does not facilitate this space."))
    count = session.scalar(select(func.count()).where(SpaceFacilitator.space_id == space.id))
    if (count or 0) <= 1:
        raise Conflict(_("A space needs at least one facilitator; add another one first."))
    session.delete(row)
    audit.record(
        session, _id(actor), "space.facilitator_removed", "space", space.id, user_id=user_id
    )
    session.flush()
    standing_changed.send(session, user_ids=[user_id], space_id=space.id)


def add_organisation(
    session: Session, actor: User | None, slug: str, organisation: str
) -> SpaceOrganisation:
    space = space_for_manager(session, actor, slug)
    errors: dict[str, list[str]] = {}
    found = _validated_organisations(session, errors, "organisation", [organisation])
    if errors:
        raise ValidationFailed(fields=errors)
    org = found[0]
    already = session.scalar(
        select(
            exists().where(
                SpaceOrganisation.space_id == space.id,
                SpaceOrganisation.organisation_id == org.id,
            )
        )
    )
    if already:
        raise Conflict(
            _("%(org)s already takes part in this space.", org=org.name),
            fields={"organisation": [_("Already taking part.")]},
        )
    row = SpaceOrganisation(space=space, organisation=org)
    session.add(row)
    audit.record(
        session, _id(actor), "space.organisation_added", "space", space.id, organisation=org.slug
    )
    session.flush()
    return row


def remove_organisation(session: Session, actor: User | None, slug: str, organisation: str) -> None:
    space = space_for_manager(session, actor, slug)
    row = session.scalar(
        select(SpaceOrganisation)
        .join(SpaceOrganisation.organisation)
        .where(SpaceOrganisation.space_id == space.id, Organisation.slug == organisation)
    )
    if row is None:
        raise NotFound(_("This organisation does not take part in this space."))
    session.delete(row)
    audit.record(
        session,
        _id(actor),
        "space.organisation_removed",
        "space",
        space.id,
        organisation=organisation,
    )
    session.flush()
    standing_changed.send(session, user_ids=None, space_id=space.id)


def invite(session: Session, actor: User | None, slug: str, email: str) -> SpaceInvitation:
    """Invite a person by name into a ``members`` or ``invite`` space."""
    space = space_for_manager(session, actor, slug)
    if space.visibility is Visibility.PUBLIC:
        raise Conflict(_("Everybody may see a public space; there is no need to invite."))
    person = _account(session, email)
    already = session.scalar(
        select(
            exists().where(
                SpaceInvitation.space_id == space.id, SpaceInvitation.user_id == person.id
            )
        )
    )
    if already:
        raise Conflict(
            _("%(name)s is already invited.", name=person.display_name),
            fields={"email": [_("Already invited.")]},
        )
    row = SpaceInvitation(space=space, user=person, invited_by_id=_id(actor))
    session.add(row)
    audit.record(
        session, _id(actor), "space.invitation_added", "space", space.id, user_id=person.id
    )
    session.flush()
    return row


def revoke_invitation(session: Session, actor: User | None, slug: str, user_id: int) -> None:
    space = space_for_manager(session, actor, slug)
    row = session.scalar(
        select(SpaceInvitation).where(
            SpaceInvitation.space_id == space.id, SpaceInvitation.user_id == user_id
        )
    )
    if row is None:
        raise NotFound(_("This person is not invited to this space."))
    session.delete(row)
    audit.record(
        session, _id(actor), "space.invitation_removed", "space", space.id, user_id=user_id
    )
    session.flush()
    standing_changed.send(session, user_ids=[user_id], space_id=space.id)


def publish_conduct(session: Session, actor: User | None, slug: str, text: str) -> CodeOfConduct:
    """Add a new version; everybody, save its author, must accept it again to take part."""
    space = space_for_manager(session, actor, slug)
    _lock(session, space)
    current = space.current_conduct
    conduct = CodeOfConduct(
        version=(current.version + 1) if current else 1, text=text, created_by_id=_id(actor)
    )
    space.conducts.append(conduct)
    session.flush()
    if actor is not None:
        session.add(ConductAcceptance(conduct_id=conduct.id, user_id=actor.id))
    audit.record(
        session,
        _id(actor),
        "space.conduct_published",
        "space",
        space.id,
        version=conduct.version,
    )
    session.flush()
    standing_changed.send(session, user_ids=None, space_id=space.id)
    return conduct


def accept_conduct(session: Session, actor: User | None, slug: str) -> ConductState:
    """Accept the current version; accepting it twice changes nothing."""
    if actor is None:
        raise Unauthorised()
    space = get_visible(session, actor, slug)
    conduct = space.current_conduct
    if conduct is None:
        raise Conflict(_("This space has no code of conduct to accept."))
    if not has_accepted_current_conduct(session, actor, space):
        session.add(ConductAcceptance(conduct_id=conduct.id, user_id=actor.id))
        audit.record(
            session,
            actor.id,
            "space.conduct_accepted",
            "space",
            space.id,
            version=conduct.version,
        )
        session.flush()
    return _conduct_state(session, actor, space)


def _account(session: Session, email: str) -> User:
    person = accounts.get_by_email(session, email)
    if person is None or not person.is_active:
        raise ValidationFailed(fields={"email": [_("No active account has this email.")]})
    return person
