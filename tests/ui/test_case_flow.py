"""Issue 4 end to end in the GUI: open a case, drop a probe, accept with a reason, browse the
audit trail, export the PDF case notes."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from ui_helpers import drop_paths

from rekog_desktop.core.audit.trail import list_events
from rekog_desktop.core.gallery.store import GalleryStore


def test_open_case_search_accept_audit_export(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    window = make_window(store_copy, case=None)
    # open a new case from the dialog the first probe brings up
    drop_paths(window.search_page.probe_panel, [held_out["kit_harington"]])
    qtbot.waitUntil(
        lambda: window.cases.case_dialog is not None and window.cases.case_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = window.cases.case_dialog
    dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)
    assert dialog.creating
    dialog.number.setText("2026-0417")
    dialog.title.setText("Phone snatch, Elm Street")
    dialog.purpose.setText("Theft")
    dialog.legal_basis.setText("Authorised by DI Test")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.search.search_id() is not None, timeout=60_000)
    assert window.cases.case_number == "2026-0417"
    assert window.commands.case_badge.text().startswith("Case 2026-0417")
    assert window.candidates.index(0, 2).data() == "kit_harington"

    window.activateWindow()  # the case dialog had the focus
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    table = window.search_page.candidate_panel.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A)
    qtbot.keyClicks(window.reason_dialog.reason, "Same jaw line and eyebrows")
    window.reason_dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.candidates.decision(1) is not None, timeout=10_000)

    # the audit page shows the chain intact and filters by event type
    with qtbot.waitSignal(window.cases.audit_loaded, timeout=10_000):
        window.tabs.setCurrentWidget(window.audit_page)
    assert "Chain intact" in window.audit_page.chain_label.text()
    types = [
        window.audit_page.type_filter.itemData(i)
        for i in range(window.audit_page.type_filter.count())
    ]
    assert {"search", "candidate_viewed", "decision", "case_opened"} <= set(types)
    window.audit_page.type_filter.setCurrentIndex(types.index("decision"))
    window.audit_page.request_refresh()
    qtbot.waitUntil(lambda: window.audit_events.rowCount() == 1, timeout=10_000)
    assert "Same jaw line" in window.audit_events.index(0, 5).data()

    target = tmp_path / "notes.pdf"
    with qtbot.waitSignal(window.cases.exported, timeout=120_000) as exported:
        window.cases.export("2026-0417", str(target))
    assert exported.args[0].path == target
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "2026-0417" in text
    assert "kit_harington" in text
    assert "Same jaw line and eyebrows" in text
    with GalleryStore(store_copy) as store:
        assert [e.event_type for e in list_events(store, case_number="2026-0417")][-1] == "export"
