"""Rules for calls for input: who posts, who answers, who sees what, and every write.

Decisions kept here so pages, the API and scheduled jobs agree:

- A call is posted by a liaison of a verified ``government`` or ``io`` organisation, or by a
  facilitator of the space (platform admins included). Drafts are seen by the author and
  the space's facilitators only; to anyone else they do not exist (404).
- The audience is a set of organisation kinds, optionally narrowed to a corridor (country
  of origin and country of residence). SDG targets tag the call for browsing and filtering;
  they must belong to the space (a target of the space, or of one of its goals), because
  organisations carry no SDG targets to match against.
- "Invited" organisations are the space's participating organisations in the audience;
  they are notified and tracked. Any organisation in the audience may answer, whether it
  participates in the space or not, as long as the person can take part in the space
  (sees it and accepted its code of conduct).
- While a call is open, only its author, the facilitators and the answering organisation
  read a contribution, so early answers do not steer later ones; once closed, everyone who
  sees the call reads them. Attribution is honoured for every reader except members of
  the contributing organisation; exports honour it without exception. Hidden
  contributions are shown to facilitators only and left out of exports and proposals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls import synthesis
from diaspora_hub.calls.models import (
    Attribution,
    Call,
    CallQuestion,
    CallState,
    CallTarget,
    Contribution,
    ContributionAnswer,
    ContributionReport,
    ContributionVersion,
    Theme,
    ThemeContribution,
)
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, Unauthorised, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.core.text import plain_text
from diaspora_hub.notifications import service as notifications
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
)
from diaspora_hub.spaces import sdg
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space, SpaceFacilitator, SpaceOrganisation, TagKind

#: organisation kinds whose liaisons may post calls
POSTING_KINDS = (OrganisationKind.GOVERNMENT, OrganisationKind.IO)
#: the deadline reminder goes out this long before a call closes
REMINDER_BEFORE = timedelta(hours=48)
#: once a call is open, only these fields may change
CHANGEABLE_WHILE_OPEN = frozenset({"title", "context", "closes_at", "sdg_targets"})

KIND_OPENED = "calls.opened"
KIND_REMINDER = "calls.reminder"
KIND_CLOSED = "calls.closed"
KIND_REPORTED = "calls.reported"

notifications.register_kind(KIND_OPENED, _l("A call for input opened for your organisation"))
notifications.register_kind(KIND_REMINDER, _l("A call for input closes in 48 hours"))
notifications.register_kind(KIND_CLOSED, _l("A call for input you run has closed"))
notifications.register_kind(KIND_REPORTED, _l("A contribution was reported"))


# Reading ---------------------------------------------------------------------------------


def in_audience(call: Call, organisation: Organisation) -> bool:
    """Kind first, then each side of the corridor that the call names."""
    if organisation.kind.value not in call.audience_kinds:
        return False
    if call.corridor_origin and organisation.country_of_origin != call.corridor_origin:
        return False
    return not (
        call.corridor_residence and organisation.country_of_residence != call.corridor_residence
    )


def invited_organisations(session: Session, call: Call) -> list[Organisation]:
    """The space's participating organisations that are in the call's audience."""
    query = (
        select(Organisation)
        .join(SpaceOrganisation, SpaceOrganisation.organisation_id == Organisation.id)
        .where(SpaceOrganisation.space_id == call.space_id)
        .order_by(Organisation.name, Organisation.id)
    )
    return [org for org in session.scalars(query) if in_audience(call, org)]


def get_call(session: Session, user: User | None, call_id: int) -> Call:
    """The call, or 404 when it does not exist or the person may not know it does."""
    call = session.get(Call, call_id)
    if call is None or not spaces.can_see(session, user, call.space):
        raise NotFound(_("No such call."))
    if call.published_at is None and not _is_author_or_manager(session, user, call):
        raise NotFound(_("No such call."))
    return call


def _calls_query(
    session: Session,
    user: User | None,
    space: Space,
    *,
    state: CallState | None = None,
    target: str | None = None,
    now: datetime | None = None,
) -> Select[tuple[Call]]:
    query = select(Call).where(Call.space_id == space.id)
    if not spaces.can_manage(session, user, space):
        seen: ColumnElement[bool] = Call.published_at.is_not(None)
        if user is not None:
            seen = seen | (Call.author_id == user.id)
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
    user: User | None,
    slug: str,
    *,
    page: int = 1,
    per_page: int = 20,
    state: CallState | None = None,
    target: str | None = None,
) -> tuple[Space, Page[Call]]:
    """Published calls of a space, plus the drafts this person wrote or may manage."""
    space = spaces.get_visible(session, user, slug)
    query = _calls_query(session, user, space, state=state, target=target)
    return space, paginate(session, query, page, per_page)


@dataclass(frozen=True)
class CallPermissions:
    """What the person may do with one call, for pages to show the right buttons."""

    edit: bool = False
    publish: bool = False
    manage: bool = False
    tracker: bool = False
    export: bool = False
    report: bool = False
    answer_as: tuple[Organisation, ...] = ()


def permissions(session: Session, user: User | None, call: Call) -> CallPermissions:
    now = utcnow()
    state = call.state_at(now)
    manages = spaces.can_manage(session, user, call.space)
    editor = _may_edit(session, user, call)
    participant = _is_participant(session, user, call.space)
    answer_as: tuple[Organisation, ...] = ()
    if state is CallState.OPEN and participant and user is not None:
        answer_as = tuple(answerable_organisations(session, user, call))
    return CallPermissions(
        edit=editor and state in (CallState.DRAFT, CallState.SCHEDULED, CallState.OPEN),
        publish=editor and state is CallState.DRAFT,
        manage=manages,
        tracker=manages or _is_author(user, call),
        export=manages or _is_author(user, call),
        report=participant,
        answer_as=answer_as,
    )


def posting_organisations(session: Session, user: User) -> list[Organisation]:
    """Verified government and IO organisations this person is a liaison of."""
    return [org for org in _liaison_organisations(session, user) if org.is_verified]


def can_post(session: Session, user: User | None, space: Space) -> bool:
    if user is None:
        return False
    return spaces.can_manage(session, user, space) or bool(posting_organisations(session, user))


def allowed_targets(space: Space) -> list[str]:
    """SDG targets a call in this space may carry: the space's own and its goals' targets."""
    codes = set(space.codes(TagKind.TARGET))
    for code in space.codes(TagKind.GOAL):
        goal = sdg.goal(code)
        if goal is not None:
            codes.update(t.code for t in goal.targets)
    return sorted(codes, key=sdg.sort_key)


# Writing calls ---------------------------------------------------------------------------


def new_call_context(
    session: Session, user: User | None, slug: str
) -> tuple[Space, list[Organisation]]:
    """The space and the organisations the person may post for; 403 if they may not post."""
    space = spaces.get_visible(session, user, slug)
    if user is None or not can_post(session, user, space):
        raise Forbidden(
            _("Only liaisons of verified governments or IOs, and facilitators, post calls.")
        )
    return space, posting_organisations(session, user)


def create_call(session: Session, user: User | None, slug: str, data: dict[str, Any]) -> Call:
    space = spaces.get_visible(session, user, slug)
    if user is None:
        raise Forbidden()
    organisation = _posting_organisation(session, user, space, data.get("organisation"))
    now = utcnow()
    _check_window(data["opens_at"], data["closes_at"], now)
    targets = _check_targets(space, data.get("sdg_targets") or [])
    call = Call(
        space=space,
        author_id=user.id,
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
    audit.record(session, user.id, "call.created", "call", call.id, space=space.slug)
    return call


def update_call(session: Session, user: User | None, call_id: int, changes: dict[str, Any]) -> Call:
    """Change a call before it closes; once open, only wording and the deadline may move."""
    call = get_call(session, user, call_id)
    _require_editor(session, user, call)
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
    for name in ("title", "context", "corridor_origin", "corridor_residence"):
        if name in changes:
            setattr(call, name, changes[name] or ("" if name == "context" else None))
    if "audience_kinds" in changes:
        call.audience_kinds = _kinds(changes["audience_kinds"])
    if "questions" in changes:
        call.questions = _questions(changes["questions"])
    call.opens_at, call.closes_at = opens_at, closes_at
    session.flush()
    audit.record(session, _id(user), "call.updated", "call", call.id, fields=sorted(changes))
    return call


def publish_call(session: Session, user: User | None, call_id: int) -> Call:
    """Make a draft visible; it opens by itself when its time comes."""
    call = get_call(session, user, call_id)
    _require_editor(session, user, call)
    call.publish(utcnow())
    session.flush()
    audit.record(session, _id(user), "call.published", "call", call.id)
    return call


# Contributions ---------------------------------------------------------------------------


def answerable_organisations(session: Session, user: User, call: Call) -> list[Organisation]:
    """Organisations this person belongs to that are in the call's audience."""
    return [
        m.organisation
        for m in organisations.active_memberships(session, user)
        if in_audience(call, m.organisation)
    ]


