"""Word diffs between versions: they rebuild both texts and read as a person would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from diaspora_hub.recommendations.diffs import diff
from diaspora_hub.recommendations.types import DiffOp

words = st.text(alphabet="ab \n", max_size=40)


@given(words, words)
def test_a_diff_rebuilds_both_texts(old, new):
    segments = diff(old, new)
    assert "".join(s.text for s in segments if s.op is not DiffOp.INSERT) == old
    assert "".join(s.text for s in segments if s.op is not DiffOp.DELETE) == new


def test_a_sentence_added_at_the_end_leaves_the_last_word_alone():
    segments = diff("Fees fall.", "Fees fall. Caps help.")
    assert [(s.op, s.text) for s in segments] == [
        (DiffOp.EQUAL, "Fees fall."),
        (DiffOp.INSERT, " Caps help."),
    ]
