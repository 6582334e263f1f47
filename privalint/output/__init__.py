"""Reporters: text (rich), json, sarif, github, gitlab.

Every reporter receives the same :class:`Report` and returns the text to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from privalint.model import Finding
from privalint.rule import Rule


@dataclass
class Notification:
    """A problem of the run itself, not of the code (a path that does not exist)."""

    message: str
    path: Optional[str] = None
    level: str = "warning"


@dataclass
class Report:
    """What a run found, ready to render."""

    findings: list[Finding]
    rules: Sequence[type[Rule]]
    srcroot: Path
    files_checked: int = 0
    files_skipped: int = 0
    cache_hits: int = 0
    notifications: list[Notification] = field(default_factory=list)
    # Absolute path of each displayed path, to read source lines back.
    sources: dict[str, Path] = field(default_factory=dict)
    show_suppressed: bool = False
    include_absolute_root: bool = True
    sarif_category: Optional[str] = None
    statistics: bool = False
    quiet: bool = False

    def rule(self, rule_id: str) -> Optional[type[Rule]]:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None


FORMATS = ("text", "json", "sarif", "github", "gitlab")


def render(report: Report, fmt: str, color: bool = False, width: Optional[int] = None) -> str:
    """Render ``report`` in ``fmt``."""
    if fmt == "json":
        from privalint.output import json

        return json.render(report)
    if fmt == "sarif":
        from privalint.output import sarif

        return sarif.render(report)
    if fmt == "github":
        from privalint.output import github

        return github.render(report)
    if fmt == "gitlab":
        from privalint.output import gitlab

        return gitlab.render(report)
    from privalint.output import text

    return text.render(report, color=color, width=width)
