"""Runs the engine over many files: cache, worker processes, deterministic order.

The main process reads each file once, answers what it can from the cache and sends
the rest, in chunks, to worker processes. Each worker builds its ``Checker``
(registry, catalog, classifier, prefilter) once and sends back one plain
``FileResult`` per file. Results come back in the order of the input, whatever
order the workers finish in.

Workers can die: libcst's native parser crashes the process on very deeply nested
code and needs gigabytes of memory for multi-megabyte generated modules. The main
process watches every worker; the file a worker died on, or spent longer than the
per-file time budget on, is reported as a ``PV000`` notice, the worker is replaced
and the run goes on. Nothing is dropped silently.

The main process imports no part of the engine (and so not libcst) unless some
file has to be checked: a run answered from the cache stays light.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from privalint.model import Fact, FileResult, Finding, Severity, Span
from privalint.registry import all_rules
from privalint.settings import Settings

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from privalint.cache import Cache
    from privalint.engine import Checker
    from privalint.prefilter import Prefilter

PARSE_ERROR = "PV000"
RULE_ERROR = "PV003"
# A chunk sent to a worker holds at most this many files or bytes of source. A
# worker is sent its next chunk only when it has answered the last one, so the main
# process never blocks on a full pipe.
CHUNK_FILES = 16
CHUNK_BYTES = 256 * 1024
# Up to this many files to check, the main process first screens them itself with the
# prefilter the cache describes: when none needs parsing (an edit to a file no rule
# could match), no worker is started and nothing heavy is imported.
SCREEN_FILES = 32


@dataclass(frozen=True)
class Job:
    """One file to check: where to read it and how to name it in results."""

    path: str
    display: str


@dataclass
class Progress:
    """What the run has done so far (for a progress display)."""

    total: int
    done: int = 0
    skipped: int = 0
    cached: int = 0

    def add(self, result: FileResult) -> None:
        self.done += 1
        self.skipped += result.skipped_by_prefilter
        self.cached += result.from_cache


Reporter = Callable[[Progress], None]


def notice(path: str, message: str, line: int = 1) -> Finding:
    """A PV000 notice for a file that could not be checked."""
    import hashlib

    return Finding(
        rule_id=PARSE_ERROR,
        path=path,
        message=message,
        severity=Severity.ERROR,
        span=Span(line, 1, line, 1),
        statement_lines=(line, line),
        fingerprint=hashlib.sha256(f"{PARSE_ERROR}|{path}|{message}".encode()).hexdigest()[:16]
        + ":0",
    )


def _noticed(display: str, message: str) -> FileResult:
    result = FileResult(path=display)
    result.findings.append(notice(display, message))
    return result


def read_job(job: Job, max_file_size: int) -> tuple[Optional[bytes], Optional[FileResult]]:
    """The file's bytes, or a notice saying why it cannot be checked."""
    try:
        size = os.path.getsize(job.path)
        if size > max_file_size:
            return None, _noticed(
                job.display,
                f"file is {size:,} bytes, larger than max-file-size ({max_file_size:,}); "
                "not checked",
            )
        with open(job.path, "rb") as handle:
            return handle.read(), None
    except FileNotFoundError:
        return None, _noticed(job.display, "file vanished before it could be read; not checked")
    except PermissionError:
        return None, _noticed(job.display, "permission denied; not checked")
    except IsADirectoryError:
        return None, _noticed(job.display, "is a folder, not a file; not checked")
    except OSError as error:
        return None, _noticed(
            job.display, f"cannot read file: {error.strerror or error}; not checked"
        )


