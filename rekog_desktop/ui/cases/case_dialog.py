"""CaseDialog: pick an open case or open a new one; no search runs without a case."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.cases.cases import Case
from rekog_desktop.ui.cases.jobs import CaseFields
from rekog_desktop.ui.common import theme


class CaseDialog(QDialog):
    """After accept: `chosen` is the picked case number, or `fields` the new case to open."""

    def __init__(
        self,
        cases: list[Case],
        *,
        officer: str,
        reason: str = "",
        selected: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Case")
        self.setMinimumSize(620, 460)
        self.chosen: str | None = None
        self.fields: CaseFields | None = None
        heading = QLabel(reason or "Every search is recorded in a case.")
        heading.setObjectName("panelTitle")
        heading.setWordWrap(True)
        sub = QLabel(
            "Pick the open case this work belongs to, or open a new one with its purpose and "
            "legal basis. Searches, views and decisions are logged in it."
        )
        sub.setObjectName("muted")
        sub.setWordWrap(True)

        self.case_list = QListWidget()
        self.case_list.setAlternatingRowColors(True)
        open_cases = [c for c in cases if c.is_open]
        for case in open_cases:
            item = QListWidgetItem(
                theme.icon("case"),
                f"{case.number} · {case.title}\n{case.purpose} · {case.officer} · opened "
                f"{case.opened_utc[:10]}",
            )
            item.setData(Qt.ItemDataRole.UserRole, case.number)
            item.setToolTip(f"Legal basis: {case.legal_basis}")
            self.case_list.addItem(item)
        if open_cases:
            numbers = [c.number for c in open_cases]
            self.case_list.setCurrentRow(numbers.index(selected) if selected in numbers else 0)
        self.case_list.itemDoubleClicked.connect(lambda _item: self._on_accept())

        self.number = QLineEdit()
        self.number.setPlaceholderText("e.g. 2026-0142")
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Street robbery, Market Square, 3 May")
        self.purpose = QLineEdit()
        self.purpose.setPlaceholderText("Offence or purpose, e.g. robbery (s.8 Theft Act 1968)")
        self.legal_basis = QLineEdit()
        self.legal_basis.setPlaceholderText("e.g. DPA 2018 s.35, authorised by DI Jones")
        self.officer = QLineEdit(officer)
        form_page = QWidget()
        form = QFormLayout(form_page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Case number", self.number)
        form.addRow("Title", self.title)
        form.addRow("Purpose", self.purpose)
        form.addRow("Legal basis", self.legal_basis)
        form.addRow("Officer", self.officer)

        self.tabs = QTabWidget()
        if open_cases:
            self.tabs.addTab(self.case_list, theme.icon("case"), f"Open cases ({len(open_cases)})")
        self.tabs.addTab(form_page, theme.icon("note"), "New case")
        self.error = QLabel("")
        self.error.setObjectName("chainBroken")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        self.tabs.currentChanged.connect(self._sync)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(sub)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._sync()

    @property
    def creating(self) -> bool:
        return self.tabs.currentWidget() is not self.case_list

    def _sync(self) -> None:
        self.ok_button.setText("Open new case" if self.creating else "Use this case")
        self.error.setText("")

    def _on_accept(self) -> None:
        if not self.creating:
            item = self.case_list.currentItem()
            if item is None:
                self.error.setText("Select a case.")
                return
            self.chosen = str(item.data(Qt.ItemDataRole.UserRole))
            self.accept()
            return
        fields = CaseFields(
            number=self.number.text().strip(),
            title=self.title.text().strip(),
            purpose=self.purpose.text().strip(),
            legal_basis=self.legal_basis.text().strip(),
            officer=self.officer.text().strip(),
        )
        missing = [
            label
            for label, value in (
                ("case number", fields.number),
                ("title", fields.title),
                ("purpose", fields.purpose),
                ("legal basis", fields.legal_basis),
                ("officer", fields.officer),
            )
            if not value
        ]
        if missing:
            self.error.setText("A case needs: " + ", ".join(missing) + ".")
            return
        self.fields = fields
        self.accept()
