"""Fingerprints (no line numbers) and baselines (`privalint baseline`, `check --baseline`)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from privalint.api import CheckOptions, run_check
from privalint.baseline import Baseline, normalise_code
from privalint.cli import cli
from tests.conftest import check_code

APP = """\
import logging

import requests

log = logging.getLogger(__name__)


def register(user):
    log.info("registered %s", user.email)
    requests.get("https://api.example.com", verify=False)


class Billing:
    def charge(self, customer, amount):
        total = amount * 100
        log.warning("charging %s", customer.phone)
        return total
"""


def invoke(args: list[str]) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always keeps stderr apart
        runner = CliRunner()
    return runner.invoke(cli, args, catch_exceptions=False)


def fingerprints(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """``{(rule, message): fingerprint}`` of a full check of ``project``."""
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    found: dict[tuple[str, str], str] = {}
    for finding in outcome.report.findings:
        found[(finding.rule_id, finding.message)] = finding.fingerprint
    return found


def write(project: Path, text: str, name: str = "app.py") -> None:
    (project / name).write_text(textwrap.dedent(text), encoding="utf-8")


# -- normalisation --------------------------------------------------------------------


def test_normalised_code_ignores_layout_comments_quotes_and_trailing_commas() -> None:
    compact = normalise_code('log.info("user %s", user.email)')
    assert compact == 'log.info("user %s",user.email)'
    reformatted = normalise_code("log.info(  # why we log\n    'user %s',\n    user.email,\n)\n")
    assert reformatted == compact


def test_normalised_code_keeps_string_contents_and_hashes_inside_strings() -> None:
    assert normalise_code('x = "a  # b"  # comment') == 'x="a  # b"'
    assert normalise_code("x = 'a'") != normalise_code("x = 'b'")
    assert normalise_code('R"a"') == normalise_code('r"a"')
    assert normalise_code('s = """one\n  # two"""') == 's="""one\n  # two"""'
    # A name that ends in prefix letters is not a string prefix.
    assert normalise_code('bar"x"') == 'bar"x"'


# -- fingerprints -------------------------------------------------------------------


def test_engine_fingerprint_survives_code_added_above() -> None:
    before = check_code(APP)
    after = check_code("import os\n\n\n" + APP.replace("import logging", "import logging  # log"))
    assert [f.span.start_line + 3 for f in before.findings] == [
        f.span.start_line for f in after.findings
    ]
    assert [f.fingerprint for f in before.findings] == [f.fingerprint for f in after.findings]


def test_identical_findings_in_one_function_differ_by_occurrence() -> None:
    result = check_code(
        """
        import logging
        log = logging.getLogger()

        def f(user):
            log.info("x %s", user.email)
            log.info("x %s", user.email)
        """
    )
    prints = [f.fingerprint for f in result.findings]
    assert len(prints) == 2 and prints[0] != prints[1]
    assert prints[0].split(":")[0] == prints[1].split(":")[0]


def test_fingerprint_depends_on_enclosing_function() -> None:
    code = """
        import logging
        log = logging.getLogger()

        def {name}(user):
            log.info("x %s", user.email)
        """
    first = check_code(code.replace("{name}", "signup")).findings[0].fingerprint
    second = check_code(code.replace("{name}", "login")).findings[0].fingerprint
    assert first != second


def test_fingerprint_of_compound_statement_uses_its_header_only() -> None:
    code = """
        import requests

        def fetch(url):
            with requests.get(url, verify=False) as response:
                {body}
        """
    first = check_code(code.replace("{body}", "return response.text")).findings
    second = check_code(code.replace("{body}", "data = response.json()\n        return data"))
    assert [f.rule_id for f in first] == ["PV501"]
    assert first[0].fingerprint == second.findings[0].fingerprint


def test_fingerprints_are_stable_when_code_moves_and_unrelated_names_change(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP)
    before = fingerprints(tmp_project, monkeypatch)
    moved = APP.replace("import requests\n", "import requests\nimport sys\n\nDEBUG = False\n")
    moved = moved.replace("total = amount * 100", "cents = amount * 100").replace(
        "return total", "return cents"
    )
    # Move the class above the function.
    head, _, rest = moved.partition("def register")
    function, _, klass = rest.partition("class Billing")
    moved = head + "class Billing" + klass + "\n\ndef register" + function
    write(tmp_project, moved)
    after = fingerprints(tmp_project, monkeypatch)
    assert len(before) == 3
    assert after == before


