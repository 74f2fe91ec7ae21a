"""TrackListModel: the finished face tracks of a video probe, one row each, in order found.

Display: time range and number of sampled frames; decoration: the best shot's thumbnail.
"""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPixmap

from rekog_desktop.core.video.scan import timecode
from rekog_desktop.ui.video.jobs import TrackRow

Index = QModelIndex | QPersistentModelIndex

#: Side of a track's thumbnail in the strip (a pixmap decoration is drawn at its own size).
THUMB_SIDE = 72


def track_label(row: TrackRow) -> str:
    track = row.item.track
    # mm:ss.s is enough to find the moment in a clip; the tool tip has the full timecode.
    start, end = timecode(track.start_s)[3:-2], timecode(track.end_s)[3:-2]
    return f"{start}-{end}\n{track.frames} frame(s)"


class TrackListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[TrackRow] = []
        self._pixmaps: dict[int, QPixmap] = {}

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._pixmaps.clear()
        self.endResetModel()

    def add(self, rows: tuple[TrackRow, ...]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def replace_all(self, rows: tuple[TrackRow, ...]) -> None:
        """The same tracks ranked again: new rows, same order, thumbnails kept."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> TrackRow:
        return self._rows[index]

    def row_of_track(self, track_id: int) -> int:
        for i, row in enumerate(self._rows):
            if row.track_id == track_id:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return track_label(row)
        if role == Qt.ItemDataRole.DecorationRole:
            pixmap = self._pixmaps.get(row.track_id)
            if pixmap is None and not row.thumbnail.isNull():
                pixmap = QPixmap.fromImage(row.thumbnail).scaled(
                    THUMB_SIDE,
                    THUMB_SIDE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                self._pixmaps[row.track_id] = pixmap
            return pixmap
        if role == Qt.ItemDataRole.ToolTipRole:
            track = row.item.track
            best = track.best
            search = row.item.search
            first = search.candidates[0].subject if search and search.candidates else "none"
            return (
                f"Track {track.id}: {timecode(track.start_s)} to {timecode(track.end_s)}\n"
                f"{track.frames} sampled frame(s); best shot at {timecode(best.time_s)} "
                f"(frame {best.frame_index})\nFirst candidate: {first} (a lead, not an "
                "identification)"
            )
        return None
