"""End to end, as a team adopting privalint would: a repository with history, a full
scan, a baseline, a change with new findings, a pull-request diff scan and a SARIF
report shaped for upload. Then the ready-made integrations: the GitHub action's
script and the commands and configuration shown in docs/integrations."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from privalint.cli import cli
from tests.conftest import REPO
from tests.test_sarif import schema_errors, upload_problems

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

ACCOUNTS = '''\
"""Customer accounts."""

import logging

import requests

log = logging.getLogger(__name__)


def create_account(customer):
    log.info("new account for %s", customer.email)
    return customer


def sync_crm(payload):
    return requests.post("https://crm.example.com/sync", json=payload, verify=False)
'''

BILLING = '''\
"""Billing."""

import logging

log = logging.getLogger(__name__)


def charge(customer, cents):
    log.info("charging %s cents", cents)
    return cents
'''


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def privalint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command line, as CI runs it."""
    return subprocess.run(
        [sys.executable, "-m", "privalint", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )


def findings(process: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert process.returncode in (0, 1), process.stderr
    data: list[dict[str, Any]] = json.loads(process.stdout)["findings"]
    return data


def summary(items: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(f["path"], f["rule"], f["start_line"]) for f in items]


@needs_git
def test_adoption_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / "shop"
    (repo / "shop").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.privalint]\n')
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "shop" / "accounts.py").write_text(ACCOUNTS)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "accounts")
    (repo / "shop" / "billing.py").write_text(BILLING)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "billing")

    # 1. A full scan finds what is there today.
    full = privalint(repo, "check", "--no-cache", "--format", "json")
    assert full.returncode == 1
    today = findings(full)
    assert summary(today) == [
        ("shop/accounts.py", "PV101", 11),
        ("shop/accounts.py", "PV501", 16),
    ]

    # 2. Accept it as the baseline and commit the file.
    recorded = privalint(repo, "baseline", "--no-cache")
    assert recorded.returncode == 0, recorded.stderr
    baseline = json.loads((repo / ".privalint-baseline.json").read_text())
    assert sorted(e["fingerprint"] for e in baseline["findings"]) == sorted(
        f["fingerprint"] for f in today
    )
    assert "customer" not in (repo / ".privalint-baseline.json").read_text()
    git(repo, "add", ".privalint-baseline.json")
    git(repo, "commit", "-q", "-m", "privalint baseline")
    accepted = privalint(repo, "check", "--no-cache", "--baseline", ".privalint-baseline.json")
    assert accepted.returncode == 0, accepted.stdout

    # 3. A feature branch moves old code around and adds new problems.
    git(repo, "checkout", "-q", "-b", "feature")
    moved = ACCOUNTS.replace(
        "log = logging.getLogger(__name__)\n",
        "log = logging.getLogger(__name__)\nTIMEOUT = 10\n\n\ndef ping():\n    return TIMEOUT\n",
    )
    (repo / "shop" / "accounts.py").write_text(moved)
    (repo / "shop" / "billing.py").write_text(
        BILLING.replace(
            '    log.info("charging %s cents", cents)\n',
            '    log.info("charging %s cents", cents)\n    log.info("card %s", customer.card_number)\n',
        )
    )
    (repo / "shop" / "support.py").write_text(
        "def escalate(ticket, customer):\n    print('escalating for', customer.phone)\n"
    )
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "feature")

    branch_full = findings(privalint(repo, "check", "--no-cache", "--format", "json"))
    assert summary(branch_full) == [
        ("shop/accounts.py", "PV101", 16),
        ("shop/accounts.py", "PV501", 21),
        ("shop/billing.py", "PV101", 10),
        ("shop/support.py", "PV102", 2),
    ]
    # Moved findings kept their identity.
    old = {f["rule"]: f["fingerprint"] for f in today}
    assert {f["rule"]: f["fingerprint"] for f in branch_full[:2]} == old

    # 4. The baseline reports only what is new.
    with_baseline = privalint(
        repo, "check", "--no-cache", "--format", "json", "--baseline", ".privalint-baseline.json"
    )
    assert with_baseline.returncode == 1
    assert summary(findings(with_baseline)) == [
        ("shop/billing.py", "PV101", 10),
        ("shop/support.py", "PV102", 2),
    ]
    assert json.loads(with_baseline.stdout)["notifications"] == []

    # 5. The pull-request scan: only what the branch changed, same fingerprints.
    diff = privalint(repo, "check", "--no-cache", "--format", "json", "--diff", "main")
    changed = findings(diff)
    assert summary(changed) == [("shop/billing.py", "PV101", 10), ("shop/support.py", "PV102", 2)]
    by_place = {(f["path"], f["start_line"]): f["fingerprint"] for f in branch_full}
    assert all(by_place[(f["path"], f["start_line"])] == f["fingerprint"] for f in changed)
    assert [f["severity"] for f in changed] == ["warning", "warning"]
    gate = ("check", "--no-cache", "--diff", "main", "--fail-on")
    assert privalint(repo, *gate, "error").returncode == 0
    assert privalint(repo, *gate, "warning").returncode == 1
    assert privalint(repo, "check", "--no-cache", "--diff", "HEAD").returncode == 0

    # 6. SARIF for code scanning: valid, uploadable, the same identities.
    upload = privalint(
        repo,
        "check",
        "--no-cache",
        "--diff",
        "main",
        "--format",
        "sarif",
        "-o",
        "out.sarif",
        "--sarif-category",
        "privalint-pr",
    )
    assert upload.returncode == 1, upload.stderr
    document = json.loads((repo / "out.sarif").read_text())
    assert schema_errors(document) == []
    assert upload_problems(document, repo) == []
    run = document["runs"][0]
    assert run["automationDetails"] == {"id": "privalint-pr/"}
    assert [r["partialFingerprints"]["privalint/v1"] for r in run["results"]] == [
        f["fingerprint"] for f in changed
    ]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"

    # 7. Fixing an accepted finding shows up as a baseline entry that can go.
    (repo / "shop" / "accounts.py").write_text(moved.replace(", verify=False", ""))
    fixed = privalint(repo, "check", "--no-cache", "--baseline", ".privalint-baseline.json")
    assert "baseline entry PV501" in fixed.stdout
    assert privalint(repo, "baseline", "--no-cache").returncode == 0
    shrunk = json.loads((repo / ".privalint-baseline.json").read_text())["findings"]
    assert sorted(e["rule"] for e in shrunk) == ["PV101", "PV101", "PV102"]


