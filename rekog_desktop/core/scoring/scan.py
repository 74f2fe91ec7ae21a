"""Exact top-k by Euclidean distance, fast enough for a million faces per probe.

A float32 scan of 1M x 128 reads 512 MB per probe and is memory-bound (about 35-50 ms on one
core here). This module reads a quarter of that: the rows are kept a second time as int8 codes
in a faiss index, whose scan gives a shortlist; the shortlist is re-ranked exactly (float64
differences of the float32 rows, as before), and the answer is only returned when it is *proved*
to be the exact top-k:

- every row's code differs from its (scaled) float32 row by at most `residual` (measured per row
  when the index is built, from faiss's own decoding), so by the triangle inequality a row's true
  distance is at least its quantised distance minus that residual, with a margin for float32
  rounding in faiss's sums;
- every row left out of the shortlist has a quantised distance at least the shortlist's last
  one, so if that lower bound is still greater than the k-th exact distance in the shortlist,
  no row outside it can be in the top k, or tie with the k-th.

When the bound does not hold (near-ties on the boundary, or an adversarial gallery), a longer
shortlist is tried, then a float32 scan of every row with its own rounding bound (`exact_top_k`),
so the answer is always the exact top-k. Ties in distance are broken by row order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import faiss
import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

FloatArray = npt.NDArray[np.float32]
RowArray = npt.NDArray[np.int64]
DistanceArray = npt.NDArray[np.float64]

#: How a result was proved exact: from the first shortlist, a longer one, or a full scan.
Stage = Literal["shortlist", "long shortlist", "full scan", "whole gallery"]

#: Rows in the first shortlist: enough that 1M synthetic dlib-like rows pass the proof at once
#: (the int8 error moves a distance by about 1%, and ~50-80 rows lie that close to the 20th).
SHORTLIST = 200
#: For a larger k the first shortlist grows with it (the default top-20 gets SHORTLIST).
SHORTLIST_PER_RESULT = 10
#: The second try is this many times longer (still one int8 scan, ~1 ms more at 1M rows).
LONG_SHORTLIST_FACTOR = 16
#: Rows re-ranked in float64 at a time: bounds the temporary memory of a full re-rank.
_CHUNK = 65_536
#: Error allowed in faiss's float32 distance, relative to (|query| + |code|)^2: whether it sums
#: squared differences or expands |q|^2 - 2 q.c + |c|^2, the bound is (n + 2)u = 7.8e-6 for
#: n = 128 terms; 1e-4 is far above it.
_SUM_RELATIVE_ERROR = 1e-4
_FLOAT32_UNIT = float(np.finfo(np.float32).eps) / 2
#: Inspecting the loaded BLAS libraries is the slow part of threadpoolctl: do it once (after
#: importing faiss, so its OpenMP runtime is among them).
_THREADPOOLS = ThreadpoolController()


@dataclass(frozen=True)
class Ranked:
    """The exact top-k: row positions and distances, closest first, and how it was proved."""

    rows: RowArray
    distances: DistanceArray
    stage: Stage


def exact_distances(vectors: FloatArray, rows: RowArray, probe: FloatArray) -> DistanceArray:
    """Distances of `rows` to `probe`, from float64 differences: the reference every ranking here
    is measured against (rounding ~1e-16, far below any gap the float32 rows can hold)."""
    out = np.empty(len(rows), dtype=np.float64)
    probe64 = probe.astype(np.float64)
    for start in range(0, len(rows), _CHUNK):
        part = rows[start : start + _CHUNK]
        diffs = vectors[part].astype(np.float64) - probe64
        out[start : start + len(part)] = np.sqrt(np.einsum("ij,ij->i", diffs, diffs))
    return out


def _top_exact(
    vectors: FloatArray, rows: RowArray, probe: FloatArray, k: int
) -> tuple[RowArray, DistanceArray]:
    """The k closest of `rows` by exact distance, ties by row order."""
    rows = np.unique(rows)  # sorted, so a stable order below breaks ties by row
    distances = exact_distances(vectors, rows, probe)
    order = np.argsort(distances, kind="stable")[:k]
    return rows[order], distances[order]


def exact_top_k(
    vectors: FloatArray, squared_norms: FloatArray, probe: FloatArray, k: int
) -> Ranked:
    """The exact top-k by a float32 scan of every row, with no quantised index.

    The float32 value |g|^2 - 2 g.p + |p|^2 is off from the true squared distance by at most
    about 2(n+4)u(|g| + |p|)^2 (u the float32 unit roundoff, n = 128 terms); with a factor 4
    of margin, every row whose scanned value is within that of the k-th exact squared distance
    is re-ranked exactly, so a float32 near-tie cannot push a closer row out.
    """
    count = len(vectors)
    k = min(k, count)
    if k <= 0:
        return Ranked(np.zeros(0, np.int64), np.zeros(0, np.float64), "full scan")
    # A matrix-vector product is memory-bound: extra BLAS threads only add hand-over stalls
    # (measured: 1M rows, p50 94 ms with OpenBLAS's threads, 44 ms with one, same run).
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        scanned = squared_norms - 2.0 * (vectors @ probe)
    first = np.argpartition(scanned, k - 1)[:k] if k < count else np.arange(count)
    _, distances = _top_exact(vectors, first.astype(np.int64), probe, k)
    largest_norm = math.sqrt(float(squared_norms.max()))
    probe_norm = float(np.linalg.norm(probe.astype(np.float64)))
    bound = 8.0 * (vectors.shape[1] + 4) * _FLOAT32_UNIT * (largest_norm + probe_norm) ** 2
    limit = np.float32(float(distances[-1]) ** 2 - probe_norm**2 + bound)
    limit = np.nextafter(limit, np.float32(np.inf))  # the float32 compare must not round it down
    candidates = np.flatnonzero(scanned <= limit).astype(np.int64)
    rows, distances = _top_exact(vectors, np.concatenate([first, candidates]), probe, k)
    return Ranked(rows, distances, "full scan")


class QuantisedIndex:
    """The gallery rows as int8 codes in a faiss index (a quarter of the float32 bytes), with
    the largest coding error of any row, so a shortlist from it can be proved complete."""

    def __init__(self, index: Any, scale: float, residual: float, code_norm: float) -> None:
        self._index = index
        #: codes = round(scale * row); scale maps the largest |component| to 127.
        self.scale = scale
        #: Upper bound of |scale * row - decoded code| over all rows, in code units.
        self.residual = residual
        #: Upper bound of |decoded code| over all rows (scales faiss's rounding error).
        self.code_norm = code_norm

    @property
    def rows(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: FloatArray) -> QuantisedIndex:
        """Code `vectors` in chunks (bounded temporary memory) and measure each row's coding
        error from faiss's own decoding, so the bound holds whatever faiss rounds to.

        Works in float32 (1M rows in about half a second): the scaled rows are off from the
        exact products by at most u per component, and the float32 norms by (n + 2)u relative,
        both added to the bounds below.
        """
        dim = vectors.shape[1]
        largest = float(np.abs(vectors).max()) if vectors.size else 0.0
        # A float32 number, so the chunks below scale by exactly the `scale` queries use.
        scale = (
            float(np.float32(127.0 / largest)) if largest > 0 and math.isfinite(largest) else 1.0
        )
        index = faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_8bit_direct_signed, faiss.METRIC_L2
        )
        index.train(np.zeros((1, dim), dtype=np.float32))  # direct coding: nothing to learn
        worst_error = worst_code = worst_scaled = 0.0  # squared norms
        for start in range(0, len(vectors), _CHUNK):
            scaled = vectors[start : start + _CHUNK] * np.float32(scale)
            index.add(np.rint(scaled))
            decoded = index.reconstruct_n(start, len(scaled))
            error = scaled - decoded
            worst_error = max(worst_error, float(np.einsum("ij,ij->i", error, error).max()))
            worst_code = max(worst_code, float(np.einsum("ij,ij->i", decoded, decoded).max()))
            worst_scaled = max(worst_scaled, float(np.einsum("ij,ij->i", scaled, scaled).max()))
        slack = 1 + _SUM_RELATIVE_ERROR
        residual = math.sqrt(worst_error * slack) + 2 * _FLOAT32_UNIT * math.sqrt(worst_scaled)
        return cls(index, scale, residual * slack, math.sqrt(worst_code * slack))

    def _lower_bound(self, quantised_squared: float, probe_norm: float) -> float:
        """The smallest true distance a row can have when faiss reports `quantised_squared` for
        it: faiss's float32 rounding, then the row's coding error, then the float32 rounding of
        the scaled probe (at most u per component), back in distance units."""
        query_norm = self.scale * probe_norm
        rounding = _SUM_RELATIVE_ERROR * (query_norm + self.code_norm) ** 2
        coded = math.sqrt(max(quantised_squared - rounding, 0.0))
        probe_rounding = 2 * _FLOAT32_UNIT * query_norm
        return max(coded - self.residual - probe_rounding, 0.0) / self.scale * (1 - 1e-9)

    def nearest(
        self, vectors: FloatArray, squared_norms: FloatArray, probe: FloatArray, k: int
    ) -> Ranked:
        """The exact top-k of `vectors` (the rows this index was built from) for `probe`."""
        count = len(vectors)
        if count != self.rows:
            raise ValueError(f"index of {self.rows} rows used with {count} rows")
        k = min(k, count)
        if k <= 0:
            return Ranked(np.zeros(0, np.int64), np.zeros(0, np.float64), "whole gallery")
        probe_norm = float(np.linalg.norm(probe.astype(np.float64)))
        query = (probe.astype(np.float64) * self.scale).astype(np.float32)[None, :]
        size = max(SHORTLIST, SHORTLIST_PER_RESULT * k)
        for stage in ("shortlist", "long shortlist"):
            if size >= count:
                rows, distances = _top_exact(vectors, np.arange(count, dtype=np.int64), probe, k)
                return Ranked(rows, distances, "whole gallery")
            # One thread: faiss parallelises over queries, so for one probe a second OpenMP
            # thread only spins on the other core; and splitting the rows in two halves
            # searched side by side was slower here (1M rows: p50 5.5 ms against 4.9 ms), the
            # scan being bound by memory bandwidth, not by the core.
            with _THREADPOOLS.limit(limits=1, user_api="openmp"):
                quantised, labels = self._index.search(query, size)
            shortlist = labels[0].astype(np.int64)
            rows, distances = _top_exact(vectors, shortlist[shortlist >= 0], probe, k)
            outside = self._lower_bound(float(quantised[0, -1]), probe_norm)
            if len(rows) == k and outside > float(distances[-1]):
                return Ranked(rows, distances, stage)
            size *= LONG_SHORTLIST_FACTOR
        return exact_top_k(vectors, squared_norms, probe, k)
