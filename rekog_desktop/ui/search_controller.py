"""SearchController: probe searches, candidate photos and decisions, all through the pool.

The probe flow: decode (picture shown), detect and measure faces (outlines shown), rank every
face against the gallery; the largest face's candidates are shown first and clicking another
face shows its own. Candidate photos load on a worker as the selection moves and are cached.

Signals:
    reason_requested(str, str): verdict and subject, a reason must be asked for.
    searched(object): a SearchOutcome arrived (the status bar, cases record it).
    message(str): a one-line status message.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from rekog_desktop.core.audit import os_user

from . import jobs
from .candidates.model import CandidateTableModel, DecisionMark
from .probe.model import ProbeModel
from .qt_images import DisplayImage
from .review.model import ReviewModel
from .workers import Job, WorkerPool

#: Candidate photos kept decoded, so moving up and down the list is instant.
PHOTO_CACHE_SIZE = 12


class SearchController(QObject):
    reason_requested = Signal(str, str)
    searched = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        pool: WorkerPool,
        store_path: Callable[[], str],
        probe: ProbeModel,
        candidates: CandidateTableModel,
        review: ReviewModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pool = pool
        self.store_path = store_path
        self.probe = probe
        self.candidates = candidates
        self.review = review
        self.top_k = 20
        self.tolerance = 0.6
        self.reviewer = os_user()
        self._search_job: Job | None = None
        self._photos: OrderedDict[str, DisplayImage] = OrderedDict()
        self._photo_jobs: dict[str, Job] = {}
        # Decisions per (probe SHA-256, face index): rank -> mark.
        self._decisions: dict[tuple[str, int], dict[int, DecisionMark]] = {}

    # -- probe ----------------------------------------------------------------------------

    def open_probe(self, path: str) -> Job:
        if self._search_job is not None:
            self._search_job.cancel()
        self.probe.start(path)
        self.candidates.set_search(None)
        self.review.set_probe(None, None, 0)
        self.review.set_candidate(None, None, None)
        store, top_k, tolerance = self.store_path(), self.top_k, self.tolerance
        job = self.pool.start(
            "Searching the probe",
            lambda: jobs.search_probe(store, path, top_k=top_k, tolerance=tolerance),
        )
        job.progressed.connect(lambda step: self._on_probe_step(job, step))
        job.succeeded.connect(lambda outcome: self._on_outcome(job, outcome))
        job.failed.connect(lambda text: self._on_probe_failed(job, text))
        self._search_job = job
        self.message.emit(f"Searching {self.probe.name}…")
        return job

    def _on_probe_step(self, job: Job, step: object) -> None:
        if job is not self._search_job:
            return
        if isinstance(step, jobs.ProbeLoaded):
            self.probe.set_display(step.display)
        elif isinstance(step, jobs.ProbeFacesFound):
            self.probe.set_faces(step.faces)

    def _on_outcome(self, job: Job | None, outcome: jobs.SearchOutcome) -> None:
        if job is not None and job is not self._search_job:
            return
        self.probe.set_outcome(outcome)
        faces = len(outcome.probe.faces)
        self.message.emit(
            f"{self.probe.name}: {faces} face(s) found" if faces else f"{self.probe.name}: no face"
        )
        self.searched.emit(outcome)

    def _on_probe_failed(self, job: Job, text: str) -> None:
        if job is not self._search_job:
            return
        self.probe.set_error(text)
        self.message.emit(text)

    def set_search_settings(self, top_k: int, tolerance: float) -> Job | None:
        """New top-K or tolerance: rank the measured faces again (no new detection)."""
        self.top_k, self.tolerance = top_k, tolerance
        outcome = self.probe.outcome
        if outcome is None:
            return None
        store = self.store_path()
        job = self.pool.call(
            "Ranking again",
            lambda: jobs.research_probe(
                store, outcome.probe, top_k=top_k, tolerance=tolerance, engine=outcome.engine
            ),
        )
        job.succeeded.connect(lambda result: self._on_outcome(None, result))
        job.failed.connect(self.message)
        return job

    # -- face and candidate ---------------------------------------------------------------

    def show_face(self, index: int) -> None:
        """The probe model chose a face: list its candidates, put it in the review."""
        outcome = self.probe.outcome
        search = self.probe.selected_search
        if outcome is None or search is None:
            return
        self.review.set_probe(self.probe.display, search.face, index + 1)
        self.review.set_candidate(None, None, None)
        decisions = self._decisions.get((outcome.probe.sha256, index), {})
        self.candidates.set_search(search, outcome.details, decisions)

    def show_candidate(self, row: int) -> None:
        if row < 0 or row >= self.candidates.rowCount():
            self.review.set_candidate(None, None, None)
            return
        cand = self.candidates.candidate(row)
        self.review.set_candidate(
            cand, self.candidates.detail(row), self.candidates.decision(cand.rank)
        )
        cached = self._photos.get(cand.photo_path)
        if cached is not None:
            self._photos.move_to_end(cand.photo_path)
            self.review.set_photo(cand.face_id, cached)
            return
        self._load_photo(cand.photo_path, cand.face_id)

    def _load_photo(self, path: str, face_id: int) -> None:
        if path in self._photo_jobs:
            job = self._photo_jobs[path]
        else:
            job = self.pool.call("Loading a gallery photo", lambda: jobs.load_photo(path))
            self._photo_jobs[path] = job
            job.succeeded.connect(lambda display: self._remember_photo(path, display))
            job.ended.connect(lambda: self._photo_jobs.pop(path, None))
        job.succeeded.connect(lambda display: self.review.set_photo(face_id, display))
        job.failed.connect(
            lambda text: self.review.set_photo(face_id, None, f"The photo cannot be shown: {text}")
        )

    def _remember_photo(self, path: str, display: DisplayImage) -> None:
        self._photos[path] = display
        while len(self._photos) > PHOTO_CACHE_SIZE:
            self._photos.popitem(last=False)

    # -- decisions ------------------------------------------------------------------------

    def decide(self, verdict: str) -> None:
        """A decision key or button: Accept asks for a reason first, the others are taken
        at once (a reason can still be given from the buttons' dialog later)."""
        cand = self.review.candidate
        if cand is None:
            return
        if verdict == "accept":
            self.reason_requested.emit(verdict, cand.subject)
        else:
            self.record(verdict, "")

    def record(self, verdict: str, reason: str) -> DecisionMark | None:
        cand = self.review.candidate
        outcome = self.probe.outcome
        if cand is None or outcome is None:
            return None
        mark = DecisionMark(
            verdict=verdict,
            reason=reason,
            reviewer=self.reviewer,
            decided_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        key = (outcome.probe.sha256, self.probe.selected)
        self._decisions.setdefault(key, {})[cand.rank] = mark
        self.candidates.set_decision(cand.rank, mark)
        self.review.set_decision(mark)
        self.message.emit(f"{verdict.capitalize()}: rank {cand.rank}, {cand.subject}")
        return mark