# -- the GitHub action ----------------------------------------------------------------

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def _step(name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    return next(s for s in steps if s["name"] == name)


def test_action_is_a_composite_that_uploads_sarif() -> None:
    assert ACTION["runs"]["using"] == "composite"
    names = [s["name"] for s in ACTION["runs"]["steps"]]
    assert names == [
        "Install privalint",
        "Run privalint",
        "Upload SARIF to code scanning",
        "Fail on findings",
    ]
    for step in ACTION["runs"]["steps"]:
        assert "uses" in step or step.get("shell") == "bash"
    upload = _step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    # The category goes to the upload only: one in the SARIF would override it.
    assert "--sarif-category" not in _step("Run privalint")["run"]
    referenced = set(re.findall(r"inputs\.([a-z-]+)", (REPO / "action.yml").read_text()))
    assert referenced == set(ACTION["inputs"])


def _run_step(
    tmp_path: Path, workdir: Path, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the action's `Run privalint` script the way the runner does."""
    runner_temp = tmp_path / "runner-temp"
    venv = runner_temp / "privalint-venv"
    if not venv.exists():
        venv.mkdir(parents=True)
        (venv / "bin").symlink_to(Path(sys.executable).parent, target_is_directory=True)
    output = tmp_path / "github-output"
    output.write_text("")
    step_summary = tmp_path / "step-summary"
    env = {
        **os.environ,
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(step_summary),
        "NO_COLOR": "1",
    }
    defaults = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    for name, value in {**defaults, **inputs}.items():
        env[f"INPUT_{name.upper().replace('-', '_')}"] = value
    process = subprocess.run(
        # How the runner starts a `shell: bash` step.
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _step("Run privalint")["run"]],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return process, values


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_run_step_writes_sarif_and_reports_the_exit_code(tmp_project: Path) -> None:
    (tmp_project / "app.py").write_text(ACCOUNTS)
    (tmp_project / "tests").mkdir()
    (tmp_project / "tests" / "t.py").write_text(BILLING.replace("cents)", "customer.email)"))
    process, outputs = _run_step(tmp_project.parent, tmp_project, paths="app.py")
    assert process.returncode == 0, process.stderr
    assert outputs == {"exit-code": "1", "sarif-file": "privalint.sarif"}
    document = json.loads((tmp_project / "privalint.sarif").read_text())
    assert schema_errors(document) == [] and upload_problems(document, tmp_project) == []
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["PV101", "PV501"]
    assert "privalint: 2 findings" in process.stdout
    assert "app.py:11: PV101 [warning]" in process.stdout
    assert "### privalint: 2 findings" in (tmp_project.parent / "step-summary").read_text()

    _, never = _run_step(tmp_project.parent, tmp_project, paths="app.py", **{"fail-on": "never"})
    assert never["exit-code"] == "0"
    _, errors_only = _run_step(
        tmp_project.parent,
        tmp_project,
        paths="app.py",
        **{"fail-on": "error", "args": "--select PV101"},
    )
    assert errors_only["exit-code"] == "0"
    _, both = _run_step(
        tmp_project.parent, tmp_project, paths="app.py tests", **{"sarif-file": "x.sarif"}
    )
    results = json.loads((tmp_project / "x.sarif").read_text())["runs"][0]["results"]
    assert len(results) == 3 and both["sarif-file"] == "x.sarif"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_run_step_fails_on_errors_of_the_run(tmp_project: Path) -> None:
    process, outputs = _run_step(tmp_project.parent, tmp_project, paths="missing.py")
    assert process.returncode == 2
    assert outputs["exit-code"] == "2"
    assert "::error title=privalint::" in process.stdout


@pytest.mark.network
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_install_step_installs_this_checkout(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RUNNER_TEMP": str(tmp_path),
        "PRIVALINT_PYTHON": sys.executable,
        "PRIVALINT_VERSION": "",
        "PRIVALINT_SOURCE": str(REPO),
    }
    process = subprocess.run(
        [
            "bash",
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            _step("Install privalint")["run"],
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert process.returncode == 0, process.stderr
    from privalint import __version__

    assert process.stdout.strip().endswith(f"privalint {__version__}")
    assert (tmp_path / "privalint-venv" / "bin" / "privalint").exists()


# -- the documented integrations ------------------------------------------------------

DOCS = sorted((REPO / "docs" / "integrations").glob("*.md"))
README = REPO / "README.md"
_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)


def _blocks(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    out = []
    for match in _FENCE.finditer(text):
        indent = len(match.group(1))
        body = "\n".join(line[indent:] for line in match.group(3).splitlines())
        out.append((match.group(2), body))
    return out


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


def _commands(language: str, body: str) -> list[list[str]]:
    """``privalint ...`` command lines of a shell, YAML or JSON code block, with
    shell variables and workflow expressions replaced by a placeholder."""
    if language == "yaml":
        texts = _strings(yaml.safe_load(body))
    elif language == "json":
        texts = _strings(json.loads(body))
    elif language == "sh":
        texts = [body.replace("\\\n", " ")]
    else:
        return []
    found = []
    for text in texts:
        text = re.sub(r"\$\{\{[^}]*\}\}", "REF", text)
        text = re.sub(r"\$\{?[A-Z_]+\}?", "REF", text)
        for match in re.finditer(r"\bprivalint ((?:check|baseline|rules|explain)\b[^\n]*)", text):
            line = re.split(r"\s(?:\|\||&&|\||;)\s", match.group(1))[0]
            found.append(shlex.split(line, comments=True))
    return found


def test_every_documented_command_line_is_valid() -> None:
    checked = 0
    for path in [*DOCS, README]:
        for language, body in _blocks(path):
            for words in _commands(language, body):
                command = cli.commands.get(words[0])
                assert command is not None, words
                try:
                    command.make_context(words[0], words[1:])
                except click.UsageError as error:
                    pytest.fail(
                        f"{path.name}: `privalint {' '.join(words)}`: {error.format_message()}"
                    )
                checked += 1
    assert checked >= 15


def test_every_documented_yaml_and_json_block_parses() -> None:
    seen = {"yaml": 0, "json": 0}
    for path in DOCS:
        for language, body in _blocks(path):
            if language == "yaml":
                data = yaml.safe_load(body)
                assert data is not None, f"{path.name}: empty YAML block"
                seen["yaml"] += 1
            elif language == "json":
                json.loads(body)
                seen["json"] += 1
    assert seen["yaml"] >= 8 and seen["json"] >= 1


def test_documented_action_inputs_exist() -> None:
    used = 0
    for path in [*DOCS, README]:
        for language, body in _blocks(path):
            if language != "yaml":
                continue
            for step in _yaml_steps(yaml.safe_load(body)):
                if str(step.get("uses", "")).startswith("privalint/privalint@"):
                    assert set(step.get("with", {})) <= set(ACTION["inputs"]), path.name
                    used += 1
    assert used >= 3


def _yaml_steps(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        if "uses" in data:
            return [data]
        return [s for value in data.values() for s in _yaml_steps(value)]
    if isinstance(data, list):
        return [s for item in data for s in _yaml_steps(item)]
    return []


def test_documented_pre_commit_config_names_the_real_hook() -> None:
    hook_ids = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    configs = [
        yaml.safe_load(body)
        for path in [REPO / "docs" / "integrations" / "pre-commit.md", README]
        for language, body in _blocks(path)
        if language == "yaml" and "repos:" in body
    ]
    assert len(configs) >= 3
    for config in configs:
        for repo in config["repos"]:
            assert {h["id"] for h in repo["hooks"]} <= hook_ids


def test_vscode_problem_matcher_matches_real_output(tmp_project: Path) -> None:
    [tasks] = [
        json.loads(body)
        for language, body in _blocks(REPO / "docs" / "integrations" / "vscode.md")
        if language == "json"
    ]
    task = next(t for t in tasks["tasks"] if t["label"] == "privalint")
    pattern = task["problemMatcher"]["pattern"]
    regexp = re.compile(pattern["regexp"])
    (tmp_project / "app.py").write_text(ACCOUNTS)
    args = shlex.split(task["command"])[1:]
    process = privalint(tmp_project, *args, "--no-cache")
    assert process.returncode == 1
    matched = [m for m in map(regexp.match, process.stdout.splitlines()) if m]
    assert [
        (
            m.group(pattern["file"]),
            m.group(pattern["line"]),
            m.group(pattern["column"]),
            m.group(pattern["code"]),
        )
        for m in matched
    ] == [("app.py", "11", "36", "PV101"), ("app.py", "16", "72", "PV501")]
    assert "customer.email" in matched[0].group(pattern["message"])
