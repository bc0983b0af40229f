"""Demo meeting: a consultation next week with delegates approved and one person waiting,
and an outside event open for nominations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.meetings import service
from diaspora_hub.meetings.models import Level, Meeting, MeetingMode, RegistrationPolicy
from diaspora_hub.meetings.service import outside
from diaspora_hub.meetings.types import AgendaEntry, CategoryEntry, MeetingFields

SPACE = "remittance-costs"
TITLE = "Remittance costs: second consultation with the ministry"


def load(session: Session, domain: str) -> None:
    """Idempotent: does nothing when the demo meeting exists."""
    if session.scalar(select(Meeting.id).where(Meeting.title == TITLE)) is not None:
        return
    people = {h: _person(session, h, domain) for h in ("facilitator", "fatou", "jose", "moussa")}
    start = (utcnow() + timedelta(days=7)).replace(hour=13, minute=0, second=0, microsecond=0)
    meeting = service.create_meeting(
        session,
        people["facilitator"],
        SPACE,
        fields=MeetingFields(
            title=TITLE,
            description="We go through the ministry's draft position on transfer fees"
            " and agree what the diaspora associations ask for.",
            starts_at=start,
            ends_at=start + timedelta(minutes=90),
            time_zone="Europe/Madrid",
            mode=MeetingMode.OPEN,
            registration=RegistrationPolicy.APPROVAL,
            capacity=20,
            video_url="https://meet.jit.si/diaspora-hub-remittance-costs",
            agenda=(
                AgendaEntry("Welcome and the Chatham House question", 10, "Lucía Herrera"),
                AgendaEntry("The ministry's draft position", 30, "Moussa Sarr"),
                AgendaEntry("What the associations ask for", 40, "Fatou Ndiaye"),
                AgendaEntry("Next steps", 10),
            ),
            categories=(
                CategoryEntry("delegate", "Delegate", 6, for_organisations=True),
                CategoryEntry("observer", "Observer", 1),
                CategoryEntry("press", "Press", 2),
            ),
        ),
    )
    delegate = service.register(
        session, people["fatou"], meeting.id, category="delegate", organisation="asf"
    )
    observer = service.register(session, people["moussa"], meeting.id, category="observer")
    for registration in (delegate, observer):
        service.approve(session, people["facilitator"], meeting.id, registration.id)
    service.register(session, people["jose"], meeting.id, category="observer", waiting_list=True)
    _outside_event(session, people)


def _outside_event(session: Session, people: dict[str, User]) -> None:
    """A World Bank forum the space's diaspora organisations may nominate two people each to."""
    start = (utcnow() + timedelta(days=45)).replace(hour=8, minute=0, second=0, microsecond=0)
    event = outside.post_event(
        session,
        people["facilitator"],
        SPACE,
        title="Global Forum on Remittances, Investment and Development",
        host="World Bank Group and IFAD",
        location="Nairobi, and online",
        starts_at=start,
        ends_at=start + timedelta(days=2),
        nominations_close_at=start - timedelta(days=14),
        quota=2,
        eligible_kinds=["diaspora"],
        eligible_levels=["doctoral", "professional"],
        description="Diaspora associations may each put forward two members who work"
        " on remittances professionally or in research.",
    )
    outside.show_interest(
        session, people["fatou"], event.id, organisation="asf", level=Level.PROFESSIONAL
    )


def _person(session: Session, handle: str, domain: str) -> User:
    person = accounts.get_by_email(session, f"{handle}@{domain}")
    if person is None:
        raise LookupError(f"demo person {handle} is missing")
    return person
