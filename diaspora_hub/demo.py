"""Demo data: a small, realistic world to explore after ``make run``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.calls import service as calls
from diaspora_hub.core.db import utcnow
from diaspora_hub.live import service as live
from diaspora_hub.meetings import demo as meetings_demo
from diaspora_hub.opinions import demo as opinions_demo
from diaspora_hub.organisations.models import Membership, Organisation, OrganisationKind, Role
from diaspora_hub.recommendations import demo as recommendations
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    Phase,
    Space,
    SpaceFacilitator,
    SpaceOrganisation,
    SpaceTag,
    TagKind,
    Visibility,
)

DEMO_PASSWORD = "diaspora-demo-2030"  # noqa: S105 - the published demo login, listed in the README
DOMAIN = "demo.diaspora-hub.org"


@dataclass(frozen=True)
class DemoPerson:
    handle: str
    name: str
    language: str
    time_zone: str
    is_admin: bool = False
    can_facilitate: bool = False


PEOPLE = (
    DemoPerson("admin", "Amina Diallo", "en", "Europe/Brussels", is_admin=True),
    DemoPerson("facilitator", "Lucía Herrera", "es", "Europe/Madrid", can_facilitate=True),
    DemoPerson("fatou", "Fatou Ndiaye", "fr", "Europe/Paris"),
    DemoPerson("jose", "José Villanueva", "en", "America/Toronto"),
    DemoPerson("camila", "Camila Rojas", "es", "Europe/Madrid"),
    DemoPerson("moussa", "Moussa Sarr", "fr", "Africa/Dakar"),
    DemoPerson("maria", "Maria Santos", "en", "Asia/Manila"),
    DemoPerson("io", "Ingrid Olsen", "en", "Europe/Zurich"),
    DemoPerson("bank", "Kofi Boateng", "en", "America/New_York"),
    DemoPerson("yusuf", "Yusuf Abdi", "en", "Europe/London"),
)

# slug, name, acronym, kind, origin, residence, verified, {handle: role}, description
ORGANISATIONS = (
    (
        "asf",
        "Association des Sénégalais de France",
        "ASF",
        OrganisationKind.DIASPORA,
        "SN",
        "FR",
        True,
        {"fatou": Role.DELEGATE},
        "Mutual aid and hometown development projects for the Senegalese community in France.",
    ),
    (
        "fcdn",
        "Filipino Canadian Diaspora Network",
        "FCDN",
        OrganisationKind.DIASPORA,
        "PH",
        "CA",
        True,
        {"jose": Role.DELEGATE},
        "Connects Filipino community associations across Canada on remittances and skills.",
    ),
    (
        "colombianos-en-espana",
        "Colombianos en España",
        None,
        OrganisationKind.DIASPORA,
        "CO",
        "ES",
        True,
        {"camila": Role.MEMBER},
        "Colombian diaspora federation working on return, pensions and political participation.",
    ),
    (
        "somali-uk-forum",
        "Somali Diaspora Forum UK",
        "SDF",
        OrganisationKind.DIASPORA,
        "SO",
        "GB",
        False,
        {"yusuf": Role.ADMIN},
        "A young network of Somali associations in the United Kingdom, awaiting verification.",
    ),
    (
        "senegal-mfa",
        "Ministry of Foreign Affairs and Senegalese Abroad",
        "MAESE",
        OrganisationKind.GOVERNMENT,
        None,
        "SN",
        True,
        {"moussa": Role.LIAISON},
        "The ministry's directorate for Senegalese abroad.",
    ),
    (
        "cfo-philippines",
        "Commission on Filipinos Overseas",
        "CFO",
        OrganisationKind.GOVERNMENT,
        None,
        "PH",
        True,
        {"maria": Role.LIAISON},
        "The Philippine government agency for Filipinos overseas and their links with home.",
    ),
    (
        "un-migration",
        "Migration Agency of the United Nations",
        "UNMA",
        OrganisationKind.IO,
        None,
        "CH",
        True,
        {"io": Role.LIAISON},
        "The United Nations' migration agency, partner for diaspora engagement.",
    ),
    (
        "dev-bank-remittances",
        "Development Bank Remittances Unit",
        "DBRU",
        OrganisationKind.IO,
        None,
        "US",
        True,
        {"bank": Role.LIAISON},
        "Monitors the cost of sending remittances and works with regulators to lower it.",
    ),
)

CONDUCT = (
    "1. Speak for yourself and, when you hold a role, for your organisation — never for others.\n"
    "2. Listen across blocs: diaspora, governments and international organisations all hold part"
    " of the answer.\n"
    "3. In Chatham House meetings, use what you hear but never attribute it.\n"
    "4. No personal attacks, no hate speech, no disclosure of people's status or whereabouts.\n"
)

# slug, title, visibility, phase, targets, countries, languages, organisations, description
SPACES = (
    (
        "remittance-costs",
        "Cheaper, safer remittances to Africa and Asia",
        Visibility.PUBLIC,
        Phase.BUILDING,
        ("10.c", "17.3"),
        ("SN", "PH", "FR", "CA"),
        ("en", "fr"),
        ("asf", "fcdn", "senegal-mfa", "cfo-philippines", "dev-bank-remittances"),
        "Sending money home still costs **6 % on average**, far above the SDG target of 3 %.\n\n"
        "This space gathers diaspora senders, regulators and development banks to find corridors"
        " where digital channels and competition can bring the cost down.",
    ),
    (
        "diaspora-partnerships",
        "Diaspora partnerships for development",
        Visibility.PUBLIC,
        Phase.EXPLORATION,
        ("17.17", "17.16"),
        ("SN", "CO", "PH"),
        ("en", "es", "fr"),
        ("asf", "fcdn", "colombianos-en-espana", "un-migration", "senegal-mfa"),
        "How can diaspora organisations become recognised partners of governments and"
        " international organisations — with funding, mandates and accountability on both sides?",
    ),
    (
        "inclusive-decisions",
        "Diaspora voices in decision-making",
        Visibility.MEMBERS,
        Phase.RUNNING,
        ("16.7",),
        ("CO", "ES", "SN"),
        ("es", "en"),
        ("colombianos-en-espana", "asf", "un-migration"),
        "A members-only working group on overseas voting, consultative councils and diaspora"
        " seats in national dialogue processes.",
    ),
)


def load(session: Session) -> bool:
    """Create the demo world unless it exists; True when something was created."""
    if accounts.get_by_email(session, f"admin@{DOMAIN}") is not None:
        return False
    people = {p.handle: _person(session, p) for p in PEOPLE}
    organisations = {row[0]: _organisation(session, people, *row) for row in ORGANISATIONS}
    for slug, title, visibility, phase, targets, countries, languages, orgs, text in SPACES:
        space = Space(
            slug=slug,
            title=title,
            description=text,
            visibility=visibility,
            phase=phase,
            created_by_id=people["facilitator"].id,
        )
        goals = sorted({t.split(".")[0] for t in targets}, key=int)
        space.tags = (
            [SpaceTag(kind=TagKind.GOAL, code=g) for g in goals]
            + [SpaceTag(kind=TagKind.TARGET, code=t) for t in targets]
            + [SpaceTag(kind=TagKind.COUNTRY, code=c) for c in countries]
            + [SpaceTag(kind=TagKind.LANGUAGE, code=lang) for lang in languages]
        )
        space.facilitators = [SpaceFacilitator(user=people["facilitator"])]
        space.participants = [SpaceOrganisation(organisation=organisations[o]) for o in orgs]
        space.conducts = [
            CodeOfConduct(version=1, text=CONDUCT, created_by_id=people["facilitator"].id)
        ]
        session.add(space)
    session.flush()
    _accept_conducts(session, people)
    _consultation(session, people)
    meetings_demo.load(session, DOMAIN)
    recommendations.load(session, people, password=DEMO_PASSWORD, domain=DOMAIN)
    opinions_demo.load(session, people)
    return True


def _accept_conducts(session: Session, people: dict[str, User]) -> None:
    """Every demo person has accepted the codes of conduct of the spaces they can see."""
    for person in people.values():
        for space in session.scalars(spaces.visible_spaces(person)):
            session.add(ConductAcceptance(conduct_id=space.conducts[-1].id, user_id=person.id))
    session.flush()


def _consultation(session: Session, people: dict[str, User]) -> None:
    """An open call with one answer, and a Chatham House room, in the remittances space."""
    now = utcnow()
    call = calls.create_call(
        session,
        people["moussa"],
        "remittance-costs",
        {
            "title": "What would make sending money home cheaper for you?",
            "context": "The ministry prepares its position for the next remittance"
            " cost review. We want to hear from Senegalese and Filipino diaspora"
            " associations before **the end of the month**.",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=14),
            "audience_kinds": ["diaspora"],
            "sdg_targets": ["10.c"],
            "questions": [
                "Which channels do your members use, and what do they pay?",
                "Which change would lower the cost the most?",
            ],
        },
    )
    calls.publish_call(session, people["moussa"], call.id)
    first, second = call.questions
    calls.save_contribution(
        session,
        people["fatou"],
        call.id,
        {
            "attribution": "organisation",
            "answers": [
                {
                    "question_id": first.id,
                    "text": "Mostly cash transfer agencies; 7 to 9 %"
                    " for 150 EUR, more in rural Senegal.",
                },
                {
                    "question_id": second.id,
                    "text": "Let mobile money wallets receive"
                    " transfers from French bank accounts directly.",
                },
            ],
        },
    )
    live.open_room(
        session,
        people["facilitator"],
        "remittance-costs",
        title="Dakar–Paris corridor: consultation",
        mode="chatham_house",
        agenda=[
            {"title": "Where the cost comes from", "minutes": 20},
            {"title": "Digital channels and regulation", "minutes": 30},
            {"title": "Recommendations to carry forward", "minutes": 25},
        ],
    )


def _person(session: Session, person: DemoPerson) -> User:
    user = accounts.register(
        session,
        email=f"{person.handle}@{DOMAIN}",
        password=DEMO_PASSWORD,
        display_name=person.name,
        language=person.language,
        time_zone=person.time_zone,
    )
    user.is_admin = person.is_admin
    user.can_facilitate = person.can_facilitate
    return user


def _organisation(
    session: Session,
    people: dict[str, User],
    slug: str,
    name: str,
    acronym: str | None,
    kind: OrganisationKind,
    origin: str | None,
    residence: str,
    verified: bool,
    roles: dict[str, Role],
    description: str,
) -> Organisation:
    org = Organisation(
        slug=slug,
        name=name,
        acronym=acronym,
        kind=kind,
        country_of_origin=origin,
        country_of_residence=residence,
        description=description,
        verified_at=utcnow() if verified else None,
        verified_by_id=people["admin"].id if verified else None,
        created_by_id=people[next(iter(roles))].id,
    )
    org.memberships = [Membership(user=people[h], role=r) for h, r in roles.items()]
    session.add(org)
    return org
