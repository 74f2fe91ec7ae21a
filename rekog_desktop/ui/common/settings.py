"""AppSettings: what persists between sessions (QSettings), read once and passed around."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QSettings

from rekog_desktop.core.common.paths import default_store_path
from rekog_desktop.core.scoring.calibration import DEFAULT_PRESET, PRESETS
from rekog_desktop.core.scoring.search import DEFAULT_TOLERANCE, DEFAULT_TOP_K, SearchSettings


def _number(value: object) -> str | float:
    """A stored number as int() and float() take it: QSettings gives back a str when read from
    its file and the int or float itself within the session; anything else is a corrupt entry.

    Raises TypeError for the corrupt entry, as int() and float() would, so that the caller falls
    back to the defaults.
    """
    if isinstance(value, str | int | float):
        return value
    raise TypeError(f"not a number: {type(value).__name__}")


@dataclass
class AppSettings:
    store_path: str
    search: SearchSettings = field(default_factory=SearchSettings)
    reviewer: str = ""
    case_number: str = ""

    @classmethod
    def load(cls, qs: QSettings) -> AppSettings:
        # The same default as `rekog` (REKOG_DB, else the data folder), never the last store
        # opened: an officer who opened another store once would otherwise work in one store
        # in the app and another on the command line without noticing. --db or File > Open
        # choose another store for one session.
        store = str(default_store_path())
        try:
            top_k = int(_number(qs.value("search/top_k", DEFAULT_TOP_K)))
            tolerance = float(_number(qs.value("search/tolerance", DEFAULT_TOLERANCE)))
        except (TypeError, ValueError):
            top_k, tolerance = DEFAULT_TOP_K, DEFAULT_TOLERANCE
        preset = str(qs.value("search/preset", DEFAULT_PRESET) or DEFAULT_PRESET)
        return cls(
            store_path=store,
            search=SearchSettings(
                top_k=max(1, min(200, top_k)),
                tolerance=max(0.2, min(1.2, tolerance)),
                preset=next((p for p in PRESETS if p == preset), DEFAULT_PRESET),
            ),
            reviewer=str(qs.value("review/reviewer", "") or ""),
            case_number=str(qs.value("review/case", "") or ""),
        )

    def save(self, qs: QSettings) -> None:
        qs.setValue("store/path", self.store_path)
        qs.setValue("search/top_k", self.search.top_k)
        qs.setValue("search/tolerance", self.search.tolerance)
        qs.setValue("search/preset", self.search.preset)
        qs.setValue("review/reviewer", self.reviewer)
        qs.setValue("review/case", self.case_number)
        qs.sync()
