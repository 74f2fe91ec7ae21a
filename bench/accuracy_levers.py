"""What the best engine variants still get wrong on lfw_dev, and the cheap levers on top (issue
6, section 2): `errors` (the cross-validated error list and contact sheets), `levers` (centre
rule, s-norm grid, quality-aware logistic score), `jitter-errors` (num_jitters=10 on the pairs
near the threshold). Run through bench/accuracy.py.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from _accuracy_data import (
    COMBINE,
    chip_embeddings,
    d_prime,
    embeddings_for,
    load_rows,
    snorm_distances,
)

from rekog_desktop.evaluation import measures as ev
from rekog_desktop.evaluation.encode import nearest_centre

# -- what the best variants still get wrong, and the cheap levers on top (issue 6, section 2) ----

#: Variants whose cross-validated errors `errors` lists (embedding rule, s-norm cohort size).
ERROR_VARIANTS = (("5pt", 0), ("5pt+flip", 0), ("68pt+flip", 0), ("all4", 0), ("68pt+flip", 100))


def cv_errors(d: np.ndarray, same: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which pairs the 10-fold protocol gets wrong, and the threshold each pair was judged by
    (chosen on the other nine folds)."""
    wrong = np.zeros(d.size, bool)
    thresholds = np.zeros(d.size)
    for fold in np.unique(folds):
        test = folds == fold
        t = ev.best_threshold(d[~test], same[~test])
        thresholds[test] = t
        wrong[test] = (d[test] <= t) != same[test]
    return wrong, thresholds


def _how_found(row: dict[str, object]) -> str:
    if "primary" not in row:
        return "fallback " + next(k for k in ("up2", "cnn", "centred") if k in row)
    top, right, bottom, left = row["box"]  # type: ignore[misc]
    note = "" if left <= 125 <= right and top <= 125 <= bottom else " OFF-CENTRE"
    return f"hog n={row['n_faces']}{note}"


def centre_rule_rows(rows: dict[Path, dict[str, object]]) -> dict[Path, dict[str, object]]:
    """LFW labels the face holding the central pixel: images whose only HOG face misses it get
    their primary chips from the CNN face nearest the centre (`rekog eval --centred-crops`
    does the same). Re-encodes those few images (2 on lfw_dev)."""
    from rekog_desktop.core.common.types import FaceBox
    from rekog_desktop.core.faces.engine import _DlibModels
    from rekog_desktop.core.faces.images import load_image

    out = dict(rows)
    for path, row in rows.items():
        box = row.get("box")
        if box is None:
            continue
        top, right, bottom, left = box  # type: ignore[misc]
        if left <= 125 <= right and top <= 125 <= bottom:
            continue
        pixels = load_image(path).pixels
        h, w = pixels.shape[:2]
        rects = [d.rect for d in _DlibModels.get("cnn")(pixels, 0)]
        cnn = [FaceBox(r.top(), r.right(), r.bottom(), r.left()).clipped(w, h) for r in rects]
        if cnn:
            out[path] = {**row, "primary": chip_embeddings(pixels, nearest_centre(cnn, w, h))}
    return out


def report_errors(root: Path, montage: Path | None) -> None:
    pairs = ev.read_pairs(root / "pairsDevTrain.txt")
    rows = load_rows(root)
    same = np.array([p.same for p in pairs])
    folds = np.array([p.fold for p in pairs])
    dists: dict[str, np.ndarray] = {}
    wrong: dict[str, np.ndarray] = {}
    for combine, k in ERROR_VARIANTS:
        emb, _ = embeddings_for(rows, combine, ("up2", "cnn", "centred"))
        label = combine + (f" sn{k}" if k else "")
        d = snorm_distances(pairs, emb, root, k) if k else ev.pair_distances(pairs, emb, root)[0]
        dists[label] = d
        wrong[label], _ = cv_errors(d, same, folds)
        fn = int((wrong[label] & same).sum())
        print(f"{label:<14} {int(wrong[label].sum())} errors ({fn} same-person pairs missed)")
    union = np.any(np.stack(list(wrong.values())), axis=0)
    print(f"union: {int(union.sum())} pairs\n  #  kind  wrong-in  " + "  ".join(dists))
    listed = []
    for i in np.flatnonzero(union):
        pair = pairs[i]
        a, b = pair.paths(root)
        n_wrong = sum(int(w[i]) for w in wrong.values())
        print(
            f"{i:4d} {'same' if pair.same else 'diff'}  {n_wrong}/{len(wrong)}  "
            + "  ".join(f"{dists[k][i]:.3f}" for k in dists)
            + f"  {a.name} [{_how_found(rows[a])}] / {b.name} [{_how_found(rows[b])}]"
        )
        listed.append((i, pair, n_wrong))
    if montage is not None:
        _error_montage(root, rows, listed, dists, montage)


