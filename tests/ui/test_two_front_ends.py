"""One workflow: the same probe searched and decided through the CLI and through the GUI
leaves the same rows (searches, candidates, decisions, audit event kinds), ids and times
aside."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from ui_helpers import CASE_NUMBER, copy_store, drop_paths, give_reason

from rekog_desktop.core.scoring.search import SearchSettings

REKOG = str(Path(sys.executable).with_name("rekog"))

#: Columns that differ between two runs by nature: ids, times; everything else must match.
_SEARCH_COLUMNS = (
    "kind, probe_path, probe_sha256, face_index, face_box, quality, probe_thumbnail, context, "
    "top_k, tolerance, preset, engine, engine_version, gallery_faces, within_tolerance, actor, "
    "os_user, never_enrolled_match, strict_threshold, gallery_subjects, fmr_floor"
)
_CANDIDATE_COLUMNS = (
    "rank, face_id, subject, photo_path, photo_sha256, box, distance, within_tolerance, "
    "est_fmr, thumbnail"
)


def _record(path: Path) -> dict[str, object]:
    with sqlite3.connect(path) as conn:
        return {
            "searches": conn.execute(
                f"SELECT {_SEARCH_COLUMNS} FROM searches ORDER BY id"
            ).fetchall(),
            "candidates": conn.execute(
                f"SELECT {_CANDIDATE_COLUMNS} FROM search_candidates ORDER BY search_id, rank"
            ).fetchall(),
            "decisions": conn.execute(
                "SELECT rank, verdict, reason, reviewer, os_user FROM decisions ORDER BY id"
            ).fetchall(),
            "users": conn.execute("SELECT name, role FROM users ORDER BY id").fetchall(),
            # The GUI also logs each candidate the officer looked at (the CLI prints the whole
            # list at once, recorded in the search event); every other kind must match.
            "events": [
                (kind, actor)
                for kind, actor in conn.execute("SELECT event_type, actor FROM audit ORDER BY id")
                if kind != "candidate_viewed"
            ],
        }


def _cli(store: Path, *args: str) -> str:
    result = subprocess.run(
        [REKOG, "--db", str(store), *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cli_and_gui_write_the_same_case_record(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    probe = held_out["barack_obama"]
    settings = SearchSettings()
    (tmp_path / "gui").mkdir()
    gui_store = copy_store(store_copy, tmp_path / "gui")
    cli_store = store_copy

    found = _cli(
        cli_store,
        "search",
        str(probe),
        "--case",
        CASE_NUMBER,
        "--face",
        "1",
        "--top",
        str(settings.top_k),
        "--tolerance",
        str(settings.tolerance),
        "--preset",
        settings.preset,
        "--json",
    )
    search_id = json.loads(found.splitlines()[-1])["faces"][0]["search_id"]
    _cli(
        cli_store,
        "decide",
        "--search",
        str(search_id),
        "--rank",
        "1",
        "--verdict",
        "accept",
        "--reason",
        "Same ear shape",
    )
    _cli(
        cli_store,
        "decide",
        "--search",
        str(search_id),
        "--rank",
        "2",
        "--verdict",
        "reject",
        "--reason",
        "Jaw differs",
    )

    window = make_window(gui_store)
    drop_paths(window.search_page.probe_panel, [probe])
    qtbot.waitUntil(lambda: window.search.search_id() is not None, timeout=60_000)
    table = window.search_page.candidate_panel.table
    table.setFocus()
    qtbot.waitUntil(lambda: window.review.candidate is not None, timeout=10_000)
    qtbot.keyClick(table, Qt.Key.Key_A)
    give_reason(qtbot, window, "Same ear shape")
    qtbot.waitUntil(lambda: window.candidates.decision(1) is not None, timeout=10_000)
    table.setFocus()  # the closed reason dialog gave the focus back to the window
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.review.candidate.rank == 2, timeout=10_000)
    window.search.decide("reject")  # what the Reject button calls
    give_reason(qtbot, window, "Jaw differs")
    qtbot.waitUntil(lambda: window.candidates.decision(2) is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=10_000)

    cli, gui = _record(cli_store), _record(gui_store)
    assert cli["searches"] and len(cli["candidates"]) == settings.top_k  # type: ignore[arg-type]
    for part in ("users", "searches", "candidates", "decisions", "events"):
        assert cli[part] == gui[part], part