def current_contribution(
    session: Session, user: User | None, call: Call, organisation: Organisation
) -> Contribution | None:
    """The organisation's current contribution, for its own members' answer form."""
    if user is None or organisations.active_membership(session, user, organisation) is None:
        return None
    return _contribution_of(session, call, organisation)


def save_contribution(
    session: Session, user: User | None, call_id: int, data: dict[str, Any]
) -> Contribution:
    """Create or update the one current contribution of the person's organisation.

    Every save keeps a snapshot, so an edit never loses the earlier answers.
    """
    call = get_call(session, user, call_id)
    user = _participant(session, user, call.space)
    organisation = _answering_organisation(session, user, call, data.get("organisation"))
    call.require_open(utcnow())
    answers = _answers(call, data.get("answers") or [])
    attribution = Attribution(data["attribution"])
    contribution = _contribution_of(session, call, organisation)
    expected = data.get("version")
    if contribution is None:
        if expected:
            raise Conflict(_("This contribution no longer exists; reload the page."))
        contribution = _create_contribution(session, call, organisation, user, attribution)
    else:
        if expected is not None and expected != contribution.version:
            raise Conflict(
                _(
                    "Somebody in %(org)s changed this contribution meanwhile; reload it first.",
                    org=organisation.name,
                )
            )
        contribution.version += 1
        contribution.author_id = user.id
        contribution.attribution = attribution
        contribution.updated_at = utcnow()
    _set_answers(contribution, answers)
    contribution.versions.append(
        ContributionVersion(
            version=contribution.version,
            author_id=user.id,
            attribution=attribution,
            answers=[{"question_id": q, "text": t} for q, t in answers],
            saved_at=contribution.updated_at,
        )
    )
    session.flush()
    audit.record(
        session,
        user.id,
        "contribution.saved",
        "contribution",
        contribution.id,
        call=call.id,
        organisation=organisation.slug,
        version=contribution.version,
    )
    return contribution


