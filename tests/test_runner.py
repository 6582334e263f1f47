"""The runner: worker processes, deterministic order, dead and stuck workers."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from privalint import runner
from privalint.api import CheckOptions, run_check
from privalint.catalog import bundled
from privalint.discovery import _excluded, _FileExcludes
from privalint.engine import Checker
from privalint.model import FileResult
from privalint.registry import all_rules
from privalint.runner import Job, Progress, run
from privalint.settings import Settings

LEAKY = 'import logging\nlog = logging.getLogger(__name__)\n\ndef f(user):\n    log.info("x %s", user.email)\n'
PLAIN = "def add(a, b):\n    return a + b\n"


def _settings() -> Settings:
    return Settings(rule_ids=tuple(r.id for r in all_rules()), catalog=bundled())


def _project(folder: Path, count: int = 12) -> list[Job]:
    jobs = []
    for i in range(count):
        path = folder / f"m{i:02}.py"
        path.write_text(LEAKY if i % 3 == 0 else PLAIN)
        jobs.append(Job(str(path), path.name))
    return jobs


def _plain(results: list[FileResult]) -> list[tuple]:
    return [(r.path, sorted(dataclasses.astuple(f) for f in r.findings)) for r in results]


def test_results_come_back_in_input_order_whatever_the_number_of_workers(
    tmp_path: Path,
) -> None:
    jobs = _project(tmp_path, 40)
    one = run(jobs, _settings(), workers=1)
    two = run(jobs, _settings(), workers=2)
    four = run(jobs, _settings(), workers=4)
    assert [r.path for r in one] == [j.display for j in jobs]
    assert _plain(one) == _plain(two) == _plain(four)
    assert sum(len(r.findings) for r in one) == 14


def test_progress_is_reported_for_every_file(tmp_path: Path) -> None:
    jobs = _project(tmp_path, 10)
    seen: list[Progress] = []
    run(jobs, _settings(), workers=2, report=lambda p: seen.append(dataclasses.replace(p)))
    assert seen[-1].done == seen[-1].total == 10
    assert seen[-1].skipped == 6  # the files without personal data are never parsed
    assert [p.done for p in seen] == sorted(p.done for p in seen)


def test_unreadable_and_oversized_files_become_notices(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * 100)
    jobs = [Job(str(tmp_path / "gone.py"), "gone.py"), Job(str(big), "big.py")]
    results = run(jobs, _settings(), workers=2, max_file_size=100)
    assert [r.findings[0].rule_id for r in results] == ["PV000", "PV000"]
    assert "vanished" in results[0].findings[0].message
    assert "max-file-size" in results[1].findings[0].message


def _crash_on(name: str, how: str):  # type: ignore[no-untyped-def]
    original = Checker.check

    def check(
        self: Checker, path: str, data: bytes, defer: bool = False, seeds: Any = None
    ) -> FileResult:
        if path == name:
            if how == "segfault":
                os.kill(os.getpid(), signal.SIGSEGV)
            elif how == "exit":
                os._exit(3)
            elif how == "hang":
                time.sleep(60)
            elif how == "raise":
                raise RuntimeError("boom")
        return original(self, path, data, defer, seeds)

    return check


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(
    ("how", "words"),
    [("segfault", "SIGSEGV"), ("exit", "exit code 3"), ("raise", "RuntimeError: boom")],
)
def test_a_worker_that_dies_costs_one_notice_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, words: str, workers: int
) -> None:
    jobs = _project(tmp_path, 20)
    monkeypatch.setattr(Checker, "check", _crash_on("m03.py", how))
    results = run(jobs, _settings(), workers=workers)
    assert [r.path for r in results] == [j.display for j in jobs]
    crashed = results[3]
    assert [f.rule_id for f in crashed.findings] == ["PV000"]
    assert words in crashed.findings[0].message
    others = [r for i, r in enumerate(results) if i != 3]
    monkeypatch.undo()
    expected = run([j for i, j in enumerate(jobs) if i != 3], _settings(), workers=1)
    assert _plain(others) == _plain(expected)


def test_a_file_over_the_time_budget_is_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _project(tmp_path, 8)
    monkeypatch.setattr(Checker, "check", _crash_on("m05.py", "hang"))
    started = time.monotonic()
    results = run(jobs, _settings(), workers=2, timeout=1.0)
    assert time.monotonic() - started < 30
    message = results[5].findings[0].message
    assert results[5].findings[0].rule_id == "PV000"
    assert "time budget (1 s" in message
    assert all(r.findings or r.skipped_by_prefilter for i, r in enumerate(results) if i != 5)


def test_deeply_nested_code_that_breaks_the_parser_is_reported(tmp_path: Path) -> None:
    nested = tmp_path / "nested.py"
    nested.write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    jobs = [*_project(tmp_path, 3), Job(str(nested), "nested.py")]
    results = run(jobs, _settings(), workers=2)
    assert [f.rule_id for f in results[3].findings] == ["PV000"]
    assert results[0].findings and not results[1].findings


def test_time_budget_comes_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "privalint.toml").write_text("timeout = 1\n")
    _project(tmp_path, 4)
    monkeypatch.setattr(Checker, "check", _crash_on("m01.py", "hang"))
    monkeypatch.chdir(tmp_path)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=2, use_cache=False))
    notices = [f for f in outcome.report.findings if f.rule_id == "PV000"]
    assert [f.path for f in notices] == ["m01.py"]
    assert "`timeout`" in notices[0].message


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_memory_budget_comes_from_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "privalint.toml").write_text("max-memory = 64\n")
    _project(tmp_path, 4)
    # A one-line literal the parser needs hundreds of MiB for.
    (tmp_path / "huge.py").write_text(
        "import logging\nlogging.info(user.email)\nx = [" + "1, " * 500_000 + "]\n"
    )
    monkeypatch.chdir(tmp_path)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=2, use_cache=False))
    notices = [f for f in outcome.report.findings if f.rule_id == "PV000"]
    assert [f.path for f in notices] == ["huge.py"]
    assert "`max-memory`" in notices[0].message
    assert len(outcome.results) == 5
    # The parser's own report of the failed allocation stays out of the output.
    assert "memory allocation" not in capfd.readouterr().err


def test_a_main_process_answered_from_the_cache_builds_no_checker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "privalint.toml").write_text("")
    _project(tmp_path, 4)
    monkeypatch.chdir(tmp_path)
    run_check(CheckOptions(paths=[Path(".")], jobs=2))
    built = []
    monkeypatch.setattr(runner, "_build_checker", lambda s: built.append(s))
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=2))
    assert outcome.report.cache_hits == 4 and not built


@pytest.mark.parametrize(
    "folder", [".", "a", "a/b", "/other/tests", "src/pkg/gen", "tests/x", ".hidden/a"]
)
def test_file_excludes_agree_with_path_matching(folder: str) -> None:
    patterns = [
        *("tests", "*.pyi", ".*", "build/", "./docs", "a*c.py", "src/*/gen", "*_pb2.py"),
        *("x/y.py", "b", "migrations/", "**/foo"),
    ]
    for size in (1, 3, len(patterns)):
        for start in range(len(patterns)):
            chosen = patterns[start : start + size]
            excluded = _FileExcludes(folder, chosen)
            for name in ("c.py", "x_pb2.py", "y.py", "foo", "b.py"):
                relative = name if folder == "." else f"{folder}/{name}"
                assert excluded(relative, name) == _excluded(relative, chosen), (relative, chosen)


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.text = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize(
    ("tty", "quiet", "environ", "shown"),
    [
        (True, False, {}, True),
        (False, False, {}, False),
        (True, True, {}, False),
        (True, False, {"CI": "true"}, False),
    ],
)
def test_progress_only_on_a_terminal_outside_ci_and_not_quiet(
    tty: bool, quiet: bool, environ: dict[str, str], shown: bool
) -> None:
    from privalint.progress import wanted

    assert wanted(quiet, _Stream(tty), environ) is shown


def test_progress_bar_waits_about_a_second_then_shows_counts() -> None:
    from privalint.progress import ProgressBar

    stream = _Stream(True)
    bar = ProgressBar(stream, delay=0.05, force=True)  # type: ignore[arg-type]
    bar(Progress(total=10, done=1))
    assert not bar.shown
    time.sleep(0.06)
    bar(Progress(total=10, done=10, skipped=4, cached=3))
    assert not bar.shown  # a run that is already over shows nothing
    bar(Progress(total=10, done=5, skipped=4, cached=3))
    assert bar.shown
    bar.close()
    assert "5/10" in stream.text and "4 skipped" in stream.text and "3 cached" in stream.text


def test_the_progress_bar_is_off_when_output_is_not_a_terminal(tmp_project: Path) -> None:
    from click.testing import CliRunner

    from privalint.cli import cli

    (tmp_project / "m.py").write_text(LEAKY)
    result = CliRunner().invoke(cli, ["check", str(tmp_project), "--no-cache"])
    assert "checking" not in result.output and "skipped ·" not in result.output


def test_an_interrupted_run_kills_its_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    jobs = _project(tmp_path, 30)
    monkeypatch.setattr(Checker, "check", _crash_on("m00.py", "hang"))
    stopped: list[bool] = []
    stop = runner._Pool._stop

    def recording_stop(worker: runner._Worker, kill: bool = False) -> None:
        stopped.append(kill)
        stop(worker, kill=kill)

    monkeypatch.setattr(runner._Pool, "_stop", staticmethod(recording_stop))

    def interrupt(progress: Progress) -> None:
        if progress.done >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(jobs, _settings(), workers=2, report=interrupt)
    # One worker is stuck on m00.py: it is killed, not waited for.
    assert stopped == [True, True]
    assert not multiprocessing.active_children()


# -- files that only join other files' facts ----------------------------------------------

JOIN_MODELS = """\
from pydantic import BaseModel


