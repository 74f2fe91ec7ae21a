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
    """A short message in a coloured box (kind: warning, good, info); hidden when empty.

    `one_line`: the message is shortened with an ellipsis to one line, the whole of it in the
    tooltip (for the search page, where each wrapped line costs a candidate row)."""

    def __init__(self, parent: QWidget | None = None, *, one_line: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setProperty("kind", "info")
        self._one_line = one_line
        self._full = ""
        self.setWordWrap(not one_line)
        if one_line:
            self.setMinimumWidth(40)
            self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_message(self, text: str, kind: str = "info") -> None:
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            self.style().unpolish(self)
            self.style().polish(self)
        self._full = text
        if self._one_line:
            self.setToolTip(text)
            self._elide()
        else:
            self.setText(text)
        self.setVisible(bool(text))
        self.updateGeometry()

    def set_one_line(self, one_line: bool) -> None:
        """Wrap (an error the person must read whole) or elide (a warning beside a list)."""
        self._one_line = one_line
        self.setWordWrap(not one_line)
        policy = QSizePolicy.Policy.Ignored if one_line else QSizePolicy.Policy.Preferred
        self.setSizePolicy(policy, QSizePolicy.Policy.Minimum)
        self.setToolTip(self._full if one_line else "")
        if one_line:
            self._elide()
        else:
            self.setText(self._full)
        self.updateGeometry()

    def full_text(self) -> str:
        return self._full if self._one_line else self.text()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._one_line:
            self._elide()

    def _elide(self) -> None:
        room = max(10, self.contentsRect().width() - 2)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room))

    @property
    def kind(self) -> str:
        return str(self.property("kind"))

    def clear_message(self) -> None:
        self._full = ""
        self.setText("")
        self.hide()


class ElidedLabel(QLabel):
    """A label of at most `lines` lines that shortens its text with an ellipsis instead of
    growing or clipping; the full text (or the tooltip given) is in the tooltip."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
        *,
        lines: int = 1,
    ) -> None:
        super().__init__(parent)
        self._mode = mode
        self._lines = max(1, lines)
        self._full = ""
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str, *, tooltip: str = "") -> None:
        self._full = text
        self.setToolTip(tooltip or text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def is_elided(self) -> bool:
        return self.text().replace("\n", " ") != self._full

    def _elide(self) -> None:
        width = max(10, self.width() - 2)
        metrics = self.fontMetrics()
        if self._lines == 1:
            self.setText(metrics.elidedText(self._full, self._mode, width))
            return
        # Fill whole words into lines; the last line takes the rest, elided.
        words = self._full.split()
        shown: list[str] = []
        line = ""
        while words and len(shown) < self._lines - 1:
            trial = f"{line} {words[0]}".strip()
            if line and metrics.horizontalAdvance(trial) > width:
                shown.append(line)
                line = ""
                continue
            line = trial
            words.pop(0)
        rest = " ".join([line, *words]).strip() if len(shown) == self._lines - 1 else line
        if len(shown) < self._lines - 1:
            shown.append(rest)
        else:
            shown.append(metrics.elidedText(rest, self._mode, width))
        self.setText("\n".join(s for s in shown if s))