def list_contributions(
    session: Session, user: User | None, call_id: int, *, page: int = 1, per_page: int = 20
) -> tuple[Call, Page[dict[str, Any]]]:
    """Contributions this person may read, each shown as its attribution allows."""
    call = get_call(session, user, call_id)
    query = _readable_contributions(session, user, call).order_by(Contribution.id)
    found = paginate(session, query, page, per_page)
    own = _organisation_ids(session, user)
    items = [present_contribution(c, own) for c in found.items]
    return call, Page(items=items, page=found.page, per_page=found.per_page, total=found.total)


def present_contribution(contribution: Contribution, own_organisations: set[int]) -> dict[str, Any]:
    """A contribution as a reader may see it: who is shown depends on its attribution."""
    org = contribution.organisation
    own = contribution.organisation_id in own_organisations
    shows_org = own or contribution.attribution is not Attribution.ANONYMOUS
    shows_person = own or contribution.attribution is Attribution.NAMED
    return {
        "id": contribution.id,
        "call_id": contribution.call_id,
        "attribution": contribution.attribution.value,
        "bloc": org.bloc.value,
        "organisation": org if shows_org else None,
        "author": contribution.author if shows_person else None,
        "version": contribution.version,
        "created_at": contribution.created_at,
        "updated_at": contribution.updated_at,
        "hidden": contribution.is_hidden,
        "own": own,
        "answers": [{"question_id": a.question_id, "text": a.text} for a in contribution.answers],
    }


def contribution_history(
    session: Session, user: User | None, call_id: int, contribution_id: int
) -> list[dict[str, Any]]:
    """Every saved version, for the organisation's members, the call's author and facilitators."""
    call = get_call(session, user, call_id)
    contribution = _readable_contribution(session, user, call, contribution_id)
    own = _organisation_ids(session, user)
    is_own = contribution.organisation_id in own
    if not (is_own or _is_author_or_manager(session, user, call)):
        raise Forbidden(
            _("Only the organisation, the call's author and facilitators see the history.")
        )
    history = []
    for version in contribution.versions:
        named = is_own or version.attribution is Attribution.NAMED
        history.append(
            {
                "version": version.version,
                "saved_at": version.saved_at,
                "attribution": version.attribution.value,
                "author": version.author if named else None,
                "answers": version.answers,
            }
        )
    return history


