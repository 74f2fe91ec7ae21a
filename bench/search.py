"""Search latency: top-20 over 10k / 100k / 1M embeddings, ours against face_recognition's way.

Synthetic gallery resembling dlib embeddings: float32, 128-d, rows drawn around one centre per
"identity" (4 rows each) and scaled to a norm near 1. Probes are gallery rows with noise, so each
has a genuine nearest neighbour. Per probe, in the same run and interleaved:

- ours: rekog_desktop.core.scoring.search.nearest over EmbeddingMatrix.build(...) (the matrix is
  built once per size, timed separately);
- baseline: face_recognition.face_distance(gallery, probe) over the same float32 array, then
  np.argsort(...)[:20], which is what face_recognition's examples do.

Both must return the same 20 rows in the same order; the table says for how many probes they do.
Then the cold-start cost: a real GalleryStore (SQLite, the importer's schema, 128-px JPEG
thumbnails and landmarks in each row) of --store-rows faces, and the time of its first
embedding_matrix() (SELECT + frombuffer + norms) and of a cached call.

Run: uv run python bench/search.py [--sizes 10000,100000,1000000] [--probes 50] [--store-rows N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
import warnings
from dataclasses import replace
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
from rekog_desktop.core.scoring.search import nearest

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


def bench_size(gallery: np.ndarray, probes: np.ndarray, top: int) -> list[object]:
    ids = np.arange(len(gallery), dtype=np.int64)
    with stopwatch() as build:
        matrix = EmbeddingMatrix.build(1, ids, gallery)
    nearest(matrix, probes[0], top)  # warm-up both
    np.argsort(face_recognition.face_distance(gallery, probes[0]))[:top]
    ours, theirs, agree = [], [], 0
    for probe in probes:
        start = time.perf_counter()
        hits = nearest(matrix, probe, top)
        middle = time.perf_counter()
        baseline = np.argsort(face_recognition.face_distance(gallery, probe))[:top]
        end = time.perf_counter()
        ours.append(middle - start)
        theirs.append(end - middle)
        agree += [face_id for face_id, _ in hits] == baseline.tolist()
    o50, o95 = percentiles_ms(ours)
    t50, t95 = percentiles_ms(theirs)
    return [
        f"{len(gallery):,}",
        f"{build[0] * 1000:.0f}",
        f"{o50:.1f}",
        f"{o95:.1f}",
        f"{t50:.1f}",
        f"{t95:.1f}",
        f"{t50 / o50:.1f}x",
        f"{agree}/{len(probes)}",
    ]


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
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"top-{args.top}, {args.probes} probes per size, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, load average {os.getloadavg()[0]:.1f}"
    )
    with stopwatch() as made:
        full = synthetic_gallery(max(sizes), rng)
    print(f"synthetic gallery of {len(full):,} made in {made[0]:.1f} s")
    rows = []
    for size in sizes:
        gallery = np.ascontiguousarray(full[:size])
        rows.append(bench_size(gallery, make_probes(gallery, args.probes, rng), args.top))
    header = [
        "gallery",
        "build ms",
        "ours p50 ms",
        "ours p95 ms",
        "face_distance p50 ms",
        "p95 ms",
        "p50 ratio",
        "same top-20",
    ]
    print(table(header, rows))
    if args.store_rows:
        bench_store(args.store_rows, rng, args.store_repeats)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
