"""Rank gallery faces against a probe face by Euclidean distance between 128-d embeddings.

`distance` is lower-is-closer and keeps dlib's meaning: at 0.6 dlib reports 99.38% accuracy on
LFW pairs. A list is always returned (an investigator reviews candidates); how many lie within
the tolerance is said separately, so an empty match is never dressed up as a hit. Each candidate
also carries its estimated false-match rate, and the "strict" preset stars candidates by the
calibrated threshold instead of the tolerance (calibration.py).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from rekog_desktop.core.common.errors import StoreError
from rekog_desktop.core.common.types import Embedding, Face, FaceBox
from rekog_desktop.core.faces.engine import (
    EngineSettings,
    FaceEngine,
    create_engine,
    settings_for_engine,
)
from rekog_desktop.core.faces.images import LoadedImage, load_image
from rekog_desktop.core.gallery.store import EmbeddingMatrix, GalleryStore
from rekog_desktop.core.scoring.calibration import (
    DEFAULT_PRESET,
    Calibrator,
    Preset,
    calibrator_for_store,
)
from rekog_desktop.core.scoring.scan import QuantisedIndex, Ranked, exact_top_k

#: Inspecting the loaded BLAS libraries is the slow part of threadpoolctl: do it once.
_THREADPOOLS = ThreadpoolController()

#: Galleries from this size are searched through an int8 index (scan.py): below it the float32
#: scan takes about a millisecond and building an index would cost more than it saves.
INDEX_MIN_ROWS = 32_768
#: id(matrix) -> (weak reference to that matrix, its index); entries go with their matrix.
_INDEXES: dict[int, tuple[weakref.ref[EmbeddingMatrix], QuantisedIndex]] = {}
_INDEX_LOCK = threading.Lock()

DEFAULT_TOP_K = 20
DEFAULT_TOLERANCE = 0.6

#: Shown with every estimate: what the calibration set was, so nobody reads it as universal.
ESTIMATE_SCOPE = (
    "Estimated rates come from clear photos of adults (news photos of public figures); "
    "they do not hold for children's faces or for faces unlike those."
)


@dataclass(frozen=True)
class SearchSettings:
    """How probe faces are ranked and marked, as one value: the window, its jobs and the case
    record all speak of the same search (and compare settings with ==)."""

    top_k: int = DEFAULT_TOP_K
    tolerance: float = DEFAULT_TOLERANCE
    preset: Preset = DEFAULT_PRESET


@dataclass(frozen=True)
class Candidate:
    rank: int
    face_id: int
    subject_id: int | None
    subject: str
    photo_id: int
    photo_path: str
    box: FaceBox
    distance: float
    within_tolerance: bool
    #: Estimated false-match rate of one comparison of this probe with this candidate's
    #: subject (calibration.py); None when no calibration applies.
    est_fmr: float | None = None
    #: The calibrated score behind est_fmr: distance of the unit-length probe to the subject's
    #: template (mean of their enrolled faces), 0-2.
    template_distance: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "subject": self.subject,
            "photo": self.photo_path,
            "face_id": self.face_id,
            "box": self.box.as_list(),
            "distance": round(self.distance, 4),
            "within_tolerance": self.within_tolerance,
            "est_fmr": None if self.est_fmr is None else float(f"{self.est_fmr:.3g}"),
            "template_distance": (
                None if self.template_distance is None else round(self.template_distance, 4)
            ),
        }


@dataclass(frozen=True)
class FaceSearch:
    """The candidates for one probe face."""

    face: Face
    candidates: tuple[Candidate, ...]
    tolerance: float
    #: "investigative": a ranked list of leads, starred at `tolerance` (face distance);
    #: "strict": starred only when the subject's template distance <= `strict_threshold`.
    preset: str = DEFAULT_PRESET
    strict_threshold: float | None = None
    #: Estimated chance that someone never enrolled would match anyone in this gallery under
    #: the preset (calibration.py); None when no calibration applies.
    never_enrolled_match: float | None = None
    gallery_subjects: int = 0
    #: The smallest estimate the calibration can give (no different-person pair seen that
    #: close): a candidate at the floor has a rate *below* it.
    fmr_floor: float | None = None

    @property
    def within_tolerance(self) -> int:
        return sum(1 for c in self.candidates if c.within_tolerance)

    @property
    def estimate_caveats(self) -> tuple[str, ...]:
        return estimate_caveats(self.face.quality.warnings)

    def as_dict(self) -> dict[str, object]:
        chance = self.never_enrolled_match
        return {
            "box": self.face.box.as_list(),
            "quality": self.face.quality.as_dict(),
            "within_tolerance": self.within_tolerance,
            "preset": self.preset,
            "strict_threshold": (
                None if self.strict_threshold is None else round(self.strict_threshold, 4)
            ),
            "never_enrolled_match_chance": None if chance is None else round(chance, 4),
            "gallery_subjects": self.gallery_subjects,
            # An est_fmr equal to this is a bound (no different-person pair that close seen).
            "fmr_floor": None if self.fmr_floor is None else float(f"{self.fmr_floor:.3g}"),
            "estimates_unreliable": list(self.estimate_caveats),
            "candidates": [c.as_dict() for c in self.candidates],
        }


@dataclass(frozen=True)
class ProbeSearch:
    """All faces of one probe image, largest first, each with its candidates."""

    path: str
    sha256: str
    width: int
    height: int
    faces: tuple[FaceSearch, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "probe": {"path": self.path, "sha256": self.sha256},
            "faces": [f.as_dict() for f in self.faces],
        }


def estimate_caveats(quality_warnings: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Why this probe's estimated rates should not be trusted: the calibration measured clear,
    near-frontal adult faces, and a small, blurred, dark or turned face falls outside it (such
    faces both match their own subject less well and strangers more often)."""
    if not quality_warnings:
        return ()
    return tuple(f"estimates unreliable: {warning}" for warning in quality_warnings)


