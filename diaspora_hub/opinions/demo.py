"""Demo statements in the remittances space: pseudonymous voters imported from a Pol.is
export and the demo people's own votes, so the opinion map shows two groups and what
bridges them."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.opinions import service, simulation
from diaspora_hub.opinions.models import Choice, Statement
from diaspora_hub.spaces.models import Space

SPACE = "remittance-costs"
#: each statement, and how likely the "digital first" and the "cash and community" groups
#: are to agree with it
STATEMENTS: tuple[tuple[str, float, float], ...] = (
    ("Sending money home should cost less than 3 % of the amount sent.", 0.92, 0.9),
    (
        "Every fee and the exchange-rate margin should be shown before a transfer is paid.",
        0.9,
        0.88,
    ),
    (
        "Mobile money wallets should receive transfers straight from European bank accounts.",
        0.9,
        0.2,
    ),
    ("Cash pick-up points matter more than apps for families in rural areas.", 0.15, 0.9),
    (
        "Banks should not close the accounts of money transfer operators without a reason.",
        0.85,
        0.8,
    ),
    ("Cryptocurrency transfers are a safe way to send money home.", 0.7, 0.1),
    ("Diaspora bonds are a good way to invest in our countries of origin.", 0.8, 0.25),
    ("Governments should tax remittances to fund development.", 0.1, 0.15),
    ("Identity checks for small transfers should be simpler.", 0.85, 0.4),
    ("Hometown associations should be able to pool transfers for community projects.", 0.45, 0.9),
    ("Digital transfers leave older relatives behind.", 0.15, 0.85),
    ("Central banks should publish the margins of every transfer provider.", 0.88, 0.85),
    ("Post offices should offer low-cost transfers again.", 0.2, 0.85),
    ("Fintech start-ups from the diaspora deserve public support.", 0.9, 0.3),
    ("Transfers for school fees and health care should be free.", 0.6, 0.9),
    ("Migrants should be consulted before any new rule on transfers.", 0.9, 0.9),
)
#: how each demo person votes: the group they lean to
LEANINGS = {
    "fatou": 1,
    "jose": 0,
    "camila": 1,
    "moussa": 0,
    "maria": 0,
    "io": 0,
    "bank": 1,
}
PENDING = ("camila", "Providers should answer complaints in the sender's language.")


def load(session: Session, people: dict[str, User]) -> None:
    """Once: the statements and votes (skipped when the space already has statements)."""
    space = session.scalar(select(Space).where(Space.slug == SPACE))
    if space is None or session.scalar(select(Statement.id).where(Statement.space_id == space.id)):
        return
    leaning = np.array([[row[1] for row in STATEMENTS], [row[2] for row in STATEMENTS]])
    drawn = simulation.simulate(140, len(STATEMENTS), 2, seed=2030, turnout=0.75, leaning=leaning)
    comments = "comment-id,moderated,comment-body\n" + "".join(
        f'{j},1,"{text}"\n' for j, (text, _a, _b) in enumerate(STATEMENTS)
    )
    service.import_polis(
        session,
        people["facilitator"],
        SPACE,
        files=service.PolisFiles(
            comments=comments, participants_votes=simulation.participants_votes_csv(drawn.votes)
        ),
    )
    statements = list(
        session.scalars(
            select(Statement).where(Statement.space_id == space.id).order_by(Statement.polis_id)
        )
    )
    rng = np.random.default_rng(7)
    for handle, group in LEANINGS.items():
        for statement, chance in zip(statements, leaning[group], strict=True):
            agree = rng.random() < chance
            service.vote(
                session,
                people[handle],
                statement.id,
                choice=Choice.AGREE if agree else Choice.DISAGREE,
            )
    handle, text = PENDING
    service.add_statement(session, people[handle], SPACE, text=text)
