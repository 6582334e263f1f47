"""JSON output, schema version 1 (documented in docs/json-output.md).

Stable keys, sorted findings, and no source text: only the message, the location,
the categories and the fingerprint.
"""

from __future__ import annotations

from typing import Any

from privalint import __version__
from privalint.output import Report
from privalint.output.sources import json_text

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    findings: list[dict[str, Any]] = []
    for finding in report.findings:
        if finding.suppressed and not report.show_suppressed:
            continue
        rule = report.rule(finding.rule_id)
        findings.append(
            {
                "rule": finding.rule_id,
                "name": rule.name if rule else None,
                "family": rule.family.value if rule else "notice",
                "severity": finding.severity.value,
                "message": finding.message,
                "path": finding.path,
                "start_line": finding.span.start_line,
                "start_column": finding.span.start_col,
                "end_line": finding.span.end_line,
                "end_column": finding.span.end_col,
                "categories": list(finding.categories),
                "fingerprint": finding.fingerprint,
                "suppressed": finding.suppressed,
            }
        )
    counts: dict[str, int] = {}
    for item in findings:
        if not item["suppressed"]:
            counts[item["severity"]] = counts.get(item["severity"], 0) + 1
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "privalint", "version": __version__},
        "summary": {
            "files_checked": report.files_checked,
            "files_skipped_by_prefilter": report.files_skipped,
            "findings": sum(counts.values()),
            "by_severity": counts,
        },
        "findings": findings,
        "notifications": [
            {"level": n.level, "message": n.message, "path": n.path} for n in report.notifications
        ],
    }
    return json_text(document)
