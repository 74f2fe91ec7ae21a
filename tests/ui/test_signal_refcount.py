"""Emitting signals must not use up references to True or False.

PySide6 6.12.0 returns a borrowed True/False from SignalInstance.emit() and .disconnect(): each
call took one reference away, and after a few thousand emits (a video scan emits two per
sampled frame) the process aborted with "bool_dealloc: deallocating True or False".
rekog_desktop.ui.signal_refcount gives the reference back; these tests run the patterns many
times and check the counts hold (before the fix, they fell by one per call).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Generator

from PySide6.QtCore import QObject, Signal

from rekog_desktop.ui.common import signal_refcount
from rekog_desktop.ui.common.workers import WorkerPool

CALLS = 2_000


def _calls() -> int:
    """Loop length: CALLS, or less when few references to True are left, so that a leak makes
    the test fail with an assertion rather than abort the process."""
    return min(CALLS, sys.getrefcount(True) // 8)


def _slack(calls: int) -> int:
    """Other objects may come and go while a loop runs; a leak would show as `calls` or more."""
    return calls // 4


class _Emitter(QObject):
    value = Signal(object)
    done = Signal()


def _counts() -> tuple[int, int]:
    gc.collect()
    return sys.getrefcount(True), sys.getrefcount(False)


def test_install_is_idempotent_and_wraps_only_a_leaking_pyside() -> None:
    installed = signal_refcount.install()
    assert installed == signal_refcount.install()
    assert installed["emit"] == signal_refcount.emit_leaks()


def test_emit_and_disconnect_keep_true_and_false(qtbot) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()
    seen: list[object] = []
    emitter.value.connect(seen.append)
    calls = _calls()
    before = _counts()
    for i in range(calls):
        emitter.value.emit(i)
    after_emit = _counts()
    for _ in range(calls):
        emitter.done.connect(seen.clear)
        emitter.done.disconnect(seen.clear)
    after = _counts()
    assert len(seen) == calls
    assert after_emit[0] > before[0] - _slack(calls), (before, after_emit)
    assert after[0] > after_emit[0] - _slack(calls), (after_emit, after)
    assert after[1] > before[1] - _slack(calls), (before, after)


def test_a_long_job_keeps_true(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The video scan's pattern: a pool thread emits progress, relayed in the GUI thread."""
    pool = WorkerPool()

    calls = _calls()

    def steps() -> Generator[int, None, str]:
        yield from range(calls)
        return "done"

    before = _counts()
    job = pool.start("steps", steps)
    progressed: list[int] = []
    job.progressed.connect(progressed.append)
    with qtbot.waitSignal(job.ended, timeout=60_000):
        pass
    assert pool.shutdown(10_000)
    after = _counts()
    assert len(progressed) == calls
    assert after[0] > before[0] - _slack(calls), (before, after)