class Contact(BaseModel):
    email: str
    phone: str
"""

# Names no personal data: on its own the prefilter would skip it, but its endpoint
# takes `Signup` as its body, and `Signup` includes `Contact`.
JOIN_REQUESTS = """\
from app.contacts import Contact
from pydantic import BaseModel


class Signup(BaseModel):
    plan: str
    contact: Contact
"""

JOIN_ROUTES = """\
from fastapi import APIRouter

from app.requests import Signup

router = APIRouter()


@router.post("/signup")
def signup(body: Signup):
    return {"plan": body.plan}
"""

# Structure of the same kind, joined to nothing personal.
JOIN_UNRELATED = """\
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter()


class Search(BaseModel):
    query: str


@router.post("/search")
def search(body: Search):
    return {"query": body.query}
"""


def _join_project(folder: Path) -> Path:
    app = folder / "app"
    app.mkdir()
    for name, text in (
        ("contacts.py", JOIN_MODELS),
        ("requests.py", JOIN_REQUESTS),
        ("routes.py", JOIN_ROUTES),
        ("search.py", JOIN_UNRELATED),
    ):
        (app / name).write_text(text)
    return folder


def _collected_at(folder: Path, monkeypatch: pytest.MonkeyPatch, **options: object) -> list[str]:
    monkeypatch.chdir(folder)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, select=("PV403",), **options))  # type: ignore[arg-type]
    return sorted(f.message for f in outcome.report.findings)


@pytest.mark.parametrize("cached", [False, True])
def test_files_that_only_join_are_checked_when_a_class_they_name_is_personal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    folder = _join_project(tmp_path)
    without_deferral = _collected_at(folder, monkeypatch, use_cache=False, prefilter=False)
    assert without_deferral and "email" in without_deferral[0] and "2 places" in without_deferral[0]
    if cached:
        _collected_at(folder, monkeypatch, use_cache=True)  # fills the cache
    assert _collected_at(folder, monkeypatch, use_cache=cached) == without_deferral


def test_a_file_that_only_joins_classes_of_no_personal_data_is_never_parsed(tmp_path: Path) -> None:
    folder = _join_project(tmp_path)
    jobs = [Job(str(p), p.name) for p in sorted((folder / "app").glob("*.py"))]
    settings = dataclasses.replace(_settings(), collect_facts=True)
    results = {r.path: r for r in run(jobs, settings, workers=1, defer=True)}
    assert results["contacts.py"].parsed
    # Joined through `Signup`, which includes the personal `Contact`: checked in a
    # second round, then `routes.py` (which names `Signup`) in a third.
    assert results["requests.py"].parsed and results["routes.py"].parsed
    assert not results["search.py"].parsed and results["search.py"].deferred
    # Without deferral every file with that structure is parsed.
    plain = {r.path: r for r in run(jobs, settings, workers=1, defer=False)}
    assert plain["search.py"].parsed and not plain["search.py"].deferred


def test_a_run_on_some_files_checks_the_deferred_files_their_classes_join(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _join_project(tmp_path)
    (folder / "pyproject.toml").write_text("[tool.privalint]\n")
    models = folder / "app" / "contacts.py"
    models.write_text(JOIN_MODELS.replace("    email: str\n    phone: str\n", "    plan: str\n"))
    # Nothing personal anywhere: the files that only join stay unparsed (and cached so).
    assert _collected_at(folder, monkeypatch, use_cache=True) == []
    models.write_text(JOIN_MODELS)
    # The changed file alone: its class is joined by `Signup` and the `/signup`
    # endpoint of two unchanged, never parsed files.
    monkeypatch.chdir(folder)
    outcome = run_check(
        CheckOptions(paths=[Path("app/contacts.py")], jobs=1, select=("PV403",), use_cache=True)
    )
    messages = [f.message for f in outcome.report.findings]
    assert len(messages) == 1 and "email" in messages[0] and "phone" in messages[0]
