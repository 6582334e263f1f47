"""Runs the engine over many files: worker processes, deterministic order.

Each worker builds its ``Checker`` (registry, catalog, classifier) once and receives
only paths; it reads the bytes itself and sends back plain ``FileResult`` objects.
Results are returned in the order of the input paths, whatever order the workers
finish in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from privalint.engine import PARSE_ERROR, Checker, Settings
from privalint.model import FileResult, Finding, Severity, Span
from privalint.registry import all_rules


@dataclass(frozen=True)
class Job:
    """One file to check: where to read it and how to name it in results."""

    path: str
    display: str


_CHECKER: Optional[Checker] = None


def _init_worker(settings: Settings, max_file_size: int) -> None:
    global _CHECKER, _MAX_SIZE
    _CHECKER = Checker(settings, all_rules())
    _MAX_SIZE = max_file_size


_MAX_SIZE = 5_000_000


def notice(path: str, message: str, line: int = 1) -> Finding:
    """A PV000 notice for a file that could not be checked."""
    return Finding(
        rule_id=PARSE_ERROR,
        path=path,
        message=message,
        severity=Severity.ERROR,
        span=Span(line, 1, line, 1),
        statement_lines=(line, line),
    )


def check_job(checker: Checker, job: Job, max_file_size: int) -> FileResult:
    """Read and check one file; unreadable files become notices."""
    try:
        size = os.path.getsize(job.path)
        if size > max_file_size:
            result = FileResult(path=job.display)
            result.findings.append(
                notice(
                    job.display,
                    f"file is {size:,} bytes, larger than max-file-size ({max_file_size:,}); not checked",
                )
            )
            return result
        with open(job.path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        result = FileResult(path=job.display)
        result.findings.append(
            notice(job.display, "file vanished before it could be read; not checked")
        )
        return result
    except PermissionError:
        result = FileResult(path=job.display)
        result.findings.append(notice(job.display, "permission denied; not checked"))
        return result
    except OSError as error:
        result = FileResult(path=job.display)
        result.findings.append(
            notice(job.display, f"cannot read file: {error.strerror or error}; not checked")
        )
        return result
    return checker.check(job.display, data)


def _check_in_worker(job: Job) -> FileResult:
    assert _CHECKER is not None
    return check_job(_CHECKER, job, _MAX_SIZE)


def run(
    jobs: Sequence[Job],
    settings: Settings,
    workers: int,
    max_file_size: int = 5_000_000,
) -> list[FileResult]:
    """Check every job; results come back in the order of ``jobs``."""
    if not jobs:
        return []
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        checker = Checker(settings, all_rules())
        return [check_job(checker, job, max_file_size) for job in jobs]
    chunk = max(1, min(16, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(settings, max_file_size)
    ) as pool:
        return list(pool.map(_check_in_worker, jobs, chunksize=chunk))


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not available on macOS / Windows
        return max(1, os.cpu_count() or 1)


def to_jobs(files: Sequence[Path], base: Path) -> list[Job]:
    from privalint.discovery import display_path

    return [Job(str(f), display_path(f, base)) for f in files]
