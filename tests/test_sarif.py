"""SARIF 2.1.0 for GitHub code scanning: the official schema (vendored), GitHub's
upload rules, its line hash, and a golden file."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
from click.testing import CliRunner, Result

from privalint.api import CheckOptions, run_check
from privalint.cli import cli
from privalint.model import Family, Finding, Severity, Span
from privalint.output import Report, render, sarif
from privalint.output.linehash import line_hashes
from privalint.registry import all_rules
from tests.conftest import FIXTURES

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
GOLDEN = HERE / "golden"
FAMILY_TAGS = {f.value for f in Family if f is not Family.NOTICE}
UPDATE = bool(os.environ.get("PRIVALINT_UPDATE_GOLDEN"))

# Every folder privalint is run on in the fixtures: the demo app, each family's
# fixtures and every multi-file project.
FIXTURE_PROJECTS = sorted(
    [p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "projects"]
    + [p for p in (FIXTURES / "projects").glob("*") if p.is_dir()]
)


def invoke(args: list[str]) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always keeps stderr apart
        runner = CliRunner()
    return runner.invoke(cli, args, catch_exceptions=False)


def sarif_for(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    monkeypatch.chdir(folder)
    result = invoke(["check", "--no-cache", "-j", "1", "--format", "sarif", *args])
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def upload_problems(document: dict[str, Any], source_root: Path) -> list[str]:
    """What GitHub code scanning rejects or mishandles (its documented limits and
    the upload action's behaviour), beyond the schema."""
    problems: list[str] = []
    if document.get("version") != "2.1.0" or len(document["runs"]) != 1:
        problems.append("want version 2.1.0 and exactly one run")
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    if len(ids) != len(set(ids)):
        problems.append("duplicate rule ids")
    for rule in rules:
        props = rule.get("properties", {})
        for key in ("shortDescription", "fullDescription", "help"):
            if not rule.get(key, {}).get("text"):
                problems.append(f"{rule['id']}: no {key}.text")
        for key in ("shortDescription", "fullDescription"):
            if len(rule.get(key, {}).get("text", "")) > 1024:
                problems.append(f"{rule['id']}: {key} longer than GitHub shows (1024)")
        if props.get("precision") not in ("very-high", "high", "medium", "low"):
            problems.append(f"{rule['id']}: precision {props.get('precision')!r}")
        tags = props.get("tags", [])
        if len(tags) > 10:
            problems.append(f"{rule['id']}: GitHub shows only 10 tags")
        if "security-severity" in props:
            value = props["security-severity"]
            if not isinstance(value, str) or not 0.0 <= float(value) <= 10.0:
                problems.append(f"{rule['id']}: security-severity {value!r}")
    base = run.get("originalUriBaseIds", {}).get("%SRCROOT%", {})
    if "uri" in base and not (base["uri"].startswith("file:///") and base["uri"].endswith("/")):
        problems.append(f"%SRCROOT% must be an absolute file URI ending in /: {base['uri']}")
    if len(run["results"]) > 25_000:
        problems.append("more than 25,000 results")
    hashes: dict[str, dict[int, str]] = {}
    for number, result in enumerate(run["results"]):
        where = f"results[{number}]"
        if result.get("level") not in ("error", "warning", "note"):
            problems.append(f"{where}: level {result.get('level')!r}")
        if rules[result["ruleIndex"]]["id"] != result["ruleId"]:
            problems.append(f"{where}: ruleIndex does not point at {result['ruleId']}")
        if len(result["locations"]) != 1:
            problems.append(f"{where}: want exactly one location")
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        if (
            urlparse(uri).scheme
            or uri.startswith("/")
            or ".." in uri.split("/")
            or "\\" in uri
            or physical["artifactLocation"].get("uriBaseId") != "%SRCROOT%"
        ):
            problems.append(f"{where}: uri {uri!r} is not relative to %SRCROOT%")
        region = physical["region"]
        if region["startLine"] < 1 or (
            region.get("endLine") == region["startLine"]
            and region.get("endColumn", 1) < region.get("startColumn", 1)
        ):
            problems.append(f"{where}: bad region {region}")
        path = unquote(uri)
        if path not in hashes:
            hashes[path] = line_hashes((source_root / path).read_text(encoding="utf-8"))
        expected = hashes[path].get(region["startLine"])
        fingerprints = result.get("partialFingerprints", {})
        if fingerprints.get("primaryLocationLineHash") != expected:
            problems.append(f"{where}: primaryLocationLineHash is not GitHub's {expected}")
        if not fingerprints.get("privalint/v1"):
            problems.append(f"{where}: no privalint fingerprint")
    return problems


# -- every fixture project ------------------------------------------------------------


@pytest.mark.parametrize("project", FIXTURE_PROJECTS, ids=lambda p: p.name)
def test_sarif_of_every_fixture_project_is_valid_and_uploadable(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = sarif_for(project, monkeypatch)
    assert schema_errors(document) == []
    assert upload_problems(document, project) == []
    assert document["runs"][0]["results"], "the fixtures have findings"


def test_schema_check_catches_an_invalid_document(monkeypatch: pytest.MonkeyPatch) -> None:
    document = sarif_for(FIXTURES / "demo", monkeypatch)
    document["runs"][0]["results"][0]["level"] = "fatal"
    del document["runs"][0]["tool"]["driver"]["name"]
    errors = schema_errors(document)
    assert any("fatal" in e for e in errors) and any("'name'" in e for e in errors)


# -- GitHub's line hash -------------------------------------------------------------

# Vectors from github/codeql-action's tests of its fingerprinting code.
LINE_HASH_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    *(
        (
            text,
            [
                "e9496ae3ebfced30:1",
                "fb7c023a8b9ccb3f:1",
                "ce8ba1a563dcdaca:1",
                "e20e36e16fcb0cc8:1",
                "b3edc88f2938467e:1",
                "c8e28b0b4002a3a0:1",
                "c129715d7a2bc9a3:1",
            ],
        )
        for text in (
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        )
    ),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            *(f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)),
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), LINE_HASH_VECTORS)
def test_line_hash_matches_github(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert [hashes[n] for n in range(1, len(expected) + 1)] == expected
    assert len(hashes) == len(expected)


def test_line_hash_counts_utf16_code_units() -> None:
    # Outside the BMP a character is two UTF-16 units, as in JavaScript.
    assert line_hashes("😀\n") != line_hashes("\U0001f600x\n")
    assert line_hashes("😀") == line_hashes(
        "\ud83d\ude00".encode("utf-16", "surrogatepass").decode("utf-16")
    )


# -- the rule descriptors -----------------------------------------------------------


def test_every_rule_is_described_once_with_github_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    document = sarif_for(FIXTURES / "demo", monkeypatch)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]
    for descriptor, rule in zip(rules, all_rules()):
        props = descriptor["properties"]
        tags = props["tags"]
        text = descriptor["help"]["text"] + descriptor["fullDescription"]["text"]
        assert not re.search(r"\{[a-z_]+\}|\$[A-Z][A-Z0-9_]*\b", text), (
            f"{rule.id}: rule text reads like an unformatted template to SARIF viewers; "
            "reword the docstring's prose (examples are fine)"
        )
        assert descriptor["helpUri"].endswith(f"/docs/rules/{rule.id}.md")
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value
        if rule.family is Family.NOTICE:
            assert not FAMILY_TAGS & set(tags)
            continue
        assert [t for t in tags if t in FAMILY_TAGS] == [rule.family.value]
        assert "privacy" in tags and "security" in tags
        if rule.cwe:
            assert f"external/cwe/cwe-{rule.cwe}" in tags
        assert float(props["security-severity"]) > 0
        assert props["precision"] == rule.precision
        if rule.INVALID:
            assert "```python" in descriptor["help"]["markdown"]
            assert rule.INVALID[0].strip().splitlines()[0] in descriptor["help"]["markdown"]


