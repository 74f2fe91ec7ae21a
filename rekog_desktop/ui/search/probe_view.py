"""ProbePanel: drop a picture, see every face outlined, click one to search it, read its quality.

Signals:
    probe_dropped(str): a file dropped on the panel (or chosen with the Open button: "").
    face_clicked(int): a face outline was clicked (index into the model's faces).
"""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QMouseEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.cases.probes import ProbeType
from rekog_desktop.core.common.types import Quality
from rekog_desktop.core.faces import quality as q
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.image_canvas import ImageCanvas
from rekog_desktop.ui.common.widgets import MessageBar, Panel, local_paths
from rekog_desktop.ui.search.probe_model import ProbeModel


class _FaceItem(QGraphicsRectItem):
    """A clickable face outline with its number."""

    def __init__(self, index: int, rect: QRectF, on_click: Callable[[int], object]) -> None:
        super().__init__(rect)
        self.index = index
        self._on_click = on_click
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setToolTip(f"Face {index + 1}: click to search this face")
        self.label = QGraphicsSimpleTextItem(str(index + 1), self)
        font = QFont()
        font.setBold(True)
        self.label.setFont(font)
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        colour = QColor(theme.FACE_BOX_SELECTED if selected else theme.FACE_BOX)
        pen = QPen(colour, 3 if selected else 2)
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setBrush(QBrush(QColor(255, 209, 102, 28) if selected else Qt.BrushStyle.NoBrush))
        self.label.setBrush(colour)
        self.setZValue(2 if selected else 1)

    def place_label(self, zoom: float) -> None:
        """Keep the number readable whatever the zoom: counter-scale it."""
        scale = 1.0 / zoom if zoom > 0 else 1.0
        self.label.setScale(scale)
        rect = self.rect()
        self.label.setPos(rect.left(), rect.top() - 18 * scale)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._on_click(self.index)
            event.accept()
        else:
            super().mousePressEvent(event)


class ProbeCanvas(ImageCanvas):
    """The probe picture with face outlines (boxes in original pixels, drawn at display scale)."""

    def __init__(
        self, on_face_click: Callable[[int], object], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._on_face_click = on_face_click
        self.face_items: list[_FaceItem] = []
        self.view_changed.connect(self._relabel)

    def set_faces(self, boxes: list[QRectF]) -> None:
        for item in self.face_items:
            self.scene().removeItem(item)
        self.face_items = [
            _FaceItem(index, rect, self._on_face_click) for index, rect in enumerate(boxes)
        ]
        for item in self.face_items:
            self.scene().addItem(item)
        self._relabel()

    def set_selected(self, index: int) -> None:
        for item in self.face_items:
            item.set_selected(item.index == index)

    def _relabel(self) -> None:
        for item in self.face_items:
            item.place_label(self.zoom)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # A click on a face selects it; anywhere else starts a pan.
        item = self.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, _FaceItem):
            item = item.parentItem()
        if isinstance(item, _FaceItem) and event.button() == Qt.MouseButton.LeftButton:
            self._on_face_click(item.index)
            event.accept()
            return
        super().mousePressEvent(event)


