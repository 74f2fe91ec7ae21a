"""File dialogs that start in the user's documents folder, never the working directory.

A dialog started in the working directory puts a case PDF in whatever folder the app was
launched from (a checkout, a shared drive): the documents folder is where an officer looks.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget


def documents_folder() -> str:
    """The user's documents folder, or their home folder when the system has none."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if location and Path(location).is_dir():
        return location
    return str(Path.home())


def file_dialog(parent: QWidget, title: str, name_filter: str = "") -> QFileDialog:
    """A (non-native-blocking, opened with .open()) file dialog in the documents folder."""
    dialog = QFileDialog(parent, title, documents_folder(), name_filter)
    return dialog
