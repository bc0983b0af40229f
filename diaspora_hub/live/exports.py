"""Renderings of a room's transcript (the read model ``service.transcript``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from diaspora_hub.live.models import PollState, QuestionState, RoomMode
from diaspora_hub.live.types import Json
from diaspora_hub.organisations.labels import bloc_label
from diaspora_hub.organisations.models import Bloc

_MARKDOWN_SPECIAL = "\\`*_[]<>|#"


def _md(text: Any) -> str:
    """User text inside a Markdown document: special characters escaped, lines kept."""
    escaped = "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in str(text))
    return "  \n  ".join(escaped.splitlines())


def _md_person(person: Json | None) -> str:
    if not person:
        return str(_("unknown"))
    bloc = bloc_label(person.get("bloc") or Bloc.OTHER.value)
    if "name" not in person:
        return bloc
    organisation = person.get("organisation")
    if organisation:
        return f"{_md(person['name'])} ({_md(organisation['name'])}, {bloc})"
    return f"{_md(person['name'])} ({bloc})"


def _md_time(moment: str | None) -> str:
    if not moment:
        return ""
    return f"{datetime.fromisoformat(moment):%Y-%m-%d %H:%M} UTC"


def transcript_json(record: Json) -> str:
    """A transcript (see ``service.transcript``) as an indented JSON document."""
    return json.dumps(record, ensure_ascii=False, indent=2)


def transcript_markdown(record: Json) -> str:
    """A transcript (see ``service.transcript``) as a Markdown document."""
    room = record["room"]
    chatham = room["mode"] == RoomMode.CHATHAM_HOUSE.value
    lines = [
        f"# {_md(room['title'])}",
        "",
        _("Space: %(space)s", space=_md(room["space"]["title"])),
        "",
        _(
            "Opened: %(at)s · Transcript of %(now)s",
            at=_md_time(room["opened_at"]),
            now=_md_time(record["generated_at"]),
        ),
        "",
    ]
    if chatham:
        lines += [
            "> "
            + _(
                "Chatham House rule: what was said may be used, but no speaker or "
                "organisation may be named. Speakers appear by stakeholder group only."
            ),
            "",
        ]
    lines += ["## " + _("Agenda"), ""]
    for item in record["agenda"]:
        minutes = _(" (%(n)d min)", n=item["minutes"]) if item.get("minutes") else ""
        started = (
            " — " + _("started %(at)s", at=_md_time(item["started_at"]))
            if item.get("started_at")
            else ""
        )
        lines.append(f"{item['position'] + 1}. {_md(item['title'])}{minutes}{started}")
    if not record["agenda"]:
        lines.append(_("No agenda."))
    lines += ["", "## " + _("Messages"), ""]
    for message in record["messages"]:
        when = _md_time(message["at"])
        if message.get("hidden"):
            lines.append(f"- {when} · " + _("(a message hidden by the facilitators)"))
        else:
            lines.append(
                f"- {when} · **{_md_person(message.get('speaker'))}:** "
                f"{_md(message.get('body') or '')}"
            )
    if not record["messages"]:
        lines.append(_("No messages."))
    lines += ["", "## " + _("Questions"), ""]
    for question in record["questions"]:
        state = _("answered") if question["state"] == QuestionState.ANSWERED.value else _("open")
        lines.append(
            f"- {_md(question['body'])} — {_md_person(question.get('asker'))}; "
            + _("%(n)d upvotes", n=question["votes"])
            + f"; {state}"
        )
    if not record["questions"]:
        lines.append(_("No questions."))
    lines += ["", "## " + _("Polls"), ""]
    blocs = [bloc.value for bloc in Bloc]
    for poll in record["polls"]:
        results = poll["results"]
        lines += [
            f"### {_md(poll['question'])}",
            "",
            _(
                "%(voters)d voters; %(state)s.",
                voters=results["voters"],
                state=_("closed") if poll["state"] == PollState.CLOSED.value else _("open"),
            ),
            "",
            "| " + " | ".join([_("Choice"), _("Total"), *(bloc_label(b) for b in blocs)]) + " |",
            "|" + " --- |" * (2 + len(blocs)),
        ]
        for index, choice in enumerate(poll["choices"]):
            cells = [_md(choice), str(results["counts"][index])]
            cells += [str(results["by_bloc"][b]["counts"][index]) for b in blocs]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if not record["polls"]:
        lines += [_("No polls."), ""]
    time = record["speaking_time"]
    lines += ["## " + _("Speaking time by bloc"), ""]
    lines += [
        f"- {bloc_label(b)}: "
        + _(
            "%(minutes)d min %(seconds)02d s in %(turns)d turns",
            minutes=time["by_bloc"][b] // 60,
            seconds=time["by_bloc"][b] % 60,
            turns=time["turns_by_bloc"][b],
        )
        for b in blocs
    ]
    lines += ["", "## " + _("Participants by bloc"), ""]
    lines += [f"- {bloc_label(b)}: {record['participants_by_bloc'][b]}" for b in blocs]
    return "\n".join(lines) + "\n"
