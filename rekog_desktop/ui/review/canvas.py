"""ReviewCanvas: a photo placed so its face sits at the origin with a fixed eye distance.

Both sides of the review use the same face-centred scene units (FACE_UNITS between the eye
centres), so equal zoom means equal face size and one scene point means the same place on both
faces: that is what lets zoom and pan stay in step.
"""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItemGroup, QGraphicsPathItem, QGraphicsRectItem, QWidget

from rekog_desktop.core.common.types import FaceBox, Point
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.image_canvas import ImageCanvas
from rekog_desktop.ui.common.qt_images import DisplayImage

#: Scene units between the two eye centres on both sides of the review.
FACE_UNITS = 100.0
#: How much room around the face "fit" shows, in face-box widths on each side.
FIT_MARGIN = 0.6

_CLOSED_GROUPS = {"left_eye", "right_eye"}


def eye_distance(landmarks: dict[str, list[Point]], box: FaceBox) -> float:
    """Inter-eye distance in original pixels, or a box-based estimate without landmarks."""
    left, right = landmarks.get("left_eye"), landmarks.get("right_eye")
    if left and right:
        lx = sum(p[0] for p in left) / len(left)
        ly = sum(p[1] for p in left) / len(left)
        rx = sum(p[0] for p in right) / len(right)
        ry = sum(p[1] for p in right) / len(right)
        distance = math.hypot(rx - lx, ry - ly)
        if distance > 1:
            return distance
    return max(1.0, box.width * 0.42)


class ReviewCanvas(ImageCanvas):
    """One side of the review: photo, face box, optional landmarks, in face-centred units."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Panning is by dragging; scroll bars would differ between the two sides.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.box_item = QGraphicsRectItem()
        pen = QPen(QColor(theme.FACE_BOX_SELECTED), 2)
        pen.setCosmetic(True)
        self.box_item.setPen(pen)
        self.box_item.setZValue(2)
        self.scene().addItem(self.box_item)
        self.landmark_group = QGraphicsItemGroup()
        self.landmark_group.setZValue(3)
        self.scene().addItem(self.landmark_group)
        self.face_rect = QRectF()
        self.image_rect = QRectF()
        self._message = ""

    def clear(self, message: str = "") -> None:
        self.set_pixmap(QPixmap())
        self.box_item.hide()
        self._clear_landmarks()
        self.face_rect = QRectF()
        self.image_rect = QRectF()
        self._message = message
        self.viewport().update()

    def show_face(
        self,
        display: DisplayImage,
        box: FaceBox,
        landmarks: dict[str, list[Point]],
        *,
        show_box: bool = True,
    ) -> None:
        self._message = ""
        unit = FACE_UNITS / eye_distance(landmarks, box)
        cx = (box.left + box.right) / 2
        cy = (box.top + box.bottom) / 2

        def to_scene(x: float, y: float) -> QPointF:
            return QPointF((x - cx) * unit, (y - cy) * unit)

        self.set_pixmap(QPixmap.fromImage(display.image))
        self.pixmap_item.setScale(unit / display.scale)
        self.pixmap_item.setPos(to_scene(0, 0))
        self.image_rect = QRectF(to_scene(0, 0), to_scene(display.width, display.height))
        self.face_rect = QRectF(to_scene(box.left, box.top), to_scene(box.right, box.bottom))
        self.box_item.setRect(self.face_rect)
        self.box_item.setVisible(show_box)

        self._clear_landmarks()
        pen = QPen(QColor(theme.LANDMARK), 1.5)
        pen.setCosmetic(True)
        for name, group in landmarks.items():
            points = list(group)
            if name == "bottom_lip" and landmarks.get("top_lip"):
                points.append(landmarks["top_lip"][0])  # close the outer lip line
            if len(points) < 2:
                continue
            path = QPainterPath(to_scene(*points[0]))
            for point in points[1:]:
                path.lineTo(to_scene(*point))
            if name in _CLOSED_GROUPS:
                path.closeSubpath()
            item = QGraphicsPathItem(path)
            item.setPen(pen)
            self.landmark_group.addToGroup(item)
        self.viewport().update()

    def set_landmarks_visible(self, visible: bool) -> None:
        self.landmark_group.setVisible(visible)

    def fit_rect_for_face(self) -> QRectF:
        rect = self.face_rect
        margin = rect.width() * FIT_MARGIN
        return rect.adjusted(-margin, -margin, margin, margin)

    def _clear_landmarks(self) -> None:
        for item in self.landmark_group.childItems():
            self.landmark_group.removeFromGroup(item)
            self.scene().removeItem(item)

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        if not self._message:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(
            self.viewport().rect().adjusted(16, 16, -16, -16),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._message,
        )
        painter.restore()
