"""`python -m rekog_desktop` starts the desktop app."""

from .app import main

if __name__ == "__main__":
    main()
