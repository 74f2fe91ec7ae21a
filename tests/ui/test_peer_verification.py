"""Peer verification in the GUI: a second reviewer sees the accepted pair blind and confirms;
the reviewer who accepted it has nothing to verify."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from ui_helpers import CASE_NUMBER

from rekog_desktop.core.cases.decisions import decisions_for_search, record_decision
from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.cases.users import create_user
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.search import jobs


def _accepted_pair(store_path: Path, probe: Path) -> int:
    """Search and accept rank 1 as 'anna' through the core, as an earlier session would."""
    generator = jobs.search_probe(
        store_path,
        probe,
        settings=SearchSettings(top_k=5, tolerance=0.6),
        case_number=CASE_NUMBER,
        actor="anna",
    )
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            outcome = stop.value
            break
    search_id = outcome.recorded.search_id
    with GalleryStore(store_path) as store:
        create_user(store, "anna", "analyst", actor="anna")
        create_user(store, "bob", "reviewer", actor="anna")
        record_decision(
            store,
            search_id=search_id,
            rank=1,
            verdict="accept",
            reason="same ears",
            reviewer="anna",
        )
    return search_id


def test_second_reviewer_confirms_blind(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    search_id = _accepted_pair(store_copy, held_out["john_simm"])
    QSettings(str(tmp_path / "settings0.ini"), QSettings.Format.IniFormat).setValue(
        "review/reviewer", "bob"
    )
    window = make_window(store_copy)
    assert window.cases.actor == "bob"
    window.commands.verify_action.trigger()
    qtbot.waitUntil(lambda: window.cases.verify_dialog is not None, timeout=10_000)
    dialog = window.cases.verify_dialog
    assert len(dialog.pairs) == 1
    shown = " ".join(
        w.text() for w in dialog.findChildren(type(dialog.position)) if hasattr(w, "text")
    )
    assert "same ears" not in shown and "0." not in shown  # blind: no reason, no distance
    qtbot.waitUntil(lambda: not dialog.probe_canvas.image_rect.isEmpty(), timeout=20_000)
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: bool(dialog.done_ids), timeout=10_000)
    with GalleryStore(store_copy) as store:
        decision = decisions_for_search(store, search_id)[1]
    assert decision.verification_status == "verified"
    assert decision.verifications[0].reviewer == "bob"


def test_nothing_to_verify_for_the_reviewer_who_accepted(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    _accepted_pair(store_copy, held_out["john_simm"])
    QSettings(str(tmp_path / "settings0.ini"), QSettings.Format.IniFormat).setValue(
        "review/reviewer", "anna"
    )
    window = make_window(store_copy)
    assert window.cases.actor == "anna"
    window.commands.verify_action.trigger()
    qtbot.waitUntil(lambda: window.cases.verify_dialog is not None, timeout=10_000)
    dialog = window.cases.verify_dialog
    assert dialog.pairs == []
    assert not dialog.confirm_button.isEnabled()
    with GalleryStore(store_copy) as store:
        assert len(searches_for_case(store, CASE_NUMBER)) == 1
