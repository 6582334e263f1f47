"""What the undeclared-collection rules share: findings made at the project stage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from privalint.model import Fact, Severity
from privalint.project import ProjectContext, numbered, project_finding

__all__ = ["numbered", "project_finding", "severity_for", "sites"]


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
