"""Rules for issue spaces: who sees a space, who takes part, who runs it, and every write.

Functions called from pages and the API take the space's slug, so sight of the space
(404) is always checked before the right to act on it (403).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session, selectinload

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit, geo
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, Unauthorised, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.organisations.models import Membership, MembershipStatus, Organisation
from diaspora_hub.spaces import sdg as sdg_catalogue
from diaspora_hub.spaces.models import (
    CodeOfConduct,
    ConductAcceptance,
    Phase,
    Space,
    SpaceFacilitator,
    SpaceInvitation,
    SpaceOrganisation,
    SpaceTag,
    TagKind,
    Visibility,
    allowed_phase_moves,
)


class ConductNotAccepted(Forbidden):
    code = "conduct_required"


def visible_condition(user: User | None) -> ColumnElement[bool]:
    """The SQL condition for spaces ``user`` may know exist; lists, counts and search use it."""
    if user is None or not user.is_authenticated:
        return Space.visibility == Visibility.PUBLIC
    if user.is_admin:
        return true()
    return _visible_to(user.id)


def _visible_to(
    user_id: int | ColumnElement[int] | QueryableAttribute[int],
) -> ColumnElement[bool]:
    """``visible_condition`` for a signed-in person who is not a platform admin.

    ``user_id`` may be a column of an enclosing query (a crowd's joins read many people at
    once), so each test names the only tables it reads itself."""
    facilitates = (
        exists()
        .where(SpaceFacilitator.space_id == Space.id, SpaceFacilitator.user_id == user_id)
        .correlate_except(SpaceFacilitator)
    )
    invited = (
        exists()
        .where(SpaceInvitation.space_id == Space.id, SpaceInvitation.user_id == user_id)
        .correlate_except(SpaceInvitation)
    )
    member_of_participant = (
        exists()
        .where(
            SpaceOrganisation.space_id == Space.id,
            Membership.organisation_id == SpaceOrganisation.organisation_id,
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .correlate_except(SpaceOrganisation, Membership)
    )
    return or_(
        Space.visibility == Visibility.PUBLIC,
        facilitates,
        (Space.visibility == Visibility.MEMBERS) & (member_of_participant | invited),
        (Space.visibility == Visibility.INVITE) & invited,
    )


def visible_spaces(user: User | None) -> Select[tuple[Space]]:
    return select(Space).where(visible_condition(user))


def can_see(session: Session, user: User | None, space: Space) -> bool:
    return bool(
        session.scalar(select(exists().where(Space.id == space.id, visible_condition(user))))
    )


def get_visible(session: Session, user: User | None, slug: str) -> Space:
    """The space by slug, or 404 when it does not exist *or* the person may not know it does."""
    space = session.scalar(visible_spaces(user).where(Space.slug == slug))
    if space is None:
        raise NotFound(_("No such space."))
    return space


def is_facilitator(session: Session, user: User | None, space: Space) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id == user.id
                )
            )
        )
    )


def can_manage(session: Session, user: User | None, space: Space) -> bool:
    """Facilitators run a space; platform admins may step in."""
    return (
        user is not None and user.is_authenticated and user.id in managers(session, [user], space)
    )


def managers(session: Session, users: Iterable[User], space: Space) -> set[int]:
    """The ids of those of ``users`` who may run the space (``can_manage``): one query for
    everyone, none when they are all platform admins."""
    people = [user for user in users if user.is_authenticated]
    ids = {user.id for user in people if user.is_admin}
    others = [user.id for user in people if not user.is_admin]
    if others:
        ids.update(
            session.scalars(
                select(SpaceFacilitator.user_id).where(
                    SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id.in_(others)
                )
            )
        )
    return ids


def require_manager(session: Session, user: User | None, space: Space) -> None:
    if not can_manage(session, user, space):
        raise Forbidden(_("Only the facilitators of this space may do that."))


def has_accepted_current_conduct(session: Session, user: User, space: Space) -> bool:
    conduct = space.current_conduct
    if conduct is None:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    ConductAcceptance.conduct_id == conduct.id, ConductAcceptance.user_id == user.id
                )
            )
        )
    )


@dataclass(frozen=True)
class Standing:
    """Where a signed-in person stands in a space: whether they may know it exists, run it,
    and take part (code of conduct accepted)."""

    visible: bool
    manager: bool
    conduct_accepted: bool


def standing_columns(
    user_id: ColumnElement[int] | QueryableAttribute[int],
    space_id: ColumnElement[int] | QueryableAttribute[int],
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """The facts behind a ``Standing`` as SQL columns (see ``standing_from``), for queries
    that read them together with other rows: a live room's join reads everything at once."""
    current_conduct = (
        select(CodeOfConduct.id)
        .where(CodeOfConduct.space_id == space_id)
        .order_by(CodeOfConduct.version.desc())
        .limit(1)
        .scalar_subquery()
        # ``space_id`` may be a column of the enclosing query, two levels up.
        .correlate_except(CodeOfConduct)
    )
    accepted = exists().where(
        ConductAcceptance.conduct_id == current_conduct, ConductAcceptance.user_id == user_id
    )
    return (
        exists().where(Space.id == space_id, _visible_to(user_id)),
        exists().where(SpaceFacilitator.space_id == space_id, SpaceFacilitator.user_id == user_id),
        ~exists().where(CodeOfConduct.space_id == space_id) | accepted,
    )


