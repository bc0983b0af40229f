"""Importing a conversation exported from Pol.is (its open-data export files).

Two shapes are accepted, as Pol.is exports them:

- ``comments.csv`` (``comment-id``, ``comment-body``, optionally ``moderated``) with
  ``votes.csv`` (``comment-id``, ``voter-id``, ``vote``, optionally ``timestamp``; the latest
  vote of a voter on a comment counts);
- ``participants-votes.csv`` (``participant`` and one column per comment id holding 1, -1,
  0 or nothing), optionally with ``comments.csv`` for the statements' text.

Votes are 1 agree, -1 disagree, 0 pass. Comments Pol.is moderated out (``moderated`` -1)
are imported as rejected; the rest as accepted, since the facilitator importing vouches
for them. Text longer than a statement may be is shortened. Imported voters are
pseudonymous and keep their Pol.is participant id. Only a facilitator imports; a file that
cannot be read is refused with the line at fault and nothing is stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, ValidationFailed
from diaspora_hub.core.text import clean_text, plain_text
from diaspora_hub.opinions.models import (
    MAX_STATEMENT_LENGTH,
    Choice,
    Statement,
    StatementState,
    Vote,
    Voter,
)
from diaspora_hub.opinions.service.kernel import manager, touch, visible_space

#: largest upload of an import: Pol.is exports of large conversations pass the site-wide
#: request limit (``MAX_CONTENT_LENGTH``), so the import endpoints allow this much instead
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
#: most statements and voters one import may bring
MAX_STATEMENTS = 5_000
MAX_VOTERS = 100_000
_CHOICES = {"1": Choice.AGREE, "-1": Choice.DISAGREE, "0": Choice.PASS}
_PARTICIPANT_META = {"participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"}


@dataclass(frozen=True)
class PolisFiles:
    """The uploaded files' text, by their Pol.is name; absent files are None."""

    comments: str | None = None
    votes: str | None = None
    participants_votes: str | None = None


@dataclass(frozen=True)
class ImportSummary:
    statements: int
    voters: int
    votes: int


@dataclass(frozen=True)
class _Comment:
    polis_id: int
    text: str
    rejected: bool


def import_polis(
    session: Session, actor: User | None, slug: str, *, files: PolisFiles
) -> ImportSummary:
    """Read the whole export first; store it only when every line made sense."""
    space = visible_space(session, actor, slug)
    actor = manager(session, actor, space)
    comments: dict[int, _Comment] | None = None
    if files.comments is not None:
        comments = _read_comments(files.comments)
    if files.participants_votes is not None:
        votes = _read_participants_votes(files.participants_votes)
    elif files.votes is not None and comments is not None:
        votes = _read_votes(files.votes)
    else:
        raise ValidationFailed(
            _("Upload comments.csv with votes.csv, or participants-votes.csv."),
            fields={"files": [_("Upload comments.csv with votes.csv, or participants-votes.csv.")]},
        )
    voted_comments = {cid for (_pid, cid) in votes}
    if comments is None:
        comments = {
            cid: _Comment(cid, _("Pol.is statement %(id)d", id=cid), False)
            for cid in sorted(voted_comments)
        }
    unknown = sorted(voted_comments - set(comments))
    if unknown:
        raise ValidationFailed(
            _("Votes name comments that comments.csv does not have."),
            fields={"votes.csv": [_("Unknown comment ids: %(ids)s", ids=_ids(unknown))]},
        )
    participants = sorted({pid for (pid, _cid) in votes})
    if len(comments) > MAX_STATEMENTS or len(participants) > MAX_VOTERS:
        raise ValidationFailed(_("This export is larger than one import may be."))
    _refuse_repeats(session, space.id, comments, participants)
    now = utcnow()
    statements = {
        c.polis_id: Statement(
            space_id=space.id,
            text=c.text,
            polis_id=c.polis_id,
            state=StatementState.REJECTED if c.rejected else StatementState.ACCEPTED,
            moderated_at=now,
            moderated_by_id=actor.id,
        )
        for c in comments.values()
    }
    voters = {pid: Voter(space_id=space.id, polis_id=pid) for pid in participants}
    session.add_all([*statements.values(), *voters.values()])
    session.flush()
    if votes:
        session.execute(
            insert(Vote),
            [
                {
                    "statement_id": statements[cid].id,
                    "voter_id": voters[pid].id,
                    "choice": choice,
                    "created_at": now,
                    "updated_at": now,
                }
                for (pid, cid), choice in votes.items()
            ],
        )
    touch(session, space)
    audit.record(
        session,
        actor.id,
        "statements.imported",
        "space",
        space.id,
        statements=len(statements),
        voters=len(voters),
        votes=len(votes),
    )
    return ImportSummary(statements=len(statements), voters=len(voters), votes=len(votes))


