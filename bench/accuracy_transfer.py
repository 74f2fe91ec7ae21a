"""Does the strict preset transfer to people nobody tuned on? Raw template distance against
adaptive s-norm (AS-norm), on lfw_dev folds split by identity (issue 12, item 3).

Protocol, per fold (people split in two by CRC32 of the name; each half is the test half once):
- the other half tunes: its people with exactly 2 photos are the s-norm cohort (one template
  each), the rest build a gallery (people with 3+ photos, enrolled with ENROL photos) and
  strangers (people with 1 photo); the strict threshold is where 1% of those strangers match
  anyone (the promise);
- the test half is measured with that threshold and the *tuning* cohort: its people with 3+
  photos enrolled with ENROL photos (one template per person), their other photos as probes,
  its people with 1 photo as never-enrolled probes.
Cohort/tuning people and test people never overlap. Reports rank-1, hit rate within the
threshold (the true subject is first and within it) and the measured never-enrolled rate
against the promised 1%, each with a Wilson 95% interval, for galleries of 1 and 2 photos.

Embeddings come from the `rekog eval` cache (the app's default engine, as
`rekog eval calibrate --root lfw_dev` makes them; the first build takes ~7 min on 2 cores):

    uv run python bench/accuracy_transfer.py [--root DIR] [--top-k 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rekog_desktop.cli.evaluate import default_cache_dir  # noqa: E402
from rekog_desktop.core.faces.engine import EngineSettings  # noqa: E402
from rekog_desktop.core.scoring import calibration as cal  # noqa: E402
from rekog_desktop.evaluation import measures as ev  # noqa: E402
from rekog_desktop.evaluation.encode import EncodeSpec, encode_images  # noqa: E402

DEFAULT_ROOT = (
    Path(os.environ.get("REKOG_TEST_DATA") or ROOT.parent / "shared" / "data") / "lfw_dev"
)
PROMISE = 0.01


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def load_people(root: Path) -> dict[str, list[np.ndarray]]:
    """Unit-length embeddings per person, from the eval cache (encoded on a miss)."""
    paths = sorted(p for p in root.glob("*/*.jpg"))
    spec = EncodeSpec(settings=EngineSettings(), fallbacks=("upsample", "cnn"), centred_crops=True)
    people: dict[str, list[np.ndarray]] = {}
    results = {r.path: r for r in encode_images(paths, spec=spec, cache_dir=default_cache_dir())}
    for path in paths:
        r = results[str(path)]
        if r.embedding is not None:
            people.setdefault(path.parent.name, []).append(cal.unit_rows(r.embedding)[0])
    return people


def cohort_stats(vectors: np.ndarray, cohort: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each row's k nearest cohort distances (AS-norm's statistics)."""
    d = cal.unit_distances(vectors, cohort)
    near = np.partition(d, k - 1, axis=1)[:, :k]
    return near.mean(1), np.maximum(near.std(1), 1e-6)


class Scorer:
    """Probe-to-template scores: raw template distance, or its AS-norm against a cohort."""

    def __init__(self, templates: np.ndarray, cohort: np.ndarray | None, k: int) -> None:
        self.templates, self.cohort, self.k = templates, cohort, k
        if cohort is not None:
            self.t_mu, self.t_sd = cohort_stats(templates, cohort, k)

    def __call__(self, probes: np.ndarray) -> np.ndarray:
        d = cal.unit_distances(probes, self.templates)
        if self.cohort is None:
            return d
        p_mu, p_sd = cohort_stats(probes, self.cohort, self.k)
        return 0.5 * ((d - p_mu[:, None]) / p_sd[:, None] + (d - self.t_mu) / self.t_sd)


def protocol(people: dict[str, list[np.ndarray]], enrol: int):  # type: ignore[no-untyped-def]
    """Gallery templates (people with 3+ photos, `enrol` photos each), mated probes and their
    true template index, never-enrolled probes (people with 1 photo)."""
    names = sorted(n for n, vs in people.items() if len(vs) >= 3)
    templates = cal.unit_rows([np.mean(people[n][:enrol], axis=0) for n in names])
    mated = np.asarray([v for n in names for v in people[n][enrol:]])
    truth = np.asarray([i for i, n in enumerate(names) for _ in people[n][enrol:]])
    strangers = np.asarray([vs[0] for vs in people.values() if len(vs) == 1])
    return templates, mated, truth, strangers


