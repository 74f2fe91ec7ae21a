"""CandidateTableModel: ranked gallery faces for one probe face, with the decisions taken.

Signals:
    decisions_changed(): a decision was set (the review shows it, the list marks it).
"""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap

from rekog_desktop.core.scoring.search import Candidate, FaceSearch
from rekog_desktop.core.scoring.wording import (
    FMR_DEFINITION,
    PHOTO_DISTANCE_DEFINITION,
    SUBJECT_DISTANCE_DEFINITION,
    candidate_line,
    fmr_tooltip,
    one_in,
)
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.review.marks import VERDICT_WORDS, CandidateDetail, DecisionMark

Index = QModelIndex | QPersistentModelIndex

CandidateRole = Qt.ItemDataRole.UserRole + 1
DetailRole = Qt.ItemDataRole.UserRole + 2
DecisionRole = Qt.ItemDataRole.UserRole + 3

COLUMNS = ("#", "Face", "Subject", "Distance", "Est. FMR", "Quality", "Decision")
RANK, FACE, SUBJECT, DISTANCE, FMR, QUALITY, DECISION = range(len(COLUMNS))
THUMB_SIDE = 32

VERDICT_COLOURS = {
    "accept": theme.ACCEPT,
    "reject": theme.REJECT,
    "inconclusive": theme.INCONCLUSIVE,
}


class CandidateTableModel(QAbstractTableModel):
    decisions_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.search: FaceSearch | None = None
        self._details: dict[int, CandidateDetail] = {}
        self._decisions: dict[int, DecisionMark] = {}
        self._pixmaps: dict[int, QPixmap] = {}

    # -- content --------------------------------------------------------------------------

    def set_search(
        self,
        search: FaceSearch | None,
        details: dict[int, CandidateDetail] | None = None,
        decisions: dict[int, DecisionMark] | None = None,
    ) -> None:
        self.beginResetModel()
        self.search = search
        self._details = dict(details or {})
        self._decisions = dict(decisions or {})
        self._pixmaps.clear()
        self.endResetModel()
        self.decisions_changed.emit()

    def candidate(self, row: int) -> Candidate:
        assert self.search is not None
        return self.search.candidates[row]

    def detail(self, row: int) -> CandidateDetail | None:
        return self._details.get(self.candidate(row).face_id)

    def decision(self, rank: int) -> DecisionMark | None:
        return self._decisions.get(rank)

    def set_decision(self, rank: int, mark: DecisionMark) -> None:
        self._decisions[rank] = mark
        row = rank - 1
        if 0 <= row < self.rowCount():
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.decisions_changed.emit()

    @property
    def decisions(self) -> dict[int, DecisionMark]:
        return dict(self._decisions)

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.search is None:
            return 0
        return len(self.search.candidates)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == DISTANCE:
            return PHOTO_DISTANCE_DEFINITION
        if role == Qt.ItemDataRole.ToolTipRole and section == FMR:
            return f"{FMR_DEFINITION}\n\n{SUBJECT_DISTANCE_DEFINITION}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.search is None:
            return None
        if not 0 <= index.row() < len(self.search.candidates):
            return None
        cand = self.search.candidates[index.row()]
        column = index.column()
        if role == CandidateRole:
            return cand
        if role == DetailRole:
            return self._details.get(cand.face_id)
        if role == DecisionRole:
            return self._decisions.get(cand.rank)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(cand, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(cand, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(cand, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._tooltip(cand, column).replace("\n", ". ")
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(cand, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (RANK, DISTANCE, FMR):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.SizeHintRole and column == FACE:
            return QSize(THUMB_SIDE + 8, THUMB_SIDE + 8)
        return None

    def _display(self, cand: Candidate, column: int) -> str | None:
        if column == RANK:
            return str(cand.rank)
        if column == SUBJECT:
            return cand.subject
        if column == DISTANCE:
            return f"{cand.distance:.3f}"
        if column == FMR:
            text = one_in(cand.est_fmr, self.search.fmr_floor if self.search else None)
            # A doubtful probe keeps its numbers visible but marked, never a clean figure.
            return f"{text} ?" if text and self.search and self.search.estimate_caveats else text
        if column == QUALITY:
            detail = self._details.get(cand.face_id)
            if detail is None or not detail.quality.warnings:
                return ""
            return str(len(detail.quality.warnings))
        if column == DECISION:
            mark = self._decisions.get(cand.rank)
            if mark is None:
                return ""
            word = VERDICT_WORDS.get(mark.verdict, mark.verdict)
            if mark.earlier:
                return f"{word} earlier"
            if mark.verification in ("verified", "disputed"):
                return f"{word}, {mark.verification}"
            return word
        return None

    def _decoration(self, cand: Candidate, column: int) -> Any:
        if column == FACE:
            if cand.face_id not in self._pixmaps:
                detail = self._details.get(cand.face_id)
                pixmap = QPixmap()
                if detail is not None and not detail.thumbnail.isNull():
                    pixmap = QPixmap.fromImage(detail.thumbnail).scaled(
                        THUMB_SIDE,
                        THUMB_SIDE,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                self._pixmaps[cand.face_id] = pixmap
            pixmap = self._pixmaps[cand.face_id]
            return None if pixmap.isNull() else pixmap
        if column == QUALITY:
            detail = self._details.get(cand.face_id)
            if detail is not None:
                return _small_icon("warning" if detail.quality.warnings else "ok")
        if column == DECISION:
            mark = self._decisions.get(cand.rank)
            if mark is not None:
                return _small_icon(mark.verdict)
        return None

    def _tooltip(self, cand: Candidate, column: int) -> str:
        assert self.search is not None
        if column == FMR:
            return fmr_tooltip(self.search, cand)
        lines = [
            f"Rank {cand.rank}: {cand.subject}",
            candidate_line(self.search, cand),
            f"Photo: {Path(cand.photo_path).name}",
        ]
        detail = self._details.get(cand.face_id)
        if detail is not None:
            lines += [f"Gallery face: {w}" for w in detail.quality.warnings] or [
                "Gallery face quality: good"
            ]
        mark = self._decisions.get(cand.rank)
        if mark is not None:
            lines.append(
                f"{VERDICT_WORDS.get(mark.verdict, mark.verdict)} by {mark.reviewer}"
                + (f": {mark.reason}" if mark.reason else "")
            )
        return "\n".join(lines)

    def _foreground(self, cand: Candidate, column: int) -> QColor | None:
        if column == DECISION:
            mark = self._decisions.get(cand.rank)
            if mark is not None:
                return QColor(VERDICT_COLOURS.get(mark.verdict, theme.TEXT))
        if column == FMR and self.search is not None and self.search.estimate_caveats:
            return QColor(theme.INCONCLUSIVE)
        if not cand.within_tolerance:
            return QColor(theme.MUTED)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _small_icon(name: str) -> QPixmap:
    """A 16-px pixmap: the table's icon size is the thumbnail's, too big for status marks."""
    return theme.icon(name).pixmap(QSize(16, 16))
