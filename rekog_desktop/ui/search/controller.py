"""SearchController: probe searches, candidate photos, views and decisions, all on the pool.

The probe flow (core.workflow.search_probe, rule "the face chosen"): decode (picture shown),
detect and measure faces (outlines shown), rank every face against the gallery and record the
largest face's search in the case; the largest face's candidates are shown first. Clicking
another face shows its candidates and records its search. Every action is signed by the
officer signed in; with nobody signed in, nothing runs.
Candidate photos load on a worker as the selection moves and are cached; each candidate shown
is logged as viewed; decisions are written through core.cases.

Signals:
    reason_requested(str, str): verdict and subject, a reason must be asked for.
    searched(object): a SearchOutcome arrived.
    recorded(object): a SearchRecorded (a face search written into the case).
    decided(object): a core Decision was stored.
    message(str): a one-line status message.
    failed(str): an action was refused (case closed, auditor deciding...): show it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from rekog_desktop.core import workflow
from rekog_desktop.core.cases.decisions import Decision
from rekog_desktop.core.cases.probes import ProbeType
from rekog_desktop.core.cases.searches import face_label
from rekog_desktop.core.cases.users import Officer
from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.cases import jobs as case_jobs
from rekog_desktop.ui.common.qt_images import DisplayImage
from rekog_desktop.ui.common.workers import Job, WorkerPool
from rekog_desktop.ui.review.marks import DecisionMark
from rekog_desktop.ui.review.model import ReviewModel
from rekog_desktop.ui.search import jobs
from rekog_desktop.ui.search.candidates_model import CandidateTableModel
from rekog_desktop.ui.search.probe_model import ProbeModel

#: Candidate photos kept decoded, so moving up and down the list is instant.
PHOTO_CACHE_SIZE = 12

#: (case number or None, officer signed in or None) at the time of an action.
Context = Callable[[], tuple[str | None, Officer | None]]


def mark_of(decision: Decision) -> DecisionMark:
    return DecisionMark(
        verdict=decision.verdict.value,
        reason=decision.reason,
        reviewer=decision.reviewer,
        decided_utc=decision.created_utc,
        verification=decision.verification_status if decision.verdict.value == "accept" else "",
    )


def marks_of(recorded: case_jobs.SearchRecorded) -> dict[int, DecisionMark]:
    """Decisions of this search, plus 'rejected earlier' marks carried from earlier searches."""
    marks = {rank: DecisionMark("reject", "", "", earlier=True) for rank in recorded.rejected_ranks}
    marks.update({rank: mark_of(d) for rank, d in recorded.decisions.items()})
    return marks


class SearchController(QObject):
    reason_requested = Signal(str, str)
    searched = Signal(object)
    recorded = Signal(object)
    decided = Signal(object)
    message = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        pool: WorkerPool,
        store_path: Callable[[], str],
        context: Context,
        probe: ProbeModel,
        candidates: CandidateTableModel,
        review: ReviewModel,
        parent: QObject | None = None,
        *,
        engines: workflow.EngineFactory = create_engine,
    ) -> None:
        super().__init__(parent)
        self.engines = engines
        self.pool = pool
        self.store_path = store_path
        self.context = context
        self.probe = probe
        self.candidates = candidates
        self.review = review
        self.settings = SearchSettings()
        #: What the officer says the next probe is (the probe panel's choice).
        self.probe_type = ProbeType.PHOTO
        self._search_job: Job | None = None
        self._photos: OrderedDict[str, DisplayImage] = OrderedDict()
        self._photo_jobs: dict[str, Job] = {}
        #: Searches of the current outcome recorded in the case, by face index.
        self._recorded: dict[int, case_jobs.SearchRecorded] = {}
        self._recording: set[int] = set()
        self._last_view: tuple[int, int] | None = None
        #: While a video probe is shown, its controller says which recorded search is reviewed.
        self.external_search_id: Callable[[], int | None] | None = None

    # -- probe ----------------------------------------------------------------------------

    def acting(self) -> tuple[str, Officer] | None:
        """The case and officer to act with; None (and a message) when either is missing."""
        case_number, officer = self.context()
        if officer is None:
            self.failed.emit("Sign in first: every search and decision is signed by an officer.")
            return None
        if case_number is None:
            self.failed.emit("Choose a case first: every search is recorded in a case.")
            return None
        return case_number, officer

    def open_probe(self, path: str) -> Job | None:
        acting = self.acting()
        if acting is None:
            return None
        case_number, by = acting
        if self._search_job is not None:
            self._search_job.cancel()
        self.probe.start(path)
        self._recorded.clear()
        self._recording.clear()
        self.candidates.set_search(None)
        self.review.set_probe(None, None, "")
        self.review.set_candidate(None, None, None)
        store, settings, engines = self.store_path(), self.settings, self.engines
        probe_type = self.probe_type
        job = self.pool.start(
            "Searching the probe",
            lambda: jobs.search_probe(
                store,
                path,
                settings=settings,
                case_number=case_number,
                by=by,
                engines=engines,
                probe_type=probe_type,
            ),
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
        if isinstance(step, jobs.ProbeShown):
            self.probe.set_display(step.display)
        elif isinstance(step, workflow.ProbeFacesFound):
            self.probe.set_faces(step.faces)

    def _on_outcome(self, job: Job | None, outcome: jobs.SearchOutcome) -> None:
        if job is not None and job is not self._search_job:
            return
        self._recorded.clear()
        self._recording.clear()
        if outcome.recorded is not None:
            self._recorded[outcome.recorded.face_index] = outcome.recorded
            self.recorded.emit(outcome.recorded)
        self.probe.set_outcome(outcome)
        faces = len(outcome.probe.faces)
        self.message.emit(
            f"{self.probe.name}: {faces} face(s) found" if faces else f"{self.probe.name}: no face"
        )
        self.searched.emit(outcome)
        if outcome.settings != self.settings:
            self.set_search_settings(self.settings)  # chosen while the probe was measured

    def _on_probe_failed(self, job: Job, text: str) -> None:
        if job is not self._search_job:
            return
        if self.probe.path and text.startswith(self.probe.path):
            text = f"Cannot use {self.probe.name}" + text[len(self.probe.path) :]
        self.probe.set_error(text)
        self.message.emit(text)

    def set_search_settings(self, settings: SearchSettings) -> Job | None:
        """New top-K, tolerance or preset: rank the measured faces again (no new detection) and
        record the search of the face on screen."""
        self.settings = settings
        outcome = self.probe.outcome
        if outcome is None:
            return None
        acting = self.acting()
        if acting is None:
            return None
        _case, by = acting
        store, face_index = self.store_path(), max(0, self.probe.selected)
        job = self.pool.call(
            "Ranking again",
            lambda: jobs.rank_again(
                store, outcome, settings=settings, face_index=face_index, by=by
            ),
        )
        self._search_job = job
        job.succeeded.connect(lambda result: self._on_outcome(job, result))
        job.failed.connect(self.failed)
        return job

    # -- face and candidate ---------------------------------------------------------------

    def show_face(self, index: int) -> None:
        """The probe model chose a face: list its candidates, put it in the review, and record
        its search in the case if it was not yet."""
        outcome = self.probe.outcome
        search = self.probe.selected_search
        if outcome is None or search is None:
            return
        self.review.set_probe(self.probe.display, search.face, face_label("image", index))
        self.review.set_candidate(None, None, None)
        recorded = self._recorded.get(index)
        marks = marks_of(recorded) if recorded is not None else {}
        self.candidates.set_search(search, outcome.details, marks)
        if recorded is None:
            self._record_face(outcome, index)

    def _record_face(self, outcome: jobs.SearchOutcome, index: int) -> None:
        if index in self._recording:
            return
        acting = self.acting()
        if acting is None:
            return
        _case, by = acting
        self._recording.add(index)
        store = self.store_path()
        job = self.pool.call(
            "Recording the search",
            lambda: jobs.search_another_face(store, outcome, index, by=by),
        )
        job.succeeded.connect(lambda both: self._on_recorded(outcome, *both))
        job.failed.connect(self.failed)

    def _on_recorded(
        self,
        outcome: jobs.SearchOutcome,
        search: workflow.PictureSearch,
        recorded: case_jobs.SearchRecorded,
    ) -> None:
        if outcome is not self.probe.outcome:
            return
        # The workflow's record now holds this face too (re-ranks keep the rule).
        outcome.search = replace(
            outcome.search, recorded={**outcome.search.recorded, **search.recorded}
        )
        self._recording.discard(recorded.face_index)
        self._recorded[recorded.face_index] = recorded
        self.recorded.emit(recorded)
        if recorded.face_index == self.probe.selected:
            for rank, mark in marks_of(recorded).items():
                self.candidates.set_decision(rank, mark)
            self._log_view()

    def search_id(self) -> int | None:
        if self.external_search_id is not None:
            return self.external_search_id()
        recorded = self._recorded.get(self.probe.selected)
        return recorded.search_id if recorded is not None else None

    def show_candidate(self, row: int) -> None:
        if row < 0 or row >= self.candidates.rowCount():
            self.review.set_candidate(None, None, None)
            return
        cand = self.candidates.candidate(row)
        self.review.set_candidate(
            cand,
            self.candidates.detail(row),
            self.candidates.decision(cand.rank),
            self.candidates.search,
        )
        self._log_view()
        cached = self._photos.get(cand.photo_path)
        if cached is not None:
            self._photos.move_to_end(cand.photo_path)
            self.review.set_photo(cand.face_id, cached)
            return
        self._load_photo(cand.photo_path, cand.face_id)

    def _log_view(self) -> None:
        """Viewing a candidate is itself an auditable act (logged once per stay on it)."""
        cand, search_id = self.review.candidate, self.search_id()
        if cand is None or search_id is None or self._last_view == (search_id, cand.rank):
            return
        self._last_view = (search_id, cand.rank)
        store, (_case, by) = self.store_path(), self.context()
        if by is None:
            return
        rank = cand.rank
        job = self.pool.call(
            "Logging a view", lambda: case_jobs.view(store, search_id, rank, by=by)
        )
        # A view that could not be written to the trail is shown in a dialog, never only in
        # the status bar: the officer must know the record is incomplete.
        job.failed.connect(self.failed)

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
        """A decision key or button: every verdict asks for a reason first (required to
        accept; optional for Reject and Inconclusive unless the store policy requires it)."""
        cand = self.review.candidate
        if cand is None:
            return
        if self.search_id() is None:
            self.failed.emit("This search is not recorded in a case yet: wait a moment.")
            return
        self.reason_requested.emit(verdict, cand.subject)

    def record(self, verdict: str, reason: str) -> Job | None:
        cand, search_id = self.review.candidate, self.search_id()
        if cand is None or search_id is None:
            return None
        store, (_case, by) = self.store_path(), self.context()
        if by is None:
            self.failed.emit("Sign in first: every decision is signed by an officer.")
            return None
        rank, subject = cand.rank, cand.subject
        job = self.pool.call(
            "Saving the decision",
            lambda: case_jobs.decide(store, search_id, rank, verdict, reason, by=by),
        )
        job.succeeded.connect(lambda decision: self._on_decided(search_id, decision, subject))
        job.failed.connect(self.failed)
        return job

    def _on_decided(self, search_id: int, decision: Decision, subject: str) -> None:
        self.decided.emit(decision)
        if self.search_id() != search_id:
            return
        if self.external_search_id is None:
            recorded = self._recorded[self.probe.selected]
            decisions = {**recorded.decisions, decision.rank: decision}
            self._recorded[self.probe.selected] = case_jobs.SearchRecorded(
                recorded.face_index, recorded.search_id, decisions, recorded.rejected_ranks
            )
        mark = mark_of(decision)
        self.candidates.set_decision(decision.rank, mark)
        cand = self.review.candidate
        if cand is not None and cand.rank == decision.rank:
            self.review.set_decision(mark)
        self.message.emit(f"{mark.verdict.capitalize()}: rank {decision.rank}, {subject}")