def _error_montage(root, rows, listed, dists, out_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Contact sheets: each error pair as image (red: the face used, yellow: other HOG faces)
    and the 68-point aligned chip the encoder saw."""
    import dlib
    from PIL import Image, ImageDraw

    from rekog_desktop.core.faces.engine import EngineSettings, _DlibModels, create_engine
    from rekog_desktop.core.faces.images import load_image

    engine = create_engine(EngineSettings())

    def panel(path: Path) -> Image.Image:
        pixels = load_image(path).pixels
        image = Image.fromarray(pixels).convert("RGB")
        draw = ImageDraw.Draw(image)
        for b in engine.detect(pixels):
            draw.rectangle([b.left, b.top, b.right, b.bottom], outline=(255, 255, 0))
        canvas = Image.new("RGB", (400, 250), (40, 40, 40))
        box = rows[path].get("box")
        if box is not None:
            top, right, bottom, left = box
            draw.rectangle([left, top, right, bottom], outline=(255, 0, 0), width=2)
            shape = _DlibModels.get("pose68")(pixels, dlib.rectangle(left, top, right, bottom))
            chip = dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
            canvas.paste(Image.fromarray(chip), (250, 50))
        canvas.paste(image.resize((250, 250)), (0, 0))
        return canvas

    out_dir.mkdir(parents=True, exist_ok=True)
    for sheet_no, start in enumerate(range(0, len(listed), 8)):
        chunk = listed[start : start + 8]
        sheet = Image.new("RGB", (800, 270 * len(chunk)), (0, 0, 0))
        draw = ImageDraw.Draw(sheet)
        for j, (i, pair, n_wrong) in enumerate(chunk):
            a, b = pair.paths(root)
            ds = " ".join(f"{k}={v[i]:.3f}" for k, v in dists.items())
            kind = "SAME" if pair.same else "DIFF"
            draw.text((4, 270 * j + 2), f"#{i} {kind} wrong in {n_wrong}  {ds}", fill="white")
            sheet.paste(panel(a), (0, 270 * j + 18))
            sheet.paste(panel(b), (400, 270 * j + 18))
        sheet.save(out_dir / f"errors_{sheet_no}.jpg", quality=85)
    print(f"montages in {out_dir}")


def image_quality(rows: dict[Path, dict[str, object]]) -> dict[Path, np.ndarray]:
    """The product's quality measures (quality.assess) of each image's primary face: eye
    distance, sharpness, brightness, yaw, roll, number of warnings. Fallback images get none."""
    import dlib

    from rekog_desktop.core.common.types import FaceBox
    from rekog_desktop.core.faces import quality
    from rekog_desktop.core.faces.engine import _LANDMARK_GROUPS, _DlibModels
    from rekog_desktop.core.faces.images import load_image

    pose68 = _DlibModels.get("pose68")
    out: dict[Path, np.ndarray] = {}
    for path, row in rows.items():
        if "box" not in row:
            continue
        pixels = load_image(path).pixels
        top, right, bottom, left = row["box"]  # type: ignore[misc]
        shape = pose68(pixels, dlib.rectangle(left, top, right, bottom))
        points = [(p.x, p.y) for p in shape.parts()]
        marks = {name: [points[i] for i in idx] for name, idx in _LANDMARK_GROUPS.items()}
        q = quality.assess(pixels, FaceBox(top, right, bottom, left), marks)
        out[path] = np.array(
            [q.eye_distance_px, q.sharpness, q.brightness, q.yaw_deg, q.roll_deg, len(q.warnings)]
        )
    return out


def pair_quality_features(
    pairs: list[ev.Pair], root: Path, qualities: dict[Path, np.ndarray]
) -> np.ndarray:
    """Per pair, the worse image's quality: log eye distance, log sharpness, |yaw|, |roll|
    and the warning count of both. An image without a detected face counts as very poor."""
    poor = np.array([20.0, 0.0, 100.0, 60.0, 30.0, 3.0])
    feats = []
    for pair in pairs:
        qa, qb = (qualities.get(p, poor) for p in pair.paths(root))
        feats.append(
            [
                np.log(min(qa[0], qb[0])),
                np.log1p(min(qa[1], qb[1])),
                max(abs(qa[3]), abs(qb[3])) / 30,
                max(abs(qa[4]), abs(qb[4])) / 30,
                qa[5] + qb[5],
            ]
        )
    return np.asarray(feats)


def logistic_cv(x: np.ndarray, same: np.ndarray, folds: np.ndarray) -> tuple[float, float]:
    """Quality-aware score: a logistic regression of `same` on [score, quality...] fitted on
    nine folds (Newton steps, small ridge), its threshold chosen there, tested on the tenth."""
    x = (x - x.mean(0)) / x.std(0)
    x = np.c_[np.ones(len(x)), x]
    y = same.astype(float)
    accuracies = []
    for fold in np.unique(folds):
        train = folds != fold
        w = np.zeros(x.shape[1])
        for _ in range(50):
            p = 1 / (1 + np.exp(-x[train] @ w))
            grad = x[train].T @ (y[train] - p) - 1e-3 * w
            hess = (x[train] * (p * (1 - p))[:, None]).T @ x[train] + 1e-3 * np.eye(w.size)
            w += np.linalg.solve(hess, grad)
        score = -(x @ w)
        t = ev.best_threshold(score[train], same[train])
        accuracies.append(float(np.mean((score[~train] <= t) == same[~train])))
    return float(np.mean(accuracies)), float(np.std(accuracies))


def report_levers(root: Path) -> None:
    """The cheap levers on the cached embeddings: fusion rules, s-norm cohort sizes, the
    centre rule, largest face, quality-aware scores. Each line is CV accuracy and error count;
    picking the best line of a grid is itself tuning on these pairs (read the spread)."""
    pairs = ev.read_pairs(root / "pairsDevTrain.txt")
    rows = load_rows(root)
    same = np.array([p.same for p in pairs])
    folds = np.array([p.fold for p in pairs])
    fb = ("up2", "cnn", "centred")

    def line(label: str, d: np.ndarray) -> None:
        cv = ev.cv_accuracy(d, same, folds)
        print(f"{label:<44} {cv.mean:.4f} +/- {cv.std:.4f}  ({round((1 - cv.mean) * d.size)} err)")

    dist = {}
    for combine in COMBINE:
        emb, _ = embeddings_for(rows, combine, fb)
        dist[combine] = ev.pair_distances(pairs, emb, root)[0]
        line(combine, dist[combine])
    for combine in ("5pt+flip", "all4"):
        emb, _ = embeddings_for(rows, combine + "|l2", fb)
        line(f"{combine}, unit length", ev.pair_distances(pairs, emb, root)[0])
    line("mean distance of 5pt,68pt,5pt+flip,68pt+flip", np.mean([dist[c] for c in COMBINE][:4], 0))
    line("min distance of 5pt+flip,68pt+flip", np.minimum(dist["5pt+flip"], dist["68pt+flip"]))
    centred = centre_rule_rows(rows)
    for combine in ("5pt", "5pt+flip", "68pt+flip", "all4"):
        emb, _ = embeddings_for(centred, combine, fb)
        line(f"{combine} + centre rule", ev.pair_distances(pairs, emb, root)[0])
    for combine in ("5pt", "5pt+flip", "68pt+flip", "all4"):
        emb, _ = embeddings_for(centred, combine, fb)
        for k in (10, 25, 50, 100, 200, 500, 1000, 3000):
            line(f"{combine} + centre rule, s-norm top{k}", snorm_distances(pairs, emb, root, k))
    qualities = image_quality(centred)
    q = pair_quality_features(pairs, root, qualities)
    for combine in ("5pt", "5pt+flip", "68pt+flip", "all4"):
        emb, _ = embeddings_for(centred, combine, fb)
        d = ev.pair_distances(pairs, emb, root)[0]
        d = np.where(np.isfinite(d), d, 2.0)
        sn = snorm_distances(pairs, emb, root, 100)
        for label, x in (
            ("logistic[d]", d[:, None]),
            ("logistic[d, quality]", np.c_[d, q]),
            ("logistic[s-norm100, quality]", np.c_[sn, q]),
        ):
            m, s = logistic_cv(x, same, folds)
            print(
                f"{combine + ' + centre rule, ' + label:<44} {m:.4f} +/- {s:.4f}  "
                f"({round((1 - m) * d.size)} err)"
            )


def jitter_errors(root: Path, every: int) -> None:
    """num_jitters=10 on the 68-point chip, on the pairs the 68pt+flip engine (centre rule)
    gets wrong or nearly wrong plus every n-th pair. The random pairs give d' and the mean
    distance shift; the error pairs are judged at their full-set CV threshold plus that shift.
    Encoder time per face is measured in the same loop: one chip, chip+mirror, 10 jitters."""
    import dlib

    from rekog_desktop.core.faces.engine import _DlibModels
    from rekog_desktop.core.faces.images import load_image

    pairs = ev.read_pairs(root / "pairsDevTrain.txt")
    rows = centre_rule_rows(load_rows(root))
    same = np.array([p.same for p in pairs])
    folds = np.array([p.fold for p in pairs])
    emb, _ = embeddings_for(rows, "68pt+flip", ("up2", "cnn", "centred"))
    d_full = ev.pair_distances(pairs, emb, root)[0]
    wrong, thresholds = cv_errors(d_full, same, folds)
    near = np.flatnonzero(np.abs(d_full - thresholds) < 0.04)
    sample = np.arange(0, len(pairs), every)
    chosen = sorted(set(near.tolist()) | set(sample.tolist()))
    paths = sorted({p for i in chosen for p in pairs[i].paths(root)})
    print(
        f"{len(near)} pairs within 0.04 of their threshold ({int(wrong.sum())} errors), "
        f"{len(sample)} sampled; {len(paths)} photos"
    )
    encoder = _DlibModels.get("encoder")
    pose68 = _DlibModels.get("pose68")
    times: dict[str, list[float]] = {"1 chip": [], "chip+mirror": [], "10 jitters": []}
    vectors: dict[Path, tuple[np.ndarray, np.ndarray]] = {}
    for path in paths:
        row = rows[path]
        box = row.get("box")
        if box is None:
            continue  # fallback images keep their cached embedding on both sides
        pixels = load_image(path).pixels
        top, right, bottom, left = box  # type: ignore[misc]
        if "primary" in row and not (left <= 125 <= right and top <= 125 <= bottom):
            continue
        shape = pose68(pixels, dlib.rectangle(left, top, right, bottom))
        chip = dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
        start = time.perf_counter()
        encoder.compute_face_descriptor(chip)
        times["1 chip"].append(time.perf_counter() - start)
        start = time.perf_counter()
        both = encoder.compute_face_descriptor([chip, np.ascontiguousarray(chip[:, ::-1])])
        times["chip+mirror"].append(time.perf_counter() - start)
        start = time.perf_counter()
        jittered = encoder.compute_face_descriptor(chip, 10)
        times["10 jitters"].append(time.perf_counter() - start)
        vectors[path] = ((np.asarray(both[0]) + np.asarray(both[1])) / 2, np.asarray(jittered))
    base = np.mean(times["1 chip"])
    print(
        "encoder s/face: "
        + "  ".join(f"{k} {np.mean(v):.3f} ({np.mean(v) / base:.1f}x)" for k, v in times.items())
    )

    def distance(i: int, which: int) -> float:
        a, b = pairs[i].paths(root)
        va = vectors[a][which] if a in vectors else emb[a]
        vb = vectors[b][which] if b in vectors else emb[b]
        return math.inf if va is None or vb is None else float(np.linalg.norm(va - vb))

    d_sample = {w: np.array([distance(i, w) for i in sample]) for w in (0, 1)}
    shift = float(np.mean((d_sample[1] - d_sample[0])[np.isfinite(d_sample[0])]))
    for w, label in ((0, "68pt+flip"), (1, "68pt, 10 jitters")):
        print(f"{label:<18} d' on the sample {d_prime(d_sample[w], same[sample]):.3f}")
    d_near = np.array([distance(i, 1) for i in near])
    right_after = (d_near <= thresholds[near] + shift) == same[near]
    fixed = int((right_after & wrong[near]).sum())
    broken = int((~right_after & ~wrong[near]).sum())
    print(
        f"10 jitters (distances shifted {shift:+.4f}): fixes {fixed} of the "
        f"{int(wrong[near].sum())} near errors, breaks {broken} of {int((~wrong[near]).sum())} "
        f"near right pairs: {int(wrong.sum())} -> {int(wrong.sum()) - fixed + broken} errors"
    )
