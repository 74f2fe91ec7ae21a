"""ReviewerDialog: who is at the keyboard (every view and decision is signed with it)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.cases.roles import Role
from rekog_desktop.core.cases.users import User


class ReviewerDialog(QDialog):
    """After accept: `name` and `password` to sign in as, or `new_user` (name, role, password)."""

    def __init__(self, users: list[User], current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reviewer")
        self.setMinimumWidth(480)
        self.users = {u.name: u for u in users}
        self.name = current
        self.password: str | None = None
        self.new_user: tuple[str, str, str | None] | None = None
        heading = QLabel("Who is reviewing?")
        heading.setObjectName("panelTitle")
        note = QLabel("Searches, views and decisions are signed with this name in the audit trail.")
        note.setObjectName("muted")
        note.setWordWrap(True)

        self.user_box = QComboBox()
        for user in users:
            self.user_box.addItem(f"{user.name} ({user.role.value})", user.name)
        index = self.user_box.findData(current)
        self.user_box.setCurrentIndex(max(0, index))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("only for users with a password")
        sign_in = QGroupBox("Sign in as")
        sign_form = QFormLayout(sign_in)
        sign_form.addRow("User", self.user_box)
        sign_form.addRow("Password", self.password_edit)

        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("leave empty to sign in as above")
        self.new_role = QComboBox()
        for role in Role:
            self.new_role.addItem(role.value, role.value)
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setPlaceholderText("optional; stored as a scrypt hash")
        add = QGroupBox("Or add a user")
        add_form = QFormLayout(add)
        add_form.addRow("Name", self.new_name)
        add_form.addRow("Role", self.new_role)
        add_form.addRow("Password", self.new_password)

        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        for widget in (heading, note, sign_in, add, buttons):
            layout.addWidget(widget)

    def _on_accept(self) -> None:
        if self.new_name.text().strip():
            self.new_user = (
                self.new_name.text().strip(),
                str(self.new_role.currentData()),
                self.new_password.text() or None,
            )
        else:
            self.name = str(self.user_box.currentData() or "")
            self.password = self.password_edit.text() or None
        self.accept()
