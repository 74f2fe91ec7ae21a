"""Small shared widgets: titled panels, a drop-aware mixin helper, message bars."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt
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
        self.subtitle = QLabel("")
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
        self.subtitle.setText(text)


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
