"""The shipped calibration tables and what they say on their own: the estimated false-match
rate at a distance, the chance a stranger matches anyone in a gallery of N, the threshold that
keeps that chance at 1%, and the odds written for people ("1 in 3,400").

A table is built by `rekog eval calibrate` on a development set (the command is written inside
each file) and kept per engine variant: embeddings of two variants have their own distance
distributions. calibration.py blends a table with a store's own distances.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rekog_desktop.core.common.resources import resource

#: The strict preset's promise: at most this share of never-enrolled people match anyone.
STRICT_FPIR = 0.01

CALIBRATION_FILE = "calibration.json"
#: Tables by engine variant (EngineSettings.variant): embeddings of two variants have their own
#: distance distributions. The default variant's table is CALIBRATION_FILE.
CALIBRATION_FILES = {"/align68/mirror": CALIBRATION_FILE, "": "calibration_align5.json"}


@dataclass(frozen=True)
class CalibrationTable:
    """Cumulative share of impostor (different-person) and genuine (same-person) comparisons at
    or below each grid distance. Impostor shares use (k + 1) / (n + 1), so no distance is ever
    promised a false-match rate of zero."""

    distances: tuple[float, ...]
    impostor_cdf: tuple[float, ...]
    genuine_cdf: tuple[float, ...]
    impostor_comparisons: int
    genuine_comparisons: int
    #: FPIR = 1 - (1 - fmr)^(gallery_exponent * enrolled subjects), fitted on the development
    #: set (1.0 would mean independent comparisons).
    gallery_exponent: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def fmr(self, distance: float) -> float:
        """Estimated false-match rate of one comparison at `distance` (monotone in distance)."""
        return float(np.interp(distance, self.distances, self.impostor_cdf))

    def tmr(self, distance: float) -> float:
        """Share of same-person comparisons at or below `distance` on the development set."""
        return float(np.interp(distance, self.distances, self.genuine_cdf))

    def as_json(self) -> dict[str, Any]:
        return {
            **self.meta,
            "impostor_comparisons": self.impostor_comparisons,
            "genuine_comparisons": self.genuine_comparisons,
            "gallery_exponent": self.gallery_exponent,
            "distances": [round(d, 4) for d in self.distances],
            "impostor_cdf": [float(f"{v:.6g}") for v in self.impostor_cdf],
            "genuine_cdf": [round(v, 6) for v in self.genuine_cdf],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CalibrationTable:
        keys = {
            "distances",
            "impostor_cdf",
            "genuine_cdf",
            "impostor_comparisons",
            "genuine_comparisons",
            "gallery_exponent",
        }
        return cls(
            distances=tuple(float(v) for v in data["distances"]),
            impostor_cdf=tuple(float(v) for v in data["impostor_cdf"]),
            genuine_cdf=tuple(float(v) for v in data["genuine_cdf"]),
            impostor_comparisons=int(data["impostor_comparisons"]),
            genuine_comparisons=int(data["genuine_comparisons"]),
            gallery_exponent=float(data.get("gallery_exponent", 1.0)),
            meta={k: v for k, v in data.items() if k not in keys},
        )


def build_table(
    impostor: npt.ArrayLike,
    genuine: npt.ArrayLike,
    *,
    gallery_exponent: float = 1.0,
    step: float = 0.0025,
    max_distance: float = 1.2,
    meta: dict[str, Any] | None = None,
) -> CalibrationTable:
    """Tabulate impostor and genuine distances on a fixed grid (cumulative, so monotone)."""
    imp = np.sort(np.asarray(impostor, dtype=np.float64))
    gen = np.sort(np.asarray(genuine, dtype=np.float64))
    grid = np.round(np.arange(0.0, max_distance + step / 2, step), 6)
    imp_le = np.searchsorted(imp, grid, side="right")
    gen_le = np.searchsorted(gen, grid, side="right")
    return CalibrationTable(
        distances=tuple(grid.tolist()),
        impostor_cdf=tuple(((imp_le + 1) / (imp.size + 1)).tolist()),
        genuine_cdf=tuple((gen_le / max(gen.size, 1)).tolist()),
        impostor_comparisons=int(imp.size),
        genuine_comparisons=int(gen.size),
        gallery_exponent=gallery_exponent,
        meta=dict(meta or {}),
    )


def _shipped_json(variant: str | None = None) -> dict[str, Any]:
    """The shipped calibration of an engine variant (None: the default engine's); a variant
    without its own table gets the default's, which is then only an approximation."""
    name = CALIBRATION_FILES.get(variant, CALIBRATION_FILE) if variant is not None else None
    text = resource(name or CALIBRATION_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def shipped_table(variant: str | None = None) -> CalibrationTable:
    """The template-distance table shipped with the app for an engine variant."""
    return CalibrationTable.from_json(_shipped_json(variant))


def shipped_face_table(variant: str | None = None) -> CalibrationTable | None:
    """The photo-to-photo (raw distance) table in the same file, for the investigative
    tolerance; None in a file without one."""
    face = _shipped_json(variant).get("face_table")
    return CalibrationTable.from_json(face) if face else None


def variant_of(engine_name: str | None) -> str | None:
    """'/align68/mirror' from 'dlib-resnet-v1/hog/align68/mirror'; None for an empty store."""
    if not engine_name:
        return None
    return "".join(f"/{part}" for part in engine_name.split("/")[2:])


def load_table(path: str | Path | None = None) -> CalibrationTable:
    if path is None:
        return shipped_table()
    return CalibrationTable.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def gallery_fpir(one_fmr: float, gallery_size: int, exponent: float = 1.0) -> float:
    """Chance that one never-enrolled person matches anyone in a gallery of `gallery_size`
    subjects when one comparison falsely matches with probability `one_fmr`:
    1 - (1 - fmr)^(exponent * n)."""
    if gallery_size <= 0:
        return 0.0
    one_fmr = min(max(one_fmr, 0.0), 1.0)
    if one_fmr >= 1.0:
        return 1.0
    return float(-math.expm1(exponent * gallery_size * math.log1p(-one_fmr)))


def fmr_for_gallery_fpir(fpir: float, gallery_size: int, exponent: float = 1.0) -> float:
    """The one-comparison rate at which `gallery_fpir` equals `fpir` (its inverse)."""
    if gallery_size <= 0:
        return 1.0
    return float(-math.expm1(math.log1p(-fpir) / (exponent * gallery_size)))


def threshold_for_gallery(
    table: CalibrationTable, subjects: int, target_fpir: float = STRICT_FPIR
) -> float:
    """The largest grid distance at which someone never enrolled matches anyone among
    `subjects` at most `target_fpir` of the time, from the table alone (no store: for stating
    what the strict preset costs at a given gallery size)."""
    passing = [
        d
        for d in table.distances
        if gallery_fpir(table.fmr(d), subjects, table.gallery_exponent) <= target_fpir
    ]
    return passing[-1] if passing else table.distances[0]


def one_in(rate: float | None, floor: float | None = None) -> str:
    """Plain odds, two significant figures: '1 in 3,400', '1 in 340k', '1 in 7.3M'; '' when
    there is no estimate. An officer weighs "1 in 40" against "1 in 40,000" at a glance, where
    2.5e-02 and 2.5e-05 look alike. At the calibration's `floor` (no different-person pair
    that close was seen) the number is only a bound: '<1 in 7.3M'."""
    if rate is None:
        return ""
    if rate >= 0.5:
        return "≥1 in 2"  # at least every second comparison
    n = 1.0 / max(rate, 1e-12)
    digits = len(str(int(n))) - 2
    rounded = int(round(n, -digits)) if digits > 0 else round(n)
    if rounded >= 10_000_000:
        text = f"{rounded // 1_000_000:,}M"
    elif rounded >= 1_000_000:
        text = f"{rounded / 1_000_000:.1f}M"
    elif rounded >= 100_000:
        text = f"{rounded // 1_000:,}k"
    else:
        text = f"{rounded:,}"
    bound = floor is not None and rate <= floor * (1 + 1e-9)
    return f"<1 in {text}" if bound else f"1 in {text}"


def is_monotone(values: Sequence[float]) -> bool:
    return all(b >= a for a, b in itertools.pairwise(values))
