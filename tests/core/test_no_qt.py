"""The core must import and run without Qt: the CLI and batch jobs never load PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import rekog_desktop.core


def test_core_modules_do_not_load_qt() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(rekog_desktop.core.__path__, prefix="rekog_desktop.core.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "import rekog_desktop.cli\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert len(modules) >= 25
    assert result.stdout.strip() == ""
