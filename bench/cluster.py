"""Clustering quality and speed: our constrained average linkage against dlib's chinese_whispers.

Data: lfw_dev, labelled by folder (one person per folder; many people have one photo, which a
good clustering leaves alone). One embedding per image, the person nearest the centre (the
evaluation encoder with LFW's centred-crop rule), computed once and cached under /tmp
(`--cache`), never in the repo.

Identities are split in two halves by a seeded shuffle of the folder names. The cut is chosen on
half A (the largest cut with BCubed precision >= --target-precision) and every number is
reported on half B, which played no part in choosing it. In the same run, on half B:
chinese_whispers at 0.5 and 0.6 (dlib's own points), and at the threshold chosen on half A by
the same precision rule (so recall is compared at the same precision).

BCubed (Bagga & Baldwin): per face, precision = share of its cluster that is its person,
recall = share of its person that is in its cluster; averaged over faces. A face left
unclustered is a cluster of one.

Speed: 10k faces, synthetic 128-d vectors shaped like dlib's (1,000 people x 10 faces, norm
about 1, same-person distances about 0.4, different about 0.9+): real lfw_dev has 3.4k images.
Seconds are wall clock on a shared machine; read the ratio to chinese_whispers.

Run: uv run python bench/cluster.py [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import dlib
import numpy as np
from _common import data_root, table

from rekog_desktop.core.clusters.grouping import DEFAULT_CUT, cluster_faces
from rekog_desktop.evaluation.encode import EncodeSpec, encode_images

CUTS = [round(0.30 + 0.01 * k, 2) for k in range(31)]


def load(root: Path, cache: Path) -> tuple[np.ndarray, list[str]]:
    paths = sorted(p for p in root.glob("*/*") if p.is_file())
    vectors, labels = [], []
    for result in encode_images(paths, spec=EncodeSpec(centred_crops=True), cache_dir=cache):
        if result.embedding is not None:
            vectors.append(result.embedding)
            labels.append(Path(result.path).parent.name)
    return np.asarray(vectors, dtype=np.float64), labels


def bcubed(found: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """(precision, recall, F) of cluster labels `found` against `truth` (per face)."""
    precision = recall = 0.0
    for i in range(len(found)):
        mine = found == found[i]
        same = truth == truth[i]
        both = np.count_nonzero(mine & same)
        precision += both / np.count_nonzero(mine)
        recall += both / np.count_nonzero(same)
    p, r = precision / len(found), recall / len(found)
    return p, r, 2 * p * r / (p + r)


def ours(vectors: np.ndarray, cut: float) -> np.ndarray:
    grouping = cluster_faces(vectors, cut=cut)
    labels = np.arange(len(vectors)) + len(vectors)  # every face alone ...
    for number, members in enumerate(grouping.groups):
        labels[list(members)] = number  # ... unless grouped
    return labels


def whispers(vectors: np.ndarray, threshold: float) -> np.ndarray:
    descriptors = [dlib.vector(v.tolist()) for v in vectors]
    return np.asarray(dlib.chinese_whispers_clustering(descriptors, threshold))


def choose(
    vectors: np.ndarray, truth: np.ndarray, method: str, target: float
) -> tuple[float, list[tuple[float, float, float, float]]]:
    """The largest cut whose BCubed precision is >= target on this half, and the sweep."""
    sweep = []
    for cut in CUTS:
        labels = ours(vectors, cut) if method == "ours" else whispers(vectors, cut)
        sweep.append((cut, *bcubed(labels, truth)))
    good = [row[0] for row in sweep if row[1] >= target]
    return (max(good) if good else CUTS[0]), sweep


def synthetic(people: int, per: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(people, 128))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    centres *= 0.62  # different people ~0.88 apart (plus noise)
    faces = np.repeat(centres, per, axis=0) + rng.normal(scale=0.025, size=(people * per, 128))
    return faces + rng.normal(scale=0.05, size=128)  # a shared offset, as real embeddings have


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=data_root() / "lfw_dev")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rekog-cluster-bench"))
    parser.add_argument("--target-precision", type=float, default=0.98)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--timing-faces", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    vectors, names = load(args.root, args.cache)
    people = sorted(set(names))
    random.Random(args.seed).shuffle(people)
    half_a = set(people[: len(people) // 2])
    in_a = np.array([n in half_a for n in names])
    truth = np.unique(np.asarray(names), return_inverse=True)[1]
    va, ta, vb, tb = vectors[in_a], truth[in_a], vectors[~in_a], truth[~in_a]
    print(
        f"lfw_dev: {len(vectors)} faces of {len(people)} people; half A {len(va)} faces, "
        f"half B {len(vb)} faces (identity split, seed {args.seed})"
    )

    cut, sweep_a = choose(va, ta, "ours", args.target_precision)
    cw_cut, cw_sweep_a = choose(va, ta, "whispers", args.target_precision)
    rows = []
    results: dict[str, dict[str, float]] = {}

    def report(name: str, labels: np.ndarray, threshold: float, seconds: float) -> None:
        p, r, f = bcubed(labels, tb)
        clusters = len({int(x) for x in labels if np.count_nonzero(labels == x) > 1})
        results[name] = {
            "threshold": threshold,
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f": round(f, 4),
            "clusters": clusters,
            "seconds": round(seconds, 3),
        }
        rows.append(
            (
                name,
                f"{threshold:.2f}",
                f"{p:.4f}",
                f"{r:.4f}",
                f"{f:.4f}",
                clusters,
                f"{seconds:.2f}",
            )
        )

    for name, run, threshold in (
        ("ours (cut chosen on A)", ours, cut),
        (f"ours (DEFAULT_CUT {DEFAULT_CUT})", ours, DEFAULT_CUT),
        ("chinese_whispers 0.5", whispers, 0.5),
        ("chinese_whispers 0.6", whispers, 0.6),
        ("chinese_whispers (chosen on A)", whispers, cw_cut),
    ):
        start = time.perf_counter()
        labels = run(vb, threshold)
        report(name, labels, threshold, time.perf_counter() - start)
    print(
        f"\nhalf B ({len(vb)} faces), BCubed; thresholds chosen on half A for precision >= "
        f"{args.target_precision}:"
    )
    print(table(("method", "cut", "precision", "recall", "F", "clusters", "s"), rows))
    print("\nhalf A sweep (cut: ours P/R | chinese_whispers P/R):")
    for (c, p, r, _), (_, cp, cr, _) in zip(sweep_a, cw_sweep_a, strict=True):
        print(f"  {c:.2f}: {p:.4f}/{r:.4f} | {cp:.4f}/{cr:.4f}")

    big = synthetic(args.timing_faces // 10, 10)
    start = time.perf_counter()
    grouping = cluster_faces(big, cut=DEFAULT_CUT)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    whispers(big, 0.5)
    cw_s = time.perf_counter() - start
    print(
        f"\n{len(big)} synthetic faces (1,000 people x 10): ours {ours_s:.2f} s "
        f"({len(grouping.groups)} clusters), chinese_whispers 0.5 {cw_s:.2f} s"
    )
    summary = {
        "faces_half_b": len(vb),
        "cut_chosen_on_a": cut,
        "default_cut": DEFAULT_CUT,
        "methods": results,
        "timing": {
            "faces": len(big),
            "synthetic": True,
            "ours_s": round(ours_s, 3),
            "chinese_whispers_s": round(cw_s, 3),
        },
    }
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
