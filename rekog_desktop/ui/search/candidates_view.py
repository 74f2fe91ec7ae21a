"""CandidatePanel: the ranked list under a permanent "lead, not identification" line.

Signals:
    candidate_selected(int): row of the candidate to review (-1: none).
    search_settings_changed(SearchSettings): top-K, tolerance and preset chosen by the person.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QWidget,
)

from rekog_desktop.core.scoring.calibration import DEFAULT_PRESET, PRESETS, Preset
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.core.scoring.wording import (
    PRESET_HELP,
    PRESET_NAMES,
    SCOPE_SHORT,
    SCOPE_TEXT,
    rule_text,
    stranger_text,
    unreliable_text,
)
from rekog_desktop.ui.common.widgets import ElidedLabel, MessageBar, Panel
from rekog_desktop.ui.search.candidates_model import (
    DECISION,
    DISTANCE,
    FACE,
    FMR,
    QUALITY,
    RANK,
    SUBJECT,
    THUMB_SIDE,
    CandidateTableModel,
)

LEAD_TEXT = "Investigative lead only, not an identification"


class CandidatePanel(Panel):
    candidate_selected = Signal(int)
    search_settings_changed = Signal(object)

    def __init__(self, model: CandidateTableModel, parent: QWidget | None = None) -> None:
        super().__init__("Candidates", parent)
        self.model = model
        self.lead = QLabel(LEAD_TEXT)
        self.lead.setObjectName("leadBanner")
        self.lead.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lead.setToolTip(
            "A candidate is a face the model finds similar. Only a trained person, with other "
            "evidence, can decide who someone is."
        )
        self.top_k = QSpinBox()
        self.top_k.setRange(1, 200)
        self.top_k.setPrefix("Top ")
        self.top_k.setToolTip("How many gallery faces to list")
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0.20, 1.20)
        self.tolerance.setSingleStep(0.05)
        self.tolerance.setDecimals(2)
        self.tolerance.setPrefix("Tolerance ")
        self.tolerance.setToolTip(
            "Distance at or below which a candidate counts as within tolerance (0.60 is dlib's "
            "operating point, and the most accurate cut for this engine on LFW-style pairs; "
            "lower is stricter). The line below says how often a stranger would still be marked."
        )
        self.preset = QComboBox()
        for preset in PRESETS:
            self.preset.addItem(PRESET_NAMES[preset], preset)
            index = self.preset.count() - 1
            self.preset.setItemData(index, PRESET_HELP[preset], Qt.ItemDataRole.ToolTipRole)
        self.preset.setToolTip("Search preset.\n" + "\n".join(PRESET_HELP[p] for p in PRESETS))
        self.preset.setAccessibleName("Search preset")
        self.top_k.setFixedWidth(84)
        self.tolerance.setFixedWidth(124)
        # The settings sit in the title line: on a laptop screen every line of height is a
        # candidate row the officer does not have to scroll to.
        self.header.addWidget(self.preset)
        self.header.addWidget(self.top_k)
        self.header.addWidget(self.tolerance)
        #: "20 shown · 1 within tolerance 0.60. Stranger match: ..." on two elided lines at
        #: most (the whole text in the tooltip): on a 1280x800 screen every wrapped line is
        #: a candidate row less.
        self.summary = ElidedLabel("", lines=2)
        self.summary.setObjectName("muted")
        self.unreliable = MessageBar(one_line=True)
        self.no_match = MessageBar()
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(THUMB_SIDE + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(SUBJECT, QHeaderView.ResizeMode.Stretch)
        widths = {
            RANK: 30,
            FACE: THUMB_SIDE + 10,
            DISTANCE: 66,
            FMR: 104,
            QUALITY: 58,
            DECISION: 112,
        }
        for column, width in widths.items():
            header.resizeSection(column, width)
        self.table.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.empty = QLabel("Drop a probe photo to see candidates.")
        self.empty.setObjectName("hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lead.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.body.addWidget(self.lead)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.unreliable)
        self.body.addWidget(self.no_match)
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.empty, 1)
        self._connect_signals()
        self._on_reset()

    def _connect_signals(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.model.modelReset.connect(self._on_reset)
        self.top_k.editingFinished.connect(self._on_settings)
        self.tolerance.editingFinished.connect(self._on_settings)
        self.preset.currentIndexChanged.connect(self._on_settings)

    def set_settings(self, settings: SearchSettings) -> None:
        boxes = (self.top_k, self.tolerance, self.preset)
        for box in boxes:
            box.blockSignals(True)
        self.top_k.setValue(settings.top_k)
        self.tolerance.setValue(settings.tolerance)
        self.preset.setCurrentIndex(max(0, self.preset.findData(settings.preset)))
        self._sync_tolerance()
        for box in boxes:
            box.blockSignals(False)

    def current_preset(self) -> Preset:
        chosen = self.preset.currentData()
        return next((p for p in PRESETS if p == chosen), DEFAULT_PRESET)

    def _sync_tolerance(self) -> None:
        """The strict preset's cut is calibrated, not the tolerance: say so by disabling it."""
        self.tolerance.setEnabled(self.current_preset() != "strict")

    def _on_settings(self) -> None:
        self._sync_tolerance()
        self.search_settings_changed.emit(
            SearchSettings(
                self.top_k.value(), round(self.tolerance.value(), 2), self.current_preset()
            )
        )

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.candidate_selected.emit(current.row() if current.isValid() else -1)

    def _on_reset(self) -> None:
        search = self.model.search
        has_rows = self.model.rowCount() > 0
        self.table.setVisible(search is not None)
        self.empty.setVisible(search is None)
        if search is None:
            self.summary.set_full_text("")
            self.unreliable.clear_message()
            self.no_match.clear_message()
            return
        shown = len(search.candidates)
        within = search.within_tolerance
        rule = rule_text(search)
        counts = f"{shown} shown · {within} {rule}."
        self.summary.set_full_text(
            f"{counts} {stranger_text(search)} {SCOPE_SHORT}" if has_rows else counts,
            tooltip=f"{counts}\n{stranger_text(search)}\n{SCOPE_TEXT}",
        )
        reason = unreliable_text(search)
        if reason and has_rows:
            self.unreliable.show_message(reason, "warning")
        else:
            self.unreliable.clear_message()
        if not has_rows:
            self.no_match.show_message("The gallery is empty: import photos first.", "info")
        elif within == 0:
            self.no_match.show_message(f"No candidate {rule}: none of these is a match.", "info")
            self.no_match.setToolTip(
                "The nearest gallery faces are listed for completeness and disclosure; every "
                "one of them is outside the preset's cut."
            )
        else:
            self.no_match.clear_message()

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def step_selection(self, step: int) -> None:
        """Select the row `step` rows away (clamped; the first row when none is selected).

        Not named `move`: that is QWidget.move, which moves the widget itself.
        """
        count = self.model.rowCount()
        if count == 0:
            return
        row = self.current_row()
        target = 0 if row < 0 else min(count - 1, max(0, row + step))
        self.select_row(target)
