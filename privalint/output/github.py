"""GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=PV501::message``."""

from __future__ import annotations

from privalint.model import Severity
from privalint.output import Report
from privalint.output.sources import safe

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    # Other control characters would reach the log viewer raw (it renders ANSI colours).
    return safe(escaped)


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for finding in report.findings:
        if finding.suppressed:
            continue
        rule = report.rule(finding.rule_id)
        title = f"{finding.rule_id} {rule.name}" if rule else finding.rule_id
        props = ",".join(
            [
                f"file={_escape_property(finding.path)}",
                f"line={finding.span.start_line}",
                f"col={finding.span.start_col}",
                f"endLine={finding.span.end_line}",
                f"endColumn={finding.span.end_col}",
                f"title={_escape_property(title)}",
            ]
        )
        lines.append(f"::{_COMMAND[finding.severity]} {props}::{_escape_data(finding.message)}")
    for note in report.notifications:
        where = f" file={_escape_property(note.path)}" if note.path else ""
        lines.append(f"::warning{where}::{_escape_data(note.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
