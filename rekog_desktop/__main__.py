"""`python -m rekog_desktop` starts the desktop app."""

import sys

from .app import main

if __name__ == "__main__":
    sys.exit(main())
