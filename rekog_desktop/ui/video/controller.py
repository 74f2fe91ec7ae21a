"""VideoController: a dropped clip is scanned on the pool; its tracks fill the strip as they
finish; choosing a track lists its candidates and puts its best shot in the review.

Decisions go through the SearchController exactly as for a picture: while a clip is shown, the
search controller asks this controller for the search id (the selected track's search,
recorded in the case when the clip has been read to its end).

Signals:
    message(str): a one-line status message.
    active_changed(bool): a clip is now shown (True) or put away (False).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from rekog_desktop.core.cases.decisions import Decision
from rekog_desktop.core.cases.searches import face_label
from rekog_desktop.core.faces.engine import EngineSettings, FaceEngine, create_engine
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.cases import jobs as case_jobs
from rekog_desktop.ui.common.qt_images import DisplayImage
from rekog_desktop.ui.common.workers import Job, WorkerPool
from rekog_desktop.ui.review.model import ReviewModel
from rekog_desktop.ui.search.candidates_model import CandidateTableModel
from rekog_desktop.ui.search.controller import SearchController, marks_of
from rekog_desktop.ui.search.probe_model import ProbeModel
from rekog_desktop.ui.video import jobs as video_jobs
from rekog_desktop.ui.video.model import TrackListModel
from rekog_desktop.ui.video.view import VideoPanel


class VideoController(QObject):
    message = Signal(str)
    active_changed = Signal(bool)

    def __init__(
        self,
        pool: WorkerPool,
        store_path: Callable[[], str],
        search: SearchController,
        probe: ProbeModel,
        candidates: CandidateTableModel,
        review: ReviewModel,
        tracks: TrackListModel,
        panel: VideoPanel,
        parent: QObject | None = None,
        *,
        engine: Callable[[EngineSettings], FaceEngine] | None = None,
    ) -> None:
        super().__init__(parent)
        #: Where the scan's face work runs (the app: its FaceProcess, so dlib never holds the
        #: GUI's GIL); default: the engine on the worker thread.
        self.engine = engine
        self.pool, self.store_path, self.search = pool, store_path, search
        self.probe, self.candidates, self.review = probe, candidates, review
        self.tracks, self.panel = tracks, panel
        self.path = ""
        self.job: Job | None = None
        self.outcome: video_jobs.VideoOutcome | None = None
        self.recorded: dict[int, case_jobs.SearchRecorded] = {}
        self.selected_track: int | None = None
        self._frames: dict[int, DisplayImage] = {}
        #: Settings the shown searches were ranked with, and any chosen since.
        self._ranked_with: SearchSettings | None = None
        self._wanted: SearchSettings | None = None
        panel.track_selected.connect(self.select_row)
        panel.cancel_requested.connect(self.cancel)
        search.decided.connect(self._on_decided)
        panel.hide()

    @property
    def active(self) -> bool:
        return bool(self.path)

    def open(self, path: str) -> Job | None:
        """Scan a clip (the case must be open already: the window asks first)."""
        acting = self.search.acting()
        if acting is None:
            return None
        case_number, by = acting
        self.cancel()
        self.path = path
        self.outcome, self.selected_track = None, None
        self.recorded.clear()
        self._frames.clear()
        self.search.external_search_id = self.search_id
        self.probe.clear()
        self.candidates.set_search(None)
        self.review.set_probe(None, None, "")
        self.review.set_candidate(None, None, None)
        self.tracks.clear()
        self.panel.show()
        self.panel.start(Path(path).name)
        self.active_changed.emit(True)
        store, settings = self.store_path(), self.search.settings
        self._ranked_with, self._wanted = settings, None
        engines = self.engine or create_engine
        job = self.pool.start(
            "Scanning the clip",
            lambda: video_jobs.scan_clip(
                store, path, settings=settings, case_number=case_number, by=by, engines=engines
            ),
        )
        job.progressed.connect(lambda step: self._on_step(job, step))
        job.succeeded.connect(lambda outcome: self._on_outcome(job, outcome))
        job.failed.connect(lambda text: self._on_failed(job, text))
        job.cancelled.connect(lambda: self._on_cancelled(job))
        self.job = job
        self.message.emit(f"Scanning {Path(path).name}…")
        return job

    def set_search_settings(self, settings: SearchSettings) -> Job | None:
        """New top-K, tolerance or preset while a clip is shown: rank its tracks again (no
        frame is read again) and record the new searches. During a scan or a ranking, the new
        settings wait for its end (it uses the settings it started with), then apply."""
        self._wanted = settings
        if self.outcome is None or self.job is not None or settings == self._ranked_with:
            return None
        acting = self.search.acting()
        if acting is None:
            return None
        _case, by = acting
        outcome, store = self.outcome, self.store_path()
        job = self.pool.call(
            "Ranking the tracks again",
            lambda: video_jobs.rank_clip_again(store, outcome, settings=settings, by=by),
        )
        self.job = job
        job.succeeded.connect(lambda result: self._on_reranked(job, result, settings))
        job.failed.connect(lambda text: self._on_failed(job, text))
        return job

    def _on_reranked(
        self, job: Job, outcome: video_jobs.VideoOutcome, used: SearchSettings
    ) -> None:
        if job is not self.job:
            return
        self.job, self.outcome, self._ranked_with = None, outcome, used
        self.recorded = dict(outcome.recorded)
        for recorded in self.recorded.values():
            self.search.recorded.emit(recorded)
        selected = self.selected_track
        self.tracks.replace_all(outcome.rows)
        row = self.tracks.row_of_track(selected) if selected is not None else -1
        if row >= 0:
            self.panel.select_row(row)  # the strip's selection shows the track's new list
        self.message.emit(f"{Path(self.path).name}: tracks ranked again")
        self._apply_wanted()

    def _apply_wanted(self) -> None:
        """Settings chosen while a scan or a ranking ran apply once it has ended."""
        if self._wanted is not None and self._wanted != self._ranked_with:
            self.set_search_settings(self._wanted)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def close(self) -> None:
        """A picture probe replaces the clip: stop scanning and hand decisions back."""
        self.cancel()
        self.job = None
        self.path = ""
        self.search.external_search_id = None
        self.tracks.clear()
        self.panel.hide()
        self.active_changed.emit(False)

    # -- job ------------------------------------------------------------------------------

    def _on_step(self, job: Job, step: video_jobs.VideoStep) -> None:
        if job is not self.job:
            return
        self.tracks.add(step.tracks)
        count = self.tracks.rowCount()
        self.panel.set_progress(
            step.frames_done,
            step.frames_total,
            f"{step.time_s:.1f} of {step.duration_s:.1f} s read · {count} track(s)",
        )
        if self.panel.selected_row() < 0 and count:
            self.panel.select_row(0)

    def _on_outcome(self, job: Job, outcome: video_jobs.VideoOutcome) -> None:
        if job is not self.job:
            return
        self.job, self.outcome = None, outcome
        self.recorded = dict(outcome.recorded)
        for recorded in self.recorded.values():
            self.search.recorded.emit(recorded)
        text = f"{Path(self.path).name}: {outcome.result.message}"
        if self.recorded:
            text += " · recorded in the case"
        self.panel.finish(text)
        self.message.emit(text)
        if self.selected_track is not None:
            self._show_marks(self.selected_track)
            self.search._log_view()
        self._apply_wanted()

    def _on_failed(self, job: Job, text: str) -> None:
        if job is not self.job:
            return
        self.job = None
        if text.startswith(self.path):
            text = f"Cannot use {Path(self.path).name}" + text[len(self.path) :]
        self.panel.finish(text)
        self.message.emit(text)

    def _on_cancelled(self, job: Job) -> None:
        if job is not self.job:
            return
        self.job = None
        self.panel.finish("Scan cancelled: nothing was recorded.")
        self.message.emit("Scan cancelled")

    # -- tracks ---------------------------------------------------------------------------

    def search_id(self) -> int | None:
        if self.selected_track is None:
            return None
        recorded = self.recorded.get(self.selected_track)
        return recorded.search_id if recorded is not None else None

    def select_row(self, row: int) -> None:
        if row < 0 or row >= self.tracks.rowCount():
            return
        track_row = self.tracks.row(row)
        self.selected_track = track_row.track_id
        item = track_row.item
        self.review.set_probe(None, None, "")
        self.review.set_candidate(None, None, None)
        recorded = self.recorded.get(track_row.track_id)
        self.candidates.set_search(
            item.search, track_row.details, marks_of(recorded) if recorded else {}
        )
        self._load_frame(track_row)

    def _show_marks(self, track_id: int) -> None:
        recorded = self.recorded.get(track_id)
        if recorded is None:
            return
        for rank, mark in marks_of(recorded).items():
            self.candidates.set_decision(rank, mark)

    def _load_frame(self, row: video_jobs.TrackRow) -> None:
        track = row.item.track
        cached = self._frames.get(track.id)
        if cached is not None:
            self._show_frame(track.id, cached)
            return
        path, index = self.path, track.best.frame_index
        sha = self.outcome.result.info.sha256 if self.outcome is not None else ""
        job = self.pool.call("Reading a frame", lambda: video_jobs.load_frame(path, index, sha))
        job.succeeded.connect(lambda display: self._on_frame(track.id, display))
        job.failed.connect(self.message)

    def _on_frame(self, track_id: int, display: DisplayImage) -> None:
        self._frames[track_id] = display
        if track_id == self.selected_track:
            self._show_frame(track_id, display)

    def _show_frame(self, track_id: int, display: DisplayImage) -> None:
        row = self.tracks.row_of_track(track_id)
        if row < 0:
            return
        best = self.tracks.row(row).item.track.best
        self.panel.show_frame(display, best.face.box)
        self.review.set_probe(display, best.face, face_label("video", track_id))

    def _on_decided(self, decision: Decision) -> None:
        for track_id, recorded in self.recorded.items():
            if recorded.search_id == decision.search_id:
                decisions = {**recorded.decisions, decision.rank: decision}
                self.recorded[track_id] = case_jobs.SearchRecorded(
                    recorded.face_index, recorded.search_id, decisions, recorded.rejected_ranks
                )
