"""Ingest speed: our importer against face_recognition's own CLI over the same photos, same run.

Builds a temp folder (in /tmp, symlinks to the real data, never in the repo): known/ holds the
first photo of each identity folder, unknown/ the rest (plus --lfw N photos of lfw_dev). Then
times, in the same run:

- ours: collect_items + import_photos into a fresh GalleryStore (both cores by default), the
  whole thing including worker start-up and model loading;
- theirs: `face_recognition --cpus 2 known/ unknown/` as a subprocess, interpreter start and model
  loading included. It encodes known/ at full size and shrinks unknown/ to 1600 px; it is run
  with `--tolerance -1` so that every face prints exactly one line, which lets us count faces per
  file (the distances are still computed, so the work is the same as at the default 0.6).

"Same faces found" is checked per file: our stored face count against theirs (for known/ the
CLI only says 0, 1 or "more than one", shown as 2+). --profile prints instead a cProfile of
where one process spends its time on the same photos, for ours and for face_recognition's calls.

Run: uv run python bench/ingest.py [--lfw 300] [--special] [--try 1024:0] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from _common import VENV_BIN, data_root, drain, stopwatch, table

from rekog_desktop.core.faces.engine import ENROL_SETTINGS, EngineSettings, create_engine
from rekog_desktop.core.gallery.importer import analyse_item, collect_items, import_photos
from rekog_desktop.core.gallery.store import GalleryStore

#: What face_recognition's CLI picks up in a folder (its regex is .*\.(jpg|jpeg|png)).
CLI_SUFFIXES = {".jpg", ".jpeg", ".png"}
MANY = -2  # the CLI's "more than one face" for known/ files
MISSING = -1  # no line about the file in the output


@dataclass(frozen=True)
class Photo:
    name: str  # the file name inside known/ or unknown/
    folder: str  # "known" or "unknown"
    source: Path  # the real file


def choose_photos(data: Path, lfw: int, seed: int, special: bool) -> list[Photo]:
    photos: list[Photo] = []
    for folder in sorted(p for p in (data / "faces").iterdir() if p.is_dir()):
        if folder.name.startswith("_"):
            if special:
                photos += [
                    Photo(f"{folder.name}__{f.name}", "unknown", f)
                    for f in sorted(folder.iterdir())
                    if f.suffix.lower() in CLI_SUFFIXES
                ]
            continue
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in CLI_SUFFIXES)
        for i, file in enumerate(files):
            if i == 0:
                photos.append(Photo(f"{folder.name}{file.suffix}", "known", file))
            else:
                photos.append(Photo(f"{folder.name}__{file.name}", "unknown", file))
    if lfw:
        pool = sorted(p for p in (data / "lfw_dev").rglob("*") if p.suffix.lower() in CLI_SUFFIXES)
        for file in sorted(random.Random(seed).sample(pool, min(lfw, len(pool)))):
            photos.append(Photo(f"lfw__{file.name}", "unknown", file))
    return photos


def lay_out(root: Path, photos: list[Photo]) -> None:
    for photo in photos:
        target = root / photo.folder / photo.name
        target.parent.mkdir(exist_ok=True)
        target.symlink_to(photo.source)
        target.read_bytes()  # warm the page cache so neither side pays the first disk read


def run_ours(
    root: Path, settings: EngineSettings, workers: int | None
) -> tuple[float, dict[str, int]]:
    """Seconds for a full import of known/ + unknown/, and faces per file name."""
    with stopwatch() as elapsed:
        store = GalleryStore(root / "gallery.sqlite")
        items = collect_items([root / "known", root / "unknown"], subject_from_folder=True).items
        summary = drain(import_photos(store, items, settings=settings, workers=workers))
    by_source = {p.path: p.face_count for p in store.photos()}
    store.close()
    counts: dict[str, int] = {}
    for link in (root / "known").iterdir():
        counts[link.name] = by_source.get(str(link.resolve()), MISSING)
    for link in (root / "unknown").iterdir():
        counts[link.name] = by_source.get(str(link.resolve()), MISSING)
    if summary.failed or summary.duplicates:
        print(f"  ours: failed {summary.failed}, duplicates {summary.duplicates}")
    return elapsed[0], counts


def run_theirs(root: Path, cpus: int) -> tuple[float, dict[str, int]]:
    """Seconds for the face_recognition CLI, and faces per file name (MANY for known 2+)."""
    command = [
        str(VENV_BIN / "face_recognition"),
        "--cpus",
        str(cpus),
        "--tolerance",
        "-1",
        str(root / "known"),
        str(root / "unknown"),
    ]
    # Unbuffered, or pool workers' last lines may be lost: the CLI exits without joining
    # them; their prints can then interleave mid-line, hence the regex rather than splitlines.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with stopwatch() as elapsed:
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    counts = {p.name: 1 for p in (root / "known").iterdir()}
    counts.update({p.name: MISSING for p in (root / "unknown").iterdir()})
    for line in done.stdout.splitlines():
        if line.startswith("WARNING: No faces found in "):
            counts[Path(line.split(" in ", 1)[1].rsplit(". ", 1)[0]).name] = 0
        elif line.startswith("WARNING: More than one face found in "):
            counts[Path(line.split(" in ", 1)[1].rsplit(". ", 1)[0]).name] = MANY
    unknown = re.escape(str(root / "unknown"))
    for path, verdict in re.findall(
        rf"{unknown}/([^/,\n]+),(unknown_person|no_persons_found)", done.stdout
    ):
        counts[path] = max(counts[path], 0) + (verdict == "unknown_person")
    return elapsed[0], counts


def compare(photos: list[Photo], ours: dict[str, int], theirs: dict[str, int]) -> list[str]:
    diffs = []
    for photo in photos:
        mine, other = ours[photo.name], theirs[photo.name]
        same = mine >= 2 if other == MANY else mine == other
        if not same:
            shown = {MANY: "2+", MISSING: "nothing printed"}.get(other, str(other))
            rel = photo.source.relative_to(photo.source.parents[1])
            ours_shown = "not stored" if mine == MISSING else str(mine)
            diffs.append(
                f"  {photo.folder}/{photo.name} ({rel}): ours {ours_shown}, theirs {shown}"
            )
    return diffs


def profile(photos: list[Photo], settings: EngineSettings, limit: int) -> None:
    """cProfile one process over the photos: ours (analyse_item) and face_recognition's calls."""
    import numpy as np
    from PIL import Image

    from rekog_desktop.core.gallery.importer import ImportItem

    engine = create_engine(settings)
    with stopwatch() as startup:
        subprocess.run([sys.executable, "-c", "import rekog_desktop.core.gallery.importer, dlib"])
    with stopwatch() as first:
        analyse_item(ImportItem(photos[0].source, None), engine)  # loads the models
    with stopwatch() as again:
        analyse_item(ImportItem(photos[0].source, None), engine)
    print(f"process start-up (interpreter + imports): {startup[0]:.2f} s per worker")
    print(f"model loading (first photo minus second): {first[0] - again[0]:.2f} s per process")

    prof = cProfile.Profile()
    with stopwatch() as ours:
        prof.enable()
        for photo in photos:
            analyse_item(ImportItem(photo.source, None), engine)
        prof.disable()
    _print_profile("ours: analyse_item, one process", prof, ours[0], len(photos), limit)

    import face_recognition  # loads its models at import time

    prof = cProfile.Profile()
    with stopwatch() as theirs:
        prof.enable()
        for photo in photos:
            image = face_recognition.load_image_file(str(photo.source))
            if photo.folder == "unknown" and max(image.shape) > 1600:
                pil = Image.fromarray(image)
                pil.thumbnail((1600, 1600), Image.LANCZOS)
                image = np.array(pil)
            face_recognition.face_encodings(image)
        prof.disable()
    _print_profile("theirs: CLI's calls, one process", prof, theirs[0], len(photos), limit)


