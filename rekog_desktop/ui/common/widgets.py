"""Small shared widgets: titled panels, a drop-aware mixin helper, message bars."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget


def local_paths(mime: QMimeData) -> list[str]:
    """Local file and folder paths carried by a drag (remote URLs are ignored: no network)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class Panel(QFrame):
    """A card with a title line, an optional subtitle and a body layout."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.title = QLabel(title)
        self.title.setObjectName("panelTitle")
        self.subtitle = ElidedLabel("")
        self.subtitle.setObjectName("panelSubtitle")
        self.header = QHBoxLayout()
        self.header.setSpacing(8)
        self.header.addWidget(self.title)
        self.header.addWidget(self.subtitle, 1)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(12, 10, 12, 12)
        self.body.setSpacing(8)
        self.body.addLayout(self.header)

    def set_subtitle(self, text: str) -> None:
        self.subtitle.set_full_text(text)


class MessageBar(QLabel):
    """A short message in a coloured box (kind: warning, good, info); hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setProperty("kind", "info")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_message(self, text: str, kind: str = "info") -> None:
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))
        self.updateGeometry()

    @property
    def kind(self) -> str:
        return str(self.property("kind"))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with an ellipsis instead of growing or clipping;
    the full text is in the tooltip."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(parent)
        self._mode = mode
        self._full = ""
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(10, self.width() - 2)
        self.setText(self.fontMetrics().elidedText(self._full, self._mode, width))