def test_long_descriptions_are_cut_where_github_cuts_them() -> None:
    sentences = " ".join(f"Sentence number {n} explains one more thing." for n in range(60))
    short = sarif._shortened(sentences)
    assert len(short) <= 1024 and short.endswith("thing.")
    assert sentences.startswith(short)
    words = "word " * 400
    cut = sarif._shortened(words)
    assert len(cut) <= 1024 and cut.endswith("word…")
    assert sarif._shortened("short.") == "short."


def test_security_severity_rises_with_severity() -> None:
    scores = {
        level: float(sarif._SECURITY_SEVERITY[level])
        for level in (Severity.NOTE, Severity.WARNING, Severity.ERROR)
    }
    assert scores[Severity.NOTE] < 4.0 <= scores[Severity.WARNING] < 7.0 <= scores[Severity.ERROR]


# -- run-level options ----------------------------------------------------------------


def test_category_is_absent_by_default_and_set_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = sarif_for(FIXTURES / "demo", monkeypatch)
    assert "automationDetails" not in plain["runs"][0]
    named = sarif_for(FIXTURES / "demo", monkeypatch, "--sarif-category", "privalint/backend")
    assert named["runs"][0]["automationDetails"] == {"id": "privalint/backend/"}
    assert schema_errors(named) == []


