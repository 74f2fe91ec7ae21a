"""Accuracy levers on LFW-style pairs: encode every image once, then compare variants offline.

    uv run python bench/accuracy.py encode  [--root DIR] [--workers 2]   # ~10 min on 2 cores
    uv run python bench/accuracy.py report  [--root DIR]                 # seconds, from the cache

`encode` stores, per image (keyed by file SHA-256), the embeddings of the 5-point and the
68-point aligned face chip and of their mirror images, for the HOG face nearest the centre and,
when HOG finds nothing, for each fallback box (HOG upsample 2, CNN, centred box). `report`
prints accuracy at 0.6, cross-validated accuracy, TAR at FAR and photos/s for each combination.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from platformdirs import user_cache_path  # noqa: E402

from rekog_desktop.core import evaluation as ev  # noqa: E402
from rekog_desktop.core.eval_encode import centred_box, nearest_centre  # noqa: E402

DEFAULT_ROOT = ROOT.parent / "shared" / "data" / "lfw_dev"
CACHE = user_cache_path("rekog-desktop", appauthor=False) / "bench"
VARIANTS = ("e5", "e5f", "e68", "e68f")


def _chip_embeddings(pixels, box):  # type: ignore[no-untyped-def]
    import dlib

    from rekog_desktop.core.engine import _DlibModels

    rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
    encoder = _DlibModels.get("encoder")
    chips = []
    for model in ("pose5", "pose68"):
        shape = _DlibModels.get(model)(pixels, rect)
        chip = dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
        chips += [chip, np.ascontiguousarray(chip[:, ::-1])]
    return np.asarray(encoder.compute_face_descriptor(chips), dtype=np.float32)


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
        out["primary"] = _chip_embeddings(pixels, box)
        out["seconds"] = time.perf_counter() - t0
        return out
    up2 = create_engine(EngineSettings(upsample=2)).detect(pixels)
    if up2:
        out["up2"] = _chip_embeddings(pixels, nearest_centre(up2, w, h))
    rects = [d.rect for d in _DlibModels.get("cnn")(pixels, 0)]
    cnn = [FaceBox(r.top(), r.right(), r.bottom(), r.left()) for r in rects]
    cnn = [b.clipped(w, h) for b in cnn]
    if cnn:
        out["cnn"] = _chip_embeddings(pixels, nearest_centre(cnn, w, h))
    out["centred"] = _chip_embeddings(pixels, centred_box(w, h))
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["encode", "report"])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.command == "encode":
        encode(args.root, args.workers)