def nearest(matrix: EmbeddingMatrix, probe: Embedding, top_k: int) -> list[tuple[int, float]]:
    """(face id, distance) of the exact `top_k` closest rows, closest first (ties by row order).

    Large galleries are ranked through an int8 index kept beside the matrix (a quarter of the
    bytes to read), whose shortlist is re-ranked exactly and proved complete (scan.py); small
    ones by a float32 scan with the same proof. Distances are float64 over the float32 rows.
    """
    if len(matrix.face_ids) == 0 or top_k <= 0:
        return []
    ranked = rank_rows(matrix, probe, top_k)
    return [
        (int(matrix.face_ids[row]), float(distance))
        for row, distance in zip(ranked.rows, ranked.distances, strict=True)
    ]


def rank_rows(matrix: EmbeddingMatrix, probe: Embedding, top_k: int) -> Ranked:
    """`nearest` as row positions, with the stage that proved it exact (for the bench)."""
    probe32 = np.asarray(probe, dtype=np.float32)
    index = _index_for(matrix)
    if index is None:
        return exact_top_k(matrix.vectors, matrix.squared_norms, probe32, top_k)
    return index.nearest(matrix.vectors, matrix.squared_norms, probe32, top_k)


def _index_for(matrix: EmbeddingMatrix) -> QuantisedIndex | None:
    """The int8 index of `matrix`, built on its first search and dropped with it (a store's
    matrix is cached per generation, so a changed gallery gets a new matrix and a new index).
    None below INDEX_MIN_ROWS, where the float32 scan is already about a millisecond."""
    if len(matrix.face_ids) < INDEX_MIN_ROWS:
        return None
    key = id(matrix)
    with _INDEX_LOCK:
        cached = _INDEXES.get(key)
        if cached is not None and cached[0]() is matrix:
            return cached[1]
        index = QuantisedIndex.build(matrix.vectors)
        _INDEXES[key] = (weakref.ref(matrix), index)
        weakref.finalize(matrix, _INDEXES.pop, key, None)
        return index


def nearest_f32_scan(
    matrix: EmbeddingMatrix, probe: Embedding, top_k: int
) -> list[tuple[int, float]]:
    """The float32 scan `nearest` was before the int8 index: kept as the baseline bench/search.py
    times the fast path against, in the same run.

    Uses |g - p|^2 = |g|^2 - 2 g.p + |p|^2 as one matrix-vector product, picks the k best with
    argpartition, then recomputes those k distances exactly in float64 (so a float32 near-tie at
    the k-th place can, rarely, keep the wrong row: `nearest` proves its answer instead).
    """
    count = len(matrix.face_ids)
    if count == 0 or top_k <= 0:
        return []
    k = min(top_k, count)
    probe32 = np.asarray(probe, dtype=np.float32)
    # A matrix-vector product is memory-bound: extra BLAS threads only add hand-over stalls
    # (measured: 1M rows, p50 94 ms with OpenBLAS's threads, 44 ms with one, same run).
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        squared = matrix.squared_norms - 2.0 * (matrix.vectors @ probe32)
    best = np.argpartition(squared, k - 1)[:k] if k < count else np.arange(count)
    diffs = matrix.vectors[best].astype(np.float64) - probe32.astype(np.float64)
    exact = np.sqrt(np.einsum("ij,ij->i", diffs, diffs))
    order = np.argsort(exact, kind="stable")
    return [(int(matrix.face_ids[best[i]]), float(exact[i])) for i in order]


