"""Demo data: a small, realistic world to explore after ``make run``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts

DEMO_PASSWORD = "diaspora-demo-2030"  # noqa: S105 - the published demo login, listed in the README

PEOPLE = [
    ("admin@demo.diaspora-hub.org", "Amina Diallo (platform admin)", True),
    ("facilitator@demo.diaspora-hub.org", "Lucía Herrera (facilitator)", False),
]


def load(session: Session) -> bool:
    """Create the demo world unless it exists; True when something was created."""
    if accounts.get_by_email(session, PEOPLE[0][0]) is not None:
        return False
    for email, name, is_admin in PEOPLE:
        accounts.register(
            session, email=email, password=DEMO_PASSWORD, display_name=name, is_admin=is_admin
        )
    return True
