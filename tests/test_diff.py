"""`privalint check --diff REF`: only findings on changed lines, plus new files."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from privalint.api import CheckOptions, run_check
from privalint.cli import cli
from privalint.diff import FileChanges, parse_diff

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

LOGS = """\
import logging

log = logging.getLogger(__name__)


def register(user):
    log.info("registered %s", user.email)


def notify(user):
    log.info(
        "notified %s at %s",
        user.email,
        user.phone,
    )


def untouched(user):
    log.info("hello %s", user.full_name)
"""


def invoke(args: list[str]) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always keeps stderr apart
        runner = CliRunner()
    return runner.invoke(cli, args, catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one commit holding ``app.py``, as the working folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    for key, value in {
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "privalint.toml").write_text("")
    (root / "app.py").write_text(LOGS)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    monkeypatch.chdir(root)
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def found(args: list[str]) -> list[tuple[str, str, int]]:
    result = invoke(["check", "--no-cache", "-j", "1", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return [(f["path"], f["rule"], f["start_line"]) for f in json.loads(result.stdout)["findings"]]


# -- parsing git's output ------------------------------------------------------------------


def test_parse_diff_reads_hunks_deletions_new_files_and_odd_names() -> None:
    output = textwrap.dedent(
        """\
        diff --git a/app.py b/app.py
        index 1..2 100644
        --- a/app.py
        +++ b/app.py
        @@ -3 +3 @@ x
        -a
        +b
        @@ -10,2 +9,0 @@ y
        -gone
        -gone
        @@ -20,0 +19,3 @@
        +one
        +two
        +three
        diff --git a/new.py b/new.py
        new file mode 100644
        --- /dev/null
        +++ b/new.py
        @@ -0,0 +1,2 @@
        +x
        +y
        diff --git a/old.py b/old.py
        deleted file mode 100644
        --- a/old.py
        +++ /dev/null
        @@ -1 +0,0 @@
        -x
        diff --git a/my file.py b/my other.py
        --- a/my file.py\t
        +++ b/my other.py\t
        @@ -1,0 +2 @@
        +z
        diff --git "a/we\\"ird\\303\\251.py" "b/we\\"ird\\303\\251.py"
        --- "a/we\\"ird\\303\\251.py"
        +++ "b/we\\"ird\\303\\251.py"
        @@ -1 +1 @@
        -p
        +q
        """
    ).encode()
    files = parse_diff(output)
    assert set(files) == {"app.py", "new.py", "my other.py", 'we"irdé.py'}
    app = files["app.py"]
    assert app.added == {3, 19, 20, 21} and app.deleted_after == {9} and not app.new
    assert files["new.py"].new
    assert files["my other.py"].added == {2}
    assert files['we"irdé.py'].added == {1}


def test_a_statement_is_touched_by_changed_lines_and_by_deletions_inside_it() -> None:
    changes = FileChanges(added={10}, deleted_after={20})
    assert changes.touches(8, 12)
    assert changes.touches(10, 10)
    assert not changes.touches(11, 15)
    assert changes.touches(19, 21)  # lines deleted between 20 and 21
    assert not changes.touches(21, 22)  # deleted just above the statement
    assert not changes.touches(18, 20)  # deleted just below it
    assert FileChanges(new=True).touches(1, 1)


# -- against a real repository --------------------------------------------------------


def test_only_findings_on_changed_lines_are_reported(repo: Path) -> None:
    assert len(found([])) == 3
    assert found(["--diff", "HEAD"]) == []
    text = LOGS.replace('"notified %s at %s"', '"notified %s via %s"')
    (repo / "app.py").write_text(text)
    # The multi-line statement changed on a line other than the flagged one.
    assert found(["--diff", "HEAD"]) == [("app.py", "PV101", 13)]


def test_lines_deleted_inside_a_statement_count_as_a_change(repo: Path) -> None:
    (repo / "app.py").write_text(LOGS.replace("        user.phone,\n", ""))
    assert found(["--diff", "HEAD"]) == [("app.py", "PV101", 13)]


def test_code_moved_down_by_new_lines_above_is_not_reported(repo: Path) -> None:
    (repo / "app.py").write_text(LOGS.replace("import logging\n", "import logging\nimport os\n"))
    assert found(["--diff", "HEAD"]) == []


def test_new_files_are_reported_whole_tracked_or_not(repo: Path) -> None:
    (repo / "untracked.py").write_text(LOGS)
    (repo / "staged.py").write_text(LOGS)
    git(repo, "add", "staged.py")
    paths = {path for path, _, _ in found(["--diff", "HEAD"])}
    assert paths == {"untracked.py", "staged.py"}
    (repo / ".gitignore").write_text("untracked.py\n")
    assert {path for path, _, _ in found(["--diff", "HEAD"])} == {"staged.py"}


def test_committed_changes_since_an_older_revision_are_reported(repo: Path) -> None:
    (repo / "app.py").write_text(LOGS + "\n\ndef late(user):\n    print(user.email)\n")
    git(repo, "commit", "-q", "-am", "late")
    assert found(["--diff", "HEAD"]) == []
    assert found(["--diff", "HEAD~1"]) == [("app.py", "PV102", 23)]


def test_diff_against_a_branch_uses_the_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "feature.py").write_text("def f(user):\n    print(user.email)\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "feature")
    git(repo, "checkout", "-q", "main")
    (repo / "app.py").write_text(LOGS + "\n\ndef on_main(user):\n    print(user.phone)\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    # What main did since the branch point is not the feature's change.
    assert found(["--diff", "main"]) == [("feature.py", "PV102", 2)]


def test_fingerprints_agree_between_full_and_diff_scans(repo: Path) -> None:
    (repo / "app.py").write_text(LOGS.replace('"hello %s"', '"hi %s"'))

    def prints(args: list[str]) -> dict[tuple[str, int], str]:
        result = invoke(["check", "--no-cache", "-j", "1", "--format", "json", *args])
        data = json.loads(result.stdout)["findings"]
        return {(f["rule"], f["start_line"]): f["fingerprint"] for f in data}

    full = prints([])
    diff = prints(["--diff", "HEAD"])
    assert list(diff) == [("PV101", 19)]
    assert diff[("PV101", 19)] == full[("PV101", 19)]


def test_diff_from_a_subfolder_maps_paths_to_the_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pkg").mkdir()
    (repo / "pkg" / "mod.py").write_text(LOGS)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "pkg")
    (repo / "pkg" / "mod.py").write_text(LOGS.replace('"hello %s"', '"hi %s"'))
    monkeypatch.chdir(repo / "pkg")
    assert found(["--diff", "HEAD"]) == [("mod.py", "PV101", 19)]


def test_diff_and_baseline_combine(repo: Path) -> None:
    assert invoke(["baseline", "--no-cache", "-j", "1"]).exit_code == 0
    (repo / "app.py").write_text(
        LOGS.replace('"hello %s"', '"hi %s"') + "\n\ndef new(user):\n    print(user.phone)\n"
    )
    # The changed statement is a new finding (its text changed); the new function too.
    assert found(["--diff", "HEAD", "--baseline", ".privalint-baseline.json"]) == [
        ("app.py", "PV101", 19),
        ("app.py", "PV102", 23),
    ]


def test_a_changed_file_that_no_longer_parses_is_reported(repo: Path) -> None:
    (repo / "app.py").write_text(LOGS + "\ndef broken(:\n")
    assert [rule for _, rule, _ in found(["--diff", "HEAD"])] == ["PV000"]


def test_project_rules_see_the_whole_project_in_diff_mode(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privalint import api
    from privalint.model import Family, Finding, Severity, Span
    from privalint.rule import Rule

    seen: list[list[str]] = []

    class CountsFiles(Rule):
        """## What it does
        Test double.

        ## Why is this bad?
        It is not.
        """

        id = "PV499"
        name = "counts-files"
        family = Family.UNDECLARED_COLLECTION
        severity = Severity.WARNING
        title = "Counts files"
        message = "seen"
        project = True

        def check_project(self, project: object) -> list[Finding]:
            paths = sorted(project.checked_paths)  # type: ignore[attr-defined]
            seen.append(paths)
            return [
                Finding(self.id, path, "seen", Severity.WARNING, Span(1, 1, 1, 2), (1, 1))
                for path in paths
            ]

    rules = (*api.all_rules(), CountsFiles)
    monkeypatch.setattr(api, "all_rules", lambda: rules)
    (repo / "other.py").write_text("import os\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "other")
    (repo / "other.py").write_text("import sys\n")
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, diff_ref="HEAD"))
    assert seen == [["app.py", "other.py"]]
    assert [(f.rule_id, f.path) for f in outcome.report.findings] == [("PV499", "other.py")]


def test_without_project_rules_only_changed_files_are_checked(repo: Path) -> None:
    (repo / "other.py").write_text("import os\n")
    options = CheckOptions(
        paths=[Path(".")],
        jobs=1,
        use_cache=False,
        diff_ref="HEAD",
        ignore=("undeclared-collection",),
    )
    outcome = run_check(options)
    assert outcome.report.files_checked == 1


def test_diff_outside_a_git_repository_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text(LOGS)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = invoke(["check", "--no-cache", "--diff", "main"])
    assert result.exit_code == 2
    assert "--diff needs a git repository" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=x"])
def test_diff_with_an_unknown_revision_is_a_clear_error(repo: Path, ref: str) -> None:
    result = invoke(["check", "--no-cache", f"--diff={ref}"])
    assert result.exit_code == 2
    assert f"`{ref}`" in result.stderr
    assert not (repo / "x").exists()


def test_diff_without_git_installed_is_a_clear_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin"))
    result = invoke(["check", "--no-cache", "--diff", "HEAD"])
    assert result.exit_code == 2
    assert "git was not found" in result.stderr
