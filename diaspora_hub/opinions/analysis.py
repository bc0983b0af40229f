"""The opinion map's arithmetic, as Pol.is publishes it (``math/src/polismath/math`` in
compdemocracy/polis), with no database and no Flask: arrays in, arrays out.

- The votes matrix holds agree = 1, disagree = -1, pass = 0 and NaN where a person did not
  vote; missing votes are filled with the statement's mean before the PCA (``conversation.clj``).
- Two principal components; each person is projected from the votes they cast only and the
  projection scaled by ``sqrt(n_statements / n_votes)``, so someone who voted on little is
  not pulled to the centre (``pca.clj``, ``sparsity-aware-project-ptpt``).
- Only people who voted on ``min(7, n_statements)`` statements are clustered; when fewer than
  15 qualify, the most active voters are taken up to 15 (``in-conv``).
- k-means into up to 100 base clusters, then k-means of the base clusters (weighted by their
  size) for every k from 2 to ``min(5, 2 + n_base // 12)``; the k with the best silhouette
  over the base clusters wins, and the k shown changes only once a new k has won
  ``K_STREAK`` updates in a row (``group-k-smoother``).
- Representative statements per group by Pol.is's smoothed two-proportion test
  (``repness.clj``, ``stats.clj``); bridging statements by group-informed consensus: the
  product over groups of each group's smoothed agreement ``(agrees + 1) / (votes + 2)``.

Every random choice is seeded, so the same votes always give the same map.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]

#: people must have voted on this many statements (or all of them) to be grouped
MIN_VOTES = 7
#: when fewer people qualify, the most active voters are grouped up to this many
GREEDY_PEOPLE = 15
#: base clusters that the groups are built from
BASE_K = 100
#: k-means starts tried for the groups (over at most 100 base clusters, so cheap): the best
#: fit of several does not hang on the order the people come in
GROUP_TRIES = 10
#: largest number of groups
MAX_K = 5
#: a new number of groups is shown once it has won this many updates in a row (Pol.is: 4)
K_STREAK = 4
#: one-sided 90 % significance for Pol.is's z statistics
Z_90 = 1.2816
#: representative statements listed per group
MAX_REPRESENTATIVE = 5
SEED = 20_26


@dataclass(frozen=True)
class KSmoother:
    """What the k smoother remembers between updates (stored with the clustering)."""

    #: the k that won the latest update
    last_k: int | None = None
    #: how many updates in a row ``last_k`` has won
    streak: int = 0
    #: the k shown
    k: int | None = None

    def update(self, best_k: int) -> KSmoother:
        streak = self.streak + 1 if best_k == self.last_k else 1
        shown = best_k if streak >= K_STREAK or self.k is None else self.k
        return KSmoother(last_k=best_k, streak=streak, k=shown)


@dataclass(frozen=True)
class Representative:
    statement: int
    #: "agree" or "disagree": what sets the group apart on this statement
    repful_for: str
    #: agrees (or disagrees) in the group, and the group's votes on it
    n_success: int
    n_trials: int
    #: smoothed share of the group that agrees (or disagrees)
    p_success: float
    #: ratio of that share to the rest's (Pol.is ``ra``/``rd``)
    repness: float
    #: two-proportion z statistic against the rest (Pol.is ``rat``/``rdt``)
    repness_test: float


@dataclass(frozen=True)
class Result:
    #: (n_people, 2) projections
    projections: Matrix
    #: group index per person (0 … k-1), -1 for people not grouped
    labels: Labels
    smoother: KSmoother
    #: silhouette of each k tried
    silhouettes: dict[int, float]
    #: per group index, the representative statements (statement column indices)
    representative: dict[int, list[Representative]] = field(default_factory=dict)
    #: group-informed consensus per statement column
    consensus: Matrix = field(default_factory=lambda: np.zeros(0))


def vote_counts(votes: Matrix) -> npt.NDArray[np.int64]:
    return np.asarray((~np.isnan(votes)).sum(axis=1), dtype=np.int64)


def clusterable(votes: Matrix) -> npt.NDArray[np.bool_]:
    """Who is grouped: enough votes, or among the most active while few qualify."""
    counts = vote_counts(votes)
    chosen = counts >= min(MIN_VOTES, votes.shape[1])
    if chosen.sum() < GREEDY_PEOPLE:
        order = np.argsort(-counts, kind="stable")
        extra = [i for i in order if not chosen[i] and counts[i] > 0]
        chosen[extra[: GREEDY_PEOPLE - int(chosen.sum())]] = True
    return np.asarray(chosen, dtype=np.bool_)


def project(votes: Matrix) -> Matrix:
    """Two principal components of the mean-filled matrix, projected sparsity-aware."""
    n_people, n_statements = votes.shape
    if n_people < 2 or n_statements < 2:
        return np.zeros((n_people, 2))
    voted = ~np.isnan(votes)
    seen = voted.sum(axis=0)
    totals = np.nansum(votes, axis=0)
    means = np.divide(totals, seen, out=np.zeros(n_statements), where=seen > 0)
    filled = np.where(voted, votes, means)
    # A missing vote sits at its statement's mean, so after centring it adds nothing:
    # projecting the filled matrix is Pol.is's projection of the votes cast alone.
    raw = PCA(n_components=2, svd_solver="covariance_eigh").fit_transform(filled)
    scale = np.sqrt(n_statements / np.maximum(voted.sum(axis=1), 1))
    return np.asarray(raw * scale[:, None], dtype=np.float64)


def _kmeans(
    points: Matrix, k: int, weights: Matrix | None = None, *, tries: int = 1
) -> tuple[Labels, Matrix]:
    model = KMeans(n_clusters=k, n_init=tries, random_state=SEED, max_iter=100)
    labels = model.fit_predict(points, sample_weight=weights)
    return np.asarray(labels, dtype=np.int64), np.asarray(model.cluster_centers_)


def group(
    projections: Matrix, chosen: npt.NDArray[np.bool_], smoother: KSmoother
) -> tuple[Labels, KSmoother, dict[int, float]]:
    """Base clusters, then groups of base clusters with k chosen by silhouette, smoothed."""
    labels = np.full(len(projections), -1, dtype=np.int64)
    points = projections[chosen]
    distinct = len(np.unique(points, axis=0)) if len(points) else 0
    if distinct < 3:
        return labels, smoother, {}
    base_labels, centres = _kmeans(points, min(BASE_K, distinct))
    sizes = np.bincount(base_labels, minlength=len(centres)).astype(np.float64)
    keep = sizes > 0
    centres, sizes = centres[keep], sizes[keep]
    base_labels = np.cumsum(keep)[base_labels] - 1
    max_k = min(MAX_K, 2 + len(centres) // 12, len(centres) - 1)
    clusterings: dict[int, Labels] = {}
    silhouettes: dict[int, float] = {}
    for k in range(2, max_k + 1):
        found, _ = _kmeans(centres, k, sizes, tries=GROUP_TRIES)
        if len(np.unique(found)) < 2:
            continue
        clusterings[k] = found
        silhouettes[k] = float(silhouette_score(centres, found))
    if not clusterings:
        return labels, smoother, silhouettes
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    smoother = smoother.update(best)
    shown = smoother.k if smoother.k in clusterings else best
    labels[chosen] = clusterings[shown][base_labels]
    return _ordered(labels), smoother, silhouettes


def _ordered(labels: Labels) -> Labels:
    """Group indices by size, largest first, so the same votes always number them alike."""
    present = [g for g in np.unique(labels) if g >= 0]
    by_size = sorted(
        present, key=lambda g: (-int((labels == g).sum()), int(np.argmax(labels == g)))
    )
    mapping = {old: new for new, old in enumerate(by_size)}
    return np.array([mapping.get(int(g), -1) for g in labels], dtype=np.int64)


def prop_test(successes: Matrix, trials: Matrix) -> Matrix:
    """Pol.is ``prop-test``: one-proportion z against one half, with one added to each."""
    s, n = successes + 1, trials + 1
    return np.asarray(2 * np.sqrt(n) * (s / n - 0.5), dtype=np.float64)


def two_prop_test(succ_in: Matrix, succ_out: Matrix, pop_in: Matrix, pop_out: Matrix) -> Matrix:
    """Pol.is ``two-prop-test``: the group against the rest, with one added to each count."""
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, pop_in + 1, pop_out + 1
    p_hat = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(p_hat * (1 - p_hat) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / spread
    return np.asarray(np.where(p_hat >= 1, 0.0, np.nan_to_num(z)), dtype=np.float64)


@dataclass(frozen=True)
class GroupCounts:
    """Per group (rows) and statement (columns): agrees, disagrees, votes cast."""

    agree: Matrix
    disagree: Matrix
    seen: Matrix


def group_counts(votes: Matrix, labels: Labels, k: int) -> GroupCounts:
    voted = ~np.isnan(votes)
    agree = np.zeros((k, votes.shape[1]))
    disagree = np.zeros((k, votes.shape[1]))
    seen = np.zeros((k, votes.shape[1]))
    for g in range(k):
        rows = labels == g
        agree[g] = (votes[rows] == 1).sum(axis=0)
        disagree[g] = (votes[rows] == -1).sum(axis=0)
        seen[g] = voted[rows].sum(axis=0)
    return GroupCounts(agree, disagree, seen)


def consensus(counts: GroupCounts) -> Matrix:
    """Group-informed consensus: how likely every group is to agree, all at once."""
    if not len(counts.seen):
        return np.zeros(counts.seen.shape[1])
    return np.asarray(np.prod((counts.agree + 1) / (counts.seen + 2), axis=0), dtype=np.float64)


@dataclass(frozen=True)
class _Stats:
    """Pol.is ``comment-stats`` and ``add-comparitive-stats`` of one group, per statement."""

    na: Matrix
    nd: Matrix
    ns: Matrix
    pa: Matrix
    pd: Matrix
    pat: Matrix
    pdt: Matrix
    ra: Matrix
    rd: Matrix
    rat: Matrix
    rdt: Matrix

    @classmethod
    def of(cls, counts: GroupCounts, g: int) -> _Stats:
        na, nd, ns = counts.agree[g], counts.disagree[g], counts.seen[g]
        rest_a = counts.agree.sum(axis=0) - na
        rest_d = counts.disagree.sum(axis=0) - nd
        rest_s = counts.seen.sum(axis=0) - ns
        pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
        return cls(
            na=na,
            nd=nd,
            ns=ns,
            pa=pa,
            pd=pd,
            pat=prop_test(na, ns),
            pdt=prop_test(nd, ns),
            ra=pa / ((rest_a + 1) / (rest_s + 2)),
            rd=pd / ((rest_d + 1) / (rest_s + 2)),
            rat=two_prop_test(na, rest_a, ns, rest_s),
            rdt=two_prop_test(nd, rest_d, ns, rest_s),
        )

    def final(self, j: int) -> Representative:
        """Pol.is ``finalize-cmt-stats``: agree or disagree, whichever tests stronger."""
        agree = bool(self.rat[j] > self.rdt[j])
        return Representative(
            statement=j,
            repful_for="agree" if agree else "disagree",
            n_success=int(self.na[j] if agree else self.nd[j]),
            n_trials=int(self.ns[j]),
            p_success=float(self.pa[j] if agree else self.pd[j]),
            repness=float(self.ra[j] if agree else self.rd[j]),
            repness_test=float(self.rat[j] if agree else self.rdt[j]),
        )

    def metric(self, rep: Representative) -> float:
        """Pol.is ``repness-metric``: repness x its test x probability x its test."""
        j = rep.statement
        p_test = self.pat[j] if rep.repful_for == "agree" else self.pdt[j]
        return rep.repness * rep.repness_test * rep.p_success * float(p_test)


def representative(counts: GroupCounts) -> dict[int, list[Representative]]:
    """Pol.is ``select-rep-comments``: the statements that set each group apart."""
    chosen: dict[int, list[Representative]] = {}
    for g in range(len(counts.seen)):
        st = _Stats.of(counts, g)
        voted = (st.na + st.nd) > 0
        passes = voted & (((st.rat > Z_90) & (st.pat > Z_90)) | ((st.rdt > Z_90) & (st.pdt > Z_90)))
        best_agree = _best_agree(voted, st)
        head = [st.final(best_agree)] if best_agree is not None else []
        if not passes.any():
            if not head and voted.any():
                head = [
                    st.final(int(np.argmax(np.where(voted, np.maximum(st.rat, st.rdt), -np.inf))))
                ]
            chosen[g] = head
            continue
        sufficient = [st.final(int(j)) for j in np.flatnonzero(passes) if j != best_agree]
        sufficient.sort(key=lambda r: -st.metric(r))
        picked = (head + sufficient)[:MAX_REPRESENTATIVE]
        chosen[g] = [r for r in picked if r.repful_for == "agree"] + [
            r for r in picked if r.repful_for == "disagree"
        ]
    return chosen


def _best_agree(voted: npt.NDArray[np.bool_], st: _Stats) -> int | None:
    """Pol.is ``beats-best-agr?``: the statement the group agrees on that best sets it apart,
    so every group's list starts with something its members agree with."""
    best: int | None = None
    ra, rat, pa, pat = st.ra, st.rat, st.pa, st.pat
    for j in np.flatnonzero(voted):
        if best is not None and ra[best] > 1.0:
            better = ra[j] * rat[j] * pa[j] * pat[j] > ra[best] * rat[best] * pa[best] * pat[best]
        elif best is not None:
            better = pa[j] * pat[j] > pa[best] * pat[best]
        else:
            better = pat[j] > Z_90 or (ra[j] > 1.0 and pa[j] > 0.5)
        if better:
            best = int(j)
    return best


