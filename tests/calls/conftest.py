"""A small world for calls: a space with diaspora organisations, a government and an IO."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import (
    Attribution,
    Call,
    CallQuestion,
    Contribution,
    ContributionAnswer,
    ContributionVersion,
)
from diaspora_hub.core.db import utcnow
from diaspora_hub.organisations.models import Organisation, OrganisationKind, Role
from diaspora_hub.spaces.models import Space, SpaceTag, TagKind
from tests import factories


@dataclass
class World:
    facilitator: User
    liaison: User
    io_liaison: User
    unverified_liaison: User
    member_a: User
    member_b: User
    member_c: User
    outsider: User
    admin: User
    government: Organisation
    io: Organisation
    unverified_government: Organisation
    org_a: Organisation
    org_b: Organisation
    org_c: Organisation
    space: Space


@pytest.fixture
def world(session: Session) -> World:
    facilitator = factories.user(session, can_facilitate=True, display_name="Fatou Facilitator")
    liaison = factories.user(session, display_name="Gina Government")
    io_liaison = factories.user(session, display_name="Ines IO")
    unverified_liaison = factories.user(session, display_name="Uma Unverified")
    member_a = factories.user(session, display_name="Amadou Member")
    member_b = factories.user(session, display_name="Binta Member")
    member_c = factories.user(session, display_name="Cheikh Member")
    outsider = factories.user(session, display_name="Olga Outsider")
    admin = factories.user(session, is_admin=True)
    government = factories.organisation(
        session, kind=OrganisationKind.GOVERNMENT, members={liaison: Role.LIAISON}, name="Gov SN"
    )
    io = factories.organisation(
        session, kind=OrganisationKind.IO, members={io_liaison: Role.LIAISON}, name="IOM"
    )
    unverified_government = factories.organisation(
        session,
        kind=OrganisationKind.GOVERNMENT,
        verified=False,
        members={unverified_liaison: Role.LIAISON},
    )
    org_a = factories.organisation(
        session, members={member_a: Role.MEMBER}, name="Alpha Diaspora", slug="alpha"
    )
    org_b = factories.organisation(
        session,
        members={member_b: Role.MEMBER},
        name="Beta Diaspora",
        slug="beta",
        country_of_residence="ES",
    )
    org_c = factories.organisation(
        session,
        members={member_c: Role.MEMBER},
        name="Gamma Diaspora",
        slug="gamma",
        country_of_origin="ML",
    )
    # Verified organisations of the audience that do not take part in the space: an
    # anonymous answer hides among every organisation that could have written it.
    for name in ("Delta Diaspora", "Epsilon Diaspora"):
        factories.organisation(
            session,
            members={factories.user(session): Role.MEMBER},
            name=name,
            country_of_residence="DE",
        )
    space = factories.space(
        session,
        slug="remittances",
        facilitators=(facilitator,),
        organisations=(org_a, org_b, org_c, government),
        accepted_by=(member_a, member_b, member_c, liaison, outsider, io_liaison),
        tags=[SpaceTag(kind=TagKind.GOAL, code="10"), SpaceTag(kind=TagKind.TARGET, code="17.3")],
    )
    session.commit()
    return World(
        facilitator=facilitator,
        liaison=liaison,
        io_liaison=io_liaison,
        unverified_liaison=unverified_liaison,
        member_a=member_a,
        member_b=member_b,
        member_c=member_c,
        outsider=outsider,
        admin=admin,
        government=government,
        io=io,
        unverified_government=unverified_government,
        org_a=org_a,
        org_b=org_b,
        org_c=org_c,
        space=space,
    )


def make_call(
    session: Session,
    space: Space,
    author: User,
    *,
    opens_in: timedelta = timedelta(hours=-1),
    closes_in: timedelta = timedelta(days=7),
    published: bool = True,
    questions: tuple[str, ...] = ("What does a transfer cost you?", "What should change?"),
    audience_kinds: tuple[str, ...] = ("diaspora",),
    **kwargs: Any,
) -> Call:
    """A call with times relative to now: open by default, closed with a negative closes_in."""
    now = utcnow()
    call = Call(
        space=space,
        author_id=author.id,
        title=kwargs.pop("title", "Remittance costs"),
        context="Tell us about **fees**.",
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        audience_kinds=list(audience_kinds),
        published_at=now - timedelta(days=2) if published else None,
        **kwargs,
    )
    call.questions = [CallQuestion(position=n, text=t) for n, t in enumerate(questions, 1)]
    session.add(call)
    session.commit()
    return call


def add_contribution(
    session: Session,
    call: Call,
    organisation: Organisation,
    author: User,
    text: str,
    attribution: Attribution | str = Attribution.ORGANISATION,
) -> Contribution:
    """A contribution stored directly, for calls that are already closed."""
    attribution = Attribution(attribution)
    question = call.questions[0]
    contribution = Contribution(
        call=call, organisation=organisation, author_id=author.id, attribution=attribution
    )
    contribution.answers = [ContributionAnswer(question_id=question.id, text=text)]
    contribution.versions = [
        ContributionVersion(
            version=1,
            author_id=author.id,
            attribution=attribution,
            answers=[{"question_id": question.id, "text": text}],
        )
    ]
    session.add(contribution)
    session.commit()
    return contribution


def iso(moment: datetime) -> str:
    return moment.isoformat()


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token the pages embed, for posting forms like a browser would."""
    page = client.get(path)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert found, page.status_code
    return found.group(1)