#: Built once: every live join and every contribution asks it.
_STANDING = select(
    *standing_columns(bindparam("user_id", type_=Integer), bindparam("space_id", type_=Integer))
)


def standing_from(user: User, facts: Sequence[Any], *, space_exists: bool = True) -> Standing:
    """The ``Standing`` of ``user`` from the values of ``standing_columns``."""
    visible, facilitator, conduct_accepted = (bool(value) for value in facts)
    if user.is_admin:
        return Standing(
            visible=space_exists, manager=space_exists, conduct_accepted=conduct_accepted
        )
    return Standing(
        visible=visible, manager=visible and facilitator, conduct_accepted=conduct_accepted
    )


def standing(session: Session, user: User, space_id: int) -> Standing:
    """The person's ``Standing`` in one query."""
    facts = session.execute(_STANDING, {"user_id": user.id, "space_id": space_id}).one()
    space_exists = not user.is_admin or session.get(Space, space_id) is not None
    return standing_from(user, facts, space_exists=space_exists)


def require_standing(found: Standing) -> Standing:
    """Taking part needs sight of the space and the current code of conduct accepted."""
    if not found.visible:
        raise NotFound(_("No such space."))
    if not found.conduct_accepted:
        raise ConductNotAccepted(_("Please accept the space's code of conduct first."))
    return found


def require_participant(session: Session, user: User | None, space: Space) -> Standing:
    """Taking part (answering, joining rooms, voting) needs sight of the space and the
    current code of conduct accepted."""
    if user is None or not user.is_authenticated:
        raise Forbidden(_("Please log in to take part."))
    return require_standing(standing(session, user, space.id))


# --- reading ---------------------------------------------------------------------------

DEFAULT_CONDUCT = _l(
    "Everyone in this space takes part in good faith.\n\n"
    "- **Be respectful.** Disagree with ideas, never attack people. Harassment, "
    "discrimination and hate speech are not tolerated.\n"
    "- **Say whom you speak for.** Speak for yourself unless your organisation has "
    "mandated you, and make clear which it is.\n"
    "- **Respect confidentiality.** In Chatham House meetings, use what is said but never "
    "attribute it to a speaker or an organisation.\n"
    "- **Give everyone room.** Keep to time, let others speak, and help diaspora, "
    "government and international voices be heard in balance.\n"
    "- **Raise problems with the facilitators.** They may moderate or remove anyone who "
    "breaks this code."
)


@dataclass(frozen=True)
class ConductState:
    """Where one person stands with a space's code of conduct."""

    #: the current version; None for a space that has none
    conduct: CodeOfConduct | None
    #: the person accepted the current version (and may take part)
    accepted: bool
    #: the latest version the person accepted, if any
    accepted_version: int | None


@dataclass(frozen=True)
class SpaceDetail:
    """A space as one person sees it."""

    space: Space
    facilitators: list[User]
    organisations: list[Organisation]
    is_facilitator: bool
    can_manage: bool
    conduct: ConductState

    @property
    def allowed_phases(self) -> tuple[Phase, ...]:
        return allowed_phase_moves(self.space.phase)


