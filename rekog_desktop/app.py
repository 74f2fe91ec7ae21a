"""The only wiring module: settings, store and main window (placeholder until the GUI lands)."""

from __future__ import annotations

import sys


def main() -> None:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv)
    label = QLabel("rekog-desktop: investigative lead only, not an identification.")
    label.resize(640, 200)
    label.show()
    sys.exit(app.exec())
