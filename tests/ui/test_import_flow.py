"""Importing by drag and drop: naming dialog, progress, cancel, summary, consistent store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ui_helpers import drop_paths

from rekog_desktop.core.audit.trail import list_events, verify_chain
from rekog_desktop.core.gallery.importer import ImportProgress
from rekog_desktop.core.gallery.store import GalleryStore


def _accept_options(qtbot, window, source: str = "UI test photos"):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: (
            window.gallery.options_dialog is not None and window.gallery.options_dialog.isVisible()
        ),
        timeout=5_000,
    )
    dialog = window.gallery.options_dialog
    dialog.source_edit.setText(source)
    dialog.buttons.accepted.emit()
    return dialog


def test_dropping_a_folder_imports_it_with_progress(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, faces_dir: Path
) -> None:
    window = make_window(empty_store, case=None)
    assert window.gallery_view.stack.currentWidget() is window.gallery_view.empty_hint
    steps: list[ImportProgress] = []
    window.gallery.import_progressed.connect(steps.append)
    drop_paths(window.gallery_view, [faces_dir / "joe_biden"])
    dialog = _accept_options(qtbot, window)
    assert dialog.from_folder.isChecked()  # a folder: subjects named after folders
    with qtbot.waitSignal(window.gallery.import_finished, timeout=120_000) as finished:
        pass
    summary = finished.args[0]
    assert summary is not None and summary.imported == 2
    assert [s.done for s in steps if s.status != "started"] == [1, 2]
    assert window.gallery.summary_dialog is not None
    qtbot.waitUntil(lambda: window.subjects.rowCount() == 1, timeout=10_000)
    subject = window.subjects.subject(0)
    assert (subject.name, subject.photos, subject.faces) == ("joe_biden", 2, 2)
    assert window.counts_label.text().startswith("1 subjects · 2 photos")
    with GalleryStore(empty_store) as store:
        (photo, _) = store.photos()
        assert photo.source == "UI test photos"
        assert photo.imported_by == window.cases.officer.name


def test_a_corrupt_file_in_an_import_is_reported_not_raised(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, faces_dir: Path, tmp_path: Path
) -> None:
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 300)
    good = sorted((faces_dir / "rose_leslie").iterdir())[0]
    window = make_window(empty_store, case=None)
    drop_paths(window.gallery_view, [corrupt, good])
    dialog = _accept_options(qtbot, window)
    assert dialog.one_subject.isChecked()  # files: one subject, named after their folder
    dialog.subject_edit.setText("Rose Leslie")
    with qtbot.waitSignal(window.gallery.import_finished, timeout=120_000) as finished:
        pass
    summary = finished.args[0]
    assert summary.imported == 1
    assert [p for p, _reason in summary.failed] == [str(corrupt)]
    rows = window.gallery.summary_dialog.rows
    assert any("broken.jpg" in path for path, _ in rows)


def test_cancel_stops_the_import_and_keeps_the_store_consistent(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "lfw"
    folder.mkdir()
    people = sorted(p for p in (data_dir / "lfw_dev").iterdir() if p.is_dir())
    for photo in [f for person in people[:40] for f in sorted(person.iterdir())[:1]]:
        (folder / photo.name).symlink_to(photo)
    total = len(list(folder.iterdir()))
    window = make_window(empty_store, case=None)
    steps: list[ImportProgress] = []
    window.gallery.import_progressed.connect(steps.append)
    drop_paths(window.gallery_view, [folder])
    _accept_options(qtbot, window)
    qtbot.waitUntil(lambda: len(steps) >= 3, timeout=120_000)
    progress = window.gallery.progress_dialog
    assert progress is not None and progress.isVisible()
    with qtbot.waitSignal(window.gallery.import_finished, timeout=120_000) as finished:
        progress.cancel_button.click()
    assert finished.args[0] is None  # cancelled
    assert window.gallery.import_job is None
    assert window.gallery.summary_dialog.windowTitle() == "Import cancelled"

    with GalleryStore(empty_store) as store:
        photos = store.photos()
        assert 0 < len(photos) < total
        for photo in photos:
            assert len(store.faces_of_photo(photo.id)) == photo.face_count
        assert verify_chain(store).ok
        events = list_events(store, event_type="import")
        assert events[-1].data["cancelled"] is True
        assert [e.data["final"] for e in events] == [False] * (len(events) - 1) + [True]
        assert sum(e.data["imported"] for e in events) == len(photos)
        named = {f["sha256"] for e in events for f in e.data["files"]}
        assert named == {p.sha256 for p in photos}
    with sqlite3.connect(empty_store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT count(*) FROM faces WHERE photo_id NOT IN (SELECT id FROM photos)"
        ).fetchone()[0]
        assert orphans == 0


def test_removing_a_subject_asks_first_then_updates_the_gallery(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path
) -> None:

    window = make_window(store_copy, case=None)
    before = window.subjects.rowCount()
    row = window.subjects.row_of(next(s.id for s in window.gallery.snapshot.subjects))
    subject = window.subjects.subject(row)
    window.gallery_view.select_subject(subject.id)
    qtbot.waitUntil(lambda: window.gallery_view.remove_subject_button.isEnabled(), timeout=5_000)
    window.gallery_view.remove_subject_button.click()
    dialog = window.gallery.erasure_dialog
    assert dialog is not None and subject.name in dialog.labelText()
    dialog.setTextValue("enrolled in error")
    with qtbot.waitSignal(window.gallery.gallery_loaded, timeout=20_000):
        dialog.accept()
    assert window.subjects.rowCount() == before - 1
    assert window.subjects.row_of(subject.id) == -1
    with GalleryStore(store_copy) as store:
        (event,) = list_events(store, event_type="subject_deleted")
        assert event.data["subject"] == subject.name
        assert event.data["reason"] == "enrolled in error"
        assert event.actor == window.cases.officer.name
