"""What a distance means, in numbers: estimated false-match rates and the strict threshold.

The calibrated score compares a probe with a *subject*, not with one photo: embeddings are
scaled to unit length and a subject's enrolled faces are averaged into one template (measured
on lfw_dev in bench/accuracy.py: both cut the false matches of never-enrolled people far more
than any engine change). A shipped table (calibration_table.py, one per engine variant)
gives, for a template distance d, the share of comparisons of two different
people that come out at d or closer: the estimated false-match rate (FMR) of one comparison.
When the store holds enough faces of different subjects, their own distances are blended in. From
the one-comparison rate follows the chance that someone never enrolled matches anyone in a
gallery of N subjects (FPIR), and from that the "strict" threshold, where FPIR is at most 1%.

These are estimates from a development set of adult public figures in news photos; they are
less reliable for small, blurred or turned faces, for children and for unlike populations.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.calibration_table import (
    STRICT_FPIR,
    CalibrationTable,
    gallery_fpir,
    shipped_face_table,
    shipped_table,
    variant_of,
)

Preset = Literal["investigative", "strict"]
PRESETS: tuple[Preset, ...] = ("investigative", "strict")
DEFAULT_PRESET: Preset = "investigative"

#: Below this many different-subject comparisons the store's own distances are not used.
MIN_STORE_IMPOSTORS = 1_000
#: Weight of the shipped table, in comparisons, when blending it with the store's distances:
#: a store with this many impostor comparisons counts half.
TABLE_PRIOR_COMPARISONS = 50_000
#: At most this many (face, other subject) comparisons measure the store's impostor distances.
MAX_STORE_IMPOSTORS = 400_000


def unit_rows(vectors: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Rows scaled to length 1 (a zero row stays zero)."""
    v = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    out: npt.NDArray[np.float64] = np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)
    return out


