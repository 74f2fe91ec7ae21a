"""MainWindow: the gallery and search pages, menus, tool bar and status bar; all wiring of the
window's models, views and controllers sits in _connect_signals()."""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QWidget,
)

from rekog_desktop.core.cases.cases import Case
from rekog_desktop.core.cases.probes import ProbeType
from rekog_desktop.core.cases.users import Officer
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.faces.process import FaceProcess
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.cases.audit_model import AuditEventModel
from rekog_desktop.ui.cases.audit_view import AuditPage
from rekog_desktop.ui.cases.controller import CaseController
from rekog_desktop.ui.cases.jobs import AuditSnapshot
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.file_dialogs import file_dialog
from rekog_desktop.ui.common.settings import AppSettings
from rekog_desktop.ui.common.store_watch import StoreWatcher
from rekog_desktop.ui.common.workers import WorkerPool
from rekog_desktop.ui.gallery.controller import IMAGE_FILTER, GalleryController
from rekog_desktop.ui.gallery.photo_model import PhotoTileModel
from rekog_desktop.ui.gallery.subject_model import SubjectListModel
from rekog_desktop.ui.gallery.view import GalleryView
from rekog_desktop.ui.review.model import ReviewModel
from rekog_desktop.ui.review.reason_dialog import ReasonDialog
from rekog_desktop.ui.search import jobs
from rekog_desktop.ui.search.candidates_model import CandidateTableModel
from rekog_desktop.ui.search.controller import SearchController
from rekog_desktop.ui.search.page import SearchPage
from rekog_desktop.ui.search.probe_model import ProbeModel
from rekog_desktop.ui.shell.about import AboutDialog
from rekog_desktop.ui.shell.window_actions import WindowActions
from rekog_desktop.ui.video.controller import VideoController
from rekog_desktop.ui.video.jobs import VIDEO_SUFFIXES, is_video
from rekog_desktop.ui.video.model import TrackListModel
from rekog_desktop.ui.video.view import VideoPanel


