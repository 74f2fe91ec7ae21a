"""`python -m rekog_desktop.cli`: the same as the `rekog` command."""

from rekog_desktop.cli import main

main()
