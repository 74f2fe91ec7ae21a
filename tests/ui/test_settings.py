"""Settings persist between sessions: store, top-K, tolerance, preset, reviewer, case, layout."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import CASE_NUMBER

from rekog_desktop.core.scoring.search import SearchSettings


def test_settings_survive_a_restart(qtbot, make_window, store_copy: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(store_copy, settings_file="shared.ini")
    panel = window.search_page.candidate_panel
    panel.search_settings_changed.emit(SearchSettings(35, 0.55, "strict"))
    window.search_page.main.setSizes([520, 900])
    sizes = window.search_page.main.sizes()
    window.close()

    again = make_window(store_copy, case=None, settings_file="shared.ini")
    assert again.settings.search == again.search.settings == SearchSettings(35, 0.55, "strict")
    panel = again.search_page.candidate_panel
    assert panel.current_preset() == "strict"
    assert not panel.tolerance.isEnabled()
    assert panel.top_k.value() == 35
    assert abs(panel.tolerance.value() - 0.55) < 1e-9
    assert again.settings.store_path == str(store_copy.resolve())
    assert again.cases.case_number == CASE_NUMBER  # remembered, still open
    assert abs(again.search_page.main.sizes()[0] - sizes[0]) <= 2  # layout restored


def test_rekog_db_wins_over_the_remembered_store(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from rekog_desktop.ui.common.settings import AppSettings

    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    qs.setValue("store/path", str(tmp_path / "remembered.sqlite"))
    monkeypatch.delenv("REKOG_DB", raising=False)
    assert AppSettings.load(qs).store_path == str(tmp_path / "remembered.sqlite")
    monkeypatch.setenv("REKOG_DB", str(tmp_path / "from_env.sqlite"))
    assert AppSettings.load(qs).store_path == str(tmp_path / "from_env.sqlite")
