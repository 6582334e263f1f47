"""The command line through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from privalint import __version__
from privalint.cli import cli

LEAKY = 'import logging\nlog = logging.getLogger(__name__)\n\ndef f(user):\n    log.info("hi %s", user.email)\n'
TLS = 'import requests\nrequests.get("https://x.example", verify=False)\n'
CLEAN = 'import logging\nlog = logging.getLogger(__name__)\n\ndef f(user):\n    log.info("hi %s", user.pk)\n'


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_project: Path) -> Path:
    (tmp_project / "app.py").write_text(LEAKY)
    (tmp_project / "net.py").write_text(TLS)
    (tmp_project / "ok.py").write_text(CLEAN)
    return tmp_project


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"privalint {__version__}"


def test_exit_codes(project: Path) -> None:
    assert run(["check", "ok.py"], project)[0] == 0
    code, out, _ = run(["check"], project)
    assert code == 1
    assert "app.py:5:23: PV101" in out
    assert "net.py:2:35: PV501" in out
    assert "Found 2 problems" in out
    assert run(["check", "--exit-zero"], project)[0] == 0


def test_select_and_ignore(project: Path) -> None:
    code, out, _ = run(["check", "--select", "weak-tls"], project)
    assert code == 1 and "PV501" in out and "PV101" not in out
    code, out, _ = run(["check", "--ignore", "PV1,PV5"], project)
    assert code == 0
    code, out, _ = run(["check", "--select", "personal-data-in-log"], project)
    assert "PV101" in out and "PV501" not in out


def test_unknown_selector_is_a_usage_error(project: Path) -> None:
    code, _, err = run(["check", "--select", "PV9999"], project)
    assert code == 2
    assert "unknown rule selector" in err and "Traceback" not in err
    code, _, err = run(["check", "--select", "weak-tsl"], project)
    assert code == 2 and "did you mean 'weak-tls'" in err


def test_fail_on_threshold(project: Path) -> None:
    (project / "app.py").unlink()
    assert run(["check", "--fail-on", "error"], project)[0] == 1
    (project / "net.py").unlink()
    (project / "app.py").write_text(LEAKY)
    assert run(["check", "--fail-on", "error"], project)[0] == 0
    assert run(["check", "--fail-on", "warning"], project)[0] == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab"])
def test_every_format(project: Path, fmt: str) -> None:
    code, out, _ = run(["check", "--format", fmt], project)
    assert code == 1
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    if fmt == "github":
        assert out.startswith("::")
        assert "file=app.py,line=5" in out


def test_json_output_fields(project: Path) -> None:
    _, out, _ = run(["check", "--format", "json"], project)
    data = json.loads(out)
    assert data["schema_version"] == 1
    finding = next(f for f in data["findings"] if f["rule"] == "PV101")
    assert finding["family"] == "pii-in-logs"
    assert finding["categories"] == ["email"]
    assert finding["path"] == "app.py"
    assert (finding["start_line"], finding["start_column"]) == (5, 23)
    assert finding["fingerprint"]


def test_output_file(project: Path) -> None:
    code, out, _ = run(["check", "--format", "sarif", "-o", "out/report.sarif"], project)
    assert code == 1 and out == ""
    assert json.loads((project / "out" / "report.sarif").read_text())["version"] == "2.1.0"


def test_missing_path_is_reported_and_others_still_checked(project: Path) -> None:
    code, out, err = run(["check", "app.py", "missing.py"], project)
    assert code == 2
    assert "missing.py: no such file or folder" in err
    assert "PV101" in out


def test_syntax_error_is_a_finding_and_others_are_checked(project: Path) -> None:
    (project / "broken.py").write_text("def f(:\n    print 'py2'\n")
    code, out, _ = run(["check"], project)
    assert code == 1
    assert "broken.py:" in out and "PV000 syntax error" in out
    assert "PV101" in out


def test_statistics_and_quiet(project: Path) -> None:
    _, out, _ = run(["check", "--statistics"], project)
    assert "PV101  personal-data-in-log" in out
    _, out, _ = run(["check", "--quiet"], project)
    assert "PV101" in out and "Found" not in out


def test_no_color_when_not_a_tty(project: Path) -> None:
    _, out, _ = run(["check"], project)
    assert "\x1b[" not in out


def test_rules_command() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    assert result.exit_code == 0
    rules = json.loads(result.output)
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and "PV101" in ids and "PV501" in ids
    assert {"id", "name", "family", "severity", "cwe", "title"} <= set(rules[0])
    text = CliRunner().invoke(cli, ["rules"]).output
    assert "tls-verify-disabled" in text and "CWE-295" in text


def test_explain() -> None:
    result = CliRunner().invoke(cli, ["explain", "PV501"])
    assert result.exit_code == 0
    assert "tls-verify-disabled" in result.output and "verify=False" in result.output
    by_name = CliRunner().invoke(cli, ["explain", "personal-data-in-log"])
    assert by_name.exit_code == 0 and "PV101" in by_name.output
    unknown = CliRunner().invoke(cli, ["explain", "PV999"])
    assert unknown.exit_code == 2 and "unknown rule selector" in unknown.output


def test_config_error_exits_2_with_location(project: Path) -> None:
    (project / "privalint.toml").write_text('selct = ["ALL"]\n')
    code, _, err = run(["check"], project)
    assert code == 2
    assert (
        "privalint.toml:1" in err
        and "unknown key `selct`" in err
        and "did you mean 'select'" in err
    )


def test_config_select_and_per_file_ignores(project: Path) -> None:
    (project / "privalint.toml").write_text(
        'ignore = ["PV501"]\n[per-file-ignores]\n"app.py" = ["pii-in-logs"]\n'
    )
    assert run(["check"], project)[0] == 0


def test_pyproject_config_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.privalint]\nselect = ["weak-tls"]\n'
    )
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "app.py").write_text(LEAKY + TLS)
    code, out, _ = run(["check", "pkg"], tmp_path)
    assert code == 1 and "PV501" in out and "PV101" not in out


def test_python_dash_m_and_console_script(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "privalint", "check", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert {f["rule"] for f in json.loads(result.stdout)["findings"]} == {"PV101", "PV501"}
    version = subprocess.run(
        [str(Path(sys.executable).parent / "privalint"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.returncode == 0 and __version__ in version.stdout


def test_opt_in_rules_need_their_id(tmp_project: Path) -> None:
    (tmp_project / "pay.py").write_text(
        'def charge(card_number):\n    raise ValueError(f"bad card {card_number}")\n'
    )
    assert run(["check"], tmp_project)[0] == 0
    assert run(["check", "--select", "pii-in-logs"], tmp_project)[0] == 0
    code, out, _ = run(["check", "--select", "PV103"], tmp_project)
    assert code == 1 and "PV103" in out
    (tmp_project / "privalint.toml").write_text('extend-select = ["personal-data-in-exception"]\n')
    assert run(["check"], tmp_project)[0] == 1
