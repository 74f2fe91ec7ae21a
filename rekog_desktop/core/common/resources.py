"""Where the product's resources are: icons, style sheet, fonts and calibration tables.

They live in `resources/` at the top of the checkout; the wheel and the PyInstaller bundle
carry the same folder as `rekog_desktop/resources/` (pyproject.toml, build.spec).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[2]


@cache
def resources_dir() -> Path:
    """The resources folder: inside the installed package, else at the top of the checkout."""
    for candidate in (_PACKAGE / "resources", _PACKAGE.parent / "resources"):
        if (candidate / "calibration.json").is_file():
            return candidate
    raise FileNotFoundError(
        f"rekog-desktop's resources/ folder is missing (looked beside {_PACKAGE})"
    )


def resource(*parts: str) -> Path:
    """A file under resources/, e.g. resource("fonts", "DejaVuSans.ttf")."""
    return resources_dir().joinpath(*parts)
