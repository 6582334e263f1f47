"""A progress bar for long runs on a terminal.

Shown on stderr once a run has taken about a second, so quick runs (a warm cache, a
pre-commit hook on a few files) print nothing extra. Never shown when stderr is not
a terminal, in CI (``CI`` set) or with ``--quiet``. rich is imported only when the
bar is actually shown.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import Any, Optional, TextIO

from privalint.runner import Progress

DELAY = 1.0
REFRESH = 0.1


def wanted(
    quiet: bool, stream: Optional[TextIO] = None, environ: Optional[Mapping[str, str]] = None
) -> bool:
    """Whether a run may show a progress bar."""
    stream = stream if stream is not None else sys.stderr
    environ = environ if environ is not None else os.environ
    if quiet or environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class ProgressBar:
    """Files done of total, skipped by the prefilter, answered from the cache."""

    def __init__(
        self, stream: Optional[TextIO] = None, delay: float = DELAY, force: bool = False
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.force = force
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._drawn = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if self._bar is None:
            if now - self.started < self.delay or progress.done >= progress.total:
                return
            self._start(progress)
        if now - self._drawn < REFRESH and progress.done < progress.total:
            return
        self._drawn = now
        self._bar.update(
            self._task,
            completed=progress.done,
            total=progress.total,
            skipped=progress.skipped,
            cached=progress.cached,
        )
        self._bar.refresh()

    def _start(self, progress: Progress) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        console = Console(file=self.stream, force_terminal=self.force or None)
        self._bar = Bar(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[skipped]} skipped · {task.fields[cached]} cached"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            auto_refresh=False,  # no thread: refreshed from the run's own loop
        )
        self._task = self._bar.add_task(
            "check", total=progress.total, skipped=0, cached=0, completed=0
        )
        self._bar.start()

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
