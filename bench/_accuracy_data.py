"""What the accuracy bench scripts share: where the cached per-image embeddings live, how the
four chip embeddings combine into one, s-norm, and the report line."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from platformdirs import user_cache_path  # noqa: E402

from rekog_desktop.core import evaluation as ev  # noqa: E402

DEFAULT_ROOT = ROOT.parent / "shared" / "data" / "lfw_dev"
CACHE = user_cache_path("rekog-desktop", appauthor=False) / "bench"
VARIANTS = ("e5", "e5f", "e68", "e68f")


def d_prime(d: np.ndarray, same: np.ndarray) -> float:
    """Separation of genuine and impostor distances in pooled standard deviations."""
    g, i = d[same & np.isfinite(d)], d[~same & np.isfinite(d)]
    return float((i.mean() - g.mean()) / np.sqrt((i.var() + g.var()) / 2))


def load_rows(root: Path) -> dict[Path, dict[str, object]]:
    rows = np.load(CACHE / "lfw_dev_ingredients.npy", allow_pickle=True)
    return {Path(str(r["path"])): r for r in rows}


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


#: How the 4 chip embeddings [e5, e5 mirrored, e68, e68 mirrored] become one embedding.
COMBINE = {
    "5pt": lambda e: e[0],
    "68pt": lambda e: e[2],
    "5pt+flip": lambda e: (e[0] + e[1]) / 2,
    "68pt+flip": lambda e: (e[2] + e[3]) / 2,
    "5pt+68pt": lambda e: (e[0] + e[2]) / 2,
    "all4": lambda e: e.mean(axis=0),
}


def embeddings_for(
    rows: dict[Path, dict[str, object]], combine: str, fallbacks: tuple[str, ...]
) -> tuple[dict[Path, np.ndarray | None], int]:
    """One embedding per image under a combination rule and a fallback chain."""
    out: dict[Path, np.ndarray | None] = {}
    used = 0
    for path, row in rows.items():
        chips = row.get("primary")
        if chips is None:
            for name in fallbacks:
                if name in row:
                    chips = row[name]
                    used += 1
                    break
        if chips is None:
            out[path] = None
            continue
        base, _, norm = combine.partition("|")
        vector = COMBINE[base](np.asarray(chips, np.float64))
        out[path] = unit(vector) if norm == "l2" else vector
    return out, used


def snorm_distances(
    pairs: list[ev.Pair],
    emb: dict[Path, np.ndarray | None],
    root: Path,
    top_k: int,
) -> np.ndarray:
    """Adaptive s-norm of pair distances; each fold's cohort is every lfw_dev image of people
    who appear in none of that fold's pairs (no leakage)."""
    names_by_fold: dict[int, set[str]] = {}
    for p in pairs:
        names_by_fold.setdefault(p.fold, set()).update((p.name1, p.name2))
    out = np.full(len(pairs), np.inf)
    for fold, names in names_by_fold.items():
        cohort = np.stack(
            [v for path, v in emb.items() if v is not None and path.parent.name not in names]
        )
        stats: dict[Path, tuple[float, float]] = {}
        for p in pairs:
            if p.fold != fold:
                continue
            for path in p.paths(root):
                v = emb.get(path)
                if v is not None and path not in stats:
                    d = np.sqrt(((cohort - v) ** 2).sum(1))
                    near = np.partition(d, top_k - 1)[:top_k] if top_k < d.size else d
                    stats[path] = (float(near.mean()), float(near.std()))

        for i, p in enumerate(pairs):
            if p.fold != fold:
                continue
            pa, pb = p.paths(root)
            a, b = emb.get(pa), emb.get(pb)
            if a is None or b is None:
                continue
            d = float(np.sqrt(((a - b) ** 2).sum()))
            ma, sa = stats[pa]
            mb, sb = stats[pb]
            out[i] = 0.5 * ((d - ma) / sa + (d - mb) / sb)
    return out


def verify_line(label: str, d: np.ndarray, same: np.ndarray, folds: np.ndarray, tol: float | None):
    cv = ev.cv_accuracy(d, same, folds)
    acc = f"{ev.accuracy_at(d, same, tol):.4f}" if tol is not None else "   -  "
    tars = "  ".join(f"{ev.tar_at_far(d, same, f):.4f}" for f in ev.DEFAULT_FARS)
    print(f"{label:<34} {acc}   {cv.mean:.4f} +/- {cv.std:.4f}   {tars}")


def chip_embeddings(pixels, box):  # type: ignore[no-untyped-def]
    import dlib

    from rekog_desktop.core.faces.engine import _DlibModels

    rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
    encoder = _DlibModels.get("encoder")
    chips = []
    for model in ("pose5", "pose68"):
        shape = _DlibModels.get(model)(pixels, rect)
        chip = dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
        chips += [chip, np.ascontiguousarray(chip[:, ::-1])]
    return np.asarray(encoder.compute_face_descriptor(chips), dtype=np.float32)