@dataclass(frozen=True)
class SpaceManagement:
    """What a facilitator needs to run a space."""

    space: Space
    facilitators: list[SpaceFacilitator]
    participants: list[SpaceOrganisation]
    invitations: list[SpaceInvitation]
    #: organisations that could still be added
    organisation_choices: list[Organisation]

    @property
    def allowed_phases(self) -> tuple[Phase, ...]:
        return allowed_phase_moves(self.space.phase)


def search_spaces(
    session: Session,
    user: User | None,
    *,
    sdg: str | None = None,
    country: str | None = None,
    phase: Phase | str | None = None,
    language: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Space]:
    """Spaces the person may know of, filtered; the total counts only those too."""
    query = visible_spaces(user)
    errors: dict[str, list[str]] = {}
    if sdg:
        code = sdg.strip().lower()
        if sdg_catalogue.is_goal(code):
            query = query.where(_tagged(TagKind.GOAL, code))
        elif sdg_catalogue.is_target(code):
            query = query.where(_tagged(TagKind.TARGET, code))
        else:
            errors["sdg"] = [_("Unknown SDG goal or target: %(code)s.", code=sdg)]
    if country:
        code = country.strip().upper()
        if code in geo.countries():
            query = query.where(_tagged(TagKind.COUNTRY, code))
        else:
            errors["country"] = [_("Unknown country code: %(code)s.", code=country)]
    if language:
        code = language.strip().lower()
        if code in geo.languages():
            query = query.where(_tagged(TagKind.LANGUAGE, code))
        else:
            errors["language"] = [_("Unknown language code: %(code)s.", code=language)]
    if phase:
        query = query.where(Space.phase == Phase(phase))
    if errors:
        raise ValidationFailed(fields=errors)
    if q and q.strip():
        query = query.where(Space.title.icontains(q.strip(), autoescape=True))
    query = query.options(selectinload(Space.tags)).order_by(
        Space.created_at.desc(), Space.id.desc()
    )
    return paginate(session, query, page, per_page)


def space_detail(session: Session, user: User | None, slug: str) -> SpaceDetail:
    return describe(session, user, get_visible(session, user, slug))


def describe(session: Session, user: User | None, space: Space) -> SpaceDetail:
    """A space already found visible, as ``user`` sees it."""
    facilitators = list(
        session.scalars(
            select(User)
            .join(SpaceFacilitator, SpaceFacilitator.user_id == User.id)
            .where(SpaceFacilitator.space_id == space.id)
            .order_by(SpaceFacilitator.created_at, SpaceFacilitator.id)
        )
    )
    organisations = list(
        session.scalars(
            select(Organisation)
            .join(SpaceOrganisation, SpaceOrganisation.organisation_id == Organisation.id)
            .where(SpaceOrganisation.space_id == space.id)
            .order_by(Organisation.name)
        )
    )
    return SpaceDetail(
        space=space,
        facilitators=facilitators,
        organisations=organisations,
        is_facilitator=user is not None and any(f.id == user.id for f in facilitators),
        can_manage=can_manage(session, user, space),
        conduct=_conduct_state(session, user, space),
    )


def space_for_manager(session: Session, user: User | None, slug: str) -> Space:
    """The space, for someone about to change it: 404 unseen, 403 not a manager."""
    space = get_visible(session, user, slug)
    require_manager(session, user, space)
    return space


def management(session: Session, user: User | None, slug: str) -> SpaceManagement:
    space = space_for_manager(session, user, slug)
    facilitators = list(
        session.scalars(_facilitators_query(space).options(selectinload(SpaceFacilitator.user)))
    )
    participants = list(
        session.scalars(
            _participants_query(space).options(selectinload(SpaceOrganisation.organisation))
        )
    )
    invitations = list(
        session.scalars(_invitations_query(space).options(selectinload(SpaceInvitation.user)))
    )
    taken = {p.organisation_id for p in participants}
    choices = [o for o in organisation_choices(session) if o.id not in taken]
    return SpaceManagement(
        space=space,
        facilitators=facilitators,
        participants=participants,
        invitations=invitations,
        organisation_choices=choices,
    )


