"""ImageCanvas: a zoomable, pannable photo view (wheel zooms at the cursor, drag pans).

Shared by the probe panel and the side-by-side review. A canvas that has not been zoomed by hand
keeps its content fitted when resized.

Signals:
    view_changed(): zoom or scroll position changed (the review keeps two canvases in step).
"""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM = 0.02
MAX_ZOOM = 40.0


class ImageCanvas(QGraphicsView):
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor("#121418"))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.pixmap_item)
        self._fit_rect: QRectF | None = None
        self._auto_fit = True
        self.horizontalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # -- content --------------------------------------------------------------------------

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self.pixmap_item.setPixmap(pixmap)
        self.pixmap_item.setVisible(not pixmap.isNull())

    def set_fit_rect(self, rect: QRectF | None) -> None:
        """What "fit" shows (default: the whole picture), and fit to it now."""
        self._fit_rect = rect
        self.fit()

    # -- zoom -----------------------------------------------------------------------------

    @property
    def auto_fit(self) -> bool:
        """True until the person zooms by hand: resizing keeps the content fitted."""
        return self._auto_fit

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def centre(self) -> QPointF:
        """The scene point at the middle of the viewport."""
        return self.mapToScene(self.viewport().rect().center())

    def fit(self) -> None:
        rect = self._fit_rect or self.pixmap_item.sceneBoundingRect()
        if rect.isEmpty():
            return
        self._auto_fit = True
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.view_changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        new_zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        factor = new_zoom / self.zoom if self.zoom else 1.0
        if abs(factor - 1.0) < 1e-6:
            return
        self._auto_fit = False
        if anchor is None:
            old = self.transformationAnchor()
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            self.scale(factor, factor)
            self.setTransformationAnchor(old)
        else:
            self.scale(factor, factor)
        self.view_changed.emit()

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def set_view(self, zoom: float, centre: QPointF) -> None:
        """Show `centre` (scene coordinates) at `zoom`, without echoing view_changed."""
        self.blockSignals(True)
        try:
            self._auto_fit = False
            current = self.zoom or 1.0
            if abs(zoom - current) > 1e-9:
                old = self.transformationAnchor()
                self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
                self.scale(zoom / current, zoom / current)
                self.setTransformationAnchor(old)
            self.centerOn(centre)
        finally:
            self.blockSignals(False)

    # -- events ---------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps, event.position())
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()

    def _on_scrolled(self, _value: int) -> None:
        self.view_changed.emit()
