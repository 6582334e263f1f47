"""Fuzzing, bounded so the suite stays fast.

Generated programs (hypothesmith), programs recombined from the fixtures' own
statements, and byte-level mutations of every fixture: no exception escapes, no rule
fails, every output format stays valid, and a whole run gives identical results with
one and several worker processes, with and without the cache.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import hypothesmith
import jsonschema
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privalint.api import CheckOptions, Outcome, run_check
from privalint.model import FileResult
from privalint.output import FORMATS, Report, render
from privalint.registry import all_rules
from tests.conftest import FIXTURES, checker

HERE = Path(__file__).parent
SARIF_SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))
ENGINE = checker(prefilter=False)


def fuzz(examples: int) -> settings:
    """Bounded, repeatable runs (the same examples every time, nothing stored)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


def assert_checked_cleanly(result: FileResult) -> None:
    """No rule failed and the engine did not give up on the file by itself."""
    for finding in result.findings:
        assert finding.rule_id != "PV003", finding.message
        assert "internal error" not in finding.message, finding.message
        span = finding.span
        assert 1 <= span.start_line <= span.end_line and span.start_col >= 1, finding
        assert "\n" not in finding.message


_GITHUB = re.compile(r"::(error|warning|notice)( [^\n]*)?::[^\n]*")


def assert_outputs_valid(result: FileResult, source: Path) -> None:
    report = Report(
        findings=result.findings,
        rules=all_rules(),
        srcroot=source.parent,
        files_checked=1,
        sources={result.path: source},
    )
    for fmt in FORMATS:
        text = render(report, fmt)
        text.encode("utf-8")
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(text)
        elif fmt == "github":
            assert all(_GITHUB.fullmatch(line) for line in text.splitlines()), text


def _check_text(source: str, tmp_path: Path) -> None:
    data = source.encode("utf-8", "surrogatepass")
    result = ENGINE.check("generated.py", data)
    assert_checked_cleanly(result)
    if result.findings:
        path = tmp_path / "generated.py"
        path.write_bytes(data)
        assert_outputs_valid(result, path)


