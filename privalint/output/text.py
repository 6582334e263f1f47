"""Terminal output: ``path:line:col: PV501 message``, a code frame and a summary.

Source text and file names are shown through :func:`sources.safe` and rich ``Text``
objects (never markup strings), so a scanned file cannot inject markup or escape
sequences into the terminal. Colour only when asked for (a TTY without ``NO_COLOR``).
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Optional

from rich.console import Console
from rich.text import Text

from privalint.model import Finding, Severity
from privalint.output import Report
from privalint.output.sources import read_text, safe, source_lines

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


# Longest stretch of a source line shown in a code frame (minified or generated code
# can have lines of megabytes).
FRAME_WIDTH = 160
_CONTEXT = 40


def _clip(source: str, start: int, width: int) -> tuple[str, int, int]:
    """A window of a long line around the marked columns: ``(text, start, width)``."""
    if len(source) <= FRAME_WIDTH:
        return source, start, width
    width = min(width, FRAME_WIDTH - _CONTEXT)
    left = max(0, min(start - _CONTEXT, len(source) - FRAME_WIDTH))
    right = min(len(source), left + FRAME_WIDTH)
    text, start = source[left:right], start - left
    if left > 0:
        text, start = "…" + text, start + 1
    if right < len(source):
        text += "…"
    return text, start, width


def _frame(lines: list[str], finding: Finding) -> list[Text]:
    line_no = finding.span.start_line
    if not 1 <= line_no <= len(lines):
        return []
    source = lines[line_no - 1]
    gutter = len(str(line_no))
    start = max(finding.span.start_col - 1, 0)
    if finding.span.end_line == finding.span.start_line:
        width = max(finding.span.end_col - finding.span.start_col, 1)
    else:
        width = max(len(source) - start, 1)
    source, start, width = _clip(source, start, width)
    prefix = safe(source[:start])
    marked = safe(source[start : start + width])
    out = [
        Text(" " * gutter + " |", style="blue"),
        Text.assemble((f"{line_no} | ", "blue"), safe(source)),
        Text.assemble(
            (" " * gutter + " | ", "blue"),
            " " * len(prefix),
            ("^" * max(len(marked), 1), "bold red"),
        ),
    ]
    return out


def render(report: Report, color: bool = False, width: Optional[int] = None) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        width=width or 200,
        soft_wrap=True,
    )
    shown = [f for f in report.findings if report.show_suppressed or not f.suppressed]
    cache: dict[str, list[str]] = {}
    for finding in shown:
        rule = report.rule(finding.rule_id)
        header = Text.assemble(
            (safe(finding.path), "bold"),
            f":{finding.span.start_line}:{finding.span.start_col}: ",
            (finding.rule_id, _STYLE.get(finding.severity, "")),
            " ",
            safe(finding.message),
        )
        if finding.suppressed:
            header.append(" (suppressed)", style="dim")
        console.print(header)
        source_path = report.sources.get(finding.path)
        if source_path is not None:
            if finding.path not in cache:
                cache[finding.path] = source_lines(read_text(source_path))
            for line in _frame(cache[finding.path], finding):
                console.print(line)
        if rule is not None and finding.rule_id != "PV000":
            console.print(
                Text(f"  = help: privalint explain {finding.rule_id} ({rule.name})", style="dim")
            )
        console.print()
    for note in report.notifications:
        where = f"{safe(note.path)}: " if note.path else ""
        console.print(
            Text.assemble(("privalint: ", "bold"), f"{note.level}: ", where, safe(note.message))
        )
    if not report.quiet:
        _summary(console, report, shown)
    return buffer.getvalue()


def _summary(console: Console, report: Report, shown: list[Finding]) -> None:
    visible = [f for f in shown if not f.suppressed]
    if report.statistics and visible:
        counts = Counter(f.rule_id for f in visible)
        for rule_id, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            rule = report.rule(rule_id)
            name = rule.name if rule else ""
            console.print(Text(f"{count:>5}  {rule_id}  {name}"))
        console.print()
    files = report.files_checked
    if not visible:
        console.print(
            Text(
                f"No privacy problems found in {files} file{'s' if files != 1 else ''}.",
                style="green",
            )
        )
        return
    by_severity = Counter(f.severity for f in visible)
    parts = [
        f"{by_severity[s]} {s.value}{'s' if by_severity[s] != 1 else ''}"
        for s in Severity
        if by_severity[s]
    ]
    n_files = len({f.path for f in visible})
    total = len(visible)
    # A project finding may sit in a file this run did not check (the manifest, or a
    # file whose cached facts a run on some files joined).
    where = (
        f"{n_files} of {files} file{'s' if files != 1 else ''}"
        if n_files <= files
        else f"{n_files} files ({files} checked)"
    )
    console.print(
        Text(
            f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {where}.",
            style="bold",
        )
    )
    families: Counter[str] = Counter()
    for finding in visible:
        rule = report.rule(finding.rule_id)
        families[rule.family.value if rule else "notice"] += 1
    console.print(Text("  " + " · ".join(f"{fam} {n}" for fam, n in sorted(families.items()))))
