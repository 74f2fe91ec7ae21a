"""File dialogs start in the documents folder, a folder can be imported from the menu, and
quitting during an import asks first and cancels the job cleanly."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox

from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.ui.common.file_dialogs import documents_folder


def _expected_start() -> str:
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return docs if docs and Path(docs).is_dir() else str(Path.home())


def test_file_dialogs_start_in_the_documents_folder(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the working directory must never be where a dialog starts
    window = make_window(store_copy)
    assert documents_folder() == _expected_start()
    window.commands.export_action.trigger()
    window.commands.probe_action.trigger()
    window.commands.import_action.trigger()
    dialogs = (window.cases.export_dialog, window.probe_dialog, window.gallery.file_dialog)
    for dialog in dialogs:
        assert dialog is not None
        assert Path(dialog.directory().absolutePath()) == Path(_expected_start())
        assert Path(dialog.directory().absolutePath()) != Path(os.getcwd())
        dialog.reject()


def test_a_folder_chosen_from_the_menu_is_imported_one_subject_per_folder(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, faces_dir: Path
) -> None:
    window = make_window(empty_store, case=None)
    window.commands.import_folder_action.trigger()
    dialog = window.gallery.file_dialog
    assert dialog is not None and dialog.fileMode() == QFileDialog.FileMode.Directory
    dialog.fileSelected.emit(str(faces_dir / "rose_leslie"))
    qtbot.waitUntil(lambda: window.gallery.options_dialog is not None, timeout=5_000)
    options = window.gallery.options_dialog
    assert options.paths == [str(faces_dir / "rose_leslie")]
    assert options.from_folder.isChecked()
    options.source_edit.setText("menu folder import")
    with qtbot.waitSignal(window.gallery.import_finished, timeout=120_000) as finished:
        options.buttons.accepted.emit()
    assert finished.args[0] is not None and finished.args[0].imported == 2
    with GalleryStore(empty_store) as store:
        assert [s.name for s in store.subjects()] == ["rose_leslie"]


def _start_long_import(qtbot, window, data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "lfw"
    folder.mkdir()
    people = sorted(p for p in (data_dir / "lfw_dev").iterdir() if p.is_dir())
    for photo in [f for person in people[:40] for f in sorted(person.iterdir())[:1]]:
        (folder / photo.name).symlink_to(photo)
    window.gallery.request_import([str(folder)])
    qtbot.waitUntil(lambda: window.gallery.options_dialog is not None, timeout=5_000)
    options = window.gallery.options_dialog
    options.unassigned.setChecked(True)
    options.source_edit.setText("quit test")
    options.buttons.accepted.emit()
    qtbot.waitUntil(
        lambda: (
            window.gallery.progress_dialog is not None
            and window.gallery.progress_dialog.last is not None
        ),
        timeout=60_000,
    )


def test_quitting_during_an_import_asks_and_can_be_declined(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, data_dir: Path, tmp_path: Path
) -> None:
    window = make_window(empty_store, case=None)
    _start_long_import(qtbot, window, data_dir, tmp_path)
    assert not window.close()  # refused: a question instead
    assert window.isVisible() and window.quit_box is not None and window.quit_box.isVisible()
    window.quit_box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible() and window.gallery.import_job is not None
    assert not window.gallery.import_job.cancel_requested
    window.gallery.cancel_import()
    qtbot.waitUntil(lambda: window.gallery.import_job is None, timeout=60_000)


def test_quitting_during_an_import_cancels_it_then_closes(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, data_dir: Path, tmp_path: Path
) -> None:
    window = make_window(empty_store, case=None)
    _start_long_import(qtbot, window, data_dir, tmp_path)
    window.close()
    box = window.quit_box
    assert box is not None
    quit_button = next(b for b in box.buttons() if b.text() == "Cancel import and quit")
    quit_button.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert window.gallery.import_job is None
    with GalleryStore(empty_store) as store:
        photos = store.photos()
    assert 0 < len(photos) < 40  # cancelled part-way; what finished is stored
