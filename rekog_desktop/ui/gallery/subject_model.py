"""SubjectListModel: the gallery's subjects (plus "faces awaiting assignment" and "unassigned
photos" rows) for a list view."""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QImage, QPixmap

from rekog_desktop.ui.search.jobs import GallerySnapshot, SubjectRow

Index = QModelIndex | QPersistentModelIndex

#: Subject id of the pseudo-row holding photos filed under no subject (group photos...).
UNASSIGNED_ID = -1
#: Subject id of the pseudo-row holding every photo with a face enrolled as nobody: group
#: photos, the other faces of a photo whose dominant face was enrolled, unfiled photos.
AWAITING_ID = -2

SubjectIdRole = Qt.ItemDataRole.UserRole + 1
PhotosRole = Qt.ItemDataRole.UserRole + 2
FacesRole = Qt.ItemDataRole.UserRole + 3
SummaryRole = Qt.ItemDataRole.UserRole + 4


class SubjectListModel(QAbstractListModel):
    """One row per subject, sorted by name; thumbnails become pixmaps lazily (GUI thread)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SubjectRow] = []
        self._pixmaps: dict[int, QPixmap] = {}

    def set_snapshot(self, snapshot: GallerySnapshot) -> None:
        rows = list(snapshot.subjects)
        if snapshot.unassigned_photos:
            rows.insert(0, _unassigned_row(snapshot.unassigned_photos))
        if snapshot.awaiting_faces:
            rows.insert(0, _awaiting_row(snapshot.awaiting_faces, snapshot.awaiting_photos))
        self.beginResetModel()
        self._rows = rows
        self._pixmaps.clear()
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._pixmaps.clear()
        self.endResetModel()

    def row_of(self, subject_id: int) -> int:
        for number, row in enumerate(self._rows):
            if row.id == subject_id:
                return number
        return -1

    def subject(self, row: int) -> SubjectRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{row.name}\n{_counts_text(row)}"
            return f"{tip}\n{row.notes}" if row.notes else tip
        if role == SubjectIdRole:
            return row.id
        if role == PhotosRole:
            return row.photos
        if role == FacesRole:
            return row.faces
        if role == SummaryRole:
            return _counts_text(row)
        return None

    def _pixmap(self, row: SubjectRow) -> QPixmap | None:
        if row.thumbnail.isNull():
            return None
        if row.id not in self._pixmaps:
            self._pixmaps[row.id] = QPixmap.fromImage(row.thumbnail)
        return self._pixmaps[row.id]


def _unassigned_row(photos: int) -> SubjectRow:
    notes = "Photos filed under no subject (e.g. group photos): open one to enrol a face."
    return SubjectRow(UNASSIGNED_ID, "Unassigned photos", notes, photos, 0, QImage())


def _awaiting_row(faces: int, photos: int) -> SubjectRow:
    notes = (
        "Faces enrolled as nobody: group photos, the other faces of a photo whose largest face "
        "was enrolled, photos filed under no subject. Right-click a photo to enrol a face."
    )
    return SubjectRow(
        AWAITING_ID, f"Faces awaiting assignment ({faces})", notes, photos, faces, QImage()
    )


def is_pseudo_row(subject_id: int) -> bool:
    """The rows that are lists of photos, not subjects (no removal, no subject count)."""
    return subject_id in (UNASSIGNED_ID, AWAITING_ID)


def _counts_text(row: SubjectRow) -> str:
    photos = f"{row.photos} photo" + ("" if row.photos == 1 else "s")
    if row.id == UNASSIGNED_ID:
        return photos
    faces = f"{row.faces} face" + ("" if row.faces == 1 else "s")
    if row.id == AWAITING_ID:
        return f"{faces} in {photos}"
    return f"{photos} · {faces}"