def organisation_choices(session: Session) -> list[Organisation]:
    """Organisations a space may list as participating, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def list_facilitators(
    session: Session, user: User | None, slug: str, page: int = 1, per_page: int = 20
) -> Page[SpaceFacilitator]:
    space = get_visible(session, user, slug)
    query = _facilitators_query(space).options(selectinload(SpaceFacilitator.user))
    return paginate(session, query, page, per_page)


def list_participants(
    session: Session, user: User | None, slug: str, page: int = 1, per_page: int = 20
) -> Page[SpaceOrganisation]:
    space = get_visible(session, user, slug)
    query = _participants_query(space).options(selectinload(SpaceOrganisation.organisation))
    return paginate(session, query, page, per_page)


def list_invitations(
    session: Session, user: User | None, slug: str, page: int = 1, per_page: int = 20
) -> Page[SpaceInvitation]:
    """Who is invited is for the facilitators only."""
    space = space_for_manager(session, user, slug)
    query = _invitations_query(space).options(selectinload(SpaceInvitation.user))
    return paginate(session, query, page, per_page)


def conduct_state(session: Session, user: User | None, slug: str) -> ConductState:
    return _conduct_state(session, user, get_visible(session, user, slug))


# --- writing ---------------------------------------------------------------------------

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
#: would clash with page addresses under /spaces/
RESERVED_SLUGS = frozenset({"new"})


def slugify(title: str) -> str:
    """ASCII, lower case, hyphenated; ``space`` when nothing Latin is left of the title."""
    # Accents go (é → e); any other character outside ASCII separates words like a space.
    letters = "".join(
        ch for ch in unicodedata.normalize("NFKD", title) if unicodedata.category(ch) != "Mn"
    )
    slug = re.sub(r"[^a-z0-9]+", "-", letters.lower()).strip("-")
    # Leave room for a "-NN" suffix within the column's 80 characters.
    return slug[: SLUG_MAX - 8].rstrip("-") or "space"


def can_create(user: User | None) -> bool:
    """Opening spaces is for people a platform admin trusts to facilitate, and admins."""
    return user is not None and user.is_authenticated and (user.is_admin or user.can_facilitate)


def require_creator(user: User | None) -> None:
    if not can_create(user):
        raise Forbidden(_("Only facilitators trusted by a platform admin may open spaces."))


def create_space(
    session: Session,
    actor: User,
    *,
    title: str,
    slug: str | None = None,
    description: str = "",
    sdg: Sequence[str] = (),
    countries: Sequence[str] = (),
    languages: Sequence[str] = (),
    visibility: Visibility | str = Visibility.PUBLIC,
    organisations: Sequence[str] = (),
    conduct: str | None = None,
) -> Space:
    """Open a space; its creator becomes its first facilitator and accepts its conduct."""
    require_creator(actor)
    errors: dict[str, list[str]] = {}
    explicit_slug = (slug or "").strip()
    if explicit_slug and not _valid_slug(explicit_slug):
        errors["slug"] = [
            _("Use lower-case letters, digits and single hyphens, at most %(n)d.", n=SLUG_MAX)
        ]
    tags = _validated_tags(errors, sdg=sdg, countries=countries, languages=languages)
    found = _validated_organisations(session, errors, "organisations", organisations)
    if errors:
        raise ValidationFailed(fields=errors)
    if explicit_slug:
        if explicit_slug in RESERVED_SLUGS or _slug_taken(session, explicit_slug):
            raise Conflict(
                _("This address is already taken."),
                fields={"slug": [_("Already taken; choose another.")]},
            )
        final_slug = explicit_slug
    else:
        final_slug = _free_slug(session, slugify(title))
    space = Space(
        slug=final_slug,
        title=title,
        description=description,
        visibility=Visibility(visibility),
        phase=Phase.EXPLORATION,
        created_by_id=actor.id,
    )
    session.add(space)
    for kind, codes in tags.items():
        _set_tags(space, kind, codes)
    space.facilitators.append(SpaceFacilitator(user=actor))
    space.participants.extend(SpaceOrganisation(organisation=o) for o in found)
    first = CodeOfConduct(version=1, text=conduct or str(DEFAULT_CONDUCT), created_by_id=actor.id)
    space.conducts.append(first)
    session.flush()
    session.add(ConductAcceptance(conduct_id=first.id, user_id=actor.id))
    audit.record(session, actor.id, "space.created", "space", space.id, slug=space.slug)
    session.flush()
    return space


def update_space(
    session: Session, actor: User | None, slug: str, changes: Mapping[str, Any]
) -> Space:
    """Change a space's own fields; lists given replace the old ones entirely."""
    space = space_for_manager(session, actor, slug)
    errors: dict[str, list[str]] = {}
    tags = _validated_tags(
        errors,
        sdg=changes.get("sdg"),
        countries=changes.get("countries"),
        languages=changes.get("languages"),
    )
    if errors:
        raise ValidationFailed(fields=errors)
    for key in ("title", "description"):
        if key in changes:
            setattr(space, key, changes[key])
    if "visibility" in changes:
        space.visibility = Visibility(changes["visibility"])
    for kind, codes in tags.items():
        _set_tags(space, kind, codes)
    space.updated_at = utcnow()
    audit.record(session, _id(actor), "space.updated", "space", space.id, fields=sorted(changes))
    session.flush()
    return space


