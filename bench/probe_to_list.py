"""Probe to candidates: a 1080p photo dropped on the real window, to the candidate list painted.

A 100k-face store is built (bench/search.py's executemany builder: the importer's schema, real
thumbnails, landmarks and quality, synthetic embeddings), an offscreen MainWindow (real Qt,
QT_QPA_PLATFORM=offscreen) opens it with a case, and each probe (a shared photo of one person
scaled onto a 1920x1080 canvas, one file per probe so each has its own SHA-256) is dropped on
the probe panel (its probe_dropped signal, what a drop emits). The clock stops at the first
paint of the candidate table's viewport that shows rows. The first probe also pays the first
matrix (from the vector file, or SQLite on a first open) and the int8 index; the p50 is over
the others. Goal (issue 15 item 4): p50 <= 1.5 s.

    uv run python bench/probe_to_list.py [--rows 100000] [--probes 6] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_root


def probes(folder: Path, count: int) -> list[Path]:
    """`count` 1920x1080 JPEGs, each a shared photo of a named person centred on a grey
    canvas at about 60% of its height (a face of ~200-300 px, as in a CCTV still)."""
    from PIL import Image

    sources = sorted((data_root() / "faces").glob("[!_]*/1.jpg"))
    made = []
    for i in range(count):
        photo = Image.open(sources[i % len(sources)]).convert("RGB")
        scale = 650 / photo.height
        photo = photo.resize((round(photo.width * scale), 650))
        canvas = Image.new("RGB", (1920, 1080), (90 + i, 90, 90))
        canvas.paste(photo, ((1920 - photo.width) // 2, (1080 - photo.height) // 2))
        path = folder / f"probe-{i}.jpg"
        canvas.save(path, quality=90)
        made.append(path)
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication
    from search import build_store

    from rekog_desktop.app import freeze_startup_objects
    from rekog_desktop.core.cases.cases import create_case
    from rekog_desktop.core.gallery.store import GalleryStore
    from rekog_desktop.ui.common.theme import apply_theme
    from rekog_desktop.ui.shell.main_window import MainWindow

    work = Path(tempfile.mkdtemp(prefix="rekog-probe-to-list-"))
    store = work / "gallery.sqlite"
    started = time.perf_counter()
    build_store(store, args.rows, np.random.default_rng(0))
    with GalleryStore(store) as s:
        create_case(
            s,
            number="B-1",
            title="bench",
            purpose="bench",
            legal_basis="bench",
            officer="bench",
            actor="bench",
        )
        s.embedding_matrix()  # as after an import: the vector file is beside the store
    print(f"store of {args.rows:,} faces built in {time.perf_counter() - started:.0f} s")
    files = probes(work, args.probes)

    app = QApplication([])
    apply_theme(app)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("review/case", "B-1")
    window = MainWindow(settings, store_path=str(store))
    window.resize(1600, 1000)
    window.show()
    freeze_startup_objects()
    panel = window.search_page.candidate_panel
    viewport = panel.table.viewport()

    class PaintWatch(QObject):
        """Notes when the candidate table is painted with rows in it."""

        painted_at = 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and window.candidates.rowCount() > 0:
                self.painted_at = self.painted_at or time.perf_counter()
            return False

    watch = PaintWatch()
    viewport.installEventFilter(watch)

    def run_until(done, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        while not done():
            app.processEvents()
            time.sleep(0.001)
            if time.perf_counter() - start > timeout_s:
                raise TimeoutError

    # Models loaded in the face process and the case open: the window as an officer finds it.
    run_until(lambda: window.cases.case is not None and not window.pool.jobs, 120)
    window.face_process.warm_up()
    times = []
    for path in files:
        window.candidates.set_search(None)
        run_until(lambda: not window.pool.jobs, 60)
        watch.painted_at = 0.0
        dropped = time.perf_counter()
        window.search_page.probe_panel.probe_dropped.emit(str(path))
        run_until(lambda: watch.painted_at > 0, 120)
        times.append(watch.painted_at - dropped)
        print(f"  {path.name}: {times[-1]:.2f} s, {window.candidates.rowCount()} candidates")
        run_until(lambda: not window.pool.jobs, 60)
    window.close()
    steady = times[1:] or times
    p50 = statistics.median(steady)
    print(
        f"drop to painted list, {args.rows:,}-face store, 1920x1080 probes: first {times[0]:.2f} s,"
        f" p50 of the next {len(steady)} {p50:.2f} s (max {max(steady):.2f} s); goal <= 1.5 s"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "probes": len(times),
                    "first_s": round(times[0], 3),
                    "p50_s": round(p50, 3),
                    "max_s": round(max(steady), 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