class _QualityCard(QWidget):
    """Face size, sharpness, light and pose of the chosen face, each with a plain verdict."""

    _CELLS = (
        ("size", "Size", 0, 0),
        ("blur", "Sharpness", 0, 1),
        ("light", "Light", 1, 0),
        ("pose", "Pose", 1, 1),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        for key, title, row, col in self._CELLS:
            mark = QLabel()
            mark.setFixedSize(18, 18)
            name = QLabel(title)
            name.setObjectName("muted")
            value = QLabel("")
            grid.addWidget(mark, row, col * 3)
            grid.addWidget(name, row, col * 3 + 1)
            grid.addWidget(value, row, col * 3 + 2)
            self.rows[key] = (mark, value)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(5, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def show_quality(self, quality: Quality) -> None:
        size_ok = quality.eye_distance_px >= q.MIN_EYE_DISTANCE_PX
        blur_ok = quality.sharpness >= q.MIN_SHARPNESS
        light_ok = q.MIN_BRIGHTNESS <= quality.brightness <= q.MAX_BRIGHTNESS
        pose_ok = abs(quality.yaw_deg) <= q.MAX_YAW_DEG and abs(quality.roll_deg) <= q.MAX_ROLL_DEG
        light = (
            "too dark"
            if quality.brightness < q.MIN_BRIGHTNESS
            else "overexposed"
            if quality.brightness > q.MAX_BRIGHTNESS
            else "even"
        )
        self._set(
            "size",
            size_ok,
            f"{quality.eye_distance_px:.0f} px eyes",
            f"{quality.eye_distance_px:.0f} px between the eye centres; at least "
            f"{q.MIN_EYE_DISTANCE_PX:.0f} px are needed for a reliable comparison",
        )
        self._set(
            "blur",
            blur_ok,
            f"{quality.sharpness:.0f} · {'sharp' if blur_ok else 'blurred'}",
            f"Variance of the Laplacian on the face; below {q.MIN_SHARPNESS:.0f} edges smear",
        )
        self._set(
            "light",
            light_ok,
            f"{quality.brightness:.0f}/255 · {light}",
            "Mean grey level of the face",
        )
        self._set(
            "pose",
            pose_ok,
            f"{abs(quality.yaw_deg):.0f}° turn, {abs(quality.roll_deg):.0f}° tilt",
            f"The model is reliable up to about {q.MAX_YAW_DEG:.0f}° of head turn",
        )

    def _set(self, key: str, ok: bool, text: str, tip: str) -> None:
        mark, value = self.rows[key]
        mark.setPixmap(theme.icon("ok" if ok else "warning").pixmap(QSize(16, 16)))
        value.setText(text)
        value.setToolTip(tip)


class _DropHint(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        art = QLabel()
        art.setPixmap(theme.icon("drop").pixmap(QSize(80, 80)))
        art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Drop a probe photo or video clip here")
        title.setObjectName("panelTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel("Every face is outlined; the largest is searched at once.")
        text.setObjectName("muted")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton(theme.icon("probe"), "Open probe…")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addWidget(art)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(6)
        layout.addLayout(row)
        layout.addStretch(2)


#: Qt's "no maximum" for a widget's size (QWIDGETSIZE_MAX in C++).
QWIDGETSIZE_MAX = (1 << 24) - 1


#: The probe types as the panel names them.
PROBE_TYPE_WORDS = {
    ProbeType.PHOTO: "Photo",
    ProbeType.VIDEO_STILL: "Video still",
    ProbeType.SKETCH: "Sketch",
    ProbeType.LOOKALIKE: "Look-alike",
    ProbeType.EDITED: "Edited image",
}


class ProbePanel(Panel):
    probe_dropped = Signal(str)
    face_clicked = Signal(int)

    def __init__(self, model: ProbeModel, parent: QWidget | None = None) -> None:
        super().__init__("Probe", parent)
        self.model = model
        self.setAcceptDrops(True)
        self.next_button = QPushButton("Next probe")
        self.next_button.setToolTip("The next picture given on the command line")
        self.next_button.hide()
        self.open_button = QPushButton(theme.icon("probe"), "Open…")
        self.open_button.setToolTip("Open a probe photo or clip (Ctrl+O), or drop one here")
        # Stated before the search and recorded with it: the strict preset refuses sketches
        # and look-alikes; other kinds carry a warning into the record and the PDF.
        self.probe_type = QComboBox()
        for kind, words in PROBE_TYPE_WORDS.items():
            self.probe_type.addItem(words, kind.value)
        self.probe_type.setToolTip(
            "What the next probe is (recorded with the search): a sketch or a look-alike is "
            "not a photo of the person sought"
        )
        self.header.addWidget(self.probe_type)
        self.header.addWidget(self.next_button)
        self.header.addWidget(self.open_button)
        self.hint = _DropHint()
        # The drop hint must not set the pane's minimum height (the stack takes the largest
        # page's): with a picture shown the pane shrinks to the canvas's minimum.
        self.hint.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.canvas = ProbeCanvas(self.face_clicked.emit)
        # Small enough that at 1280x800 the candidate list keeps five rows under a warning.
        self.canvas.setMinimumHeight(72)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.canvas)
        self.faces_label = QLabel("")
        self.faces_label.setObjectName("muted")
        self.faces_label.setWordWrap(True)
        self.faces_label.hide()
        self.quality = _QualityCard()
        self.quality.hide()
        self.message = MessageBar(one_line=True)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.faces_label)
        self.body.addWidget(self.quality)
        self.body.addWidget(self.message)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.hint.button.clicked.connect(lambda: self.probe_dropped.emit(""))
        self.open_button.clicked.connect(lambda: self.probe_dropped.emit(""))
        self.model.state_changed.connect(self._on_state)
        self.model.image_changed.connect(self._on_image)
        self.model.faces_changed.connect(self._on_faces)
        self.model.face_selected.connect(self._on_face_selected)

    # -- model -> view --------------------------------------------------------------------

    def set_compact(self, compact: bool) -> None:
        """While a clip is shown its own panel has the picture: this one shrinks to its title
        line (still a drop target, with Open…), so the candidate list keeps its height."""
        self.stack.setVisible(not compact)
        if compact:
            self.set_subtitle("drop another photo or clip here")
            for widget in (self.faces_label, self.quality):
                widget.hide()
            self.message.clear_message()
            # A splitter keeps a pane's size whatever its policy: cap the height instead.
            self.setMaximumHeight(self.minimumSizeHint().height())
        else:
            self.set_subtitle(self.model.name)
            self.setMaximumHeight(QWIDGETSIZE_MAX)

    def set_queue(self, waiting: int) -> None:
        """How many more probes wait (given on the command line, like "Open with")."""
        self.next_button.setText(f"Next probe ({waiting})")
        self.next_button.setVisible(waiting > 0)

    def _on_state(self, state: str) -> None:
        self.set_subtitle(self.model.name)
        if state == "empty":
            self.stack.setCurrentWidget(self.hint)
            self._say("")
            self.message.clear_message()
        elif state == "loading":
            self.stack.setCurrentWidget(self.canvas)
            self._say("Reading the picture…")
            self.message.clear_message()
        elif state == "detecting":
            self._say("Looking for faces…")
        elif state == "error":
            self.stack.setCurrentWidget(self.hint if self.model.display is None else self.canvas)
            self._say("")
            self.quality.hide()
            self.message.set_one_line(False)  # an error is read whole
            self.message.show_message(self.model.error, "warning")
        elif state == "ready":
            self._describe_faces()

    def _on_image(self) -> None:
        display = self.model.display
        if display is None:
            self.canvas.set_pixmap(QPixmap())
            self.canvas.set_faces([])
            self.quality.hide()
            return
        self.canvas.set_pixmap(QPixmap.fromImage(display.image))
        self.canvas.scene().setSceneRect(QRectF(display.image.rect()))
        self.canvas.set_fit_rect(None)

    def _on_faces(self) -> None:
        display = self.model.display
        if display is None:
            self.canvas.set_faces([])
            return
        factor = display.scale
        self.canvas.set_faces(
            [
                QRectF(
                    f.box.left * factor,
                    f.box.top * factor,
                    f.box.width * factor,
                    f.box.height * factor,
                )
                for f in self.model.faces
            ]
        )

    def _on_face_selected(self, index: int) -> None:
        self.canvas.set_selected(index)
        face = self.model.selected_face
        if face is None:
            self.quality.hide()
            return
        self.quality.show_quality(face.quality)
        self.quality.show()
        self.message.set_one_line(True)
        if face.quality.warnings:
            self.message.show_message(
                "Poor probe: " + "; ".join(face.quality.warnings) + ". Treat any result with "
                "extra caution.",
                "warning",
            )
        else:
            self.message.show_message("Probe quality is adequate for a comparison.", "good")
        self._describe_faces()

    def _say(self, text: str) -> None:
        """The one-line status under the picture, hidden when there is nothing to say."""
        self.faces_label.setText(text)
        self.faces_label.setVisible(bool(text))

    def _describe_faces(self) -> None:
        count = len(self.model.faces)
        if count == 0:
            self._say("")
            self.quality.hide()
            self.message.show_message(
                "No face found in this picture. Try a sharper or closer shot, or crop it around "
                "the face.",
                "warning",
            )
        elif count == 1:
            self._say("")
        else:
            self._say(
                f"{count} faces found; face {self.model.selected + 1} is searched. "
                "Click another outline to search that face."
            )

    # -- drops ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.probe_dropped.emit(paths[0])
