"""WorkerPool: generators run on pool threads, report in order, cancel by closing."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator

from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.ui.common.workers import WorkerPool


def _record(job):  # type: ignore[no-untyped-def]
    seen: list[tuple[str, object]] = []
    job.progressed.connect(lambda v: seen.append(("progressed", v)))
    job.succeeded.connect(lambda v: seen.append(("succeeded", v)))
    job.failed.connect(lambda v: seen.append(("failed", v)))
    job.cancelled.connect(lambda: seen.append(("cancelled", None)))
    job.ended.connect(lambda: seen.append(("ended", None)))
    return seen


def test_yields_then_result_arrive_in_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    pool = WorkerPool()
    threads: set[int] = set()

    def count() -> Generator[int, None, str]:
        threads.add(threading.get_ident())
        yield 1
        yield 2
        return "done"

    job = pool.start("count", count)
    seen = _record(job)
    main = threading.get_ident()
    job.progressed.connect(lambda _v: threads.add(-threading.get_ident()))
    with qtbot.waitSignal(job.ended, timeout=5_000):
        pass
    assert seen == [("progressed", 1), ("progressed", 2), ("succeeded", "done"), ("ended", None)]
    assert main not in threads  # the generator ran on a pool thread
    assert -main in threads  # its signals were handled in the GUI thread
    assert pool.wait(5_000)


def test_errors_become_messages(qtbot) -> None:  # type: ignore[no-untyped-def]
    pool = WorkerPool()

    def bad() -> None:
        raise UnreadableImage("x.jpg", "damaged image")

    job = pool.call("read", bad)
    seen = _record(job)
    errors: list[object] = []
    job.error.connect(errors.append)
    with qtbot.waitSignal(job.ended, timeout=5_000):
        pass
    assert seen == [("failed", "x.jpg: damaged image"), ("ended", None)]
    # the exception itself crosses to the GUI thread, so a handler can tell kinds apart
    (error,) = errors
    assert isinstance(error, UnreadableImage) and error.reason == "damaged image"


def test_unexpected_errors_become_messages_too(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    pool = WorkerPool()
    job = pool.call("divide", lambda: 1 / 0)
    seen = _record(job)
    with qtbot.waitSignal(job.ended, timeout=5_000):
        pass
    assert seen[0][0] == "failed" and "ZeroDivisionError" in str(seen[0][1])


def test_cancel_closes_the_generator(qtbot) -> None:  # type: ignore[no-untyped-def]
    pool = WorkerPool()
    closed = threading.Event()

    def endless() -> Generator[int, None, None]:
        try:
            n = 0
            while True:
                n += 1
                time.sleep(0.005)
                yield n
        finally:
            closed.set()

    job = pool.start("endless", endless)
    seen = _record(job)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5_000)
    with qtbot.waitSignal(job.ended, timeout=5_000):
        job.cancel()
    assert closed.is_set()
    assert ("cancelled", None) in seen
    assert not any(kind == "succeeded" for kind, _ in seen)
    assert pool.wait(5_000) and not pool.jobs


def test_work_asked_for_after_shutdown_never_runs_nor_blocks_a_second_shutdown(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A closing window's timer may still ask for a job (the audit refresh did, and CI caught
    the next shutdown waiting for it in vain)."""
    pool = WorkerPool()
    assert pool.shutdown(5_000)
    ran = threading.Event()
    late = pool.call("late", ran.set)
    seen = _record(late)
    assert pool.jobs == []
    assert pool.shutdown(1_000)
    time.sleep(0.05)
    assert not ran.is_set() and seen == []
