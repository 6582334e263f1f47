"""Fingerprints that survive moved code, and baselines built from them.

A finding's identity is its rule, its file (relative to the project's root), the
normalised text of the flagged statement and node, the functions and classes around
it, and an occurrence index that tells identical findings of one file apart. Line
numbers never enter it, so adding or moving code above a finding keeps its
fingerprint, and a full scan and a ``--diff`` scan give the same one.

The engine computes the part that only depends on the file's content (``base:index``,
cacheable with the file); :func:`assign` adds the rule and the project-relative path
once a run is complete.

A baseline file lists fingerprints of accepted findings (never code or personal
data); ``privalint check --baseline FILE`` reports only findings that are not in it
and names the entries that no longer match anything, so the file can shrink.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from privalint.model import Finding

FORMAT_VERSION = 1
DEFAULT_FILE = ".privalint-baseline.json"

_PREFIX_CHARS = frozenset("rRbBuUfFtT")
_CLOSING = frozenset(")]}")


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a privalint baseline."""


def digest(*parts: str) -> str:
    """16 hex digits of SHA-256 over ``parts``."""
    material = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(material).hexdigest()[:16]


def normalise_code(code: str) -> str:
    """``code`` without comments, whitespace, line continuations and trailing commas,
    with string prefixes lower-cased and quotes unified.

    What a code formatter changes (indentation, line breaks, quote style, magic
    trailing commas) or a reviewer adds (comments) does not change the result. It is
    a plain scan rather than ``tokenize`` so that every Python version gives the same
    text (3.12 tokenizes f-strings differently).
    """
    out: list[str] = []
    i = 0
    n = len(code)
    while i < n:
        ch = code[i]
        if ch == "#":
            end = code.find("\n", i)
            i = n if end < 0 else end
        elif ch in " \t\r\n\f\\":
            i += 1
        elif ch == "'" or ch == '"':
            # A string prefix (``rb``, ``F``) was copied just before the quote.
            start = i
            while start > 0 and code[start - 1] in _PREFIX_CHARS and i - start < 2:
                start -= 1
            size = i - start
            if size and (start == 0 or not (code[start - 1].isalnum() or code[start - 1] == "_")):
                out[-size:] = [c.lower() for c in out[-size:]]
            triple = code.startswith(ch * 3, i)
            quote = ch * 3 if triple else ch
            j = i + len(quote)
            while j < n:
                c = code[j]
                if c == "\\":
                    j += 2
                    continue
                if code.startswith(quote, j):
                    break
                if c == "\n" and not triple:
                    break
                j += 1
            body = code[i + len(quote) : j]
            out.append('"""' if triple else '"')
            out.append(body)
            out.append('"""' if triple else '"')
            i = j + len(quote)
        else:
            if ch in _CLOSING:
                k = len(out) - 1
                if k >= 0 and out[k] == ",":
                    out.pop()
            out.append(ch)
            i += 1
    return "".join(out)


# -- the project-level part of a fingerprint --------------------------------------------


