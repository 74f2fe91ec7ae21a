"""The window notices what `rekog` does to its store in another process: the gallery and the
audit count follow without a restart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rekog_desktop.core.audit.trail import verify_chain
from rekog_desktop.core.gallery.store import GalleryStore


def test_an_import_by_rekog_shows_up_in_the_open_window(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, faces_dir: Path
) -> None:
    window = make_window(store_copy)
    qtbot.waitUntil(lambda: "events" in window.chain_label.text(), timeout=20_000)
    subjects_before = window.subjects.rowCount()
    events_before = window.chain_label.text()
    photo = sorted((faces_dir / "_edgecases").iterdir())[0]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from rekog_desktop.cli import main; sys.exit(main())",
            "--db",
            str(store_copy),
            "import",
            str(photo),
            "--subject",
            "Imported from the terminal",
            "--source",
            "watch test",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.subjects.rowCount() == subjects_before + 1, timeout=20_000)
    names = [window.subjects.subject(r).name for r in range(window.subjects.rowCount())]
    assert "Imported from the terminal" in names
    with GalleryStore(store_copy) as store:
        events = verify_chain(store).events
    qtbot.waitUntil(lambda: f"({events} events)" in window.chain_label.text(), timeout=20_000)
    assert window.chain_label.text() != events_before