def change_phase(session: Session, actor: User | None, slug: str, phase: Phase | str) -> Space:
    space = space_for_manager(session, actor, slug)
    before = space.phase
    space.move_to(Phase(phase))
    audit.record(
        session,
        _id(actor),
        "space.phase_changed",
        "space",
        space.id,
        before=before.value,
        after=space.phase.value,
    )
    session.flush()
    return space


def add_facilitator(
    session: Session, actor: User | None, slug: str, email: str
) -> SpaceFacilitator:
    space = space_for_manager(session, actor, slug)
    person = _account(session, email)
    if is_facilitator(session, person, space):
        raise Conflict(
            _("%(name)s already facilitates this space.", name=person.display_name),
            fields={"email": [_("Already a facilitator.")]},
        )
    row = SpaceFacilitator(space=space, user=person)
    session.add(row)
    audit.record(
        session, _id(actor), "space.facilitator_added", "space", space.id, user_id=person.id
    )
    session.flush()
    return row


def remove_facilitator(session: Session, actor: User | None, slug: str, user_id: int) -> None:
    """A space always keeps at least one facilitator."""
    space = space_for_manager(session, actor, slug)
    _lock(session, space)
    row = session.scalar(
        select(SpaceFacilitator).where(
            SpaceFacilitator.space_id == space.id, SpaceFacilitator.user_id == user_id
        )
    )
    if row is None:
        raise NotFound(_("This person does not facilitate this space."))
    count = session.scalar(select(func.count()).where(SpaceFacilitator.space_id == space.id))
    if (count or 0) <= 1:
        raise Conflict(_("A space needs at least one facilitator; add another one first."))
    session.delete(row)
    audit.record(
        session, _id(actor), "space.facilitator_removed", "space", space.id, user_id=user_id
    )
    session.flush()


def add_organisation(
    session: Session, actor: User | None, slug: str, organisation: str
) -> SpaceOrganisation:
    space = space_for_manager(session, actor, slug)
    errors: dict[str, list[str]] = {}
    found = _validated_organisations(session, errors, "organisation", [organisation])
    if errors:
        raise ValidationFailed(fields=errors)
    org = found[0]
    already = session.scalar(
        select(
            exists().where(
                SpaceOrganisation.space_id == space.id,
                SpaceOrganisation.organisation_id == org.id,
            )
        )
    )
    if already:
        raise Conflict(
            _("%(org)s already takes part in this space.", org=org.name),
            fields={"organisation": [_("Already taking part.")]},
        )
    row = SpaceOrganisation(space=space, organisation=org)
    session.add(row)
    audit.record(
        session, _id(actor), "space.organisation_added", "space", space.id, organisation=org.slug
    )
    session.flush()
    return row


def remove_organisation(session: Session, actor: User | None, slug: str, organisation: str) -> None:
    space = space_for_manager(session, actor, slug)
    row = session.scalar(
        select(SpaceOrganisation)
        .join(SpaceOrganisation.organisation)
        .where(SpaceOrganisation.space_id == space.id, Organisation.slug == organisation)
    )
    if row is None:
        raise NotFound(_("This organisation does not take part in this space."))
    session.delete(row)
    audit.record(
        session,
        _id(actor),
        "space.organisation_removed",
        "space",
        space.id,
        organisation=organisation,
    )
    session.flush()


