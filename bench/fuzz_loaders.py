"""Fuzz the image loader and the video reader with mutated real files; count crashes and hangs.

Seeds are real files from the shared test data: photos in the formats an evidence folder holds
(the JPEG as taken, plus PNG, GIF, TIFF, WebP and BMP made from a real photo) and a short MP4
cut from a real clip. Hypothesis draws, from a fixed seed, a seed file and a list of
mutations (bytes flipped, ranges overwritten, cut, repeated or inserted, the file truncated),
and each mutated file is given to `load_image` or to `VideoReader` (opened and every sampled
frame read) in a worker process with a per-input timeout:

- refused: a RekogError with its plain reason (UnreadableImage, UnsupportedVideo): correct;
- loaded: decoded (a mutation that left the file readable): correct;
- crash: any other exception, or the worker process dying (a segfault in a decoder);
- hang: no answer within --timeout-s (the worker is killed and restarted).

    uv run python bench/fuzz_loaders.py --examples 400 --seconds 600
    uv run python bench/fuzz_loaders.py --examples 30 --seed 1 --json    # one JSON line

Exit 0 when there were no crashes and no hangs, 1 otherwise (each listed with its input kind,
seed file and the exception).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# -- seeds -----------------------------------------------------------------------------------


def _image_seeds(data: Path) -> dict[str, bytes]:
    """A real photo as taken, and the same face re-encoded in each format the loader takes."""
    from PIL import Image

    photo = sorted((data / "faces" / "barack_obama").glob("*.jpg"))[0]
    seeds = {"jpeg": photo.read_bytes()}
    small = Image.open(photo).convert("RGB")
    small.thumbnail((96, 96))
    for name, fmt, extra in (
        ("png", "PNG", {}),
        ("gif", "GIF", {}),
        ("tiff", "TIFF", {"compression": "tiff_deflate"}),
        ("webp", "WEBP", {"quality": 70}),
        ("bmp", "BMP", {}),
        ("small_jpeg", "JPEG", {"quality": 80, "exif": b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"}),
    ):
        out = io.BytesIO()
        small.save(out, format=fmt, **extra)
        seeds[name] = out.getvalue()
    rgba = small.convert("RGBA")
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    seeds["png_rgba"] = out.getvalue()
    return seeds


def _video_seed(data: Path, folder: Path) -> bytes:
    """Two seconds of a real clip at 160 px wide, re-encoded as MP4 (small enough to mutate
    and decode hundreds of times)."""
    import cv2

    source = cv2.VideoCapture(str(data / "video" / "short_hamilton_clip.mp4"))
    fps = source.get(cv2.CAP_PROP_FPS) or 25.0
    target = folder / "seed.mp4"
    writer: Any = None
    for _ in range(int(fps * 2)):
        ok, frame = source.read()
        if not ok:
            break
        height, width = frame.shape[:2]
        size = (160, max(2, int(height * 160 / width) // 2 * 2))
        frame = cv2.resize(frame, size)
        if writer is None:
            writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        writer.write(frame)
    source.release()
    if writer is None:
        raise SystemExit("the seed clip could not be read")
    writer.release()
    return target.read_bytes()


# -- the worker: one loader call per input -----------------------------------------------------


def _worker(conn: Connection, folder: str) -> None:
    """Load each file sent; answer (outcome, detail). Runs in its own process, with warnings
    as errors (as the test suite runs): a warning escaping a loader is a crash too."""
    import warnings

    warnings.simplefilter("error")
    from rekog_desktop.core.common.errors import RekogError
    from rekog_desktop.core.faces.images import load_image
    from rekog_desktop.core.video.reader import VideoReader

    while True:
        job = conn.recv()
        if job is None:
            return
        kind, suffix, payload = job
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(payload)
        try:
            if kind == "image":
                load_image(path)
            else:
                with VideoReader(path) as reader:
                    for _frame in reader.sample(0.25):
                        pass
            conn.send(("loaded", ""))
        except RekogError as exc:
            conn.send(("refused", str(exc)[-120:]))
        except Exception as exc:
            last = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(last.filename).name}:{last.lineno}"
            conn.send(("crash", f"{type(exc).__name__}: {exc} at {where}"[:300]))


class Runner:
    """A worker process fed one input at a time, restarted after a hang or a crash of it."""

    def __init__(self, folder: Path, timeout_s: float) -> None:
        self.folder = folder
        self.timeout_s = timeout_s
        self._context = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self._context.Pipe()
        self.process = self._context.Process(
            target=_worker, args=(child, str(self.folder)), daemon=True
        )
        self.process.start()
        child.close()

    def _restart(self) -> None:
        self.process.kill()
        self.process.join(10)
        self._start()

    def run(self, kind: str, suffix: str, payload: bytes) -> tuple[str, str]:
        self.conn.send((kind, suffix, payload))
        # The first input also waits for the worker's imports (cv2, PIL, numpy).
        if not self.conn.poll(self.timeout_s):
            self._restart()
            return "hang", f"no answer within {self.timeout_s:g} s"
        try:
            return self.conn.recv()  # type: ignore[no-any-return]
        except EOFError:
            code = self.process.exitcode
            self._restart()
            return "crash", f"worker process died (exit code {code})"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


# -- mutations ---------------------------------------------------------------------------------


Mutation = tuple[int, float, float, bytes, bool]


def _mutate(data: bytes, ops: list[Mutation]) -> bytes:
    """Apply mutations given as (operation, position, length share, bytes, in the header):
    `in the header` puts the position in the first 1 KiB, where the parsers read sizes,
    counts and offsets."""
    buf = bytearray(data)
    for op, where, share, blob, header in ops:
        if not buf:
            break
        span = min(len(buf), 1024) if header else len(buf)
        pos = int(where * (span - 1))
        length = max(1, int(share * min(len(buf) - pos, 4096)))
        if op == 0:  # flip bits of one byte
            buf[pos] ^= blob[0] if blob and blob[0] else 0xFF
        elif op == 1:  # overwrite a range
            chunk = (blob or b"\x00") * (length // max(1, len(blob)) + 1)
            buf[pos : pos + length] = chunk[:length]
        elif op == 2:  # cut a range out
            del buf[pos : pos + length]
        elif op == 3:  # insert bytes
            buf[pos:pos] = blob
        elif op == 4:  # repeat a range
            buf[pos:pos] = buf[pos : pos + length]
        elif op == 5:  # truncate
            del buf[pos:]
        elif op == 6:  # a field set to an extreme value (sizes, counts, offsets)
            buf[pos : pos + 4] = (b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00", b"\xff\xff")[
                len(blob) % 3
            ]
    return bytes(buf)


@dataclass
class Tally:
    inputs: int = 0
    image_inputs: int = 0
    video_inputs: int = 0
    loaded: int = 0
    video_loaded: int = 0
    refused: int = 0
    crashes: int = 0
    hangs: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def fuzz(
    data: Path, *, examples: int, seconds: float, seed: int, timeout_s: float, video_share: float
) -> Tally:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="rekog-fuzz-") as tmp:
        folder = Path(tmp)
        images = _image_seeds(data)
        video = _video_seed(data, folder)
        names = sorted(images)
        runner = Runner(folder, timeout_s)
        started = time.monotonic()
        mutation = st.tuples(
            st.integers(0, 6),
            st.floats(0, 1, allow_nan=False),
            st.floats(0, 1, allow_nan=False),
            st.binary(min_size=1, max_size=16),
            st.booleans(),
        )

        @hypothesis_seed(seed)
        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            pick=st.floats(0, 1),
            image_index=st.integers(0, len(names) - 1),
            ops=st.lists(mutation, min_size=1, max_size=6),
        )
        def one(pick: float, image_index: int, ops: list[Mutation]) -> None:
            if time.monotonic() - started > seconds:
                return
            if pick < video_share:
                kind, seed_name, suffix, payload = "video", "mp4", ".mp4", _mutate(video, ops)
                tally.video_inputs += 1
            else:
                seed_name = names[image_index]
                kind, suffix = "image", ".jpg" if "jpeg" in seed_name else f".{seed_name[:4]}"
                payload = _mutate(images[seed_name], ops)
                tally.image_inputs += 1
            tally.inputs += 1
            outcome, detail = runner.run(kind, suffix, payload)
            if outcome == "loaded":
                tally.loaded += 1
                tally.video_loaded += kind == "video"
            elif outcome == "refused":
                tally.refused += 1
            else:
                tally.crashes += outcome == "crash"
                tally.hangs += outcome == "hang"
                tally.problems.append(
                    {"outcome": outcome, "kind": kind, "seed": seed_name, "detail": detail}
                )

        try:
            one()
        finally:
            runner.close()
        tally.seconds = time.monotonic() - started
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("REKOG_TEST_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--examples", type=int, default=300, help="Inputs to try at most.")
    parser.add_argument("--seconds", type=float, default=600.0, help="Stop after this long.")
    parser.add_argument("--seed", type=int, default=20261202, help="Hypothesis seed.")
    parser.add_argument("--timeout-s", type=float, default=30.0, help="Per-input hang limit.")
    parser.add_argument("--video-share", type=float, default=0.3, help="Share of video inputs.")
    parser.add_argument("--json", action="store_true", help="Print one JSON line.")
    args = parser.parse_args()
    if not (args.data / "faces").is_dir():
        print(f"real test data not found at {args.data} (set REKOG_TEST_DATA)", file=sys.stderr)
        return 2
    tally = fuzz(
        args.data,
        examples=args.examples,
        seconds=args.seconds,
        seed=args.seed,
        timeout_s=args.timeout_s,
        video_share=args.video_share,
    )
    result = {
        "inputs": tally.inputs,
        "image_inputs": tally.image_inputs,
        "video_inputs": tally.video_inputs,
        "loaded": tally.loaded,
        "video_loaded": tally.video_loaded,
        "refused": tally.refused,
        "crashes": tally.crashes,
        "hangs": tally.hangs,
        "seconds": round(tally.seconds, 1),
        "seed": args.seed,
        "problems": tally.problems,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key in ("inputs", "image_inputs", "video_inputs", "loaded", "video_loaded", "refused"):
            print(f"{key.replace('_', ' ')}: {result[key]}")
        print(f"crashes: {tally.crashes}\nhangs: {tally.hangs}\nseconds: {result['seconds']}")
        for problem in tally.problems:
            print(
                f"  {problem['outcome']} ({problem['kind']}, seed {problem['seed']}): "
                f"{problem['detail']}"
            )
    return 0 if tally.crashes == 0 and tally.hangs == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