def run(
    jobs: Sequence[Job],
    settings: Settings,
    workers: int,
    max_file_size: int = 5_000_000,
    timeout: float = 60.0,
    cache: Optional[Cache] = None,
    report: Optional[Reporter] = None,
    defer: bool = False,
    max_memory: int = 0,
) -> list[FileResult]:
    """Check every job; results come back in the order of ``jobs``.

    With ``defer`` (a run over whole folders), a file on which rules could only record
    facts for other files' facts to join (``Rule.join_triggers``) is not parsed at
    first. Once the other files are checked, the deferred files that mention a class
    their facts could join (``privalint.project.join_names``), or define a function
    that other modules call with personal data (``privalint.project.helper_names``),
    are checked, again until no new name turns up; the others stay unparsed: nothing of theirs could change a
    finding.
    """
    results: list[Optional[FileResult]] = [None] * len(jobs)
    progress = Progress(total=len(jobs))
    todo: list[_Item] = []
    keys: dict[int, str] = {}
    waiting: dict[int, tuple[str, bytes]] = {}
    for index, job in enumerate(jobs):
        data, failed = read_job(job, max_file_size)
        if data is None:
            assert failed is not None
            results[index] = failed
            progress.add(failed)
            continue
        if cache is not None:
            key = keys[index] = cache.key(job.display, data)
            cached = cache.get(key, job.display)
            if cached is not None and not (cached.deferred and not defer):
                results[index] = cached
                progress.add(cached)
                if cached.deferred:
                    waiting[index] = (job.display, data)
                continue
        todo.append((index, job.display, data, defer, ()))
    screen = _screen(cache, settings) if 0 < len(todo) <= SCREEN_FILES else None
    if screen is not None:
        unscreened = []
        for item in todo:
            index, display, data = item[0], item[1], item[2]
            screened = screen.unparsed(display, data, defer)
            if screened is None:
                unscreened.append(item)
                continue
            results[index] = screened
            progress.add(screened)
            if screened.deferred:
                waiting[index] = (display, data)
            if cache is not None:
                cache.put(keys[index], screened)
        todo = unscreened
    if report is not None:
        report(progress)
    pool: Optional[_Pool] = None
    while todo:
        if pool is None:
            pool = _Pool(settings, max(1, min(workers, len(todo))), timeout, max_memory)
        data_of = {item[0]: (item[1], item[2]) for item in todo}
        for index, result, lasting in pool.check(todo):
            previous = results[index]
            results[index] = result
            if previous is None:
                progress.add(result)
            else:  # a deferred file, checked now
                progress.skipped -= previous.skipped_by_prefilter
                progress.skipped += result.skipped_by_prefilter
            if result.deferred:
                waiting[index] = data_of[index]
            # A crash or a timeout says something about this run, not about the
            # file: it is reported but not remembered.
            if cache is not None and lasting:
                cache.put(keys[index], result)
            if report is not None:
                report(progress)
        todo = _needed(waiting, results)
    # The prefilter described for the next runs (once per code, catalog and settings).
    checker = pool.checker if pool is not None else None
    if (
        cache is not None
        and checker is not None
        and settings.prefilter
        and cache.get_prefilter() is None
    ):
        cache.put_prefilter(checker.prefilter.spec())
    done = [r for r in results if r is not None]
    assert len(done) == len(jobs), "a file went missing in the runner"
    return done


def _screen(cache: Optional[Cache], settings: Settings) -> Optional[Prefilter]:
    """The prefilter of ``settings`` as the cache describes it, if it does."""
    if cache is None or not settings.prefilter:
        return None
    spec = cache.get_prefilter()
    if spec is None:
        return None
    from privalint.personal import Classifier
    from privalint.prefilter import Prefilter

    return Prefilter.from_spec(spec, Classifier(settings.catalog.data))


def recheck_seeded(
    jobs: Sequence[Job],
    results: list[FileResult],
    settings: Settings,
    workers: int,
    context: Sequence[Fact] = (),
    max_file_size: int = 5_000_000,
    timeout: float = 60.0,
    cache: Optional[Cache] = None,
    max_memory: int = 0,
) -> list[FileResult]:
    """``results`` with the files that call methods of objects other modules of the
    project bind (``privalint.project.resolve_seeds``, with the binding facts of
    ``results`` and ``context``) checked again, those names seeded. The file's new
    result replaces its first one."""
    from privalint.project import resolve_seeds

    seeds = resolve_seeds(
        [f for r in results for f in r.facts],
        context,
        settings.catalog.strings("imports.settings-objects"),
    )
    if not seeds:
        return results
    out = list(results)
    todo: list[_Item] = []
    keys: dict[int, str] = {}
    for index, (job, result) in enumerate(zip(jobs, results)):
        chosen = seeds.get(result.path)
        if not chosen or result.path != job.display:
            continue
        data, _ = read_job(job, max_file_size)
        if data is None:
            continue
        pairs = tuple(sorted(chosen.items()))
        if cache is not None:
            key = keys[index] = cache.key(job.display, data, pairs)
            cached = cache.get(key, job.display)
            if cached is not None:
                out[index] = cached
                continue
        todo.append((index, job.display, data, False, pairs))
    if todo:
        pool = _Pool(settings, max(1, min(workers, len(todo))), timeout, max_memory)
        for index, result, lasting in pool.check(todo):
            out[index] = result
            if cache is not None and lasting:
                cache.put(keys[index], result)
    return out


# A file's work: (index, display, bytes, whether the file may be deferred, seeds as
# sorted pairs).
_Item = tuple[int, str, bytes, bool, tuple[tuple[str, str], ...]]
_UNIT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def mentions(data: bytes, names: frozenset[str], helpers: frozenset[str] = frozenset()) -> bool:
    """Whether ``data`` has one of ``names`` as a whole identifier, or defines a
    function named as one of ``helpers``."""
    if names and not {name.encode() for name in names}.isdisjoint(_UNIT.findall(data)):
        return True
    return bool(helpers) and _defines(data, helpers)


