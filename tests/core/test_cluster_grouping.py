"""Constrained average-linkage clustering: against a plain O(n^3) reference, with its rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rekog_desktop.core.clusters import constraints
from rekog_desktop.core.clusters.grouping import cluster_faces, pair_distances, purity


def reference(
    vectors: np.ndarray, cannot: set[frozenset[int]], must: list[list[int]], cut: float
) -> set[frozenset[int]]:
    """Average linkage written the slow, obvious way: merge the closest allowed pair of groups
    (mean face distance) while it is within the cut."""
    d = pair_distances(vectors)
    groups = [set(g) for g in must]
    taken = {i for g in must for i in g}
    groups += [{i} for i in range(len(vectors)) if i not in taken]
    while True:
        best = None
        for a, b in itertools.combinations(range(len(groups)), 2):
            if any(frozenset((i, j)) in cannot for i in groups[a] for j in groups[b]):
                continue
            mean = float(np.mean([d[i, j] for i in groups[a] for j in groups[b]]))
            if mean <= cut and (best is None or mean < best[0]):
                best = (mean, a, b)
        if best is None:
            return {frozenset(g) for g in groups if len(g) > 1}
        _, a, b = best
        groups[a] |= groups.pop(b)


def people(n_people: int, per: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_people, 128))
    centres *= 0.45 / np.linalg.norm(centres, axis=1, keepdims=True)
    return np.repeat(centres, per, axis=0) + rng.normal(scale=spread, size=(n_people * per, 128))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_plain_average_linkage_with_constraints(seed: int) -> None:
    vectors = people(6, 5, 0.028, seed)
    rng = np.random.default_rng(seed + 10)
    pairs = {frozenset(map(int, rng.choice(len(vectors), 2, replace=False))) for _ in range(6)}
    rules = constraints.build(not_same=[([min(p)], [max(p)]) for p in pairs], same=[[0, 7]])
    got = cluster_faces(vectors, rules, cut=0.5)
    want = reference(vectors, pairs, [[0, 7]], 0.5)
    assert {frozenset(g) for g in got.groups} == want
    assert set(got.unclustered) == set(range(len(vectors))) - {i for g in want for i in g}


def test_two_faces_of_one_photo_are_never_one_person() -> None:
    vectors = people(1, 4, 0.01, 3)  # four near-identical faces
    seen = [("photo-a",), ("photo-a",), ("photo-b",), ("photo-c",)]
    got = cluster_faces(vectors, constraints.build(seen_at=seen), cut=0.5)
    assert not any({0, 1} <= set(g) for g in got.groups)
    assert sum(len(g) for g in got.groups) >= 3


def test_a_face_with_no_close_company_stays_unclustered() -> None:
    vectors = np.vstack([people(1, 3, 0.01, 4), people(1, 1, 0.0, 5) + 5.0])
    got = cluster_faces(vectors, cut=0.5)
    assert [sorted(g) for g in got.groups] == [[0, 1, 2]] and got.unclustered == (3,)


def test_a_merge_that_joins_faces_of_one_photo_is_refused() -> None:
    with pytest.raises(constraints.ConstraintConflict):
        constraints.build(seen_at=[("p",), ("p",)], same=[[0, 1]])


def test_purity_is_the_share_of_pairs_within_the_cut() -> None:
    d = np.array([[0, 0.3, 0.7], [0.3, 0, 0.4], [0.7, 0.4, 0]])
    assert purity(d, 0.5) == pytest.approx(2 / 3)
    assert purity(d, 0.8) == 1.0 and purity(d, 0.1) == 0.0
