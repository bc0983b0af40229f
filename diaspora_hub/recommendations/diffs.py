"""Word-by-word differences between two wordings, for readers comparing versions.

``difflib`` matches whole words and the runs of spaces between them, so a changed word
reads as one word removed and one added, a sentence added at the end does not claim
the last word, and paragraphs keep their line breaks.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from diaspora_hub.recommendations.types import DiffOp, DiffSegment

_TOKEN = re.compile(r"\s+|\S+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def diff(old: str, new: str) -> tuple[DiffSegment, ...]:
    """Segments that rebuild ``new`` from the equal and inserted parts, ``old`` from the
    equal and deleted ones; neighbouring segments of one kind are merged."""
    before, after = tokens(old), tokens(new)
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    segments: list[DiffSegment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(segments, DiffOp.EQUAL, "".join(before[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            _add(segments, DiffOp.DELETE, "".join(before[i1:i2]))
        if tag in ("insert", "replace"):
            _add(segments, DiffOp.INSERT, "".join(after[j1:j2]))
    return tuple(segments)


def _add(segments: list[DiffSegment], op: DiffOp, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].op is op:
        segments[-1] = DiffSegment(op, segments[-1].text + text)
    else:
        segments.append(DiffSegment(op, text))
