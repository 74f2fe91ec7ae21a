"""File names as the OS gives them, kept losslessly and shown readably.

On Linux a file name is bytes; Python hands undecodable bytes over as lone surrogates
(surrogateescape), which SQLite, JSON files and PDFs cannot hold. Everywhere a name is stored
or shown, its displayable form is used (each undecodable byte written `\\xNN`); the raw bytes
are kept beside it where the file must be opened again (a gallery photo).
"""

from __future__ import annotations

import os
from pathlib import Path


def raw_name(path: str | Path) -> bytes:
    """The path's bytes as the OS knows them."""
    return os.fsencode(path)


def is_clean(path: str | Path) -> bool:
    """True when the path is valid text (its displayable form is the path itself)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def displayable(path: str | Path) -> str:
    """The path as text any store, terminal or PDF can hold; undecodable bytes as \\xNN."""
    text = str(path)
    if is_clean(text):
        return text
    return os.fsencode(text).decode("utf-8", errors="backslashreplace")


def from_raw(raw: bytes) -> str:
    """The path to open, from its stored bytes."""
    return os.fsdecode(raw)
