"""State shared by the `rekog` commands: the store path, opened on demand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rekog_desktop.core.gallery.store import GalleryStore


@dataclass
class CliContext:
    db_path: Path

    def open_store(self) -> GalleryStore:
        return GalleryStore(self.db_path)