def search_face(
    store: GalleryStore,
    face: Face,
    *,
    top_k: int = DEFAULT_TOP_K,
    tolerance: float = DEFAULT_TOLERANCE,
    preset: Preset = DEFAULT_PRESET,
    calibrator: Calibrator | None = None,
) -> FaceSearch:
    """Rank faces by distance; each candidate gets its subject's calibrated estimates, and is
    within tolerance by the preset's rule (see FaceSearch)."""
    hits = nearest(store.embedding_matrix(), face.embedding, top_k)
    stored = store.faces(face_id for face_id, _ in hits)
    calibrator = calibrator or calibrator_for_store(store)
    scores = calibrator.scores(face.embedding)
    strict = calibrator.strict_threshold() if preset == "strict" else None
    candidates = []
    for rank, (face_id, distance) in enumerate(hits, start=1):
        info = stored[face_id]
        score = scores.get(info.subject_id) if info.subject_id is not None else None
        within = distance <= tolerance
        if strict is not None:
            within = score is not None and score <= strict
        candidates.append(
            Candidate(
                rank=rank,
                face_id=face_id,
                subject_id=info.subject_id,
                subject=info.subject or "(unassigned)",
                photo_id=info.photo_id,
                photo_path=info.photo_path,
                box=info.box,
                distance=distance,
                within_tolerance=within,
                est_fmr=None if score is None else calibrator.fmr(score),
                template_distance=score,
            )
        )
    return FaceSearch(
        face=face,
        candidates=tuple(candidates),
        tolerance=tolerance,
        preset=preset,
        strict_threshold=strict,
        never_enrolled_match=calibrator.never_enrolled_match(preset, tolerance),
        gallery_subjects=calibrator.enrolled_subjects,
        fmr_floor=calibrator.fmr(0.0),
    )


def engine_for_store(store: GalleryStore, base: EngineSettings | None = None) -> FaceEngine:
    """The engine whose embeddings are comparable with `store`'s (same alignment and mirror)."""
    return create_engine(settings_for_engine(store.engine_name(), base or EngineSettings()))


def check_engine(store: GalleryStore, engine: FaceEngine) -> None:
    """Refuse to compare embeddings of two engine variants: distances between them mean
    nothing the calibration knows about. Raises StoreError."""
    built_with = store.engine_name()
    if built_with and built_with.split("/")[2:] != engine.info.name.split("/")[2:]:
        raise StoreError(
            f"this store was built with {built_with}; a probe measured with "
            f"{engine.info.name} cannot be compared with it (use engine_for_store)"
        )


def search_faces(
    store: GalleryStore, faces: Iterable[Face], settings: SearchSettings
) -> tuple[FaceSearch, ...]:
    """Search each face with `settings` (one calibrator for all of them)."""
    calibrator = calibrator_for_store(store)
    return tuple(
        search_face(
            store,
            face,
            top_k=settings.top_k,
            tolerance=settings.tolerance,
            preset=settings.preset,
            calibrator=calibrator,
        )
        for face in faces
    )


def search_image(
    store: GalleryStore,
    engine: FaceEngine,
    path: str | Path,
    *,
    top_k: int = DEFAULT_TOP_K,
    tolerance: float = DEFAULT_TOLERANCE,
    preset: Preset = DEFAULT_PRESET,
) -> ProbeSearch:
    """Find every face in a probe image and search each; raises UnreadableImage."""
    return search_loaded(
        store, engine, load_image(path), top_k=top_k, tolerance=tolerance, preset=preset
    )


def search_loaded(
    store: GalleryStore,
    engine: FaceEngine,
    image: LoadedImage,
    *,
    top_k: int = DEFAULT_TOP_K,
    tolerance: float = DEFAULT_TOLERANCE,
    preset: Preset = DEFAULT_PRESET,
) -> ProbeSearch:
    """Search an already decoded probe (the caller keeps the pixels, e.g. for face crops).
    Raises StoreError when `engine` is not the variant the store was built with."""
    check_engine(store, engine)
    faces = engine.faces(image.pixels)
    return ProbeSearch(
        path=str(Path(image.path).resolve()),
        sha256=image.sha256,
        width=image.width,
        height=image.height,
        faces=search_faces(store, faces, SearchSettings(top_k, tolerance, preset)),
    )
