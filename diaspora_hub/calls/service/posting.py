"""Posting calls: the space's list, a new call, its changes while scheduled or open, publishing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call, CallQuestion, CallState, CallTarget
from diaspora_hub.calls.service.access import (
    POSTING_KINDS,
    _id,
    _liaison_organisations,
    _require_editor,
    _state_condition,
    can_post,
    get_call,
    posting_organisations,
)
from diaspora_hub.calls.types import CallFields
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Organisation, OrganisationKind, Role
from diaspora_hub.spaces import sdg
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, TagKind

#: once a call is open, only these fields may change
CHANGEABLE_WHILE_OPEN = frozenset({"title", "context", "closes_at", "sdg_targets"})


def _calls_query(
    session: Session,
    actor: User | None,
    space: Space,
    *,
    state: CallState | None = None,
    target: str | None = None,
    now: datetime | None = None,
) -> Select[tuple[Call]]:
    query = select(Call).where(Call.space_id == space.id)
    if not spaces.can_manage(session, actor, space):
        seen: ColumnElement[bool] = Call.published_at.is_not(None)
        if actor is not None:
            seen = seen | (Call.author_id == actor.id)
        query = query.where(seen)
    if state is not None:
        query = query.where(_state_condition(state, now or utcnow()))
    if target:
        query = query.where(
            exists().where(CallTarget.call_id == Call.id, CallTarget.code == target)
        )
    return query.order_by(Call.opens_at.desc(), Call.id.desc())


def list_calls(
    session: Session,
    actor: User | None,
    slug: str,
    *,
    page: int = 1,
    per_page: int = 20,
    state: CallState | None = None,
    target: str | None = None,
) -> tuple[Space, Page[Call]]:
    """Published calls of a space, plus the drafts this person wrote or may manage."""
    space = spaces.get_visible(session, actor, slug)
    query = _calls_query(session, actor, space, state=state, target=target)
    return space, paginate(session, query, page, per_page)


def targets_in_use(session: Session, actor: User | None, space: Space) -> list[str]:
    """SDG targets carried by the calls of the space this person sees: what a filter offers."""
    calls = _calls_query(session, actor, space).order_by(None).with_only_columns(Call.id)
    codes = session.scalars(select(CallTarget.code).where(CallTarget.call_id.in_(calls)).distinct())
    return sorted(codes, key=sdg.sort_key)


def allowed_targets(space: Space) -> list[str]:
    """SDG targets a call in this space may carry: the space's own and its goals' targets."""
    codes = set(space.codes(TagKind.TARGET))
    for code in space.codes(TagKind.GOAL):
        goal = sdg.goal(code)
        if goal is not None:
            codes.update(t.code for t in goal.targets)
    return sorted(codes, key=sdg.sort_key)


def new_call_context(
    session: Session, actor: User | None, slug: str
) -> tuple[Space, list[Organisation]]:
    """The space and the organisations the person may post for; 403 if they may not post."""
    space = spaces.get_visible(session, actor, slug)
    if actor is None or not can_post(session, actor, space):
        raise Forbidden(
            _("Only liaisons of verified governments or IOs, and facilitators, post calls.")
        )
    return space, posting_organisations(session, actor)


def create_call(session: Session, actor: User | None, slug: str, data: CallFields) -> Call:
    space = spaces.get_visible(session, actor, slug)
    if actor is None:
        raise Forbidden()
    organisation = _posting_organisation(session, actor, space, data.get("organisation"))
    now = utcnow()
    _check_window(data["opens_at"], data["closes_at"], now)
    targets = _check_targets(space, data.get("sdg_targets") or [])
    call = Call(
        space=space,
        author_id=actor.id,
        organisation=organisation,
        title=data["title"],
        context=data.get("context") or "",
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        audience_kinds=_kinds(data["audience_kinds"]),
        corridor_origin=data.get("corridor_origin") or None,
        corridor_residence=data.get("corridor_residence") or None,
    )
    call.questions = _questions(data["questions"])
    call.targets = [CallTarget(code=code) for code in targets]
    session.add(call)
    session.flush()
    audit.record(session, actor.id, "call.created", "call", call.id, space=space.slug)
    return call


def update_call(session: Session, actor: User | None, call_id: int, changes: CallFields) -> Call:
    """Change a call before it closes; once open, only wording and the deadline may move."""
    call = get_call(session, actor, call_id)
    _require_editor(session, actor, call)
    now = utcnow()
    state = call.state_at(now)
    if state in (CallState.CLOSED, CallState.SYNTHESISED):
        raise Conflict(_("This call is closed; it can no longer change."))
    if state is CallState.OPEN:
        frozen = sorted(set(changes) - CHANGEABLE_WHILE_OPEN)
        if frozen:
            raise Conflict(
                _("Once a call is open, only its title, context, SDG targets and deadline change."),
                fields={name: [_("Cannot change while the call is open.")] for name in frozen},
            )
    opens_at = changes.get("opens_at", call.opens_at)
    closes_at = changes.get("closes_at", call.closes_at)
    if "opens_at" in changes or "closes_at" in changes:
        _check_window(opens_at, closes_at, now)
    if "sdg_targets" in changes:
        targets = _check_targets(call.space, changes["sdg_targets"] or [])
        call.targets = [CallTarget(code=code) for code in targets]
    given: Mapping[str, object] = changes
    for name in ("title", "context", "corridor_origin", "corridor_residence"):
        if name in given:
            setattr(call, name, given[name] or ("" if name == "context" else None))
    if "audience_kinds" in changes:
        call.audience_kinds = _kinds(changes["audience_kinds"])
    if "questions" in changes:
        call.questions = _questions(changes["questions"])
    call.opens_at, call.closes_at = opens_at, closes_at
    session.flush()
    audit.record(session, _id(actor), "call.updated", "call", call.id, fields=sorted(changes))
    return call


def publish_call(session: Session, actor: User | None, call_id: int) -> Call:
    """Make a draft visible; it opens by itself when its time comes."""
    call = get_call(session, actor, call_id)
    _require_editor(session, actor, call)
    call.publish(utcnow())
    session.flush()
    audit.record(session, _id(actor), "call.published", "call", call.id)
    return call


def _posting_organisation(
    session: Session, actor: User, space: Space, slug: str | None
) -> Organisation | None:
    if slug:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise ValidationFailed(fields={"organisation": [_("No such organisation.")]})
        if org.kind not in POSTING_KINDS:
            raise Forbidden(_("Only governments and IOs post calls for input."))
        organisations.require_acting_role(session, actor, org, (Role.LIAISON,))
        return org
    if spaces.can_manage(session, actor, space):
        return None
    candidates = _liaison_organisations(session, actor)
    eligible = [org for org in candidates if org.is_verified]
    if not eligible:
        if candidates:
            organisations.require_acting_role(session, actor, candidates[0], (Role.LIAISON,))
        raise Forbidden(
            _("Only liaisons of verified governments or IOs, and facilitators, post calls.")
        )
    if len(eligible) > 1:
        raise ValidationFailed(
            fields={"organisation": [_("Choose the organisation you post for.")]}
        )
    return eligible[0]


def _check_window(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationFailed(
            _("The call must close after it opens."),
            fields={"closes_at": [_("Must be after the opening time.")]},
        )
    if closes_at <= now:
        raise ValidationFailed(
            _("The closing time has already passed."),
            fields={"closes_at": [_("Must be in the future.")]},
        )


def _check_targets(space: Space, codes: Iterable[str]) -> list[str]:
    wanted = sorted(set(codes), key=sdg.sort_key)
    unknown = [code for code in wanted if not sdg.is_target(code)]
    if unknown:
        raise ValidationFailed(
            fields={"sdg_targets": [_("Unknown SDG target: %(codes)s", codes=", ".join(unknown))]}
        )
    allowed = set(allowed_targets(space))
    outside = [code for code in wanted if code not in allowed]
    if outside:
        raise ValidationFailed(
            fields={
                "sdg_targets": [
                    _(
                        "Not among this space's goals and targets: %(codes)s",
                        codes=", ".join(outside),
                    )
                ]
            }
        )
    return wanted


def _kinds(kinds: Iterable[str]) -> list[str]:
    chosen = {OrganisationKind(kind) for kind in kinds}
    return [kind.value for kind in OrganisationKind if kind in chosen]


def _questions(texts: Iterable[str]) -> list[CallQuestion]:
    return [CallQuestion(position=n, text=text) for n, text in enumerate(texts, start=1)]
