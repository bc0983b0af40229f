"""Contributions as CSV and JSON files, for the call's author and the facilitators.

Rows come from :func:`diaspora_hub.calls.service.export_contributions`, which already
blanked whatever the attribution hides; these functions only lay them out.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from diaspora_hub.calls.models import Call

#: a spreadsheet would run a cell starting with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _organisation(row: dict[str, Any]) -> dict[str, Any] | None:
    org = row["organisation"]
    if org is None:
        return None
    return {
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind.value,
        "country_of_origin": org.country_of_origin,
        "country_of_residence": org.country_of_residence,
        "is_verified": org.is_verified,
    }


def to_json(call: Call, rows: list[dict[str, Any]]) -> dict[str, Any]:
    questions = {q.id: q for q in call.questions}
    return {
        "call": {
            "id": call.id,
            "title": call.title,
            "space": call.space.slug,
            "opens_at": call.opens_at.isoformat(),
            "closes_at": call.closes_at.isoformat(),
            "state": call.state.value,
            "questions": [
                {"id": q.id, "position": q.position, "text": q.text} for q in call.questions
            ],
        },
        "contributions": [
            {
                "id": row["id"],
                "attribution": row["attribution"],
                "bloc": row["bloc"],
                "organisation": _organisation(row),
                "person": row["author"].display_name if row["author"] is not None else None,
                "version": row["version"],
                "submitted_at": row["updated_at"].isoformat(),
                "answers": [
                    {
                        "question_id": a["question_id"],
                        "question": questions[a["question_id"]].text,
                        "text": a["text"],
                    }
                    for a in row["answers"]
                ],
            }
            for row in rows
        ],
    }


def to_csv(call: Call, rows: list[dict[str, Any]]) -> str:
    """One row per contribution, one column per question."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = [
        "contribution_id",
        "attribution",
        "bloc",
        "organisation",
        "organisation_kind",
        "country_of_residence",
        "person",
        "version",
        "submitted_at",
    ]
    header += [f"Q{q.position}: {q.text}" for q in call.questions]
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        org = row["organisation"]
        answers = {a["question_id"]: a["text"] for a in row["answers"]}
        writer.writerow(
            [
                _cell(row["id"]),
                _cell(row["attribution"]),
                _cell(row["bloc"]),
                _cell(org.name if org else None),
                _cell(org.kind.value if org else None),
                _cell(org.country_of_residence if org else None),
                _cell(row["author"].display_name if row["author"] is not None else None),
                _cell(row["version"]),
                _cell(row["updated_at"]),
            ]
            + [_cell(answers.get(q.id)) for q in call.questions]
        )
    return out.getvalue()
