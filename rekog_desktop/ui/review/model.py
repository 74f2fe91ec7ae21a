"""ReviewModel: the pair under review (probe face, candidate, their photos) and its decision.

Signals:
    probe_changed(): the probe face or its picture changed.
    candidate_changed(): another candidate, or its photo arrived (or failed to load).
    decision_changed(): the decision on the current candidate changed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from rekog_desktop.core.common.types import Face
from rekog_desktop.core.scoring.search import Candidate, FaceSearch
from rekog_desktop.ui.common.qt_images import DisplayImage
from rekog_desktop.ui.review.marks import CandidateDetail, DecisionMark


class ReviewModel(QObject):
    probe_changed = Signal()
    candidate_changed = Signal()
    decision_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.probe_display: DisplayImage | None = None
        self.probe_face: Face | None = None
        #: Which face of the probe is shown, as everywhere ("face 1", "track 3"; core face_label).
        self.probe_label = ""
        self.candidate: Candidate | None = None
        #: The search the candidate came from (its preset and estimates explain the numbers).
        self.search: FaceSearch | None = None
        self.detail: CandidateDetail | None = None
        self.display: DisplayImage | None = None
        self.error = ""
        self.decision: DecisionMark | None = None

    def set_probe(self, display: DisplayImage | None, face: Face | None, label: str) -> None:
        self.probe_display, self.probe_face, self.probe_label = display, face, label
        self.probe_changed.emit()

    def set_candidate(
        self,
        candidate: Candidate | None,
        detail: CandidateDetail | None,
        decision: DecisionMark | None,
        search: FaceSearch | None = None,
    ) -> None:
        self.candidate, self.detail, self.search = candidate, detail, search
        self.display, self.error = None, ""
        self.decision = decision
        self.candidate_changed.emit()
        self.decision_changed.emit()

    def set_photo(self, face_id: int, display: DisplayImage | None, error: str = "") -> None:
        """The candidate's photo arrived; ignored if the person has moved on meanwhile."""
        if self.candidate is None or self.candidate.face_id != face_id:
            return
        self.display, self.error = display, error
        self.candidate_changed.emit()

    def set_decision(self, decision: DecisionMark | None) -> None:
        self.decision = decision
        self.decision_changed.emit()
