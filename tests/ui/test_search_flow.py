"""The officer's loop on a window over a real store: drop a probe, read the candidates,
decide by keyboard; bad input gives a message, never an exception."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from ui_helpers import CASE_NUMBER, drop_paths, give_reason

from rekog_desktop.core.audit import trail
from rekog_desktop.core.cases.decisions import decisions_for_search
from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.search.candidates_model import DECISION


def _search(qtbot, window, probe: Path) -> None:  # type: ignore[no-untyped-def]
    drop_paths(window.search_page.probe_panel, [probe])
    qtbot.waitUntil(lambda: window.probe.state in ("ready", "error"), timeout=60_000)
    qtbot.waitUntil(lambda: window.search.search_id() is not None, timeout=20_000)


def test_dropped_probe_lists_the_right_subject_first(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    _search(qtbot, window, held_out["barack_obama"])
    assert window.probe.state == "ready"
    assert len(window.probe.faces) == 1
    assert window.candidates.rowCount() == 20
    assert window.candidates.index(0, 2).data() == "barack_obama"
    assert window.candidates.candidate(0).within_tolerance
    panel = window.search_page.candidate_panel
    assert panel.lead.isVisible()
    assert panel.lead.text() == "Investigative lead only, not an identification"
    # the first candidate is under review, its gallery photo arrives from a worker
    qtbot.waitUntil(lambda: window.review.display is not None, timeout=20_000)
    assert window.review.candidate is not None and window.review.candidate.rank == 1
    with GalleryStore(store_copy) as store:
        (search,) = searches_for_case(store, CASE_NUMBER)
    assert search.candidates[0].subject == "barack_obama"


def test_keyboard_accept_asks_a_reason_and_stores_the_decision(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    _search(qtbot, window, held_out["barack_obama"])
    page = window.search_page
    page.candidate_panel.table.setFocus()
    qtbot.keyClick(page.candidate_panel.table, Qt.Key.Key_Down)
    assert window.review.candidate is not None and window.review.candidate.rank == 2
    qtbot.keyClick(page.candidate_panel.table, Qt.Key.Key_Up)
    assert window.review.candidate.rank == 1

    qtbot.keyClick(page.candidate_panel.table, Qt.Key.Key_A)
    dialog = window.reason_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # an accept needs a reason
    qtbot.keyClicks(dialog.reason, "Same ear shape and scar above left eyebrow")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.candidates.decision(1) is not None, timeout=10_000)

    mark = window.candidates.decision(1)
    assert mark.verdict == "accept"
    assert window.candidates.index(0, DECISION).data() == "Accepted"
    with GalleryStore(store_copy) as store:
        stored = decisions_for_search(store, window.search.search_id())
    assert stored[1].verdict.value == "accept"
    assert stored[1].reason == "Same ear shape and scar above left eyebrow"
    assert stored[1].reviewer == window.cases.officer.name


def test_keyboard_reject_asks_an_optional_reason(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    _search(qtbot, window, held_out["barack_obama"])
    table = window.search_page.candidate_panel.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_R)
    assert window.candidates.decision(2) is None  # nothing is stored before the reason
    give_reason(qtbot, window, "Jaw line differs")
    qtbot.waitUntil(lambda: window.candidates.decision(2) is not None, timeout=10_000)
    assert window.candidates.decision(2).verdict == "reject"
    with GalleryStore(store_copy) as store:
        stored = decisions_for_search(store, window.search.search_id())
    assert (stored[2].verdict.value, stored[2].reason) == ("reject", "Jaw line differs")


def test_corrupt_probe_gives_a_message(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, tmp_path: Path, faces_dir: Path
) -> None:
    real = next((faces_dir / "joe_biden").iterdir()).read_bytes()
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(real[:200] + bytes(range(256)) * 4)
    window = make_window(store_copy)
    drop_paths(window.search_page.probe_panel, [corrupt])
    qtbot.waitUntil(lambda: window.probe.state == "error", timeout=20_000)
    message = window.search_page.probe_panel.message
    assert message.isVisible()
    assert "corrupt.jpg" in message.text()
    assert window.candidates.rowCount() == 0


def test_not_an_image_gives_a_message(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    window = make_window(store_copy)
    drop_paths(window.search_page.probe_panel, [notes])
    qtbot.waitUntil(lambda: window.probe.state == "error", timeout=20_000)
    assert "not an image" in window.search_page.probe_panel.message.text()


def test_probe_without_a_face_says_so(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, faces_dir: Path
) -> None:
    window = make_window(store_copy)
    noface = sorted((faces_dir / "_noface").iterdir())[0]
    drop_paths(window.search_page.probe_panel, [noface])
    qtbot.waitUntil(lambda: window.probe.state == "ready", timeout=30_000)
    assert window.probe.faces == ()
    assert "No face found" in window.search_page.probe_panel.message.text()


def test_search_without_a_case_asks_for_one(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy, case=None)
    assert window.cases.case is None
    drop_paths(window.search_page.probe_panel, [held_out["joe_biden"]])
    qtbot.waitUntil(
        lambda: window.cases.case_dialog is not None and window.cases.case_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = window.cases.case_dialog
    assert window.probe.state == "empty"  # nothing searched yet
    assert not dialog.creating  # the fixture's open case is offered first
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.probe.state == "ready", timeout=60_000)
    assert window.cases.case_number == CASE_NUMBER
    assert window.candidates.index(0, 2).data() == "joe_biden"


def test_group_photo_outlines_every_face_and_searches_the_clicked_one(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, faces_dir: Path
) -> None:
    window = make_window(store_copy)
    _search(qtbot, window, faces_dir / "_group" / "obama_and_biden.jpg")
    faces = len(window.probe.faces)
    assert faces >= 2
    assert len(window.search_page.probe_panel.canvas.face_items) == faces
    first = window.search.search_id()
    window.search_page.probe_panel.face_clicked.emit(1)
    assert window.probe.selected == 1
    qtbot.waitUntil(lambda: window.search.search_id() not in (None, first), timeout=20_000)
    with GalleryStore(store_copy) as store:
        searches = searches_for_case(store, CASE_NUMBER)
    assert [s.face_index for s in searches] == [0, 1]


def test_command_line_probes_are_searched_one_after_the_other(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    from rekog_desktop.app import parse_args

    args = parse_args(["--db", str(store_copy), str(held_out["rose_leslie"]), "second.jpg"])
    assert args.db == str(store_copy) and len(args.files) == 2
    window = make_window(store_copy)
    window.queue_probes([str(held_out["rose_leslie"]), str(held_out["john_savage"])])
    panel = window.search_page.probe_panel
    assert panel.next_button.isVisible() and panel.next_button.text() == "Next probe (1)"
    # a probe from the command line waits for its case to be confirmed, though one is open
    qtbot.waitUntil(lambda: window.cases.case_dialog is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.cases.case_dialog.isVisible(), timeout=10_000)
    assert window.probe.state != "ready"
    with GalleryStore(store_copy) as store:
        assert searches_for_case(store, CASE_NUMBER) == []
    window.cases.case_dialog.buttons.accepted.emit()  # the open case, preselected
    qtbot.waitUntil(lambda: window.probe.state == "ready", timeout=60_000)
    assert window.candidates.index(0, 2).data() == "rose_leslie"
    panel.next_button.click()
    assert not panel.next_button.isVisible()
    qtbot.waitUntil(
        lambda: window.probe.state == "ready" and window.probe.name == held_out["john_savage"].name,
        timeout=60_000,
    )
    assert window.candidates.index(0, 2).data() == "john_savage"


def test_a_rejected_face_is_marked_in_a_later_search_of_the_probe(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    _search(qtbot, window, held_out["barack_obama"])
    table = window.search_page.candidate_panel.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    rejected_face = window.review.candidate.face_id
    qtbot.keyClick(table, Qt.Key.Key_R)
    give_reason(qtbot, window)
    qtbot.waitUntil(lambda: window.candidates.decision(2) is not None, timeout=10_000)
    first = window.search.search_id()
    # a new top-K ranks again and records a new search in the case
    window.search_page.candidate_panel.search_settings_changed.emit(
        SearchSettings(10, 0.6, "investigative")
    )
    qtbot.waitUntil(lambda: window.search.search_id() not in (None, first), timeout=20_000)
    qtbot.waitUntil(lambda: window.candidates.rowCount() == 10, timeout=10_000)
    row = next(r for r in range(10) if window.candidates.candidate(r).face_id == rejected_face)
    mark = window.candidates.decision(row + 1)
    assert mark is not None and mark.verdict == "reject" and mark.earlier
    assert window.candidates.index(row, DECISION).data() == "Rejected earlier"


def test_cancelling_the_case_of_a_command_line_probe_searches_and_logs_nothing(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    with GalleryStore(store_copy) as store:
        events_before = len(trail.list_events(store))
    window.queue_probes([str(held_out["rose_leslie"])])
    qtbot.waitUntil(
        lambda: window.cases.case_dialog is not None and window.cases.case_dialog.isVisible(),
        timeout=10_000,
    )
    window.cases.case_dialog.reject()
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=10_000)
    assert window.probe.state != "ready" and window.search.search_id() is None
    with GalleryStore(store_copy) as store:
        assert searches_for_case(store, CASE_NUMBER) == []
        assert len(trail.list_events(store)) == events_before
