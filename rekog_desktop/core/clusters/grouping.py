"""Constrained average-linkage clustering of face embeddings: who appears, as groups of faces.

Average linkage (UPGMA) merges the two groups whose mean pairwise embedding distance is
smallest, and stops at `cut`: no two groups are merged whose mean distance is above it.
Constraints change the distances, not the algorithm:

- a cannot-link pair (two faces of one photo or frame; an analyst's "not the same person")
  makes the distance between any two groups holding its two faces infinite, so they are never
  merged, however close the rest of their faces are;
- a must-link set (an analyst's merge) starts as one group.

Why it is exact and fast without a full n x n matrix: a merge needs a mean distance <= cut, so
at least one face pair <= cut joins the two groups. Every final group therefore lies inside one
connected component of the graph "face pairs <= cut, plus must-links", and components never
merge with each other. The pairs <= cut are found block by block (n x 1024 at a time); each
component is then clustered on its own dense matrix with the nearest-neighbour chain, which
is O(m^2) for a component of m faces because average linkage is reducible (a merged group is
never closer to a third than the nearer of its parts was), also with infinite entries.

A group of one face is "unclustered": a face with no close company is not guessed into a
person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rekog_desktop.core.clusters.constraints import Constraints

#: Mean embedding distance above which two groups are not one person: the largest cut with
#: BCubed precision >= 0.98 on one identity-split half of lfw_dev (0.986 there; 0.991
#: precision, 0.904 recall on the other half, bench/cluster.py). dlib's same-person point of
#: 0.6 is far too loose for grouping: chains of near pairs merge different people.
DEFAULT_CUT = 0.46

#: Rows of the pairwise-distance block computed at once (memory: n x BLOCK_ROWS floats).
BLOCK_ROWS = 1024

FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grouping:
    """The result: `groups` are lists of face indices (2+ faces each, largest group first,
    then by first face); `unclustered` the faces left alone, in index order."""

    groups: tuple[tuple[int, ...], ...]
    unclustered: tuple[int, ...]
    cut: float


def close_pairs(vectors: FloatMatrix, cut: float) -> tuple[npt.NDArray[np.intp], ...]:
    """(i, j) with i < j and Euclidean distance <= cut, computed in row blocks."""
    n = len(vectors)
    squared = np.einsum("ij,ij->i", vectors, vectors)
    rows: list[npt.NDArray[np.intp]] = []
    cols: list[npt.NDArray[np.intp]] = []
    limit = cut * cut
    for start in range(0, n, BLOCK_ROWS):
        block = vectors[start : start + BLOCK_ROWS]
        d2 = squared[start : start + BLOCK_ROWS, None] + squared[None, :] - 2.0 * block @ vectors.T
        i, j = np.nonzero(d2 <= limit)
        i = i + start
        keep = i < j
        rows.append(i[keep])
        cols.append(j[keep])
    if not rows:
        empty = np.zeros(0, np.intp)
        return empty, empty
    return np.concatenate(rows), np.concatenate(cols)


class _Union:
    """Union-find over face indices (path halving, union by size)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def sets(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for a in range(len(self.parent)):
            out.setdefault(self.find(a), []).append(a)
        return list(out.values())


def pair_distances(vectors: FloatMatrix) -> FloatMatrix:
    """The dense Euclidean distance matrix of a few vectors (a component, a cluster)."""
    squared = np.einsum("ij,ij->i", vectors, vectors)
    d2 = squared[:, None] + squared[None, :] - 2.0 * vectors @ vectors.T
    out: FloatMatrix = np.sqrt(np.maximum(d2, 0.0))
    return out


def cluster_faces(
    embeddings: Sequence[npt.ArrayLike] | FloatMatrix,
    constraints: Constraints | None = None,
    *,
    cut: float = DEFAULT_CUT,
) -> Grouping:
    """Group faces into persons (see the module docstring). `constraints` index the faces as
    `embeddings` does; a must-link set that contains a cannot-link pair is refused by
    Constraints itself, so it never reaches here."""
    vectors = np.asarray(embeddings, dtype=np.float64).reshape(len(embeddings), -1)
    n = len(vectors)
    constraints = constraints or Constraints()
    if n == 0:
        return Grouping((), (), cut)
    union = _Union(n)
    for i, j in zip(*close_pairs(vectors, cut), strict=True):
        union.union(int(i), int(j))
    starts = _Union(n)  # the must-link groups the clustering starts from
    for members in constraints.must_link:
        first = members[0]
        for other in members[1:]:
            union.union(first, other)
            starts.union(first, other)
    groups: list[tuple[int, ...]] = []
    for component in union.sets():
        if len(component) == 1:
            continue
        groups.extend(_average_linkage(vectors, component, starts, constraints, cut))
    grouped = {i for g in groups if len(g) > 1 for i in g}
    kept = sorted((g for g in groups if len(g) > 1), key=lambda g: (-len(g), g[0]))
    return Grouping(tuple(kept), tuple(i for i in range(n) if i not in grouped), cut)


def _average_linkage(
    vectors: FloatMatrix,
    component: list[int],
    starts: _Union,
    constraints: Constraints,
    cut: float,
) -> list[tuple[int, ...]]:
    """Cluster one component with the nearest-neighbour chain on its dense matrix."""
    faces = sorted(component)
    local = {face: k for k, face in enumerate(faces)}
    by_root: dict[int, list[int]] = {}
    for face in faces:
        by_root.setdefault(starts.find(face), []).append(local[face])
    members = [sorted(g) for g in by_root.values()]
    m = len(faces)
    distances = pair_distances(vectors[faces])
    forbidden = np.zeros((m, m), dtype=bool)
    for a, b in constraints.cannot_pairs_within(local):
        forbidden[a, b] = forbidden[b, a] = True
    # Group-level matrix: the mean of face distances (sum over member blocks / sizes).
    indicator = np.zeros((len(members), m))
    for g, rows in enumerate(members):
        indicator[g, rows] = 1.0
    sizes = indicator.sum(axis=1)
    mean = indicator @ distances @ indicator.T / np.outer(sizes, sizes)
    blocked = (indicator @ forbidden.astype(np.float64) @ indicator.T) > 0
    mean[blocked] = np.inf
    np.fill_diagonal(mean, np.inf)
    return [tuple(faces[k] for k in g) for g in _nn_chain(mean, sizes, members, cut)]


def _nn_chain(
    distance: FloatMatrix, sizes: npt.NDArray[np.float64], members: list[list[int]], cut: float
) -> list[list[int]]:
    """Average linkage up to `cut` by the nearest-neighbour chain; `distance` is changed in
    place (diagonal and merged-away rows are infinite). Returns the final groups."""
    count = len(members)
    groups: list[list[int] | None] = [list(g) for g in members]
    active = np.ones(count, dtype=bool)
    done: list[list[int]] = []
    chain: list[int] = []
    while active.any():
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        a = chain[-1]
        row = distance[a]
        b = int(np.argmin(row))
        nearest = row[b]
        if len(chain) > 1 and row[chain[-2]] <= nearest:
            b, nearest = chain[-2], row[chain[-2]]
        if not nearest <= cut:  # never merges again (reducibility): a final group
            done.append(groups[a] or [])
            groups[a] = None
            active[a] = False
            distance[a, :] = np.inf
            distance[:, a] = np.inf
            chain.pop()
            continue
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            _merge(distance, sizes, groups, active, a, b)
            continue
        chain.append(b)
    return done


def _merge(
    distance: FloatMatrix,
    sizes: npt.NDArray[np.float64],
    groups: list[list[int] | None],
    active: npt.NDArray[np.bool_],
    a: int,
    b: int,
) -> None:
    """Merge group b into a (Lance-Williams for the average: size-weighted mean; an infinite
    distance, a cannot-link, stays infinite)."""
    sa, sb = sizes[a], sizes[b]
    with np.errstate(invalid="ignore"):
        row = (sa * distance[a] + sb * distance[b]) / (sa + sb)
    row[~active] = np.inf
    row[a] = row[b] = np.inf
    distance[a, :] = row
    distance[:, a] = row
    distance[b, :] = np.inf
    distance[:, b] = np.inf
    sizes[a] = sa + sb
    groups[a] = (groups[a] or []) + (groups[b] or [])
    groups[b] = None
    active[b] = False


def purity(distances: FloatMatrix, cut: float) -> float:
    """Share of a cluster's face pairs whose distance is at or below `cut`, in [0, 1].

    1.0: every two faces of the cluster would be called the same person on their own; lower:
    some pairs are held together only through the others (average linkage allows a pair above
    the cut when the rest are close), which is where a wrong merge hides. A cluster the
    analyst merged by hand can score low: the number says how much the embeddings agree.
    """
    m = len(distances)
    if m < 2:
        return 1.0
    upper = distances[np.triu_indices(m, k=1)]
    return float(np.count_nonzero(upper <= cut) / len(upper))


def cluster_purity(embeddings: Iterable[npt.ArrayLike], cut: float = DEFAULT_CUT) -> float:
    """purity() of the faces' own distance matrix."""
    vectors = np.asarray(list(embeddings), dtype=np.float64)
    return purity(pair_distances(vectors), cut)
