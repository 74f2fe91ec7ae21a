"""The gallery lists faces awaiting assignment: a dominant choice's leftover and every face of an
ambiguous photo, each enrolable with the existing "Enrol face" action."""

from __future__ import annotations

from pathlib import Path

from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.ui.gallery.subject_model import AWAITING_ID
from tests.conftest import run_import


def _awaiting_row(window):  # type: ignore[no-untyped-def]
    row = window.subjects.row_of(AWAITING_ID)
    return window.subjects.subject(row) if row >= 0 else None


def test_faces_awaiting_assignment_are_listed_and_enrolable(  # type: ignore[no-untyped-def]
    qtbot, make_window, empty_store: Path, data_dir: Path
) -> None:
    dominant = data_dir / "lfw_dev" / "Vaclav_Klaus" / "Vaclav_Klaus_0002.jpg"
    ambiguous = data_dir / "faces" / "_group" / "obama_and_biden.jpg"
    with GalleryStore(empty_store) as store:
        first = run_import(store, [dominant], subject="Vaclav Klaus")
        second = run_import(store, [ambiguous], subject="barack_obama")
        assert len(first.dominant) == 1 and len(second.several_faces) == 1
        waiting = store.unassigned_face_count()
    assert waiting == 1 + second.several_faces[0][1]  # the leftover + every ambiguous face

    window = make_window(empty_store, case=None)
    qtbot.waitUntil(lambda: _awaiting_row(window) is not None, timeout=10_000)
    row = _awaiting_row(window)
    assert row.name == f"Faces awaiting assignment ({waiting})"
    assert (row.photos, row.faces) == (2, waiting)
    assert window.gallery_view.subject_panel.subtitle.full_text() == "2"  # subjects, not lists
    window.gallery_view.select_subject(AWAITING_ID)
    qtbot.waitUntil(lambda: window.photos.rowCount() == 2, timeout=20_000)
    tiles = [window.photos.tile(r) for r in range(2)]
    assert {Path(t.photo.path).name for t in tiles} == {dominant.name, ambiguous.name}
    assert not window.gallery_view.remove_subject_button.isEnabled()

    # The leftover face of the dominant photo (face 2) is enrolled through the existing action.
    (klaus,) = [t for t in tiles if Path(t.photo.path).name == dominant.name]
    assert [f.subject for f in klaus.faces] == ["Vaclav Klaus", None]
    window.gallery.ask_enrol_face(klaus.photo.id, 2)
    dialog = window.gallery.enrol_dialog
    assert dialog is not None
    with qtbot.waitSignal(window.gallery.gallery_changed, timeout=20_000):
        dialog.textValueSelected.emit("Bystander")
    qtbot.waitUntil(
        lambda: _awaiting_row(window) is not None and _awaiting_row(window).faces == waiting - 1,
        timeout=20_000,
    )
    qtbot.waitUntil(lambda: window.photos.rowCount() == 1, timeout=20_000)
    assert Path(window.photos.tile(0).photo.path).name == ambiguous.name
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=30_000)
