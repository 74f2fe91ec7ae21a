"""Works around a PySide6 reference-count bug that aborts the app: installed by `install()`.

PySide6 6.12.0's `SignalInstance.emit()` and `SignalInstance.disconnect()` return Py_True /
Py_False without taking a reference for the caller. Every Python-side `signal.emit(...)` (and
every `disconnect()`) therefore takes one reference away from True (or False); when the count
reaches zero CPython aborts the whole process with "Fatal Python error: bool_dealloc:
deallocating True or False" (exit code 134). A video scan costs two emits per sampled frame, so
the test suite ran out at interpreter teardown, and a long session of the app would abort in
the middle of an officer's work, with decisions not yet written.

`install()` checks once whether the running PySide has the bug (a few emits on a private
object, watching `sys.getrefcount`) and, only then, wraps the two methods so the returned bool
gets the reference PySide forgot. On a PySide without the bug it changes nothing, so the
workaround can stay until the pin is lifted. No emit of ours is changed or slowed otherwise
(the wrapper costs about a microsecond).
"""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

#: Calls made to detect the bug; at least half of them must lose a reference to call it a leak.
_PROBE_CALLS = 64

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = (ctypes.py_object,)
_incref.restype = None

_lock = threading.Lock()
_installed: dict[str, bool] = {}


class _Probe(QObject):
    ping = Signal()


def _noop() -> None:
    pass


def _lost_per_call(call: Callable[[], object]) -> bool:
    """True if each `call()` takes a reference away from the bool it returns; the references
    the probe itself took are given back."""
    target = call()
    if not isinstance(target, bool):
        return False
    before = sys.getrefcount(target)
    for _ in range(_PROBE_CALLS):
        call()
    leaks = before - sys.getrefcount(target) >= _PROBE_CALLS // 2
    if leaks:
        for _ in range(_PROBE_CALLS + 1):  # the first call's too
            _incref(target)
    return leaks


def _owning(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if result is True or result is False:
            _incref(result)  # the reference PySide returned without owning it
        return result

    return wrapper


def emit_leaks() -> bool:
    """Whether this PySide's raw `SignalInstance.emit` loses a reference to True per call."""
    probe = _Probe()
    emit = getattr(SignalInstance.emit, "__wrapped__", SignalInstance.emit)
    return _lost_per_call(lambda: emit(probe.ping))


def install() -> dict[str, bool]:
    """Wrap `SignalInstance.emit` / `.disconnect` if (and only if) they leak; idempotent and
    thread-safe. Returns which of the two were wrapped."""
    with _lock:
        if _installed:
            return dict(_installed)
        probe = _Probe()
        checks: dict[str, Callable[[], object]] = {
            "emit": lambda: SignalInstance.emit(probe.ping),
            # connect() is sound; a successful disconnect() returns True
            "disconnect": lambda: (
                probe.ping.connect(_noop),
                SignalInstance.disconnect(probe.ping, _noop),
            )[1],
        }
        for name, call in checks.items():
            leaks = _lost_per_call(call)
            if leaks:
                setattr(SignalInstance, name, _owning(getattr(SignalInstance, name)))
            _installed[name] = leaks
        return dict(_installed)
