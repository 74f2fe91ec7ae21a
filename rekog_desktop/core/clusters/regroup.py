"""Cluster every face of a case under every rule the analyst has left standing.

The result is a pure function of (faces, active edits, cut): a re-run after new material, an
edit or an undo always starts again from the embeddings, so a "not the same person" cannot be
lost by a later clustering and an undone edit leaves no trace in the groups.

Edits as rules: a merge says its two sides are one person (must-link); a split and a "not the
same person" say no face of one side is the person of any face of the other (cannot-link).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rekog_desktop.core.clusters import constraints
from rekog_desktop.core.clusters.grouping import DEFAULT_CUT, cluster_faces, pair_distances, purity
from rekog_desktop.core.clusters.records import CaseFace, ClusterEdit

MERGE, SPLIT, NOT_SAME = "merge", "split", "not_same"
EDIT_KINDS = (MERGE, SPLIT, NOT_SAME)


@dataclass(frozen=True)
class Regrouped:
    """Clusters as (face ids, purity), numbered in this order from 1; faces left alone."""

    groups: tuple[tuple[tuple[int, ...], float], ...]
    unclustered: tuple[int, ...]
    cut: float


def rules_of(faces: Sequence[CaseFace], edits: Sequence[ClusterEdit]) -> constraints.Constraints:
    """The constraints of the faces (co-occurrence) and of the active edits. Raises
    constraints.ConstraintConflict when the edits contradict each other or the material."""
    index = {f.id: k for k, f in enumerate(faces)}

    def local(ids: Sequence[int]) -> list[int]:
        return [index[i] for i in ids if i in index]

    active = [e for e in edits if e.is_active]
    return constraints.build(
        seen_at=[f.seen_at() for f in faces],
        not_same=[(local(e.side_a), local(e.side_b)) for e in active if e.kind != MERGE],
        same=[local(e.side_a) + local(e.side_b) for e in active if e.kind == MERGE],
    )


def regroup(
    faces: Sequence[CaseFace], edits: Sequence[ClusterEdit], *, cut: float = DEFAULT_CUT
) -> Regrouped:
    """Cluster `faces` (all of a case's) under the active `edits`; purity per cluster."""
    if not faces:
        return Regrouped((), (), cut)
    vectors = np.stack([np.asarray(f.embedding, dtype=np.float64) for f in faces])
    grouping = cluster_faces(vectors, rules_of(faces, edits), cut=cut)
    groups = []
    for members in grouping.groups:
        ordered = sorted(members)
        score = purity(pair_distances(vectors[ordered]), cut)
        groups.append((tuple(faces[k].id for k in ordered), score))
    return Regrouped(tuple(groups), tuple(faces[k].id for k in grouping.unclustered), cut)