def test_fingerprint_includes_rule_and_file(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP, "a.py")
    write(tmp_project, APP, "b.py")
    monkeypatch.chdir(tmp_project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    prints = [f.fingerprint for f in outcome.report.findings]
    assert len(prints) == 6 and len(set(prints)) == 6
    assert all(len(p) == 16 and int(p, 16) >= 0 for p in prints)


def test_fingerprints_do_not_depend_on_the_folder_privalint_runs_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()  # a work tree: paths are relative to its top
    (tmp_path / "privalint.toml").write_text("")
    (tmp_path / "src").mkdir()
    write(tmp_path / "src", APP)
    monkeypatch.chdir(tmp_path)
    from_top = run_check(CheckOptions(paths=[Path("src")], jobs=1, use_cache=False))
    monkeypatch.chdir(tmp_path / "src")
    from_src = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    assert from_top.report.findings[0].path == "src/app.py"
    assert from_src.report.findings[0].path == "app.py"
    assert [f.fingerprint for f in from_top.report.findings] == [
        f.fingerprint for f in from_src.report.findings
    ]
    assert from_src.root_paths == {"app.py": "src/app.py"}


def test_findings_without_content_fingerprint_get_one_from_their_line(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, "x = 1\ndef broken(:\n    pass\n", "bad.py")
    monkeypatch.chdir(tmp_project)
    first = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    write(tmp_project, "# a comment\n\nx = 1\ndef broken(:\n    pass\n", "bad.py")
    second = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    [before] = first.report.findings
    [after] = second.report.findings
    assert before.rule_id == after.rule_id == "PV000"
    assert before.span.start_line != after.span.start_line
    assert before.fingerprint == after.fingerprint != ""


# -- baseline files -------------------------------------------------------------------


def _baseline(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / ".privalint-baseline.json").read_text())
    return data


