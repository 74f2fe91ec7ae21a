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

from rekog_desktop.core import evaluation as ev
from rekog_desktop.core.eval_encode import centred_box, nearest_centre


def _encode_one(path: str) -> dict[str, object]:
    from rekog_desktop.core.engine import EngineSettings, _DlibModels, create_engine
    from rekog_desktop.core.images import load_image
    from rekog_desktop.core.types import FaceBox

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
    from rekog_desktop.core.engine import EngineSettings
    from rekog_desktop.core.eval_encode import EmbeddingCache, EncodeSpec

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
    from rekog_desktop.core.engine import create_engine
    from rekog_desktop.core.eval_encode import EncodedImage
    from rekog_desktop.core.images import load_image

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

    from rekog_desktop.core.engine import EngineSettings, _DlibModels, create_engine
    from rekog_desktop.core.images import load_image

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


# -- open-set 1:N ---------------------------------------------------------------------------------


def split_identities(rows: dict[Path, dict[str, object]]) -> dict[str, dict[str, list[Path]]]:
    """People with 3+ photos are enrolled (first 2 photos) and probed with the rest; people with
    exactly 2 photos form the s-norm cohort only; people with 1 photo are never enrolled."""
    by_person: dict[str, list[Path]] = {}
    for path in sorted(rows):
        by_person.setdefault(path.parent.name, []).append(path)
    split: dict[str, dict[str, list[Path]]] = {"gallery": {}, "mated": {}, "cohort": {}, "non": {}}
    for name, paths in by_person.items():
        if len(paths) >= 3:
            split["gallery"][name] = paths[:2]
            split["mated"][name] = paths[2:]
        elif len(paths) == 2:
            split["cohort"][name] = paths
        else:
            split["non"][name] = paths
    return split


def _cohort_stats(
    vectors: np.ndarray, cohort: np.ndarray, top_k: int
) -> tuple[np.ndarray, np.ndarray]:
    d = np.sqrt(
        np.maximum(
            (vectors**2).sum(1)[:, None] - 2 * vectors @ cohort.T + (cohort**2).sum(1)[None, :], 0
        )
    )
    near = np.partition(d, top_k - 1, axis=1)[:, :top_k]
    return near.mean(1), near.std(1)


