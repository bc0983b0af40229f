"""A space with a facilitator, two participants, someone who has not accepted its code of
conduct, and an outsider to a private space."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.opinions.models import Statement, StatementState
from diaspora_hub.spaces.models import Space, Visibility
from tests import factories

DATA = Path(__file__).parent / "data"


@dataclass
class World:
    facilitator: User
    ana: User
    bo: User
    newcomer: User
    outsider: User
    admin: User
    space: Space
    private: Space


@pytest.fixture
def world(session: Session) -> World:
    facilitator = factories.user(session, can_facilitate=True, display_name="Lucía Facilitator")
    ana = factories.user(session, display_name="Ana Participant")
    bo = factories.user(session, display_name="Bo Participant")
    newcomer = factories.user(session, display_name="Nia Newcomer")
    outsider = factories.user(session, display_name="Olga Outsider")
    admin = factories.user(session, is_admin=True)
    space = factories.space(
        session, facilitators=(facilitator,), accepted_by=(facilitator, ana, bo)
    )
    private = factories.space(
        session,
        facilitators=(facilitator,),
        visibility=Visibility.INVITE,
        invited=(ana,),
        accepted_by=(facilitator, ana),
    )
    session.commit()
    return World(facilitator, ana, bo, newcomer, outsider, admin, space, private)


def accepted(session: Session, space: Space, *texts: str) -> list[Statement]:
    found = [Statement(space_id=space.id, text=t, state=StatementState.ACCEPTED) for t in texts]
    session.add_all(found)
    session.commit()
    return found


def read(name: str, conversation: str) -> str:
    return (DATA / conversation / name).read_text(encoding="utf-8")
