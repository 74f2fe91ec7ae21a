"""FaceProcess: probe face detection and embedding in one long-lived helper process.

dlib's face encoder holds Python's GIL for about 75 ms per face even when called from a worker
thread, and the GUI thread needs the GIL for every Python callback (painting delegates, slots),
so in-process analysis froze the window for 250 ms per search (bench/ui_event_loop_stall.py).
A separate process has its own GIL: the worker thread only waits on a pipe. The process is
spawned once (models load there, in the background at start-up) and reused for every probe.
`engine()` wraps it as a FaceEngine, so a video scan's tracking runs on a worker thread while
its detection and embeddings run here (a clip frame costs one pickle, a few ms).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from rekog_desktop.core.common.errors import EngineUnavailable
from rekog_desktop.core.common.types import EngineInfo, Face, FaceBox, RGBImage
from rekog_desktop.core.faces.engine import EngineSettings, FaceEngine, create_engine

#: The child's engines by settings (a store pins its variant; models are shared by all).
_engines: dict[EngineSettings, FaceEngine] = {}
_default = EngineSettings()


def die_with_parent(parent: int | None = None, *, poll_seconds: float = 0.5) -> None:
    """End this worker process as soon as the process that started it is gone.

    `parent`: the pid of the process that made the pool, passed in the pool's initargs. It
    must come from there: a worker runs its initializer only after importing the models'
    modules (seconds), and a parent killed in that window has already re-parented us, so
    `os.getppid()` read here would name init and the watch would never fire (found by
    bench/fault_soak.py: workers of an import killed early lived on).

    A worker of a killed `rekog import` (kill -9 gives the parent no chance to stop its pool)
    would otherwise live on holding a few hundred MB of models. The parent's death is seen
    as a change of our parent pid (we are re-parented to init or a subreaper). prctl's
    PDEATHSIG is not used: it fires when the *thread* that spawned us ends, and the app spawns
    from short-lived worker threads.
    """
    parent = os.getppid() if parent is None else parent
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _init(settings: EngineSettings, parent: int | None = None) -> None:
    global _default
    _default = settings
    die_with_parent(parent)


def _child_engine(settings: EngineSettings | None = None) -> FaceEngine:
    settings = settings or _default
    if settings not in _engines:
        _engines[settings] = create_engine(settings)
    return _engines[settings]


def _faces(pixels: RGBImage, settings: EngineSettings | None = None) -> list[Face]:
    return _child_engine(settings).faces(pixels)


def _detect(pixels: RGBImage, settings: EngineSettings | None = None) -> list[FaceBox]:
    return _child_engine(settings).detect(pixels)


def _analyse(
    pixels: RGBImage, boxes: list[FaceBox], settings: EngineSettings | None = None
) -> list[Face]:
    return _child_engine(settings).analyse(pixels, boxes)


def _warm_up() -> str:
    """Load every model now; describe the engine for the About dialog."""
    import numpy as np

    engine = _child_engine()
    blank = np.zeros((64, 64, 3), dtype=np.uint8)
    engine.analyse(blank, [FaceBox(top=8, right=56, bottom=56, left=8)])
    info = engine.info
    return f"{info.name}, {info.version}; models from face_recognition_models"


class FaceProcess:
    """Thread-safe: any worker thread may call faces(); calls queue in the one process."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self._settings = settings or EngineSettings()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise EngineUnavailable("the face analysis process was shut down")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init,
                    initargs=(self._settings, os.getpid()),
                )
            return self._pool

    def _run(self, function: object, *args: object) -> object:
        """Submit to the process; if it died (killed, out of memory), start a new one once."""
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return pool.submit(function, *args).result()  # type: ignore[arg-type]
            except BrokenProcessPool:
                with self._lock:
                    if self._pool is pool:
                        self._pool = None
                if attempt == 2:
                    raise EngineUnavailable(
                        "the face analysis process stopped twice; restart the app"
                    ) from None
        raise AssertionError("unreachable")

    def faces(self, pixels: RGBImage, settings: EngineSettings | None = None) -> list[Face]:
        """Every face in the picture, largest first (as FaceEngine.faces); `settings`: the
        engine variant of the store searched (default: the process's)."""
        return self._run(_faces, pixels, settings)  # type: ignore[return-value]

    def detect(self, pixels: RGBImage, settings: EngineSettings | None = None) -> list[FaceBox]:
        return self._run(_detect, pixels, settings)  # type: ignore[return-value]

    def analyse(
        self, pixels: RGBImage, boxes: list[FaceBox], settings: EngineSettings | None = None
    ) -> list[Face]:
        if not boxes:
            return []
        return self._run(_analyse, pixels, boxes, settings)  # type: ignore[return-value]

    def engine(self, settings: EngineSettings | None = None) -> FaceEngine:
        """This process as a FaceEngine with `settings` (default: the process's), for core
        code that takes one, e.g. scan_video."""
        return ProcessEngine(self, settings or self._settings)

    def warm_up(self) -> str:
        return self._run(_warm_up)  # type: ignore[return-value]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class ProcessEngine:
    """A FaceEngine whose face work runs in a FaceProcess (same settings, same results)."""

    def __init__(self, process: FaceProcess, settings: EngineSettings) -> None:
        self._process, self.settings = process, settings
        self._info: EngineInfo | None = None

    @property
    def info(self) -> EngineInfo:
        if self._info is None:  # names and versions only: no model is loaded for this
            self._info = create_engine(self.settings).info
        return self._info

    def detect(self, pixels: RGBImage) -> list[FaceBox]:
        return self._process.detect(pixels, self.settings)

    def analyse(self, pixels: RGBImage, boxes: list[FaceBox]) -> list[Face]:
        return self._process.analyse(pixels, boxes, self.settings)

    def faces(self, pixels: RGBImage) -> list[Face]:
        return self._process.faces(pixels, self.settings)
