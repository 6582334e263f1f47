"""Generated documentation stays in sync with the rule classes.

Run ``PRIVALINT_UPDATE_DOCS=1 python -m pytest tests/test_docs.py`` to regenerate.
"""

from __future__ import annotations

import os
import re

from privalint import docs
from privalint.registry import all_rules
from tests.conftest import REPO

DOCS = REPO / "docs" / "rules"
README = REPO / "README.md"
UPDATE = bool(os.environ.get("PRIVALINT_UPDATE_DOCS"))
_TABLE = re.compile(r"(<!-- rules:start -->\n)(.*?)(<!-- rules:end -->)", re.S)


def _index() -> str:
    lines = ["| id | name | family | severity | what it flags |", "|---|---|---|---|---|"]
    for rule in all_rules():
        lines.append(
            f"| [{rule.id}](docs/rules/{rule.id}.md) | `{rule.name}` | {rule.family.value} | "
            f"{rule.severity.value} | {rule.title} |"
        )
    return "\n".join(lines) + "\n"


def test_rule_pages_are_in_sync() -> None:
    expected = {f"{rule.id}.md": docs.markdown(rule) for rule in all_rules()}
    if UPDATE:
        DOCS.mkdir(parents=True, exist_ok=True)
        for stale in DOCS.glob("PV*.md"):
            if stale.name not in expected:
                stale.unlink()
        for name, text in expected.items():
            (DOCS / name).write_text(text, encoding="utf-8")
    actual = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("PV*.md")}
    assert actual == expected, (
        "docs/rules is out of date: PRIVALINT_UPDATE_DOCS=1 python -m pytest tests/test_docs.py"
    )


def test_readme_rule_table_is_in_sync() -> None:
    text = README.read_text(encoding="utf-8")
    match = _TABLE.search(text)
    assert match, "README.md lacks the <!-- rules:start --> / <!-- rules:end --> markers"
    if UPDATE and match.group(2) != _index():
        text = text[: match.start(2)] + _index() + text[match.end(2) :]
        README.write_text(text, encoding="utf-8")
        match = _TABLE.search(text)
        assert match
    assert match.group(2) == _index(), (
        "README rule table is out of date: PRIVALINT_UPDATE_DOCS=1 python -m pytest tests/test_docs.py"
    )


def test_every_rule_page_has_examples_and_cwe_link() -> None:
    for rule in all_rules():
        page = docs.markdown(rule)
        assert page.startswith(f"# {rule.id} {rule.name}")
        if rule.cwe:
            assert f"CWE-{rule.cwe}" in page
        if rule.INVALID:
            assert "Flagged:" in page and "```python" in page
