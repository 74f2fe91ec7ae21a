"""Linking detections into tracks, best shots and templates, on a real two-person photo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.common.types import FaceBox, RGBImage
from rekog_desktop.core.faces.engine import FaceEngine, create_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.video.tracking import (
    Tracker,
    TrackerSettings,
    iou,
    shot_score,
    template_embedding,
)


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return create_engine()


@pytest.fixture(scope="module")
def two_people(faces_dir: Path, engine: FaceEngine) -> tuple[RGBImage, list[FaceBox]]:
    pixels = load_image(faces_dir / "_group" / "kit_with_rose.jpg").pixels
    boxes = sorted(engine.detect(pixels), key=lambda b: b.left)
    assert len(boxes) == 2
    return pixels, boxes


def _shift(box: FaceBox, dx: int) -> FaceBox:
    return FaceBox(top=box.top, right=box.right + dx, bottom=box.bottom, left=box.left + dx)


def test_template_keeps_the_typical_length() -> None:
    rng = np.random.default_rng(7)
    vectors = [rng.normal(size=128).astype(np.float32) * 0.09 for _ in range(3)]
    template = template_embedding(vectors)
    lengths = [float(np.linalg.norm(v)) for v in vectors]
    assert float(np.linalg.norm(template)) == pytest.approx(np.mean(lengths), rel=1e-5)
    assert np.allclose(template_embedding(vectors[:1]), vectors[0], atol=1e-6)


def test_iou() -> None:
    box = FaceBox(top=0, right=10, bottom=10, left=0)
    assert iou(box, box) == 1.0
    assert iou(box, _shift(box, 5)) == pytest.approx(50 / 150)
    assert iou(box, _shift(box, 20)) == 0.0


def test_shot_score_prefers_large_sharp_frontal_faces() -> None:
    good = shot_score(60.0, 100.0, 0.0, 120.0)
    assert good == 1.0
    assert shot_score(20.0, 100.0, 0.0, 120.0) < good
    assert shot_score(60.0, 10.0, 0.0, 120.0) < good
    assert shot_score(60.0, 100.0, 45.0, 120.0) < good
    assert shot_score(60.0, 100.0, 0.0, 20.0) < good


def test_two_faces_moving_a_little_stay_two_tracks(
    two_people: tuple[RGBImage, list[FaceBox]], engine: FaceEngine
) -> None:
    pixels, (left, right) = two_people
    tracker = Tracker(engine, TrackerSettings(every_s=0.25))
    for step in range(4):
        ended = tracker.update(pixels, step, step * 0.25, [_shift(left, 2 * step), right])
        assert ended == []
    tracks = sorted(tracker.finish(), key=lambda t: t.id)
    assert [t.frames for t in tracks] == [4, 4]
    assert tracks[0].points[-1].box == _shift(left, 6)
    assert all(1 <= len(t.shots) <= 3 and t.thumbnail_jpeg for t in tracks)
    distance = float(np.linalg.norm(tracks[0].template - tracks[1].template))
    assert distance > 0.6  # two different people


def test_swapped_faces_are_linked_by_embedding(
    two_people: tuple[RGBImage, list[FaceBox]], engine: FaceEngine
) -> None:
    """When geometry is ambiguous (both boxes near both tracks), embeddings decide."""
    pixels, (left, right) = two_people
    tracker = Tracker(engine, TrackerSettings(every_s=0.25, gate_box_widths=100.0))
    tracker.update(pixels, 0, 0.0, [left, right])
    before = tracker.embeddings_computed
    tracker.update(pixels, 1, 0.25, [right, left])
    assert tracker.embeddings_computed > before
    tracks = sorted(tracker.finish(), key=lambda t: t.id)
    assert len(tracks) == 2
    assert [p.box for p in tracks[0].points] == [left, left]
    assert [p.box for p in tracks[1].points] == [right, right]


def test_a_gap_longer_than_allowed_starts_a_new_track(
    two_people: tuple[RGBImage, list[FaceBox]], engine: FaceEngine
) -> None:
    pixels, (left, _) = two_people
    tracker = Tracker(engine, TrackerSettings(every_s=0.25, max_gap_s=1.0))
    tracker.update(pixels, 0, 0.0, [left])
    ended = tracker.update(pixels, 10, 2.5, [left])
    assert [t.frames for t in ended] == [1]
    assert [t.start_s for t in tracker.finish()] == [2.5]