def invite(session: Session, actor: User | None, slug: str, email: str) -> SpaceInvitation:
    """Invite a person by name into a ``members`` or ``invite`` space."""
    space = space_for_manager(session, actor, slug)
    if space.visibility is Visibility.PUBLIC:
        raise Conflict(_("Everybody may see a public space; there is no need to invite."))
    person = _account(session, email)
    already = session.scalar(
        select(
            exists().where(
                SpaceInvitation.space_id == space.id, SpaceInvitation.user_id == person.id
            )
        )
    )
    if already:
        raise Conflict(
            _("%(name)s is already invited.", name=person.display_name),
            fields={"email": [_("Already invited.")]},
        )
    row = SpaceInvitation(space=space, user=person, invited_by_id=_id(actor))
    session.add(row)
    audit.record(
        session, _id(actor), "space.invitation_added", "space", space.id, user_id=person.id
    )
    session.flush()
    return row


def revoke_invitation(session: Session, actor: User | None, slug: str, user_id: int) -> None:
    space = space_for_manager(session, actor, slug)
    row = session.scalar(
        select(SpaceInvitation).where(
            SpaceInvitation.space_id == space.id, SpaceInvitation.user_id == user_id
        )
    )
    if row is None:
        raise NotFound(_("This person is not invited to this space."))
    session.delete(row)
    audit.record(
        session, _id(actor), "space.invitation_removed", "space", space.id, user_id=user_id
    )
    session.flush()


def publish_conduct(session: Session, actor: User | None, slug: str, text: str) -> CodeOfConduct:
    """Add a new version; everybody, save its author, must accept it again to take part."""
    space = space_for_manager(session, actor, slug)
    _lock(session, space)
    current = space.current_conduct
    conduct = CodeOfConduct(
        version=(current.version + 1) if current else 1, text=text, created_by_id=_id(actor)
    )
    space.conducts.append(conduct)
    session.flush()
    if actor is not None:
        session.add(ConductAcceptance(conduct_id=conduct.id, user_id=actor.id))
    audit.record(
        session,
        _id(actor),
        "space.conduct_published",
        "space",
        space.id,
        version=conduct.version,
    )
    session.flush()
    return conduct


def accept_conduct(session: Session, actor: User | None, slug: str) -> ConductState:
    """Accept the current version; accepting it twice changes nothing."""
    if actor is None:
        raise Unauthorised()
    space = get_visible(session, actor, slug)
    conduct = space.current_conduct
    if conduct is None:
        raise Conflict(_("This space has no code of conduct to accept."))
    if not has_accepted_current_conduct(session, actor, space):
        session.add(ConductAcceptance(conduct_id=conduct.id, user_id=actor.id))
        audit.record(
            session,
            actor.id,
            "space.conduct_accepted",
            "space",
            space.id,
            version=conduct.version,
        )
        session.flush()
    return _conduct_state(session, actor, space)


# --- helpers ---------------------------------------------------------------------------


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def _tagged(kind: TagKind, code: str) -> ColumnElement[bool]:
    return exists().where(
        SpaceTag.space_id == Space.id, SpaceTag.kind == kind, SpaceTag.code == code
    )


def _facilitators_query(space: Space) -> Select[tuple[SpaceFacilitator]]:
    return (
        select(SpaceFacilitator)
        .where(SpaceFacilitator.space_id == space.id)
        .order_by(SpaceFacilitator.created_at, SpaceFacilitator.id)
    )


def _participants_query(space: Space) -> Select[tuple[SpaceOrganisation]]:
    return (
        select(SpaceOrganisation)
        .join(SpaceOrganisation.organisation)
        .where(SpaceOrganisation.space_id == space.id)
        .order_by(Organisation.name, Organisation.id)
    )


def _invitations_query(space: Space) -> Select[tuple[SpaceInvitation]]:
    return (
        select(SpaceInvitation)
        .where(SpaceInvitation.space_id == space.id)
        .order_by(SpaceInvitation.created_at, SpaceInvitation.id)
    )


def _conduct_state(session: Session, user: User | None, space: Space) -> ConductState:
    conduct = space.current_conduct
    if user is None or not user.is_authenticated:
        return ConductState(conduct=conduct, accepted=False, accepted_version=None)
    accepted_version = session.scalar(
        select(func.max(CodeOfConduct.version))
        .join(ConductAcceptance, ConductAcceptance.conduct_id == CodeOfConduct.id)
        .where(CodeOfConduct.space_id == space.id, ConductAcceptance.user_id == user.id)
    )
    return ConductState(
        conduct=conduct,
        accepted=has_accepted_current_conduct(session, user, space),
        accepted_version=accepted_version,
    )


