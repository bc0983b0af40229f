"""A small world for meetings: a space with organisations of three blocs, a facilitator."""

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
from diaspora_hub.meetings import service
from diaspora_hub.meetings.models import Meeting, MeetingMode, RegistrationPolicy
from diaspora_hub.meetings.types import AgendaEntry, CategoryEntry, MeetingFields
from diaspora_hub.organisations.models import Organisation, OrganisationKind, Role
from diaspora_hub.spaces.models import Space
from tests import factories


@dataclass
class World:
    facilitator: User
    delegate: User
    member: User
    other_member: User
    liaison: User
    outsider: User
    diaspora: Organisation
    government: Organisation
    space: Space


@pytest.fixture
def world(session: Session) -> World:
    facilitator = factories.user(
        session, can_facilitate=True, display_name="Lucía Facilitator", time_zone="Europe/Madrid"
    )
    delegate = factories.user(session, display_name="Fatou Delegate", time_zone="Europe/Paris")
    member = factories.user(session, display_name="José Member", time_zone="America/Toronto")
    other_member = factories.user(session, display_name="Camila Member", time_zone="Asia/Kathmandu")
    liaison = factories.user(session, display_name="Moussa Liaison", time_zone="Africa/Dakar")
    outsider = factories.user(session, display_name="Olga Outsider")
    diaspora = factories.organisation(
        session,
        members={delegate: Role.DELEGATE, member: Role.MEMBER, other_member: Role.MEMBER},
        name="Sénégalais de France",
        slug="asf",
    )
    government = factories.organisation(
        session, kind=OrganisationKind.GOVERNMENT, members={liaison: Role.LIAISON}, name="Gov SN"
    )
    space = factories.space(
        session,
        slug="remittances",
        facilitators=(facilitator,),
        organisations=(diaspora, government),
        accepted_by=(delegate, member, other_member, liaison),
    )
    session.commit()
    return World(
        facilitator=facilitator,
        delegate=delegate,
        member=member,
        other_member=other_member,
        liaison=liaison,
        outsider=outsider,
        diaspora=diaspora,
        government=government,
        space=space,
    )


def fields(
    *,
    starts_in: timedelta = timedelta(days=3),
    minutes: int = 90,
    categories: tuple[CategoryEntry, ...] = (
        CategoryEntry("delegate", "Delegate", 2, for_organisations=True),
        CategoryEntry("observer", "Observer", 1),
    ),
    **kwargs: object,
) -> MeetingFields:
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    values: dict[str, object] = {
        "title": "Remittance costs: first consultation",
        "starts_at": start,
        "ends_at": start + timedelta(minutes=minutes),
        "time_zone": "Europe/Madrid",
        "agenda": (AgendaEntry("Welcome", 10, "The chair"), AgendaEntry("Fees", 60)),
        "categories": categories,
        "mode": MeetingMode.OPEN,
        "registration": RegistrationPolicy.OPEN,
    }
    values.update(kwargs)
    return MeetingFields(**values)  # type: ignore[arg-type]


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """A request context, for calling services directly with the test's own session."""
    with app.test_request_context():
        yield


def schedule(session: Session, world: World, **kwargs: Any) -> Meeting:
    """A meeting scheduled through the service and committed, as a request would."""
    meeting = service.create_meeting(
        session, world.facilitator, world.space.slug, fields=fields(**kwargs)
    )
    session.commit()
    return meeting
