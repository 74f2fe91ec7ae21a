"""Accuracy levers on LFW-style pairs: encode every image once, then compare variants offline.

    uv run python bench/accuracy.py encode  [--root DIR] [--workers 2]   # 38 min on 2 shared cores
    uv run python bench/accuracy.py report  [--root DIR]                 # seconds, from the cache
    uv run python bench/accuracy.py identify | strict | speed | jitter | seed-cache

`encode` stores, per image (keyed by file SHA-256), the embeddings of the 5-point and the
68-point aligned face chip and of their mirror images, for the HOG face nearest the centre and,
when HOG finds nothing, for each fallback box (HOG upsample 2, CNN, centred box). `report`
prints accuracy at 0.6, cross-validated accuracy, TAR at FAR and photos/s for each combination.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import accuracy_levers
import accuracy_open_set
import numpy as np
from _accuracy_data import (
    CACHE,
    COMBINE,
    DEFAULT_ROOT,
    chip_embeddings,
    d_prime,
    embeddings_for,
    load_rows,
    snorm_distances,
    verify_line,
)

from rekog_desktop.evaluation import measures as ev
from rekog_desktop.evaluation.encode import centred_box, nearest_centre


def _encode_one(path: str) -> dict[str, object]:
    from rekog_desktop.core.common.types import FaceBox
    from rekog_desktop.core.faces.engine import EngineSettings, _DlibModels, create_engine
    from rekog_desktop.core.faces.images import load_image

    image = load_image(path)
    pixels = image.pixels
    h, w = pixels.shape[:2]
    out: dict[str, object] = {"path": path, "sha256": image.sha256}
    t0 = time.perf_counter()
    boxes = create_engine(EngineSettings()).detect(pixels)
    out["n_faces"] = len(boxes)
    if boxes:
        box = nearest_centre(boxes, w, h)
        out["box"] = box.as_list()
        out["largest_is_centre"] = box == max(boxes, key=lambda b: b.area)
        out["primary"] = chip_embeddings(pixels, box)
        out["seconds"] = time.perf_counter() - t0
        return out
    up2 = create_engine(EngineSettings(upsample=2)).detect(pixels)
    if up2:
        out["up2"] = chip_embeddings(pixels, nearest_centre(up2, w, h))
    rects = [d.rect for d in _DlibModels.get("cnn")(pixels, 0)]
    cnn = [FaceBox(r.top(), r.right(), r.bottom(), r.left()) for r in rects]
    cnn = [b.clipped(w, h) for b in cnn]
    if cnn:
        out["cnn"] = chip_embeddings(pixels, nearest_centre(cnn, w, h))
    out["centred"] = chip_embeddings(pixels, centred_box(w, h))
    out["seconds"] = time.perf_counter() - t0
    return out


def encode(root: Path, workers: int) -> None:
    pairs = ev.read_pairs(root / "pairsDevTrain.txt")
    paths = sorted({str(p) for pair in pairs for p in pair.paths(root)})
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / "lfw_dev_ingredients.npz"
    start = time.perf_counter()
    results = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for i, result in enumerate(pool.map(_encode_one, paths, chunksize=4), start=1):
            results.append(result)
            if i % 200 == 0:
                rate = i / (time.perf_counter() - start)
                print(f"{i}/{len(paths)}  {rate:.2f} photos/s", flush=True)
    elapsed = time.perf_counter() - start
    np.save(target.with_suffix(".npy"), np.array(results, dtype=object), allow_pickle=True)
    print(
        f"encoded {len(paths)} photos in {elapsed:.0f} s on {workers} workers "
        f"({len(paths) / elapsed:.2f} photos/s, 4 chips each) -> {target.with_suffix('.npy')}"
    )


# -- seed the `rekog eval` cache from the encode pass ---------------------------------------------


def seed_cache(root: Path, cache_dir: Path) -> None:
    """Write the `rekog eval` cache rows for the four engine variants from the ingredients, so
    `rekog eval pairs|calibrate` on lfw_dev need not encode again. The engine computes exactly
    these embeddings (checked on a sample); with --centred-crops, images whose only HOG face is
    off-centre are left out and get encoded by the CLI itself."""
    from rekog_desktop.core.faces.engine import EngineSettings
    from rekog_desktop.evaluation.encode import EmbeddingCache, EncodeSpec

    rows = load_rows(root)
    cache = EmbeddingCache(cache_dir)
    variants = {
        (5, False): lambda e: e[0],
        (5, True): lambda e: (e[0] + e[1]) / 2,
        (68, False): lambda e: e[2],
        (68, True): lambda e: (e[2] + e[3]) / 2,
    }
    for (align, mirror), combine in variants.items():
        settings = EngineSettings(align_landmarks=align, mirror=mirror)  # type: ignore[arg-type]
        for centred in (True, False):
            spec = EncodeSpec(
                settings=settings, fallbacks=("upsample", "cnn"), centred_crops=centred
            )
            _seed(cache, spec, rows, combine, settings)
    cache.close()


def _seed(cache, spec, rows, combine, settings) -> None:  # type: ignore[no-untyped-def]
    from rekog_desktop.core.faces.engine import create_engine
    from rekog_desktop.core.faces.images import load_image
    from rekog_desktop.evaluation.encode import EncodedImage

    results = []
    for path, row in rows.items():
        box = row.get("box")
        if box is not None:
            top, right, bottom, left = box
            if spec.centred_crops and not (left <= 125 <= right and top <= 125 <= bottom):
                continue
            chips, how = row["primary"], "detected"
        elif "up2" in row:
            chips, how = row["up2"], "upsample"
        elif "cnn" in row:
            chips, how = row["cnn"], "cnn"
        else:
            chips, how = None, "no_face"
        vector = None if chips is None else combine(np.asarray(chips)).astype(np.float32)
        results.append(EncodedImage(str(path), str(row["sha256"]), vector, how))
    sample = next(iter(rows))
    engine_vector = create_engine(settings).faces(load_image(sample).pixels)[0].embedding
    seeded = next(r.embedding for r in results if Path(r.path) == sample)
    assert np.abs(engine_vector - seeded).max() < 1e-5, "engine and ingredients disagree"
    cache.put(spec.cache_key(), results)
    print(f"seeded {len(results)} rows for {spec}")


# -- jitter (a subset: 10 jitters cost 10 encodes) ----------------------------------------------


def _jitter_one(path: str) -> tuple[str, np.ndarray | None, np.ndarray | None, float]:
    import dlib

    from rekog_desktop.core.faces.engine import EngineSettings, _DlibModels, create_engine
    from rekog_desktop.core.faces.images import load_image

    pixels = load_image(path).pixels
    h, w = pixels.shape[:2]
    boxes = create_engine(EngineSettings()).detect(pixels)
    if not boxes:
        return path, None, None, 0.0
    box = nearest_centre(boxes, w, h)
    rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
    chip = dlib.get_face_chip(
        pixels, _DlibModels.get("pose5")(pixels, rect), size=150, padding=0.25
    )
    encoder = _DlibModels.get("encoder")
    plain = np.asarray(encoder.compute_face_descriptor(chip), np.float64)
    start = time.perf_counter()
    jittered = np.asarray(encoder.compute_face_descriptor(chip, 10), np.float64)
    return path, plain, jittered, time.perf_counter() - start


def jitter(root: Path, workers: int, every: int) -> None:
    pairs = ev.read_pairs(root / "pairsDevTrain.txt")[::every]
    paths = sorted({str(p) for pair in pairs for p in pair.paths(root)})
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = list(pool.map(_jitter_one, paths, chunksize=4))
    seconds = [r[3] for r in results if r[1] is not None]
    same = np.array([p.same for p in pairs])
    folds = np.array([p.fold for p in pairs])
    print(f"{len(pairs)} pairs, {len(paths)} photos; 10 jitters: {np.mean(seconds):.2f} s/face")
    for label, index in (("5pt, no jitter", 1), ("5pt, 10 jitters", 2)):
        emb = {Path(r[0]): r[index] for r in results}
        d, *_ = ev.pair_distances(pairs, emb, root)
        verify_line(label, d, same, folds, 0.6)
        print(f"{'':<34} d' = {d_prime(d, same):.3f}")


def report_pairs(root: Path) -> None:
    pairs = ev.read_pairs(root / "pairsDevTrain.txt")
    rows = load_rows(root)
    missed = [p for p, r in rows.items() if "primary" not in r]
    print(
        f"{len(rows)} images; HOG (upsample 1) found no face in {len(missed)}; recovered by "
        + ", ".join(
            f"{k}: {sum(1 for p in missed if k in rows[p])}" for k in ("up2", "cnn", "centred")
        )
    )
    print(
        f"several faces found: {sum(1 for r in rows.values() if r.get('n_faces', 0) > 1)}, "
        "largest != nearest centre: "
        f"{sum(1 for r in rows.values() if r.get('largest_is_centre') is False)}"
    )
    secs = [float(r["seconds"]) for r in rows.values()]
    print(f"encode pass: {np.mean(secs):.3f} s/photo/worker for 4 chips")
    print(f"{'variant':<34} acc@0.6  CV accuracy          TAR@FAR .001  .01")
    for fallbacks in [(), ("up2",), ("cnn",), ("centred",), ("up2", "cnn", "centred")]:
        emb, _ = embeddings_for(rows, "5pt", fallbacks)
        d, s, f, _ = ev.pair_distances(pairs, emb, root)
        verify_line(f"5pt fallback={'+'.join(fallbacks) or 'none'}", d, s, f, 0.6)
    for combine in COMBINE:
        emb, _ = embeddings_for(rows, combine, ("up2", "cnn", "centred"))
        d, s, f, _ = ev.pair_distances(pairs, emb, root)
        verify_line(f"{combine} (all fallbacks)", d, s, f, 0.6)
    for combine in ("5pt", "5pt+flip", "68pt+flip", "all4"):
        emb, _ = embeddings_for(rows, combine, ("up2", "cnn", "centred"))
        for k in (50, 200, 1000):
            d = snorm_distances(pairs, emb, root, k)
            s = np.array([p.same for p in pairs])
            f = np.array([p.fold for p in pairs])
            verify_line(f"{combine} s-norm top{k}", d, s, f, None)


# -- ingest cost of the engine variants ------------------------------------------------------


def speed(root: Path, rounds: int = 3) -> None:
    """Photos/s of engine.faces per variant in one process, rounds interleaved so a busy
    machine hurts every variant alike; ratios against the default in the same run."""
    from rekog_desktop.core.faces.engine import EngineSettings, create_engine
    from rekog_desktop.core.faces.images import load_image

    faces_dir = root.parent / "faces"
    sets = {
        "lfw 250px crops": sorted(root.glob("C*/*.jpg"))[:20],
        "faces/ photos": sorted(
            p for p in faces_dir.glob("*/*") if not p.parent.name.startswith("_")
        )[:20],
    }
    engines = {
        "default": create_engine(),
        "align68": create_engine(EngineSettings(align_landmarks=68)),
        "mirror": create_engine(EngineSettings(mirror=True)),
        "align68+mirror": create_engine(EngineSettings(align_landmarks=68, mirror=True)),
    }
    for label, paths in sets.items():
        images = [load_image(p).pixels for p in paths]
        best = dict.fromkeys(engines, 0.0)
        for _ in range(rounds):
            for name, engine in engines.items():
                start = time.perf_counter()
                for pixels in images:
                    engine.faces(pixels)
                best[name] = max(best[name], len(images) / (time.perf_counter() - start))
        print(
            f"{label}: "
            + "  ".join(f"{k} {v:.2f}/s ({v / best['default']:.2f}x)" for k, v in best.items())
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=[
            "encode",
            "report",
            "identify",
            "jitter",
            "seed-cache",
            "strict",
            "speed",
            "errors",
            "levers",
            "jitter-errors",
        ],
    )
    parser.add_argument("--montage", type=Path, help="errors: write contact sheets here")
    parser.add_argument("--every", type=int, default=5, help="jitter: every n-th pair")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.command == "encode":
        encode(args.root, args.workers)
    elif args.command == "seed-cache":
        from rekog_desktop.cli.evaluate import default_cache_dir

        seed_cache(args.root, default_cache_dir())
    elif args.command == "speed":
        speed(args.root)
    elif args.command == "strict":
        for combine in ("5pt", "5pt+flip", "68pt", "68pt+flip"):
            accuracy_open_set.strict_holdout(args.root, combine)
    elif args.command == "jitter":
        jitter(args.root, args.workers, args.every)
    elif args.command == "report":
        report_pairs(args.root)
    elif args.command == "errors":
        accuracy_levers.report_errors(args.root, args.montage)
    elif args.command == "levers":
        accuracy_levers.report_levers(args.root)
    elif args.command == "jitter-errors":
        accuracy_levers.jitter_errors(args.root, args.every)
    else:
        accuracy_open_set.report_identify(args.root)
