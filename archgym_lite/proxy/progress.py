"""Progress of the long proxy steps (sampling, fitting, distilling, evaluating).

Library functions take a :class:`Reporter`; the default one is silent. ``archgym proxy train|loop`` pass a
:class:`RichReporter`, which draws one rich progress bar per step on stderr (so stdout stays a clean table).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

Advance = Callable[[int], None]


class Reporter:
    """Receives the steps of a long computation; this base class ignores them."""

    @contextlib.contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Advance]:
        """A step of ``total`` units; the yielded function advances it by some units."""
        yield lambda k=1: None

    def note(self, message: str) -> None:
        """A one-line remark between steps (e.g. which model was chosen)."""


class RichReporter(Reporter):
    """Rich progress bars (one line per step, with elapsed and remaining time) on ``console``."""

    def __init__(self, console: Any = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)

    def __enter__(self) -> RichReporter:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    @contextlib.contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Advance]:
        task = self.progress.add_task(description, total=total)
        t0 = time.perf_counter()
        yield lambda k=1: self.progress.advance(task, k)
        done = self.progress.tasks[task].completed if total is None else total
        self.progress.update(task, completed=done, total=done or 1,
                             description=f"{description} ({time.perf_counter() - t0:.1f} s)")

    def note(self, message: str) -> None:
        self.progress.console.print(message, markup=False, highlight=False)
