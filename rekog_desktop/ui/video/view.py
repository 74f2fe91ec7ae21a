"""VideoPanel: a video probe's progress (with Cancel), its strip of face tracks, and a frame
preview with the face box at the selected track's best shot.

Signals:
    track_selected(int): a row of the strip was chosen (-1: none).
    cancel_requested(): the officer stopped the scan.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QWidget,
)

from rekog_desktop.core.common.types import FaceBox
from rekog_desktop.ui.common.image_canvas import ImageCanvas
from rekog_desktop.ui.common.qt_images import DisplayImage
from rekog_desktop.ui.common.widgets import Panel
from rekog_desktop.ui.video.model import THUMB_SIDE, TrackListModel

THUMB = THUMB_SIDE


class VideoPanel(Panel):
    track_selected = Signal(int)
    cancel_requested = Signal()

    def __init__(self, model: TrackListModel, parent: QWidget | None = None) -> None:
        super().__init__("Video probe", parent)
        self.model = model
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop reading the clip (nothing is recorded)")
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.body.addLayout(row)
        self.body.addWidget(self.status)

        self.strip = QListView()
        self.strip.setModel(model)
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setIconSize(QSize(THUMB, THUMB))
        self.strip.setGridSize(QSize(THUMB + 72, THUMB + 44))
        self.strip.setFixedHeight(THUMB + 64)
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setToolTip("Face tracks: click one to see its candidates")
        self.body.addWidget(self.strip)

        self.preview = ImageCanvas()
        self.preview.setMinimumHeight(120)
        self.preview.setToolTip("The selected track's best shot, with its face box")
        self._box = QGraphicsRectItem()
        pen = QPen(QColor("#f5b942"))
        pen.setWidth(3)
        pen.setCosmetic(True)
        self._box.setPen(pen)
        self._box.setVisible(False)
        self.preview.scene().addItem(self._box)
        self.body.addWidget(self.preview, 1)

        self.cancel_button.clicked.connect(self.cancel_requested)
        self.strip.selectionModel().selectionChanged.connect(self._on_selection)

    # -- state ----------------------------------------------------------------------------

    def start(self, name: str) -> None:
        self.set_subtitle(name)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.status.setText("Reading the clip…")
        self.show_frame(None, None)

    def set_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.status.setText(text)

    def finish(self, text: str) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.status.setText(text)

    def select_row(self, row: int) -> None:
        self.strip.setCurrentIndex(self.model.index(row, 0))

    def selected_row(self) -> int:
        rows = self.strip.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.track_selected.emit(self.selected_row())

    # -- preview --------------------------------------------------------------------------

    def show_frame(self, display: DisplayImage | None, box: FaceBox | None) -> None:
        if display is None:
            self.preview.set_pixmap(QPixmap())
            self._box.setVisible(False)
            return
        self.preview.set_pixmap(QPixmap.fromImage(display.image))
        if box is not None:
            s = display.scale
            rect = QRectF(box.left * s, box.top * s, box.width * s, box.height * s)
            self._box.setRect(rect)
            self._box.setVisible(True)
            self.preview.set_fit_rect(None)
        else:
            self._box.setVisible(False)
            self.preview.fit()
