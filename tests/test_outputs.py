"""GitLab Code Quality, GitHub workflow commands, JSON fingerprints, golden files, and
the exit code options (`--fail-on`, `--exit-zero`)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from privalint.cli import cli
from privalint.model import Finding, Severity, Span
from privalint.output import Notification, Report, render
from privalint.registry import all_rules
from tests.conftest import FIXTURES
from tests.test_sarif import compare_golden, golden_project

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
CODE_CLIMATE_CATEGORIES = {
    "Bug Risk",
    "Clarity",
    "Compatibility",
    "Complexity",
    "Duplication",
    "Performance",
    "Security",
    "Style",
}


def invoke(args: list[str]) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always keeps stderr apart
        runner = CliRunner()
    return runner.invoke(cli, args, catch_exceptions=False)


def output(folder: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, *args: str) -> str:
    monkeypatch.chdir(folder)
    result = invoke(["check", "--no-cache", "-j", "1", "--format", fmt, *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


# -- GitLab Code Quality ----------------------------------------------------------------


def gitlab_problems(issues: Any, root: Path) -> list[str]:
    """What GitLab's Code Quality report format requires of every issue."""
    if not isinstance(issues, list):
        return ["the report must be a JSON array"]
    problems = []
    fingerprints = [issue.get("fingerprint") for issue in issues]
    if len(fingerprints) != len(set(fingerprints)):
        problems.append("fingerprints must be unique (GitLab keeps only the first)")
    for number, issue in enumerate(issues):
        where = f"[{number}]"
        for key in ("description", "check_name", "fingerprint"):
            if not isinstance(issue.get(key), str) or not issue[key]:
                problems.append(f"{where}: `{key}` must be a non-empty string")
        if issue.get("type") != "issue":
            problems.append(f"{where}: type must be `issue`")
        if issue.get("severity") not in GITLAB_SEVERITIES:
            problems.append(f"{where}: severity {issue.get('severity')!r}")
        if not set(issue.get("categories", [])) <= CODE_CLIMATE_CATEGORIES:
            problems.append(f"{where}: categories {issue.get('categories')}")
        location = issue.get("location", {})
        path = location.get("path", "")
        if not path or path.startswith(("/", "./")) or not (root / path).is_file():
            problems.append(f"{where}: location.path {path!r} must be a relative file path")
        begin = location.get("lines", {}).get("begin")
        if not isinstance(begin, int) or begin < 1:
            problems.append(f"{where}: location.lines.begin {begin!r}")
    return problems


@pytest.mark.parametrize(
    "project",
    sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "projects"),
    ids=lambda p: p.name,
)
def test_gitlab_report_follows_the_code_quality_format(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issues = json.loads(output(project, monkeypatch, "gitlab"))
    assert issues
    assert gitlab_problems(issues, project) == []


def test_gitlab_check_catches_a_bad_report(tmp_path: Path) -> None:
    bad = [
        {"type": "issue", "description": "x", "check_name": "c", "fingerprint": "f"},
        {"description": "y", "check_name": "c", "fingerprint": "f", "severity": "high"},
    ]
    problems = gitlab_problems(bad, tmp_path)
    assert any("unique" in p for p in problems)
    assert any("severity" in p for p in problems)
    assert any("location.path" in p for p in problems)


def test_gitlab_severity_follows_the_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issues = json.loads(output(golden_project(tmp_path), monkeypatch, "gitlab"))
    by_rule = {issue["check_name"].split()[0]: issue["severity"] for issue in issues}
    # PV102 is a warning rule, but health data makes this finding an error.
    assert by_rule == {
        "PV101": "major",
        "PV102": "critical",
        "PV103": "minor",
        "PV501": "critical",
        "PV502": "critical",
    }


def test_gitlab_fingerprints_are_privalints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = golden_project(tmp_path)
    issues = json.loads(output(project, monkeypatch, "gitlab"))
    findings = json.loads(output(project, monkeypatch, "json"))["findings"]
    assert [i["fingerprint"] for i in issues] == [f["fingerprint"] for f in findings]


# -- GitHub workflow commands ---------------------------------------------------------

_COMMAND = re.compile(
    r"^::(error|warning|notice) file=([^,:]+),line=(\d+),col=(\d+),endLine=(\d+),"
    r"endColumn=(\d+),title=([^:]+)::(.*)$"
)


def test_github_annotations_are_well_formed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = output(golden_project(tmp_path), monkeypatch, "github")
    lines = text.splitlines()
    assert len(lines) == 5
    for line in lines:
        assert _COMMAND.match(line), line
    first = _COMMAND.match(lines[0])
    assert first is not None
    assert first.groups()[:3] == ("warning", "clinic/patients.py", "16")
    assert first.group(7) == "PV101 personal-data-in-log"


def test_github_escapes_newlines_commas_and_colons() -> None:
    finding = Finding(
        "PV501",
        "we,ird:name.py",
        "50% of\nthe message, here: yes",
        Severity.NOTE,
        Span(3, 1, 3, 5),
        (3, 3),
        (),
        "f",
    )
    report = Report(findings=[finding], rules=all_rules(), srcroot=Path("."))
    report.notifications.append(Notification("cannot read\nfile", "a,b.py"))
    lines = render(report, "github").splitlines()
    assert lines[0].startswith("::notice file=we%2Cird%3Aname.py,line=3,")
    assert lines[0].endswith("::50%25 of%0Athe message, here: yes")
    assert lines[1] == "::warning file=a%2Cb.py::cannot read%0Afile"


@pytest.mark.parametrize(
    ("checked", "summary"), [(3, "in 2 of 3 files."), (1, "in 2 files (1 checked).")]
)
def test_the_text_summary_counts_files_with_findings_against_files_checked(
    checked: int, summary: str
) -> None:
    findings = [
        Finding("PV501", path, "m", Severity.NOTE, Span(1, 1, 1, 2), (1, 1), (), path)
        for path in ("a.py", "privacy.toml")
    ]
    report = Report(findings=findings, rules=all_rules(), srcroot=Path("."), files_checked=checked)
    assert summary in render(report, "text")


# -- golden files -------------------------------------------------------------------


def _without_version(text: str) -> str:
    data = json.loads(text)
    if isinstance(data, dict) and "tool" in data:
        data["tool"]["version"] = "<version>"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("json", "project.json"),
        ("gitlab", "project.gitlab.json"),
        ("github", "project.github.txt"),
    ],
)
def test_golden_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, name: str
) -> None:
    text = output(golden_project(tmp_path), monkeypatch, fmt)
    if fmt != "github":
        text = _without_version(text)
    compare_golden(name, text)


