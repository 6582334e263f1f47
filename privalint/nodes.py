"""Which fields of a libcst node hold code, and which nodes are statements.

The engine's walk and the flow's scans of helper functions descend only into these
fields: never whitespace, commas, parentheses or operators.
"""

from __future__ import annotations

import dataclasses
import warnings
from ast import literal_eval
from collections.abc import Iterator
from typing import Optional, Union

import libcst as cst

_SKIPPED_FIELD_PREFIXES = (
    "whitespace",
    "lpar",
    "rpar",
    "comma",
    "semicolon",
    "leading_lines",
    "lines_after_decorators",
    "trailing_whitespace",
    "leading_whitespace",
    "header",
    "footer",
    "empty_lines",
    "equal",
    "colon",
    "first_colon",
    "second_colon",
    "dot",
    "star",
    "operator",
    "newline",
    "indent",
    "asynchronous",
    "arrow",
    "lbrace",
    "rbrace",
    "lbracket",
    "rbracket",
    "separator",
    "default_indent",
    "default_newline",
    "has_trailing_newline",
    "encoding",
    "quote",
    "prefix",
    "relative",
    "start",
    "end",
    "posonly_ind",
)
_FIELDS: dict[type, tuple[str, ...]] = {}

COMPOUND_STATEMENTS: tuple[type, ...] = (
    cst.If,
    cst.For,
    cst.While,
    cst.With,
    cst.Try,
    cst.FunctionDef,
    cst.ClassDef,
    cst.Match,
)
if hasattr(cst, "TryStar"):
    COMPOUND_STATEMENTS = (*COMPOUND_STATEMENTS, cst.TryStar)
STATEMENTS: tuple[type, ...] = (cst.SimpleStatementLine, *COMPOUND_STATEMENTS)


def _subclasses(base: type) -> set[type]:
    found = {base}
    subclass: type
    for subclass in base.__subclasses__():
        found |= _subclasses(subclass)
    return found


# Every node class: `type(x) in NODE_TYPES` is much cheaper than `isinstance(x,
# cst.CSTNode)`, which goes through ABCMeta for each of the millions of field values.
NODE_TYPES: frozenset[type] = frozenset(_subclasses(cst.CSTNode))


def child_fields(node_type: type) -> tuple[str, ...]:
    names = _FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if not f.name.startswith(_SKIPPED_FIELD_PREFIXES)
        )
        _FIELDS[node_type] = names
    return names


def iter_nodes(node: cst.CSTNode, kind: Union[type, tuple[type, ...]]) -> Iterator[cst.CSTNode]:
    """Every node of type ``kind`` in ``node``'s subtree, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            yield current
        children: list[cst.CSTNode] = []
        for name in child_fields(type(current)):
            value = getattr(current, name)
            value_type = type(value)
            if value_type in NODE_TYPES:
                children.append(value)
            elif value_type is tuple or value_type is list:
                children.extend(c for c in value if type(c) in NODE_TYPES)
        stack.extend(reversed(children))


def string_value(node: object) -> Optional[str]:
    """The value of a plain string literal (``"a"``, ``'a' "b"``), else None (an
    f-string, bytes, anything else). Like libcst's ``evaluated_value`` without
    compiling every literal: only one with escape sequences is evaluated."""
    if type(node) is cst.SimpleString:
        return _simple_string(node.value)
    if type(node) is cst.ConcatenatedString:
        left = string_value(node.left)
        if left is None:
            return None
        right = string_value(node.right)
        return None if right is None else left + right
    return None


def _simple_string(raw: str) -> Optional[str]:
    start = 0
    while start < len(raw) and raw[start] not in "'\"":
        start += 1
    prefix = raw[:start].lower()
    if "b" in prefix:
        return None
    quote = raw[start : start + 3]
    if quote not in ('"""', "'''"):
        quote = raw[start : start + 1]
    body = raw[start + len(quote) : len(raw) - len(quote)]
    if "r" in prefix or "\\" not in body:
        return body
    try:
        with warnings.catch_warnings():  # the checked code's escapes are not ours to warn of
            warnings.simplefilter("ignore")
            value = literal_eval(raw)
    except Exception:  # a malformed literal
        return None
    return value if isinstance(value, str) else None
