"""StoreWatcher: notices commits to the store made by another process (`rekog` in a
terminal, a second window) so the window can re-read the gallery and the trail.

SQLite's `PRAGMA data_version` changes whenever another connection commits to the file; reading
it is a page-cache look-up, not a query of the data, so it is polled on the GUI thread (its own
connection, used only there) by a QTimer.

Signals:
    store_changed(): another connection committed since the last poll.
"""

from __future__ import annotations

import contextlib
import sqlite3

from PySide6.QtCore import QObject, QTimer, Signal

#: How often the store is looked at: quick enough to feel live, rare enough to cost nothing.
POLL_MS = 1500


class StoreWatcher(QObject):
    store_changed = Signal()

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_poll)

    def watch(self, path: str) -> None:
        """Watch the store at `path` (an existing file) instead of any other."""
        self.stop()
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
            self._version = int(connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return  # not watchable (gone, locked): the window still works, without live updates
        self._connection = connection
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
        self._connection = None
        self._version = None

    def _on_poll(self) -> None:
        if self._connection is None:
            return
        try:
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return  # busy for a moment: look again next time
        if version != self._version:
            self._version = version
            self.store_changed.emit()