def _defines(data: bytes, helpers: frozenset[str]) -> bool:
    if not any(name.encode() in data for name in helpers):
        return False
    pattern = (
        rb"\bdef\s+(?:" + b"|".join(re.escape(n.encode()) for n in sorted(helpers)) + rb")\s*\("
    )
    return re.search(pattern, data) is not None


def binds(display: str, data: bytes, targets: Mapping[tuple[str, ...], set[str]]) -> bool:
    """Whether the file ``display`` is the module of one of ``targets`` (path
    components to names) and binds one of its names at its top level (an assignment
    or a function definition)."""
    if not targets:
        return False
    from privalint.project import path_parts

    parts = path_parts(display)
    for size in range(1, len(parts) + 1):
        for name in targets.get(tuple(parts[-size:]), ()):
            if name.encode() not in data:
                continue
            pattern = rb"(?m)^(?:def\s+%s\s*\(|%s\s*(?::[^=\n]*)?=(?!=))" % (
                re.escape(name.encode()),
                re.escape(name.encode()),
            )
            if re.search(pattern, data):
                return True
    return False


def _needed(
    waiting: dict[int, tuple[str, bytes]], results: Sequence[Optional[FileResult]]
) -> list[_Item]:
    """The deferred files that mention a class the facts so far could join with; they
    leave ``waiting`` and are checked in full."""
    if not waiting:
        return []
    from privalint.project import binding_targets, helper_names, join_names

    facts = [fact for result in results if result is not None for fact in result.facts]
    names = join_names(facts)
    helpers = helper_names(facts)
    targets = binding_targets(facts)
    if not names and not helpers and not targets:
        return []
    chosen = [
        index
        for index, (display, data) in waiting.items()
        if mentions(data, names, helpers) or binds(display, data, targets)
    ]
    todo: list[_Item] = []
    for index in chosen:
        display, data = waiting.pop(index)
        todo.append((index, display, data, False, ()))
    return todo


# -- the worker pool ---------------------------------------------------------------------


def _context() -> Any:
    # fork starts a worker in milliseconds with the engine already imported and the
    # checker already built; elsewhere the platform's default (spawn) is the safe one.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


_CHECKER: Optional[Checker] = None


def _build_checker(settings: Settings) -> Checker:
    from privalint.engine import Checker

    return Checker(settings, all_rules())


def _silence_stderr() -> None:
    """What a worker has to say reaches the main process as results; the parser's own
    last words when it aborts (out of memory, a crash) would only garble the report."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def _limit_memory(mib: int) -> None:
    """Let this process grow by at most ``mib`` MiB of address space (where the
    platform enforces it): a file that needs more fails alone, as a notice, instead
    of taking the machine's memory."""
    if mib <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + mib * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError, AttributeError):
        return  # no /proc, no RLIMIT_AS: the time budget still bounds a file