class MainWindow(QMainWindow):
    """The officer's whole loop in one window. Owns the worker pool; closing the window
    cancels running jobs and waits for them."""

    def __init__(
        self,
        qsettings: QSettings,
        *,
        store_path: str | None = None,
        face_process: FaceProcess | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.qsettings = qsettings
        self.settings = AppSettings.load(qsettings)
        if store_path:
            self.settings.store_path = str(Path(store_path).expanduser().resolve())
        self.setWindowTitle("rekog-desktop")
        self.setMinimumSize(QSize(1100, 700))
        self.engine_description = "dlib ResNet face model (loading…)"

        self.pool = WorkerPool(self)
        #: The text of the last audit write that failed (shown once, in its own dialog).
        self._audit_failure = ""
        # Probe analysis runs in a helper process (see face_process.py); a caller may share one
        # between windows (the tests do), and then closes it itself.
        self._owns_face_process = face_process is None
        self.face_process = face_process or FaceProcess()
        self.subjects = SubjectListModel(self)
        self.photos = PhotoTileModel(self)
        self.probe = ProbeModel(self)
        self.candidates = CandidateTableModel(self)
        self.review = ReviewModel(self)
        self.audit_events = AuditEventModel(self)
        self.cases = CaseController(self.pool, self.store_path, self)
        self.gallery = GalleryController(
            self.pool, self.store_path, self.subjects, self.photos, self, self.cases.signed_in
        )
        self.search = SearchController(
            self.pool,
            self.store_path,
            lambda: (self.cases.case_number, self.cases.officer),
            self.probe,
            self.candidates,
            self.review,
            self,
            engines=self.face_process.engine,
        )
        self.search.settings = self.settings.search
        self.reason_dialog: ReasonDialog | None = None
        self.probe_dialog: QFileDialog | None = None
        self.quit_box: QMessageBox | None = None
        self._quit_confirmed = False
        self._probe_queue: list[str] = []
        # Writes come in bursts (a view per candidate moved over): verify once they settle.
        self._audit_timer = QTimer(self)
        self._audit_timer.setSingleShot(True)
        self._audit_timer.setInterval(400)

        self.store_watch = StoreWatcher(self)
        self.gallery_view = GalleryView(self.subjects, self.photos)
        self.search_page = SearchPage(self.probe, self.candidates, self.review)
        self.search_page.candidate_panel.set_settings(self.settings.search)
        self.tracks = TrackListModel(self)
        self.video_panel = VideoPanel(self.tracks)
        self.search_page.left.insertWidget(1, self.video_panel)
        self.video = VideoController(
            self.pool,
            self.store_path,
            self.search,
            self.probe,
            self.candidates,
            self.review,
            self.tracks,
            self.video_panel,
            self,
            engine=self.face_process.engine,
        )
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.gallery_view, theme.icon("gallery"), "Gallery")
        self.tabs.addTab(self.search_page, theme.icon("search"), "Search")
        self.audit_page = AuditPage(self.audit_events)
        self.tabs.addTab(self.audit_page, theme.icon("audit"), "Audit")
        self.setCentralWidget(self.tabs)
        self.commands = WindowActions(self)
        self._build_status_bar()
        self._connect_signals()
        self._restore_layout()
        self._open_store_checked(self.settings.store_path)
        self.pool.call("Loading the face models", self.face_process.warm_up).succeeded.connect(
            self._on_engine_ready
        )

    # -- building -------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.store_label = QLabel()
        self.store_label.setObjectName("muted")
        self.counts_label = QLabel()
        self.job_label = QLabel()
        self.job_bar = QProgressBar()
        self.job_bar.setRange(0, 0)
        self.job_bar.setFixedWidth(120)
        self.job_bar.setMaximumHeight(14)
        self.job_bar.setTextVisible(False)
        self.job_bar.hide()
        self.chain_label = QLabel()
        bar.addWidget(self.store_label, 1)
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.job_bar)
        bar.addPermanentWidget(self.counts_label)
        bar.addPermanentWidget(self.chain_label)

    def _connect_signals(self) -> None:
        # menus and tool bar
        self.commands.import_action.triggered.connect(lambda: self.gallery.request_import([]))
        self.commands.import_folder_action.triggered.connect(self.gallery.request_folder_import)
        self.commands.probe_action.triggered.connect(lambda: self.open_probe(""))
        self.commands.open_store_action.triggered.connect(self._on_open_store)
        self.commands.new_store_action.triggered.connect(self._on_new_store)
        self.commands.about_action.triggered.connect(self._on_about)
        self.commands.quit_action.triggered.connect(self.close)
        self.commands.gallery_tab_action.triggered.connect(lambda: self.tabs.setCurrentIndex(0))
        self.commands.search_tab_action.triggered.connect(lambda: self.tabs.setCurrentIndex(1))
        # gallery
        self.gallery_view.import_requested.connect(self.gallery.request_import)
        self.gallery_view.subject_opened.connect(self.gallery.open_subject)
        self.gallery_view.remove_photo_requested.connect(self.gallery.confirm_remove_photo)
        self.gallery_view.remove_subject_requested.connect(self.gallery.confirm_remove_subject)
        self.gallery_view.enrol_face_requested.connect(self.gallery.ask_enrol_face)
        self.gallery.gallery_loaded.connect(self._on_gallery_loaded)
        self.gallery.message.connect(self._show_message)
        # search
        probe_panel = self.search_page.probe_panel
        candidate_panel = self.search_page.candidate_panel
        probe_panel.probe_dropped.connect(self.open_probe)
        probe_panel.probe_type.currentIndexChanged.connect(
            lambda _i: setattr(
                self.search, "probe_type", ProbeType(probe_panel.probe_type.currentData())
            )
        )
        self.video.active_changed.connect(self.search_page.set_clip_mode)
        probe_panel.next_button.clicked.connect(lambda: self._next_probe())
        probe_panel.face_clicked.connect(self.probe.select)
        self.probe.face_selected.connect(self.search.show_face)
        self.candidates.modelReset.connect(lambda: candidate_panel.select_row(0))
        candidate_panel.candidate_selected.connect(self.search.show_candidate)
        candidate_panel.search_settings_changed.connect(self._on_search_settings)
        self.search_page.decision_requested.connect(self.search.decide)
        self.search.reason_requested.connect(self._ask_reason)
        self.search.message.connect(self._show_message)
        self.search.failed.connect(self._show_error)
        self.video.message.connect(self._show_message)
        self.search.decided.connect(lambda _d: self._audit_timer.start())
        self.search.recorded.connect(lambda _r: self._audit_timer.start())
        self.gallery.gallery_changed.connect(self._audit_timer.start)
        self.cases.case_changed.connect(lambda _c: self._audit_timer.start())
        self._audit_timer.timeout.connect(self._refresh_audit)
        # cases, reviewer, audit
        self.commands.audit_tab_action.triggered.connect(lambda: self.tabs.setCurrentIndex(2))
        self.commands.case_action.triggered.connect(lambda: self.cases.choose_case())
        self.commands.export_action.triggered.connect(self.cases.ask_export)
        self.commands.note_action.triggered.connect(self.cases.ask_note)
        self.commands.verify_action.triggered.connect(self.cases.start_verification)
        self.commands.close_case_action.triggered.connect(self.cases.ask_close)
        self.commands.purge_case_action.triggered.connect(self.cases.ask_purge)
        self.cases.changed.connect(self._audit_timer.start)
        self.commands.reviewer_action.triggered.connect(self.cases.choose_reviewer)
        self.cases.case_changed.connect(self._on_case_changed)
        self.cases.reviewer_changed.connect(self._on_reviewer_changed)
        self.cases.message.connect(self._show_message)
        self.cases.audit_loaded.connect(self._on_audit_loaded)
        self.cases.exported.connect(lambda _r: self._audit_timer.start())
        self.audit_page.refresh_requested.connect(self.cases.refresh_audit)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_audit_if_shown())
        # changes made by `rekog` or another window: re-read the gallery and the trail
        self.store_watch.store_changed.connect(self._on_store_changed_elsewhere)
        # jobs
        self.pool.jobs_changed.connect(self._on_jobs_changed)
        self.pool.audit_write_failed.connect(self._show_audit_failure)

    # -- store ----------------------------------------------------------------------------

    def store_path(self) -> str:
        return self.settings.store_path

    def _open_store_checked(self, path: str) -> None:
        """Open (creating if needed) and migrate the store on a worker, then show it."""
        job = self.pool.call("Opening the store", lambda: _touch_store(path))
        job.succeeded.connect(lambda resolved: self._on_store_ready(str(resolved)))
        job.failed.connect(self._on_store_failed)

    def _on_store_ready(self, path: str) -> None:
        self.settings.store_path = path
        self.settings.save(self.qsettings)
        self.store_label.setText(f"Store: {path}")
        self.store_label.setToolTip(path)
        self.setWindowTitle(f"rekog-desktop — {Path(path).name}")
        self.store_watch.watch(path)
        self.gallery.refresh()
        self.cases.start(self.settings.reviewer, self.settings.case_number)
        self.cases.refresh_audit()

    def _on_store_changed_elsewhere(self) -> None:
        if self.gallery.import_job is None:  # an import refreshes the gallery when it ends
            self.gallery.refresh()
        self._audit_timer.start()

    def _on_store_failed(self, text: str) -> None:
        self.store_label.setText("No usable store")
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open the store", text, parent=self)
        box.open()

    def _on_open_store(self) -> None:
        dialog = QFileDialog(self, "Open gallery store", str(Path(self.store_path()).parent))
        dialog.setNameFilter("Gallery stores (*.sqlite *.db);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.switch_store)
        dialog.open()

    def _on_new_store(self) -> None:
        dialog = QFileDialog(self, "New gallery store", str(Path(self.store_path()).parent))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Gallery stores (*.sqlite)")
        dialog.setDefaultSuffix("sqlite")
        dialog.fileSelected.connect(self.switch_store)
        dialog.open()

    def switch_store(self, path: str) -> None:
        if self.gallery.import_job is not None:
            self._show_message("Finish or cancel the import before switching stores.")
            return
        self.video.close()
        self.probe.clear()
        self.cases.set_case(None)
        self.candidates.set_search(None)
        self.review.set_probe(None, None, "")
        self.review.set_candidate(None, None, None)
        self.photos.reset()
        self._open_store_checked(path)

    def _on_gallery_loaded(self, snapshot: jobs.GallerySnapshot) -> None:
        counts = snapshot.counts
        self.counts_label.setText(
            f"{len(snapshot.subjects)} subjects · {counts['photos']} photos · "
            f"{counts['enrolled_faces']} enrolled faces"
        )

    # -- search ---------------------------------------------------------------------------

    def queue_probes(self, paths: list[str]) -> None:
        """Probes given on the command line: search the first, keep the rest one click away."""
        self._probe_queue = list(paths)
        self._next_probe(confirm=True)

    def _next_probe(self, *, confirm: bool = False) -> None:
        """`confirm`: ask for the case even with one open (probes from the command line are
        searched only once the officer has confirmed their case)."""
        if self._probe_queue:
            self.open_probe(self._probe_queue.pop(0), confirm=confirm)
        self.search_page.probe_panel.set_queue(len(self._probe_queue))

    def open_probe(self, path: str, *, confirm: bool = False) -> None:
        """Search a picture or scan a clip; with no path, ask for one."""
        if not path:
            videos = " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES))
            dialog = file_dialog(self, "Open probe", f"{IMAGE_FILTER};;Videos ({videos})")
            self.probe_dialog = dialog
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            dialog.fileSelected.connect(self.open_probe)
            dialog.open()
            return
        self.tabs.setCurrentWidget(self.search_page)
        if is_video(path):
            self.cases.with_case(lambda: self.video.open(path), confirm=confirm)
            return
        if self.video.active:
            self.video.close()
        self.cases.with_case(lambda: self.search.open_probe(path), confirm=confirm)

    def _on_search_settings(self, settings: SearchSettings) -> None:
        if settings == self.settings.search:
            return
        self.settings.search = settings
        self.settings.save(self.qsettings)
        self.search.set_search_settings(settings)
        if self.video.active:
            self.video.set_search_settings(settings)

    def _ask_reason(self, verdict: str, subject: str) -> None:
        self.reason_dialog = ReasonDialog(verdict, subject, self)
        dialog = self.reason_dialog
        dialog.accepted.connect(lambda: self.search.record(verdict, dialog.text()))
        dialog.open()

    # -- cases and audit --------------------------------------------------------------------

    def _on_case_changed(self, case: Case | None) -> None:
        for action in (
            self.commands.export_action,
            self.commands.note_action,
            self.commands.verify_action,
            self.commands.close_case_action,
        ):
            action.setEnabled(case is not None)
        self.commands.case_badge.setProperty("empty", case is None)
        if case is None:
            self.commands.case_badge.setText("No case")
            self.commands.case_badge.setToolTip(
                "Searches need an open case: you will be asked for one"
            )
        else:
            title = case.title if len(case.title) <= 40 else case.title[:39] + "…"
            self.commands.case_badge.setText(f"Case {case.number} · {title}")
            self.commands.case_badge.setToolTip(
                f"{case.title}\nPurpose: {case.purpose}\nLegal basis: {case.legal_basis}\n"
                f"Officer: {case.officer}\nOpened {case.opened_utc[:16].replace('T', ' ')} UTC"
            )
        self.commands.case_badge.style().unpolish(self.commands.case_badge)
        self.commands.case_badge.style().polish(self.commands.case_badge)
        self.settings.case_number = case.number if case is not None else ""
        self.settings.save(self.qsettings)

    def _on_reviewer_changed(self, user: Officer) -> None:
        self.commands.reviewer_action.setText(f"{user.name} ({user.role.value})")
        self.settings.reviewer = user.name
        self.settings.save(self.qsettings)

    def _refresh_audit_if_shown(self) -> None:
        if self.tabs.currentWidget() is self.audit_page:
            self._refresh_audit()

    def _refresh_audit(self) -> None:
        """Re-read the trail and re-verify the chain (status bar and audit page)."""
        self.cases.refresh_audit(*self.audit_page.filters())

    def _on_audit_loaded(self, snapshot: AuditSnapshot) -> None:
        self.audit_page.show_snapshot(snapshot)
        chain = snapshot.chain
        if chain.ok:
            self.chain_label.setText(f"Audit chain intact ({chain.events} events)")
            self.chain_label.setStyleSheet(f"color: {theme.ACCEPT};")
        else:
            self.chain_label.setText(f"Audit chain BROKEN at event {chain.first_bad_id}")
            self.chain_label.setStyleSheet(f"color: {theme.REJECT}; font-weight: 600;")

    def _show_audit_failure(self, text: str) -> None:
        """Whatever page the action came from: the officer must see that it is not on record."""
        self._audit_failure = text
        box = QMessageBox(QMessageBox.Icon.Critical, "Not recorded", text, parent=self)
        box.setObjectName("audit-write-failed")
        box.open()

    def _show_error(self, text: str) -> None:
        if text == self._audit_failure:
            self._show_message(text)  # its dialog is already open (_show_audit_failure)
            return
        self._show_message(text)
        QMessageBox(QMessageBox.Icon.Warning, "rekog-desktop", text, parent=self).open()

    # -- status ---------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _on_jobs_changed(self) -> None:
        running = self.pool.jobs
        if not running:
            self.job_label.setText("")
            self.job_bar.hide()
            return
        labels = list(dict.fromkeys(job.label for job in running))
        self.job_label.setText(
            labels[0] + (f" (+{len(labels) - 1} more)" if len(labels) > 1 else "")
        )
        self.job_bar.show()

    def _on_engine_ready(self, description: str) -> None:
        self.engine_description = description

    def _on_about(self) -> None:
        AboutDialog(self.engine_description, self).open()

    # -- layout persistence ---------------------------------------------------------------

    def _restore_layout(self) -> None:
        qs = self.qsettings
        geometry = qs.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 1000)
        for key, splitter in self._splitters().items():
            state = qs.value(f"window/{key}")
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        tab = qs.value("window/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.tabs.setCurrentIndex(int(tab))

    def _splitters(self) -> dict[str, QSplitter]:
        return {
            "gallery_splitter": self.gallery_view.splitter,
            "search_main": self.search_page.main,
            "search_left": self.search_page.left,
            "audit_splitter": self.audit_page.splitter,
        }

    def _ask_quit_during_import(self) -> None:
        if self.quit_box is not None and self.quit_box.isVisible():
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Quit during an import?",
            "An import is running. Quit and cancel it? The photos finished so far stay in "
            "the store; import the same folder again later to complete it.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        quit_button = box.addButton("Cancel import and quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        quit_button.clicked.connect(self._quit_after_import)
        self.quit_box = box
        box.open()

    def _quit_after_import(self) -> None:
        self._quit_confirmed = True
        job = self.gallery.import_job
        if job is None:
            self.close()
            return
        job.ended.connect(self.close)
        job.cancel()
        self._show_message("Cancelling the import, then quitting…")

    def save_layout(self) -> None:
        qs = self.qsettings
        qs.setValue("window/geometry", self.saveGeometry())
        for key, splitter in self._splitters().items():
            qs.setValue(f"window/{key}", splitter.saveState())
        qs.setValue("window/tab", self.tabs.currentIndex())
        self.settings.save(qs)

    def closeEvent(self, event: QCloseEvent) -> None:
        job = self.gallery.import_job
        if job is not None and not self._quit_confirmed:
            # Quitting cancels the import: ask first, and close once the job has stopped
            # (the photos finished before the cancel are stored, the rest untouched).
            event.ignore()
            self._ask_quit_during_import()
            return
        self.save_layout()
        self.store_watch.stop()
        self.pool.shutdown(60_000)
        if self._owns_face_process:
            self.face_process.close()
        super().closeEvent(event)


def _touch_store(path: str) -> Path:
    try:
        with GalleryStore(path) as store:
            return store.path
    except OSError as exc:
        raise RekogError(
            f"{path}: cannot create or open the store ({exc.strerror or exc})"
        ) from None
