"""GitLab Code Quality report (what the merge-request widget reads)."""

from __future__ import annotations

import json

from privalint.model import Severity
from privalint.output import Report

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.NOTE: "info"}


def render(report: Report) -> str:
    issues = []
    for finding in report.findings:
        if finding.suppressed:
            continue
        rule = report.rule(finding.rule_id)
        issues.append(
            {
                "type": "issue",
                "check_name": f"{finding.rule_id} {rule.name}" if rule else finding.rule_id,
                "description": finding.message,
                "categories": ["Security"],
                "severity": _SEVERITY[finding.severity],
                "fingerprint": f"{finding.rule_id}:{finding.path}:{finding.fingerprint}",
                "location": {
                    "path": finding.path,
                    "lines": {"begin": finding.span.start_line, "end": finding.span.end_line},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
