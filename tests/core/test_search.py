"""Search: held-out photos find their own subject first; ranking is exact; tolerance is honest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.gallery.store import EmbeddingMatrix, GalleryStore
from rekog_desktop.core.scoring.search import nearest, search_image


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return create_engine()


def test_held_out_photos_find_their_subject_first(
    gallery_store: GalleryStore, held_out: dict[str, Path], engine: object
) -> None:
    misses = []
    for subject, photo in held_out.items():
        result = search_image(gallery_store, engine, photo, top_k=5)  # type: ignore[arg-type]
        assert result.faces, f"no face found in {photo}"
        top = result.faces[0].candidates[0]
        if top.subject != subject:
            misses.append((photo, top.subject, round(top.distance, 3)))
    assert not misses


def test_candidates_are_sorted_and_counted(
    gallery_store: GalleryStore, held_out: dict[str, Path], engine: object
) -> None:
    result = search_image(gallery_store, engine, held_out["barack_obama"], top_k=20)  # type: ignore[arg-type]
    face = result.faces[0]
    distances = [c.distance for c in face.candidates]
    assert distances == sorted(distances)
    assert [c.rank for c in face.candidates] == list(range(1, 21))
    assert face.within_tolerance == sum(d <= 0.6 for d in distances)
    assert 1 <= face.within_tolerance < 20


def test_no_candidate_within_tolerance_is_said(
    fresh_store: GalleryStore, faces_dir: Path, engine: object
) -> None:
    from tests.conftest import run_import

    run_import(fresh_store, [faces_dir / "john_simm"])
    result = search_image(fresh_store, engine, faces_dir / "barack_obama" / "1.jpg")  # type: ignore[arg-type]
    face = result.faces[0]
    assert len(face.candidates) == 4  # the whole (small) gallery is still listed
    assert face.within_tolerance == 0


def test_nearest_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(5000, 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    matrix = EmbeddingMatrix.build(1, np.arange(100, 5100), vectors)
    probe = vectors[42] + rng.normal(scale=0.05, size=128).astype(np.float32)
    hits = nearest(matrix, probe, 20)
    brute = np.linalg.norm(vectors.astype(np.float64) - probe, axis=1)
    order = np.argsort(brute)[:20]
    assert [face_id for face_id, _ in hits] == [int(i) + 100 for i in order]
    np.testing.assert_allclose([d for _, d in hits], brute[order], rtol=1e-6)
    assert hits[0][0] == 142


def test_nearest_on_empty_gallery() -> None:
    empty = EmbeddingMatrix.build(0, np.zeros(0), np.zeros((0, 128), dtype=np.float32))
    assert nearest(empty, np.zeros(128, dtype=np.float32), 20) == []


def test_probe_faces_are_largest_first(
    fresh_store: GalleryStore, faces_dir: Path, engine: object
) -> None:
    result = search_image(fresh_store, engine, faces_dir / "_group" / "obama_and_biden.jpg")  # type: ignore[arg-type]
    areas = [f.face.box.area for f in result.faces]
    assert len(areas) >= 2 and areas == sorted(areas, reverse=True)
    assert all(f.candidates == () for f in result.faces)
