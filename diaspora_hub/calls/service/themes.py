"""Synthesis: proposals drawn from the contributions of a closed call, the facilitators'
themes, and the export that feeds briefs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls import synthesis
from diaspora_hub.calls.models import Call, CallState, Contribution, Theme, ThemeContribution
from diaspora_hub.calls.service import anonymity
from diaspora_hub.calls.service.access import (
    _id,
    _is_author_or_manager,
    get_call,
    present_contribution,
)
from diaspora_hub.calls.types import SynthesisOverview
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from diaspora_hub.core.text import plain_text
from diaspora_hub.spaces import service as spaces


def proposals(session: Session, actor: User | None, call_id: int) -> list[synthesis.Proposal]:
    """Groups of similar contributions not yet in a theme, for a facilitator to review."""
    call = _synthesis_call(session, actor, call_id)
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


def list_themes(session: Session, actor: User | None, call_id: int) -> list[Theme]:
    """Facilitators see themes while they build them; everyone once the synthesis is done."""
    call = get_call(session, actor, call_id)
    manages = spaces.can_manage(session, actor, call.space)
    if not manages and call.state is not CallState.SYNTHESISED:
        return []
    return list(session.scalars(select(Theme).where(Theme.call_id == call.id).order_by(Theme.id)))


def create_theme(
    session: Session,
    actor: User | None,
    call_id: int,
    *,
    title: str,
    contribution_ids: Sequence[int],
    terms: Sequence[str] = (),
) -> Theme:
    """Accept a proposal (or any hand-picked group) as a theme."""
    call = _synthesis_call(session, actor, call_id)
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
    theme = Theme(call=call, title=title, terms=list(terms), created_by_id=_id(actor))
    theme.links = [ThemeContribution(contribution=c) for c in chosen]
    session.add(theme)
    session.flush()
    audit.record(
        session,
        _id(actor),
        "theme.created",
        "theme",
        theme.id,
        call=call.id,
        contributions=[c.id for c in chosen],
    )
    return theme


def get_theme(session: Session, actor: User | None, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(_("No such theme."))
    call = get_call(session, actor, theme.call_id)
    if (
        not spaces.can_manage(session, actor, call.space)
        and call.state is not CallState.SYNTHESISED
    ):
        raise NotFound(_("No such theme."))
    return theme


def rename_theme(session: Session, actor: User | None, theme_id: int, title: str) -> Theme:
    theme = _editable_theme(session, actor, theme_id)
    theme.title = title
    session.flush()
    audit.record(session, _id(actor), "theme.renamed", "theme", theme.id, title=title)
    return theme


def merge_theme(session: Session, actor: User | None, theme_id: int, into_id: int) -> Theme:
    """Move every contribution of one theme into another and drop the emptied theme."""
    theme = _editable_theme(session, actor, theme_id)
    target = session.get(Theme, into_id)
    if target is None or target.call_id != theme.call_id or target.id == theme.id:
        raise ValidationFailed(fields={"into": [_("Choose another theme of the same call.")]})
    for link in list(theme.links):
        theme.links.remove(link)
        target.links.append(ThemeContribution(contribution_id=link.contribution_id))
    session.delete(theme)
    session.flush()
    audit.record(session, _id(actor), "theme.merged", "theme", target.id, merged=theme_id)
    session.expire(target, ["links"])
    return target


def split_theme(
    session: Session,
    actor: User | None,
    theme_id: int,
    *,
    contribution_ids: Sequence[int],
    title: str,
) -> Theme:
    """Move some contributions of a theme to a new theme; the old one keeps the rest."""
    theme = _editable_theme(session, actor, theme_id)
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
    new = Theme(call_id=theme.call_id, title=title, terms=[], created_by_id=_id(actor))
    new.links = [ThemeContribution(contribution_id=cid) for cid in sorted(chosen)]
    session.add(new)
    session.flush()
    audit.record(
        session, _id(actor), "theme.split", "theme", theme.id, into=new.id, moved=sorted(chosen)
    )
    return new


def synthesise(session: Session, actor: User | None, call_id: int) -> Call:
    """Finish the synthesis; themes and their links are frozen from here on."""
    call = _synthesis_call(session, actor, call_id)
    call.mark_synthesised(utcnow())
    session.flush()
    audit.record(session, _id(actor), "call.synthesised", "call", call.id)
    return call


def synthesis_overview(session: Session, actor: User | None, call_id: int) -> SynthesisOverview:
    """Proposals and themes for the facilitators' synthesis page."""
    call = get_call(session, actor, call_id)
    if not spaces.can_manage(session, actor, call.space):
        raise Forbidden(_("Only the facilitators synthesise contributions."))
    state = call.state
    found = proposals(session, actor, call_id) if state is CallState.CLOSED else []
    contributions = session.scalars(select(Contribution).where(Contribution.call_id == call.id))
    return SynthesisOverview(
        call=call,
        state=state,
        proposals=found,
        themes=list_themes(session, actor, call_id),
        excerpts={c.id: plain_text(c.full_text, 240) for c in contributions},
    )


def export_contributions(
    session: Session, actor: User | None, call_id: int
) -> tuple[Call, list[dict[str, Any]]]:
    """Rows for CSV and JSON; attribution is honoured for everyone, hidden ones left out."""
    call = get_call(session, actor, call_id)
    if not _is_author_or_manager(session, actor, call):
        raise Forbidden(_("Only the call's author and the facilitators export contributions."))
    query = (
        select(Contribution)
        .where(Contribution.call_id == call.id, Contribution.hidden_at.is_(None))
        .order_by(Contribution.id)
    )
    disclosed = anonymity.disclosure(session, call)
    return call, [present_contribution(c, set(), disclosed) for c in session.scalars(query)]


def _synthesis_call(session: Session, actor: User | None, call_id: int) -> Call:
    call = get_call(session, actor, call_id)
    if not spaces.can_manage(session, actor, call.space):
        raise Forbidden(_("Only the facilitators synthesise contributions."))
    call.require_synthesisable(utcnow())
    return call


def _editable_theme(session: Session, actor: User | None, theme_id: int) -> Theme:
    theme = get_theme(session, actor, theme_id)
    _synthesis_call(session, actor, theme.call_id)
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