def _print_profile(title: str, prof: cProfile.Profile, total: float, n: int, limit: int) -> None:
    print(f"\n{title}: {total:.2f} s for {n} photos = {total / n * 1000:.0f} ms/photo")
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    rows = []
    for (file, line, func), (_, calls, tottime, _cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = func if file == "~" else f"{Path(file).name}:{line}({func})"
        rows.append((tottime, calls, where))
    rows.sort(reverse=True)
    print(
        table(
            ["self time", "calls", "share", "ms/photo", "function"],
            [
                (f"{t:.2f} s", c, f"{t / total:.0%}", f"{t / n * 1000:.1f}", w)
                for t, c, w in rows[:limit]
            ],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lfw", type=int, default=0, help="add N random lfw_dev photos")
    parser.add_argument("--seed", type=int, default=0, help="seed for the lfw sample")
    parser.add_argument(
        "--special", action="store_true", help="add _group, _noface, _edgecases to unknown/"
    )
    parser.add_argument("--workers", type=int, default=None, help="our import processes")
    parser.add_argument("--cpus", type=int, default=2, help="face_recognition --cpus")
    parser.add_argument("--detector", choices=["hog", "cnn"], default="hog")
    parser.add_argument("--detect-max-side", type=int, default=EngineSettings.detect_max_side)
    parser.add_argument("--upsample", type=int, default=EngineSettings.upsample)
    parser.add_argument(
        "--try",
        dest="variants",
        action="append",
        default=[],
        metavar="MAX_SIDE:UPSAMPLE[:UPSAMPLE_MAX_SIDE]",
        help="also time ours with these settings in the same round (repeatable)",
    )
    parser.add_argument(
        "--upsample-max-side",
        type=int,
        default=ENROL_SETTINGS.upsample_max_side,
        help="upsample only detection images up to this side (0: always)",
    )
    parser.add_argument(
        "--five-point",
        action="store_true",
        help="also time the 5-point, no-mirror encoder (face_recognition's, our default before "
        "issue 6) in the same round",
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat everything N times")
    parser.add_argument("--skip-cli", action="store_true", help="time ours only")
    parser.add_argument("--profile", action="store_true", help="cProfile ours and theirs")
    parser.add_argument("--profile-rows", type=int, default=12)
    args = parser.parse_args()

    base = replace(
        ENROL_SETTINGS,
        detector=args.detector,
        detect_max_side=args.detect_max_side,
        upsample=args.upsample,
        upsample_max_side=args.upsample_max_side,
    )
    variants = [base]
    for text in args.variants:
        side, up, *up_max = text.split(":")
        variants.append(
            replace(
                base,
                detect_max_side=int(side),
                upsample=int(up),
                upsample_max_side=int(up_max[0]) if up_max else 0,
            )
        )
    if args.five_point:
        variants.append(replace(base, align_landmarks=5, mirror=False))
    photos = choose_photos(data_root(), args.lfw, args.seed, args.special)
    known = sum(p.folder == "known" for p in photos)
    print(
        f"{len(photos)} photos ({known} known/, {len(photos) - known} unknown/), "
        f"{os.cpu_count()} cores, detector {args.detector}, load average {_load()}"
    )
    if args.profile:
        profile(photos, base, args.profile_rows)
        return

    rows: list[list[object]] = []
    diffs: dict[str, list[str]] = {}
    for round_no in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="rekog-bench-ingest-") as tmp:
            root = Path(tmp)
            lay_out(root, photos)
            results = []
            for settings in variants:
                sub = root / (
                    f"{settings.detect_max_side}-{settings.upsample}-{settings.upsample_max_side}"
                    f"-{settings.align_landmarks}{'m' if settings.mirror else ''}"
                )
                sub.mkdir()
                (sub / "known").symlink_to(root / "known")
                (sub / "unknown").symlink_to(root / "unknown")
                results.append((settings, *run_ours(sub, settings, args.workers)))
            if not args.skip_cli:
                their_s, theirs = run_theirs(root, args.cpus)
                rows.append(
                    [
                        round_no,
                        "face_recognition CLI",
                        f"{their_s:.1f}",
                        _rate(photos, their_s),
                        "1.00x",
                        "",
                        _faces(theirs),
                    ]
                )
            for settings, our_s, ours in results:
                name = (
                    f"ours max_side={settings.detect_max_side} upsample={settings.upsample}"
                    f" up_max={settings.upsample_max_side}"
                    f" align={settings.align_landmarks}{' mirror' if settings.mirror else ''}"
                )
                row: list[object] = [round_no, name, f"{our_s:.1f}", _rate(photos, our_s)]
                if args.skip_cli:
                    row += ["", "", _faces(ours)]
                else:
                    diffs[name] = compare(photos, ours, theirs)
                    same = len(photos) - len(diffs[name])
                    row += [f"{their_s / our_s:.2f}x", f"{same}/{len(photos)}", _faces(ours)]
                rows.append(row)
        print(f"  round {round_no} done, load average {_load()}")
    header = ["round", "run", "seconds", "photos/s", "speed vs CLI", "same count", "faces"]
    print(table(header, rows))
    for name, lines in diffs.items():
        if lines:
            print(f"{name}: face counts differing from the CLI (last round)")
            print("\n".join(lines))
    if any(diffs.values()) or not diffs:
        print("(faces: the CLI's known/ 'more than one face' counted as 2)")


def _rate(photos: list[Photo], seconds: float) -> str:
    return f"{len(photos) / seconds:.2f}"


def _faces(counts: dict[str, int]) -> int:
    return sum(2 if c == MANY else max(c, 0) for c in counts.values())


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
