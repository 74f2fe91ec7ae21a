"""UI fixtures: offscreen Qt, a window over a real store copy, and no thread left behind.

Tests that write copy the session gallery (tests/conftest.py's gallery_path) into tmp_path, so
the expensive import runs once per session. Every window's worker pool is drained at teardown
and a test fails if a job is still running.
"""

from __future__ import annotations

import multiprocessing
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from ui_helpers import CASE_NUMBER, copy_store

from rekog_desktop.core.cases.cases import create_case
from rekog_desktop.core.faces.process import FaceProcess
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.ui.common.theme import apply_theme
from rekog_desktop.ui.shell.main_window import MainWindow


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform says it cannot propagate size hints whenever a dialog is shown;
    that is the test platform talking, not the app, so only that message is ignored."""
    for item in items:
        if "tests/ui/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture(scope="session", autouse=True)
def _themed_app(qapp: QApplication) -> QApplication:
    """The real theme, so the tests exercise the style sheet the officer sees."""
    apply_theme(qapp)
    return qapp


@pytest.fixture
def store_copy(gallery_path: Path, tmp_path: Path) -> Path:
    path = copy_store(gallery_path, tmp_path)
    with GalleryStore(path) as store:
        create_case(
            store,
            number=CASE_NUMBER,
            title="UI test",
            purpose="testing the review loop",
            legal_basis="test fixture",
            officer="tester",
            actor="tester",
        )
    return path


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    path = tmp_path / "empty.sqlite"
    GalleryStore(path).close()
    return path


@pytest.fixture(scope="session")
def face_process() -> Iterator[FaceProcess]:
    """One probe-analysis process for the whole session (spawning it costs a second or two)."""
    process = FaceProcess()
    yield process
    process.close()
    assert not multiprocessing.active_children(), "a helper process outlived the session"


@pytest.fixture
def make_window(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, face_process: FaceProcess
) -> Iterator[Callable[..., MainWindow]]:
    """Factory: a shown MainWindow over `store` whose first jobs (store, gallery, reviewer,
    case) have finished; `case` preselects an open case (as remembered settings would)."""
    windows: list[MainWindow] = []

    def make(store: Path, *, case: str | None = CASE_NUMBER, settings_file: str = "") -> MainWindow:
        name = settings_file or f"settings{len(windows)}.ini"
        settings = QSettings(str(tmp_path / name), QSettings.Format.IniFormat)
        if case:
            settings.setValue("review/case", case)
        window = MainWindow(settings, store_path=str(store), face_process=face_process)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        windows.append(window)
        qtbot.waitUntil(
            lambda: window.subjects.rowCount() > 0 or window.gallery.snapshot is not None,
            timeout=20_000,
        )
        qtbot.waitUntil(lambda: window.cases.officer is not None, timeout=10_000)
        if case:
            qtbot.waitUntil(lambda: window.cases.case is not None, timeout=10_000)
        qtbot.waitUntil(lambda: not window.pool.jobs, timeout=30_000)
        return window

    yield make
    for window in windows:
        assert window.pool.shutdown(60_000), "a worker job was still running after 60 s"
        assert not window.pool.jobs
        assert window.pool.busy_threads == 0
    leftover = [t.name for t in threading.enumerate() if t.name.startswith("rekog-job")]
    assert not leftover, f"worker threads still alive: {leftover}"
