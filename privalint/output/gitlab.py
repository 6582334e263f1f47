"""GitLab Code Quality report: what the merge-request widget and diff view read.

A JSON array of Code Climate issues. GitLab requires ``description``, ``check_name``,
``fingerprint``, ``severity`` (info, minor, major, critical, blocker),
``location.path`` (relative to the repository root, without ``./``) and
``location.lines.begin``. It compares fingerprints between the target branch and the
merge request to tell new findings from fixed ones, so they must be unique in a
report and stable across runs: privalint's fingerprints are both.
"""

from __future__ import annotations

import hashlib
from typing import Any

from privalint.model import Severity
from privalint.output import Report
from privalint.output.sources import json_text

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.NOTE: "minor"}


def render(report: Report) -> str:
    issues: list[dict[str, Any]] = []
    for finding in report.findings:
        if finding.suppressed:
            continue
        rule = report.rule(finding.rule_id)
        issues.append(
            {
                "type": "issue",
                "check_name": f"{finding.rule_id} {rule.name}" if rule else finding.rule_id,
                "description": f"{finding.rule_id}: {finding.message}",
                "categories": ["Security"],
                "severity": _SEVERITY[finding.severity],
                "fingerprint": finding.fingerprint,
                "location": {
                    "path": finding.path,
                    "lines": {"begin": finding.span.start_line, "end": finding.span.end_line},
                },
            }
        )
    # Problems of the run itself (an unreadable folder) must show in the widget too.
    for note in report.notifications:
        where = note.path or "."
        issues.append(
            {
                "type": "issue",
                "check_name": "privalint",
                "description": note.message,
                "categories": ["Bug Risk"],
                "severity": "major" if note.level in ("error", "warning") else "info",
                "fingerprint": hashlib.sha256(f"{where}\x1f{note.message}".encode()).hexdigest(),
                "location": {"path": where, "lines": {"begin": 1, "end": 1}},
            }
        )
    return json_text(issues)
