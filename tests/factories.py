"""Build realistic data through the services, so tests start from states users can reach."""

from __future__ import annotations

import itertools
from typing import Any

from argon2 import PasswordHasher, profiles
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations.models import Membership, Organisation, OrganisationKind, Role
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    Space,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    Visibility,
)

PASSWORD = "lanterns-over-dakar-2030"
_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
_PASSWORD_HASH = _hasher.hash(PASSWORD)
_counter = itertools.count(1)


def user(session: Session, **kwargs: Any) -> User:
    n = next(_counter)
    values: dict[str, Any] = {
        "email": f"person{n}@example.org",
        "password": PASSWORD,
        "display_name": f"Person {n}",
    }
    values.update(kwargs)
    password = values.pop("password")
    # Hashing costs ~60 ms by design; reuse one hash of the shared test password.
    values["password_hash"] = _PASSWORD_HASH if password == PASSWORD else _hasher.hash(password)
    values["email"] = accounts.normalise_email(values["email"])
    created = User(**values)
    session.add(created)
    session.flush()
    return created


def organisation(
    session: Session,
    *,
    kind: OrganisationKind = OrganisationKind.DIASPORA,
    verified: bool = True,
    members: dict[User, Role] | None = None,
    **kwargs: Any,
) -> Organisation:
    """An organisation with active members in the given roles."""
    n = next(_counter)
    values: dict[str, Any] = {
        "slug": f"org-{n}",
        "name": f"Organisation {n}",
        "kind": kind,
        "country_of_residence": "FR",
        "country_of_origin": "SN" if kind is OrganisationKind.DIASPORA else None,
        "verified_at": utcnow() if verified else None,
    }
    values.update(kwargs)
    org = Organisation(**values)
    session.add(org)
    for person, role in (members or {}).items():
        session.add(Membership(user=person, organisation=org, role=role))
    session.flush()
    return org


def space(
    session: Session,
    *,
    facilitators: tuple[User, ...] = (),
    visibility: Visibility = Visibility.PUBLIC,
    organisations: tuple[Organisation, ...] = (),
    invited: tuple[User, ...] = (),
    conduct: str | None = "Be respectful. Speak for yourself. Respect the Chatham House rule.",
    accepted_by: tuple[User, ...] = (),
    **kwargs: Any,
) -> Space:
    """A space; ``accepted_by`` have accepted its current code of conduct."""
    n = next(_counter)
    values: dict[str, Any] = {
        "slug": f"space-{n}",
        "title": f"Issue space {n}",
        "description": "Lowering the cost of remittances.",
        "visibility": visibility,
    }
    values.update(kwargs)
    created = Space(**values)
    session.add(created)
    created.facilitators = [SpaceFacilitator(user=f) for f in facilitators]
    created.participants = [SpaceOrganisation(organisation=o) for o in organisations]
    created.invitations = [SpaceInvitation(user=u) for u in invited]
    if conduct is not None:
        version = CodeOfConduct(version=1, text=conduct)
        created.conducts = [version]
        session.flush()
        for person in accepted_by:
            session.add(ConductAcceptance(conduct=version, user_id=person.id))
    session.flush()
    return created