def _worker_main(conn: Connection, settings: Settings, max_memory: int = 0) -> None:
    """A worker: check the files it is sent, one result message per file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    _silence_stderr()
    _limit_memory(max_memory)
    # A crash is reported by the main process, as a notice; no dump on stderr.
    faulthandler.disable()
    checker = _CHECKER if _CHECKER is not None else _build_checker(settings)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        for index, display, data, defer, seeds in message:
            try:
                result = checker.check(display, data, defer, dict(seeds))
            except MemoryError:
                conn.send((index, _noticed(display, "ran out of memory; not checked"), False))
                continue
            except Exception as error:  # a bug in privalint: report it, keep going
                result = _noticed(
                    display,
                    f"internal error, file not checked: {type(error).__name__}: "
                    f"{' '.join(str(error).split())[:200]}",
                )
            conn.send((index, result, True))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    # Files sent and not yet answered, in the order the worker checks them.
    queue: deque[_Item] = field(default_factory=deque)
    # When the worker started on the first file of `queue`.
    started: float = 0.0
    # A chunk could not be sent: the worker was gone before it started on it.
    broken: bool = False


class _Pool:
    """Worker processes that survive each other's deaths."""

    def __init__(self, settings: Settings, size: int, timeout: float, max_memory: int = 0) -> None:
        self.settings = settings
        self.size = size
        self.timeout = timeout
        self.max_memory = max_memory
        self.context = _context()
        self.checker: Optional[Checker] = None

    def _spawn(self) -> _Worker:
        global _CHECKER
        forking = self.context.get_start_method() == "fork"
        if forking and self.checker is None:
            # Built once here and inherited by every forked worker.
            self.checker = _build_checker(self.settings)
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main, args=(child, self.settings, self.max_memory), daemon=True
        )
        _CHECKER = self.checker if forking else None
        try:
            process.start()
        finally:
            _CHECKER = None
        child.close()
        return _Worker(process, parent)

    def check(self, todo: list[_Item]) -> Iterator[tuple[int, FileResult, bool]]:
        """Yield ``(index, result, lasting)`` for every file, in completion order;
        ``lasting`` is False for a notice about this run (a crash, a timeout)."""
        # Large files first: the run ends sooner when no big file comes last.
        pending = deque(sorted(todo, key=lambda item: -len(item[2])))
        workers: list[_Worker] = []
        finished = False
        try:
            while pending or any(w.queue for w in workers):
                while pending and len(workers) < self.size:
                    workers.append(self._spawn())
                for worker in workers:
                    if not worker.queue and pending:
                        self._feed(worker, pending)
                busy = [w for w in workers if w.queue]
                ready = wait(
                    [w.conn for w in busy] + [w.process.sentinel for w in busy],
                    timeout=self._next_deadline(busy),
                )
                now = time.monotonic()
                for worker in busy:
                    if worker.conn in ready:
                        yield from self._collect(worker, now)
                    alive = worker.process.is_alive() and not worker.broken
                    if alive and not (worker.queue and now - worker.started > self.timeout):
                        continue
                    # Dead, or stuck on one file: that file is reported, the rest of
                    # its chunk goes back to the queue, a fresh worker takes over.
                    yield from self._collect(worker, now)
                    failed = self._retire(worker, overdue=alive)
                    workers.remove(worker)
                    if failed is not None:
                        yield failed
                    pending.extendleft(reversed(worker.queue))
                    worker.queue.clear()
            finished = True
        finally:
            # Interrupted (Ctrl-C, an error, a consumer that stopped early): workers
            # may be in the middle of a file, so they are killed, not asked to stop.
            for worker in workers:
                self._stop(worker, kill=not finished)

    @staticmethod
    def _feed(worker: _Worker, pending: deque[_Item]) -> None:
        chunk = [pending.popleft()]
        size = len(chunk[0][2])
        while pending and len(chunk) < CHUNK_FILES and size + len(pending[0][2]) <= CHUNK_BYTES:
            item = pending.popleft()
            chunk.append(item)
            size += len(item[2])
        worker.queue.extend(chunk)
        worker.started = time.monotonic()
        try:
            worker.conn.send(chunk)
        except (BrokenPipeError, OSError):
            worker.broken = True  # the main loop requeues the chunk

    @staticmethod
    def _collect(worker: _Worker, now: float) -> Iterator[tuple[int, FileResult, bool]]:
        """Results the worker has sent."""
        while worker.queue:
            try:
                if not worker.conn.poll():
                    return
                index, result, lasting = worker.conn.recv()
            except (EOFError, OSError):
                return
            item = worker.queue.popleft()
            assert item[0] == index, "a worker answered out of order"
            worker.started = now
            yield index, result, lasting

    def _next_deadline(self, busy: list[_Worker]) -> Optional[float]:
        if not busy:
            return None
        first = min(w.started for w in busy) + self.timeout
        return max(0.0, first - time.monotonic()) + 0.01

    def _retire(self, worker: _Worker, overdue: bool) -> Optional[tuple[int, FileResult, bool]]:
        """Stop a dead or stuck worker; the notice for the file it was on."""
        self._stop(worker, kill=True)
        if not worker.queue or worker.broken:
            return None
        index, display = worker.queue.popleft()[:2]
        if overdue:
            message = (
                f"checking took longer than the time budget ({self.timeout:g} s, "
                "`timeout` in the config); not checked"
            )
        else:
            message = (
                f"the parser crashed on this file ({_exit_reason(worker.process.exitcode)})"
                + (" or needed more memory than `max-memory` allows" if self.max_memory else "")
                + "; not checked"
            )
        return index, _noticed(display, message), False

    @staticmethod
    def _stop(worker: _Worker, kill: bool = False) -> None:
        process = worker.process
        if process.is_alive():
            if kill:
                process.kill()
            else:
                try:
                    worker.conn.send(None)
                except (BrokenPipeError, OSError):
                    process.kill()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
        worker.conn.close()


def _exit_reason(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exit code {code}"


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not available on macOS / Windows
        return max(1, os.cpu_count() or 1)


def to_jobs(files: Sequence[Path], base: Path) -> list[Job]:
    from privalint.discovery import display_path

    return [Job(str(f), display_path(f, base)) for f in files]
