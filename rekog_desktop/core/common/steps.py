"""Long operations are generators: they yield steps and return a result. These helpers drive
one without the try/next/StopIteration loop every caller would otherwise write again."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, Generic, TypeVar

Y = TypeVar("Y")
R = TypeVar("R")


class Steps(Generic[Y, R]):
    """Iterate an operation's steps; once the loop ends, `result` holds its return value.

    run = Steps(workflow.scan_clip(...))
    for step in run:
        show(step)
    clip = run.result
    """

    def __init__(self, operation: Generator[Y, Any, R]) -> None:
        self._operation = operation
        self._done = False
        self._result: R | None = None

    def __iter__(self) -> Iterator[Y]:
        self._result = yield from self._operation
        self._done = True

    @property
    def result(self) -> R:
        if not self._done:
            raise RuntimeError("the operation has not finished")
        return self._result  # type: ignore[return-value]

    def close(self) -> None:
        self._operation.close()


def finish(operation: Generator[Any, Any, R]) -> R:
    """Run an operation to its end, ignoring its steps (scripts and tests)."""
    run = Steps(operation)
    for _ in run:
        pass
    return run.result
