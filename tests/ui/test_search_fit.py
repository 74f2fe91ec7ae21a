"""At 1280x800 the candidate list shows at least five whole rows with a quality warning shown,
and the texts cut to fit carry an ellipsis and their whole text in a tooltip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from rekog_desktop.ui.search.candidates_model import SUBJECT


def test_five_candidate_rows_under_a_warning_at_1280x800(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, faces_dir: Path
) -> None:
    window = make_window(store_copy)
    window.resize(1280, 800)
    window.open_probe(str(faces_dir / "_edgecases" / "obama_240p.jpg"))  # a small face
    qtbot.waitUntil(
        lambda: window.search.search_id() is not None and window.review.display is not None,
        timeout=60_000,
    )
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=30_000)
    qtbot.wait(100)
    assert window.size().width() == 1280 and window.size().height() == 800
    panel = window.search_page.candidate_panel
    probe = window.search_page.probe_panel
    assert panel.unreliable.isVisible() and probe.message.isVisible()  # warnings shown
    table = panel.table
    height = table.viewport().height()
    whole = [
        row
        for row in range(window.candidates.rowCount())
        if table.visualRect(window.candidates.index(row, 0)).top() >= 0
        and table.visualRect(window.candidates.index(row, 0)).bottom() <= height
    ]
    assert len(whole) >= 5, f"{len(whole)} whole rows in {height} px"
    # the warnings are shortened with a mark, never cut, and whole in the tooltip
    for bar in (panel.unreliable, probe.message):
        if bar.text() != bar.full_text():
            assert bar.text().endswith("…")
            assert bar.toolTip() == bar.full_text()
    summary = panel.summary
    assert summary.toolTip().startswith(summary.full_text().split(".")[0])
    if summary.is_elided():
        assert summary.text().endswith("…")
    # a subject cell is elided by the view and carries the whole name in its tooltip
    index = window.candidates.index(0, SUBJECT)
    name = window.candidates.data(index, Qt.ItemDataRole.DisplayRole)
    assert name in window.candidates.data(index, Qt.ItemDataRole.ToolTipRole)
    assert table.textElideMode() == Qt.TextElideMode.ElideRight