def project_root(start: Path) -> Path:
    """The folder fingerprint paths are relative to: the enclosing git work tree if
    there is one (stable whichever folder privalint is run from), else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def relative_to_root(absolute: Path, root: Path) -> Optional[str]:
    try:
        return absolute.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None


_DIGITS = re.compile(r"\d+")


def assign(
    findings: Sequence[Finding],
    root: Path,
    locate: Mapping[str, Path],
    read_line: Any = None,
) -> dict[str, str]:
    """Replace each finding's content fingerprint by its full fingerprint.

    ``locate`` maps a finding's displayed path to the file on disk; paths it does not
    know are taken as they are. Findings without a content fingerprint (notices about
    unreadable files, project-level findings) are identified by their message with
    numbers masked and the text of their line. Returns the root-relative path of
    each displayed path.
    """
    paths: dict[str, str] = {}
    occurrences: Counter[tuple[str, str, str]] = Counter()
    lines: dict[str, list[str]] = {}
    for finding in findings:
        shown = finding.path
        if shown not in paths:
            absolute = locate.get(shown)
            paths[shown] = (
                relative_to_root(absolute, root) if absolute is not None else None
            ) or shown
        relative = paths[shown]
        local = finding.fingerprint
        if not local:
            if shown not in lines:
                absolute = locate.get(shown)
                lines[shown] = _read_lines(absolute) if absolute is not None else []
            source = lines[shown]
            line = finding.span.start_line
            text = normalise_code(source[line - 1]) if 0 < line <= len(source) else ""
            base = digest(_DIGITS.sub("#", finding.message), text)
            key = (finding.rule_id, relative, base)
            local = f"{base}:{occurrences[key]}"
            occurrences[key] += 1
        finding.fingerprint = digest(finding.rule_id, relative, local)
    return paths


def _read_lines(path: Path) -> list[str]:
    from privalint.output.sources import read_text, source_lines

    return source_lines(read_text(path))


# -- baseline files ----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Entry:
    """One accepted finding: where and what, by fingerprint only."""

    path: str
    rule: str
    fingerprint: str


@dataclass
class Comparison:
    """Findings measured against a baseline."""

    new: list[Finding]
    matched: int
    # Entries that match no finding any more (fixed or changed): the file can shrink.
    stale: list[Entry]


class Baseline:
    """A set of accepted findings, read from or written to a JSON file."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = sorted(entries)

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], paths: Mapping[str, str]) -> Baseline:
        return cls(
            Entry(paths.get(f.path, f.path), f.rule_id, f.fingerprint)
            for f in findings
            if not f.suppressed
        )

    def dumps(self) -> str:
        from privalint import __version__

        document = {
            "privalint_baseline": FORMAT_VERSION,
            "generated_by": f"privalint {__version__}",
            "findings": [
                {"path": e.path, "rule": e.rule, "fingerprint": e.fingerprint} for e in self.entries
            ],
        }
        from privalint.output.sources import json_text

        return json_text(document)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BaselineError(
                f"{path}: baseline file not found (create it with `privalint baseline -o {path}`)"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise BaselineError(f"{path}: cannot read baseline: {reason or error}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise BaselineError(
                f"{path}:{error.lineno}: baseline is not valid JSON: {error.msg}"
            ) from None
        if not isinstance(data, dict) or "privalint_baseline" not in data:
            raise BaselineError(
                f"{path}: not a privalint baseline (expected a JSON object with "
                "`privalint_baseline` and `findings`; create one with `privalint baseline`)"
            )
        version = data["privalint_baseline"]
        if version != FORMAT_VERSION:
            raise BaselineError(
                f"{path}: baseline format {version!r} is not supported (this privalint reads "
                f"format {FORMAT_VERSION}); recreate it with `privalint baseline`"
            )
        items = data.get("findings")
        if not isinstance(items, list):
            raise BaselineError(f"{path}: `findings` must be a list")
        entries = []
        for number, item in enumerate(items):
            if not (
                isinstance(item, dict)
                and all(isinstance(item.get(key), str) for key in ("path", "rule", "fingerprint"))
            ):
                raise BaselineError(
                    f"{path}: findings[{number}] must be an object with string `path`, `rule` "
                    "and `fingerprint`"
                )
            entries.append(Entry(item["path"], item["rule"], item["fingerprint"]))
        return cls(entries)

    def compare(
        self,
        findings: Sequence[Finding],
        checked: Iterable[str],
        root: Path,
        rules: Optional[Iterable[str]] = None,
    ) -> Comparison:
        """Split ``findings`` into new ones and those the baseline accepts.

        An entry is stale when it matches no finding, its rule ran (all rules when
        ``rules`` is None), and its file was checked in this run or no longer exists.
        Entries for files or rules outside this run are left alone.
        """
        available = Counter(e.fingerprint for e in self.entries)
        new: list[Finding] = []
        matched = 0
        for finding in findings:
            if not finding.suppressed and available[finding.fingerprint] > 0:
                available[finding.fingerprint] -= 1
                matched += 1
            else:
                new.append(finding)
        checked_paths = set(checked)
        ran = None if rules is None else set(rules)
        stale = []
        for entry in self.entries:
            if available[entry.fingerprint] <= 0:
                continue
            available[entry.fingerprint] -= 1
            if ran is not None and entry.rule not in ran:
                continue
            if entry.path in checked_paths or not (root / entry.path).exists():
                stale.append(entry)
        return Comparison(new=new, matched=matched, stale=stale)
