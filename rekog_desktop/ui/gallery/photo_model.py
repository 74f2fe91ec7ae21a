"""PhotoTileModel: the photos of one subject as tiles, filled in as the worker decodes them."""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPixmap

from rekog_desktop.ui.search.jobs import PhotoTile

Index = QModelIndex | QPersistentModelIndex

TileRole = Qt.ItemDataRole.UserRole + 1
PhotoIdRole = Qt.ItemDataRole.UserRole + 2


class PhotoTileModel(QAbstractListModel):
    """Rows are PhotoTile values; `load_id` ties appended tiles to the load that made them, so a
    slow load for a subject the user already left cannot pollute the next one."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._tiles: list[PhotoTile] = []
        self._pixmaps: dict[int, QPixmap] = {}
        self.load_id = 0

    def reset(self) -> int:
        """Empty the model for a new load; returns the id that load must pass to append()."""
        self.beginResetModel()
        self._tiles = []
        self._pixmaps.clear()
        self.load_id += 1
        self.endResetModel()
        return self.load_id

    def append(self, load_id: int, tile: PhotoTile) -> None:
        if load_id != self.load_id:
            return
        row = len(self._tiles)
        self.beginInsertRows(QModelIndex(), row, row)
        self._tiles.append(tile)
        self.endInsertRows()

    def remove_photo(self, photo_id: int) -> None:
        for row, tile in enumerate(self._tiles):
            if tile.photo.id == photo_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._tiles[row]
                self._pixmaps.pop(photo_id, None)
                self.endRemoveRows()
                return

    def tile(self, row: int) -> PhotoTile:
        return self._tiles[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._tiles)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._tiles):
            return None
        tile = self._tiles[index.row()]
        photo = tile.photo
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(photo.path).name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(tile)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                photo.path,
                f"{photo.width}x{photo.height} px, {photo.face_count} face(s)",
                f"Source: {photo.source or '(not given)'}",
                f"Imported {photo.imported_utc[:19].replace('T', ' ')} UTC by {photo.imported_by}",
                f"SHA-256 {photo.sha256}",
            ]
            if tile.error:
                lines.insert(1, f"File cannot be shown: {tile.error}")
            return "\n".join(lines)
        if role == TileRole:
            return tile
        if role == PhotoIdRole:
            return photo.id
        return None

    def _pixmap(self, tile: PhotoTile) -> QPixmap | None:
        if tile.image.isNull():
            return None
        if tile.photo.id not in self._pixmaps:
            self._pixmaps[tile.photo.id] = QPixmap.fromImage(tile.image)
        return self._pixmaps[tile.photo.id]
