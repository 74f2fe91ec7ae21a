"""A failed audit write is shown in a dialog, whichever page the action came from, and the
action is not saved (issue 10 item 5).

The fault is real: a trigger in the store file refuses every new audit row, as a full disk or
a store locked past its timeout would; nothing of our own code is replaced.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from ui_helpers import CASE_NUMBER, drop_paths

from rekog_desktop.core import workflow
from rekog_desktop.core.cases.users import sign_in
from rekog_desktop.core.common.errors import AuditWriteFailed
from rekog_desktop.core.gallery.store import GalleryStore


def _refuse_audit_rows(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_the_core_saves_nothing_when_its_event_cannot_be_written(store_copy: Path) -> None:
    with GalleryStore(store_copy) as store:
        me = sign_in(store, None, lambda _prompt: None)
    _refuse_audit_rows(store_copy)
    notes = _count(store_copy, "case_notes")
    with (
        GalleryStore(store_copy) as store,
        pytest.raises(AuditWriteFailed, match=r"disk is full.*not saved"),
    ):
        workflow.add_note(store, me, CASE_NUMBER, "written while the disk is full")
    assert _count(store_copy, "case_notes") == notes


def test_a_search_that_cannot_be_audited_opens_a_dialog(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    _refuse_audit_rows(store_copy)
    searches = _count(store_copy, "searches")
    drop_paths(window.search_page.probe_panel, [held_out["kit_harington"]])

    def dialog() -> QMessageBox | None:
        box = window.findChild(QMessageBox, "audit-write-failed")
        return box if box is not None and box.isVisible() else None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=60_000)
    box = dialog()
    assert box is not None
    assert "could not be written" in box.text() and "not saved" in box.text()
    # one dialog, not a second warning with the same words
    others = [b for b in window.findChildren(QMessageBox) if b.isVisible() and b is not box]
    assert not others
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=30_000)
    assert _count(store_copy, "searches") == searches
    box.close()