def identify_scores(
    rows: dict[Path, dict[str, object]],
    combine: str,
    *,
    enrol: int = 2,
    template: str = "min",
    snorm_k: int = 0,
    subjects: int | None = None,
) -> tuple[ev.OpenSetScores, int, int]:
    emb, _ = embeddings_for(rows, combine, ("up2", "cnn", "centred"))
    split = split_identities(rows)
    names = sorted(split["gallery"])
    if subjects is not None:
        names = names[:: max(1, len(names) // subjects)][:subjects]
    g_vecs, g_names = [], []
    for name in names:
        vs = [emb[p] for p in split["gallery"][name][:enrol] if emb[p] is not None]
        if template == "mean" and vs:
            vs = [np.mean(vs, axis=0)]
        g_vecs += vs
        g_names += [name] * len(vs)
    gallery = ev.Gallery(np.asarray(g_vecs, np.float64), tuple(g_names))
    mated = [(n, emb[p]) for n in names for p in split["mated"][n] if emb[p] is not None]
    non = [emb[p] for ps in split["non"].values() for p in ps if emb[p] is not None]
    m_vecs = np.asarray([v for _, v in mated])
    n_vecs = np.asarray(non)
    if not snorm_k:
        scores = ev.open_set_scores(gallery, m_vecs, [n for n, _ in mated], n_vecs)
        return scores, len(names), len(g_vecs)
    cohort = np.asarray(
        [emb[p] for ps in split["cohort"].values() for p in ps if emb[p] is not None]
    )
    g_mu, g_sd = _cohort_stats(gallery.vectors, cohort, snorm_k)

    def normalised(probes: np.ndarray) -> np.ndarray:
        p_mu, p_sd = _cohort_stats(probes, cohort, snorm_k)
        g = gallery.vectors
        d = np.sqrt(
            np.maximum((probes**2).sum(1)[:, None] - 2 * probes @ g.T + (g**2).sum(1)[None, :], 0)
        )
        return 0.5 * ((d - p_mu[:, None]) / p_sd[:, None] + (d - g_mu[None, :]) / g_sd[None, :])

    # Per-subject minimum of normalised face scores, then the same bookkeeping as open_set_scores.
    col = {n: i for i, n in enumerate(gallery.subject_names)}
    idx = np.array([col[s] for s in gallery.subjects])

    def per_subject(face_scores: np.ndarray) -> np.ndarray:
        out = np.full((face_scores.shape[0], len(col)), np.inf)
        for j in range(len(col)):
            out[:, j] = face_scores[:, idx == j].min(1)
        return out

    ms = per_subject(normalised(m_vecs))
    ns = per_subject(normalised(n_vecs)).min(1)
    true = np.array([ms[i, col[n]] for i, (n, _) in enumerate(mated)])
    scores = ev.OpenSetScores(
        mated_rank=(ms < true[:, None]).sum(1) + 1,
        mated_nearest=ms.min(1),
        mated_true_is_first=true <= ms.min(1),
        nonmated_nearest=ns,
    )
    return scores, len(names), len(g_vecs)


def _identify_line(
    label: str, scores: ev.OpenSetScores, n: int, faces: int, tol: float | None
) -> None:
    t1 = scores.threshold_at_fpir(0.01)
    at_tol = (
        f"hit {1 - scores.fnir(tol):.3f} FPIR {scores.fpir(tol):.3f}"
        if tol is not None
        else " " * 25
    )
    print(
        f"{label:<30} N={n:<4}F={faces:<4} rank1 {scores.rank_hit_rate(1):.3f} "
        f"rank5 {scores.rank_hit_rate(5):.3f}  @0.6 {at_tol}  "
        f"@FPIR1% t={t1:.3f} hit {1 - scores.fnir(t1):.3f}"
    )


def report_identify(root: Path) -> None:
    rows = load_rows(root)
    split = split_identities(rows)
    print(
        f"1:N on lfw_dev: {len(split['gallery'])} enrolled people (2 photos each), "
        f"{sum(map(len, split['mated'].values()))} mated probes, "
        f"{len(split['non'])} never-enrolled probes; cohort {len(split['cohort'])} people"
    )
    for combine in ("5pt", "5pt+flip", "68pt+flip", "all4"):
        for enrol, template in ((1, "min"), (2, "min"), (2, "mean")):
            scores, n, f = identify_scores(rows, combine, enrol=enrol, template=template)
            _identify_line(f"{combine} enrol{enrol} {template}", scores, n, f, 0.6)
        for k in (50, 200):
            scores, n, f = identify_scores(rows, combine, snorm_k=k)
            _identify_line(f"{combine} enrol2 s-norm{k}", scores, n, f, None)
    for subjects in (30, 60, 120):
        scores, n, f = identify_scores(rows, "5pt", subjects=subjects)
        _identify_line(f"5pt enrol2 min, N={subjects}", scores, n, f, 0.6)


# -- the product's strict preset, calibrated on one half of the people, tested on the other -------


def strict_holdout(root: Path, combine: str = "5pt") -> None:
    """Honest check of the calibration: build the table from half of lfw_dev's people (split
    by name hash), then run the 1:N protocol on the other half with the strict preset's
    threshold for that gallery size, and compare the promised FPIR with the measured one."""
    import zlib

    from rekog_desktop.core import calibration as cal
    from rekog_desktop.core import calibration_table as tables

    rows = load_rows(root)
    emb, _ = embeddings_for(rows, combine, ("up2", "cnn"))
    by_person: dict[str, list[np.ndarray]] = {}
    for path, v in sorted(emb.items()):
        if v is not None:
            by_person.setdefault(path.parent.name, []).append(v)

    def protocol(people: dict[str, list[np.ndarray]]):  # type: ignore[no-untyped-def]
        enrolled = {n: vs[:2] for n, vs in people.items() if len(vs) >= 3}
        names, tmpl = cal.templates(
            [v for vs in enrolled.values() for v in vs],
            [n for n, vs in enrolled.items() for _ in vs],
        )
        mated = [(n, v) for n, vs in people.items() if len(vs) >= 3 for v in vs[2:]]
        strangers = [vs[0] for vs in people.values() if len(vs) == 1]
        return names, tmpl, mated, strangers

    for calib_half in (0, 1):
        halves = [
            {n: vs for n, vs in by_person.items() if zlib.crc32(n.encode()) % 2 == h}
            for h in (0, 1)
        ]
        train, test = halves[calib_half], halves[1 - calib_half]
        vectors = [v for vs in train.values() for v in vs]
        labels = [n for n, vs in train.items() for _ in vs]
        impostor, genuine = cal.template_score_distances(vectors, labels)
        table = tables.build_table(impostor, genuine)
        names, tmpl, _, strangers = protocol(train)
        nearest = cal.unit_distances(cal.unit_rows(strangers), tmpl).min(axis=1)
        table = tables.CalibrationTable(
            **{
                **table.__dict__,
                "gallery_exponent": cal.fit_gallery_exponent(table, nearest, len(names)),
            }
        )
        names, tmpl, mated, strangers = protocol(test)
        calibrator = cal.Calibrator(
            table=table,
            subjects=cal.SubjectTemplates(np.arange(len(names)), tmpl, len(names) * 2, np.zeros(0)),
        )
        threshold = calibrator.strict_threshold()
        d_non = cal.unit_distances(cal.unit_rows(strangers), tmpl).min(axis=1)
        d_mated = cal.unit_distances(cal.unit_rows([v for _, v in mated]), tmpl)
        index = {n: i for i, n in enumerate(names)}
        true = np.array([index[n] for n, _ in mated])
        first = d_mated.argmin(axis=1) == true
        hit = first & (d_mated.min(axis=1) <= threshold)
        oracle = ev.threshold_at_rate(d_non, 0.01)
        hit_oracle = first & (d_mated.min(axis=1) <= oracle)
        print(
            f"{combine}: calibrated on half {calib_half} (exponent {table.gallery_exponent:.2f}), "
            f"tested on {len(names)} subjects, {len(mated)} mated, {len(strangers)} strangers: "
            f"strict t={threshold:.3f} promised FPIR {calibrator.fpir(threshold):.3f} "
            f"measured {np.mean(d_non <= threshold):.3f}, hit rate {hit.mean():.3f} "
            f"(oracle t={oracle:.3f} hit {hit_oracle.mean():.3f}); rank-1 {first.mean():.3f}"
        )


# -- ingest cost of the engine variants ------------------------------------------------------


def speed(root: Path, rounds: int = 3) -> None:
    """Photos/s of engine.faces per variant in one process, rounds interleaved so a busy
    machine hurts every variant alike; ratios against the default in the same run."""
    from rekog_desktop.core.engine import EngineSettings, create_engine
    from rekog_desktop.core.images import load_image

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
            strict_holdout(args.root, combine)
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
        report_identify(args.root)
