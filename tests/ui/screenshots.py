"""Screenshots of every screen at 1600x1000 and 1280x800, driven through the real window.

Not a test (pytest does not collect it): a script to look at the app with one's own eyes.
It builds a store by dropping the identity folders of ../shared/data/faces on the gallery (the
group photos unassigned), then walks the officer's loop. Dialogs are painted over the window,
centred, as they appear on screen.

    uv run python tests/ui/screenshots.py [OUT_DIR]     (default /work/notes/screens)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ui_helpers import drop_paths

from rekog_desktop.app import freeze_startup_objects
from rekog_desktop.ui.common.theme import apply_theme
from rekog_desktop.ui.search.jobs import ImportRequest
from rekog_desktop.ui.shell.main_window import MainWindow

DATA = Path(
    os.environ.get("REKOG_TEST_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)
FACES = DATA / "faces"
SIZES = ((1600, 1000), (1280, 800))


def wait(app: QApplication, condition: Callable[[], bool], timeout_s: float = 120) -> None:
    start = time.monotonic()
    while not condition():
        app.processEvents()
        time.sleep(0.005)
        if time.monotonic() - start > timeout_s:
            raise TimeoutError("screen did not settle")


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


class Shooter:
    def __init__(self, app: QApplication, window: MainWindow, out: Path, size: tuple[int, int]):
        self.app, self.window, self.out = app, window, out
        self.tag = f"{size[0]}x{size[1]}"

    def shot(self, name: str, dialog: QWidget | None = None, *, fit: bool = True) -> None:
        settle(self.app)
        picture = self.window.grab()
        if dialog is not None and dialog.isVisible():
            if fit:
                dialog.adjustSize()
            settle(self.app, 0.1)
            top = dialog.grab()
            painter = QPainter(picture)
            painter.fillRect(picture.rect(), QColor(0, 0, 0, 110))
            corner = QPoint(
                (picture.width() - top.width()) // 2, (picture.height() - top.height()) // 3
            )
            painter.fillRect(top.rect().translated(corner + QPoint(4, 6)), QColor(0, 0, 0, 90))
            painter.drawPixmap(corner, top)
            painter.end()
        path = self.out / f"{self.tag}-{name}.png"
        picture.save(str(path))
        print(path)


def run(out: Path, size: tuple[int, int]) -> None:
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    work = Path(tempfile.mkdtemp(prefix="rekog-screens-"))
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, store_path=str(work / "gallery.sqlite"))
    window.resize(*size)
    window.show()
    freeze_startup_objects()
    shoot = Shooter(app, window, out, size)
    wait(app, lambda: window.gallery.snapshot is not None and window.cases.officer is not None)
    shoot.shot("01-gallery-empty")

    identities = sorted(p for p in FACES.iterdir() if p.is_dir() and not p.name.startswith("_"))
    held_out = {p.name: sorted(p.iterdir())[-1] for p in identities if len(list(p.iterdir())) > 1}
    staging = work / "photos"
    for folder in identities:
        target = staging / folder.name
        target.mkdir(parents=True)
        for photo in sorted(folder.iterdir()):
            if photo != held_out.get(folder.name):
                (target / photo.name).symlink_to(photo)
    drop_paths(window.gallery_view, sorted(staging.iterdir()))
    wait(app, lambda: window.gallery.options_dialog is not None)
    dialog = window.gallery.options_dialog
    dialog.source_edit.setText("Custody photo export, batch 2026-11 (test data)")
    shoot.shot("02-import-dialog", dialog)
    dialog.buttons.accepted.emit()
    wait(app, lambda: window.gallery.progress_dialog is not None)
    progress = window.gallery.progress_dialog
    wait(app, lambda: progress.last is not None and progress.last.done >= 8)
    shoot.shot("03-import-progress", progress)
    wait(
        app, lambda: window.gallery.import_job is None and window.gallery.summary_dialog is not None
    )
    wait(app, lambda: not window.pool.jobs)
    shoot.shot("04-import-summary", window.gallery.summary_dialog)
    window.gallery.summary_dialog.accept()

    # group photos and edge cases, unassigned: faces to enrol later
    window.gallery.start_import(
        ImportRequest(
            (str(FACES / "_group"), str(FACES / "_noface"), str(FACES / "_edgecases")),
            None,
            False,
            "Scene photos (test data)",
        )
    )
    wait(
        app, lambda: window.gallery.import_job is None and window.gallery.summary_dialog is not None
    )
    window.gallery.summary_dialog.accept()
    wait(app, lambda: not window.pool.jobs)
    window.gallery_view.select_subject(window.subjects.subject(3).id)
    wait(app, lambda: window.photos.rowCount() >= 3 and not window.pool.jobs)
    shoot.shot("05-gallery-subject")
    window.gallery_view.select_subject(window.subjects.subject(0).id)  # unassigned photos
    wait(app, lambda: window.photos.rowCount() >= 5 and not window.pool.jobs)
    window.gallery_view.filter_edit.setText("john")
    shoot.shot("06-gallery-unassigned-filtered")
    window.gallery_view.filter_edit.setText("")

    # search: no case yet, the case dialog comes first
    window.open_probe(str(held_out["barack_obama"]))
    wait(app, lambda: window.cases.case_dialog is not None and window.cases.case_dialog.isVisible())
    case_dialog = window.cases.case_dialog
    case_dialog.number.setText("2026-0417")
    case_dialog.title.setText("Phone snatch, Elm Street, 3 November")
    case_dialog.purpose.setText("Theft (robbery)")
    case_dialog.legal_basis.setText("DPA 2018 s.35; authorised by DI Okafor")
    shoot.shot("07-case-dialog", case_dialog)
    case_dialog.buttons.accepted.emit()
    wait(app, lambda: window.search.search_id() is not None and window.review.display is not None)
    wait(app, lambda: not window.pool.jobs)
    shoot.shot("08-search-review")

    window.activateWindow()
    table = window.search_page.candidate_panel.table
    table.setFocus()
    window.search.decide("accept")
    wait(app, lambda: window.reason_dialog is not None and window.reason_dialog.isVisible())
    window.reason_dialog.reason.setPlainText(
        "Same ear shape and hairline; mole under the left eye visible on both."
    )
    shoot.shot("09-reason-dialog", window.reason_dialog)
    window.reason_dialog.ok_button.click()
    wait(app, lambda: window.candidates.decision(1) is not None)
    window.search_page.candidate_panel.select_row(4)
    wait(app, lambda: window.review.display is not None and not window.pool.jobs)
    window.search.decide("reject")
    wait(app, lambda: window.reason_dialog is not None and window.reason_dialog.isVisible())
    window.reason_dialog.reason.setPlainText("Different ear lobes")
    window.reason_dialog.ok_button.click()
    wait(app, lambda: window.candidates.decision(5) is not None)
    window.search_page.candidate_panel.select_row(0)
    window.search_page.review_panel.landmarks.setChecked(True)
    window.search_page.review_panel.probe_canvas.zoom_by(1.6)
    wait(app, lambda: window.review.display is not None and not window.pool.jobs)
    shoot.shot("10-search-decided-landmarks-zoom")
    window.search_page.review_panel.landmarks.setChecked(False)
    window.search_page.review_panel.fit()

    window.open_probe(str(FACES / "_group" / "obama_and_biden.jpg"))
    wait(app, lambda: window.probe.state == "ready" and window.search.search_id() is not None)
    window.probe.select(1)
    wait(app, lambda: window.review.display is not None and not window.pool.jobs)
    shoot.shot("11-search-group-second-face")

    stranger = sorted((DATA / "lfw_dev").iterdir())[5]
    window.open_probe(str(sorted(stranger.iterdir())[0]))
    wait(app, lambda: window.probe.state == "ready" and not window.pool.jobs)
    wait(app, lambda: window.review.display is not None or window.candidates.rowCount() == 0)
    shoot.shot("12-search-no-match")

    window.open_probe(str(FACES / "_edgecases" / "obama_240p.jpg"))
    wait(app, lambda: window.probe.state == "ready" and not window.pool.jobs)
    shoot.shot("13-search-poor-probe")

    corrupt = work / "damaged_evidence.jpg"
    corrupt.write_bytes(held_out["joe_biden"].read_bytes()[:1500])
    window.open_probe(str(corrupt))
    wait(app, lambda: window.probe.state == "error")
    shoot.shot("14-search-corrupt-file")

    window.tabs.setCurrentWidget(window.audit_page)
    wait(app, lambda: window.audit_events.rowCount() > 5 and not window.pool.jobs)
    window.audit_page.table.selectRow(1)
    shoot.shot("15-audit-trail")

    window.cases.choose_reviewer()
    wait(app, lambda: window.cases.reviewer_dialog is not None)
    reviewer_dialog = window.cases.reviewer_dialog
    reviewer_dialog.new_name.setText("DS Kerr")
    reviewer_dialog.new_role.setCurrentIndex(reviewer_dialog.new_role.findData("reviewer"))
    reviewer_dialog.new_password.setText("kerr-pw-1")
    shoot.shot("16-reviewer-dialog", reviewer_dialog)
    reviewer_dialog._on_accept()
    wait(app, lambda: not window.pool.jobs)
    window.cases.choose_reviewer()  # the new officer signs in with their password
    wait(app, lambda: window.cases.reviewer_dialog is not reviewer_dialog)
    sign_in = window.cases.reviewer_dialog
    wait(app, lambda: sign_in.user_box.findData("DS Kerr") >= 0)
    sign_in.user_box.setCurrentIndex(sign_in.user_box.findData("DS Kerr"))
    sign_in.password_edit.setText("kerr-pw-1")
    sign_in._on_accept()
    wait(
        app,
        lambda: (
            window.cases.officer is not None
            and window.cases.officer.name == "DS Kerr"
            and not window.pool.jobs
        ),
    )
    window.commands.verify_action.trigger()
    wait(app, lambda: window.cases.verify_dialog is not None)
    verify = window.cases.verify_dialog
    wait(app, lambda: not verify.probe_canvas.image_rect.isEmpty())
    shoot.shot("18-peer-verification", verify, fit=False)
    verify.reject()

    window._on_about()
    about = [w for w in app.topLevelWidgets() if w.windowTitle() == "About rekog-desktop"][-1]
    shoot.shot("17-about", about)
    about.close()

    window.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/notes/screens")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    for size in SIZES:
        run(out, size)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
