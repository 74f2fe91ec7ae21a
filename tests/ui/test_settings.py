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


def test_app_and_cli_open_the_same_default_store(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without --db the app opens what `rekog` opens: REKOG_DB, else the data-folder default,
    never the store remembered from an earlier session."""
    import os
    import subprocess
    import sys

    from PySide6.QtCore import QSettings

    from rekog_desktop.core.common.paths import default_store_path
    from rekog_desktop.ui.common.settings import AppSettings

    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    qs.setValue("store/path", str(tmp_path / "remembered.sqlite"))
    monkeypatch.delenv("REKOG_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    # What the real `rekog` names as its store (a read-only command on a missing store).
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from rekog_desktop.cli import main; sys.exit(main())",
            "subjects",
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    assert cli.returncode == 2, cli.stderr
    cli_default = cli.stderr.split("no gallery store at ", 1)[1].split(" (check", 1)[0]
    assert AppSettings.load(qs).store_path == cli_default == str(default_store_path())
    assert not (tmp_path / "remembered.sqlite").exists()
    assert cli_default.startswith(str(tmp_path / "data"))
    monkeypatch.setenv("REKOG_DB", str(tmp_path / "from_env.sqlite"))
    assert AppSettings.load(qs).store_path == str(tmp_path / "from_env.sqlite")
