"""State shared by the `rekog` commands: the store path, and the officer signed in for a run."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import click

from rekog_desktop.core.cases.users import Officer, sign_in
from rekog_desktop.core.gallery.store import GalleryStore

F = TypeVar("F", bound=Callable[..., object])


@dataclass
class Passwords:
    """Where passwords come from: the terminal (never echoed), or stdin's lines in the order
    asked with --password-stdin (for scripts). Never an argument: it would sit in the shell
    history and in every `ps` listing. With neither, no password can be given."""

    from_stdin: bool = False
    _lines: list[str] | None = field(default=None, repr=False)

    def __call__(self, prompt: str) -> str | None:
        if self.from_stdin:
            if self._lines is None:
                self._lines = sys.stdin.read().splitlines()
            return self._lines.pop(0) if self._lines else None
        if sys.stdin.isatty():
            answer: str = click.prompt(prompt, hide_input=True, default="", show_default=False)
            return answer or None
        return None


@dataclass
class CliContext:
    #: As given: a URL must reach the store intact (a Path would fold its "//").
    db_path: str | Path

    def open_store(self, *, create: bool = False) -> GalleryStore:
        """The store; only commands that fill a store (import, case new) may create it."""
        return GalleryStore(self.db_path, create=create)

    def officer(
        self, store: GalleryStore, reviewer: str | None, passwords: Passwords | bool
    ) -> Officer:
        """Sign in the officer of this run (the OS account when no --reviewer is given);
        `passwords`: a Passwords source, or the --password-stdin flag."""
        source = passwords if isinstance(passwords, Passwords) else Passwords(passwords)
        return sign_in(store, reviewer, source)


def officer_options(func: F) -> F:
    """--reviewer and --password-stdin, with the same meaning on every command that acts."""
    func = click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the password from stdin (one line per password asked) instead of the terminal.",
    )(func)
    return click.option(
        "--reviewer", help="The officer acting (default: your OS account); signs every record."
    )(func)
