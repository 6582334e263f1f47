"""Plain data shared by the engine, the runner and the reporters.

Everything here is picklable and free of libcst objects: per-file results cross
process boundaries and live in the cache.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional


class Family(str, enum.Enum):
    """The rule families; the value is the public tag used in SARIF and JSON."""

    NOTICE = "notice"
    PII_IN_LOGS = "pii-in-logs"
    PII_EXPOSURE = "pii-exposure"
    UNENCRYPTED_STORAGE = "unencrypted-storage"
    UNDECLARED_COLLECTION = "undeclared-collection"
    WEAK_TLS = "weak-tls"
    WEAK_VOIP = "weak-voip"

    @property
    def digit(self) -> str:
        """The digit that every rule id of this family carries after ``PV``."""
        return str(list(Family).index(self))


class Severity(str, enum.Enum):
    """Severity of a finding; the value is the SARIF ``level``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"note": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Span:
    """A 1-based line and column range (columns count code points, end exclusive)."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int


@dataclass
class Finding:
    """One reported problem in one file."""

    rule_id: str
    path: str
    message: str
    severity: Severity
    span: Span
    # Lines of the whole statement that holds the flagged node (suppressions and
    # diff mode look at all of them).
    statement_lines: tuple[int, int]
    categories: tuple[str, ...] = ()
    fingerprint: str = ""
    suppressed: bool = False


@dataclass(frozen=True)
class Fact:
    """What a file says about personal data, independent of any verdict.

    ``kind`` is one of ``collected``, ``stored``, ``logged``, ``sent`` (rules may
    record other kinds that only the project stage reads, see ``privalint.project``).
    ``detail`` names the place ("request.form", "Customer.phone", "Mixpanel").
    ``suppressed`` lists the rule ids that inline suppressions on the fact's
    statement name (``*`` for a blanket suppression): a project rule that reports
    at the fact honours them.
    """

    kind: str
    category: str
    path: str
    line: int
    detail: str
    encrypted: Optional[bool] = None
    column: int = 1
    suppressed: tuple[str, ...] = ()


@dataclass
class FileResult:
    """The outcome of checking one file: findings, facts and bookkeeping."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    parsed: bool = False
    skipped_by_prefilter: bool = False
    # Not checked yet: the file may only matter joined with other files' facts.
    deferred: bool = False
    from_cache: bool = False
