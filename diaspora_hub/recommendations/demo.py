"""Demo recommendations in the remittances space: one under consultation with positions
from every bloc, one adopted with its tally frozen, one draft.

Everything goes through the service, so the demo is a state people can reach. Run once,
from ``diaspora_hub.demo.load``; a space that has recommendations already is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import utcnow
from diaspora_hub.live import service as live
from diaspora_hub.live.models import Room, RoomEvent
from diaspora_hub.organisations.models import Membership, Organisation, OrganisationKind, Role
from diaspora_hub.recommendations import service
from diaspora_hub.recommendations.consensus import Position
from diaspora_hub.recommendations.models import Recommendation, SourceKind
from diaspora_hub.spaces.models import ConductAcceptance, Space, SpaceOrganisation

SPACE = "remittance-costs"

#: the worker id of the demo's own, short-lived room connections
WORKER = "demo-seed"

#: a civil-society organisation, so the "other" bloc takes part too
CIVIL_SOCIETY = (
    "fair-transfers",
    "Fair Transfers Coalition",
    "FTC",
    "Consumer groups watching fees and exchange-rate margins on remittance corridors.",
)


def load(session: Session, people: dict[str, User], *, password: str, domain: str) -> bool:
    """Create the demo recommendations unless the space has some; True when it did."""
    space = session.scalar(select(Space).where(Space.slug == SPACE))
    if space is None:
        return False
    if session.scalar(select(Recommendation.id).where(Recommendation.space_id == space.id)):
        return False
    people = {**people, "ngozi": _civil_society(session, space, people, password, domain)}
    chair = people["facilitator"]
    _adopted(session, chair, people)
    consulted = _under_consultation(session, chair, people)
    for kind, ref in _room_record(session, space, people).items():
        service.add_source(session, chair, consulted, kind=kind, ref=ref)
    service.create_recommendation(
        session,
        chair,
        SPACE,
        title="Report remittance costs per corridor every quarter",
        text="Regulators and the development bank should publish, **every quarter**, the total"
        " cost of sending 200 USD on each corridor the space follows.",
        rationale="A draft for the next meeting.",
        target_ios=["dev-bank-remittances"],
    )
    return True


def _adopted(session: Session, chair: User, people: dict[str, User]) -> None:
    recommendation = service.create_recommendation(
        session,
        chair,
        SPACE,
        title="Show the full cost of a transfer before the sender pays",
        text="Every remittance provider should show the **total cost** — fee and exchange-rate"
        " margin — in the sender's currency before payment, as a single figure.",
        rationale="Diaspora senders told the space that margins hidden in the exchange rate"
        " often cost more than the fee itself.",
        target_ios=["dev-bank-remittances", "un-migration"],
    )
    service.open_consultation(
        session, chair, recommendation.id, closes_at=utcnow() + timedelta(days=1)
    )
    for handle, position, reason in (
        ("fatou", Position.SUPPORT, ""),
        ("jose", Position.SUPPORT, ""),
        ("moussa", Position.SUPPORT, ""),
        ("maria", Position.SUPPORT_WITH_RESERVATIONS, "Small providers need a year to adapt."),
        ("bank", Position.SUPPORT, ""),
        ("ngozi", Position.SUPPORT, ""),
    ):
        service.endorse(
            session, people[handle], recommendation.id, position=position, reason=reason
        )
    service.adopt_recommendation(
        session, chair, recommendation.id, note="Adopted at the Dakar–Paris consultation."
    )


def _under_consultation(session: Session, chair: User, people: dict[str, User]) -> int:
    recommendation = service.create_recommendation(
        session,
        chair,
        SPACE,
        title="Let mobile wallets receive transfers from European bank accounts",
        text="Central banks in Senegal and the Philippines should let licensed mobile-money"
        " wallets receive transfers **directly** from bank accounts in France and Canada.",
        rationale="Senegalese associations in France pay 7 to 9 % through cash agencies;"
        " a wallet-to-account channel would cost under 3 %.",
        target_ios=["dev-bank-remittances"],
    )
    service.update_recommendation(
        session,
        chair,
        recommendation.id,
        text="Central banks in Senegal and the Philippines should let licensed mobile-money"
        " wallets receive transfers **directly** from bank accounts in the European Union and"
        " Canada, with the same consumer protection as bank transfers.",
        note="Wider than France; consumer protection added after the first reading.",
    )
    service.open_consultation(
        session, chair, recommendation.id, closes_at=utcnow() + timedelta(days=10)
    )
    for handle, position, reason in (
        ("fatou", Position.SUPPORT, ""),
        (
            "jose",
            Position.SUPPORT_WITH_RESERVATIONS,
            "Only if wallets are interoperable across providers.",
        ),
        ("moussa", Position.SUPPORT, ""),
        ("maria", Position.OPPOSE, "The Philippines needs its own licensing review first."),
        ("bank", Position.SUPPORT, ""),
        ("ngozi", Position.ABSTAIN, ""),
    ):
        service.endorse(
            session, people[handle], recommendation.id, position=position, reason=reason
        )
    service.propose_amendment(
        session,
        people["camila"],
        recommendation.id,
        text=recommendation.text + " Fees should be capped at 3 % of the amount sent.",
        explanation="Without a cap, the new channel may simply copy today's prices.",
    )
    service.add_comment(
        session,
        people["yusuf"],
        recommendation.id,
        body="The Somali corridor has the same problem; we would like to join this work.",
    )
    return recommendation.id


def _room_record(session: Session, space: Space, people: dict[str, User]) -> dict[SourceKind, int]:
    """What was said in the space's Chatham House room: a message, a poll, a question."""
    room = session.scalar(select(Room).where(Room.space_id == space.id).order_by(Room.id))
    if room is None:
        return {}
    sids = {}
    for handle in ("facilitator", "fatou", "jose"):
        person = people[handle]
        sid = f"demo-{handle}"
        live.connect_together(
            session,
            [live.Connecting(sid=sid, user_id=person.id, session_version=person.session_version)],
            worker_id=WORKER,
        )
        live.join(session, person.id, room.id, sid=sid, worker_id=WORKER)
        sids[handle] = sid
    chair, fatou, jose = people["facilitator"].id, people["fatou"].id, people["jose"].id
    said = live.say(
        session,
        fatou,
        room.id,
        sid=sids["fatou"],
        body="Our members pay 7 to 9 % at cash agencies; a wallet would cost them under 3 %.",
        client_id="demo-message-1",
    )
    poll = live.poll_open(
        session,
        chair,
        room.id,
        sid=sids["facilitator"],
        question="Would your members use a mobile wallet to receive money?",
        choices=["Yes", "No", "Not sure"],
    )
    poll_id = poll.ack["poll"]
    live.poll_vote(session, fatou, room.id, sid=sids["fatou"], poll_id=poll_id, choices=[0])
    live.poll_vote(session, jose, room.id, sid=sids["jose"], poll_id=poll_id, choices=[2])
    closed = live.poll_close(session, chair, room.id, sid=sids["facilitator"], poll_id=poll_id)
    asked = live.ask(
        session, jose, room.id, sid=sids["jose"], body="Who licenses the wallets, and how fast?"
    )
    answered = live.answer(
        session, chair, room.id, sid=sids["facilitator"], question_id=asked.ack["question"]
    )
    for handle, sid in sids.items():
        live.leave(session, people[handle].id, room.id, sid=sid)
        live.disconnect(session, sid)
    seqs = {
        SourceKind.MESSAGE: said.ack["seq"],
        SourceKind.POLL: closed.ack["seq"],
        SourceKind.QUESTION: answered.ack["seq"],
    }
    return {
        kind: session.execute(
            select(RoomEvent.id).where(RoomEvent.room_id == room.id, RoomEvent.seq == seq)
        ).scalar_one()
        for kind, seq in seqs.items()
    }


def _civil_society(
    session: Session, space: Space, people: dict[str, User], password: str, domain: str
) -> User:
    """Ngozi Okafor, delegate of a verified civil-society organisation taking part."""
    ngozi = accounts.register(
        session,
        email=f"ngozi@{domain}",
        password=password,
        display_name="Ngozi Okafor",
        language="en",
        time_zone="Africa/Lagos",
    )
    slug, name, acronym, description = CIVIL_SOCIETY
    organisation = Organisation(
        slug=slug,
        name=name,
        acronym=acronym,
        kind=OrganisationKind.CIVIL_SOCIETY,
        country_of_residence="BE",
        description=description,
        verified_at=utcnow(),
        verified_by_id=people["admin"].id,
        created_by_id=ngozi.id,
    )
    organisation.memberships = [Membership(user=ngozi, role=Role.DELEGATE)]
    session.add(organisation)
    session.add(SpaceOrganisation(space=space, organisation=organisation))
    session.flush()
    session.add(ConductAcceptance(conduct_id=space.conducts[-1].id, user_id=ngozi.id))
    session.flush()
    return ngozi
