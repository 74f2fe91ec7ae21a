"""Tracks of one clip that may be one person coming back: offered, never merged, and not
offered again once the analyst says they are not the same."""

from __future__ import annotations

import numpy as np

from rekog_desktop.core.clusters.records import TRACK, CaseFace, ClusterEdit, ClusterRun
from rekog_desktop.core.clusters.regroup import NOT_SAME
from rekog_desktop.core.clusters.suggestions import reappearances
from rekog_desktop.core.common.types import FaceBox

BOX = FaceBox(top=10, right=60, bottom=60, left=10)


def track(face_id: int, vector: np.ndarray, frames: tuple[int, ...], clip: str = "c") -> CaseFace:
    return CaseFace(
        kind=TRACK, path=f"/{clip}.mp4", sha256=clip, frame=frames[0], box=BOX,
        embedding=vector.astype(np.float32), frames=frames, start_s=frames[0] / 30,
        end_s=frames[-1] / 30, id=face_id,
    )  # fmt: skip


def run_of(*faces: CaseFace) -> ClusterRun:
    return ClusterRun(1, "C", 0.46, "material", "now", (), faces)


def test_look_alike_tracks_that_never_overlap_are_offered() -> None:
    base = np.zeros(128)
    near = base.copy()
    near[0] = 0.5  # above the cut, within the suggestion distance
    a, b = track(1, base, (0, 8, 16)), track(2, near, (90, 98))
    close = base.copy()
    close[1] = 0.3  # 0.3 from a, but seen with it in frame 8; 0.58 from b
    overlapping = track(3, close, (8, 30))
    found = reappearances(run_of(a, b, overlapping), [])
    assert [(s.first.id, s.second.id) for s in found] == [(1, 2)]
    assert found[0].names == ("u.1", "u.2") and found[0].gap_s > 2.0


def test_far_tracks_and_other_clips_are_not_offered() -> None:
    far = np.zeros(128)
    far[0] = 0.7
    assert not reappearances(run_of(track(1, np.zeros(128), (0,)), track(2, far, (50,))), [])
    other = track(2, np.zeros(128), (50,), clip="d")
    assert not reappearances(run_of(track(1, np.zeros(128), (0,)), other), [])


def test_a_not_same_rule_stops_the_offer() -> None:
    near = np.zeros(128)
    near[0] = 0.5
    rule = ClusterEdit(1, NOT_SAME, (1,), (2,), "", "ann", "now")
    run = run_of(track(1, np.zeros(128), (0,)), track(2, near, (50,)))
    assert reappearances(run, [])
    assert not reappearances(run, [rule])
