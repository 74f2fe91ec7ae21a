"""VerifyDialog: a second reviewer re-examines accepted pairs blind, then confirms or disputes.

Blind means the first reviewer's decision, reason and the distance are not shown: only the two
faces, side by side at the same size, zoom and pan in step, as in the review.

Signals:
    photos_wanted(int): show pair `index`: the owner loads both photos on a worker and calls
        show_photos().
    verdict_given(int, str, str): decision id, confirm or dispute, reason.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.cases.searches import BlindPair
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.qt_images import DisplayImage
from rekog_desktop.ui.common.widgets import ElidedLabel, MessageBar
from rekog_desktop.ui.review.canvas import ReviewCanvas

_SCENE_MARGIN = 400.0


class VerifyDialog(QDialog):
    photos_wanted = Signal(int)
    verdict_given = Signal(int, str, str)

    def __init__(self, pairs: list[BlindPair], reviewer: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Peer verification")
        self.setMinimumSize(820, 560)
        self.resize(1100, 720)
        self.pairs = pairs
        self.index = 0
        self.done_ids: set[int] = set()
        heading = QLabel(f"Blind verification by {reviewer}")
        heading.setObjectName("panelTitle")
        note = QLabel(
            "Another reviewer accepted each pair below as a lead. Their decision, reason and the "
            "distance are hidden: judge the two faces yourself. You cannot verify your own "
            "decisions."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.position = QLabel("")
        self.position.setObjectName("muted")
        self.probe_canvas = ReviewCanvas()
        self.candidate_canvas = ReviewCanvas()
        self.probe_caption = ElidedLabel("Probe")
        self.candidate_caption = ElidedLabel("Gallery photo")
        for caption in (self.probe_caption, self.candidate_caption):
            caption.setObjectName("muted")
        sides = QHBoxLayout()
        for caption, canvas in (
            (self.probe_caption, self.probe_canvas),
            (self.candidate_caption, self.candidate_canvas),
        ):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(canvas, 1)
            sides.addLayout(column, 1)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Your reason (required to dispute)")
        self.reason.setMaximumHeight(70)
        self.confirm_button = QPushButton(theme.icon("accept"), "Confirm")
        self.confirm_button.setToolTip("The two faces support the lead")
        self.confirm_button.setObjectName("acceptButton")
        self.dispute_button = QPushButton(theme.icon("reject"), "Dispute")
        self.dispute_button.setToolTip("The two faces do not support the lead (reason needed)")
        self.dispute_button.setObjectName("rejectButton")
        self.previous_button = QPushButton("Previous")
        self.next_button = QPushButton("Next")
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.dispute_button)
        self.status = MessageBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addWidget(self.position)
        layout.addLayout(sides, 1)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.probe_canvas.view_changed.connect(
            lambda: self.candidate_canvas.set_view(
                self.probe_canvas.zoom, self.probe_canvas.centre()
            )
        )
        self.candidate_canvas.view_changed.connect(
            lambda: self.probe_canvas.set_view(
                self.candidate_canvas.zoom, self.candidate_canvas.centre()
            )
        )
        self.previous_button.clicked.connect(lambda: self.show_pair(self.index - 1))
        self.next_button.clicked.connect(lambda: self.show_pair(self.index + 1))
        self.confirm_button.clicked.connect(lambda: self._give("confirm"))
        self.dispute_button.clicked.connect(lambda: self._give("dispute"))

    def start(self) -> None:
        if not self.pairs:
            self.position.setText("Nothing to verify in this case for you.")
            for button in (
                self.confirm_button,
                self.dispute_button,
                self.previous_button,
                self.next_button,
            ):
                button.setEnabled(False)
            self.probe_canvas.clear("No accepted pair waits for you")
            self.candidate_canvas.clear("")
            return
        self.show_pair(0)

    def show_pair(self, index: int) -> None:
        if not 0 <= index < len(self.pairs):
            return
        self.index = index
        pair = self.pairs[index]
        state = " (verified by you)" if pair.decision_id in self.done_ids else ""
        self.position.setText(f"Pair {index + 1} of {len(self.pairs)}{state}")
        frame = f" · frame {pair.frame} at {pair.timecode}" if pair.frame is not None else ""
        self.probe_caption.set_full_text(
            f"Probe · {pair.probe_face} · {Path(pair.probe_path).name}{frame}"
        )
        self.candidate_caption.set_full_text(
            f"Gallery · {pair.subject} · {Path(pair.candidate_photo).name}"
        )
        self.probe_canvas.clear("Loading…")
        self.candidate_canvas.clear("Loading…")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.pairs) - 1)
        done = pair.decision_id in self.done_ids
        self.confirm_button.setEnabled(not done)
        self.dispute_button.setEnabled(not done)
        self.reason.clear()
        self.photos_wanted.emit(index)

    def show_photos(
        self, index: int, probe: DisplayImage | None, candidate: DisplayImage | None, error: str
    ) -> None:
        if index != self.index:
            return
        pair = self.pairs[index]
        if probe is None or candidate is None:
            self.probe_canvas.clear(error)
            self.candidate_canvas.clear(error)
            return
        self.probe_canvas.show_face(probe, pair.probe_box, {})
        self.candidate_canvas.show_face(candidate, pair.candidate_box, {})
        rect = QRectF()
        for canvas in (self.probe_canvas, self.candidate_canvas):
            rect = rect.united(canvas.image_rect)
        rect = rect.adjusted(-_SCENE_MARGIN, -_SCENE_MARGIN, _SCENE_MARGIN, _SCENE_MARGIN)
        fit = self.probe_canvas.fit_rect_for_face()
        for canvas in (self.probe_canvas, self.candidate_canvas):
            canvas.scene().setSceneRect(rect)
            canvas.blockSignals(True)
            canvas.set_fit_rect(fit)
            canvas.blockSignals(False)

    def _give(self, verdict: str) -> None:
        reason = self.reason.toPlainText().strip()
        if verdict == "dispute" and not reason:
            self.status.show_message("Say why you dispute this pair.", "warning")
            self.reason.setFocus()
            return
        self.verdict_given.emit(self.pairs[self.index].decision_id, verdict, reason)

    def mark_done(self, decision_id: int, verdict: str) -> None:
        self.done_ids.add(decision_id)
        word = "Confirmed" if verdict == "confirm" else "Disputed"
        self.status.show_message(f"{word}; recorded in the case and the audit trail.", "good")
        if self.pairs[self.index].decision_id == decision_id:
            self.confirm_button.setEnabled(False)
            self.dispute_button.setEnabled(False)
            if self.index < len(self.pairs) - 1:
                self.show_pair(self.index + 1)