def test_srcroot_is_declared_and_can_be_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = FIXTURES / "demo"
    with_root = sarif_for(demo, monkeypatch)
    assert with_root["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == demo.as_uri() + "/"
    without = sarif_for(demo, monkeypatch, "--sarif-no-absolute-root")
    assert "uri" not in without["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    assert str(demo) not in json.dumps(without)
    assert upload_problems(without, demo) == []


def test_uris_are_percent_encoded(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_project / "my app"
    folder.mkdir()
    (folder / "café.py").write_text("import requests\nrequests.get('https://x', verify=False)\n")
    document = sarif_for(tmp_project, monkeypatch)
    [result] = document["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "my%20app/caf%C3%A9.py"
    )
    assert upload_problems(document, tmp_project) == []


def test_suppressed_results_are_left_out_or_all_carry_suppressions(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_project / "app.py").write_text(
        "import requests\n"
        "requests.get('https://a', verify=False)\n"
        "requests.get('https://b', verify=False)  # privalint: ignore[PV501]\n"
    )
    default = sarif_for(tmp_project, monkeypatch)
    assert [
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in default["runs"][0]["results"]
    ] == [2]
    assert "suppressions" not in default["runs"][0]["results"][0]
    shown = sarif_for(tmp_project, monkeypatch, "--show-suppressed")
    results = shown["runs"][0]["results"]
    assert [r["suppressions"] for r in results] == [[], [{"kind": "inSource"}]]
    assert schema_errors(shown) == []


def test_fingerprints_stay_when_lines_are_added_above(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"
    (tmp_project / "app.py").write_text(code)
    before = sarif_for(tmp_project, monkeypatch)["runs"][0]["results"][0]
    (tmp_project / "app.py").write_text("import os\nimport sys\n" + code)
    after = sarif_for(tmp_project, monkeypatch)["runs"][0]["results"][0]
    region = "locations", 0, "physicalLocation", "region", "startLine"
    assert _get(after, region) == _get(before, region) + 2
    assert after["partialFingerprints"] == before["partialFingerprints"]


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


# -- the 25,000-result limit ------------------------------------------------------------


def _report(findings: list[Finding]) -> Report:
    return Report(findings=findings, rules=all_rules(), srcroot=Path("."))


def _finding(line: int, severity: Severity) -> Finding:
    return Finding(
        "PV501", "app.py", "m", severity, Span(line, 1, line, 2), (line, line), (), f"f{line}"
    )


def test_truncation_keeps_the_most_severe_results_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    findings = [
        _finding(1, Severity.NOTE),
        _finding(2, Severity.ERROR),
        _finding(3, Severity.WARNING),
        _finding(4, Severity.ERROR),
    ]
    document = json.loads(render(_report(findings), "sarif"))
    run = document["runs"][0]
    assert [r["partialFingerprints"]["privalint/v1"] for r in run["results"]] == ["f2", "f4"]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and "only the 2 most severe" in note["message"]["text"]
    assert schema_errors(document) == []


def test_truncation_is_announced_on_the_command_line(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 1)
    (tmp_project / "app.py").write_text(
        "import requests\nrequests.get('a', verify=False)\nrequests.get('b', verify=False)\n"
    )
    monkeypatch.chdir(tmp_project)
    result = invoke(["check", "--no-cache", "--format", "sarif", "-o", "out.sarif"])
    assert result.exit_code == 1
    assert "2 results; the SARIF file keeps the 1 most severe" in result.stderr
    assert len(json.loads((tmp_project / "out.sarif").read_text())["runs"][0]["results"]) == 1


# -- golden file ------------------------------------------------------------------------


def _stable(document: dict[str, Any]) -> dict[str, Any]:
    """The document without what changes with every release or rule edit: the
    version, and the descriptors (text included) of rules that did not fire."""
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    driver["version"] = driver["semanticVersion"] = "<version>"
    fired = {r["ruleId"] for r in run["results"]}
    for result in run["results"]:
        assert driver["rules"][result.pop("ruleIndex")]["id"] == result["ruleId"]
    driver["rules"] = [
        {k: v for k, v in r.items() if k not in ("fullDescription", "help")}
        for r in driver["rules"]
        if r["id"] in fired
    ]
    return document


def golden_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "project", project)
    return project


def compare_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{name} missing: run with PRIVALINT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), (
        f"output differs from tests/golden/{name}; if the change is intended, "
        "regenerate with PRIVALINT_UPDATE_GOLDEN=1 and review the diff"
    )


def test_sarif_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = golden_project(tmp_path)
    document = sarif_for(project, monkeypatch, "--sarif-no-absolute-root")
    assert schema_errors(document) == []
    assert upload_problems(document, project) == []
    compare_golden(
        "project.sarif", json.dumps(_stable(document), indent=2, ensure_ascii=False) + "\n"
    )


def test_run_check_gives_sarif_the_same_fingerprints_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = golden_project(tmp_path)
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    as_sarif = json.loads(render(outcome.report, "sarif"))["runs"][0]["results"]
    as_json = json.loads(render(outcome.report, "json"))["findings"]
    assert [r["partialFingerprints"]["privalint/v1"] for r in as_sarif] == [
        f["fingerprint"] for f in as_json
    ]