def _label_index(labels: Sequence[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Distinct labels (sorted) and each label's position among them."""
    if len(labels) == 0:
        return [], np.zeros(0, dtype=np.int64)
    distinct, index = np.unique(np.asarray(labels), return_inverse=True)
    return distinct.tolist(), index.astype(np.int64).reshape(-1)


def templates(
    vectors: npt.ArrayLike, labels: Sequence[Any]
) -> tuple[list[Any], npt.NDArray[np.float64]]:
    """One unit-length template per label: the mean of its unit-length embeddings (float32
    row blocks and one sorted reduction, so a million faces take about a second)."""
    v = np.asarray(vectors)
    names, index = _label_index(labels)
    dim = v.shape[1] if v.ndim == 2 else 128
    if index.size == 0:
        return names, np.zeros((0, dim))
    unit = np.empty((index.size, dim), dtype=np.float32)
    for start in range(0, index.size, 65_536):
        unit[start : start + 65_536] = unit_rows(v[start : start + 65_536])
    order = np.argsort(index, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(index[order]) != 0])
    sums = np.add.reduceat(unit[order], starts, axis=0, dtype=np.float64)
    return names, unit_rows(sums)


def unit_distances(
    probes: npt.NDArray[np.float64], targets: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Euclidean distances between unit-length rows (0 to 2)."""
    return np.sqrt(np.maximum(2.0 - 2.0 * probes @ targets.T, 0.0))


def template_score_distances(
    vectors: npt.ArrayLike, labels: Sequence[Any]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Calibration comparisons among labelled embeddings: impostor = each photo against every
    other person's template; genuine = each photo against the template of the same person's
    other photos (leave one out, people with 2+ photos)."""
    u = unit_rows(vectors)
    names, tmpl = templates(u, labels)
    _, index = _label_index(labels)
    impostor: list[npt.NDArray[np.float64]] = []
    for start in range(0, len(u), 512):
        d = unit_distances(u[start : start + 512], tmpl)
        own = index[start : start + 512]
        mask = np.ones_like(d, dtype=bool)
        mask[np.arange(len(own)), own] = False
        impostor.append(d[mask])
    sums = np.zeros_like(tmpl)
    np.add.at(sums, index, u)
    counts = np.bincount(index, minlength=len(names))
    rows = np.flatnonzero(counts[index] >= 2)
    others = unit_rows(sums[index[rows]] - u[rows])
    genuine = np.sqrt(np.maximum(2.0 - 2.0 * (u[rows] * others).sum(1), 0.0))
    return np.concatenate(impostor) if impostor else np.zeros(0), genuine


def fit_gallery_exponent(
    table: CalibrationTable,
    nonmated_nearest: npt.ArrayLike,
    gallery_size: int,
    *,
    fpir_range: tuple[float, float] = (0.002, 0.2),
) -> float:
    """Fit c in FPIR = 1 - (1 - fmr)^(c * subjects) to measured nearest distances of never-enrolled
    probes against a gallery of `gallery_size` subjects (least squares on log(1 - FPIR))."""
    nearest = np.sort(np.asarray(nonmated_nearest, dtype=np.float64))
    xs: list[float] = []
    ys: list[float] = []
    for threshold in np.arange(0.2, 1.0, 0.005):
        measured = np.searchsorted(nearest, threshold, side="right") / max(nearest.size, 1)
        if fpir_range[0] <= measured <= fpir_range[1]:
            xs.append(gallery_size * math.log1p(-table.fmr(float(threshold))))
            ys.append(math.log1p(-measured))
    if len(xs) < 3:
        return 1.0
    x, y = np.asarray(xs), np.asarray(ys)
    return float((x @ y) / (x @ x))


def pairwise_distances(
    vectors: npt.ArrayLike, labels: Sequence[Any]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Every photo-to-photo distance among labelled raw embeddings (dlib's own scale), split
    into impostor (different labels) and genuine (same label) comparisons."""
    v = np.asarray(vectors, dtype=np.float64)
    names = np.asarray(labels)
    norms = (v * v).sum(1)
    impostor: list[npt.NDArray[np.float64]] = []
    genuine: list[npt.NDArray[np.float64]] = []
    for start in range(0, len(v), 512):  # row blocks keep memory flat for big sets
        block = v[start : start + 512]
        d = np.sqrt(np.maximum(norms[start : start + 512, None] - 2.0 * block @ v.T + norms, 0.0))
        upper = np.arange(len(v))[None, :] > np.arange(start, start + len(block))[:, None]
        same = names[start : start + 512, None] == names[None, :]
        impostor.append(d[upper & ~same])
        genuine.append(d[upper & same])
    return np.concatenate(impostor), np.concatenate(genuine)


@dataclass(frozen=True)
class SubjectTemplates:
    """The store's enrolled subjects as unit-length templates, one row per subject."""

    subject_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float64]
    faces: int
    #: Sorted distances of enrolled faces to other subjects' templates (a sample).
    impostors: npt.NDArray[np.float64]

    def distances(self, probe: npt.ArrayLike) -> dict[int, float]:
        """Calibrated score of a probe embedding against every subject: template distance."""
        if self.subject_ids.size == 0:
            return {}
        d = unit_distances(unit_rows(probe), self.vectors)[0]
        return {int(s): float(x) for s, x in zip(self.subject_ids, d, strict=True)}


def subject_templates(store: GalleryStore, *, seed: int = 0) -> SubjectTemplates:
    """Templates of every enrolled subject of the store (see `templates_of`), from the store's
    cached embedding matrix plus one query of face -> subject ids."""
    matrix = store.embedding_matrix()
    rows = np.asarray(
        store.db.execute(
            "SELECT id, subject_id FROM faces WHERE subject_id IS NOT NULL ORDER BY id"
        ).fetchall(),
        dtype=np.int64,
    ).reshape(-1, 2)
    # Rows of the matrix whose face is (still) enrolled, and their subjects; both are by id.
    where = np.searchsorted(rows[:, 0], matrix.face_ids)
    where = np.minimum(where, max(len(rows) - 1, 0))
    keep = (rows[where, 0] == matrix.face_ids) if len(rows) else np.zeros(0, dtype=bool)
    return templates_of(matrix.vectors[keep], rows[where[keep], 1].tolist(), seed=seed)


def templates_of(
    vectors: npt.ArrayLike,
    subject_ids: Sequence[int],
    *,
    seed: int = 0,
) -> SubjectTemplates:
    """Templates per subject id, plus the gallery's own impostor distances: enrolled faces
    against the other subjects' templates (see `_impostor_sample`)."""
    if not len(subject_ids):  # an empty gallery: nothing to match, nothing to estimate
        return SubjectTemplates(np.zeros(0, np.int64), np.zeros((0, 128)), 0, np.zeros(0))
    v = np.asarray(vectors).reshape(len(subject_ids), -1)
    names, tmpl = templates(v, list(subject_ids))
    ids = np.asarray(names, dtype=np.int64)
    return SubjectTemplates(ids, tmpl, len(v), _impostor_sample(v, subject_ids, ids, tmpl, seed))


def _impostor_sample(
    vectors: npt.NDArray[Any],
    subject_ids: Sequence[int],
    ids: npt.NDArray[np.int64],
    tmpl: npt.NDArray[np.float64],
    seed: int,
) -> npt.NDArray[np.float64]:
    """Sorted distances of enrolled faces to other subjects' templates: all of them in a small
    gallery, a seeded sample of MAX_STORE_IMPOSTORS pairs in a big one."""
    order = np.argsort(ids)
    own = order[np.searchsorted(ids[order], np.asarray(subject_ids))]
    if len(vectors) * len(ids) <= MAX_STORE_IMPOSTORS:
        d = unit_distances(unit_rows(vectors), tmpl)
        other = own[:, None] != np.arange(len(ids))[None, :]
        return np.sort(d[other])
    rng = np.random.default_rng(seed)
    faces = rng.integers(0, len(vectors), MAX_STORE_IMPOSTORS)
    subjects = rng.integers(0, len(ids), MAX_STORE_IMPOSTORS)
    keep = subjects != own[faces]
    u = unit_rows(vectors[faces[keep]])
    d = np.sqrt(np.maximum(2.0 - 2.0 * (u * tmpl[subjects[keep]]).sum(1), 0.0))
    return np.sort(d)


@dataclass(frozen=True)
class Calibrator:
    """Estimates for one gallery: the shipped table blended with the store's own impostors."""

    table: CalibrationTable
    subjects: SubjectTemplates
    #: Raw photo-to-photo distances (dlib's scale), for the investigative tolerance.
    face_table: CalibrationTable | None = None

    @property
    def enrolled_subjects(self) -> int:
        return int(self.subjects.subject_ids.size)

    def tolerance_fpir(self, tolerance: float) -> float | None:
        """Chance that a never-enrolled person has at least one enrolled face within
        `tolerance` (raw face distance, the investigative mark); None without a face table."""
        if self.face_table is None:
            return None
        return gallery_fpir(
            self.face_table.fmr(tolerance), self.subjects.faces, self.face_table.gallery_exponent
        )

    def never_enrolled_match(self, preset: Preset, tolerance: float) -> float | None:
        """The probe line's number: the chance that someone never enrolled would match anyone
        in this gallery under `preset` (strict threshold, or the investigative tolerance)."""
        if self.enrolled_subjects == 0:
            return 0.0
        if preset == "strict":
            return self.fpir(self.strict_threshold())
        return self.tolerance_fpir(tolerance)

    @property
    def store_weight(self) -> float:
        """How much the store's own distances count (0 below MIN_STORE_IMPOSTORS)."""
        n = self.subjects.impostors.size
        if n < MIN_STORE_IMPOSTORS:
            return 0.0
        return n / (n + TABLE_PRIOR_COMPARISONS)

    def fmr(self, distance: float) -> float:
        """Estimated false-match rate of one probe-to-subject comparison at this template
        distance (monotone: a larger distance never gets a smaller estimate)."""
        table_fmr = self.table.fmr(distance)
        weight = self.store_weight
        if weight == 0.0:
            return table_fmr
        own = self.subjects.impostors
        k = int(np.searchsorted(own, distance, side="right"))
        return weight * (k + 1) / (own.size + 1) + (1.0 - weight) * table_fmr

    def fpir(self, threshold: float) -> float:
        """Chance that a never-enrolled person matches anyone in this gallery at `threshold`."""
        return gallery_fpir(
            self.fmr(threshold), self.enrolled_subjects, self.table.gallery_exponent
        )

    def strict_threshold(self, target_fpir: float = STRICT_FPIR) -> float:
        """The largest template distance at which the estimated FPIR is at most `target_fpir`
        (FPIR only grows with distance, so a bisection finds it)."""
        low, high = self.table.distances[0], self.table.distances[-1]
        if self.fpir(low) > target_fpir:
            return low
        if self.fpir(high) <= target_fpir:
            return high
        for _ in range(40):
            mid = (low + high) / 2.0
            if self.fpir(mid) <= target_fpir:
                low = mid
            else:
                high = mid
        return low

    def threshold_for(self, preset: Preset) -> float | None:
        """The template distance at or below which a subject counts as a match under
        `preset`; None for investigative (a ranked list of leads, no calibrated cut)."""
        return self.strict_threshold() if preset == "strict" else None

    def scores(self, probe: npt.ArrayLike) -> dict[int, float]:
        """Template distance of the probe to every enrolled subject, by subject id."""
        return self.subjects.distances(probe)


_cache: dict[str, tuple[int, Calibrator]] = {}
_cache_lock = threading.Lock()


def calibrator_for_store(store: GalleryStore, table: CalibrationTable | None = None) -> Calibrator:
    """The Calibrator of `store`'s enrolled faces, cached per store file and generation (one
    pass over the embeddings after each change)."""
    row = store.db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    key = f"{store.path}#{row[0] if row else ''}#{id(table) if table is not None else ''}"
    generation = store.generation()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == generation:
        return hit[1]
    variant = variant_of(store.engine_name())
    calibrator = Calibrator(
        table=table or shipped_table(variant),
        subjects=subject_templates(store),
        face_table=shipped_face_table(variant) if table is None else None,
    )
    with _cache_lock:
        _cache[key] = (generation, calibrator)
    return calibrator
