"""Plain-text rendering shared by the commands that print candidate lists."""

from __future__ import annotations

import click

from rekog_desktop.core.search import FaceSearch


def echo_candidates(search: FaceSearch) -> None:
    """The within-tolerance count, then every candidate (starred when within tolerance)."""
    if search.within_tolerance == 0:
        click.echo(f"    no candidate within tolerance {search.tolerance}")
    else:
        click.echo(
            f"    {search.within_tolerance} candidate(s) within tolerance {search.tolerance}"
        )
    for cand in search.candidates:
        mark = "*" if cand.within_tolerance else " "
        click.echo(
            f"   {mark}{cand.rank:3d}. {cand.distance:.3f}  {cand.subject}  {cand.photo_path}"
        )
