"""Search: held-out photos find their own subject first; ranking is exact; tolerance is honest.

"Exact" is measured against a float64 brute force over the float32 rows, ties by row order: the
int8 shortlist and the float32 scan must both give that answer, near-ties included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.gallery.store import EmbeddingMatrix, GalleryStore
from rekog_desktop.core.scoring import search
from rekog_desktop.core.scoring.scan import SHORTLIST, QuantisedIndex, exact_top_k
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


def dlib_like(rows: int, rng: np.random.Generator) -> np.ndarray:
    """bench/search.py's synthetic gallery: 4 rows per identity centre, norms about 1."""
    centres = rng.standard_normal((rows // 4 + 1, 128)).astype(np.float32)
    vectors = np.repeat(centres, 4, axis=0)[:rows]
    vectors += 0.5 * rng.standard_normal((rows, 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors *= rng.normal(1.0, 0.03, size=(rows, 1)).astype(np.float32)
    return vectors


def brute_force(vectors: np.ndarray, probe: np.ndarray, k: int) -> tuple[list[int], np.ndarray]:
    """The reference: float64 distances of every row, ties broken by row order."""
    distances = np.sqrt(((vectors.astype(np.float64) - probe.astype(np.float64)) ** 2).sum(1))
    order = np.argsort(distances, kind="stable")[:k]
    return order.tolist(), distances[order]


def assert_exact(
    vectors: np.ndarray, probe: np.ndarray, k: int, rows: object, dist: object
) -> None:
    expected_rows, expected = brute_force(vectors, probe, k)
    assert np.asarray(rows).tolist() == expected_rows
    np.testing.assert_allclose(np.asarray(dist), expected, rtol=1e-12, atol=1e-12)


def near_tie_gallery(
    rng: np.random.Generator, rows: int, ties: int
) -> tuple[np.ndarray, np.ndarray]:
    """`ties` rows on a shell of radius ~0.8 around the probe, radii 1e-7 apart (below both the
    int8 step and float32's rounding of |g|^2 - 2 g.p), shuffled among random rows farther out."""
    vectors = dlib_like(rows, rng)
    probe = vectors[0] + rng.normal(scale=0.02, size=128).astype(np.float32)
    directions = rng.normal(size=(ties, 128))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radii = 0.8 + 1e-7 * rng.permutation(ties)
    shell = (probe.astype(np.float64) + radii[:, None] * directions).astype(np.float32)
    places = rng.choice(np.arange(1, rows), size=ties, replace=False)
    vectors[places] = shell
    return vectors, probe


def test_quantised_index_is_exact_on_dlib_like_rows() -> None:
    rng = np.random.default_rng(11)
    vectors = dlib_like(20_000, rng)
    norms = np.einsum("ij,ij->i", vectors, vectors)
    index = QuantisedIndex.build(vectors)
    stages = []
    for probe_row in rng.integers(0, len(vectors), size=20):
        probe = vectors[probe_row] + rng.normal(scale=0.04, size=128).astype(np.float32)
        for k in (1, 20, 150):
            ranked = index.nearest(vectors, norms, probe, k)
            assert_exact(vectors, probe, k, ranked.rows, ranked.distances)
            stages.append(ranked.stage)
    # The speed comes from the first shortlist proving itself on ordinary galleries.
    assert stages.count("shortlist") >= 0.9 * len(stages)


@pytest.mark.parametrize(
    ("rows", "ties", "stage"), [(6_000, 500, "long shortlist"), (12_000, 5_000, "full scan")]
)
def test_near_ties_are_ranked_exactly(rows: int, ties: int, stage: str) -> None:
    """The shortlist cannot tell the shell's rows apart, so its proof must fail and a longer
    shortlist or the full scan (with its own float32 bound) must find the 20 smallest radii."""
    vectors, probe = near_tie_gallery(np.random.default_rng(ties), rows, ties)
    norms = np.einsum("ij,ij->i", vectors, vectors)
    ranked = QuantisedIndex.build(vectors).nearest(vectors, norms, probe, 20)
    assert ranked.stage == stage
    assert_exact(vectors, probe, 20, ranked.rows, ranked.distances)
    scanned = exact_top_k(vectors, norms, probe, 20)
    assert_exact(vectors, probe, 20, scanned.rows, scanned.distances)


def test_exact_ties_keep_row_order() -> None:
    rng = np.random.default_rng(3)
    vectors = dlib_like(3_000, rng)
    probe = vectors[5] + 0.01
    places = np.sort(rng.choice(3_000, size=60, replace=False))
    vectors[places] = vectors[5] + 0.02  # 60 identical rows, all closer than anything else
    norms = np.einsum("ij,ij->i", vectors, vectors)
    for ranked in (
        QuantisedIndex.build(vectors).nearest(vectors, norms, probe, 20),
        exact_top_k(vectors, norms, probe, 20),
    ):
        assert ranked.rows.tolist() == places[:20].tolist()
        assert_exact(vectors, probe, 20, ranked.rows, ranked.distances)


def test_all_zero_gallery_is_one_big_tie() -> None:
    vectors = np.zeros((500, 128), dtype=np.float32)
    norms = np.zeros(500, dtype=np.float32)
    probe = np.full(128, 0.1, dtype=np.float32)
    ranked = QuantisedIndex.build(vectors).nearest(vectors, norms, probe, 20)
    assert ranked.rows.tolist() == list(range(20))
    assert_exact(vectors, probe, 20, ranked.rows, ranked.distances)


@pytest.mark.parametrize(
    "rows", [1, 5, 19, 20, 21, SHORTLIST - 1, SHORTLIST, SHORTLIST + 1, 2 * SHORTLIST + 1]
)
def test_small_galleries(rows: int) -> None:
    rng = np.random.default_rng(rows)
    vectors = dlib_like(rows, rng)
    norms = np.einsum("ij,ij->i", vectors, vectors)
    probe = dlib_like(1, rng)[0]
    index = QuantisedIndex.build(vectors)
    for k in (1, 20, rows, rows + 5):
        expect = min(k, rows)
        for ranked in (
            index.nearest(vectors, norms, probe, k),
            exact_top_k(vectors, norms, probe, k),
        ):
            assert len(ranked.rows) == expect
            assert_exact(vectors, probe, expect, ranked.rows, ranked.distances)
    assert len(index.nearest(vectors, norms, probe, 0).rows) == 0
    matrix = EmbeddingMatrix.build(1, np.arange(rows) + 7, vectors)
    hits = nearest(matrix, probe, 20)
    assert [face_id - 7 for face_id, _ in hits] == brute_force(vectors, probe, 20)[0]


def test_nearest_uses_one_index_per_matrix() -> None:
    """Galleries from INDEX_MIN_ROWS go through the int8 index, built once per matrix; the
    answer is the exact top-k by face id."""
    rng = np.random.default_rng(5)
    vectors = dlib_like(search.INDEX_MIN_ROWS, rng)
    matrix = EmbeddingMatrix.build(1, np.arange(len(vectors)) + 1000, vectors)
    index = search._index_for(matrix)
    assert index is not None and search._index_for(matrix) is index
    probe = vectors[77] + rng.normal(scale=0.04, size=128).astype(np.float32)
    hits = nearest(matrix, probe, 20)
    expected_rows, expected = brute_force(vectors, probe, 20)
    assert [face_id for face_id, _ in hits] == [row + 1000 for row in expected_rows]
    np.testing.assert_allclose([d for _, d in hits], expected, rtol=1e-12)
    assert hits[0][0] == 1077
    other = EmbeddingMatrix.build(2, matrix.face_ids, vectors)
    assert search._index_for(other) is not index
    assert search._index_for(other) is search._index_for(other)