def measure(people, test_half: int, enrol: int, k: int, normalise: bool) -> dict[str, object]:  # type: ignore[no-untyped-def]
    halves = [
        {n: vs for n, vs in people.items() if zlib.crc32(n.encode()) % 2 == h} for h in (0, 1)
    ]
    tune, test = halves[1 - test_half], halves[test_half]
    cohort = (
        cal.unit_rows([np.mean(vs, axis=0) for vs in tune.values() if len(vs) == 2])
        if normalise
        else None
    )
    tune_people = {n: vs for n, vs in tune.items() if len(vs) != 2}
    t_tmpl, _, _, t_strangers = protocol(tune_people, enrol)
    promised_threshold = ev.threshold_at_rate(
        Scorer(t_tmpl, cohort, k)(t_strangers).min(1), PROMISE
    )
    tmpl, mated, truth, strangers = protocol(test, enrol)
    score = Scorer(tmpl, cohort, k)
    m = score(mated)
    first = m.argmin(1) == truth
    hits = first & (m.min(1) <= promised_threshold)
    s_near = score(strangers).min(1)
    false = int((s_near <= promised_threshold).sum())
    hindsight = ev.threshold_at_rate(s_near, PROMISE)
    hits_hindsight = first & (m.min(1) <= hindsight)

    def rate(k_: int, n: int) -> dict[str, object]:
        low, high = wilson(k_, n)
        return {"value": round(k_ / n, 4), "k": k_, "n": n, "ci95": [round(low, 4), round(high, 4)]}

    return {
        "test_half": test_half,
        "enrol": enrol,
        "scoring": "as-norm" if normalise else "template",
        "subjects": len(tmpl),
        "cohort": 0 if cohort is None else len(cohort),
        "threshold": round(float(promised_threshold), 4),
        "rank1": rate(int(first.sum()), len(first)),
        "hit_rate": rate(int(hits.sum()), len(hits)),
        "never_enrolled_rate": rate(false, len(s_near)),
        "promised_never_enrolled_rate": PROMISE,
        "hit_rate_at_measured_1pct_hindsight": round(float(hits_hindsight.mean()), 4),
    }


def pooled(rows: list[dict[str, object]]) -> dict[str, object]:
    """Both test halves together (each person tested once)."""
    out: dict[str, object] = {"scoring": rows[0]["scoring"], "enrol": rows[0]["enrol"]}
    for key in ("rank1", "hit_rate", "never_enrolled_rate"):
        k_ = sum(int(r[key]["k"]) for r in rows)  # type: ignore[index]
        n = sum(int(r[key]["n"]) for r in rows)  # type: ignore[index]
        low, high = wilson(k_, n)
        out[key] = {
            "value": round(k_ / n, 4),
            "k": k_,
            "n": n,
            "ci95": [round(low, 4), round(high, 4)],
        }
    return out


def load_faces(folder: Path) -> dict[str, list[np.ndarray]]:
    """faces/: one folder per identity (not in lfw_dev); folders starting with _ are skipped."""
    paths = sorted(
        p
        for p in folder.glob("*/*")
        if not p.parent.name.startswith("_") and p.suffix.lower() in (".jpg", ".jpeg", ".png")
    )
    spec = EncodeSpec(settings=EngineSettings(), fallbacks=("upsample", "cnn"))
    results = {r.path: r for r in encode_images(paths, spec=spec, cache_dir=default_cache_dir())}
    people: dict[str, list[np.ndarray]] = {}
    for path in paths:
        r = results[str(path)]
        if r.embedding is not None:
            people.setdefault(path.parent.name, []).append(cal.unit_rows(r.embedding)[0])
    return people


