"""Calls for input and contributions in the search.

A contribution's document holds only what every reader of it may see: its answers, its
organisation's name unless it is anonymous, its author's name only when it is named. So
searching for a name never finds a contribution that hides it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.calls import service
from diaspora_hub.calls.models import (
    Attribution,
    Call,
    CallQuestion,
    Contribution,
    ContributionAnswer,
)
from diaspora_hub.core import search


def _call_documents(session: Session, ids: Collection[int] | None) -> Iterable[tuple[int, str]]:
    for call in search.objects(session, Call, ids):
        questions = " ".join(q.text for q in call.questions)
        yield call.id, f"{call.title} {call.context} {questions}"


def _resolve_calls(
    session: Session, actor: User | None, ids: Collection[int]
) -> Mapping[int, search.Found]:
    return {
        call.id: search.Found(
            title=call.title,
            url=url_for("calls.detail", call_id=call.id),
            text=call.context,
            space=call.space.title,
        )
        for call in service.findable_calls(session, actor, ids)
    }


def _contribution_documents(
    session: Session, ids: Collection[int] | None
) -> Iterable[tuple[int, str]]:
    for contribution in search.objects(session, Contribution, ids):
        words = [answer.text for answer in contribution.answers]
        if contribution.attribution is not Attribution.ANONYMOUS:
            words.append(contribution.organisation.name)
        if contribution.attribution is Attribution.NAMED and contribution.author is not None:
            words.append(contribution.author.display_name)
        yield contribution.id, " ".join(words)


def _resolve_contributions(
    session: Session, actor: User | None, ids: Collection[int]
) -> Mapping[int, search.Found]:
    found = {}
    for call, shown in service.findable_contributions(session, actor, ids):
        organisation = shown["organisation"]
        if organisation is not None:
            title = _(
                "%(organisation)s on “%(call)s”", organisation=organisation.name, call=call.title
            )
        else:
            title = _("An anonymous contribution on “%(call)s”", call=call.title)
        found[shown["id"]] = search.Found(
            title=title,
            url=url_for("calls.detail", call_id=call.id),
            text=" ".join(answer["text"] for answer in shown["answers"]),
            space=call.space.title,
        )
    return found


CALLS = search.Kind(
    name="call",
    label=_l("Calls for input"),
    watch={
        Call: search.Watch(owner=lambda call: call.id, fields=frozenset({"title", "context"})),
        CallQuestion: search.Watch(owner=lambda question: question.call_id),
    },
    documents=_call_documents,
    resolve=_resolve_calls,
)

CONTRIBUTIONS = search.Kind(
    name="contribution",
    label=_l("Contributions"),
    watch={
        Contribution: search.Watch(
            owner=lambda contribution: contribution.id,
            fields=frozenset({"attribution", "author_id", "organisation_id", "version"}),
        ),
        ContributionAnswer: search.Watch(owner=lambda answer: answer.contribution_id),
    },
    documents=_contribution_documents,
    resolve=_resolve_contributions,
)
