"""AuditEventModel: audit events as table rows, newest first, with a one-line summary each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from rekog_desktop.core.audit.trail import AuditEvent
from rekog_desktop.core.cases.searches import face_label

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("#", "Time (UTC)", "Actor", "Case", "Event", "Details")
EventRole = Qt.ItemDataRole.UserRole + 1


def summarise(event: AuditEvent) -> str:
    """A line a supervisor can scan; the full data is in the detail pane."""
    data = event.data
    kind = event.event_type
    if kind == "search":
        probe = Path(str(data.get("probe_path", ""))).name
        cands = data.get("candidates", [])
        within = data.get("within_tolerance", 0)
        tail = "no candidate within tolerance" if data.get("no_match") else f"{within} within"
        face = face_label(str(data.get("kind", "image")), int(data.get("face_index", 0)))
        return (
            f"{probe}, {face}: {len(cands)} candidates, {tail} (tolerance {data.get('tolerance')})"
        )
    if kind == "decision":
        reason = f": {data['reason']}" if data.get("reason") else ""
        return (
            f"{data.get('verdict')} rank {data.get('rank')} ({data.get('subject')}) "
            f"in search {data.get('search_id')}{reason}"
        )
    if kind == "candidate_viewed":
        return f"search {data.get('search_id')}, rank {data.get('rank')}"
    if kind == "import":
        ending = ", cancelled" if data.get("cancelled") else ", done" if data.get("final") else ""
        return (
            f"{data.get('imported')} photos, {data.get('faces')} faces from "
            f"'{data.get('source', '')}' (batch {data.get('batch', 1)}{ending})"
        )
    if kind == "verification":
        return f"{data.get('verdict')} decision {data.get('decision_id')}: {data.get('reason', '')}"
    if kind in ("case_opened",):
        return f"{data.get('title', '')} · {data.get('purpose', '')}"
    if kind == "export":
        return f"{Path(str(data.get('path', ''))).name} sha256 {str(data.get('sha256', ''))[:16]}…"
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 140 else text[:139] + "…"


class AuditEventModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._events: list[AuditEvent] = []
        self.first_bad_id: int | None = None

    def set_events(self, events: list[AuditEvent], first_bad_id: int | None = None) -> None:
        self.beginResetModel()
        self._events = list(events)
        self.first_bad_id = first_bad_id
        self.endResetModel()

    def audit_event(self, row: int) -> AuditEvent:
        return self._events[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        if role == EventRole:
            return event
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(event.id),
                event.created_utc[:19].replace("T", " "),
                event.actor,
                event.case_number or "",
                event.event_type,
                summarise(event),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(COLUMNS) - 1:
            return summarise(event)
        if role == Qt.ItemDataRole.ForegroundRole and self._is_bad(event):
            from PySide6.QtGui import QColor

            return QColor("#f59a9a")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _is_bad(self, event: AuditEvent) -> bool:
        return self.first_bad_id is not None and event.id >= self.first_bad_id
