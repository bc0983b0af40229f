"""Contributions: answering for an organisation, kept versions, who reads them, reports
and moderation, and the tracker of who answered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import (
    Attribution,
    Call,
    CallState,
    Contribution,
    ContributionAnswer,
    ContributionReport,
    ContributionVersion,
)
from diaspora_hub.calls.service import anonymity
from diaspora_hub.calls.service.access import (
    _answering_organisation,
    _id,
    _is_author,
    _is_author_or_manager,
    _organisation_ids,
    _participant,
    get_call,
    invited_organisations,
    permissions,
    present_contribution,
)
from diaspora_hub.calls.service.notices import KIND_REPORTED, _notify
from diaspora_hub.calls.service.themes import list_themes
from diaspora_hub.calls.types import AnswerFields, CallOverview, ContributionFields, Tracker
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.organisations import service as organisations
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import SpaceFacilitator

#: the tracker's key for contributions counted apart to keep them anonymous
ANONYMOUS_KEY = "anonymous"


def current_contribution(
    session: Session, actor: User | None, call: Call, organisation: Organisation
) -> Contribution | None:
    """The organisation's current contribution, for its own members' answer form."""
    if actor is None or organisations.active_membership(session, actor, organisation) is None:
        return None
    return _contribution_of(session, call, organisation)


def save_contribution(
    session: Session, actor: User | None, call_id: int, data: ContributionFields
) -> Contribution:
    """Create or update the one current contribution of the person's organisation.

    Every save keeps a snapshot, so an edit never loses the earlier answers.
    """
    call = get_call(session, actor, call_id)
    actor = _participant(session, actor, call.space)
    organisation = _answering_organisation(session, actor, call, data.get("organisation"))
    call.require_open(utcnow())
    answers = _answers(call, data.get("answers") or [])
    attribution = Attribution(data["attribution"])
    contribution = _contribution_of(session, call, organisation)
    already_anonymous = contribution is not None and (
        contribution.attribution is Attribution.ANONYMOUS
    )
    if attribution is Attribution.ANONYMOUS and not already_anonymous:
        anonymity.require_hideable(session, call, organisation)
    expected = data.get("version")
    if contribution is None:
        if expected:
            raise Conflict(_("This contribution no longer exists; reload the page."))
        contribution = _create_contribution(session, call, organisation, actor, attribution)
    else:
        if expected is not None and expected != contribution.version:
            raise Conflict(
                _(
                    "Somebody in %(org)s changed this contribution meanwhile; reload it first.",
                    org=organisation.name,
                )
            )
        contribution.version += 1
        contribution.author_id = actor.id
        contribution.attribution = attribution
        contribution.updated_at = utcnow()
    _set_answers(contribution, answers)
    contribution.versions.append(
        ContributionVersion(
            version=contribution.version,
            author_id=actor.id,
            attribution=attribution,
            answers=[{"question_id": q, "text": t} for q, t in answers],
            saved_at=contribution.updated_at,
        )
    )
    session.flush()
    audit.record(
        session,
        actor.id,
        "contribution.saved",
        "contribution",
        contribution.id,
        call=call.id,
        organisation=organisation.slug,
        version=contribution.version,
    )
    return contribution


def list_contributions(
    session: Session, actor: User | None, call_id: int, *, page: int = 1, per_page: int = 20
) -> tuple[Call, Page[dict[str, Any]]]:
    """Contributions this person may read, each shown as its attribution allows."""
    call = get_call(session, actor, call_id)
    query = _readable_contributions(session, actor, call).order_by(Contribution.id)
    found = paginate(session, query, page, per_page)
    own = _organisation_ids(session, actor)
    disclosed = anonymity.disclosure(session, call)
    items = [present_contribution(c, own, disclosed) for c in found.items]
    return call, Page(items=items, page=found.page, per_page=found.per_page, total=found.total)


def contribution_history(
    session: Session, actor: User | None, call_id: int, contribution_id: int
) -> list[dict[str, Any]]:
    """Every saved version, for the organisation's members, the call's author and facilitators.

    Outside the organisation each version shows no more than both its own attribution and
    the current one allow."""
    call = get_call(session, actor, call_id)
    contribution = _readable_contribution(session, actor, call, contribution_id)
    own = _organisation_ids(session, actor)
    is_own = contribution.organisation_id in own
    if not (is_own or _is_author_or_manager(session, actor, call)):
        raise Forbidden(
            _("Only the organisation, the call's author and facilitators see the history.")
        )
    current = anonymity.disclosure(session, call).attribution_of(contribution.attribution)
    history = []
    for version in contribution.versions:
        shown = version.attribution.narrowest(current)
        named = is_own or shown is Attribution.NAMED
        history.append(
            {
                "version": version.version,
                "saved_at": version.saved_at,
                "attribution": (version.attribution if is_own else shown).value,
                "author": version.author if named else None,
                "answers": version.answers,
            }
        )
    return history


def present_to_readers(session: Session, contribution: Contribution) -> dict[str, Any]:
    """A contribution as readers outside its organisation see it, for answers to moderation."""
    return present_contribution(
        contribution, set(), anonymity.disclosure(session, contribution.call)
    )


def report_contribution(
    session: Session, actor: User | None, call_id: int, contribution_id: int, reason: str
) -> ContributionReport:
    call = get_call(session, actor, call_id)
    actor = _participant(session, actor, call.space)
    contribution = _readable_contribution(session, actor, call, contribution_id)
    already = session.scalar(
        select(ContributionReport).where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.reporter_id == actor.id,
        )
    )
    if already is not None:
        raise Conflict(_("You have reported this contribution already."))
    report = ContributionReport(contribution=contribution, reporter_id=actor.id, reason=reason)
    session.add(report)
    session.flush()
    audit.record(
        session, actor.id, "contribution.reported", "contribution", contribution.id, reason=reason
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
    session: Session, actor: User | None, call_id: int, contribution_id: int, reason: str = ""
) -> Contribution:
    contribution = _moderated(session, actor, call_id, contribution_id)
    if contribution.is_hidden:
        raise Conflict(_("This contribution is hidden already."))
    contribution.hidden_at = utcnow()
    contribution.hidden_by_id = _id(actor)
    _resolve_reports(session, contribution)
    audit.record(
        session, _id(actor), "contribution.hidden", "contribution", contribution.id, reason=reason
    )
    return contribution


def restore_contribution(
    session: Session, actor: User | None, call_id: int, contribution_id: int, reason: str = ""
) -> Contribution:
    contribution = _moderated(session, actor, call_id, contribution_id)
    if not contribution.is_hidden:
        raise Conflict(_("This contribution is not hidden."))
    contribution.hidden_at = None
    contribution.hidden_by_id = None
    _resolve_reports(session, contribution)
    audit.record(
        session, _id(actor), "contribution.restored", "contribution", contribution.id, reason=reason
    )
    return contribution


def tracker(session: Session, actor: User | None, call_id: int) -> Tracker:
    """Counts for the call's author, the facilitators and platform admins only."""
    call = get_call(session, actor, call_id)
    if not _is_author_or_manager(session, actor, call):
        raise Forbidden(_("Only the call's author and the facilitators see who answered."))
    contributions = list(
        session.scalars(select(Contribution).where(Contribution.call_id == call.id))
    )
    answered = {c.organisation_id for c in contributions}
    invited = invited_organisations(session, call)
    disclosed = anonymity.disclosure(session, call)
    hidden = [
        disclosed.attribution_of(c.attribution) is Attribution.ANONYMOUS for c in contributions
    ]
    orgs = [c.organisation for c in contributions]

    def counts(values: list[str], shown: bool) -> dict[str, int]:
        """Anonymous contributions counted apart where their value would narrow them."""
        keys = [
            ANONYMOUS_KEY if apart and not shown else v
            for v, apart in zip(values, hidden, strict=True)
        ]
        return dict(sorted(Counter(keys).items()))

    return Tracker(
        received=len(contributions),
        invited=len(invited),
        by_bloc=counts([o.bloc.value for o in orgs], disclosed.anonymous_bloc),
        by_kind=counts([o.kind.value for o in orgs], disclosed.anonymous_details),
        by_country=counts(
            [o.country_of_residence or "unknown" for o in orgs], disclosed.anonymous_details
        ),
        not_answered=[org for org in invited if org.id not in answered]
        if disclosed.not_answered
        else None,
        anonymity_floor=anonymity.ANONYMITY_FLOOR,
        withheld=disclosed.withheld,
    )


