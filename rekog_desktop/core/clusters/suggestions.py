"""One person who leaves a clip and comes back: two tracks, offered as one, never merged.

The tracker ends a track when its face is gone for a second (core.video.tracking), so a person
who walks out of the frame and back is two tracks. Tracks seen in one frame are two people
(a cannot-link), but two tracks of one clip that never overlap and look alike are the likeliest
wrong split there is. When the clustering kept them apart (their distance is above the cut),
they are offered here for the analyst to merge (`rekog cluster merge`) or reject
(`rekog cluster not-same`, after which they are not offered again). Nothing is merged here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from rekog_desktop.core.clusters.records import TRACK, CaseFace, ClusterEdit, ClusterRun
from rekog_desktop.core.clusters.regroup import MERGE

#: Template distance up to which two tracks of one clip are offered as one person: above the
#: clustering's cut (those within it are already grouped unless a rule says otherwise), below
#: the 0.6 same-person point of dlib.
SUGGEST_DISTANCE = 0.56


@dataclass(frozen=True)
class Suggestion:
    """Two tracks of one clip that may be one person; `names` as `rekog cluster merge` takes
    them (the cluster of each track, or the unclustered face), `gap_s` the time between the
    first track's end and the second's start."""

    clip_path: str
    first: CaseFace
    second: CaseFace
    names: tuple[str, str]
    distance: float
    gap_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "clip": self.clip_path,
            "tracks": [self.first.as_dict(), self.second.as_dict()],
            "merge": list(self.names),
            "distance": round(self.distance, 3),
            "gap_s": round(self.gap_s, 3),
        }


def _names(run: ClusterRun) -> dict[int, tuple[str, str]]:
    """face id -> (its merge name: the cluster or u.N, its own name: 3.2 or u.N)."""
    out: dict[int, tuple[str, str]] = {}
    for cluster in run.clusters:
        for k, face in enumerate(cluster.faces, start=1):
            out[face.id] = (str(cluster.number), f"{cluster.number}.{k}")
    for k, face in enumerate(run.unclustered, start=1):
        out[face.id] = (f"u.{k}", f"u.{k}")
    return out


def reappearances(
    run: ClusterRun, edits: Sequence[ClusterEdit], *, within: float = SUGGEST_DISTANCE
) -> list[Suggestion]:
    """Pairs of tracks of one clip, never in one frame, in different clusters of `run`, with
    templates at most `within` apart and no standing "not the same" between them; closest
    first."""
    names = _names(run)
    rejected = {
        frozenset((a, b))
        for e in edits
        if e.is_active and e.kind != MERGE
        for a in e.side_a
        for b in e.side_b
    }
    tracks: dict[str, list[CaseFace]] = {}
    for face in [f for c in run.clusters for f in c.faces] + list(run.unclustered):
        if face.kind == TRACK:
            tracks.setdefault(face.sha256, []).append(face)
    found = []
    for faces in tracks.values():
        for a, b in combinations(sorted(faces, key=lambda f: f.start_s or 0.0), 2):
            if names[a.id][0] == names[b.id][0] or frozenset((a.id, b.id)) in rejected:
                continue
            if set(a.frames) & set(b.frames):
                continue
            distance = float(np.linalg.norm(a.embedding - b.embedding))
            if distance > within:
                continue
            gap = max(0.0, (b.start_s or 0.0) - (a.end_s or 0.0))
            found.append(Suggestion(a.path, a, b, (names[a.id][0], names[b.id][0]), distance, gap))
    return sorted(found, key=lambda s: s.distance)