def test_baseline_records_fingerprints_only(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP)
    monkeypatch.chdir(tmp_project)
    result = invoke(["baseline", "--no-cache", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 findings to .privalint-baseline.json" in result.stderr
    data = _baseline(tmp_project)
    assert data["privalint_baseline"] == 1
    assert sorted(e["rule"] for e in data["findings"]) == ["PV101", "PV101", "PV501"]
    assert {e["path"] for e in data["findings"]} == {"app.py"}
    assert all(set(e) == {"path", "rule", "fingerprint"} for e in data["findings"])
    text = (tmp_project / ".privalint-baseline.json").read_text()
    for leak in ("email", "phone", "user", "customer", "requests", "verify", "log"):
        assert leak not in text.replace("privalint_baseline", "")


def test_baseline_file_is_deterministic(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_project, APP)
    monkeypatch.chdir(tmp_project)
    invoke(["baseline", "--no-cache", "-o", "one.json"])
    invoke(["baseline", "--no-cache", "-o", "two.json"])
    assert (tmp_project / "one.json").read_text() == (tmp_project / "two.json").read_text()


def test_check_with_baseline_reports_only_new_findings(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP)
    monkeypatch.chdir(tmp_project)
    assert invoke(["baseline", "--no-cache"]).exit_code == 0
    accepted = invoke(["check", "--no-cache", "--baseline", ".privalint-baseline.json"])
    assert accepted.exit_code == 0, accepted.output
    assert "No privacy problems found" in accepted.stdout

    # Move code and rename unrelated variables: still nothing new.
    moved = "import os\n\nSETTING = os.environ.get('X')\n\n" + APP.replace("total", "cents")
    write(tmp_project, moved)
    unchanged = invoke(["check", "--no-cache", "--baseline", ".privalint-baseline.json"])
    assert unchanged.exit_code == 0, unchanged.stdout

    # Add a finding: only it is reported.
    write(tmp_project, moved + "\n\ndef debug(patient):\n    print(patient.diagnosis)\n")
    added = invoke(
        ["check", "--no-cache", "--baseline", ".privalint-baseline.json", "--format", "json"]
    )
    assert added.exit_code == 1
    findings = json.loads(added.stdout)["findings"]
    assert [(f["rule"], f["start_line"]) for f in findings] == [("PV102", 25)]


def test_check_with_baseline_lists_entries_that_no_longer_match(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP)
    monkeypatch.chdir(tmp_project)
    invoke(["baseline", "--no-cache"])
    fixed = APP.replace('    requests.get("https://api.example.com", verify=False)\n', "")
    write(tmp_project, fixed)
    result = invoke(["check", "--no-cache", "--baseline", ".privalint-baseline.json"])
    # A fixed finding is good news: it informs but never fails the run.
    assert result.exit_code == 0, result.stdout
    stale = [line for line in result.stdout.splitlines() if "baseline entry" in line]
    assert len(stale) == 1
    assert "app.py" in stale[0] and "PV501" in stale[0]
    removed = [e for e in _baseline(tmp_project)["findings"] if e["rule"] == "PV501"]
    assert removed[0]["fingerprint"] in stale[0]

    as_json = invoke(
        ["check", "--no-cache", "--baseline", ".privalint-baseline.json", "--format", "json"]
    )
    notes = json.loads(as_json.stdout)["notifications"]
    assert [(n["level"], n["path"]) for n in notes] == [("note", "app.py")]

    # Rewriting the baseline shrinks it.
    invoke(["baseline", "--no-cache"])
    assert sorted(e["rule"] for e in _baseline(tmp_project)["findings"]) == ["PV101", "PV101"]
    clean = invoke(["check", "--no-cache", "--baseline", ".privalint-baseline.json"])
    assert "baseline entry" not in clean.stdout


def test_baseline_entries_of_files_outside_the_checked_paths_are_not_stale(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_project / "one").mkdir()
    (tmp_project / "two").mkdir()
    write(tmp_project / "one", APP)
    write(tmp_project / "two", APP)
    monkeypatch.chdir(tmp_project)
    invoke(["baseline", "--no-cache"])
    result = invoke(["check", "one", "--no-cache", "--baseline", ".privalint-baseline.json"])
    assert result.exit_code == 0
    assert "baseline entry" not in result.stdout
    (tmp_project / "two" / "app.py").unlink()
    gone = invoke(["check", "one", "--no-cache", "--baseline", ".privalint-baseline.json"])
    assert gone.stdout.count("baseline entry") == 3


def test_baseline_entries_of_rules_that_did_not_run_are_not_stale(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP)
    monkeypatch.chdir(tmp_project)
    invoke(["baseline", "--no-cache"])
    base = ["check", "--no-cache", "--baseline", ".privalint-baseline.json"]
    only_tls = invoke([*base, "--select", "PV501"])
    assert only_tls.exit_code == 0 and "baseline entry" not in only_tls.stdout
    write(tmp_project, APP.replace(", verify=False", ""))
    fixed = invoke([*base, "--select", "weak-tls"])
    assert fixed.stdout.count("baseline entry") == 1


def test_suppressed_findings_are_not_recorded(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_project,
        APP.replace("verify=False)", "verify=False)  # privalint: ignore[PV501]"),
    )
    monkeypatch.chdir(tmp_project)
    invoke(["baseline", "--no-cache"])
    assert "PV501" not in {e["rule"] for e in _baseline(tmp_project)["findings"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "baseline is not valid JSON"),
        ('{"findings": []}', "not a privalint baseline"),
        ('{"privalint_baseline": 99, "findings": []}', "format 99 is not supported"),
        ('{"privalint_baseline": 1, "findings": [{"path": 1}]}', "findings[0] must be"),
    ],
)
def test_bad_baseline_file_is_a_usage_error(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch, content: str, message: str
) -> None:
    write(tmp_project, APP)
    monkeypatch.chdir(tmp_project)
    if content is not None:
        (tmp_project / "base.json").write_text(content)
    result = invoke(["check", "--no-cache", "--baseline", "base.json"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_baseline_to_an_unwritable_place_is_an_error(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_project, APP)
    (tmp_project / "blocker").write_text("a file, not a folder")
    monkeypatch.chdir(tmp_project)
    result = invoke(["baseline", "--no-cache", "-o", "blocker/base.json"])
    assert result.exit_code == 2
    assert "cannot write blocker/base.json" in result.stderr


def test_baseline_of_a_missing_path_is_an_error(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_project)
    result = invoke(["baseline", "--no-cache", "nowhere"])
    assert result.exit_code == 2
    assert "nowhere" in result.stderr
    assert not (tmp_project / ".privalint-baseline.json").exists()


def test_baseline_matching_counts_duplicates() -> None:
    from privalint.baseline import Entry
    from privalint.model import Finding, Severity, Span

    def finding(fingerprint: str) -> Finding:
        return Finding(
            "PV101", "a.py", "m", Severity.WARNING, Span(1, 1, 1, 2), (1, 1), (), fingerprint
        )

    accepted = Baseline([Entry("a.py", "PV101", "f1")])
    comparison = accepted.compare([finding("f1"), finding("f1")], ["a.py"], Path("."))
    assert comparison.matched == 1 and len(comparison.new) == 1 and comparison.stale == []


def test_project_level_findings_keep_their_fingerprints_when_lines_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tests.conftest import FIXTURES

    projects = sorted(p for p in (FIXTURES / "projects").glob("*") if (p / "privacy.toml").exists())
    if not projects:
        pytest.skip("no project fixture with a privacy manifest")
    project = tmp_path / "project"
    shutil.copytree(projects[0], project)

    def identities() -> list[tuple[str, str, str]]:
        monkeypatch.chdir(project)
        outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
        return sorted((f.rule_id, f.path, f.fingerprint) for f in outcome.report.findings)

    before = identities()
    assert any(rule.startswith("PV4") for rule, _, _ in before)
    for path in [*project.rglob("*.py"), project / "privacy.toml"]:
        path.write_text("# moved down\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert identities() == before
