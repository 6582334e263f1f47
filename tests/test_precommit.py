"""The pre-commit hook: its definition, and the real `pre-commit try-repo` on a
temporary repository (needs the package index to build the hook's environment)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

HOOKS = REPO / ".pre-commit-hooks.yaml"


def test_hook_definition() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["privalint"]
    [hook] = hooks
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    # Text output (the default): no --format, and excludes apply to the files
    # pre-commit names explicitly.
    assert hook["entry"].split() == ["privalint", "check", "--force-exclude"]
    assert hook.get("pass_filenames", True) is True


def test_hook_entry_runs_on_named_files_and_honours_excludes(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the hook does, without pre-commit: the entry plus file names."""
    from click.testing import CliRunner

    from privalint.cli import cli

    (tmp_project / "privalint.toml").write_text('extend-exclude = ["legacy"]\n')
    (tmp_project / "legacy").mkdir()
    bad = "import requests\nrequests.get('https://x', verify=False)\n"
    (tmp_project / "legacy" / "old.py").write_text(bad)
    (tmp_project / "new.py").write_text(bad)
    monkeypatch.chdir(tmp_project)
    [hook] = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    args = hook["entry"].split()[1:]
    runner = CliRunner()
    assert runner.invoke(cli, [*args, "--no-cache", "legacy/old.py"]).exit_code == 0
    flagged = runner.invoke(cli, [*args, "--no-cache", "legacy/old.py", "new.py"])
    assert flagged.exit_code == 1
    assert "new.py:2:" in flagged.output and "old.py" not in flagged.output


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.network
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    env.pop("PRIVALINT_DEBUG", None)
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "privalint.toml").write_text('extend-exclude = ["vendor"]\n')
    (project / "clean.py").write_text("def add(a, b):\n    return a + b\n")
    (project / "vendor").mkdir()
    (project / "vendor" / "lib.py").write_text(
        "import requests\nrequests.get('https://x', verify=False)\n"
    )
    (project / "notes.txt").write_text("requests.get(url, verify=False)\n")
    _git(project, "add", ".")

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "privalint", "--all-files"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    clean = try_repo()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "privalint" in clean.stdout and "Passed" in clean.stdout

    (project / "client.py").write_text(
        "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"
    )
    _git(project, "add", "client.py")
    dirty = try_repo()
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "Failed" in dirty.stdout
    assert "client.py:5:30: PV501" in dirty.stdout
    assert "vendor" not in dirty.stdout and "notes.txt" not in dirty.stdout
