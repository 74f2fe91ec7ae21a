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
Then the stores: real GalleryStores (SQLite, the importer's schema and triggers, real faces'
thumbnails, landmarks and quality in each row, written with executemany) of --store-rows faces:
bytes per face now and with the encoding before issue 15 item 5 (same run), and the time from
opening the store in a fresh process to its first top-20 result, without the vector file beside
it (the rows are read from SQLite and the file written) and with it.

Run: uv run python bench/search.py [--sizes 10000,100000,1000000 | --rows N] [--probes 50]
     [--store-rows N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _common import data_root, percentiles_ms, stopwatch, table

from rekog_desktop.core.common.types import Face
from rekog_desktop.core.gallery.store import (
    EMBEDDING_DIM,
    EmbeddingMatrix,
    GalleryStore,
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


def real_faces(count: int = 12) -> list[tuple[Face, bytes]]:
    """Real faces and their thumbnails (as the importer makes them), so store rows have
    realistic landmarks, quality and thumbnail sizes."""
    from rekog_desktop.core.faces.engine import create_engine
    from rekog_desktop.core.faces.images import face_thumbnail_jpeg, load_image

    engine = create_engine()
    found: list[tuple[Face, bytes]] = []
    for file in sorted((data_root() / "faces").glob("*/1.jpg"))[:count]:
        image = load_image(file)
        faces = engine.faces(image.pixels)
        if faces:
            found.append((faces[0], face_thumbnail_jpeg(image.pixels, faces[0].box)))
    return found


def build_store(path: Path, rows: int, rng: np.random.Generator, *, legacy: bool = False) -> None:
    """A store of `rows` enrolled faces, one per photo, written with executemany in the
    importer's format (its schema, triggers, landmark and quality JSON, real thumbnails);
    `legacy`: thumbnails and landmarks encoded as before issue 15 item 5."""
    from rekog_desktop.core.faces.images import crop_face, load_image

    faces = real_faces()
    if legacy:
        thumbs = []
        files = [f for f in sorted((data_root() / "faces").glob("*/1.jpg"))][: len(faces)]
        for (face, _), file in zip(faces, files, strict=True):
            thumbs.append(_legacy_jpeg(crop_face(load_image(file).pixels, face.box)))
        encoded = [
            (json.dumps(f.landmarks), json.dumps(f.quality.as_dict()), t)
            for (f, _), t in zip(faces, thumbs, strict=True)
        ]
    else:
        encoded = [
            (
                json.dumps(f.landmarks, separators=(",", ":")),
                json.dumps(f.quality.as_dict()),
                t,
            )
            for f, t in faces
        ]
    vectors = synthetic_gallery(rows, rng)
    engine = "dlib-resnet-v1/hog/align68/mirror"
    with GalleryStore(path) as store:
        conn = store.db.conn
        for start in range(0, rows, 20_000):
            stop = min(start + 20_000, rows)
            with store.transaction():
                conn.executemany(
                    "INSERT INTO subjects (id, name, created_utc) VALUES (?, ?, ?)",
                    [
                        (i // 4 + 1, f"subject {i // 4}", "2026-01-01T00:00:00Z")
                        for i in range(start, stop)
                        if i % 4 == 0
                    ],
                )
                conn.executemany(
                    "INSERT INTO photos (id, subject_id, path, sha256, width, height, source,"
                    " imported_utc, imported_by, face_count) VALUES (?, ?, ?, ?, 640, 480,"
                    " 'bench', '2026-01-01T00:00:00Z', 'bench', 1)",
                    [
                        (
                            i + 1,
                            i // 4 + 1,
                            f"/evidence/bench/{i}.jpg",
                            hashlib.sha256(str(i).encode()).hexdigest(),
                        )
                        for i in range(start, stop)
                    ],
                )
                conn.executemany(
                    'INSERT INTO faces (photo_id, subject_id, top, right, bottom, "left",'
                    " landmarks, embedding, quality, engine, engine_version, thumbnail)"
                    " VALUES (?, ?, 100, 300, 300, 100, ?, ?, ?, ?, 'bench', ?)",
                    [
                        (
                            i + 1,
                            i // 4 + 1,
                            encoded[i % len(encoded)][0],
                            vectors[i].tobytes(),
                            encoded[i % len(encoded)][1],
                            engine,
                            encoded[i % len(encoded)][2],
                        )
                        for i in range(start, stop)
                    ],
                )


def _legacy_jpeg(crop: np.ndarray) -> bytes:
    import io

    from PIL import Image

    image = Image.fromarray(crop)
    image.thumbnail((128, 128), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def bytes_per_face(path: Path, rows: int) -> dict[str, float]:
    """The store file's bytes per face, and its biggest columns' average sizes."""
    with GalleryStore(path) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes = store.db.execute(
            "SELECT avg(length(thumbnail)), avg(length(landmarks)), avg(length(quality)),"
            " avg(length(embedding)) FROM faces"
        ).fetchone()
    return {
        "file": path.stat().st_size / rows,
        "thumbnail": sizes[0],
        "landmarks": sizes[1],
        "quality": sizes[2],
        "embedding": sizes[3],
    }


#: Run in a fresh interpreter: open the store, first embedding_matrix, first top-20 search.
_FIRST_SEARCH = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import nearest
t1 = time.perf_counter()
store = GalleryStore(sys.argv[1])
matrix = store.embedding_matrix()
t2 = time.perf_counter()
hits = nearest(matrix, np.asarray(matrix.vectors[len(matrix.vectors) // 2]) + np.float32(0.01), 20)
t3 = time.perf_counter()
print(json.dumps({"imports_s": t1 - t0, "matrix_s": t2 - t1, "search_s": t3 - t2,
                  "open_to_results_s": t3 - t1, "rows": len(matrix.face_ids)}))
"""


def first_search(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_SEARCH, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_store(rows_list: list[int], rng: np.random.Generator, repeats: int) -> dict[str, object]:
    """Per store size: bytes per face (today's encoding, and at the first size the encoding
    before issue 15 item 5, built in the same run), and the time from opening the store in a
    fresh process to the first top-20 result, without the vector file (it is then written)
    and with it."""
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="rekog-bench-search-") as tmp:
        rows_table = []
        for rows in rows_list:
            path = Path(tmp) / f"gallery-{rows}.sqlite"
            with stopwatch() as built:
                build_store(path, rows, rng)
            size = bytes_per_face(path, rows)
            if rows == rows_list[0]:
                old = Path(tmp) / f"legacy-{rows}.sqlite"
                build_store(old, rows, rng, legacy=True)
                before = bytes_per_face(old, rows)
                old.unlink()
                print(
                    table(
                        ["bytes per face", "before (q88, spaced JSON)", "now", "ratio"],
                        [
                            [k, f"{before[k]:.0f}", f"{size[k]:.0f}", f"{size[k] / before[k]:.2f}"]
                            for k in size
                        ],
                    )
                )
                figures["bytes_per_face_before"] = round(before["file"])
                figures["bytes_per_face"] = round(size["file"])
            cold = first_search(path)  # no vector file yet: rows read from SQLite, file written
            warm = [first_search(path) for _ in range(repeats)]
            best = min(warm, key=lambda w: w["open_to_results_s"])
            rows_table.append(
                [
                    f"{rows:,}",
                    f"{built[0]:.0f}",
                    f"{path.stat().st_size / 1e6:.0f}",
                    f"{size['file']:.0f}",
                    f"{cold['open_to_results_s']:.2f}",
                    ", ".join(f"{w['open_to_results_s']:.2f}" for w in warm),
                    f"{best['matrix_s']:.2f} + {best['search_s']:.2f}",
                    f"{cold['open_to_results_s'] / best['open_to_results_s']:.1f}x",
                ]
            )
            figures[f"first_search_s_{rows}"] = round(best["open_to_results_s"], 3)
            figures[f"first_search_no_file_s_{rows}"] = round(cold["open_to_results_s"], 3)
            path.unlink()
        print(
            table(
                [
                    "store faces",
                    "built s",
                    "MB",
                    "bytes/face",
                    "open to results s, no vector file",
                    "with vector file",
                    "(matrix + search)",
                    "ratio",
                ],
                rows_table,
            )
        )
        print("(fresh process each; store in the OS page cache; imports not counted)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="gallery sizes")
    parser.add_argument("--probes", type=int, default=50)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--store-rows",
        default="100000",
        help="store sizes for bytes per face and first search after open, e.g. 100000,1000000"
        " (0 skips the store)",
    )
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
    store_rows = [int(r) for r in str(args.store_rows).split(",") if int(r)]
    store_figures = bench_store(store_rows, rng, args.store_repeats) if store_rows else {}
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        print(json.dumps({**max(results, key=lambda r: r.rows).as_json(), **store_figures}))


if __name__ == "__main__":
    main()