def out_of_sample(
    people: dict[str, list[np.ndarray]], faces: dict[str, list[np.ndarray]], k: int, normalise: bool
) -> dict[str, object]:
    """faces/ (20 people in no lfw_dev fold) enrolled with their first photo, their other
    photos as probes; never-enrolled probes: lfw_dev half 1's one-photo people; cohort and
    threshold from lfw_dev half 0 (a tuning gallery of the same size, 20 subjects)."""
    tune = {n: vs for n, vs in people.items() if zlib.crc32(n.encode()) % 2 == 0}
    other = {n: vs for n, vs in people.items() if zlib.crc32(n.encode()) % 2 == 1}
    cohort = (
        cal.unit_rows([np.mean(vs, axis=0) for vs in tune.values() if len(vs) == 2])
        if normalise
        else None
    )
    t_tmpl, _, _, t_strangers = protocol({n: vs for n, vs in tune.items() if len(vs) != 2}, 1)
    rng = np.random.default_rng(0)
    thresholds = [
        ev.threshold_at_rate(
            Scorer(t_tmpl[rng.choice(len(t_tmpl), len(faces), replace=False)], cohort, k)(
                t_strangers
            ).min(1),
            PROMISE,
        )
        for _ in range(20)
    ]
    threshold = float(np.median(thresholds))
    names = sorted(faces)
    tmpl = cal.unit_rows([faces[n][0] for n in names])
    mated = np.asarray([v for n in names for v in faces[n][1:]])
    truth = np.asarray([i for i, n in enumerate(names) for _ in faces[n][1:]])
    strangers = np.asarray([vs[0] for vs in other.values() if len(vs) == 1])
    score = Scorer(tmpl, cohort, k)
    m = score(mated)
    first = m.argmin(1) == truth
    hits = first & (m.min(1) <= threshold)
    false = int((score(strangers).min(1) <= threshold).sum())

    def rate(k_: int, n: int) -> dict[str, object]:
        low, high = wilson(k_, n)
        return {"value": round(k_ / n, 4), "k": k_, "n": n, "ci95": [round(low, 4), round(high, 4)]}

    return {
        "scoring": "as-norm" if normalise else "template",
        "subjects": len(names),
        "threshold": round(threshold, 4),
        "rank1": rate(int(first.sum()), len(first)),
        "hit_rate": rate(int(hits.sum()), len(hits)),
        "never_enrolled_rate": rate(false, len(strangers)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--top-k", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="one JSON line on stdout")
    args = parser.parse_args()
    people = load_people(args.root)
    if not people:
        sys.exit(f"no labelled photos under {args.root} (set REKOG_TEST_DATA or --root)")
    folds, summary = [], []
    for enrol in (1, 2):
        for normalise in (False, True):
            rows = [measure(people, h, enrol, args.top_k, normalise) for h in (0, 1)]
            folds += rows
            summary.append(pooled(rows))
    faces_dir = args.root.parent / "faces"
    faces = load_faces(faces_dir) if faces_dir.is_dir() else {}
    oos = [out_of_sample(people, faces, args.top_k, n) for n in (False, True)] if faces else []
    if args.json:
        report = {"top_k": args.top_k, "pooled": summary, "folds": folds, "faces": oos}
        print(json.dumps(report))
        return
    for row in folds:
        print(
            f"half {row['test_half']} enrol {row['enrol']} {row['scoring']:<8} "
            f"N={row['subjects']} cohort={row['cohort']} t={row['threshold']}: "
            f"rank-1 {row['rank1']['value']}, hit {row['hit_rate']['value']} "  # type: ignore[index]
            f"{row['hit_rate']['ci95']}, never-enrolled {row['never_enrolled_rate']['value']} "  # type: ignore[index]
            f"({row['never_enrolled_rate']['k']}/{row['never_enrolled_rate']['n']}, promised "  # type: ignore[index]
            f"{PROMISE}); hindsight hit {row['hit_rate_at_measured_1pct_hindsight']}"
        )
    print("pooled over both test halves:")
    for s in summary:
        print(
            f"  enrol {s['enrol']} {s['scoring']:<8} rank-1 {s['rank1']['value']} "  # type: ignore[index]
            f"{s['rank1']['ci95']}, hit {s['hit_rate']['value']} {s['hit_rate']['ci95']}, "  # type: ignore[index]
            f"never-enrolled {s['never_enrolled_rate']['value']} "  # type: ignore[index]
            f"{s['never_enrolled_rate']['ci95']}"  # type: ignore[index]
        )
    for o in oos:
        print(
            f"faces/ out of sample, {o['scoring']:<8} N={o['subjects']} t={o['threshold']}: "
            f"rank-1 {o['rank1']['value']} {o['rank1']['ci95']}, hit {o['hit_rate']['value']} "  # type: ignore[index]
            f"{o['hit_rate']['ci95']}, never-enrolled {o['never_enrolled_rate']['value']} "  # type: ignore[index]
            f"({o['never_enrolled_rate']['k']}/{o['never_enrolled_rate']['n']})"  # type: ignore[index]
        )


if __name__ == "__main__":
    main()
