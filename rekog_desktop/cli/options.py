"""Options shared by the commands that search (`rekog search`, `rekog video`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from rekog_desktop.core.scoring.calibration import DEFAULT_PRESET, PRESETS
from rekog_desktop.core.scoring.search import DEFAULT_TOLERANCE, DEFAULT_TOP_K

F = TypeVar("F", bound=Callable[..., object])


def search_options(func: F) -> F:
    """--top, --tolerance, --preset and --case, with the same meaning everywhere."""
    decorators = [
        click.option(
            "--top", "top_k", type=click.IntRange(min=1), default=DEFAULT_TOP_K, show_default=True
        ),
        click.option(
            "--tolerance",
            type=click.FloatRange(min=0.0, max=2.0),
            default=DEFAULT_TOLERANCE,
            show_default=True,
            help="Distance at or below which a candidate counts as within tolerance.",
        ),
        click.option(
            "--preset",
            type=click.Choice(PRESETS),
            default=DEFAULT_PRESET,
            show_default=True,
            help="investigative: ranked leads, starred within --tolerance; strict: starred only "
            "where the calibrated chance of a never-enrolled person matching anyone is at most "
            "1%.",
        ),
        click.option("--case", "case_number", help="The open case of the search (required)."),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def require_case(case_number: str | None) -> str:
    """No search without an open case and its stated purpose."""
    if not case_number:
        raise click.UsageError(
            "a search needs an open case and its stated purpose: give --case NUMBER "
            "(create one with `rekog case new`)"
        )
    return case_number