def _rows(text: str, name: str, required: Iterable[str]) -> list[dict[str, str]]:
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = reader.fieldnames or []
        missing = [column for column in required if column not in header]
        if missing:
            raise ValidationFailed(
                _("%(file)s lacks columns it needs.", file=name),
                fields={name: [_("Missing columns: %(names)s", names=", ".join(missing))]},
            )
        return list(reader)
    except csv.Error as exc:
        raise ValidationFailed(
            _("%(file)s is not a readable CSV file.", file=name), fields={name: [str(exc)]}
        ) from exc


def _integer(value: str | None, name: str, line: int, column: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ValidationFailed(
            _("%(file)s has a value that is not a whole number.", file=name),
            fields={name: [_("Line %(line)d, column %(column)s.", line=line, column=column)]},
        ) from None


def _read_comments(text: str) -> dict[int, _Comment]:
    name = "comments.csv"
    found: dict[int, _Comment] = {}
    for line, row in enumerate(_rows(text, name, ("comment-id", "comment-body")), start=2):
        polis_id = _integer(row.get("comment-id"), name, line, "comment-id")
        body = " ".join(clean_text(row.get("comment-body") or "").split())
        if not body:
            raise ValidationFailed(
                _("%(file)s has an empty comment.", file=name),
                fields={
                    name: [_("Line %(line)d, column %(column)s.", line=line, column="comment-body")]
                },
            )
        moderated = (row.get("moderated") or "0").strip()
        found[polis_id] = _Comment(
            polis_id=polis_id,
            text=plain_text(body, MAX_STATEMENT_LENGTH),
            rejected=moderated == "-1",
        )
    if not found:
        raise ValidationFailed(
            _("%(file)s holds no comments.", file=name), fields={name: [_("No rows.")]}
        )
    return found


def _choice(value: str | None, name: str, line: int, column: str) -> Choice:
    choice = _CHOICES.get((value or "").strip().removesuffix(".0"))
    if choice is None:
        raise ValidationFailed(
            _("%(file)s has a vote that is not 1, -1 or 0.", file=name),
            fields={name: [_("Line %(line)d, column %(column)s.", line=line, column=column)]},
        )
    return choice


def _read_votes(text: str) -> dict[tuple[int, int], Choice]:
    name = "votes.csv"
    latest: dict[tuple[int, int], tuple[int, Choice]] = {}
    for line, row in enumerate(_rows(text, name, ("comment-id", "voter-id", "vote")), start=2):
        key = (
            _integer(row.get("voter-id"), name, line, "voter-id"),
            _integer(row.get("comment-id"), name, line, "comment-id"),
        )
        when = _integer(row.get("timestamp") or "0", name, line, "timestamp")
        choice = _choice(row.get("vote"), name, line, "vote")
        if key not in latest or when >= latest[key][0]:
            latest[key] = (when, choice)
    return {key: choice for key, (_when, choice) in latest.items()}


def _read_participants_votes(text: str) -> dict[tuple[int, int], Choice]:
    name = "participants-votes.csv"
    rows = _rows(text, name, ("participant",))
    header = list(rows[0]) if rows else []
    columns: dict[str, int] = {}
    for column in header:
        if column in _PARTICIPANT_META:
            continue
        columns[column] = _integer(column, name, 1, column)
    votes: dict[tuple[int, int], Choice] = {}
    for line, row in enumerate(rows, start=2):
        pid = _integer(row.get("participant"), name, line, "participant")
        for column, cid in columns.items():
            value = (row.get(column) or "").strip()
            if value:
                votes[(pid, cid)] = _choice(value, name, line, column)
    if not votes:
        raise ValidationFailed(
            _("%(file)s holds no votes.", file=name), fields={name: [_("No votes.")]}
        )
    return votes


def _refuse_repeats(
    session: Session, space_id: int, comments: dict[int, _Comment], participants: list[int]
) -> None:
    """Pol.is ids are unique in a space: an export is imported once."""
    statements = set(
        session.scalars(
            select(Statement.polis_id).where(
                Statement.space_id == space_id, Statement.polis_id.is_not(None)
            )
        )
    )
    voters = set(
        session.scalars(
            select(Voter.polis_id).where(Voter.space_id == space_id, Voter.polis_id.is_not(None))
        )
    )
    taken = (statements & set(comments)) or (voters & set(participants))
    if taken:
        raise Conflict(_("This conversation, or part of it, is already imported in this space."))


def _ids(values: list[int]) -> str:
    shown = ", ".join(str(v) for v in values[:10])
    return shown + (" …" if len(values) > 10 else "")
