"""The dominant-face rule (core/faces/dominant.py) measured: how many photos with several faces
get a choice, how many choices are right, how many are left ambiguous (issue 12 item 1).

Data, analysed with the importer's engine settings (ENROL_SETTINGS: what `rekog import` sees):
- lfw_dev/<Name>/*.jpg: the labelled person is the one the photo is filed under. A choice in a
  photo with several faces is checked against that person's OTHER photos that show exactly one
  face (no rule involved in them): the right face is the one with the smallest mean distance to
  those faces, and it must also be within 0.6 of them (else the person is not among the faces
  found, and any choice is wrong). Photos of people with no such other photo cannot be checked
  and are counted apart.
- faces/_group/: real group photos (manifest.csv); most show peers of similar size, where the
  rule must abstain. For the three with named people the chosen face is named by the nearest
  faces/<identity>/ photos.

Margins are tuned on one identity half of lfw_dev (CRC32 of the name, as accuracy_transfer.py)
and reported on the other, both ways round: no number printed as "held out" comes from the
data that picked its margins. Only the area ratio is tuned: the smallest ratio with no wrong
choice on the tuning half when the centre test is switched off. LFW crops are centred on the
labelled person (every right choice sits within 0.17 of the centre), so LFW would "prove" that
the centre alone suffices, which no real gallery photo promises: the _group photos show two
peers side by side at 1.0-2.1x, and a centre-only rule would guess there. The centre margin
(0.5) is a stated precaution against a large face at the edge, measured for what it changes.

    uv run python bench/dominant_face.py [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from platformdirs import user_cache_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import data_root, stopwatch, table

from rekog_desktop.core.common.types import FaceBox
from rekog_desktop.core.faces.dominant import (
    DOMINANT_V1,
    DominantRule,
    choose_dominant,
)
from rekog_desktop.core.faces.engine import ENROL_SETTINGS, FaceEngine, create_engine
from rekog_desktop.core.faces.images import load_image

CACHE = user_cache_path("rekog-desktop", appauthor=False) / "bench"
SAME_PERSON = 0.6
RATIOS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 6.0)
OFFSETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Analysed:
    """One photo as the importer sees it: size, face boxes, embeddings (same order)."""

    path: str
    width: int
    height: int
    boxes: list[FaceBox]
    embeddings: np.ndarray


_engine: FaceEngine | None = None


def _init() -> None:
    global _engine
    _engine = create_engine(ENROL_SETTINGS)


def _analyse(path: str) -> dict[str, Any]:
    engine = _engine or create_engine(ENROL_SETTINGS)
    try:
        image = load_image(Path(path))
        faces = engine.faces(image.pixels)
    except Exception as exc:  # a bad file is reported, not fatal
        return {"path": path, "error": str(exc)}
    return {
        "path": path,
        "width": image.width,
        "height": image.height,
        "boxes": [f.box.as_list() for f in faces],
        "embeddings": [np.asarray(f.embedding, np.float32).round(6).tolist() for f in faces],
    }


def analyse_all(paths: list[Path], workers: int) -> dict[str, Analysed]:
    """Every photo analysed once and cached (keyed by the file list and engine settings)."""
    key = hashlib.sha256(
        (repr(ENROL_SETTINGS) + "\n".join(str(p) for p in paths)).encode()
    ).hexdigest()[:16]
    cache = CACHE / f"dominant_face_analysed_{key}.json"
    if cache.is_file():
        rows = json.loads(cache.read_text())
    else:
        print(f"analysing {len(paths)} photos on {workers} processes (cached after)...")
        todo = [str(p) for p in paths]
        with stopwatch() as took:
            if workers <= 1:
                rows = [_analyse(p) for p in todo]
            else:
                context = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(workers, mp_context=context, initializer=_init) as pool:
                    rows = list(pool.map(_analyse, todo, chunksize=8))
        print(f"  {took[0]:.0f} s")
        CACHE.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(rows))
    out: dict[str, Analysed] = {}
    for row in rows:
        if "error" in row:
            continue
        out[row["path"]] = Analysed(
            path=row["path"],
            width=int(row["width"]),
            height=int(row["height"]),
            boxes=[FaceBox.from_list(b) for b in row["boxes"]],
            embeddings=np.asarray(row["embeddings"], np.float32).reshape(-1, 128),
        )
    return out


@dataclass(frozen=True)
class Case:
    """A photo with several faces filed under `person`; `truth` is the index of that person's
    face (-1: not among the faces found; None: cannot be checked)."""

    person: str
    photo: Analysed
    truth: int | None
    half: int


def lfw_cases(root: Path, analysed: dict[str, Analysed]) -> tuple[list[Case], int]:
    """The several-face photos of lfw_dev with their checked truth; also how many photos were
    analysed in all."""
    people: dict[str, list[Analysed]] = {}
    for photo in analysed.values():
        path = Path(photo.path)
        if path.parent.parent == root:
            people.setdefault(path.parent.name, []).append(photo)
    cases = []
    for person, photos in people.items():
        half = zlib.crc32(person.encode()) % 2
        for photo in photos:
            if len(photo.boxes) < 2:
                continue
            refs = [o.embeddings[0] for o in photos if o is not photo and len(o.boxes) == 1]
            truth: int | None = None
            if refs:
                ref = np.stack(refs)
                # Nearest reference face, not the mean: a one-face photo of LFW can hold a
                # background face the detector found instead of the person.
                near = np.array([np.sqrt(((ref - e) ** 2).sum(1)).min() for e in photo.embeddings])
                best = int(np.argmin(near))
                truth = best if near[best] < SAME_PERSON else -1
            cases.append(Case(person, photo, truth, half))
    return cases, sum(len(v) for v in people.values())


@dataclass
class Tally:
    photos: int = 0
    chosen: int = 0
    right: int = 0
    wrong: int = 0
    ambiguous: int = 0
    unchecked_chosen: int = 0
    unchecked: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def tally(cases: list[Case], rule: DominantRule) -> Tally:
    t = Tally()
    for case in cases:
        choice = choose_dominant(case.photo.boxes, case.photo.width, case.photo.height, rule=rule)
        if case.truth is None:
            t.unchecked += 1
            t.unchecked_chosen += choice.chosen
            continue
        t.photos += 1
        if not choice.chosen:
            t.ambiguous += 1
        elif choice.index == case.truth:
            t.chosen += 1
            t.right += 1
        else:
            t.chosen += 1
            t.wrong += 1
    return t


def tune(cases: list[Case]) -> DominantRule:
    """The smallest area ratio that makes no wrong choice on `cases` with the centre test
    switched off; the centre margin stays the product's (not tuned, see the module doc)."""
    for ratio in RATIOS:
        if not tally(cases, DominantRule("tuned", ratio, 1.0)).wrong:
            return DominantRule("tuned", ratio, DOMINANT_V1.max_centre_offset)
    return DominantRule("tuned", float("inf"), DOMINANT_V1.max_centre_offset)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def group_report(data: Path, analysed: dict[str, Analysed], rule: DominantRule) -> list[dict]:
    """Each _group photo: faces found, the rule's answer, and whom the chosen face is nearest
    among the faces/<identity>/ folders (None when no folder is within 0.6)."""
    refs: dict[str, list[np.ndarray]] = {}
    for photo in analysed.values():
        path = Path(photo.path)
        folder = path.parent
        if (
            folder.parent == data / "faces"
            and not folder.name.startswith("_")
            and (len(photo.boxes) == 1)
        ):
            refs.setdefault(folder.name, []).append(photo.embeddings[0])
    stacked = {name: np.stack(v) for name, v in refs.items()}
    rows = []
    for photo in sorted(analysed.values(), key=lambda p: p.path):
        if Path(photo.path).parent != data / "faces" / "_group" or len(photo.boxes) < 2:
            continue
        choice = choose_dominant(photo.boxes, photo.width, photo.height, rule=rule)
        who = None
        if choice.index is not None:
            e = photo.embeddings[choice.index]
            dist = {n: float(np.sqrt(((r - e) ** 2).sum(1)).mean()) for n, r in stacked.items()}
            name, d = min(dist.items(), key=lambda kv: kv[1])
            who = name if d < SAME_PERSON else None
        rows.append(
            {
                "photo": Path(photo.path).name,
                "faces": len(photo.boxes),
                "chosen": choice.index,
                "nearest_identity": who,
                "area_ratio": round(choice.area_ratio, 2),
                "centre_offset": round(choice.centre_offset, 2),
                "reason": choice.reason,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="one JSON line last")
    args = parser.parse_args()
    data = data_root()
    root = data / "lfw_dev"
    paths = sorted(root.glob("*/*.jpg"))
    paths += sorted((data / "faces" / "_group").glob("*.jpg"))
    paths += sorted(p for p in (data / "faces").glob("[!_]*/*") if p.suffix in (".jpg", ".png"))
    analysed = analyse_all(paths, args.workers)
    cases, lfw_photos = lfw_cases(root, analysed)
    checked = [c for c in cases if c.truth is not None]
    print(
        f"lfw_dev: {lfw_photos} photos analysed, {len(cases)} with several faces, "
        f"{len(checked)} checkable against the person's other one-face photos "
        f"({sum(c.truth == -1 for c in checked)} where the person is not among the faces found)"
    )

    folds = []
    for test_half in (0, 1):
        tuned = tune([c for c in checked if c.half != test_half])
        held = tally([c for c in cases if c.half == test_half], tuned)
        on_tune = tally([c for c in cases if c.half != test_half], tuned)
        folds.append({"test_half": test_half, "rule": tuned, "held": held, "tune": on_tune})
    print("\nTuned on one half, reported on the other (held-out numbers):")
    rows = []
    for f in folds:
        h: Tally = f["held"]  # type: ignore[assignment]
        r: DominantRule = f["rule"]  # type: ignore[assignment]
        lo, hi = wilson(h.wrong, h.chosen)
        rows.append(
            [
                f"half {f['test_half']}",
                f"{r.min_area_ratio:g}x / {r.max_centre_offset:g}",
                h.photos,
                h.chosen,
                h.right,
                h.wrong,
                f"{lo:.3f}-{hi:.3f}",
                h.ambiguous,
                f"{h.unchecked_chosen}/{h.unchecked}",
            ]
        )
    pooled = Tally()
    for f in folds:
        for k, v in f["held"].as_dict().items():  # type: ignore[attr-defined]
            setattr(pooled, k, getattr(pooled, k) + v)
    lo, hi = wilson(pooled.wrong, pooled.chosen)
    rows.append(
        [
            "pooled",
            "-",
            pooled.photos,
            pooled.chosen,
            pooled.right,
            pooled.wrong,
            f"{lo:.3f}-{hi:.3f}",
            pooled.ambiguous,
            f"{pooled.unchecked_chosen}/{pooled.unchecked}",
        ]
    )
    header = ["test", "ratio/offset", "checked", "chosen", "right", "wrong", "wrong 95% CI"]
    print(table([*header, "ambiguous", "unchecked chosen"], rows))

    print(
        f"\nThe product's rule {DOMINANT_V1.name} ({DOMINANT_V1.min_area_ratio:g}x, offset "
        f"<= {DOMINANT_V1.max_centre_offset:g}) on each half:"
    )
    product = []
    for half in (0, 1):
        t = tally([c for c in cases if c.half == half], DOMINANT_V1)
        product.append({"half": half, **t.as_dict()})
        print(
            f"  half {half}: {t.photos} checked, {t.chosen} chosen ({t.right} right, "
            f"{t.wrong} wrong), {t.ambiguous} ambiguous; unchecked {t.unchecked_chosen}/"
            f"{t.unchecked} chosen"
        )

    enrolled = sum(p["chosen"] + p["unchecked_chosen"] for p in product)
    print(
        f"  a gallery of these photos filed by name: {enrolled} of {len(cases)} several-face "
        f"photos now enrol their person (before: none; checked ones: "
        f"{sum(p['right'] for p in product)} right, {sum(p['wrong'] for p in product)} wrong)"
    )
    print("\nMargins grid on all checked lfw_dev photos (chosen/wrong), for reading only:")
    grid_rows = []
    for ratio in RATIOS:
        cells: list[object] = [f"{ratio:g}x"]
        for offset in OFFSETS:
            t = tally(checked, DominantRule("grid", ratio, offset))
            cells.append(f"{t.chosen}/{t.wrong}")
        grid_rows.append(cells)
    print(table(["ratio \\ offset", *[f"{o:g}" for o in OFFSETS]], grid_rows))

    group = group_report(data, analysed, DOMINANT_V1)
    print(f"\nfaces/_group/ with {DOMINANT_V1.name} (never tuned on):")
    print(
        table(
            ["photo", "faces", "chosen", "nearest identity", "ratio", "offset", "reason"],
            [list(g.values()) for g in group],
        )
    )
    if args.json:
        print(
            json.dumps(
                {
                    "rule": DOMINANT_V1.as_dict(),
                    "lfw_several_faces": len(cases),
                    "lfw_checked": len(checked),
                    "held_out": [
                        {
                            "test_half": f["test_half"],
                            "tuned_ratio": f["rule"].min_area_ratio,  # type: ignore[attr-defined]
                            "tuned_offset": f["rule"].max_centre_offset,  # type: ignore[attr-defined]
                            **f["held"].as_dict(),  # type: ignore[attr-defined]
                        }
                        for f in folds
                    ],
                    "held_out_pooled": pooled.as_dict(),
                    "product_rule_by_half": product,
                    "product_enrolled_of_several": enrolled,
                    "group_photos": len(group),
                    "group_chosen": sum(g["chosen"] is not None for g in group),
                    "group": group,
                }
            )
        )


if __name__ == "__main__":
    main()
