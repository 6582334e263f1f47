"""Inline suppressions: ``# privalint: ignore[PV501, PV101]`` and ``# privalint: ignore``.

A suppression comment silences the findings of the statement it sits on (any of its
lines) or of the statement that starts on the next line, when the comment stands on
a line of its own. Comments are found with ``tokenize``, so text inside strings never
counts; files that do not contain ``privalint:`` at all are not tokenized.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Optional

_DIRECTIVE = re.compile(
    r"#\s*privalint\s*:\s*(?:ignore|noqa)\b(?:\s*\[(?P<ids>[^\]]*)\])?", re.IGNORECASE
)
MARKER = b"privalint:"


@dataclass
class Suppression:
    """One suppression comment."""

    line: int
    column: int
    # Rule ids, or None for a blanket suppression.
    ids: Optional[tuple[str, ...]]
    # The comment is alone on its line (it then also covers the next statement).
    own_line: bool
    used: set[str] = field(default_factory=set)


def parse(text: str) -> list[Suppression]:
    """All suppression comments in ``text`` (empty if it cannot be tokenized)."""
    found: list[Suppression] = []
    readline = io.StringIO(text).readline
    previous_end_line = 0
    try:
        for tok in tokenize.generate_tokens(readline):
            if tok.type == tokenize.COMMENT:
                match = _DIRECTIVE.search(tok.string)
                if match:
                    ids_text = match.group("ids")
                    ids = None
                    if ids_text is not None:
                        ids = tuple(
                            sorted(
                                {
                                    part.strip().upper()
                                    for part in ids_text.split(",")
                                    if part.strip()
                                }
                            )
                        )
                    own_line = previous_end_line < tok.start[0]
                    found.append(Suppression(tok.start[0], tok.start[1] + 1, ids, own_line))
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                previous_end_line = tok.end[0]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def covering(suppressions: list[Suppression], first_line: int, last_line: int) -> list[Suppression]:
    """The suppressions that apply to a statement spanning ``first_line..last_line``."""
    return [
        s
        for s in suppressions
        if first_line <= s.line <= last_line or (s.own_line and s.line == first_line - 1)
    ]
