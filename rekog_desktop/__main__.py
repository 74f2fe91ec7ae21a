"""`python -m rekog_desktop` (and the PyInstaller bundle's entry point) starts the desktop app."""

import sys

from rekog_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
