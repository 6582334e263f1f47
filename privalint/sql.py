"""Just enough SQL to know which columns a statement reads or writes.

Not a parser: a tokenizer-level reading of the column lists of ``SELECT``,
``INSERT``, ``UPDATE`` and ``CREATE TABLE`` statements, which is all the personal-data
rules need (``SELECT email, phone FROM customer`` returns rows whose second field is
a phone number; ``CREATE TABLE patient (ssn TEXT, ...)`` stores a government id).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

_KIND = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(select|insert|update|create|with|replace|upsert|merge)\b", re.I
)
_SELECT = re.compile(
    r"\bselect\s+(?:distinct\s+|all\s+|top\s+\d+\s+)?(?P<cols>.*?)\s+from\b", re.I | re.S
)
_INSERT = re.compile(
    r"\b(?:insert|replace|upsert)\s+(?:or\s+\w+\s+|ignore\s+)?into\s+(?P<table>[\w.\"`\[\]]+)\s*(?:\((?P<cols>[^)]*)\))?",
    re.I | re.S,
)
_VALUES = re.compile(r"\s*values?\s*\(", re.I)
_UPDATE = re.compile(
    r"\bupdate\s+(?P<table>[\w.\"`\[\]]+)\s+set\s+(?P<sets>.*?)(?:\bwhere\b|\breturning\b|$)",
    re.I | re.S,
)
_CREATE = re.compile(
    r"\bcreate\s+(?:temporary\s+|temp\s+|unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?(?P<table>[\w.\"`\[\]]+)\s*\((?P<body>.*)\)",
    re.I | re.S,
)
# `CREATE [OR REPLACE] TABLE t AS SELECT ...`: the table holds the selected columns.
_CREATE_AS = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temporary\s+|temp\s+|unlogged\s+)?table\s+"
    r"(?:if\s+not\s+exists\s+)?(?P<table>[\w.\"`\[\]]+)\s+as\s+(?=\(?\s*select\b)",
    re.I | re.S,
)
_CONSTRAINT = re.compile(r"^\s*(constraint|primary|foreign|unique|check|index|key|exclude)\b", re.I)
_IDENT = re.compile(r"[A-Za-z_][\w$]*")


@dataclass(frozen=True)
class Statement:
    """What a SQL statement does with which columns."""

    kind: str  # select | insert | update | create
    table: str
    columns: tuple[str, ...]
    # For CREATE TABLE: the declared type of each column, lower case.
    types: tuple[str, ...] = ()
    # For INSERT: the expressions of the first VALUES row; for UPDATE: the
    # expression assigned to each column (`%s`, `?`, `:email`, `pgp_sym_encrypt(%s, k)`).
    values: tuple[str, ...] = ()


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _outside_quotes(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, character, depth)`` of every character of ``text`` from ``start`` that
    is outside quotes; ``depth`` counts the parentheses open after it."""
    depth = 0
    quote = ""
    for index in range(start, len(text)):
        ch = text[index]
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        yield index, ch, depth


def _balanced(text: str, start: int) -> str:
    """The text after an opening parenthesis at ``start - 1`` up to its match."""
    for index, ch, depth in _outside_quotes(text, start):
        if ch == ")" and depth < 0:
            return text[start:index]
    return text[start:]


def split_statements(text: str) -> list[str]:
    """The statements of a script, split at semicolons outside quotes and parentheses."""
    parts: list[str] = []
    last = 0
    for index, ch, depth in _outside_quotes(text):
        if ch == ";" and depth <= 0:
            parts.append(text[last:index])
            last = index + 1
    parts.append(text[last:])
    return [p for p in (part.strip() for part in parts) if p]


def _clean(name: str) -> str:
    return name.strip().strip('"`[]')


def _select_column(expr: str) -> Optional[str]:
    expr = expr.strip()
    alias = re.search(r"\s+as\s+([\w\"`]+)\s*$", expr, re.I)
    if alias:
        return _clean(alias.group(1))
    if expr == "*" or expr.endswith(".*"):
        return None
    tokens = _IDENT.findall(expr.split(".")[-1])
    if not tokens:
        return None
    # `lower(email)` reads email; `t.email` is email; `email addr` aliases as addr.
    if "(" in expr:
        inner = _IDENT.findall(expr[expr.find("(") + 1 :])
        return inner[0] if inner else None
    return tokens[-1]


@lru_cache(maxsize=2048)
def parse(text: str) -> Optional[Statement]:
    """The statement's kind, table and columns, or None if it is not recognisable SQL."""
    kind_match = _KIND.match(text)
    if kind_match is None:
        return None
    kind = kind_match.group(1).lower()
    if kind in ("select", "with"):
        match = _SELECT.search(text)
        if match is None:
            return None
        selected = [_select_column(c) for c in _split_top_level(match.group("cols"))]
        table_match = re.search(r"\bfrom\s+([\w.\"`\[\]]+)", text[match.end() - 4 :], re.I)
        table = _clean(table_match.group(1)) if table_match else ""
        return Statement("select", table, tuple(c or "" for c in selected))
    if kind in ("insert", "replace", "upsert"):
        match = _INSERT.search(text)
        if match is None:
            return None
        cols = match.group("cols")
        columns = tuple(_clean(c) for c in _split_top_level(cols)) if cols is not None else ()
        values: tuple[str, ...] = ()
        found = _VALUES.match(text, match.end())
        if found is not None:
            values = tuple(_split_top_level(_balanced(text, found.end())))
        elif cols is None:
            return None
        return Statement("insert", _clean(match.group("table")), columns, values=values)
    if kind == "update":
        match = _UPDATE.search(text)
        if match is None:
            return None
        assignments = [
            part.split("=", 1) for part in _split_top_level(match.group("sets")) if "=" in part
        ]
        columns = tuple(_clean(left.split(".")[-1]) for left, _ in assignments)
        values = tuple(right.strip() for _, right in assignments)
        return Statement("update", _clean(match.group("table")), columns, values=values)
    if kind == "create":
        copied = _CREATE_AS.search(text)
        if copied is not None:
            query = parse(text[copied.end() :].lstrip().lstrip("(").lstrip())
            if query is None or query.kind != "select":
                return None
            columns = tuple(c for c in query.columns if c and c != "*")
            return Statement("create", _clean(copied.group("table")), columns, ("",) * len(columns))
        match = _CREATE.search(text)
        if match is None:
            return None
        names: list[str] = []
        types: list[str] = []
        for part in _split_top_level(match.group("body")):
            if _CONSTRAINT.match(part):
                continue
            tokens = part.split(None, 1)
            names.append(_clean(tokens[0]))
            types.append(tokens[1].lower() if len(tokens) > 1 else "")
        return Statement("create", _clean(match.group("table")), tuple(names), tuple(types))
    return None
