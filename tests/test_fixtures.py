"""Every fixture file runs through the whole registry; the exact multiset of
(line, rule id) must match its inline ``# expect:`` markers. Unmarked lines must stay
silent, so each fixture guards precision as well as recall."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from privalint.api import CheckOptions, run_check
from tests.conftest import FIXTURES, checker, expectations, ids_by_line

SINGLE_FILE_FIXTURES = sorted(
    p for p in FIXTURES.glob("*/*.py") if p.parent.name not in ("demo", "projects")
)
PROJECT_FIXTURES = sorted(p for p in (FIXTURES / "projects").glob("*") if p.is_dir())


def _describe(counter: object) -> str:
    return ", ".join(
        f"L{line} {rule}" + (f" x{n}" if n > 1 else "")
        for (line, rule), n in sorted(counter.items())
    )  # type: ignore[attr-defined]


@pytest.mark.parametrize("fixture", SINGLE_FILE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(fixture: Path) -> None:
    text = fixture.read_text(encoding="utf-8")
    result = checker().check(fixture.name, text.encode())
    found = ids_by_line(result)
    expected = expectations(text)
    missing = expected - found
    extra = found - expected
    messages = {(f.span.start_line, f.rule_id): f.message for f in result.findings}
    detail = "\n".join(
        f"  L{line} {rule}: {messages.get((line, rule), '')}" for (line, rule) in sorted(extra)
    )
    assert not missing and not extra, (
        f"{fixture.relative_to(FIXTURES)}\n missing: {_describe(missing)}\n unexpected: {_describe(extra)}\n{detail}"
    )


@pytest.mark.parametrize("project", PROJECT_FIXTURES, ids=lambda p: p.name)
def test_project_fixture(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Multi-file fixtures (with a manifest) run as a whole project."""
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    found = {}
    for finding in outcome.report.findings:
        if finding.suppressed:
            continue
        key = (finding.path, finding.span.start_line, finding.rule_id)
        found[key] = found.get(key, 0) + 1
    expected = {}
    for path in sorted(project.rglob("*")):
        if path.suffix not in (".py", ".toml") or not path.is_file():
            continue
        relative = os.path.relpath(path, project).replace(os.sep, "/")
        for (line, rule), n in expectations(path.read_text(encoding="utf-8")).items():
            expected[(relative, line, rule)] = n
    assert found == expected, (
        f"missing: {sorted(set(expected) - set(found))}\nunexpected: {sorted(set(found) - set(expected))}"
    )


def test_every_rule_has_a_fixture() -> None:
    from privalint.model import Family
    from privalint.registry import all_rules

    marked: set[str] = set()
    for fixture in [
        *SINGLE_FILE_FIXTURES,
        *(p for d in PROJECT_FIXTURES for p in d.rglob("*") if p.is_file()),
    ]:
        marked |= {rule for (_, rule) in expectations(fixture.read_text(encoding="utf-8"))}
    missing = [r.id for r in all_rules() if r.family is not Family.NOTICE and r.id not in marked]
    assert not missing, f"rules without a firing fixture case: {missing}"


def test_fixture_files_are_named_after_rules() -> None:
    from privalint.registry import all_rules

    names = {r.name for r in all_rules()}
    families = {r.family.value for r in all_rules()}
    for fixture in SINGLE_FILE_FIXTURES:
        assert fixture.parent.name in families, f"{fixture}: folder is not a family"
        assert fixture.stem in names, f"{fixture}: file is not named after a rule"