def analyse(votes: Matrix, smoother: KSmoother | None = None) -> Result:
    """The whole map from a votes matrix (people by statements, NaN where no vote)."""
    smoother = smoother or KSmoother()
    projections = project(votes)
    chosen = clusterable(votes)
    labels, smoother, silhouettes = group(projections, chosen, smoother)
    k = int(labels.max()) + 1 if len(labels) else 0
    counts = group_counts(votes, labels, k)
    return Result(
        projections=projections,
        labels=labels,
        smoother=smoother,
        silhouettes=silhouettes,
        representative=representative(counts) if k >= 2 else {},
        consensus=consensus(counts) if k >= 1 else np.zeros(votes.shape[1]),
    )


def match_groups(
    previous: dict[int, int], people: list[int], labels: Labels
) -> dict[int, int | None]:
    """Stable identities: each new group index gets the stored group it shares most members
    with (a Hungarian assignment on the overlap counts), or None for a new group.

    ``previous`` maps a person to their stored group id.
    """
    new_groups = sorted({int(g) for g in labels if g >= 0})
    old_groups = sorted(set(previous.values()))
    mapping: dict[int, int | None] = dict.fromkeys(new_groups)
    if not new_groups or not old_groups:
        return mapping
    new_index = {g: i for i, g in enumerate(new_groups)}
    old_index = {g: i for i, g in enumerate(old_groups)}
    overlap = np.zeros((len(new_groups), len(old_groups)))
    for person, label in zip(people, labels, strict=True):
        if label >= 0 and person in previous:
            overlap[new_index[int(label)], old_index[previous[person]]] += 1
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    for r, c in zip(rows, cols, strict=True):
        if overlap[r, c] > 0:
            mapping[new_groups[r]] = old_groups[c]
    return mapping
