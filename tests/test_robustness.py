"""No input makes privalint crash, hang or lose results.

Every nasty input either gets its normal findings or a PV000 notice that names the
file (and the line, when there is one); every other file is still checked, and the
exit code says so. Run-level problems (an unreadable folder, a broken link) are
notifications in every format.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import libcst as cst
import pytest
from click.testing import CliRunner

from privalint import api
from privalint.api import CheckOptions, run_check
from privalint.catalog import bundled
from privalint.cli import cli
from privalint.engine import Checker, Settings
from privalint.flow import Flow
from privalint.model import Family, FileResult, Severity
from privalint.output import render
from privalint.registry import all_rules
from privalint.rule import Rule
from tests.conftest import checker

# A file with one PV101 finding, on line 5.
LOG = b"import logging\n\n\ndef f(user):\n    logging.info(user.email)\n"
LOG_LINE = 5


def _log_at(line: int, prefix: bytes = b"") -> bytes:
    """A file whose PV101 finding is on ``line`` (after ``prefix`` and padding)."""
    head = prefix + b"import logging\n"
    pad = line - 1 - head.count(b"\n") - 1
    assert pad >= 0
    return head + b"\n" * pad + b"def f(user):\n    logging.info(user.email)\n"


def _only(result: FileResult, rule_id: str) -> list[int]:
    return [f.span.start_line for f in result.findings if f.rule_id == rule_id]


# -- one file, straight through the engine ----------------------------------------------

# Inputs that are valid Python 3: the finding must survive, on the right line.
VALID_INPUTS: dict[str, tuple[bytes, int]] = {
    "plain": (LOG, LOG_LINE),
    "utf8-bom": (b"\xef\xbb\xbf" + LOG, LOG_LINE),
    "bom-and-utf8-cookie": (b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + LOG, LOG_LINE + 1),
    "crlf": (LOG.replace(b"\n", b"\r\n"), LOG_LINE),
    "cr-only": (LOG.replace(b"\n", b"\r"), LOG_LINE),
    "mixed-newlines": (
        b"import logging\r\n\n\rdef f(user):\r\n    logging.info(user.email)\r",
        LOG_LINE,
    ),
    "no-final-newline": (LOG.rstrip(b"\n"), LOG_LINE),
    "latin-1-cookie": (
        b"# -*- coding: latin-1 -*-\nimport logging\nCAFE = 'caf\xe9'\n\n"
        b"def f(user):\n    logging.info(user.email)\n",
        6,
    ),
    "cp1252-cookie": (
        b"# vim: set fileencoding=cp1252 :\nimport logging\nQUOTE = '\x93hi\x94'\n\n"
        b"def f(user):\n    logging.info(user.email)\n",
        6,
    ),
    "form-feed-and-tabs": (
        b"\x0cimport logging\n\n\ndef f(user):\n\tlogging.info(user.email)\n",
        LOG_LINE,
    ),
    "control-characters-in-strings-and-comments": (
        b"import logging\nBELL = '\x07\x1b[2J\x7f\xc2\x9b'  # \x1b]0;owned\x07\n\n"
        b"def f(user):\n    logging.info(user.email, '\xe2\x80\xae')\n",
        LOG_LINE,
    ),
    "non-ascii-identifiers": (
        "import logging\n\n\ndef f(usuário):\n    logging.info(usuário.email)\n".encode(),
        LOG_LINE,
    ),
    "long-line-before": (
        b"import logging\nBLOB = '" + b"x" * 1_000_000 + b"'\n\ndef f(user):\n"
        b"    logging.info(user.email)\n",
        LOG_LINE,
    ),
    "finding-on-a-long-line": (
        b"import logging\n\n\ndef f(user):\n    logging.info(user.email, '"
        + b"x" * 500_000
        + b"')\n",
        LOG_LINE,
    ),
    "many-lines": (_log_at(30_004), 30_004),
    "many-statements-on-one-line": (
        b"import logging\n\n\ndef f(user):\n    "
        + b"x = 1; " * 5_000
        + b"logging.info(user.email)\n",
        LOG_LINE,
    ),
    "long-elif-chain": (
        b"import logging\n\n\ndef f(user):\n    if a:\n        pass\n"
        + b"    elif a:\n        pass\n" * 300
        + b"    else:\n        logging.info(user.email)\n",
        LOG_LINE + 2 + 300 * 2 + 1,
    ),
    "deep-but-parseable": (
        b"import logging\n\n\ndef f(user):\n    logging.info("
        + b"(" * 150
        + b"user.email"
        + b")" * 150
        + b")\n",
        LOG_LINE,
    ),
}


@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
def test_valid_odd_inputs_keep_their_findings(name: str) -> None:
    data, line = VALID_INPUTS[name]
    result = checker().check("odd.py", data)
    assert _only(result, "PV101") == [line], result.findings
    assert not _only(result, "PV000")


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", b"\n\n\n", b"\r\n", b"# privalint: ignore\n", b"\\\n"],
    ids=["empty", "only-bom", "blank-lines", "crlf-only", "only-a-suppression", "backslash"],
)
def test_empty_and_nearly_empty_files(data: bytes) -> None:
    result = checker(prefilter=False).check("empty.py", data)
    assert all(f.rule_id.startswith("PV00") for f in result.findings)


# Inputs that are not Python 3: one PV000 notice, at the line of the problem when
# there is one; never an exception.
INVALID_INPUTS: dict[str, tuple[bytes, int, str]] = {
    "python2-print": (b"import logging\nprint 'hello', user.email\n", 2, "syntax error"),
    "python2-raise": (
        b"import logging\ntry:\n    pass\nexcept Exception:\n    raise ValueError, user.email\n",
        5,
        "syntax error",
    ),
    "python2-exec": (b"import logging\nexec 'x'\n", 2, "syntax"),
    "python2-backticks": (b"import logging\n\ny = `user.email`\n", 3, "syntax"),
    "partial-call": (b"import logging\ndef f(user):\n    logging.info(user.email\n", 3, "syntax"),
    "partial-def": (b"import logging\ndef f(user", 2, "syntax error"),
    "unterminated-string": (b"import logging\nx = '''user.email\n", 2, "syntax error"),
    "bad-dedent": (
        b"import logging\nif x:\n        logging.info(user.email)\n    y = 1\n",
        4,
        "syntax error",
    ),
    "too-many-indentation-levels": (
        b"import logging\n"
        + b"".join(b" " * i + b"if x:\n" for i in range(120))
        + b" " * 120
        + b"logging.info(user.email)\n",
        0,
        "syntax error",
    ),
    "null-byte": (b"import logging\nlogging.info(user.email)\x00\n", 1, "NUL"),
    "binary-with-nul": (bytes(range(256)) * 16 + b"logging user.email", 1, "NUL"),
    "binary-without-nul": (bytes(range(1, 256)) * 16 + b"logging user.email", 0, ""),
    "undecodable-utf8": (b"import logging\nx = '\xff\xfe'\nlogging.info(user.email)\n", 2, ""),
    "unknown-cookie": (b"# coding: klingon\nimport logging\nlogging.info(user.email)\n", 1, ""),
    "bom-with-latin-1-cookie": (
        b"\xef\xbb\xbf# coding: latin-1\nimport logging\nlogging.info(user.email)\n",
        1,
        "",
    ),
    "utf-16-file": (LOG.decode().encode("utf-16"), 0, ""),
    "cookie-lies": (
        b"# coding: ascii\nimport logging\nNAME = 'caf\xc3\xa9'\nlogging.info(user.email)\n",
        3,
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID_INPUTS))
def test_invalid_inputs_become_one_notice(name: str) -> None:
    data, line, text = INVALID_INPUTS[name]
    for prefilter in (True, False):
        result = checker(prefilter=prefilter).check("bad.py", data)
        notices = [f for f in result.findings if f.rule_id == "PV000"]
        assert len(notices) == 1, result.findings
        assert result.findings == notices
        notice = notices[0]
        assert notice.path == "bad.py" and notice.severity is Severity.ERROR
        assert text in notice.message and "not checked" in notice.message
        assert "\n" not in notice.message and len(notice.message) < 300
        if line:
            assert notice.span.start_line == line
        else:
            assert notice.span.start_line >= 1


def test_locating_a_syntax_error_prints_no_warnings() -> None:
    data = b"import re\nPATTERN = '\\A\\d'\nx = 1(2)\ny = `user.email`\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = checker().check("warn.py", data)
    assert [(f.rule_id, f.span.start_line) for f in result.findings] == [("PV000", 4)]
    assert caught == []


def _elif_chain(n: int) -> bytes:
    return (
        b"import logging\nif a:\n    pass\n"
        + b"elif a:\n    pass\n" * n
        + b"else:\n    logging.info(user.email)\n"
    )


@pytest.mark.parametrize(
    "data",
    [
        # Too deep for the walk.
        b"import logging\nlogging.info(" + b"a and " * 4000 + b"user.email)\n",
        # Walked fine, but too deep to compute the finding's position.
        _elif_chain(2500),
    ],
    ids=["walk", "positions"],
)
def test_nesting_beyond_the_recursion_limit_is_a_notice(data: bytes) -> None:
    result = checker().check("deep.py", data)
    assert [(f.rule_id, f.span.start_line) for f in result.findings] == [("PV000", 1)]
    assert "nested too deeply" in result.findings[0].message
    assert not result.facts


def test_an_engine_failure_is_a_notice_at_the_line_it_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = Flow.assign

    def assign(self: Flow, node: Any) -> None:
        if isinstance(node, cst.Assign) and "boom" in cst.Module([]).code_for_node(node):
            raise KeyError("flow bug")
        original(self, node)

    monkeypatch.setattr(Flow, "assign", assign)
    data = b"import logging\nx = 1\n\nboom = user.email\nlogging.info(user.email)\n"
    result = checker().check("engine.py", data)
    assert [(f.rule_id, f.span.start_line) for f in result.findings] == [("PV000", 4)]
    assert "internal error" in result.findings[0].message
    assert "KeyError" in result.findings[0].message
    # The next file is checked as usual.
    assert _only(checker().check("next.py", LOG), "PV101") == [LOG_LINE]


# -- a rule that fails ----------------------------------------------------------------


class ExplodingRule(Rule):
    """
    ## What it does
    Fails on purpose on calls to `explode()`.

    ## Why is this bad?
    It tests how the engine survives a broken rule.
    """

    id = "PV199"
    name = "exploding-rule"
    family = Family.PII_IN_LOGS
    severity = Severity.WARNING
    title = "Fails on purpose"
    message = "`{func}` was called"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "explode":
            raise ZeroDivisionError("the rule is broken")
        if isinstance(node.func, cst.Name) and node.func.value == "fine":
            self.report(node, func="fine")


class FailingFinishRule(ExplodingRule):
    id = "PV198"
    name = "failing-finish"

    def visit_Call(self, node: cst.Call) -> None:
        pass

    def finish(self) -> None:
        raise RuntimeError("finish failed")


class FailingInitRule(ExplodingRule):
    id = "PV197"
    name = "failing-init"

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        raise TypeError("cannot start")


TEST_RULES = (ExplodingRule, FailingFinishRule, FailingInitRule)


def _checker_with(*extra: type[Rule]) -> Checker:
    rules = (*all_rules(), *extra)
    ids = tuple(r.id for r in rules)
    return Checker(Settings(rule_ids=ids, catalog=bundled()), rules)


EXPLODING = (
    b"import logging\n\n\ndef f(user):\n    fine()\n    logging.info(user.email)\n"
    b"    explode()\n    fine()\n    logging.info(user.phone)\n"
)


def test_a_rule_that_raises_is_a_notice_naming_rule_file_and_line() -> None:
    result = _checker_with(ExplodingRule).check("pkg/app.py", EXPLODING)
    found = [(f.span.start_line, f.rule_id) for f in result.findings]
    # Its finding before the failure stays; the rule is skipped for the rest of the
    # file; every other rule still runs to the end.
    assert found == [(5, "PV199"), (6, "PV101"), (7, "PV003"), (9, "PV101")]
    notice = result.findings[2]
    assert notice.path == "pkg/app.py"
    assert "PV199" in notice.message and "exploding-rule" in notice.message
    assert "ZeroDivisionError" in notice.message and "the rule is broken" in notice.message


def test_a_failed_rule_runs_again_on_the_next_file() -> None:
    engine = _checker_with(ExplodingRule)
    engine.check("first.py", EXPLODING)
    again = engine.check("second.py", b"fine()\n")
    assert [(f.span.start_line, f.rule_id) for f in again.findings] == [(1, "PV199")]


def test_rules_that_fail_in_finish_or_init_are_notices_too() -> None:
    result = _checker_with(FailingFinishRule, FailingInitRule).check("app.py", LOG)
    by_rule = {f.rule_id: f for f in result.findings}
    assert set(by_rule) == {"PV101", "PV003"}
    notices = [f for f in result.findings if f.rule_id == "PV003"]
    assert len(notices) == 2
    text = " ".join(n.message for n in notices)
    assert "PV198" in text and "finish failed" in text
    assert "PV197" in text and "cannot start" in text


def test_rule_errors_are_reported_even_when_only_other_rules_are_selected() -> None:
    rules = (*all_rules(), ExplodingRule)
    engine = Checker(Settings(rule_ids=("PV101", "PV199"), catalog=bundled()), rules)
    result = engine.check("app.py", EXPLODING)
    assert [f.rule_id for f in result.findings].count("PV003") == 1


def test_a_failing_rule_in_a_whole_run(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_project / "a.py").write_bytes(EXPLODING)
    (tmp_project / "b.py").write_bytes(LOG)
    rules = (*all_rules(), ExplodingRule)
    monkeypatch.setattr("privalint.runner.all_rules", lambda: rules)
    monkeypatch.setattr(api, "all_rules", lambda: rules)
    outcome = _run(tmp_project)
    found = {(f.path, f.span.start_line, f.rule_id) for f in outcome.report.findings}
    assert ("a.py", 7, "PV003") in found
    assert ("b.py", LOG_LINE, "PV101") in found
    assert ("a.py", 9, "PV101") in found
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        assert "PV199" in render(outcome.report, fmt), fmt


# -- whole runs -------------------------------------------------------------------------


def _run(folder: Path, *paths: str, **options: Any) -> api.Outcome:
    old = Path.cwd()
    os.chdir(folder)
    try:
        options.setdefault("jobs", 1)
        options.setdefault("use_cache", False)
        return run_check(CheckOptions(paths=[Path(p) for p in paths or (".",)], **options))
    finally:
        os.chdir(old)


def _by_path(outcome: api.Outcome) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for f in outcome.report.findings:
        out.setdefault(f.path, []).append((f.span.start_line, f.rule_id))
    return out


def _write_nasty_folder(folder: Path) -> dict[str, Optional[int]]:
    """Every engine-level input as a file; ``{name: line of PV101 or None}``."""
    expected: dict[str, Optional[int]] = {}
    for name, (data, line) in VALID_INPUTS.items():
        (folder / f"valid_{name}.py").write_bytes(data)
        expected[f"valid_{name}.py"] = line
    for name, (data, _line, _text) in INVALID_INPUTS.items():
        (folder / f"invalid_{name}.py").write_bytes(data)
        expected[f"invalid_{name}.py"] = None
    return expected


@pytest.mark.parametrize("jobs", [1, 3])
def test_a_folder_of_nasty_files_is_checked_file_by_file(tmp_project: Path, jobs: int) -> None:
    expected = _write_nasty_folder(tmp_project)
    outcome = _run(tmp_project, jobs=jobs)
    found = _by_path(outcome)
    for name, line in expected.items():
        if line is None:
            assert [rule for _, rule in found.get(name, [])] == ["PV000"], name
        else:
            assert found.get(name) == [(line, "PV101")], name
    assert outcome.report.files_checked == len(expected)


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "privalint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "privalint"]


def run_cli(
    args: list[str], cwd: Path, timeout: float = 120, as_nobody: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("PRIVALINT_DEBUG", None)
    preexec = None
    if as_nobody:

        def preexec() -> None:
            os.setgid(65534)
            os.setuid(65534)

    return subprocess.run(
        [*_cli(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        env=env,
        preexec_fn=preexec,
    )


def _json_findings(stdout: str) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for f in json.loads(stdout)["findings"]:
        out.setdefault(f["path"], []).append((f["start_line"], f["rule"]))
    return out


# libcst's native parser kills the process on an expression nested this deep.
SEGFAULTING = b"import logging\nx = " + b"(" * 3000 + b"logging.info(user.email)" + b")" * 3000


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_kills_the_parser_is_reported_and_the_rest_checked(
    tmp_project: Path, jobs: str
) -> None:
    # The crashing file sits between others that go to the same worker.
    (tmp_project / "a_good.py").write_bytes(LOG)
    (tmp_project / "deep.py").write_bytes(SEGFAULTING + b"\n")
    (tmp_project / "good.py").write_bytes(LOG)
    (tmp_project / "other.py").write_bytes(LOG)
    proc = run_cli(["check", ".", "--format", "json", "--no-cache", "-j", jobs], tmp_project)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    found = _json_findings(proc.stdout)
    assert [rule for _, rule in found["deep.py"]] == ["PV000"]
    assert found["a_good.py"] == found["good.py"] == found["other.py"] == [(LOG_LINE, "PV101")]
    notice = next(f for f in json.loads(proc.stdout)["findings"] if f["path"] == "deep.py")
    assert "not checked" in notice["message"]


def test_a_file_over_the_time_budget_is_reported(tmp_project: Path) -> None:
    (tmp_project / "privalint.toml").write_text("timeout = 1\n")
    # libcst needs several seconds for this (its parser is quadratic in nesting depth).
    slow = b"import logging\nx = " + b"f(" * 1000 + b"logging.info(user.email)" + b")" * 1000
    (tmp_project / "slow.py").write_bytes(slow + b"\n")
    (tmp_project / "good.py").write_bytes(LOG)
    proc = run_cli(["check", ".", "--format", "json", "--no-cache", "-j", "1"], tmp_project)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    slow_notices = [f for f in findings if f["path"] == "slow.py"]
    assert [f["rule"] for f in slow_notices] == ["PV000"]
    assert "time" in slow_notices[0]["message"] or "second" in slow_notices[0]["message"]
    assert _json_findings(proc.stdout)["good.py"] == [(LOG_LINE, "PV101")]


def test_a_file_larger_than_the_size_budget_is_reported(tmp_project: Path) -> None:
    big = b"import logging\n" + b"x = 'personal email address data'\n" * 320_000
    assert len(big) > 10_000_000
    (tmp_project / "big.py").write_bytes(big)
    (tmp_project / "good.py").write_bytes(LOG)
    outcome = _run(tmp_project)
    found = _by_path(outcome)
    assert found["big.py"] == [(1, "PV000")]
    assert found["good.py"] == [(LOG_LINE, "PV101")]
    notice = next(f for f in outcome.report.findings if f.path == "big.py")
    assert "max-file-size" in notice.message


def test_symlink_loops_and_broken_links(tmp_project: Path) -> None:
    (tmp_project / "pkg").mkdir()
    (tmp_project / "pkg" / "good.py").write_bytes(LOG)
    os.symlink("..", tmp_project / "pkg" / "parent")
    os.symlink(".", tmp_project / "pkg" / "self")
    os.symlink("loop.py", tmp_project / "loop.py")
    os.symlink("missing.py", tmp_project / "dangling.py")
    outcome = _run(tmp_project)
    # Each real file once, however many ways it can be reached.
    assert outcome.report.files_checked == 1
    assert _by_path(outcome) == {"pkg/good.py": [(LOG_LINE, "PV101")]}
    noted = {n.path for n in outcome.report.notifications}
    assert {"loop.py", "dangling.py"} <= noted


def test_a_broken_link_named_on_the_command_line(tmp_project: Path) -> None:
    os.symlink("missing.py", tmp_project / "dangling.py")
    (tmp_project / "good.py").write_bytes(LOG)
    proc = run_cli(["check", "dangling.py", "good.py", "--no-cache"], tmp_project)
    assert proc.returncode in (1, 2)
    assert "dangling.py" in proc.stdout + proc.stderr
    assert "good.py:5" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A project folder another user can enter (for the permission tests under root)."""
    folder = Path(tempfile.mkdtemp(prefix="privalint-perm-"))
    folder.chmod(0o777)
    (folder / "privalint.toml").write_text("")
    (folder / "privalint.toml").chmod(0o644)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _can_drop_privileges() -> bool:
    if os.geteuid() != 0:
        return True
    try:
        probe = subprocess.run(
            [*_cli(), "--version"],
            preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)),
            capture_output=True,
        )
    except OSError:
        return False
    return probe.returncode == 0


