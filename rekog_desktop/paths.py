"""Where the store lives by default: the user's data folder, overridable by REKOG_DB."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "rekog-desktop"


def default_store_path() -> Path:
    env = os.environ.get("REKOG_DB")
    if env:
        return Path(env).expanduser()
    return user_data_path(APP_NAME, appauthor=False) / "gallery.sqlite"
