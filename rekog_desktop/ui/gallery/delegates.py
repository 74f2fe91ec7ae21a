"""Painting of gallery rows: subject cards and photo tiles with their faces outlined."""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from rekog_desktop.ui.common import theme
from rekog_desktop.ui.gallery.photo_model import TileRole
from rekog_desktop.ui.gallery.subject_model import SummaryRole

Index = QModelIndex | QPersistentModelIndex

SUBJECT_ROW_HEIGHT = 64
SUBJECT_THUMB = 48
TILE_IMAGE = 200
TILE_CAPTION = 34
TILE_PAD = 8


def _paint_selection(painter: QPainter, option: QStyleOptionViewItem, radius: float = 6) -> None:
    rect = QRectF(option.rect).adjusted(2, 2, -2, -2)
    state = option.state
    if state & QStyle.StateFlag.State_Selected:
        painter.setPen(QPen(QColor(theme.ACCENT), 1.5))
        painter.setBrush(QColor("#233a5c"))
        painter.drawRoundedRect(rect, radius, radius)
    elif state & QStyle.StateFlag.State_MouseOver:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#20252c"))
        painter.drawRoundedRect(rect, radius, radius)


class SubjectDelegate(QStyledItemDelegate):
    """Thumbnail, name in bold, photo and face counts underneath."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(200, SUBJECT_ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _paint_selection(painter, option)
        rect: QRect = option.rect
        thumb_rect = QRect(rect.left() + 10, rect.top() + 8, SUBJECT_THUMB, SUBJECT_THUMB)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(thumb_rect), 6, 6)
        painter.setClipPath(clip)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.scaled(
                thumb_rect.size(),
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            source = QRect(
                (scaled.width() - thumb_rect.width()) // 2,
                (scaled.height() - thumb_rect.height()) // 2,
                thumb_rect.width(),
                thumb_rect.height(),
            )
            painter.drawPixmap(thumb_rect, scaled, source)
        else:
            painter.fillRect(thumb_rect, QColor("#2a3038"))
            theme.icon("face").paint(painter, thumb_rect.adjusted(8, 8, -8, -8))
        painter.setClipping(False)

        text_left = thumb_rect.right() + 12
        text_width = rect.right() - text_left - 8
        name_font = QFont(option.font)
        name_font.setBold(True)
        painter.setFont(name_font)
        painter.setPen(QColor(theme.TEXT))
        name_rect = QRect(text_left, rect.top() + 12, text_width, 20)
        name = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, text_width
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )
        painter.setFont(option.font)
        painter.setPen(QColor(theme.MUTED))
        counts_rect = QRect(text_left, rect.top() + 33, text_width, 18)
        painter.drawText(
            counts_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            str(index.data(SummaryRole)),
        )
        painter.restore()


class PhotoTileDelegate(QStyledItemDelegate):
    """The photo fitted in a square, enrolled faces outlined solid, other faces dashed."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(TILE_IMAGE + 2 * TILE_PAD, TILE_IMAGE + TILE_CAPTION + 2 * TILE_PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        tile = index.data(TileRole)
        if tile is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _paint_selection(painter, option, 8)
        rect: QRect = option.rect
        area = QRect(rect.left() + TILE_PAD, rect.top() + TILE_PAD, TILE_IMAGE, TILE_IMAGE)
        painter.fillRect(area, QColor("#121418"))
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            fit = min(area.width() / pixmap.width(), area.height() / pixmap.height())
            width, height = pixmap.width() * fit, pixmap.height() * fit
            target = QRectF(
                area.left() + (area.width() - width) / 2,
                area.top() + (area.height() - height) / 2,
                width,
                height,
            )
            painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
            factor = tile.scale * fit
            for number, face in enumerate(tile.faces, start=1):
                box = face.box
                box_rect = QRectF(
                    target.left() + box.left * factor,
                    target.top() + box.top * factor,
                    box.width * factor,
                    box.height * factor,
                )
                enrolled = face.subject_id is not None
                pen = QPen(QColor(theme.FACE_BOX if enrolled else theme.MUTED), 2)
                if not enrolled:
                    pen.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(box_rect)
                if len(tile.faces) > 1:
                    painter.drawText(
                        box_rect.adjusted(3, 1, 0, 0),
                        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                        str(number),
                    )
        else:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                area.adjusted(10, 10, -10, -10),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                f"File cannot be shown:\n{tile.error}" if tile.error else "Loading…",
            )
        painter.setPen(QColor(theme.TEXT))
        caption = QRect(area.left(), area.bottom() + 4, area.width(), 16)
        name = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            Qt.TextElideMode.ElideMiddle,
            caption.width(),
        )
        painter.drawText(caption, Qt.AlignmentFlag.AlignCenter, name)
        painter.setPen(QColor(theme.MUTED))
        faces = tile.photo.face_count
        detail = f"{tile.photo.width}x{tile.photo.height} · {faces} face" + (
            "" if faces == 1 else "s"
        )
        painter.drawText(caption.translated(0, 16), Qt.AlignmentFlag.AlignCenter, detail)
        painter.restore()