def call_overview(
    session: Session, actor: User | None, call_id: int, *, page: int = 1, per_page: int = 50
) -> CallOverview:
    call, contributions = list_contributions(session, actor, call_id, page=page, per_page=per_page)
    can = permissions(session, actor, call)
    return CallOverview(
        call=call,
        state=call.state,
        can=can,
        tracker=tracker(session, actor, call_id) if can.tracker else None,
        contributions=contributions,
        themes=list_themes(session, actor, call_id),
        disclosure=anonymity.disclosure(session, call),
    )


def _answers(call: Call, given: Iterable[AnswerFields]) -> list[tuple[int, str]]:
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
    session: Session, call: Call, org: Organisation, actor: User, attribution: Attribution
) -> Contribution:
    contribution = Contribution(
        call=call, organisation=org, author_id=actor.id, attribution=attribution, version=1
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
    session: Session, actor: User | None, call: Call
) -> Select[tuple[Contribution]]:
    query = select(Contribution).where(Contribution.call_id == call.id)
    manages = spaces.can_manage(session, actor, call.space)
    if not manages:
        query = query.where(Contribution.hidden_at.is_(None))
    if call.state is CallState.OPEN and not (manages or _is_author(actor, call)):
        query = query.where(Contribution.organisation_id.in_(_organisation_ids(session, actor)))
    return query


def _readable_contribution(
    session: Session, actor: User | None, call: Call, contribution_id: int
) -> Contribution:
    query = _readable_contributions(session, actor, call).where(Contribution.id == contribution_id)
    contribution = session.scalar(query)
    if contribution is None:
        raise NotFound(_("No such contribution."))
    return contribution


def _moderated(
    session: Session, actor: User | None, call_id: int, contribution_id: int
) -> Contribution:
    call = get_call(session, actor, call_id)
    contribution = _readable_contribution(session, actor, call, contribution_id)
    if not spaces.can_manage(session, actor, call.space):
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
