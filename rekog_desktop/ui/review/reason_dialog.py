"""ReasonDialog: why a decision was taken, in the reviewer's words (required on Accept)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.ui.common import theme

_PROMPTS = {
    "accept": (
        "Accept this candidate as a lead",
        "What in the two faces supports this lead? (e.g. ear shape, scar above left eyebrow, "
        "same mole on the cheek). This reason goes into the case notes.",
    ),
    "reject": ("Reject this candidate", "Why is this not the person? (optional)"),
    "inconclusive": ("Mark as inconclusive", "What prevents a decision? (optional)"),
}


class ReasonDialog(QDialog):
    """Asks for a reason; Accept cannot be confirmed with an empty one."""

    def __init__(self, verdict: str, subject: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = verdict
        title, prompt = _PROMPTS.get(verdict, ("Decision", "Reason"))
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        heading = QLabel(f"{title}: {subject}")
        heading.setObjectName("panelTitle")
        heading.setWordWrap(True)
        text = QLabel(prompt)
        text.setWordWrap(True)
        text.setObjectName("muted")
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMinimumHeight(110)
        self.reminder = QLabel("A candidate is an investigative lead, not an identification.")
        self.reminder.setObjectName("hint")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText({"accept": "Accept", "reject": "Reject"}.get(verdict, "Save"))
        self.ok_button.setIcon(theme.icon(verdict))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._sync)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        for widget in (heading, text, self.reason, self.reminder, self.buttons):
            layout.addWidget(widget)
        self._sync()
        self.reason.setFocus()

    @property
    def required(self) -> bool:
        return self.verdict == "accept"

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    def _sync(self) -> None:
        self.ok_button.setEnabled(bool(self.text()) or not self.required)

    def accept(self) -> None:
        if self.required and not self.text():
            return
        super().accept()
