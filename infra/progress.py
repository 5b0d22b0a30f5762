"""Progress of a long run (verify, a replay): a rich progress bar when stderr is a terminal,
a structlog line every few seconds otherwise (a job's log, a CI run)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

log = structlog.get_logger(__name__)

Advance = Callable[[int], None]


@contextmanager
def progress(task: str, total: int | None, *, every_seconds: float = 5.0) -> Iterator[Advance]:
    """Yields `advance(n)`; call it as work gets done."""
    if sys.stderr.isatty():
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task_id = bar.add_task(task, total=total)
            yield lambda n: bar.advance(task_id, n)
        return
    done = 0
    started = last = time.monotonic()

    def advance(n: int) -> None:
        nonlocal done, last
        done += n
        now = time.monotonic()
        if now - last >= every_seconds:
            last = now
            log.info("progress", task=task, done=done, total=total, seconds=round(now - started))

    yield advance
    if time.monotonic() - started >= every_seconds:
        log.info("progress.done", task=task, done=done, seconds=round(time.monotonic() - started))
