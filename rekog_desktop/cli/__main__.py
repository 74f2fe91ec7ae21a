"""`python -m rekog_desktop.cli`: the same as the `rekog` command."""

from . import main

main()
