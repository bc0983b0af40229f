"""Proposed groups of similar contributions, for a facilitator to accept, rename, merge or split.

The method is small on purpose, so a facilitator can be told why two answers sit
together: words are counted (TF-IDF), answers are compared by cosine similarity, and the
two most similar groups are joined (average linkage) while they are at least
``THRESHOLD`` alike. Ties are broken by the smallest contribution id, so the same
answers always give the same groups and the same tie words. No randomness, no model.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: two groups are joined while their average similarity is at least this
THRESHOLD = 0.12
#: how many tie words a proposal shows
TOP_TERMS = 5

_STOP_WORDS_EN = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
should must may might shall us many much well make made get need needs want like one two
"""

_STOP_WORDS_FR = """
a au aux avec ce ces cet cette dans de des du elle elles en est et être eux il ils je la le
les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que
qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y été avoir fait faire
plus comme aussi sans sous entre très trop tout tous toutes peut doit faut cela ceci ont était
"""

_STOP_WORDS_ES = """
a al algo como con de del desde donde el ella ellas ellos en entre era es esa ese eso esta
este esto estos estas fue ha han hay la las le les lo los mas más me mi mis muy no nos nuestra
nuestro o para pero por que qué se sea ser si sí sin sobre su sus también te tiene tienen
todo todos tu un una uno unos unas y ya son está están puede deben debe hacer
"""

STOP_WORDS = frozenset((_STOP_WORDS_EN + _STOP_WORDS_FR + _STOP_WORDS_ES).split())

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    #: the normalised word
    term: str
    #: in how many contributions of the group it occurs
    count: int
    #: its summed TF-IDF weight in the group, rounded for display
    weight: float


@dataclass(frozen=True)
class Proposal:
    #: ids of the grouped contributions, ascending
    contribution_ids: tuple[int, ...]
    #: the words that tie the group, strongest first
    terms: tuple[Term, ...]
    #: average pairwise similarity inside the group (1.0 for a single contribution)
    cohesion: float

    @property
    def title(self) -> str:
        """A suggested name: the three strongest tie words."""
        return ", ".join(term.term for term in self.terms[:3])


def _normalise(word: str) -> str:
    """Fold plurals so "fees" and "fee" count as one word; nothing cleverer than that."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenise(text: str) -> list[str]:
    """Lower-cased words without punctuation, digits or stop-words, plurals folded."""
    folded = unicodedata.normalize("NFC", text).casefold()
    words = (w for w in _WORD.findall(folded) if len(w) > 2 and w not in STOP_WORDS)
    return [_normalise(w) for w in words]


def _vectors(documents: Sequence[list[str]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors; a word in every document still weighs a little."""
    total = len(documents)
    frequency: Counter[str] = Counter()
    for words in documents:
        frequency.update(set(words))
    vectors: list[dict[str, float]] = []
    for words in documents:
        counts = Counter(words)
        vector = {
            word: (1 + math.log(n)) * (math.log((1 + total) / (1 + frequency[word])) + 1)
            for word, n in sorted(counts.items())
        }
        norm = math.sqrt(sum(v * v for v in vector.values()))
        vectors.append({w: v / norm for w, v in vector.items()} if norm else {})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b[word] for word, weight in sorted(a.items()) if word in b)


def _tie_terms(members: list[int], vectors: list[dict[str, float]]) -> tuple[Term, ...]:
    """Words shared by the group (all words for a single contribution), by summed weight."""
    counts: Counter[str] = Counter()
    weights: dict[str, float] = {}
    for index in members:
        for word, weight in vectors[index].items():
            counts[word] += 1
            weights[word] = weights.get(word, 0.0) + weight
    needed = 2 if len(members) > 1 else 1
    shared = [w for w in counts if counts[w] >= needed]
    shared.sort(key=lambda w: (-round(weights[w], 9), w))
    return tuple(
        Term(term=w, count=counts[w], weight=round(weights[w], 3)) for w in shared[:TOP_TERMS]
    )


def propose(
    contributions: Iterable[tuple[int, str]], threshold: float = THRESHOLD
) -> list[Proposal]:
    """Group ``(contribution_id, text)`` pairs; biggest groups first, then by smallest id."""
    items = sorted(contributions, key=lambda item: item[0])
    if not items:
        return []
    ids = [item[0] for item in items]
    vectors = _vectors([tokenise(text) for _id, text in items])
    size = len(items)
    # pair_sum[a][b]: summed similarity over every pair of members of clusters a and b.
    pair_sum = [[_cosine(vectors[i], vectors[j]) for j in range(size)] for i in range(size)]
    clusters: dict[int, list[int]] = {i: [i] for i in range(size)}
    inner: dict[int, float] = dict.fromkeys(range(size), 0.0)
    while len(clusters) > 1:
        best: tuple[float, int, int] | None = None
        keys = sorted(clusters)
        for position, a in enumerate(keys):
            for b in keys[position + 1 :]:
                average = pair_sum[a][b] / (len(clusters[a]) * len(clusters[b]))
                # Round so that float noise never decides a tie; then the lowest ids win.
                candidate = (round(average, 9), -a, -b)
                if best is None or candidate > best:
                    best = candidate
        if best is None or best[0] < threshold:
            break
        a, b = -best[1], -best[2]
        inner[a] += inner.pop(b) + pair_sum[a][b]
        clusters[a].extend(clusters.pop(b))
        for other in clusters:
            if other != a:
                merged = pair_sum[a][other] + pair_sum[b][other]
                pair_sum[a][other] = pair_sum[other][a] = merged
    proposals = []
    for key in sorted(clusters):
        members = sorted(clusters[key])
        pairs = len(members) * (len(members) - 1) / 2
        proposals.append(
            Proposal(
                contribution_ids=tuple(ids[i] for i in members),
                terms=_tie_terms(members, vectors),
                cohesion=round(inner[key] / pairs, 3) if pairs else 1.0,
            )
        )
    proposals.sort(key=lambda p: (-len(p.contribution_ids), p.contribution_ids[0]))
    return proposals
