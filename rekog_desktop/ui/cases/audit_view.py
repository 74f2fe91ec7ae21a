"""AuditPage: the chain's status, the trail filtered by case and event type, one event in full.

Signals:
    refresh_requested(object, object): case number and event type filters (None: all).
"""

from __future__ import annotations

import json

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.audit.verify import TrailStatus
from rekog_desktop.ui.cases.audit_model import AuditEventModel, summarise
from rekog_desktop.ui.cases.jobs import AuditSnapshot
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.widgets import Panel

ALL = "All"


class AuditPage(QWidget):
    refresh_requested = Signal(object, object)

    def __init__(self, model: AuditEventModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.panel = Panel("Audit trail")
        self.chain_icon = QLabel()
        self.chain_label = QLabel("Chain not checked yet")
        self.chain_label.setObjectName("muted")
        self.case_filter = QComboBox()
        self.case_filter.setMinimumWidth(160)
        self.type_filter = QComboBox()
        self.type_filter.setMinimumWidth(160)
        self.verify_button = QPushButton(theme.icon("audit"), "Verify and refresh")
        self.verify_button.setToolTip(
            "Recompute every event's SHA-256 and link: an edited or removed row is named"
        )
        status = QHBoxLayout()
        status.setSpacing(8)
        status.addWidget(self.chain_icon)
        status.addWidget(self.chain_label, 1)
        case_label = QLabel("Case")
        case_label.setObjectName("muted")
        type_label = QLabel("Event")
        type_label.setObjectName("muted")
        status.addWidget(case_label)
        status.addWidget(self.case_filter)
        status.addWidget(type_label)
        status.addWidget(self.type_filter)
        status.addWidget(self.verify_button)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        for column, width in enumerate((56, 150, 120, 110, 130)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(max(8.0, self.font().pointSizeF() - 0.5))
        self.detail.setFont(mono)
        self.detail.setPlaceholderText("Select an event to see everything it recorded.")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([600, 220])
        self.splitter = splitter
        self.panel.body.addLayout(status)
        self.panel.body.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.panel)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.verify_button.clicked.connect(self.request_refresh)
        self.case_filter.activated.connect(lambda _i: self.request_refresh())
        self.type_filter.activated.connect(lambda _i: self.request_refresh())
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.model.modelReset.connect(lambda: self.detail.setPlainText(""))

    def filters(self) -> tuple[str | None, str | None]:
        case = self.case_filter.currentData()
        kind = self.type_filter.currentData()
        return (case or None, kind or None)

    def request_refresh(self) -> None:
        self.refresh_requested.emit(*self.filters())

    def show_snapshot(self, snapshot: AuditSnapshot) -> None:
        case, kind = self.filters()
        self._fill(self.case_filter, snapshot.case_numbers, case, "All cases")
        self._fill(self.type_filter, snapshot.event_types, kind, "All events")
        self.model.set_events(snapshot.events, snapshot.chain.first_bad_id)
        self.show_chain(snapshot.chain)
        shown = len(snapshot.events)
        self.panel.set_subtitle(f"{shown} event{'s' if shown != 1 else ''} shown")

    def show_chain(self, chain: TrailStatus) -> None:
        if chain.ok:
            self.chain_icon.setPixmap(theme.icon("audit").pixmap(QSize(20, 20)))
            self.chain_label.setObjectName("chainOk")
            self.chain_label.setText(
                f"Chain intact: {chain.events} events verified, head {chain.head_hash[:16]}…"
            )
        else:
            self.chain_icon.setPixmap(theme.icon("audit-broken").pixmap(QSize(20, 20)))
            self.chain_label.setObjectName("chainBroken")
            self.chain_label.setText(
                f"Chain BROKEN at event {chain.first_bad_id}: {chain.problem}. "
                "The trail was changed outside the app."
            )
        self.chain_label.style().unpolish(self.chain_label)
        self.chain_label.style().polish(self.chain_label)

    @staticmethod
    def _fill(box: QComboBox, values: list[str], current: str | None, all_label: str) -> None:
        box.blockSignals(True)
        box.clear()
        box.addItem(all_label, "")
        for value in values:
            box.addItem(value, value)
        index = box.findData(current or "")
        box.setCurrentIndex(max(0, index))
        box.blockSignals(False)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.setPlainText("")
            return
        event = self.model.audit_event(current.row())
        lines = [
            f"Event {event.id}: {event.event_type}",
            f"Time      {event.created_utc}",
            f"Actor     {event.actor} (OS user {event.os_user})",
            f"Case      {event.case_number or '-'}",
            f"Summary   {summarise(event)}",
            f"Prev hash {event.prev_hash}",
            f"Hash      {event.hash}",
            "",
            json.dumps(event.data, indent=2, ensure_ascii=False, sort_keys=True),
        ]
        self.detail.setPlainText("\n".join(lines))
