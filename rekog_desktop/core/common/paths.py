"""Where the store lives by default: the user's data folder, overridable by REKOG_DB."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

from rekog_desktop.core.common.errors import StoreError

APP_NAME = "rekog-desktop"


def default_store_path() -> Path:
    env = os.environ.get("REKOG_DB")
    if env:
        if "://" in env:
            raise StoreError(f"REKOG_DB={env} is a URL: this build opens SQLite store files only")
        return Path(env).expanduser()
    return user_data_path(APP_NAME, appauthor=False) / "gallery.sqlite"


def keys_dir() -> Path:
    """Where a store's signing keys and latest checkpoints live: outside every store file, so
    whoever can edit a store cannot also re-sign its trail. REKOG_KEYS overrides."""
    env = os.environ.get("REKOG_KEYS")
    path = Path(env).expanduser() if env else user_data_path(APP_NAME, appauthor=False) / "keys"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
