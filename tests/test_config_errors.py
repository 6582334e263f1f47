"""Configuration and manifest mistakes: one line naming the file and line, exit code 2,
never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest
from click.testing import CliRunner

from privalint.cli import cli

LOG = "import logging\n\n\ndef f(user):\n    logging.info(user.email)\n"

# (config text, line the message must name or None, words it must contain)
CONFIG_MISTAKES: dict[str, tuple[str, Optional[int], str]] = {
    "unclosed-list": ("select = [\n", 1, "invalid TOML"),
    "unclosed-list-after-lines": ('exclude = ["a"]\n\nselect = ["PV1",\n', 3, "invalid TOML"),
    "unclosed-table-header": ("[severity\nPV101 = 'note'\n", 1, "invalid TOML"),
    "duplicate-key": ('select = ["ALL"]\nselect = ["PV1"]\n', 2, "invalid TOML"),
    "bare-word": ("select = ALL\n", 1, "invalid TOML"),
    "select-not-a-list": ('select = "PV101"\n', 1, "`select` must be"),
    "select-of-numbers": ("select = [101]\n", 1, "`select` must be"),
    "unknown-rule-id": ('select = ["PV999"]\n', 1, "unknown rule selector `PV999`"),
    "misspelt-family": ('ignore = ["pii-in-log"]\n', 1, "did you mean 'pii-in-logs'"),
    "unknown-key": ("\nselct = []\n", 2, "unknown key `selct`"),
    "timeout-text": ('timeout = "fast"\n', 1, "`timeout` must be"),
    "timeout-negative": ("timeout = -1\n", 1, "`timeout` must be"),
    "timeout-boolean": ("timeout = true\n", 1, "`timeout` must be"),
    "max-file-size-float": ("max-file-size = 1.5\n", 1, "`max-file-size` must be"),
    "max-file-size-zero": ("max-file-size = 0\n", 1, "`max-file-size` must be"),
    "max-memory-negative": ("max-memory = -1\n", 1, "`max-memory` must be"),
    "max-memory-text": ('max-memory = "2G"\n', 1, "`max-memory` must be"),
    "fail-on-unknown": ('fail-on = "fatal"\n', 1, "`fail-on`"),
    "exclude-of-numbers": ("exclude = [1]\n", 1, "`exclude` must be"),
    "manifest-number": ("manifest = 3\n", 1, "`manifest` must be"),
    "manifest-missing": ('manifest = "nowhere/privacy.toml"\n', 1, "does not exist"),
    "cache-dir-number": ("cache-dir = 3\n", 1, "`cache-dir` must be"),
    "severity-not-a-table": ("severity = 3\n", 1, "`severity` must be"),
    "severity-level": ('[severity]\nPV101 = "fatal"\n', 2, "severity.PV101"),
    "severity-number": ("[severity]\nPV101 = 3\n", 2, "severity.PV101"),
    "severity-unknown-rule": ('[severity]\nPV999 = "error"\n', 2, "unknown rule `PV999`"),
    "per-file-ignores-not-a-table": ("per-file-ignores = 3\n", 1, "`per-file-ignores` must be"),
    "per-file-ignores-string": (
        '[per-file-ignores]\n"tests/*.py" = "PV101"\n',
        2,
        "per-file-ignores",
    ),
    "per-file-ignores-unknown-rule": (
        '[per-file-ignores]\n"tests/*.py" = ["PV999"]\n',
        2,
        "unknown rule selector `PV999`",
    ),
    "personal-data-unknown-key": ("[personal-data]\nbogus = 1\n", 2, "personal-data.bogus"),
    "personal-data-not-a-table": ('personal-data = "x"\n', 1, "`personal-data` must be"),
    "unknown-category": ('[personal-data.categories.emial]\ninclude = ["x"]\n', 1, "`emial`"),
    "category-include-string": (
        '[personal-data.categories.email]\ninclude = "work mail"\n',
        2,
        "`include` must be",
    ),
    "category-include-nested": (
        '[personal-data.categories.email]\ninclude = [["x"]]\n',
        2,
        "`include` must be",
    ),
    "category-include-empty-phrase": (
        '[personal-data.categories.email]\n\ninclude = ["work mail", " "]\n',
        3,
        "empty",
    ),
    "category-sensitivity": (
        '[personal-data.categories.email]\nsensitivity = "top"\n',
        2,
        "sensitivity 'top'",
    ),
    "category-unknown-key": (
        '[personal-data.categories.email]\nincludes = ["x"]\n',
        2,
        "did you mean 'include'",
    ),
    "new-category-label-type": (
        '[personal-data.categories.pet]\nlabel = 3\nsensitivity = "personal"\n',
        2,
        "label` must be",
    ),
    "sanitizers-of-numbers": ("[personal-data]\nsanitizers = [1]\n", 2, "`sanitizers` must be"),
    "catalog-not-a-table": ("catalog = 3\n", 1, "`catalog` must be"),
    "catalog-unknown-section": ('[catalog.loging]\nloggers = ["x"]\n', 1, "did you mean 'logging'"),
    "catalog-section-not-a-table": ("[catalog]\nlogging = 3\n", 2, "catalog.logging"),
    "catalog-categories-not-a-table": ("[catalog]\ncategories = 3\n", 2, "catalog.categories"),
    "catalog-personal-data-list": (
        '[catalog]\npersonal-data = ["x"]\n',
        2,
        "catalog.personal-data",
    ),
    "catalog-list-of-numbers": ("[catalog.logging]\nloggers = [1, 2]\n", 2, "catalog.logging"),
    "catalog-list-as-string": ('[catalog.logging]\nloggers = "mylog"\n', 2, "catalog.logging"),
    "catalog-unknown-key": (
        '[catalog.logging]\nlogers = ["mylog"]\n',
        2,
        "did you mean 'loggers'",
    ),
    "catalog-category-include-number": (
        "[catalog.categories.email]\ninclude = 3\n",
        2,
        "include",
    ),
    "catalog-nested-table-as-list": (
        '[catalog.tls]\nwarnings = ["x"]\n',
        2,
        "catalog.tls.warnings",
    ),
    "catalog-list-of-tables-as-strings": (
        '[catalog.tls]\nverify-switches = ["requests"]\n',
        2,
        "catalog.tls.verify-switches",
    ),
    "select-and-ignore-cancel-out": (
        'select = ["PV101"]\nignore = ["pii-in-logs"]\n',
        None,
        "no rule",
    ),
}


def _check(folder: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", str(folder), "--no-cache", "-j", "1", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _assert_one_line_error(stderr: str, where: Optional[str], words: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    message = lines[0]
    assert message.startswith("privalint: error: "), message
    assert "Traceback" not in message and "internal error" not in message
    assert words in message, message
    if where is not None:
        assert re.search(re.escape(where) + r"(?!\d)", message), message


@pytest.mark.parametrize("name", sorted(CONFIG_MISTAKES))
def test_config_mistakes(tmp_path: Path, name: str) -> None:
    text, line, words = CONFIG_MISTAKES[name]
    config = tmp_path / "privalint.toml"
    config.write_text(text, encoding="utf-8")
    (tmp_path / "app.py").write_text(LOG)
    code, _stdout, stderr = _check(tmp_path)
    assert code == 2, stderr
    _assert_one_line_error(stderr, f"{config}:{line}" if line else str(config), words)


@pytest.mark.parametrize("name", ["unclosed-list", "severity-level", "catalog-unknown-key"])
def test_the_same_mistakes_in_pyproject(tmp_path: Path, name: str) -> None:
    text, line, words = CONFIG_MISTAKES[name]
    # Move the table headers under [tool.privalint].
    body = re.sub(r"^\[", "[tool.privalint.", text, flags=re.MULTILINE)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n\n[tool.privalint]\n' + body)
    (tmp_path / "app.py").write_text(LOG)
    code, _stdout, stderr = _check(tmp_path)
    assert code == 2, stderr
    expected_line = line + 4 if line is not None and not body.startswith("[") else None
    if body.startswith("[") and line is not None:
        expected_line = line + 4
    _assert_one_line_error(stderr, f"{pyproject}:{expected_line}", words)


def test_a_config_that_is_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "privalint.toml"
    config.write_bytes(b'select = ["PV1\xff"]\n')
    code, _stdout, stderr = _check(tmp_path)
    assert code == 2
    _assert_one_line_error(stderr, str(config), "UTF-8")


def test_tool_privalint_that_is_not_a_table(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n\n[tool]\nprivalint = 3\n')
    code, _stdout, stderr = _check(tmp_path)
    assert code == 2
    _assert_one_line_error(stderr, f"{pyproject}:5", "must be a table")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--config", "missing.toml"], "config file not found"),
        (["--select", "PV999"], "unknown rule selector `PV999`"),
        (["--ignore", "pii-in-log"], "did you mean 'pii-in-logs'"),
        (["--select", "PV101", "--ignore", "PV1"], "no rule"),
        (["--exit-zero", "--fail-on", "error"], "--exit-zero"),
        (["--sarif-category", "x"], "--format sarif"),
    ],
    ids=["missing-config", "unknown-rule", "misspelt-family", "nothing-left", "exit", "sarif"],
)
def test_command_line_mistakes(tmp_project: Path, args: list[str], words: str) -> None:
    (tmp_project / "app.py").write_text(LOG)
    code, _stdout, stderr = _check(tmp_project, *args)
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert words in stderr, stderr


def test_inventory_write_with_an_output_file_is_a_conflict(tmp_project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["inventory", str(tmp_project), "--write", "-o", str(tmp_project / "x.md")]
    )
    assert result.exit_code == 2
    assert "--write" in result.stderr and "Traceback" not in result.stderr


# -- the privacy manifest -----------------------------------------------------------------


MANIFEST_MISTAKES: dict[str, tuple[str, int, str]] = {
    "unclosed-table": ('[data.email\npurpose = "x"\n', 1, "not valid TOML"),
    "unclosed-string": (
        '[data.email]\npurpose = "sign-in\nbasis = "contract"\n',
        2,
        "not valid TOML",
    ),
    "unclosed-at-end": ('[data.email]\npurpose = "x"\nbasis = [\n', 3, "not valid TOML"),
}


@pytest.mark.parametrize("name", sorted(MANIFEST_MISTAKES))
def test_manifest_that_is_not_toml(tmp_project: Path, name: str) -> None:
    text, line, words = MANIFEST_MISTAKES[name]
    manifest = tmp_project / "privacy.toml"
    manifest.write_text(text)
    (tmp_project / "app.py").write_text(
        'from flask import request\n\n\ndef f():\n    return request.form["email"]\n'
    )
    for command in ("check", "inventory"):
        result = CliRunner().invoke(cli, [command, str(tmp_project), "--no-cache", "-j", "1"])
        assert result.exit_code == 2, result.output
        _assert_one_line_error(result.stderr, f"{manifest}:{line}", words)


@pytest.mark.parametrize(
    "text",
    [
        "data = 3\n",
        'data = "email"\n',
        "[data]\nemail = 3\n",
        '[data.email]\npurpose = 3\nbasis = ["contract"]\n',
        '[data.emial]\npurpose = "x"\nbasis = "contract"\n',
        '[data.email]\npurpose = "x"\nbasis = "vibes"\n',
        '[data.health]\npurpose = "x"\nbasis = "consent"\n',
        '[data.email]\npurpose = "x"\nbasis = "contract"\nbogus = 1\n',
        "[[data]]\nemail = 1\n",
        "",
        "\ufeff",
    ],
    ids=[
        "data-number",
        "data-string",
        "entry-number",
        "wrong-types",
        "unknown-category",
        "unknown-basis",
        "special-without-condition",
        "unknown-key",
        "array-of-tables",
        "empty",
        "bom-only",
    ],
)
def test_manifest_content_problems_never_crash(tmp_project: Path, text: str) -> None:
    (tmp_project / "privacy.toml").write_text(text, encoding="utf-8")
    (tmp_project / "app.py").write_text(
        'from flask import request\n\n\ndef f():\n    return request.form["email"]\n'
    )
    for command in ("check", "inventory"):
        for fmt in ("json",):
            result = CliRunner().invoke(
                cli, [command, str(tmp_project), "--no-cache", "-j", "1", "--format", fmt]
            )
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                result.exception
            )
            assert result.exit_code in (0, 1, 2), result.output
            assert "Traceback" not in result.output
            if result.exit_code == 2:
                _assert_one_line_error(result.stderr, str(tmp_project / "privacy.toml"), "")


def test_a_config_mistake_in_a_real_process(tmp_path: Path) -> None:
    config = tmp_path / "privalint.toml"
    config.write_text("[catalog]\ncategories = 3\n")
    (tmp_path / "app.py").write_text(LOG)
    proc = subprocess.run(
        [sys.executable, "-m", "privalint", "check", str(tmp_path), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    _assert_one_line_error(proc.stderr, f"{config}:2", "catalog.categories")
