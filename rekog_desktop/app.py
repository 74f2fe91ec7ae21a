"""The only wiring module: arguments, settings, theme, main window.

`rekog-desktop [--db PATH] [FILE...]` opens the app on a store and searches each FILE as a
probe (like "Open with"). Qt is imported only inside main(), so worker processes spawned by the
importer never load it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path

from rekog_desktop import __version__

ORGANISATION = "rekog-desktop"
APPLICATION = "rekog-desktop"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rekog-desktop",
        description="Offline face search workstation. A match is a lead, not an identification.",
    )
    parser.add_argument("--db", metavar="PATH", help="gallery store file to open")
    parser.add_argument("files", nargs="*", metavar="FILE", help="probe pictures to search")
    parser.add_argument("--version", action="version", version=f"rekog-desktop {__version__}")
    return parser.parse_args(list(argv))


def freeze_startup_objects() -> None:
    """Move everything alive after start-up (Qt wrappers, modules, models) out of the garbage
    collector's reach: a full collection otherwise walks them all while holding the GIL, a
    100-ms freeze of the window in the middle of an import (bench/ui_event_loop_stall.py)."""
    import gc

    gc.collect()
    gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the PyInstaller bundle's import workers start here
    args = parse_args(sys.argv[1:] if argv is None else argv)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from rekog_desktop.ui.common.theme import apply_theme
    from rekog_desktop.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    apply_theme(app)  # type: ignore[arg-type]
    settings = QSettings(ORGANISATION, APPLICATION)
    window = MainWindow(settings, store_path=args.db)
    window.show()
    freeze_startup_objects()
    if args.files:
        files = [str(Path(f).expanduser().resolve()) for f in args.files]
        QTimer.singleShot(0, lambda: window.queue_probes(files))
    code = app.exec()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
