"""ReviewPanel: probe face and candidate photo side by side, zoom and pan in step, decide.

Signals:
    decision_requested(str): accept, reject or inconclusive pressed (or its key).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.scoring.wording import candidate_line
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.widgets import ElidedLabel, MessageBar, Panel
from rekog_desktop.ui.review.canvas import ReviewCanvas
from rekog_desktop.ui.review.marks import VERDICT_WORDS
from rekog_desktop.ui.review.model import ReviewModel

#: Extra scene room around both photos so either can be panned to its edges.
_SCENE_MARGIN = 400.0


class ReviewPanel(Panel):
    decision_requested = Signal(str)

    def __init__(self, model: ReviewModel, parent: QWidget | None = None) -> None:
        super().__init__("Side-by-side review", parent)
        self.model = model
        self.probe_canvas = ReviewCanvas()
        self.candidate_canvas = ReviewCanvas()
        self.probe_caption = ElidedLabel("Probe")
        self.candidate_caption = ElidedLabel("Candidate")
        for caption in (self.probe_caption, self.candidate_caption):
            caption.setObjectName("muted")

        self.zoom_in = self._tool("zoom-in", "Zoom in (both sides)")
        self.zoom_out = self._tool("zoom-out", "Zoom out (both sides)")
        self.zoom_fit = self._tool("zoom-fit", "Fit the faces")
        self.landmarks = self._tool("landmarks", "Show the 68 landmarks the model measured")
        self.landmarks.setCheckable(True)
        for tool in (self.zoom_in, self.zoom_out, self.zoom_fit, self.landmarks):
            self.header.addWidget(tool)

        sides = QHBoxLayout()
        sides.setSpacing(8)
        for caption, canvas in (
            (self.probe_caption, self.probe_canvas),
            (self.candidate_caption, self.candidate_canvas),
        ):
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(caption)
            column.addWidget(canvas, 1)
            sides.addLayout(column, 1)

        self.scale_note = QLabel(
            "Same face size on both sides (eye distance matched); wheel zooms and drag pans "
            "both. Keys: A accept · R reject · I inconclusive · ↑ ↓ next candidate"
        )
        self.scale_note.setObjectName("hint")
        self.scale_note.setWordWrap(True)

        self.accept_button = QPushButton(theme.icon("accept"), "Accept  (A)")
        self.accept_button.setObjectName("acceptButton")
        self.accept_button.setToolTip("This candidate is a lead worth following: a reason is asked")
        self.reject_button = QPushButton(theme.icon("reject"), "Reject  (R)")
        self.reject_button.setObjectName("rejectButton")
        self.reject_button.setToolTip("Not this person")
        self.inconclusive_button = QPushButton(theme.icon("inconclusive"), "Inconclusive  (I)")
        self.inconclusive_button.setObjectName("inconclusiveButton")
        self.inconclusive_button.setToolTip("Cannot tell from these pictures")
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (self.accept_button, self.reject_button, self.inconclusive_button):
            button.setMinimumHeight(34)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button, 1)
        self.decision = MessageBar()

        self.body.addLayout(sides, 1)
        self.body.addWidget(self.scale_note)
        self.body.addLayout(buttons)
        self.body.addWidget(self.decision)
        self._connect_signals()
        self._on_probe()
        self._on_candidate()

    def _tool(self, icon: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(theme.icon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    def _connect_signals(self) -> None:
        self.zoom_in.clicked.connect(self.probe_canvas.zoom_in)
        self.zoom_out.clicked.connect(self.probe_canvas.zoom_out)
        self.zoom_fit.clicked.connect(self.fit)
        self.landmarks.toggled.connect(self._on_landmarks)
        self.probe_canvas.view_changed.connect(
            lambda: self._follow(self.probe_canvas, self.candidate_canvas)
        )
        self.candidate_canvas.view_changed.connect(
            lambda: self._follow(self.candidate_canvas, self.probe_canvas)
        )
        self.accept_button.clicked.connect(lambda: self.decision_requested.emit("accept"))
        self.reject_button.clicked.connect(lambda: self.decision_requested.emit("reject"))
        self.inconclusive_button.clicked.connect(
            lambda: self.decision_requested.emit("inconclusive")
        )
        self.model.probe_changed.connect(self._on_probe)
        self.model.candidate_changed.connect(self._on_candidate)
        self.model.decision_changed.connect(self._on_decision)

    # -- model -> view --------------------------------------------------------------------

    def _on_probe(self) -> None:
        display, face = self.model.probe_display, self.model.probe_face
        if display is None or face is None:
            self.probe_canvas.clear("No probe face yet")
            self.probe_caption.set_full_text("Probe")
        else:
            self.probe_canvas.show_face(display, face.box, face.landmarks)
            self.probe_caption.set_full_text(
                f"Probe · {self.model.probe_label} · {Path(display.path).name}"
            )
        self._on_landmarks(self.landmarks.isChecked())
        self._rescene()

    def _on_candidate(self) -> None:
        candidate = self.model.candidate
        for button in (self.accept_button, self.reject_button, self.inconclusive_button):
            button.setEnabled(candidate is not None)
        if candidate is None:
            self.candidate_canvas.clear("Select a candidate to compare")
            self.candidate_caption.set_full_text("Candidate")
            self.set_subtitle("")
            self._rescene()
            return
        numbers = (
            candidate_line(self.model.search, candidate)
            if self.model.search is not None
            else f"distance {candidate.distance:.3f}"
        )
        self.candidate_caption.set_full_text(
            f"Candidate {candidate.rank} · {candidate.subject} · {numbers} · "
            f"{Path(candidate.photo_path).name}"
        )
        self.set_subtitle(f"rank {candidate.rank}: {candidate.subject}")
        if self.model.display is None:
            self.candidate_canvas.clear(self.model.error or "Loading the gallery photo…")
        else:
            detail = self.model.detail
            landmarks = detail.landmarks if detail is not None else {}
            self.candidate_canvas.show_face(self.model.display, candidate.box, landmarks)
        self._on_landmarks(self.landmarks.isChecked())
        self._rescene()

    def _on_decision(self) -> None:
        mark = self.model.decision
        if self.model.candidate is None:
            self.decision.clear_message()
            return
        if mark is None:
            self.decision.show_message("Not decided yet.", "info")
            return
        word = VERDICT_WORDS.get(mark.verdict, mark.verdict)
        when = f" at {mark.decided_utc[:16].replace('T', ' ')} UTC" if mark.decided_utc else ""
        earlier = " (in an earlier search of this probe)" if mark.earlier else ""
        reason = f": {mark.reason}" if mark.reason else ""
        kind = {"accept": "good", "reject": "warning"}.get(mark.verdict, "info")
        self.decision.show_message(f"{word} by {mark.reviewer}{when}{earlier}{reason}", kind)

    # -- zoom and pan ---------------------------------------------------------------------

    def fit(self) -> None:
        rect = self.probe_canvas.fit_rect_for_face()
        if rect.isEmpty():
            rect = self.candidate_canvas.fit_rect_for_face()
        for canvas in (self.probe_canvas, self.candidate_canvas):
            canvas.blockSignals(True)
            canvas.set_fit_rect(rect if not rect.isEmpty() else None)
            canvas.blockSignals(False)
        self._follow(self.probe_canvas, self.candidate_canvas)

    def _rescene(self) -> None:
        """Give both scenes the same extent so a scene point can be centred on either."""
        rect = QRectF()
        for canvas in (self.probe_canvas, self.candidate_canvas):
            if not canvas.image_rect.isEmpty():
                rect = rect.united(canvas.image_rect)
        if rect.isEmpty():
            rect = QRectF(-300, -300, 600, 600)
        rect = rect.adjusted(-_SCENE_MARGIN, -_SCENE_MARGIN, _SCENE_MARGIN, _SCENE_MARGIN)
        for canvas in (self.probe_canvas, self.candidate_canvas):
            canvas.scene().setSceneRect(rect)
        if self.probe_canvas.auto_fit:
            self.fit()
        else:  # keep the examiner's zoom and place while moving between candidates
            self._follow(self.probe_canvas, self.candidate_canvas)

    def _follow(self, leader: ReviewCanvas, follower: ReviewCanvas) -> None:
        follower.set_view(leader.zoom, leader.centre())

    def _on_landmarks(self, visible: bool) -> None:
        self.probe_canvas.set_landmarks_visible(visible)
        self.candidate_canvas.set_landmarks_visible(visible)
