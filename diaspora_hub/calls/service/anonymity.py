"""How much of who answered a call may be shown, so that an anonymous contribution stays
hidden among at least ``ANONYMITY_FLOOR`` organisations.

Whoever reads a call's contributions, tracker and exports can reason like this: the
organisations that could have answered (the directory and the space tell them), less
those whose contributions carry their name, less their own (whose answer they see), less
those the tracker lists as not having answered, narrowed by the stakeholder group shown
on each anonymous contribution and by the counts by kind and country. What is shown is
decided here, once for every reader, from the most to the least detailed, taking the
first that leaves every anonymous contribution at least ``ANONYMITY_FLOOR`` possible
authors (the organisations of the call's author and facilitators count as named):

1. everything: safe when, even knowing exactly who answered, each anonymous
   contribution's stakeholder group holds enough anonymous answerers;
2. without the list of invited organisations that have not answered and without the
   kind and country of anonymous contributions in the tracker's counts: safe when enough
   organisations of each such group could have answered and are not named;
3. also without the stakeholder group of anonymous contributions: safe when enough
   organisations could have answered and are not named;
4. also without the organisation and person of the other contributions: the audience is
   so small that naming the others would single the anonymous one out.

An anonymous save is refused outright when fewer than ``ANONYMITY_FLOOR`` organisations
could have written it (the fourth step only catches names given after it).
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import Integer, exists, literal, select
from sqlalchemy.orm import Session, aliased

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Attribution, Call, Contribution
from diaspora_hub.calls.types import Disclosure
from diaspora_hub.core.errors import ValidationFailed
from diaspora_hub.organisations.models import (
    BLOC_OF_KIND,
    Bloc,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
)
from diaspora_hub.spaces import service as spaces

#: the fewest organisations an anonymous contribution is ever hidden among
ANONYMITY_FLOOR = 3

_FULL = Disclosure()
_COUNTS_APART = Disclosure(not_answered=False, anonymous_details=False)
_NO_BLOC = Disclosure(not_answered=False, anonymous_details=False, anonymous_bloc=False)
_NOTHING = Disclosure(
    not_answered=False, anonymous_details=False, anonymous_bloc=False, attribution=False
)


def disclosure(session: Session, call: Call) -> Disclosure:
    """What the call's readers may be shown about who answered (see the module's steps)."""
    answers = _answers(session, call)
    insiders = _insiders(session, call)
    anonymous = Counter(bloc for org, bloc, anon in answers if anon and org not in insiders)
    if not anonymous or all(n >= ANONYMITY_FLOOR for n in anonymous.values()):
        return _FULL
    named = insiders | {org for org, _bloc, anon in answers if not anon}
    unnamed = dict(possible_authors(session, call))
    unnamed.update({org: bloc for org, bloc, anon in answers if anon})
    for org in named:
        unnamed.pop(org, None)
    by_bloc = Counter(unnamed.values())
    if all(by_bloc[bloc] >= ANONYMITY_FLOOR for bloc in anonymous):
        return _COUNTS_APART
    if len(unnamed) >= ANONYMITY_FLOOR:
        return _NO_BLOC
    return _NOTHING


def require_hideable(session: Session, call: Call, organisation: Organisation) -> None:
    """Refuse an anonymous answer that fewer than ``ANONYMITY_FLOOR`` could have written."""
    named = _insiders(session, call) | {
        org for org, _bloc, anon in _answers(session, call) if not anon
    }
    named.discard(organisation.id)
    could = set(possible_authors(session, call)) | {organisation.id}
    if len(could - named) < ANONYMITY_FLOOR:
        raise ValidationFailed(
            _(
                "Fewer than %(n)d organisations could have written this answer, so an "
                "anonymous one would point to yours. Choose another attribution.",
                n=ANONYMITY_FLOOR,
            ),
            fields={
                "attribution": [
                    _(
                        "Anonymous needs at least %(n)d organisations that could have "
                        "answered and are not named.",
                        n=ANONYMITY_FLOOR,
                    )
                ]
            },
        )


def possible_authors(session: Session, call: Call) -> dict[int, Bloc]:
    """Verified organisations in the audience with an active member who may take part in
    the space: the organisations any reader must assume could have answered."""
    kinds = [OrganisationKind(kind) for kind in call.audience_kinds]
    member = aliased(Membership)
    sees_space = spaces.standing_columns(member.user_id, literal(call.space_id, Integer))[0]
    has_participant = exists().where(
        member.organisation_id == Organisation.id,
        member.status == MembershipStatus.ACTIVE,
        User.id == member.user_id,
        User.is_active.is_(True),
        sees_space,
    )
    query = select(Organisation.id, Organisation.kind).where(
        Organisation.verified_at.is_not(None), Organisation.kind.in_(kinds), has_participant
    )
    if call.corridor_origin:
        query = query.where(Organisation.country_of_origin == call.corridor_origin)
    if call.corridor_residence:
        query = query.where(Organisation.country_of_residence == call.corridor_residence)
    return {org: BLOC_OF_KIND.get(kind, Bloc.OTHER) for org, kind in session.execute(query)}


def _insiders(session: Session, call: Call) -> set[int]:
    """Organisations the call's author or a facilitator belongs to: whether and how they
    answered is known to a reader, so they hide nobody."""
    people = [f.user_id for f in call.space.facilitators]
    if call.author_id is not None:
        people.append(call.author_id)
    return set(
        session.scalars(
            select(Membership.organisation_id).where(
                Membership.user_id.in_(people), Membership.status == MembershipStatus.ACTIVE
            )
        )
    )


def _answers(session: Session, call: Call) -> list[tuple[int, Bloc, bool]]:
    """Each answering organisation, its bloc, and whether its contribution is anonymous."""
    rows = session.execute(
        select(Contribution.organisation_id, Organisation.kind, Contribution.attribution)
        .join(Organisation, Organisation.id == Contribution.organisation_id)
        .where(Contribution.call_id == call.id)
    )
    return [
        (org, BLOC_OF_KIND.get(kind, Bloc.OTHER), attribution is Attribution.ANONYMOUS)
        for org, kind, attribution in rows
    ]
