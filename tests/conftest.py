"""Shared helpers for the test suite."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path
from typing import Optional

import pytest

from privalint.catalog import bundled
from privalint.engine import Checker, Settings
from privalint.model import FileResult
from privalint.registry import all_rules

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

_EXPECT = re.compile(r"#\s*expect(?P<offset>\+\d+)?:\s*(?P<ids>PV\d{3}(?:\s*,\s*PV\d{3})*)")


def checker(rule_ids: Optional[tuple[str, ...]] = None, prefilter: bool = True) -> Checker:
    rules = all_rules()
    ids = rule_ids or tuple(r.id for r in rules)
    return Checker(Settings(rule_ids=ids, catalog=bundled(), prefilter=prefilter), rules)


def check_code(
    code: str, rule_ids: Optional[tuple[str, ...]] = None, path: str = "example.py"
) -> FileResult:
    """Check a snippet (dedented) with the given rules (default: all file rules)."""
    return checker(rule_ids).check(path, textwrap.dedent(code).encode())


def ids_by_line(result: FileResult) -> Counter[tuple[int, str]]:
    return Counter((f.span.start_line, f.rule_id) for f in result.findings if not f.suppressed)


def expectations(text: str) -> Counter[tuple[int, str]]:
    """``# expect: PV101`` marks its own line; ``# expect+1: PV101`` the next one."""
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _EXPECT.finditer(line):
            offset = int(match.group("offset") or 0)
            for rule_id in re.split(r"\s*,\s*", match.group("ids")):
                expected[(number + offset, rule_id)] += 1
    return expected


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (paths relative to ``root``, folders made as needed); ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def tmp_project(tmp_path: Path) -> Path:
    """An empty project folder with its own config, so no outer config leaks in."""
    (tmp_path / "privalint.toml").write_text("")
    return tmp_path