def test_golden_output_does_not_depend_on_where_the_project_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = golden_project(tmp_path / "one")
    first = output(project, monkeypatch, "gitlab")
    elsewhere = tmp_path / "two" / "deeper"
    shutil.copytree(project, elsewhere)
    assert output(elsewhere, monkeypatch, "gitlab") == first


# -- exit codes -----------------------------------------------------------------------

LEVELS = """\
import logging
import requests

log = logging.getLogger(__name__)

def f(user, url):
    {line}
"""
SOURCES = {
    "error": "requests.get(url, verify=False)",
    "warning": 'log.info("user %s", user.email)',
    "note": 'raise ValueError(f"bad email {user.email}")',
    "none": "return url",
}


@pytest.mark.parametrize("found", ["error", "warning", "note", "none"])
@pytest.mark.parametrize("fail_on", [None, "error", "warning", "note"])
def test_fail_on_sets_the_lowest_failing_severity(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch, found: str, fail_on: str
) -> None:
    (tmp_project / "app.py").write_text(LEVELS.replace("{line}", SOURCES[found]))
    (tmp_project / "privalint.toml").write_text('extend-select = ["PV103"]\n')  # a note rule
    monkeypatch.chdir(tmp_project)
    args = ["check", "--no-cache", "-j", "1", "--format", "json"]
    if fail_on:
        args += ["--fail-on", fail_on]
    result = invoke(args)
    findings = json.loads(result.stdout)["findings"]
    assert [f["severity"] for f in findings] == ([] if found == "none" else [found])
    rank = {"note": 0, "warning": 1, "error": 2}
    fails = found != "none" and rank[found] >= rank[fail_on or "note"]
    assert result.exit_code == (1 if fails else 0)


def test_fail_on_rejects_unknown_levels(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_project)
    result = invoke(["check", "--fail-on", "critical"])
    assert result.exit_code == 2
    assert "critical" in result.stderr


def test_fail_on_from_config(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_project / "privalint.toml").write_text('fail-on = "error"\n')
    (tmp_project / "app.py").write_text(LEVELS.replace("{line}", SOURCES["warning"]))
    monkeypatch.chdir(tmp_project)
    assert invoke(["check", "--no-cache", "-j", "1"]).exit_code == 0
    assert invoke(["check", "--no-cache", "-j", "1", "--fail-on", "warning"]).exit_code == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab"])
def test_exit_zero_reports_but_never_fails_on_findings(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    (tmp_project / "app.py").write_text(LEVELS.replace("{line}", SOURCES["error"]))
    monkeypatch.chdir(tmp_project)
    result = invoke(["check", "--no-cache", "-j", "1", "--format", fmt, "--exit-zero"])
    assert result.exit_code == 0
    assert "PV501" in result.stdout


def test_exit_zero_still_fails_on_usage_errors(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_project)
    assert invoke(["check", "--no-cache", "--exit-zero", "missing.py"]).exit_code == 2
    assert invoke(["check", "--no-cache", "--exit-zero", "--baseline", "nope.json"]).exit_code == 2
