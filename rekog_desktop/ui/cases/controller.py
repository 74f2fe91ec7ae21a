"""CaseController: the reviewer at the keyboard, the open case, the audit trail, PDF export.

A search never runs without an open case: `with_case(then)` runs `then` at once when a case is
open, and otherwise asks for one (pick or create) first.

Signals:
    case_changed(object): the current Case, or None.
    reviewer_changed(object): the signed-in Officer.
    audit_loaded(object): an AuditSnapshot for the audit page.
    exported(object): an ExportResult.
    changed(): a note, closing, purge or verification was written (the audit view refreshes).
    message(str): a one-line status message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from rekog_desktop.core.cases.cases import Case
from rekog_desktop.core.cases.searches import BlindPair
from rekog_desktop.core.cases.users import Officer
from rekog_desktop.core.faces.images import sha256_file
from rekog_desktop.core.video.reader import read_frame
from rekog_desktop.ui.cases import jobs as case_jobs
from rekog_desktop.ui.cases.case_dialog import CaseDialog
from rekog_desktop.ui.cases.reviewer_dialog import ReviewerDialog
from rekog_desktop.ui.common.file_dialogs import file_dialog
from rekog_desktop.ui.common.qt_images import (
    DisplayImage,
    display_from_pixels,
    load_display_image,
)
from rekog_desktop.ui.common.workers import Job, WorkerPool
from rekog_desktop.ui.review.verify_dialog import VerifyDialog


def _pair_probe(pair: BlindPair) -> DisplayImage:
    """The probe side of a blind pair: the photo, or the clip's frame the face was taken from
    (its box is in that frame's pixels)."""
    if pair.frame is not None:
        pixels = read_frame(pair.probe_path, pair.frame)
        return display_from_pixels(pair.probe_path, sha256_file(pair.probe_path), pixels)
    return load_display_image(pair.probe_path)


class CaseController(QObject):
    case_changed = Signal(object)
    reviewer_changed = Signal(object)
    audit_loaded = Signal(object)
    exported = Signal(object)
    changed = Signal()
    message = Signal(str)

    def __init__(self, pool: WorkerPool, store_path: Callable[[], str], window: QWidget) -> None:
        super().__init__(window)
        self.pool = pool
        self.store_path = store_path
        self.window = window
        self.case: Case | None = None
        #: The officer signed in: every action is signed with them; None until signed in.
        self.officer: Officer | None = None
        self.case_dialog: CaseDialog | None = None
        self.export_dialog: QFileDialog | None = None
        self.reviewer_dialog: ReviewerDialog | None = None
        self.verify_dialog: VerifyDialog | None = None
        self.purge_dialog: QInputDialog | None = None
        self._after_case: list[Callable[[], object]] = []
        #: The case and officer of the last session: offered, never used unconfirmed.
        self.remembered_case = ""
        self.remembered_reviewer = ""

    def signed_in(self) -> Officer | None:
        """The officer to sign an action with; with nobody signed in, say so and ask."""
        if self.officer is None:
            self.message.emit("Sign in first: every action is signed by an officer.")
            self.choose_reviewer()
        return self.officer

    @property
    def case_number(self) -> str | None:
        return self.case.number if self.case is not None else None

    # -- start-up -------------------------------------------------------------------------

    def start(self, reviewer: str, case_number: str) -> None:
        """Sign in the OS account where it needs no password (else ask), then reopen the
        remembered case if it is still open."""
        self.set_case(None)
        self.officer = None
        self.remembered_case = case_number
        self.remembered_reviewer = reviewer
        path = self.store_path()
        job = self.pool.call("Signing in", lambda: case_jobs.os_account(path))
        job.succeeded.connect(self._on_os_account)
        job.failed.connect(self.message)

    def _on_os_account(self, officer: Officer | None) -> None:
        if officer is None:
            self.choose_reviewer()
            return
        self._set_officer(officer)
        number, path = self.remembered_case, self.store_path()
        if number and self.case is None:
            # The case of the last session is shown open; probes given on the command line
            # still ask for their case (with_case(confirm=True)).
            check = self.pool.call(
                "Opening the case", lambda: case_jobs.choose_case(path, number, by=officer)
            )
            check.succeeded.connect(self.set_case)
            check.failed.connect(lambda _t: self.set_case(None))

    def _set_officer(self, officer: Officer) -> None:
        self.officer = officer
        self.reviewer_changed.emit(officer)

    def set_case(self, case: Case | None) -> None:
        self.case = case
        self.case_changed.emit(case)
        if case is not None:
            pending, self._after_case = self._after_case, []
            for then in pending:
                then()

    # -- choosing a case ------------------------------------------------------------------

    def with_case(self, then: Callable[[], object], *, confirm: bool = False) -> None:
        """Run `then` under an open case, asking for one first if needed (`confirm`: ask even
        with a case open, e.g. for probes given on the command line). Cancel runs nothing."""
        if self.case is not None and not confirm and self.officer is not None:
            then()
            return
        self._after_case = [then]
        self.choose_case("Which case is this search for?")

    def choose_case(self, reason: str = "") -> None:
        path = self.store_path()
        job = self.pool.call("Reading cases", lambda: case_jobs.load_cases(path))
        job.succeeded.connect(lambda snapshot: self._show_case_dialog(snapshot, reason))
        job.failed.connect(self._error)

    def _show_case_dialog(self, snapshot: case_jobs.CasesSnapshot, reason: str) -> None:
        name = self.officer.name if self.officer is not None else ""
        selected = self.case.number if self.case is not None else self.remembered_case
        dialog = CaseDialog(
            snapshot.cases, officer=name, reason=reason, selected=selected, parent=self.window
        )
        self.case_dialog = dialog
        dialog.accepted.connect(lambda: self._on_case_dialog(dialog))
        dialog.rejected.connect(self._on_case_dialog_cancelled)
        dialog.open()

    def _on_case_dialog(self, dialog: CaseDialog) -> None:
        path, by = self.store_path(), self.signed_in()
        if by is None:
            self._after_case = []
            return
        if dialog.fields is not None:
            fields = dialog.fields
            job = self.pool.call(
                "Opening a new case", lambda: case_jobs.new_case(path, fields, by=by)
            )
        elif dialog.chosen:
            number = dialog.chosen
            job = self.pool.call(
                "Opening the case", lambda: case_jobs.choose_case(path, number, by=by)
            )
        else:
            return
        job.succeeded.connect(self.set_case)
        job.succeeded.connect(lambda case: self.message.emit(f"Case {case.number} is open"))
        job.failed.connect(self._error)

    def _on_case_dialog_cancelled(self) -> None:
        if self._after_case:
            self._after_case = []
            self.message.emit("No case chosen: the search did not run.")

    # -- reviewer -------------------------------------------------------------------------

    def choose_reviewer(self) -> None:
        path = self.store_path()
        job = self.pool.call("Reading users", lambda: case_jobs.load_cases(path))
        job.succeeded.connect(self._show_reviewer_dialog)
        job.failed.connect(self._error)

    def _show_reviewer_dialog(self, snapshot: case_jobs.CasesSnapshot) -> None:
        current = self.officer.name if self.officer is not None else ""
        dialog = ReviewerDialog(snapshot.users, current, self.window)
        self.reviewer_dialog = dialog
        dialog.accepted.connect(lambda: self._on_reviewer_dialog(dialog))
        dialog.open()

    def _on_reviewer_dialog(self, dialog: ReviewerDialog) -> None:
        path = self.store_path()
        if dialog.new_user is not None:
            by = self.signed_in()
            if by is None:
                return
            name, role, password = dialog.new_user
            job = self.pool.call(
                "Adding a user", lambda: case_jobs.new_user(path, name, role, password, by=by)
            )
            job.succeeded.connect(lambda user: self.message.emit(f"Added {user.name}"))
        else:
            name, password = dialog.name, dialog.password
            job = self.pool.call("Signing in", lambda: case_jobs.sign_in_with(path, name, password))
            job.succeeded.connect(self._set_officer)
            job.succeeded.connect(lambda who: self.message.emit(f"Signed in as {who.name}"))
        job.failed.connect(self._error)

    # -- notes, closing, peer verification ------------------------------------------------

    def ask_note(self) -> None:
        if self.case is None:
            self.choose_case("Which case is the note for?")
            return
        number = self.case.number
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(f"Note for case {number}")
        dialog.setLabelText("The note is timestamped, signed and cannot be edited later.")
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
        dialog.textValueSelected.connect(lambda text: self.add_note(number, text))
        dialog.open()

    def add_note(self, number: str, text: str) -> Job | None:
        if not text.strip():
            return None
        path, by = self.store_path(), self.signed_in()
        if by is None:
            return None
        job = self.pool.call("Adding a note", lambda: case_jobs.note(path, number, text, by=by))
        job.succeeded.connect(lambda _r: self.message.emit(f"Note added to case {number}"))
        job.succeeded.connect(lambda _r: self.changed.emit())
        job.failed.connect(self._error)
        return job

    def ask_close(self) -> None:
        if self.case is None:
            return
        number = self.case.number
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Close case",
            f"Close case {number}? No more searches or decisions can be added to it; "
            "it can still be exported and audited.",
            parent=self.window,
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Close case")

        def done(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                self.close_case(number)

        box.finished.connect(done)
        box.open()

    def close_case(self, number: str) -> Job | None:
        path, by = self.store_path(), self.signed_in()
        if by is None:
            return None
        job = self.pool.call("Closing the case", lambda: case_jobs.close(path, number, by=by))
        job.succeeded.connect(lambda _case: self.set_case(None))
        job.succeeded.connect(lambda _case: self.message.emit(f"Case {number} closed"))
        job.failed.connect(self._error)
        return job

    def ask_purge(self) -> None:
        """Purge a closed case: pick one of the closed cases, give a reason; the workflow
        decides whether the role and the retention period allow it."""
        path = self.store_path()
        job = self.pool.call("Reading cases", lambda: case_jobs.load_cases(path))
        job.succeeded.connect(self._show_purge_choice)
        job.failed.connect(self._error)

    def _show_purge_choice(self, snapshot: case_jobs.CasesSnapshot) -> None:
        closed = [c.number for c in snapshot.cases if not c.is_open and not c.is_purged]
        if not closed:
            self.message.emit("No closed case to purge: only closed cases can be purged.")
            return
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Purge a closed case")
        dialog.setLabelText(
            "Purging removes the case's searches, candidate face crops, decisions, "
            "verifications and notes for good, once the store's retention period has passed. "
            "Which case?"
        )
        dialog.setComboBoxItems(closed)
        self.purge_dialog = dialog
        dialog.textValueSelected.connect(self._ask_purge_reason)
        dialog.open()

    def _ask_purge_reason(self, number: str) -> None:
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(f"Purge case {number}")
        dialog.setLabelText("Why is the case purged? (kept in the audit receipt)")
        self.purge_dialog = dialog
        dialog.textValueSelected.connect(lambda reason: self.purge(number, reason))
        dialog.open()

    def purge(self, number: str, reason: str) -> Job | None:
        path, by = self.store_path(), self.signed_in()
        if by is None:
            return None
        job = self.pool.call(
            "Purging the case", lambda: case_jobs.purge(path, number, reason, by=by)
        )
        job.succeeded.connect(self._on_purged)
        job.succeeded.connect(lambda _receipt: self.changed.emit())
        job.failed.connect(self._error)
        return job

    def _on_purged(self, receipt: object) -> None:
        number = getattr(receipt, "case_number", "")
        counts = getattr(receipt, "counts", {})
        said = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
        self.message.emit(f"Case {number} purged: {said}")

    def start_verification(self) -> None:
        if self.case is None:
            self.choose_case("Which case do you want to verify?")
            return
        path, number, by = self.store_path(), self.case.number, self.signed_in()
        if by is None:
            return
        job = self.pool.call(
            "Finding pairs to verify", lambda: case_jobs.pending_pairs(path, number, by=by)
        )
        job.succeeded.connect(lambda pairs: self._show_verify(pairs, by.name))
        job.failed.connect(self._error)

    def _show_verify(self, pairs: list[BlindPair], reviewer: str) -> None:
        dialog = VerifyDialog(pairs, reviewer, self.window)
        self.verify_dialog = dialog
        dialog.photos_wanted.connect(lambda index: self._load_pair(dialog, index))
        dialog.verdict_given.connect(
            lambda decision_id, verdict, reason: self._verify(dialog, decision_id, verdict, reason)
        )
        dialog.open()
        dialog.start()

    def _load_pair(self, dialog: VerifyDialog, index: int) -> None:
        pair = dialog.pairs[index]
        job = self.pool.call(
            "Loading the pair",
            lambda: (_pair_probe(pair), load_display_image(pair.candidate_photo)),
        )
        job.succeeded.connect(lambda both: dialog.show_photos(index, both[0], both[1], ""))
        job.failed.connect(lambda text: dialog.show_photos(index, None, None, text))

    def _verify(self, dialog: VerifyDialog, decision_id: int, verdict: str, reason: str) -> None:
        path, by = self.store_path(), self.signed_in()
        if by is None:
            return
        job = self.pool.call(
            "Saving the verification",
            lambda: case_jobs.verify(path, decision_id, verdict, reason, by=by),
        )
        job.succeeded.connect(lambda _record: dialog.mark_done(decision_id, verdict))
        job.succeeded.connect(lambda _record: self.changed.emit())
        job.failed.connect(self._error)

    # -- audit and export -----------------------------------------------------------------

    def refresh_audit(self, case_number: str | None = None, event_type: str | None = None) -> Job:
        path = self.store_path()
        job = self.pool.call(
            "Verifying the audit trail",
            lambda: case_jobs.load_audit(path, case_number=case_number, event_type=event_type),
        )
        job.succeeded.connect(self.audit_loaded)
        job.failed.connect(self.message)
        return job

    def ask_export(self) -> None:
        if self.case is None:
            self.choose_case("Which case do you want to export?")
            return
        number = self.case.number
        dialog = file_dialog(self.window, f"Export case {number} as PDF")
        self.export_dialog = dialog
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("PDF documents (*.pdf)")
        dialog.setDefaultSuffix("pdf")
        dialog.selectFile(f"case-{number}.pdf")
        dialog.fileSelected.connect(lambda target: self.export(number, target))
        dialog.open()

    def export(self, case_number: str, target: str) -> Job | None:
        path, by = self.store_path(), self.signed_in()
        if by is None:
            return None
        job = self.pool.call(
            "Writing the case notes",
            lambda: case_jobs.export_pdf(path, case_number, target, by=by),
        )
        job.succeeded.connect(self._on_exported)
        job.failed.connect(self._error)
        return job

    def _on_exported(self, result: object) -> None:
        self.exported.emit(result)
        path = getattr(result, "path", "")
        pages = getattr(result, "pages", 0)
        digest = getattr(result, "sha256", "")
        self.message.emit(f"Case notes written: {path} ({pages} pages)")
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Case notes exported",
            f"{path}\n\n{pages} pages. SHA-256 (logged in the audit trail):\n{digest}",
            parent=self.window,
        )
        box.open()

    def _error(self, text: str) -> None:
        self.message.emit(text)
        QMessageBox(QMessageBox.Icon.Warning, "rekog-desktop", text, parent=self.window).open()