def _lock(session: Session, space: Space) -> None:
    """Serialise concurrent changes that count rows of one space (PostgreSQL row lock)."""
    session.execute(select(Space.id).where(Space.id == space.id).with_for_update())


def _valid_slug(slug: str) -> bool:
    return len(slug) <= SLUG_MAX and SLUG_PATTERN.fullmatch(slug) is not None


def _slug_taken(session: Session, slug: str) -> bool:
    # Slugs are unique across all spaces, seen or not.
    return bool(session.scalar(select(exists().where(Space.slug == slug))))


def _free_slug(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(Space.slug).where(or_(Space.slug == base, Space.slug.startswith(base + "-")))
        )
    )
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _normalised(
    values: Iterable[Any], normalise: Callable[[str], str], known: Callable[[str], bool]
) -> tuple[list[str], list[str]]:
    """Known codes in their canonical form without duplicates, and the unknown ones."""
    good: list[str] = []
    bad: list[str] = []
    for value in values:
        code = normalise(str(value))
        if not known(code):
            bad.append(str(value))
        elif code not in good:
            good.append(code)
    return good, bad


def _validated_tags(
    errors: dict[str, list[str]],
    *,
    sdg: Sequence[str] | None,
    countries: Sequence[str] | None,
    languages: Sequence[str] | None,
) -> dict[TagKind, list[str]]:
    """Tags to store, by kind, for the lists given (None leaves a kind untouched)."""
    tags: dict[TagKind, list[str]] = {}
    if sdg is not None:
        codes, bad = _normalised(
            sdg,
            lambda v: v.strip().lower(),
            lambda c: sdg_catalogue.is_goal(c) or sdg_catalogue.is_target(c),
        )
        if bad:
            errors["sdg"] = [_("Unknown SDG goal or target: %(codes)s.", codes=", ".join(bad))]
        targets = [c for c in codes if sdg_catalogue.is_target(c)]
        # A target implies its goal, so filtering by goal finds it.
        goals = {c for c in codes if sdg_catalogue.is_goal(c)}
        goals |= {str(sdg_catalogue.goal_of_target(t)) for t in targets}
        tags[TagKind.GOAL] = sorted(goals, key=sdg_catalogue.sort_key)
        tags[TagKind.TARGET] = sorted(targets, key=sdg_catalogue.sort_key)
    if countries is not None:
        codes, bad = _normalised(
            countries, lambda v: v.strip().upper(), lambda c: c in geo.countries()
        )
        if bad:
            errors["countries"] = [
                _(
                    "Unknown country code: %(codes)s. Use ISO 3166 codes such as SN.",
                    codes=", ".join(bad),
                )
            ]
        tags[TagKind.COUNTRY] = codes
    if languages is not None:
        codes, bad = _normalised(
            languages, lambda v: v.strip().lower(), lambda c: c in geo.languages()
        )
        if bad:
            errors["languages"] = [
                _(
                    "Unknown language code: %(codes)s. Use ISO 639-1 codes such as fr.",
                    codes=", ".join(bad),
                )
            ]
        tags[TagKind.LANGUAGE] = codes
    return tags


def _set_tags(space: Space, kind: TagKind, codes: list[str]) -> None:
    """Keep the rows that stay, so the (space, kind, code) uniqueness holds within a flush."""
    keep = set(codes)
    present = {t.code for t in space.tags if t.kind is kind}
    space.tags = [t for t in space.tags if t.kind is not kind or t.code in keep]
    space.tags.extend(SpaceTag(kind=kind, code=c) for c in codes if c not in present)


def _validated_organisations(
    session: Session, errors: dict[str, list[str]], field: str, slugs: Sequence[str]
) -> list[Organisation]:
    wanted = list(dict.fromkeys(s.strip() for s in slugs))
    if not wanted:
        return []
    found = {
        o.slug: o
        for o in session.scalars(select(Organisation).where(Organisation.slug.in_(wanted)))
    }
    missing = [s for s in wanted if s not in found]
    if missing:
        errors[field] = [_("No such organisation: %(slugs)s.", slugs=", ".join(missing))]
    return [found[s] for s in wanted if s in found]


def _account(session: Session, email: str) -> User:
    person = accounts.get_by_email(session, email)
    if person is None or not person.is_active:
        raise ValidationFailed(fields={"email": [_("No active account has this email.")]})
    return person