CAN_DROP_PRIVILEGES = _can_drop_privileges()


@pytest.fixture
def deny(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``deny(path)``: opening or listing ``path`` fails with EACCES in this process
    (how a permission problem looks, even to root)."""
    import builtins
    import io

    denied: set[str] = set()

    def check(target: Any) -> None:
        if (
            isinstance(target, (str, bytes, os.PathLike))
            and os.path.abspath(os.fsdecode(target)) in denied
        ):
            raise PermissionError(13, "Permission denied", os.fsdecode(target))

    def wrap(original: Any) -> Any:
        def wrapper(target: Any, *args: Any, **kwargs: Any) -> Any:
            check(target)
            return original(target, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "open", wrap(builtins.open))
    monkeypatch.setattr(io, "open", wrap(io.open))
    monkeypatch.setattr(os, "open", wrap(os.open))
    monkeypatch.setattr(os, "scandir", wrap(os.scandir))
    monkeypatch.setattr(os, "listdir", wrap(os.listdir))
    return lambda path: denied.add(os.path.abspath(path))


def test_permission_denied_files_and_folders_in_process(tmp_project: Path, deny: Any) -> None:
    (tmp_project / "good.py").write_bytes(LOG)
    (tmp_project / "secret.py").write_bytes(LOG)
    (tmp_project / "closed").mkdir()
    (tmp_project / "closed" / "inner.py").write_bytes(LOG)
    deny(tmp_project / "secret.py")
    deny(tmp_project / "closed")
    outcome = _run(tmp_project)
    found = _by_path(outcome)
    assert found["good.py"] == [(LOG_LINE, "PV101")]
    assert found["secret.py"] == [(1, "PV000")]
    assert [n.path for n in outcome.report.notifications] == ["closed"]
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        text = render(outcome.report, fmt)
        assert "secret.py" in text and "closed" in text, fmt
    sarif = json.loads(render(outcome.report, "sarif"))["runs"][0]
    notes = sarif["invocations"][0]["toolExecutionNotifications"]
    assert [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for note in notes
        for loc in note.get("locations", [])
    ] == ["closed"]


@pytest.mark.skipif(not CAN_DROP_PRIVILEGES, reason="cannot run as an unprivileged user")
def test_permission_denied_files_and_folders(shared_tmp: Path) -> None:
    (shared_tmp / "good.py").write_bytes(LOG)
    (shared_tmp / "secret.py").write_bytes(LOG)
    (shared_tmp / "secret.py").chmod(0)
    (shared_tmp / "closed").mkdir()
    (shared_tmp / "closed" / "inner.py").write_bytes(LOG)
    (shared_tmp / "closed").chmod(0)
    for path in (shared_tmp / "good.py",):
        path.chmod(0o644)
    as_nobody = os.geteuid() == 0
    for fmt in ("json", "sarif", "text", "github", "gitlab"):
        proc = run_cli(
            ["check", ".", "--format", fmt, "--no-cache", "-j", "2"],
            shared_tmp,
            as_nobody=as_nobody,
        )
        assert proc.returncode == 1, (fmt, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert "secret.py" in proc.stdout and "closed" in proc.stdout, fmt
        if fmt == "json":
            document = json.loads(proc.stdout)
            assert _json_findings(proc.stdout)["good.py"] == [(LOG_LINE, "PV101")]
            secret = [f for f in document["findings"] if f["path"] == "secret.py"]
            assert [f["rule"] for f in secret] == ["PV000"]
            assert "permission" in secret[0]["message"]
            assert any(n["path"] == "closed" for n in document["notifications"])
        if fmt == "sarif":
            run = json.loads(proc.stdout)["runs"][0]
            notes = run["invocations"][0]["toolExecutionNotifications"]
            uris = [
                loc["physicalLocation"]["artifactLocation"]["uri"]
                for note in notes
                for loc in note.get("locations", [])
            ]
            assert "closed" in uris
            assert any(r["ruleId"] == "PV000" for r in run["results"])


def test_files_that_vanish_before_they_are_read(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.py", "gone.py", "z.py"):
        (tmp_project / name).write_bytes(LOG)
    real = api.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        (tmp_project / "gone.py").unlink()
        return found

    monkeypatch.setattr(api, "discover", discover_then_delete)
    for jobs in (1, 2):
        (tmp_project / "gone.py").write_bytes(LOG)
        outcome = _run(tmp_project, jobs=jobs)
        found = _by_path(outcome)
        assert found["a.py"] == found["z.py"] == [(LOG_LINE, "PV101")]
        assert found["gone.py"] == [(1, "PV000")]
        for fmt in ("text", "json", "sarif", "github", "gitlab"):
            assert "gone.py" in render(outcome.report, fmt)


def test_files_deleted_or_changed_before_the_report_is_rendered(tmp_project: Path) -> None:
    (tmp_project / "a.py").write_bytes(LOG)
    (tmp_project / "b.py").write_bytes(LOG)
    outcome = _run(tmp_project)
    (tmp_project / "a.py").unlink()
    (tmp_project / "b.py").write_bytes(b"x = 1\n")
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        text = render(outcome.report, fmt)
        assert "a.py" in text and "b.py" in text


def test_a_file_changed_between_runs_is_checked_again(tmp_project: Path) -> None:
    """Same size, same modification time, different content: never a stale result."""
    target = tmp_project / "a.py"
    target.write_bytes(LOG)
    before = os.stat(target)
    first = _run(tmp_project, use_cache=True)
    assert _by_path(first) == {"a.py": [(LOG_LINE, "PV101")]}
    changed = LOG.replace(b"user.email", b"user.cmail")
    assert len(changed) == len(LOG)
    target.write_bytes(changed)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    second = _run(tmp_project, use_cache=True)
    assert _by_path(second) == {}


def test_a_fifo_named_on_the_command_line_does_not_hang(tmp_project: Path) -> None:
    os.mkfifo(tmp_project / "pipe.py")
    (tmp_project / "good.py").write_bytes(LOG)
    proc = run_cli(["check", "pipe.py", "good.py", "--no-cache"], tmp_project, timeout=60)
    assert "good.py:5" in proc.stdout
    assert "pipe.py" in proc.stdout + proc.stderr
    assert proc.returncode in (1, 2)


NAMES = [
    "with space.py",
    "ünïcödé_名前.py",
    "emoji_\U0001f600.py",
    "[bold]markup[red].py",
    "percent%0Aname.py",
    "colon:comma,name.py",
    "quote'\"name.py",
]


def test_paths_with_spaces_and_non_ascii_names(tmp_project: Path) -> None:
    for name in NAMES:
        (tmp_project / name).write_bytes(LOG)
    sub = tmp_project / "dir with space" / "ünï"
    sub.mkdir(parents=True)
    (sub / "mod.py").write_bytes(LOG)
    expected = {*NAMES, "dir with space/ünï/mod.py"}
    proc = run_cli(["check", ".", "--format", "json", "--no-cache", "-j", "2"], tmp_project)
    assert proc.returncode == 1, proc.stderr
    assert set(_json_findings(proc.stdout)) == expected
    outcome = _run(tmp_project)
    assert set(_by_path(outcome)) == expected
    text = render(outcome.report, "text")
    for name in NAMES:
        assert f"{name}:5:" in text
    sarif = json.loads(render(outcome.report, "sarif"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert {urllib.parse.unquote(u) for u in uris} == expected
    gitlab = json.loads(render(outcome.report, "gitlab"))
    assert {i["location"]["path"] for i in gitlab} == expected


def test_a_file_name_that_is_not_valid_utf8(tmp_project: Path) -> None:
    raw = os.fsencode(tmp_project) + b"/bad\xffname.py"
    with open(raw, "wb") as handle:
        handle.write(LOG)
    (tmp_project / "good.py").write_bytes(LOG)
    proc = run_cli(["check", ".", "--format", "sarif", "--no-cache"], tmp_project)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    json.loads(proc.stdout)
    outcome = _run(tmp_project)
    assert set(_by_path(outcome)) == {"bad\\xffname.py", "good.py"}
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        text = render(outcome.report, fmt)
        text.encode("utf-8")
        shown = "bad\\xffname.py"
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(text)
            shown = json.dumps(shown)[1:-1]
        if fmt == "sarif":
            shown = urllib.parse.quote("bad\\xffname.py")
        assert shown in text and "good.py" in text, fmt
    out = tmp_project / "report.sarif"
    result = CliRunner().invoke(
        cli, ["check", str(tmp_project), "--format", "sarif", "-o", str(out), "--no-cache"]
    )
    assert result.exit_code == 1, result.output
    json.loads(out.read_text(encoding="utf-8"))


# -- the cache -------------------------------------------------------------------------


def _cache_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and ".privalint_cache" in p.parts]


def _results(outcome: api.Outcome) -> list[tuple[str, int, str, str]]:
    return sorted(
        (f.path, f.span.start_line, f.rule_id, f.message) for f in outcome.report.findings
    )


def test_a_corrupt_cache_is_ignored_and_rebuilt(tmp_project: Path) -> None:
    _write_nasty_folder(tmp_project)
    cold = _run(tmp_project, use_cache=True)
    files = _cache_files(tmp_project)
    assert files, "the run wrote no cache"
    warm = _run(tmp_project, use_cache=True)
    assert _results(warm) == _results(cold)
    garbage = [b"", b"\x00" * 7, b"not a cache entry", b"\x80\x04\x95garbage", os.urandom(512)]
    for i, path in enumerate(sorted(files)):
        path.write_bytes(garbage[i % len(garbage)])
    for jobs in (1, 2):
        again = _run(tmp_project, use_cache=True, jobs=jobs)
        assert _results(again) == _results(cold)


def test_a_foreign_or_unusable_cache_folder(tmp_project: Path) -> None:
    (tmp_project / "a.py").write_bytes(LOG)
    expected = [("a.py", LOG_LINE, "PV101")]
    cache = tmp_project / ".privalint_cache"
    # A file where the folder should be.
    cache.write_text("not a folder")
    outcome = _run(tmp_project, use_cache=True)
    assert [r[:3] for r in _results(outcome)] == expected
    cache.unlink()
    # A folder full of someone else's files, some nested, one a dangling link.
    (cache / "sub").mkdir(parents=True)
    (cache / "README").write_text("hello")
    (cache / "sub" / "x.bin").write_bytes(os.urandom(64))
    os.symlink("nowhere", cache / "link")
    outcome = _run(tmp_project, use_cache=True)
    assert [r[:3] for r in _results(outcome)] == expected
    outcome = _run(tmp_project, use_cache=True)
    assert [r[:3] for r in _results(outcome)] == expected


@pytest.mark.skipif(not CAN_DROP_PRIVILEGES, reason="cannot run as an unprivileged user")
def test_a_read_only_cache_folder(shared_tmp: Path) -> None:
    (shared_tmp / "a.py").write_bytes(LOG)
    (shared_tmp / "a.py").chmod(0o644)
    (shared_tmp / ".privalint_cache").mkdir()
    (shared_tmp / ".privalint_cache").chmod(stat.S_IRUSR | stat.S_IXUSR)
    proc = run_cli(["check", ".", "--format", "json"], shared_tmp, as_nobody=os.geteuid() == 0)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert _json_findings(proc.stdout) == {"a.py": [(LOG_LINE, "PV101")]}


# -- exit codes ------------------------------------------------------------------------


def test_exit_codes_say_what_happened(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_project)
    (tmp_project / "clean.py").write_bytes(b"x = 1\n")
    (tmp_project / "py2.py").write_bytes(b"print 'x'\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["check", "clean.py", "--no-cache"]).exit_code == 0
    notice_only = runner.invoke(
        cli, ["check", "clean.py", "py2.py", "--no-cache", "--no-prefilter"]
    )
    assert notice_only.exit_code == 1
    assert "py2.py:1:" in notice_only.output
    missing = run_cli(["check", "clean.py", "nope.py", "--no-cache"], tmp_project)
    assert missing.returncode == 2
    assert "nope.py" in missing.stderr


def _many_findings(folder: Path) -> None:
    (folder / "many.py").write_bytes(b"import logging\n" + b"logging.info(user.email)\n" * 2000)


def test_a_reader_that_goes_away_early(tmp_project: Path) -> None:
    _many_findings(tmp_project)
    proc = subprocess.Popen(
        [*_cli(), "check", ".", "--no-cache", "-j", "1"],
        cwd=tmp_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_a_plain_error(tmp_project: Path) -> None:
    _many_findings(tmp_project)
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*_cli(), "check", ".", "--no-cache", "-j", "1"],
            cwd=tmp_project,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip() == "privalint: error: cannot write the report: No space left on device"
    )


def test_literals_of_the_checked_code_print_no_compiler_warnings(tmp_project: Path) -> None:
    """Rules read string literals' values; `"\\s"` in the checked code is its own business."""
    (tmp_project / "regex.py").write_bytes(
        b'import logging\nPATTERN = "\\s+\\d"\nKEYS = {"\\s": 1}\n\n\n'
        b'def f(user):\n    logging.info("\\s %s", user.email)\n'
    )
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [*_cli(), "check", ".", "--no-cache", "-j", jobs],
            cwd=tmp_project,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "always"},
            timeout=120,
        )
        assert proc.returncode == 1, proc.stderr
        assert "regex.py:7:" in proc.stdout
        assert proc.stderr == ""
