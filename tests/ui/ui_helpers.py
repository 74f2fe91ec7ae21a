"""Helpers shared by the UI tests (imported by name: pytest puts tests/ui on sys.path)."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

#: The case tests/ui/conftest.py opens in every store copy.
CASE_NUMBER = "T-0001"


def copy_store(source: Path, target_dir: Path) -> Path:
    """A private copy of a store file (and its WAL, if any) to write into."""
    target = target_dir / "gallery.sqlite"
    for suffix in ("", "-wal"):
        src = Path(f"{source}{suffix}")
        if src.exists():
            shutil.copy2(src, Path(f"{target}{suffix}"))
    return target


def choose_preset(qtbot, window, preset: str, *, timeout: int = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Pick `preset` in the candidate panel and wait until the list shows it and a new search
    (another id than before) is recorded in the case."""
    before = window.search.search_id()
    panel = window.search_page.candidate_panel
    panel.preset.setCurrentIndex(panel.preset.findData(preset))
    qtbot.waitUntil(
        lambda: (
            window.candidates.search is not None
            and window.candidates.search.preset == preset
            and window.search.search_id() not in (None, before)
        ),
        timeout=timeout,
    )


def drop_paths(widget: QWidget, paths: list[Path]) -> None:
    """Drag file URLs onto `widget` as a file manager would: the drag must be accepted, then the
    drop is delivered. (QApplication drops a synthetic Drop with no drag in progress, so the
    drop goes to the widget's event() directly; the drag-enter goes through the application.)"""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPoint(widget.width() // 2, widget.height() // 2)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), f"{type(widget).__name__} refused the drag"
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    widget.event(drop)
    assert drop.isAccepted(), f"{type(widget).__name__} refused the drop"


def give_reason(qtbot, window, reason: str = "") -> None:  # type: ignore[no-untyped-def]
    """Answer the reason dialog every verdict opens (the reason may be empty but for Accept)."""
    qtbot.waitUntil(
        lambda: window.reason_dialog is not None and window.reason_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = window.reason_dialog
    if reason:
        qtbot.keyClicks(dialog.reason, reason)
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
