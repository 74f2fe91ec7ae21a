"""Purging a closed case from the Case menu: pick the closed case, give a reason; the purge
runs on the pool through the workflow and leaves its receipt in the trail."""

from __future__ import annotations

import json
from pathlib import Path

from ui_helpers import CASE_NUMBER

from rekog_desktop.core import workflow
from rekog_desktop.core.audit.trail import list_events
from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.common.steps import finish
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from tests.conftest import officer


def test_a_closed_case_is_purged_from_the_case_menu(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    with GalleryStore(store_copy) as store:
        chief = officer(store)  # the OS account: the store's supervisor
        finish(
            workflow.search_probe(
                store,
                chief,
                held_out["john_simm"],
                case_number=CASE_NUMBER,
                settings=SearchSettings(top_k=5, tolerance=0.6),
                rule=workflow.FaceRule.CHOSEN,
            )
        )
        workflow.close_case(store, chief, CASE_NUMBER)
        workflow.set_policy(store, chief, retention_days=0)
    window = make_window(store_copy, case=None)
    window.commands.purge_case_action.trigger()
    qtbot.waitUntil(lambda: window.cases.purge_dialog is not None, timeout=10_000)
    choice = window.cases.purge_dialog
    assert choice.comboBoxItems() == [CASE_NUMBER]
    choice.setTextValue(CASE_NUMBER)
    choice.accept()
    qtbot.waitUntil(lambda: window.cases.purge_dialog is not choice, timeout=10_000)
    reason = window.cases.purge_dialog
    reason.setTextValue("retention period ended")
    with qtbot.waitSignal(window.cases.changed, timeout=60_000):
        reason.accept()
    with GalleryStore(store_copy) as store:
        assert searches_for_case(store, CASE_NUMBER) == []
        (receipt,) = list_events(store, event_type="case_purged")
    assert receipt.data["reason"] == "retention period ended"
    assert receipt.data["counts"]["searches"] == 1
    assert json.dumps(receipt.data).count("john_simm") == 0
