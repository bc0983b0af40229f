"""A small world for recommendations: a space with organisations of every bloc."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations.models import Organisation, OrganisationKind, Role
from diaspora_hub.recommendations import service
from diaspora_hub.recommendations.models import Recommendation
from diaspora_hub.spaces.models import Space
from tests import factories


@dataclass
class World:
    app: Flask
    facilitator: User
    admin: User
    delegate_a: User
    delegate_b: User
    member_a: User
    gov_liaison: User
    io_liaison: User
    unverified_delegate: User
    outsider_delegate: User
    outsider: User
    org_a: Organisation
    org_b: Organisation
    government: Organisation
    io: Organisation
    unverified: Organisation
    not_taking_part: Organisation
    space: Space


@pytest.fixture
def world(app: Flask, session: Session) -> World:
    facilitator = factories.user(session, can_facilitate=True, display_name="Lucía Facilitator")
    admin = factories.user(session, is_admin=True, display_name="Amina Admin")
    # A high, distinct id makes a leaked id easy to find in a raw payload.
    delegate_a = factories.user(session, id=93001, display_name="Fatou Delegate")
    delegate_b = factories.user(session, display_name="José Delegate")
    member_a = factories.user(session, display_name="Camila Member")
    gov_liaison = factories.user(session, display_name="Moussa Liaison")
    io_liaison = factories.user(session, display_name="Ingrid Liaison")
    unverified_delegate = factories.user(session, display_name="Uma Unverified")
    outsider_delegate = factories.user(session, display_name="Omar Elsewhere")
    outsider = factories.user(session, display_name="Olga Outsider")
    org_a = factories.organisation(
        session,
        name="Alpha Diaspora",
        slug="alpha",
        members={delegate_a: Role.DELEGATE, member_a: Role.MEMBER},
    )
    org_b = factories.organisation(
        session, name="Beta Diaspora", slug="beta", members={delegate_b: Role.DELEGATE}
    )
    government = factories.organisation(
        session,
        name="Ministry of Diaspora",
        slug="ministry",
        kind=OrganisationKind.GOVERNMENT,
        members={gov_liaison: Role.LIAISON},
    )
    io = factories.organisation(
        session,
        name="Migration Agency",
        slug="agency",
        kind=OrganisationKind.IO,
        members={io_liaison: Role.LIAISON},
    )
    unverified = factories.organisation(
        session,
        name="Unverified Diaspora",
        verified=False,
        members={unverified_delegate: Role.DELEGATE},
    )
    not_taking_part = factories.organisation(
        session, name="Elsewhere Diaspora", members={outsider_delegate: Role.DELEGATE}
    )
    people = (
        facilitator,
        delegate_a,
        delegate_b,
        member_a,
        gov_liaison,
        io_liaison,
        unverified_delegate,
        outsider_delegate,
        outsider,
    )
    space = factories.space(
        session,
        slug="remittances",
        facilitators=(facilitator,),
        organisations=(org_a, org_b, government, io, unverified),
        accepted_by=people,
    )
    session.commit()
    return World(
        app=app,
        facilitator=facilitator,
        admin=admin,
        delegate_a=delegate_a,
        delegate_b=delegate_b,
        member_a=member_a,
        gov_liaison=gov_liaison,
        io_liaison=io_liaison,
        unverified_delegate=unverified_delegate,
        outsider_delegate=outsider_delegate,
        outsider=outsider,
        org_a=org_a,
        org_b=org_b,
        government=government,
        io=io,
        unverified=unverified,
        not_taking_part=not_taking_part,
        space=space,
    )


def draft(session: Session, world: World, **kwargs: Any) -> Recommendation:
    values: dict[str, Any] = {
        "title": "Cap remittance fees at 3 %",
        "text": "Transfer fees to Senegal should not exceed **3 %** by 2030.",
        "rationale": "Fees average 7 % today.",
        "target_ios": ["agency"],
    }
    values.update(kwargs)
    with world.app.test_request_context():
        recommendation = service.create_recommendation(
            session, world.facilitator, world.space.slug, **values
        )
        session.commit()
    return recommendation


def consulted(session: Session, world: World, *, days: int = 7, **kwargs: Any) -> Recommendation:
    recommendation = draft(session, world, **kwargs)
    with world.app.test_request_context():
        service.open_consultation(
            session,
            world.facilitator,
            recommendation.id,
            closes_at=utcnow() + timedelta(days=days),
        )
        session.commit()
    return recommendation


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    """Service functions translate their messages, which needs the app. Not for tests that
    make requests too: a context held open would share ``g`` (and so who is logged in)."""
    with app.test_request_context():
        yield
