"""Peer verification in the GUI: a second reviewer sees the accepted pair blind and confirms;
the reviewer who accepted it has nothing to verify."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import CASE_NUMBER

from rekog_desktop.core import workflow
from rekog_desktop.core.audit import trail
from rekog_desktop.core.cases.decisions import decisions_for_search
from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.common.steps import finish
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.shell.main_window import MainWindow
from tests.conftest import officer, password_of


def _accepted_pair(store_path: Path, probe: Path) -> int:
    """Search and accept rank 1 as 'anna' through the workflow, as an earlier session would;
    'bob' is a reviewer too. Both were added by the store's supervisor with passwords."""
    with GalleryStore(store_path) as store:
        anna = officer(store, "anna", "reviewer")
        officer(store, "bob", "reviewer")
        search = finish(
            workflow.search_probe(
                store,
                anna,
                probe,
                case_number=CASE_NUMBER,
                settings=SearchSettings(top_k=5, tolerance=0.6),
                rule=workflow.FaceRule.CHOSEN,
            )
        )
        search_id = search.recorded[0]
        workflow.decide(store, anna, search_id, 1, "accept", "same ears")
    return search_id


def sign_in_as(qtbot, window: MainWindow, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the Reviewer dialog, as an officer at the keyboard would."""
    window.commands.reviewer_action.trigger()
    qtbot.waitUntil(lambda: window.cases.reviewer_dialog is not None, timeout=10_000)
    dialog = window.cases.reviewer_dialog
    dialog.user_box.setCurrentIndex(dialog.user_box.findData(name))
    dialog.password_edit.setText(password)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(
        lambda: window.cases.officer is not None and window.cases.officer.name == name,
        timeout=10_000,
    )


def test_second_reviewer_confirms_blind(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    search_id = _accepted_pair(store_copy, held_out["john_simm"])
    window = make_window(store_copy)
    sign_in_as(qtbot, window, "bob", password_of("bob"))
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
    window = make_window(store_copy)
    sign_in_as(qtbot, window, "anna", password_of("anna"))
    window.commands.verify_action.trigger()
    qtbot.waitUntil(lambda: window.cases.verify_dialog is not None, timeout=10_000)
    dialog = window.cases.verify_dialog
    assert dialog.pairs == []
    assert not dialog.confirm_button.isEnabled()
    with GalleryStore(store_copy) as store:
        assert len(searches_for_case(store, CASE_NUMBER)) == 1


def test_a_wrong_password_signs_nobody_in_and_is_audited(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    _accepted_pair(store_copy, held_out["john_simm"])
    window = make_window(store_copy)
    before = window.cases.officer
    window.commands.reviewer_action.trigger()
    qtbot.waitUntil(lambda: window.cases.reviewer_dialog is not None, timeout=10_000)
    dialog = window.cases.reviewer_dialog
    dialog.user_box.setCurrentIndex(dialog.user_box.findData("bob"))
    dialog.password_edit.setText("not bob's password")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=10_000)
    assert window.cases.officer == before
    with GalleryStore(store_copy) as store:
        failed = [e.data for e in trail.list_events(store, event_type="sign_in_failed")]
    assert failed == [{"name": "bob", "reason": "wrong password"}]
