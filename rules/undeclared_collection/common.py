"""What the undeclared-collection rules share: findings made at the project stage."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from privalint.model import Fact, Finding, Severity, Span
from privalint.project import ProjectContext
from privalint.rule import Rule


def project_finding(
    rule: Rule,
    path: str,
    line: int,
    message: str,
    severity: Severity,
    categories: Sequence[str] = (),
    column: int = 1,
    identity: str = "",
    suppressed: Iterable[str] = (),
) -> Finding:
    """A finding of a project rule. Its fingerprint depends on the rule, the file and
    ``identity`` (what is reported), never on the line."""
    silenced = set(suppressed)
    material = "\x1f".join((rule.id, path, identity or message))
    return Finding(
        rule_id=rule.id,
        path=path,
        message=message,
        severity=severity,
        span=Span(line, column, line, column),
        statement_lines=(line, line),
        categories=tuple(categories),
        fingerprint=hashlib.sha256(material.encode()).hexdigest()[:16],
        suppressed=rule.id in silenced or "*" in silenced,
    )


def numbered(findings: list[Finding]) -> list[Finding]:
    """Give identical findings of one file distinct fingerprints (``base:0``, ``base:1``)."""
    seen: dict[str, int] = {}
    for finding in findings:
        index = seen.get(finding.fingerprint, 0)
        seen[finding.fingerprint] = index + 1
        finding.fingerprint = f"{finding.fingerprint}:{index}"
    return findings


def severity_for(project: ProjectContext, categories: Iterable[str], base: Severity) -> Severity:
    """Special categories and credentials are errors; the rest keep ``base``."""
    if any(project.sensitivity(c) in ("special", "credential") for c in categories):
        return Severity.ERROR
    return base


def sites(facts: Iterable[Fact]) -> list[Fact]:
    """One fact per (file, line, category), in file order."""
    seen: set[tuple[str, int, str]] = set()
    out: list[Fact] = []
    for fact in sorted(facts, key=lambda f: (f.path, f.line, f.column, f.category, f.detail)):
        key = (fact.path, fact.line, fact.category)
        if fact.category and key not in seen:
            seen.add(key)
            out.append(fact)
    return out


def places(facts: Sequence[Fact], limit: int = 3) -> str:
    """``a.py:3, b.py:9 and 4 more places``."""
    shown = [f"{f.path}:{f.line}" for f in facts[:limit]]
    text = ", ".join(shown)
    if len(facts) > limit:
        text += f" and {len(facts) - limit} more"
    return text