def report_contribution(
    session: Session, user: User | None, call_id: int, contribution_id: int, reason: str
) -> ContributionReport:
    call = get_call(session, user, call_id)
    user = _participant(session, user, call.space)
    contribution = _readable_contribution(session, user, call, contribution_id)
    already = session.scalar(
        select(ContributionReport).where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.reporter_id == user.id,
        )
    )
    if already is not None:
        raise Conflict(_("You have reported this contribution already."))
    report = ContributionReport(contribution=contribution, reporter_id=user.id, reason=reason)
    session.add(report)
    session.flush()
    audit.record(
        session, user.id, "contribution.reported", "contribution", contribution.id, reason=reason
    )
    facilitators = session.scalars(
        select(User)
        .join(SpaceFacilitator, SpaceFacilitator.user_id == User.id)
        .where(SpaceFacilitator.space_id == call.space_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    _notify(
        session,
        list(facilitators),
        KIND_REPORTED,
        _l("A contribution to “%(call)s” was reported", call=call.title),
        reason,
        call,
    )
    return report


def hide_contribution(
    session: Session, user: User | None, call_id: int, contribution_id: int, reason: str = ""
) -> Contribution:
    contribution = _moderated(session, user, call_id, contribution_id)
    if contribution.is_hidden:
        raise Conflict(_("This contribution is hidden already."))
    contribution.hidden_at = utcnow()
    contribution.hidden_by_id = _id(user)
    _resolve_reports(session, contribution)
    audit.record(
        session, _id(user), "contribution.hidden", "contribution", contribution.id, reason=reason
    )
    return contribution


def restore_contribution(
    session: Session, user: User | None, call_id: int, contribution_id: int, reason: str = ""
) -> Contribution:
    contribution = _moderated(session, user, call_id, contribution_id)
    if not contribution.is_hidden:
        raise Conflict(_("This contribution is not hidden."))
    contribution.hidden_at = None
    contribution.hidden_by_id = None
    _resolve_reports(session, contribution)
    audit.record(
        session, _id(user), "contribution.restored", "contribution", contribution.id, reason=reason
    )
    return contribution


# Tracker ---------------------------------------------------------------------------------


@dataclass
class Tracker:
    """Who answered so far, by stakeholder group, and who of the invited has not."""

    received: int = 0
    invited: int = 0
    by_bloc: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    not_answered: list[Organisation] = field(default_factory=list)


def tracker(session: Session, user: User | None, call_id: int) -> Tracker:
    """Counts for the call's author, the facilitators and platform admins only."""
    call = get_call(session, user, call_id)
    if not _is_author_or_manager(session, user, call):
        raise Forbidden(_("Only the call's author and the facilitators see who answered."))
    contributions = list(
        session.scalars(select(Contribution).where(Contribution.call_id == call.id))
    )
    answered = {c.organisation_id for c in contributions}
    invited = invited_organisations(session, call)
    orgs = [c.organisation for c in contributions]
    return Tracker(
        received=len(contributions),
        invited=len(invited),
        by_bloc=dict(sorted(Counter(o.bloc.value for o in orgs).items())),
        by_kind=dict(sorted(Counter(o.kind.value for o in orgs).items())),
        by_country=dict(sorted(Counter(o.country_of_residence or "unknown" for o in orgs).items())),
        not_answered=[org for org in invited if org.id not in answered],
    )


# Synthesis -------------------------------------------------------------------------------


def proposals(session: Session, user: User | None, call_id: int) -> list[synthesis.Proposal]:
    """Groups of similar contributions not yet in a theme, for a facilitator to review."""
    call = _synthesis_call(session, user, call_id)
    themed = select(ThemeContribution.contribution_id)
    query = (
        select(Contribution)
        .where(
            Contribution.call_id == call.id,
            Contribution.hidden_at.is_(None),
            Contribution.id.not_in(themed),
        )
        .order_by(Contribution.id)
    )
    return synthesis.propose((c.id, c.full_text) for c in session.scalars(query))


def list_themes(session: Session, user: User | None, call_id: int) -> list[Theme]:
    """Facilitators see themes while they build them; everyone once the synthesis is done."""
    call = get_call(session, user, call_id)
    manages = spaces.can_manage(session, user, call.space)
    if not manages and call.state is not CallState.SYNTHESISED:
        return []
    return list(session.scalars(select(Theme).where(Theme.call_id == call.id).order_by(Theme.id)))


def create_theme(
    session: Session,
    user: User | None,
    call_id: int,
    *,
    title: str,
    contribution_ids: Sequence[int],
    terms: Sequence[str] = (),
) -> Theme:
    """Accept a proposal (or any hand-picked group) as a theme."""
    call = _synthesis_call(session, user, call_id)
    chosen = _call_contributions(session, call, contribution_ids)
    themed = session.scalars(
        select(ThemeContribution).where(
            ThemeContribution.contribution_id.in_([c.id for c in chosen])
        )
    ).first()
    if themed is not None:
        raise Conflict(
            _(
                "Contribution %(id)d is already in a theme; merge or split themes instead.",
                id=themed.contribution_id,
            ),
            fields={"contribution_ids": [_("Already in a theme.")]},
        )
    theme = Theme(call=call, title=title, terms=list(terms), created_by_id=_id(user))
    theme.links = [ThemeContribution(contribution=c) for c in chosen]
    session.add(theme)
    session.flush()
    audit.record(
        session,
        _id(user),
        "theme.created",
        "theme",
        theme.id,
        call=call.id,
        contributions=[c.id for c in chosen],
    )
    return theme


def get_theme(session: Session, user: User | None, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(_("No such theme."))
    call = get_call(session, user, theme.call_id)
    if not spaces.can_manage(session, user, call.space) and call.state is not CallState.SYNTHESISED:
        raise NotFound(_("No such theme."))
    return theme


def rename_theme(session: Session, user: User | None, theme_id: int, title: str) -> Theme:
    theme = _editable_theme(session, user, theme_id)
    theme.title = title
    session.flush()
    audit.record(session, _id(user), "theme.renamed", "theme", theme.id, title=title)
    return theme


def merge_theme(session: Session, user: User | None, theme_id: int, into_id: int) -> Theme:
    """Move every contribution of one theme into another and drop the emptied theme."""
    theme = _editable_theme(session, user, theme_id)
    target = session.get(Theme, into_id)
    if target is None or target.call_id != theme.call_id or target.id == theme.id:
        raise ValidationFailed(fields={"into": [_("Choose another theme of the same call.")]})
    for link in list(theme.links):
        theme.links.remove(link)
        target.links.append(ThemeContribution(contribution_id=link.contribution_id))
    session.delete(theme)
    session.flush()
    audit.record(session, _id(user), "theme.merged", "theme", target.id, merged=theme_id)
    session.expire(target, ["links"])
    return target


def split_theme(
    session: Session,
    user: User | None,
    theme_id: int,
    *,
    contribution_ids: Sequence[int],
    title: str,
) -> Theme:
    """Move some contributions of a theme to a new theme; the old one keeps the rest."""
    theme = _editable_theme(session, user, theme_id)
    chosen = set(contribution_ids)
    current = {link.contribution_id for link in theme.links}
    if not chosen or not chosen <= current:
        raise ValidationFailed(
            fields={"contribution_ids": [_("Choose contributions of this theme.")]}
        )
    if chosen == current:
        raise ValidationFailed(
            fields={"contribution_ids": [_("Leave at least one contribution in the theme.")]}
        )
    for link in [link for link in theme.links if link.contribution_id in chosen]:
        theme.links.remove(link)
    session.flush()
    new = Theme(call_id=theme.call_id, title=title, terms=[], created_by_id=_id(user))
    new.links = [ThemeContribution(contribution_id=cid) for cid in sorted(chosen)]
    session.add(new)
    session.flush()
    audit.record(
        session, _id(user), "theme.split", "theme", theme.id, into=new.id, moved=sorted(chosen)
    )
    return new


def synthesise(session: Session, user: User | None, call_id: int) -> Call:
    """Finish the synthesis; themes and their links are frozen from here on."""
    call = _synthesis_call(session, user, call_id)
    call.mark_synthesised(utcnow())
    session.flush()
    audit.record(session, _id(user), "call.synthesised", "call", call.id)
    return call


# Exports ---------------------------------------------------------------------------------


def export_contributions(
    session: Session, user: User | None, call_id: int
) -> tuple[Call, list[dict[str, Any]]]:
    """Rows for CSV and JSON; attribution is honoured for everyone, hidden ones left out."""
    call = get_call(session, user, call_id)
    if not _is_author_or_manager(session, user, call):
        raise Forbidden(_("Only the call's author and the facilitators export contributions."))
    query = (
        select(Contribution)
        .where(Contribution.call_id == call.id, Contribution.hidden_at.is_(None))
        .order_by(Contribution.id)
    )
    return call, [present_contribution(c, set()) for c in session.scalars(query)]


# Scheduled work (called by calls.jobs) ---------------------------------------------------


def send_open_notifications(session: Session, now: datetime) -> int:
    """Tell the invited organisations' members about calls that opened, once per call."""
    sent = 0
    for call in _due_calls(session, now, Call.opened_notified_at):
        if call.state_at(now) is not CallState.OPEN or not _claim(
            session, call, Call.opened_notified_at, now
        ):
            continue
        _notify(
            session,
            audience_members(session, call),
            KIND_OPENED,
            _l("Call for input open: %(title)s", title=call.title),
            _l("Your organisation is invited to answer."),
            call,
        )
        sent += 1
    return sent


def send_deadline_reminders(session: Session, now: datetime) -> int:
    """48 hours before closing, remind invited organisations that have not answered."""
    sent = 0
    for call in _due_calls(session, now, Call.reminder_sent_at):
        if call.state_at(now) is not CallState.OPEN or call.closes_at - REMINDER_BEFORE > now:
            continue
        if not _claim(session, call, Call.reminder_sent_at, now):
            continue
        _notify(
            session,
            audience_members(session, call, unanswered_only=True),
            KIND_REMINDER,
            _l("Call for input closes soon: %(title)s", title=call.title),
            _l("Your organisation has not answered yet."),
            call,
        )
        sent += 1
    return sent


def send_close_notices(session: Session, now: datetime) -> int:
    """Tell the author and the facilitators that a call closed and can be synthesised."""
    sent = 0
    for call in _due_calls(session, now, Call.closed_notified_at, closed=True):
        if call.state_at(now) is not CallState.CLOSED:
            continue
        if not _claim(session, call, Call.closed_notified_at, now):
            continue
        people = {f.user.id: f.user for f in call.space.facilitators if f.user.is_active}
        if call.author is not None and call.author.is_active:
            people[call.author.id] = call.author
        received = session.scalar(
            select(Contribution.id).where(Contribution.call_id == call.id).limit(1)
        )
        _notify(
            session,
            [people[key] for key in sorted(people)],
            KIND_CLOSED,
            _l("Call for input closed: %(title)s", title=call.title),
            _l("Contributions can now be synthesised.")
            if received
            else _l("No contributions were received."),
            call,
        )
        sent += 1
    return sent


def audience_members(session: Session, call: Call, *, unanswered_only: bool = False) -> list[User]:
    """Active members of invited organisations who can see the space, each once."""
    orgs = invited_organisations(session, call)
    if unanswered_only:
        answered = set(
            session.scalars(
                select(Contribution.organisation_id).where(Contribution.call_id == call.id)
            )
        )
        orgs = [org for org in orgs if org.id not in answered]
    if not orgs:
        return []
    people = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id.in_([org.id for org in orgs]),
            Membership.status == MembershipStatus.ACTIVE,
            User.is_active.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return [person for person in people if spaces.can_see(session, person, call.space)]


# Helpers ---------------------------------------------------------------------------------


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def _is_author(user: User | None, call: Call) -> bool:
    return user is not None and call.author_id == user.id


def _is_author_or_manager(session: Session, user: User | None, call: Call) -> bool:
    return _is_author(user, call) or spaces.can_manage(session, user, call.space)


def _participant(session: Session, user: User | None, space: Space) -> User:
    """The person, once they may take part in the space (sight and code of conduct)."""
    spaces.require_participant(session, user, space)
    if user is None:
        raise Unauthorised()
    return user


def _is_participant(session: Session, user: User | None, space: Space) -> bool:
    if user is None:
        return False
    return spaces.can_see(session, user, space) and spaces.has_accepted_current_conduct(
        session, user, space
    )


def _may_edit(session: Session, user: User | None, call: Call) -> bool:
    try:
        _require_editor(session, user, call)
    except Forbidden:
        return False
    return True


def _require_editor(session: Session, user: User | None, call: Call) -> None:
    """Facilitators, or the author while they still hold the role they posted with."""
    if spaces.can_manage(session, user, call.space):
        return
    if user is None or not _is_author(user, call) or call.organisation is None:
        raise Forbidden(_("Only the call's author and the facilitators change a call."))
    organisations.require_acting_role(session, user, call.organisation, (Role.LIAISON,))


def _liaison_organisations(session: Session, user: User) -> list[Organisation]:
    return [
        m.organisation
        for m in organisations.active_memberships(session, user)
        if m.role is Role.LIAISON and m.organisation.kind in POSTING_KINDS
    ]


def _posting_organisation(
    session: Session, user: User, space: Space, slug: str | None
) -> Organisation | None:
    if slug:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise ValidationFailed(fields={"organisation": [_("No such organisation.")]})
        if org.kind not in POSTING_KINDS:
            raise Forbidden(_("Only governments and IOs post calls for input."))
        organisations.require_acting_role(session, user, org, (Role.LIAISON,))
        return org
    if spaces.can_manage(session, user, space):
        return None
    candidates = _liaison_organisations(session, user)
    eligible = [org for org in candidates if org.is_verified]
    if not eligible:
        if candidates:
            organisations.require_acting_role(session, user, candidates[0], (Role.LIAISON,))
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


def _organisation_ids(session: Session, user: User | None) -> set[int]:
    if user is None:
        return set()
    return {m.organisation_id for m in organisations.active_memberships(session, user)}


def _answering_organisation(
    session: Session, user: User, call: Call, slug: str | None
) -> Organisation:
    if slug:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise ValidationFailed(fields={"organisation": [_("No such organisation.")]})
        if organisations.active_membership(session, user, org) is None:
            raise Forbidden(_("You answer only for organisations you belong to."))
        if not in_audience(call, org):
            raise Forbidden(_("%(org)s is not in this call's audience.", org=org.name))
        return org
    choices = answerable_organisations(session, user, call)
    if not choices:
        raise Forbidden(_("None of your organisations is in this call's audience."))
    if len(choices) > 1:
        raise ValidationFailed(
            fields={"organisation": [_("Choose the organisation you answer for.")]}
        )
    return choices[0]


def _answers(call: Call, given: Iterable[dict[str, Any]]) -> list[tuple[int, str]]:
    """Answers in question order; blanks dropped, unknown or repeated questions refused."""
    known = {q.id: q.position for q in call.questions}
    seen: dict[int, str] = {}
    for answer in given:
        question_id = answer["question_id"]
        if question_id not in known:
            raise ValidationFailed(fields={"answers": [_("No such question in this call.")]})
        if question_id in seen:
            raise ValidationFailed(fields={"answers": [_("Answer each question once.")]})
        seen[question_id] = answer["text"]
    kept = [(q, t) for q, t in seen.items() if t]
    if not kept:
        raise ValidationFailed(fields={"answers": [_("Answer at least one question.")]})
    return sorted(kept, key=lambda item: known[item[0]])


def _contribution_of(session: Session, call: Call, org: Organisation) -> Contribution | None:
    return session.scalar(
        select(Contribution).where(
            Contribution.call_id == call.id, Contribution.organisation_id == org.id
        )
    )


def _create_contribution(
    session: Session, call: Call, org: Organisation, user: User, attribution: Attribution
) -> Contribution:
    contribution = Contribution(
        call=call, organisation=org, author_id=user.id, attribution=attribution, version=1
    )
    try:
        with session.begin_nested():
            session.add(contribution)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Somebody in %(org)s has just answered; reload the page.", org=org.name)
        ) from None
    return contribution


def _set_answers(contribution: Contribution, answers: list[tuple[int, str]]) -> None:
    """Update rows in place so the one-answer-per-question rule holds at every flush."""
    by_question = {a.question_id: a for a in contribution.answers}
    wanted = dict(answers)
    for question_id, row in by_question.items():
        if question_id not in wanted:
            contribution.answers.remove(row)
    for question_id, text in answers:
        if question_id in by_question:
            by_question[question_id].text = text
        else:
            contribution.answers.append(ContributionAnswer(question_id=question_id, text=text))


def _readable_contributions(
    session: Session, user: User | None, call: Call
) -> Select[tuple[Contribution]]:
    query = select(Contribution).where(Contribution.call_id == call.id)
    manages = spaces.can_manage(session, user, call.space)
    if not manages:
        query = query.where(Contribution.hidden_at.is_(None))
    if call.state is CallState.OPEN and not (manages or _is_author(user, call)):
        query = query.where(Contribution.organisation_id.in_(_organisation_ids(session, user)))
    return query


def _readable_contribution(
    session: Session, user: User | None, call: Call, contribution_id: int
) -> Contribution:
    query = _readable_contributions(session, user, call).where(Contribution.id == contribution_id)
    contribution = session.scalar(query)
    if contribution is None:
        raise NotFound(_("No such contribution."))
    return contribution


def _moderated(
    session: Session, user: User | None, call_id: int, contribution_id: int
) -> Contribution:
    call = get_call(session, user, call_id)
    contribution = _readable_contribution(session, user, call, contribution_id)
    if not spaces.can_manage(session, user, call.space):
        raise Forbidden(_("Only the facilitators hide or restore contributions."))
    return contribution


def _resolve_reports(session: Session, contribution: Contribution) -> None:
    session.execute(
        update(ContributionReport)
        .where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.resolved_at.is_(None),
        )
        .values(resolved_at=utcnow())
    )
    session.flush()


def _synthesis_call(session: Session, user: User | None, call_id: int) -> Call:
    call = get_call(session, user, call_id)
    if not spaces.can_manage(session, user, call.space):
        raise Forbidden(_("Only the facilitators synthesise contributions."))
    call.require_synthesisable(utcnow())
    return call


def _editable_theme(session: Session, user: User | None, theme_id: int) -> Theme:
    theme = get_theme(session, user, theme_id)
    _synthesis_call(session, user, theme.call_id)
    return theme


def _call_contributions(
    session: Session, call: Call, contribution_ids: Sequence[int]
) -> list[Contribution]:
    wanted = sorted(set(contribution_ids))
    if not wanted:
        raise ValidationFailed(fields={"contribution_ids": [_("Choose at least one.")]})
    found = list(
        session.scalars(
            select(Contribution)
            .where(Contribution.call_id == call.id, Contribution.id.in_(wanted))
            .order_by(Contribution.id)
        )
    )
    if len(found) != len(wanted):
        raise ValidationFailed(
            fields={"contribution_ids": [_("Choose contributions of this call.")]}
        )
    return found


def _state_condition(state: CallState, now: datetime) -> ColumnElement[bool]:
    published = Call.published_at.is_not(None)
    unfinished = published & Call.synthesised_at.is_(None)
    conditions: dict[CallState, ColumnElement[bool]] = {
        CallState.DRAFT: Call.published_at.is_(None),
        CallState.SCHEDULED: unfinished & (Call.opens_at > now),
        CallState.OPEN: unfinished & (Call.opens_at <= now) & (Call.closes_at > now),
        CallState.CLOSED: unfinished & (Call.closes_at <= now),
        CallState.SYNTHESISED: published & Call.synthesised_at.is_not(None),
    }
    return conditions[state]


def _due_calls(session: Session, now: datetime, flag: Any, *, closed: bool = False) -> list[Call]:
    window = Call.closes_at <= now if closed else and_(Call.opens_at <= now, Call.closes_at > now)
    query = (
        select(Call).where(Call.published_at.is_not(None), flag.is_(None), window).order_by(Call.id)
    )
    return list(session.scalars(query))


def _claim(session: Session, call: Call, flag: Any, now: datetime) -> bool:
    """Set a once-only flag atomically, so two workers never both act on the same call."""
    result = session.execute(
        update(Call)
        .where(Call.id == call.id, flag.is_(None))
        .values({flag.key: now})
        .execution_options(synchronize_session=False)
    )
    session.refresh(call)
    return bool(getattr(result, "rowcount", 0))


def _notify(
    session: Session,
    people: Sequence[User],
    kind: str,
    title: Any,
    body: Any,
    call: Call,
) -> None:
    """One notification per person, each written in that person's language.

    ``title`` and ``body`` are lazy strings, translated once per language group.
    """
    by_language: dict[str, list[User]] = {}
    for person in people:
        by_language.setdefault(person.language or "en", []).append(person)
    for language in sorted(by_language):
        with force_locale(language):
            notifications.notify(
                session,
                by_language[language],
                kind,
                title=str(title),
                body=str(body),
                url=f"/calls/{call.id}",
            )


# Page overviews --------------------------------------------------------------------------


@dataclass
class CallOverview:
    """Everything the call page shows, decided for one reader."""

    call: Call
    state: CallState
    can: CallPermissions
    tracker: Tracker | None
    contributions: Page[dict[str, Any]]
    themes: list[Theme]


def call_overview(
    session: Session, user: User | None, call_id: int, *, page: int = 1, per_page: int = 50
) -> CallOverview:
    call, contributions = list_contributions(session, user, call_id, page=page, per_page=per_page)
    can = permissions(session, user, call)
    return CallOverview(
        call=call,
        state=call.state,
        can=can,
        tracker=tracker(session, user, call_id) if can.tracker else None,
        contributions=contributions,
        themes=list_themes(session, user, call_id),
    )


@dataclass
class SynthesisOverview:
    call: Call
    state: CallState
    proposals: list[synthesis.Proposal]
    themes: list[Theme]
    excerpts: dict[int, str]


def synthesis_overview(session: Session, user: User | None, call_id: int) -> SynthesisOverview:
    """Proposals and themes for the facilitators' synthesis page."""
    call = get_call(session, user, call_id)
    if not spaces.can_manage(session, user, call.space):
        raise Forbidden(_("Only the facilitators synthesise contributions."))
    state = call.state
    found = proposals(session, user, call_id) if state is CallState.CLOSED else []
    contributions = session.scalars(select(Contribution).where(Contribution.call_id == call.id))
    return SynthesisOverview(
        call=call,
        state=state,
        proposals=found,
        themes=list_themes(session, user, call_id),
        excerpts={c.id: plain_text(c.full_text, 240) for c in contributions},
    )
