"""Look and feel: Fusion style, a dark palette, the style sheet and icons from resources/."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from rekog_desktop.core.common.resources import resources_dir

RESOURCES = resources_dir()

#: Colours shared by painted items (boxes, landmarks, decision marks) and the style sheet.
ACCENT = "#4a8df8"
FACE_BOX = "#4a8df8"
FACE_BOX_SELECTED = "#ffd166"
LANDMARK = "#52e3c2"
ACCEPT = "#4cc38a"
REJECT = "#f06a6a"
INCONCLUSIVE = "#e3b341"
MUTED = "#9aa4b1"
TEXT = "#e6e9ee"


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons/<name>.svg (an empty icon if the file is missing)."""
    path = RESOURCES / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def icon_path(name: str) -> str:
    return str(RESOURCES / "icons" / f"{name}.svg")


def style_sheet() -> str:
    path = RESOURCES / "style.qss"
    if not path.is_file():
        return ""
    icons = (RESOURCES / "icons").as_posix()
    return path.read_text(encoding="utf-8").replace("@ICONS@", icons)


def apply_theme(app: QApplication) -> None:
    """Fusion + dark palette: the same look on every platform, so screenshots match manuals."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1d2127",
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: "#171a1f",
        QPalette.ColorRole.AlternateBase: "#1b1f25",
        QPalette.ColorRole.ToolTipBase: "#2e353f",
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: "#6b7480",
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: "#2e353f",
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#2f6fd6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Mid: "#343b45",
        QPalette.ColorRole.Dark: "#14171b",
        QPalette.ColorRole.Light: "#3a424d",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7480"))
    app.setPalette(palette)
    app.setStyleSheet(style_sheet())
    app.setWindowIcon(icon("app"))
