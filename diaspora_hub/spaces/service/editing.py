"""Opening a space and changing its own fields: title, address, tags, visibility, phase."""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.accounts.signals import standing_changed
from diaspora_hub.core import audit, geo
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Forbidden, ValidationFailed
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces import sdg as sdg_catalogue
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
from diaspora_hub.spaces.service.access import _id, space_for_manager
from diaspora_hub.spaces.types import SpaceChanges

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


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
#: would clash with page addresses under /spaces/
RESERVED_SLUGS = frozenset({"new"})
#: a taken address gets this many random letters or digits appended
_SUFFIX_LENGTH = 5
_SUFFIX_LETTERS = string.ascii_lowercase + string.digits


def slugify(title: str) -> str:
    """ASCII, lower case, hyphenated; ``space`` when nothing Latin is left of the title."""
    # Accents go (é → e); any other character outside ASCII separates words like a space.
    letters = "".join(
        ch for ch in unicodedata.normalize("NFKD", title) if unicodedata.category(ch) != "Mn"
    )
    slug = re.sub(r"[^a-z0-9]+", "-", letters.lower()).strip("-")
    # Leave room for a random "-xxxxx" suffix within the column's 80 characters.
    return slug[: SLUG_MAX - 8].rstrip("-") or "space"


def can_create(actor: User | None) -> bool:
    """Opening spaces is for people a platform admin trusts to facilitate, and admins."""
    return actor is not None and actor.is_authenticated and (actor.is_admin or actor.can_facilitate)


def require_creator(actor: User | None) -> None:
    if not can_create(actor):
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
    final_slug = _free_slug(session, explicit_slug or slugify(title))
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


def update_space(session: Session, actor: User | None, slug: str, changes: SpaceChanges) -> Space:
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
    given: Mapping[str, object] = changes
    for key in ("title", "description"):
        if key in given:
            setattr(space, key, given[key])
    if "visibility" in changes:
        space.visibility = Visibility(changes["visibility"])
    for kind, codes in tags.items():
        _set_tags(space, kind, codes)
    space.updated_at = utcnow()
    audit.record(session, _id(actor), "space.updated", "space", space.id, fields=sorted(changes))
    session.flush()
    if "visibility" in changes:
        standing_changed.send(session, user_ids=None, space_id=space.id)
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


def _valid_slug(slug: str) -> bool:
    return len(slug) <= SLUG_MAX and SLUG_PATTERN.fullmatch(slug) is not None


def _slug_taken(session: Session, slug: str) -> bool:
    # Slugs are unique across all spaces, seen or not.
    return slug in RESERVED_SLUGS or bool(
        session.scalar(select(exists().where(Space.slug == slug)))
    )


def _free_slug(session: Session, base: str) -> str:
    """The address asked for, or when any space holds it (seen by the creator or not) the
    same with a random suffix.

    A conflict would tell the creator that a space they cannot see exists, and a number
    (-2, -3 …) how many do; a random suffix says no more than that the address was not free.
    """
    slug = base
    while _slug_taken(session, slug):
        suffix = "".join(secrets.choice(_SUFFIX_LETTERS) for _ in range(_SUFFIX_LENGTH))
        slug = f"{base[: SLUG_MAX - _SUFFIX_LENGTH - 1].rstrip('-')}-{suffix}"
    return slug


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
