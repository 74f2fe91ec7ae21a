"""GalleryController: gallery jobs (load, import, remove, enrol) and the dialogs around them.

Signals:
    gallery_loaded(object): a GallerySnapshot was read (the status bar shows its counts).
    gallery_changed(): the store's content changed (import, removal, enrolment).
    import_progressed(object): an ImportProgress step of the running import.
    import_finished(object): the ImportSummary, or None when cancelled.
    message(str): a one-line status message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from rekog_desktop.core.cases.users import Officer
from rekog_desktop.core.faces.images import IMAGE_SUFFIXES
from rekog_desktop.core.gallery.importer import ImportProgress, ImportSummary
from rekog_desktop.core.workflow import ImportScanned
from rekog_desktop.ui.common.file_dialogs import file_dialog
from rekog_desktop.ui.common.workers import Job, WorkerPool
from rekog_desktop.ui.gallery.import_dialogs import (
    ImportOptionsDialog,
    ImportProgressDialog,
    ImportSummaryDialog,
)
from rekog_desktop.ui.gallery.photo_model import PhotoTileModel
from rekog_desktop.ui.gallery.subject_model import AWAITING_ID, UNASSIGNED_ID, SubjectListModel
from rekog_desktop.ui.search import jobs

IMAGE_FILTER = "Images ({})".format(" ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)))


class GalleryController(QObject):
    gallery_loaded = Signal(object)
    gallery_changed = Signal()
    import_progressed = Signal(object)
    import_finished = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        pool: WorkerPool,
        store_path: Callable[[], str],
        subjects: SubjectListModel,
        photos: PhotoTileModel,
        window: QWidget,
        officer: Callable[[], Officer | None] = lambda: None,
    ) -> None:
        super().__init__(window)
        #: The officer signing each change (None: nobody signed in; the change is refused).
        self.officer = officer
        self.pool = pool
        self.store_path = store_path
        self.subjects = subjects
        self.photos = photos
        self.window = window
        self.snapshot: jobs.GallerySnapshot | None = None
        self.import_job: Job | None = None
        self._finished_summary: tuple[ImportSummary | None] | None = None
        self.progress_dialog: ImportProgressDialog | None = None
        self.options_dialog: ImportOptionsDialog | None = None
        self.summary_dialog: ImportSummaryDialog | None = None
        self.erasure_dialog: QInputDialog | None = None
        self.enrol_dialog: QInputDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self._tiles_job: Job | None = None
        self._subject: int | None = None
        self._import_total = 0

    # -- reading --------------------------------------------------------------------------

    def refresh(self) -> Job:
        path = self.store_path()
        job = self.pool.call("Reading the gallery", lambda: jobs.load_gallery(path))
        job.succeeded.connect(self._on_gallery)
        job.failed.connect(self.message)
        return job

    def _on_gallery(self, snapshot: jobs.GallerySnapshot) -> None:
        self.snapshot = snapshot
        self.subjects.set_snapshot(snapshot)
        self.gallery_loaded.emit(snapshot)

    def open_subject(self, subject_id: int) -> None:
        if self._tiles_job is not None:
            self._tiles_job.cancel()
        self._subject = subject_id
        load_id = self.photos.reset()
        path = self.store_path()
        wanted = None if subject_id in (UNASSIGNED_ID, AWAITING_ID) else subject_id
        awaiting = subject_id == AWAITING_ID
        job = self.pool.start(
            "Loading photos",
            lambda: jobs.load_photo_tiles(path, wanted, awaiting_assignment=awaiting),
        )
        job.progressed.connect(lambda tile: self.photos.append(load_id, tile))
        job.failed.connect(self.message)
        self._tiles_job = job

    # -- import ---------------------------------------------------------------------------

    def request_import(self, paths: list[str]) -> None:
        """Ask how to file the photos (choosing files first when none were dropped)."""
        if self.import_job is not None:
            self.message.emit("An import is already running; wait for it or cancel it.")
            return
        if not paths:
            dialog = file_dialog(self.window, "Import photos", IMAGE_FILTER)
            self.file_dialog = dialog
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            dialog.filesSelected.connect(lambda files: self.request_import(list(files)))
            dialog.open()
            return
        options = ImportOptionsDialog(paths, self.window)
        self.options_dialog = options
        options.accepted.connect(lambda: self.start_import(options.request()))
        options.open()

    def request_folder_import(self) -> None:
        """Choose a folder (the file dialog picks files only): its photos, and those of its
        subfolders, go through the same options dialog as a dropped folder."""
        if self.import_job is not None:
            self.message.emit("An import is already running; wait for it or cancel it.")
            return
        dialog = file_dialog(self.window, "Import a folder of photos")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda folder: self.request_import([folder]))
        self.file_dialog = dialog
        dialog.open()

    def start_import(self, request: jobs.ImportRequest) -> Job | None:
        path, by = self.store_path(), self.officer()
        if by is None:
            return None
        self.progress_dialog = ImportProgressDialog(self.window)
        job = self.pool.start(
            f"Importing from {len(request.paths)} location(s)",
            lambda: jobs.import_files(path, request, by=by),
        )
        self.import_job = job
        self.progress_dialog.cancel_requested.connect(job.cancel)
        job.progressed.connect(self._on_import_progress)
        job.succeeded.connect(self._on_import_done)
        job.cancelled.connect(lambda: self._on_import_done(None))
        job.failed.connect(self._on_import_failed)
        job.ended.connect(self._on_import_ended)
        self.progress_dialog.show()
        return job

    def _on_import_progress(self, step: object) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        if isinstance(step, ImportScanned):
            self._import_total = step.files
            dialog.on_scanned(step.files)
            dialog.skipped.extend(step.missing)
            dialog.skipped.extend(step.skipped)
        elif isinstance(step, ImportProgress):
            dialog.on_progress(step)
            self.import_progressed.emit(step)
            self.message.emit(f"Importing: {step.done} of {step.total}")

    def _on_import_done(self, summary: ImportSummary | None) -> None:
        dialog = self.progress_dialog
        skipped = dialog.skipped if dialog is not None else []
        last = dialog.last if dialog is not None else None
        self.summary_dialog = ImportSummaryDialog(
            summary,
            skipped,
            cancelled=summary is None,
            done=last.done if last else 0,
            total=last.total if last else self._import_total,
            parent=self.window,
        )
        self.summary_dialog.open()
        if summary is None:
            self.message.emit("Import cancelled; the photos finished before it are stored.")
        else:
            self.message.emit(f"Imported {summary.imported} photo(s), {summary.faces} face(s).")
        # Announced from _on_import_ended, once the job is over and forgotten.
        self._finished_summary = (summary,)

    def _on_import_failed(self, text: str) -> None:
        self._show_error("Import stopped", text)

    def _on_import_ended(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.hide()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self.import_job = None
        self.gallery_changed.emit()
        self.refresh()
        finished, self._finished_summary = self._finished_summary, None
        if finished is not None:
            self.import_finished.emit(finished[0])

    def cancel_import(self) -> None:
        if self.import_job is not None:
            self.import_job.cancel()

    # -- removal and enrolment ------------------------------------------------------------

    def confirm_remove_photo(self, photo_id: int, name: str) -> None:
        self._ask_erasure(
            "Remove photo",
            f"Erase {name}, its faces and thumbnails from the gallery? The file itself is not "
            "deleted. Why? (the reason goes into the audit receipt)",
            lambda reason: self._run_change(
                "Removing a photo", jobs.delete_photo, photo_id, reason
            ),
        )

    def confirm_remove_subject(self, subject_id: int, name: str) -> None:
        self._ask_erasure(
            "Remove subject",
            f"Erase {name}, all of their photos, faces and thumbnails from the gallery? The "
            "files themselves are not deleted. Why? (the reason goes into the audit receipt)",
            lambda reason: self._run_change(
                "Removing a subject", jobs.delete_subject, subject_id, reason
            ),
        )

    def ask_enrol_face(self, photo_id: int, number: int) -> None:
        dialog = QInputDialog(self.window)
        self.enrol_dialog = dialog
        dialog.setWindowTitle("Enrol face")
        dialog.setLabelText(f"File face {number} of this photo under which subject?")
        dialog.setTextValue("")
        tile_faces = [
            self.photos.tile(r).faces
            for r in range(self.photos.rowCount())
            if self.photos.tile(r).photo.id == photo_id
        ]
        if not tile_faces or not 0 < number <= len(tile_faces[0]):
            return
        face_id = tile_faces[0][number - 1].id

        def enrol(name: str) -> None:
            if name.strip():
                self._run_change("Enrolling a face", jobs.assign_face, face_id, name.strip())

        dialog.textValueSelected.connect(enrol)
        dialog.open()

    def _run_change(self, label: str, function: Callable[..., object], *args: object) -> Job | None:
        """Run a gallery change signed by the officer (the job's last argument)."""
        path, by = self.store_path(), self.officer()
        if by is None:
            return None
        job = self.pool.call(label, lambda: function(path, *args, by))
        job.failed.connect(lambda text: self._show_error(label, text))
        job.succeeded.connect(lambda _r: self.gallery_changed.emit())
        job.succeeded.connect(lambda _r: self.refresh())
        job.succeeded.connect(lambda _r: self._reload_subject())
        return job

    def _reload_subject(self) -> None:
        if self._subject is not None:
            self.open_subject(self._subject)

    def _ask_erasure(self, title: str, text: str, erase: Callable[[str], object]) -> None:
        """Ask why before erasing; an empty reason or Cancel erases nothing."""
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(title)
        dialog.setLabelText(text)
        dialog.setOkButtonText("Erase")
        dialog.textValueSelected.connect(lambda reason: erase(reason) if reason.strip() else None)
        self.erasure_dialog = dialog
        dialog.open()

    def _show_error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.window)
        box.open()
        self.message.emit(text)