@fuzz(60)
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@given(source=hypothesmith.from_grammar())
def test_programs_from_the_grammar(source: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _check_text(source, tmp_path_factory.mktemp("grammar"))


@fuzz(5)
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@given(source=hypothesmith.from_node())
def test_programs_from_libcst_nodes(source: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _check_text(source, tmp_path_factory.mktemp("node"))


def _statements() -> list[str]:
    """Every simple statement of the fixtures (imports, assignments, calls...)."""
    out: list[str] = []
    for path in FIXTURE_FILES:
        try:
            module = cst.parse_module(path.read_bytes())
        except cst.ParserSyntaxError:
            continue
        for node in module.body:
            if isinstance(node, cst.SimpleStatementLine):
                out.append(module.code_for_node(node).strip())
        for func in module.body:
            if isinstance(func, cst.FunctionDef) and isinstance(func.body, cst.IndentedBlock):
                for node in func.body.body:
                    if isinstance(node, cst.SimpleStatementLine):
                        out.append(module.code_for_node(node).strip())
    return sorted(set(out))


STATEMENTS = _statements()
HEADERS = [
    "def handler(request, user, customer):",
    "async def view(request, *args, **kwargs):",
    "class Service:\n    def run(self, user):",
    "for user in users:",
    "with session() as client:",
    "if settings.DEBUG:",
    "try:",
    "while pending:",
    "lambda_holder = [",
]


@st.composite
def recombined(draw: Any) -> str:
    """Fixture statements shuffled into nested blocks: code the rules know, in shapes
    the fixtures never had."""
    lines: list[str] = []
    indent = 0
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        choice = draw(st.integers(min_value=0, max_value=9))
        if choice < 2 and indent < 5:
            header = draw(st.sampled_from(HEADERS))
            if header.endswith("["):
                lines.append(" " * indent + "x = [")
                lines.append(" " * indent + "    " + draw(st.sampled_from(STATEMENTS)) + ",")
                lines.append(" " * indent + "]")
                continue
            for part in header.split("\n"):
                lines.append(" " * indent + part.strip())
                indent += 4
            if header == "try:":
                lines.append(" " * indent + "pass")
                indent -= 4
                lines.append(" " * indent + "except Exception as error:")
                indent += 4
        elif choice == 2 and indent:
            lines.append(" " * indent + "pass")
            indent = max(0, indent - 4 * draw(st.integers(min_value=1, max_value=2)))
        else:
            statement = draw(st.sampled_from(STATEMENTS))
            lines.extend(" " * indent + part for part in statement.split("\n"))
    lines.append(" " * indent + "pass")
    return "\n".join(lines) + "\n"


@fuzz(80)
@given(source=recombined())
def test_fixture_statements_recombined(
    source: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check_text(source, tmp_path_factory.mktemp("recombined"))


# -- byte-level mutations of every fixture ---------------------------------------------


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit: bytes dropped, inserted, cut or duplicated; lines deleted,
    repeated, swapped or re-indented; a newline style swapped."""
    lines = data.splitlines(keepends=True)
    op = rng.randrange(10)
    if op == 0 and data:
        i = rng.randrange(len(data))
        return data[:i] + data[i + 1 :]
    if op == 1:
        i = rng.randrange(len(data) + 1)
        return data[:i] + bytes([rng.randrange(1, 256)]) + data[i:]
    if op == 2 and data:
        i = rng.randrange(len(data))
        return data[:i] + data[i + rng.randrange(1, 200) :]
    if op == 3 and lines:
        del lines[rng.randrange(len(lines))]
    elif op == 4 and lines:
        lines.insert(rng.randrange(len(lines) + 1), lines[rng.randrange(len(lines))])
    elif op == 5 and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 6 and data:
        i, j = rng.randrange(len(data)), rng.randrange(len(data))
        return data[:i] + data[j : j + rng.randrange(1, 80)] + data[i:]
    elif op == 7 and lines:
        i = rng.randrange(len(lines))
        lines[i] = lines[i].lstrip(b" ") if rng.random() < 0.5 else b"    " + lines[i]
    elif op == 8:
        return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\x0c"]))
    elif op == 9 and data:
        i = rng.randrange(len(data))
        return (
            data[:i]
            + rng.choice([b"\xff", b"\xef\xbb\xbf", b"\\", b"'''", b"(", b"\x1b["])
            + data[i:]
        )
    return b"".join(lines)


MUTATIONS_PER_FIXTURE = 12


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_mutated_fixtures(fixture: Path, tmp_path: Path) -> None:
    rng = random.Random(fixture.name)
    original = fixture.read_bytes()
    for _ in range(MUTATIONS_PER_FIXTURE):
        data = original
        for _ in range(rng.randrange(1, 4)):
            data = mutate(data, rng)
        result = ENGINE.check(fixture.name, data)
        assert_checked_cleanly(result)
    # The last one through every reporter.
    path = tmp_path / fixture.name
    path.write_bytes(data)
    assert_outputs_valid(ENGINE.check(fixture.name, data), path)


# -- whole runs: jobs and cache do not change results ------------------------------------


def _corpus(folder: Path) -> None:
    """Every fixture, two mutants of each, and a few oddities."""
    rng = random.Random(2024)
    for i, fixture in enumerate(FIXTURE_FILES):
        target = folder / fixture.relative_to(FIXTURES)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fixture, target)
        data = fixture.read_bytes()
        for k in range(2):
            data = mutate(data, rng)
            (target.parent / f"mutant_{i}_{k}_{fixture.name}").write_bytes(data)
    for toml in FIXTURES.rglob("*.toml"):
        if toml.name != "privalint.toml":
            target = folder / toml.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(toml, target)
    odd = folder / "odd"
    odd.mkdir()
    (odd / "empty.py").write_bytes(b"")
    (odd / "binary.py").write_bytes(bytes(range(256)))
    (odd / "python2.py").write_bytes(b"import logging\nprint 'x', user.email\n")
    (odd / "deep.py").write_bytes(b"import logging\nlogging.info(" + b"a and " * 2500 + b"x)\n")


def _snapshot(outcome: Outcome) -> list[tuple[Any, ...]]:
    return sorted(
        (
            f.path,
            f.span.start_line,
            f.span.start_col,
            f.span.end_line,
            f.span.end_col,
            f.rule_id,
            f.message,
            f.severity.value,
            f.fingerprint,
            f.suppressed,
            f.categories,
        )
        for f in outcome.report.findings
    )


def _facts(outcome: Outcome) -> list[Any]:
    return sorted(repr(fact) for result in outcome.results for fact in result.facts)


def test_jobs_and_cache_never_change_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "corpus"
    project.mkdir()
    (project / "privalint.toml").write_text("")
    _corpus(project)
    monkeypatch.chdir(project)

    def run(jobs: int, cache: bool) -> Outcome:
        return run_check(CheckOptions(paths=[Path(".")], jobs=jobs, use_cache=cache))

    reference = run(1, False)
    assert len(reference.report.findings) > 100
    expected, expected_facts = _snapshot(reference), _facts(reference)
    outputs = {fmt: render(reference.report, fmt) for fmt in FORMATS}
    validator = jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA)
    assert validator.is_valid(json.loads(outputs["sarif"]))
    for fmt in ("json", "gitlab"):
        json.loads(outputs[fmt])
    # No cache with several workers; a cold cache, then warm ones with 1 and N workers.
    for jobs, cache in ((3, False), (3, True), (1, True), (2, True)):
        outcome = run(jobs, cache)
        assert _snapshot(outcome) == expected, (jobs, cache)
        assert _facts(outcome) == expected_facts, (jobs, cache)
        for fmt in ("sarif", "github", "gitlab"):
            assert render(outcome.report, fmt) == outputs[fmt], (fmt, jobs, cache)
        document = json.loads(render(outcome.report, "json"))
        reference_document = json.loads(outputs["json"])
        assert document["findings"] == reference_document["findings"]
