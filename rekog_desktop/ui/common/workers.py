"""Runs core generators on a thread pool: the only place in the app where threads start.

A job is a zero-argument callable returning a generator. A pool thread pulls from it: each value
it yields is sent to the GUI thread as `progressed`, its return value as `succeeded`, an
exception as `failed` with a message meant for a person. Cancelling stops pulling and closes the
generator, so the core's own clean-up runs (the importer keeps the photos it finished).
Plain functions run through `call()`, wrapped as a generator that yields nothing.

The pool is a Python ThreadPoolExecutor, not a QThreadPool: PySide gives a QThreadPool thread a
fresh Python thread state for every QRunnable.run(), while dlib's pybind11 bindings cache the
first one per OS thread; the second dlib call on a reused pool thread then waits for the GIL it
already holds and the app freezes (reproduced: 40 HOG detections as QRunnables on one pool
thread deadlock within a few runs; the same on a ThreadPoolExecutor never do). Signals emitted
from these threads are queued to the GUI thread like any cross-thread signal.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from rekog_desktop.core.common.errors import AuditWriteFailed, RekogError
from rekog_desktop.ui.common import signal_refcount

log = logging.getLogger(__name__)

# Every emit below would otherwise cost a reference to True on PySide6 6.12.0 and, over a long
# session or a test run, abort the process ("bool_dealloc"); see signal_refcount.
signal_refcount.install()

JobFactory = Callable[[], Generator[Any, None, Any]]


class Job(QObject):
    """One generator running on the pool; lives in the GUI thread, signals arrive there.

    Signals:
        progressed(object): a value the generator yielded.
        succeeded(object): the generator's return value.
        error(object): the exception the job raised, as an object (to tell kinds apart).
        failed(str): the same error in words for the person at the screen (describe()).
        cancelled(): cancel() was honoured and the generator closed.
        ended(): always last, once, after one of the three above.
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    error = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()

    # Emitted on the pool thread; relayed by slots of this GUI-thread object, so the public
    # signals above are always emitted in the GUI thread (lambdas connected to them run there).
    _bg_progressed = Signal(object)
    _bg_succeeded = Signal(object)
    _bg_failed = Signal(object)
    _bg_cancelled = Signal()
    _bg_ended = Signal()

    def __init__(self, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self._cancel = threading.Event()
        self.finished_ok = False
        self.is_running = True
        queued = Qt.ConnectionType.QueuedConnection
        self._bg_progressed.connect(self._relay_progressed, queued)
        self._bg_succeeded.connect(self._relay_succeeded, queued)
        self._bg_failed.connect(self._relay_failed, queued)
        self._bg_cancelled.connect(self._relay_cancelled, queued)
        self._bg_ended.connect(self._relay_ended, queued)

    @Slot(object)
    def _relay_progressed(self, value: object) -> None:
        self.progressed.emit(value)

    @Slot(object)
    def _relay_succeeded(self, value: object) -> None:
        self.finished_ok = True
        self.succeeded.emit(value)

    @Slot(object)
    def _relay_failed(self, exc: BaseException) -> None:
        self.error.emit(exc)
        self.failed.emit(describe(exc, self.label))

    @Slot()
    def _relay_cancelled(self) -> None:
        self.cancelled.emit()

    @Slot()
    def _relay_ended(self) -> None:
        self.is_running = False
        self.ended.emit()

    def cancel(self) -> None:
        """Ask the job to stop at its next step; thread-safe, returns at once."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()


def describe(exc: BaseException, label: str) -> str:
    """The one place an error from a job becomes words: the core's own errors say what to do
    in plain language; anything else is named as unexpected (and was logged)."""
    if isinstance(exc, RekogError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return f"{label}: not enough memory to finish."
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{label}: {exc.strerror or exc}{where}"
    return f"{label} failed unexpectedly: {type(exc).__name__}: {exc}"


class _GeneratorRunnable:
    """Pulls one job's generator on a pool thread."""

    def __init__(self, job: Job, factory: JobFactory) -> None:
        self._job = job
        self._factory = factory

    def run(self) -> None:
        job = self._job
        try:
            self._pull(job)
        except (RekogError, MemoryError, OSError) as exc:
            job._bg_failed.emit(exc)
        except Exception as exc:
            log.exception("job %r failed", job.label)
            job._bg_failed.emit(exc)
        finally:
            job._bg_ended.emit()

    def _pull(self, job: Job) -> None:
        generator = self._factory()
        try:
            while True:
                if job.cancel_requested:
                    generator.close()
                    job._bg_cancelled.emit()
                    return
                try:
                    value = next(generator)
                except StopIteration as stop:
                    job._bg_succeeded.emit(stop.value)
                    return
                job._bg_progressed.emit(value)
        finally:
            generator.close()


def _call_as_generator(function: Callable[[], Any]) -> Generator[Any, None, Any]:
    return function()
    yield  # pragma: no cover  (makes this a generator)


class WorkerPool(QObject):
    """Starts jobs and keeps them alive until their last signal reached the GUI thread.

    Signals:
        jobs_changed(): a job started or ended (the status bar shows what runs).
    """

    jobs_changed = Signal()
    #: An action's audit event could not be written (its text): shown in a dialog by the
    #: window, whichever page started the job, and not only where that page shows errors.
    audit_write_failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="rekog-job"
        )
        self._futures: set[concurrent.futures.Future[None]] = set()
        self._jobs: list[Job] = []
        self._closed = False

    def start(self, label: str, factory: JobFactory) -> Job:
        """Run `factory()`'s generator on the pool; connect to the returned job's signals
        before control returns to the event loop (signals are queued, none is lost)."""
        # Not parented to the pool: a job parented to it and also deleteLater()-ed crashed
        # PySide when the pool went first (tests/ui/test_workers.py runs into it).
        job = Job(label)
        if self._closed:
            # The window is closing (a timer or a late signal asked for work): the job never
            # runs and never reports, so it is not counted as running either, or shutdown()
            # would wait for it in vain.
            return job
        self._jobs.append(job)
        job.ended.connect(lambda: self._forget(job))
        job.error.connect(self._check_audit_write)
        future = self._pool.submit(_GeneratorRunnable(job, factory).run)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        self.jobs_changed.emit()
        return job

    def call(self, label: str, function: Callable[[], Any]) -> Job:
        """Run a plain function on the pool; its result arrives as `succeeded`."""
        return self.start(label, lambda: _call_as_generator(function))

    def _check_audit_write(self, exc: BaseException) -> None:
        if isinstance(exc, AuditWriteFailed):
            self.audit_write_failed.emit(str(exc))

    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
            job.deleteLater()
            self.jobs_changed.emit()

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def cancel_all(self) -> None:
        for job in self._jobs:
            job.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until every pool thread is idle, then deliver their last queued signals
        (tests, shutdown); True if every job finished in time."""
        _finished, pending = concurrent.futures.wait(list(self._futures), timeout_ms / 1000)
        done = not pending
        for _ in range(100):
            if not self._jobs:
                break
            QCoreApplication.processEvents()
        return done and not self._jobs

    @property
    def busy_threads(self) -> int:
        """Jobs whose generator is still being pulled on a pool thread."""
        return sum(1 for f in list(self._futures) if not f.done())

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every job, wait for the threads, and accept no more work."""
        self._closed = True
        self.cancel_all()
        done = self.wait(timeout_ms)
        self._pool.shutdown(wait=done, cancel_futures=True)
        return done
