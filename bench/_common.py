"""Helpers shared by the bench scripts: where the real data lives, timing, percentiles, tables."""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"

T = TypeVar("T")


def data_root() -> Path:
    """The shared real data (same override as the tests: REKOG_TEST_DATA)."""
    return Path(os.environ.get("REKOG_TEST_DATA", REPO.parent / "shared" / "data"))


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then t[0] is the elapsed wall time in seconds."""
    box = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def drain(run: Generator[object, None, T]) -> T:
    """Drive a generator to the end and return its return value (import_photos' summary)."""
    while True:
        try:
            next(run)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def percentiles_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    values = np.asarray(seconds) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain fixed-width table: numbers right-aligned, text left-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [_align(c, w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(parts))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _align(cell: str, width: int) -> str:
    numeric = cell[:1].isdigit() or (cell[:1] in "-+." and cell[1:2].isdigit())
    return cell.rjust(width) if numeric else cell.ljust(width)
