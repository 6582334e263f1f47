"""SARIF 2.1.0 for GitHub code scanning, GitLab, reviewdog and SARIF viewers.

One run; every rule in ``tool.driver.rules`` (not only those that fired) with its
documentation, level, precision, numeric ``security-severity`` and exactly one family
tag; results with ``ruleIndex``, a ``%SRCROOT%``-relative location and both our own
stable fingerprint and GitHub's ``primaryLocationLineHash``.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from privalint import __version__, docs
from privalint.model import Family, Finding, Severity
from privalint.output import Report
from privalint.output.linehash import line_hashes
from privalint.output.sources import json_text, read_text
from privalint.rule import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
# GitHub shows at most this many characters of a rule's descriptions.
MAX_DESCRIPTION = 1024
_SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.3", Severity.NOTE: "3.1"}


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    tags = [rule.family.value, "privacy"] if rule.family is not Family.NOTICE else ["privalint"]
    properties: dict[str, Any] = {"tags": tags, "precision": rule.precision}
    if rule.family is not Family.NOTICE:
        tags.append("security")
        if rule.cwe:
            tags.append(f"external/cwe/cwe-{rule.cwe}")
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
        properties["problem.severity"] = rule.severity.value
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": _shortened(rule.title)},
        "fullDescription": {"text": _shortened(docs.full_description(rule) or rule.title)},
        "help": {"text": _help_text(rule), "markdown": docs.markdown(rule)},
        "helpUri": docs.help_uri(rule),
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": properties,
    }


def _shortened(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """``text`` cut to GitHub's display limit, at a sentence or word boundary (the
    whole text is in the rule's help)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    sentence = cut.rfind(". ")
    if sentence >= limit // 2:
        return cut[: sentence + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"


def _help_text(rule: type[Rule]) -> str:
    """Plain-text help for viewers without markdown: the prose, and where the examples
    are (code examples in plain text read like unformatted templates)."""
    parts = [f"{rule.id} {rule.name}: {rule.title}."]
    for heading in ("What it does", "Why is this bad?", "How to fix"):
        text = docs.section(rule, heading)
        if text:
            parts.append(f"{heading}\n{text}")
    parts.append(f"Examples and details: {docs.help_uri(rule)}")
    return "\n\n".join(parts)


def _most_severe(findings: list[Finding], limit: int) -> list[Finding]:
    """The ``limit`` most severe findings, in their original order."""
    ranked = sorted(range(len(findings)), key=lambda i: -findings[i].severity.rank)
    keep = sorted(ranked[:limit])
    return [findings[i] for i in keep]


def _uri(path: str) -> str:
    return urllib.parse.quote(path, safe="/")


def render(report: Report) -> str:
    rules = list(report.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    findings = [f for f in report.findings if report.show_suppressed or not f.suppressed]
    any_suppressed = any(f.suppressed for f in findings)
    notifications: list[dict[str, Any]] = []
    if len(findings) > MAX_RESULTS:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(findings)} results; only the {MAX_RESULTS:,} most severe are "
                    "included (GitHub code scanning rejects more per run)"
                },
            }
        )
        findings = _most_severe(findings, MAX_RESULTS)
    hashes: dict[str, dict[int, str]] = {}
    results = []
    for finding in findings:
        if finding.path not in hashes:
            source = report.sources.get(finding.path) or Path(report.srcroot) / finding.path
            hashes[finding.path] = line_hashes(read_text(source))
        fingerprints = {"privalint/v1": finding.fingerprint}
        line_hash = hashes[finding.path].get(finding.span.start_line)
        if line_hash:
            fingerprints["primaryLocationLineHash"] = line_hash
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "level": finding.severity.value,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": finding.span.start_line,
                            "startColumn": finding.span.start_col,
                            "endLine": finding.span.end_line,
                            "endColumn": max(finding.span.end_col, finding.span.start_col)
                            if finding.span.end_line == finding.span.start_line
                            else finding.span.end_col,
                        },
                    }
                }
            ],
            "partialFingerprints": fingerprints,
        }
        if finding.rule_id in index:
            result["ruleIndex"] = index[finding.rule_id]
        if finding.categories:
            result["properties"] = {"categories": list(finding.categories)}
        if any_suppressed:
            result["suppressions"] = [{"kind": "inSource"}] if finding.suppressed else []
        results.append(result)
    for note in report.notifications:
        entry: dict[str, Any] = {
            "level": note.level if note.level in ("error", "warning", "note") else "warning",
            "message": {"text": note.message},
        }
        if note.path:
            entry["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(note.path), "uriBaseId": "%SRCROOT%"}
                    }
                }
            ]
        notifications.append(entry)
    root: dict[str, Any] = {"description": {"text": "The folder privalint was run from"}}
    if report.include_absolute_root:
        root["uri"] = Path(report.srcroot).resolve().as_uri().rstrip("/") + "/"
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "privalint",
                "organization": "privalint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": docs.HOMEPAGE,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": root},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if report.sarif_category:
        run["automationDetails"] = {"id": report.sarif_category.rstrip("/") + "/"}
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json_text(document)
