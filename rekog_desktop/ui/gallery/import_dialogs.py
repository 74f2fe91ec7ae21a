"""The three steps of an import a person sees: how to file the photos, progress, summary."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.core.gallery.importer import ImportProgress, ImportSummary
from rekog_desktop.ui.common import theme
from rekog_desktop.ui.search.jobs import ImportRequest

_STATUS_WORDS = {
    "imported": "imported",
    "duplicate": "already in the store",
    "no_face": "no face found",
    "several_faces": "several faces, none enrolled",
    "failed": "could not be read",
}


def _describe(paths: list[str]) -> str:
    folders = [p for p in paths if Path(p).is_dir()]
    files = len(paths) - len(folders)
    parts = []
    if folders:
        names = ", ".join(Path(p).name for p in folders[:3]) + (" …" if len(folders) > 3 else "")
        parts.append(f"{len(folders)} folder{'s' if len(folders) != 1 else ''} ({names})")
    if files:
        parts.append(f"{files} file{'s' if files != 1 else ''}")
    return " and ".join(parts) or "nothing"


class ImportOptionsDialog(QDialog):
    """Asks how to name subjects and where the photos come from (provenance is required)."""

    def __init__(self, paths: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import photos")
        self.setMinimumWidth(560)
        self.paths = list(paths)
        has_folder = any(Path(p).is_dir() for p in paths)

        intro = QLabel(f"Import {_describe(self.paths)} into the gallery.")
        intro.setWordWrap(True)
        intro.setObjectName("panelTitle")

        self.from_folder = QRadioButton("Name each subject after the folder that holds the photo")
        self.one_subject = QRadioButton("File every photo under one subject:")
        self.unassigned = QRadioButton("Do not file under a subject (enrol faces later)")
        self.subject_edit = QLineEdit()
        self.subject_edit.setPlaceholderText("Subject name, e.g. Unknown male 1")
        group = QButtonGroup(self)
        for button in (self.from_folder, self.one_subject, self.unassigned):
            group.addButton(button)
        (self.from_folder if has_folder else self.one_subject).setChecked(True)
        if not has_folder and self.paths:
            self.subject_edit.setText(Path(self.paths[0]).parent.name.replace("_", " "))

        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText(
            "e.g. Custody photos, batch 2026-04, exported by PC 1234"
        )
        source_hint = QLabel(
            "Where the photos come from is stored with every photo and in the audit."
        )
        source_hint.setObjectName("hint")
        source_hint.setWordWrap(True)

        self.error = QLabel("")
        self.error.setObjectName("chainBroken")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        naming = QVBoxLayout()
        naming.setSpacing(6)
        naming.addWidget(self.from_folder)
        row = QHBoxLayout()
        row.addWidget(self.one_subject)
        row.addWidget(self.subject_edit, 1)
        naming.addLayout(row)
        naming.addWidget(self.unassigned)
        form.addRow("Subjects", naming)
        form.addRow("Source", self.source_edit)
        form.addRow("", source_hint)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Import")
        ok.setIcon(theme.icon("import"))
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        self.one_subject.toggled.connect(self._sync)
        self.subject_edit.textEdited.connect(lambda _t: self.one_subject.setChecked(True))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._sync()

    def _sync(self) -> None:
        self.subject_edit.setEnabled(True)

    def request(self) -> ImportRequest:
        subject = self.subject_edit.text().strip() if self.one_subject.isChecked() else None
        return ImportRequest(
            paths=tuple(self.paths),
            subject=subject,
            subject_from_folder=self.from_folder.isChecked(),
            source=self.source_edit.text().strip(),
        )

    def _on_accept(self) -> None:
        if self.one_subject.isChecked() and not self.subject_edit.text().strip():
            self.error.setText("Give the subject a name, or choose another option.")
            self.subject_edit.setFocus()
            return
        if not self.source_edit.text().strip():
            self.error.setText("Say where the photos come from (provenance).")
            self.source_edit.setFocus()
            return
        self.accept()


class ImportProgressDialog(QDialog):
    """Progress of a running import with a Cancel button (non-modal: the app stays usable).

    Signals:
        cancel_requested(): the person pressed Cancel.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Importing photos")
        self.setMinimumWidth(520)
        self.setModal(False)
        self.title = QLabel("Looking for image files…")
        self.title.setObjectName("panelTitle")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.current = QLabel("")
        self.current.setObjectName("muted")
        self.tally = QLabel("")
        self.cancel_button = QPushButton(theme.icon("cancel"), "Cancel")
        self.cancel_button.clicked.connect(self._on_cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.tally, 1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        for widget in (self.title, self.bar, self.current):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.counts: dict[str, int] = {}
        self.skipped: list[tuple[str, str]] = []
        self._started = time.monotonic()
        self.last: ImportProgress | None = None

    def on_scanned(self, files: int) -> None:
        self.title.setText(f"Importing {files} photo{'s' if files != 1 else ''}")
        self.bar.setRange(0, max(files, 1))
        self.bar.setValue(0)
        self._started = time.monotonic()

    def on_progress(self, step: ImportProgress) -> None:
        if step.status == "started":
            return
        self.last = step
        self.bar.setMaximum(max(step.total, 1))
        self.bar.setValue(step.done)
        self.counts[step.status] = self.counts.get(step.status, 0) + 1
        if step.status not in ("imported", "duplicate"):
            self.skipped.append((step.path, step.detail or _STATUS_WORDS.get(step.status, "")))
        elapsed = time.monotonic() - self._started
        remaining = ""
        if step.done and step.total > step.done:
            seconds = elapsed / step.done * (step.total - step.done)
            remaining = (
                f" · about {seconds:.0f} s left"
                if seconds < 120
                else f" · about {seconds / 60:.0f} min left"
            )
        self.current.setText(
            self.current.fontMetrics().elidedText(
                f"{step.done} of {step.total}: {Path(step.path).name}{remaining}",
                Qt.TextElideMode.ElideMiddle,
                480,
            )
        )
        imported = self.counts.get("imported", 0) + self.counts.get("several_faces", 0)
        other = sum(self.counts.values()) - imported
        self.tally.setText(f"{imported} imported, {other} skipped or already there")

    def _on_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.title.setText("Cancelling: finishing the photos in progress…")
        self.cancel_requested.emit()

    def reject(self) -> None:  # Escape or the window's close button cancel too
        if self.cancel_button.isEnabled():
            self._on_cancel()


class ImportSummaryDialog(QDialog):
    """What happened: counts, then every file not imported as expected and why."""

    def __init__(
        self,
        summary: ImportSummary | None,
        skipped: list[tuple[str, str]],
        *,
        cancelled: bool,
        done: int = 0,
        total: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished" if not cancelled else "Import cancelled")
        self.resize(760, 460)
        heading = QLabel()
        heading.setObjectName("panelTitle")
        detail = QLabel()
        detail.setObjectName("muted")
        detail.setWordWrap(True)
        rows: list[tuple[str, str]] = []
        if summary is not None:
            heading.setText(
                f"Imported {summary.imported} photo{'s' if summary.imported != 1 else ''} "
                f"with {summary.faces} face{'s' if summary.faces != 1 else ''}"
            )
            detail.setText(
                f"{summary.duplicates} already in the store (recognised by SHA-256), "
                f"{len(summary.no_face)} without a face, {len(summary.several_faces)} with "
                f"several faces (kept, none enrolled), {len(summary.dominant)} with several "
                f"faces where the largest was enrolled, {len(summary.failed)} not readable."
            )
            rows += [(p, "no face found (kept, not searchable)") for p in summary.no_face]
            rows += [
                (p, f"{n} faces: none enrolled, open the photo to pick one")
                for p, n in summary.several_faces
            ]
            rows += [
                (str(e["path"]), f"{e['text']}; the others await assignment")
                for e in summary.dominant
            ]
            rows += [(p, r) for p, r in summary.failed]
            rows += [(p, f"not imported: {r}") for p, r in summary.skipped]
            rows += [(p, n) for p, n in summary.notes]
        else:
            heading.setText(f"Import cancelled after {done} of {total} files")
            detail.setText(
                "Every photo finished before the cancel is stored; the others were not "
                "touched. Import the same folder again to complete it (files already in the "
                "store are skipped)."
            )
            rows = list(skipped)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["File", "Why it was not enrolled"])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        for path, reason in rows:
            item = QTreeWidgetItem([Path(path).name, reason])
            item.setToolTip(0, path)
            item.setToolTip(1, reason)
            self.table.addTopLevelItem(item)
        self.table.setColumnWidth(0, 260)
        empty = QLabel("Every file was imported with exactly one face.")
        empty.setObjectName("qualityGood")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(detail)
        if rows:
            layout.addWidget(self.table, 1)
        else:
            layout.addWidget(empty)
            layout.addStretch(1)
            self.table.hide()
        layout.addWidget(buttons)
        self.rows = rows
