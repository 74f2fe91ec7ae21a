"""Search latency: top-20 over 10k / 100k / 1M embeddings, ours against face_recognition's way.

Synthetic gallery resembling dlib embeddings: float32, 128-d, rows drawn around one centre per
"identity" (4 rows each) and scaled to a norm near 1. Probes are gallery rows with noise, so each
has a genuine nearest neighbour. Per probe, in the same run and interleaved:

- ours: rekog_desktop.core.scoring.search.nearest over EmbeddingMatrix.build(...): the int8
  index's shortlist, re-ranked exactly and proved complete (the matrix is built once per size,
  and, from 32,768 rows, the index by the first search, both timed separately);
- f32 scan: search.nearest_f32_scan, the float32 scan nearest was before the index;
- baseline: face_recognition.face_distance(gallery, probe) over the same float32 array, then
  np.argsort(...)[:20], which is what face_recognition's examples do.

All three should return the same 20 rows in the same order; the table says for how many probes
ours agrees with the f32 scan and with face_distance, and which stage proved each answer exact
(the first shortlist, a longer one, or a full scan). With --json the last line is the largest
size's figures as one JSON object.
Then the cold-start cost: a real GalleryStore (SQLite, the importer's schema, 128-px JPEG
thumbnails and landmarks in each row) of --store-rows faces, and the time of its first
embedding_matrix() (SELECT + frombuffer + norms) and of a cached call.

Run: uv run python bench/search.py [--sizes 10000,100000,1000000 | --rows N] [--probes 50]
     [--store-rows N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from _common import data_root, percentiles_ms, stopwatch, table

from rekog_desktop.core.common.types import EngineInfo, Face
from rekog_desktop.core.gallery.store import (
    EMBEDDING_DIM,
    EmbeddingMatrix,
    GalleryStore,
    PhotoRecord,
)
from rekog_desktop.core.scoring.search import nearest, nearest_f32_scan, rank_rows

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # face_recognition_models' pkg_resources deprecation
    import face_recognition


def synthetic_gallery(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-ish float32 vectors: identity centres plus per-photo spread, norms about 1."""
    centres = rng.standard_normal((rows // 4 + 1, EMBEDDING_DIM), dtype=np.float32)
    vectors = np.repeat(centres, 4, axis=0)[:rows]
    vectors += 0.5 * rng.standard_normal((rows, EMBEDDING_DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors *= rng.normal(1.0, 0.03, size=(rows, 1)).astype(np.float32)
    return vectors


def make_probes(gallery: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    picks = gallery[rng.integers(0, len(gallery), size=count)]
    noisy = picks + 0.3 * rng.standard_normal(picks.shape, dtype=np.float32) / 8.0
    return noisy.astype(np.float32)


@dataclass
class SizeResult:
    """One gallery size's figures: the table row and the JSON object come from these."""

    rows: int
    probes: int
    build_ms: float
    first_ms: float
    ours: list[float] = field(default_factory=list)
    f32_scan: list[float] = field(default_factory=list)
    face_distance: list[float] = field(default_factory=list)
    same_top20: int = 0
    same_as_face_distance: int = 0
    stages: Counter[str] = field(default_factory=Counter)

    def row(self) -> list[object]:
        o50, o95 = percentiles_ms(self.ours)
        f50, f95 = percentiles_ms(self.f32_scan)
        t50, _ = percentiles_ms(self.face_distance)
        return [
            f"{self.rows:,}",
            f"{self.build_ms:.0f}",
            f"{self.first_ms:.0f}",
            f"{o50:.1f}",
            f"{o95:.1f}",
            f"{f50:.1f}",
            f"{f95:.1f}",
            f"{t50:.1f}",
            f"{f50 / o50:.1f}x",
            f"{self.same_top20}/{self.probes}",
            f"{self.same_as_face_distance}/{self.probes}",
            ", ".join(f"{stage} {n}" for stage, n in sorted(self.stages.items())),
        ]

    def as_json(self) -> dict[str, object]:
        o50, o95 = percentiles_ms(self.ours)
        return {
            "rows": self.rows,
            "probes": self.probes,
            "p50_ms": round(o50, 2),
            "p95_ms": round(o95, 2),
            "f32_scan_p50_ms": round(percentiles_ms(self.f32_scan)[0], 2),
            "face_distance_p50_ms": round(percentiles_ms(self.face_distance)[0], 2),
            "same_top20": self.same_top20,
        }


def bench_size(gallery: np.ndarray, probes: np.ndarray, top: int) -> SizeResult:
    """Time ours, today's float32 scan and face_distance on each probe, interleaved (so a busy
    moment of the shared machine hits all three alike)."""
    ids = np.arange(len(gallery), dtype=np.int64)
    with stopwatch() as build:
        matrix = EmbeddingMatrix.build(1, ids, gallery)
    with stopwatch() as indexed:
        nearest(matrix, probes[0], top)  # the first search builds the int8 index
    nearest_f32_scan(matrix, probes[0], top)  # warm-up
    np.argsort(face_recognition.face_distance(gallery, probes[0]))[:top]
    result = SizeResult(len(gallery), len(probes), build[0] * 1000, indexed[0] * 1000)
    for probe in probes:
        start = time.perf_counter()
        hits = nearest(matrix, probe, top)
        middle = time.perf_counter()
        scan = nearest_f32_scan(matrix, probe, top)
        after_scan = time.perf_counter()
        baseline = np.argsort(face_recognition.face_distance(gallery, probe))[:top]
        end = time.perf_counter()
        result.ours.append(middle - start)
        result.f32_scan.append(after_scan - middle)
        result.face_distance.append(end - after_scan)
        ours_ids = [face_id for face_id, _ in hits]
        result.same_top20 += ours_ids == [face_id for face_id, _ in scan]
        result.same_as_face_distance += ours_ids == baseline.tolist()
        result.stages[rank_rows(matrix, probe, top).stage] += 1
    return result


def real_face() -> tuple[Face, bytes]:
    """One real face and its thumbnail, so store rows have realistic landmarks, quality, sizes."""
    from rekog_desktop.core.faces.engine import create_engine
    from rekog_desktop.core.faces.images import face_thumbnail_jpeg, load_image

    image = load_image(data_root() / "faces" / "barack_obama" / "1.jpg")
    face = create_engine().faces(image.pixels)[0]
    return face, face_thumbnail_jpeg(image.pixels, face.box)


def build_store(path: Path, rows: int, rng: np.random.Generator) -> None:
    face, thumb = real_face()
    engine = EngineInfo("dlib-resnet-v1/hog", "bench")
    vectors = synthetic_gallery(rows, rng)
    with GalleryStore(path) as store:
        for start in range(0, rows, 2000):
            records = [
                PhotoRecord(
                    path=f"/evidence/bench/{i}.jpg",
                    sha256=hashlib.sha256(str(i).encode()).hexdigest(),
                    width=640,
                    height=480,
                    subject=f"subject {i // 4}",
                    source="bench",
                    imported_by="bench",
                    faces=(replace(face, embedding=vectors[i]),),
                    thumbnails=(thumb,),
                    enrol=True,
                    engine=engine,
                )
                for i in range(start, min(start + 2000, rows))
            ]
            store.add_photos(records)


def bench_store(rows: int, rng: np.random.Generator, repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rekog-bench-search-") as tmp:
        path = Path(tmp) / "gallery.sqlite"
        with stopwatch() as built:
            build_store(path, rows, rng)
        size_mb = path.stat().st_size / 1e6
        print(f"\nstore of {rows:,} faces built in {built[0]:.1f} s ({size_mb:.0f} MB on disk)")
        cold, opened = [], []
        for _ in range(repeats):
            GalleryStore._matrix_cache.clear()  # as a freshly started process
            with stopwatch() as t_open:
                store = GalleryStore(path)
            with stopwatch() as t_first:
                matrix = store.embedding_matrix()
            with stopwatch() as t_cached:
                store.embedding_matrix()
            store.close()
            opened.append(t_open[0])
            cold.append((t_first[0], t_cached[0]))
        assert len(matrix.face_ids) == rows
        print(
            table(
                ["embedding_matrix()", *[f"try {i + 1}" for i in range(repeats)]],
                [
                    ["open store (ms)", *[f"{t * 1000:.1f}" for t in opened]],
                    ["first call, cold (ms)", *[f"{c * 1000:.0f}" for c, _ in cold]],
                    ["cached call (ms)", *[f"{w * 1000:.2f}" for _, w in cold]],
                ],
            )
        )
        print("(file in the OS page cache, as right after an import; a disk-cold read is slower)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="gallery sizes")
    parser.add_argument("--probes", type=int, default=50)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store-rows", type=int, default=100_000, help="0 skips the store")
    parser.add_argument("--store-repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, help="one gallery size (instead of --sizes)")
    parser.add_argument(
        "--json", action="store_true", help="last line: the largest size's figures as JSON"
    )
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    sizes = [args.rows] if args.rows else [int(s) for s in args.sizes.split(",")]
    print(
        f"top-{args.top}, {args.probes} probes per size, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, load average {os.getloadavg()[0]:.1f}"
    )
    with stopwatch() as made:
        full = synthetic_gallery(max(sizes), rng)
    print(f"synthetic gallery of {len(full):,} made in {made[0]:.1f} s")
    results = []
    for size in sizes:
        gallery = np.ascontiguousarray(full[:size])
        results.append(bench_size(gallery, make_probes(gallery, args.probes, rng), args.top))
    header = [
        "gallery",
        "build ms",
        "first search ms",
        "ours p50 ms",
        "ours p95 ms",
        "f32 scan p50 ms",
        "p95 ms",
        "face_distance p50 ms",
        "vs f32 scan",
        "same top-20 as f32 scan",
        "as face_distance",
        "proved by",
    ]
    print(table(header, [r.row() for r in results]))
    if args.store_rows:
        bench_store(args.store_rows, rng, args.store_repeats)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        print(json.dumps(max(results, key=lambda r: r.rows).as_json()))


if __name__ == "__main__":
    main()
