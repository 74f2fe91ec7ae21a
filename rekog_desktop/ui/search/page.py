"""SearchPage: probe and candidates on the left, the side-by-side review on the right, plus the
review keys (A, R, I, Up, Down) that work wherever the focus is on this page.

Signals:
    decision_requested(str): a decision key or button (accept, reject, inconclusive).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from rekog_desktop.ui.review.model import ReviewModel
from rekog_desktop.ui.review.view import ReviewPanel
from rekog_desktop.ui.search.candidates_model import CandidateTableModel
from rekog_desktop.ui.search.candidates_view import CandidatePanel
from rekog_desktop.ui.search.probe_model import ProbeModel
from rekog_desktop.ui.search.probe_view import QWIDGETSIZE_MAX, ProbePanel

#: The probe pane's starting height; the rest of the column goes to the candidate list.
PROBE_HEIGHT = 320
#: On a short window the probe pane's share of the column's height (at most PROBE_HEIGHT).
PROBE_SHARE = 0.30


class SearchPage(QWidget):
    decision_requested = Signal(str)

    def __init__(
        self,
        probe: ProbeModel,
        candidates: CandidateTableModel,
        review: ReviewModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.probe_panel = ProbePanel(probe)
        self.candidate_panel = CandidatePanel(candidates)
        self.review_panel = ReviewPanel(review)

        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.setObjectName("searchLeftSplitter")
        self.left.setChildrenCollapsible(False)
        self.left.addWidget(self.probe_panel)
        self.left.addWidget(self.candidate_panel)
        # Extra height goes to the candidate list; the probe keeps what it needs.
        self.left.setStretchFactor(0, 0)
        self.left.setStretchFactor(1, 1)
        self.main = QSplitter(Qt.Orientation.Horizontal)
        self.main.setObjectName("searchMainSplitter")
        self.main.setChildrenCollapsible(False)
        self.main.addWidget(self.left)
        self.main.addWidget(self.review_panel)
        self.main.setStretchFactor(0, 0)
        self.main.setStretchFactor(1, 1)
        # The candidate list carries distance, est. FMR, quality and decision: it needs width.
        self.left.setMinimumWidth(440)
        self.review_panel.setMinimumWidth(520)
        self.main.setSizes([560, 1000])
        # The candidate list needs the height more than the probe.
        self.left.setSizes([PROBE_HEIGHT, 1000 - PROBE_HEIGHT])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.main)

        self.shortcuts: dict[str, QShortcut] = {}
        for key, verdict in (("A", "accept"), ("R", "reject"), ("I", "inconclusive")):
            self._shortcut(key, functools.partial(self._decide, verdict), verdict)
        self._shortcut("Up", lambda: self.candidate_panel.step_selection(-1), "up")
        self._shortcut("Down", lambda: self.candidate_panel.step_selection(1), "down")
        self.review_panel.decision_requested.connect(self.decision_requested)

    def set_clip_mode(self, active: bool) -> None:
        """A clip is shown (its panel sits between probe and candidates) or put away: the
        probe panel shrinks to its title line and the height it frees goes to the clip's strip
        and the candidate list (a splitter keeps pane sizes otherwise)."""
        self.probe_panel.set_compact(active)
        if self.left.count() < 3:
            return
        total = sum(self.left.sizes())
        if active:
            probe = self.probe_panel.maximumHeight()
            clip = (total - probe) * 9 // 20
            self.left.setSizes([probe, clip, total - probe - clip])
        else:
            self.left.setSizes([PROBE_HEIGHT, 0, total - PROBE_HEIGHT])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_probe()

    def fit_probe(self) -> None:
        """Give the probe pane what it needs and no more on a short window: at 1280x800 the
        candidate list keeps at least five rows with a quality warning shown (a fixed probe
        height left it two rows, one under a warning). A tall window keeps PROBE_HEIGHT."""
        if self.probe_panel.maximumHeight() < QWIDGETSIZE_MAX:
            return  # a clip is shown: the probe is already its title line
        sizes = self.left.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        needed = self.probe_panel.minimumSizeHint().height()
        probe = max(needed, min(PROBE_HEIGHT, int(total * PROBE_SHARE)))
        rest = total - probe - sum(sizes[1:-1])
        self.left.setSizes([probe, *sizes[1:-1], max(0, rest)])

    def _shortcut(self, key: str, slot: Callable[[], object], name: str) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        self.shortcuts[name] = shortcut

    def _decide(self, verdict: str) -> None:
        if self.review_panel.model.candidate is not None:
            self.decision_requested.emit(verdict)
