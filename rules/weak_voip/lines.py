"""PBX and SIP-server configuration rendered line by line: a list of lines built in a
function (a literal, `+` of lists, `.append()` and `.extend()` calls, also in the
branches of an `if`) and joined with newlines (``"\\n".join(body)``). A line's meaning
depends on the section it falls in (``[transport-udp]`` then ``protocol=udp``, or
``[client:default]`` then ``verify_certificate = no``), so the lines are read in order,
and a finding goes to the string that holds the offending line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional
from weakref import WeakKeyDictionary

import libcst as cst
from privalint.rules.weak_tls.common import (
    UNKNOWN_PART,
    binding,
    last_name,
    resolve,
    scope_values,
    text_of,
    value_of,
)

from privalint.engine import FileContext

# The methods that add lines to a list, and how many lists deep a list is followed.
_ADDING = ("append", "extend", "insert")
_DEPTH = 4


@dataclass(frozen=True)
class Line:
    text: str
    node: cst.CSTNode
    # Whether the line is a string of its own (else a line of a longer text, which
    # the checks of whole texts judge).
    own: bool


@dataclass(frozen=True)
class Entry:
    """A ``key = value`` line of a section (lowercased), and where it is written."""

    section: str
    kind: str
    key: str
    value: str
    node: cst.CSTNode
    # The section's position among the text's sections (names may be unknown).
    index: int = 0


class LineLists:
    """The lists of lines the functions of a file build, read where they are joined."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        # (function, list name) -> the values added to it, in order.
        self._added: dict[tuple[int, str], list[cst.BaseExpression]] = {}
        self._joined: set[int] = set()
        # (function, list name) -> how many `+=` statements extend it.
        self._augmented: dict[tuple[int, str], int] = {}

    def _scope(self) -> int:
        for node in reversed(self.ctx.stack):
            if type(node) is cst.FunctionDef:
                return id(node)
        return id(self.ctx.module)

    def augmented(self, node: cst.AugAssign) -> None:
        """Record what ``lines += [...]`` adds."""
        if type(node.operator) is cst.AddAssign and type(node.target) is cst.Name:
            key = (self._scope(), node.target.value)
            self._augmented[key] = self._augmented.get(key, 0) + 1
            self._added.setdefault(key, []).extend(self._elements(node.value, _DEPTH))

    def call(self, node: cst.Call) -> Optional[list[Line]]:
        """Record what ``lines.append(...)`` adds; at ``"\\n".join(lines)``, the lines
        (once per list)."""
        func = node.func
        if type(func) is not cst.Attribute or not node.args:
            return None
        method = func.attr.value
        if method in _ADDING and type(func.value) is cst.Name:
            value = node.args[-1].value
            added = self._added.setdefault((self._scope(), func.value.value), [])
            if method == "extend":
                added.extend(self._elements(value, _DEPTH))
            else:
                added.append(value)
            return None
        if method != "join" or len(node.args) != 1:
            return None
        separator = text_of(self.ctx, func.value) if type(func.value) is not cst.Name else None
        if separator is None or "\n" not in separator:
            return None
        target = node.args[0].value
        key = id(resolve(self.ctx, target)) if type(target) is cst.Name else id(target)
        if key in self._joined:
            return None
        self._joined.add(key)
        lines: list[Line] = []
        for value in self._elements(target, _DEPTH):
            lines.extend(self._lines(value))
        return lines if len(lines) > 1 else None

    def returned(self, node: cst.Return) -> Optional[list[Line]]:
        """The lines of a list a function returns for its caller to join (``return
        lines`` after ``lines += [...]``), when they read as sections of configuration:
        a ``[section]`` line and a ``key=value`` line among its own strings."""
        value = node.value
        if value is None or not isinstance(value, (cst.Name, cst.List, cst.BinaryOperation)):
            return None
        key = id(resolve(self.ctx, value)) if type(value) is cst.Name else id(value)
        if key in self._joined:
            return None
        lines: list[Line] = []
        for element in self._elements(value, _DEPTH):
            lines.extend(self._lines(element))
        if len(lines) < 2 or not _sectioned(lines):
            return None
        self._joined.add(key)
        return lines

    def _elements(self, expr: cst.BaseExpression, depth: int) -> list[cst.BaseExpression]:
        """The values a list expression holds: a literal, ``a + b``, or a name bound
        to one, with what this function's ``append``/``extend`` calls added to it."""
        if depth <= 0:
            return []
        if isinstance(expr, (cst.List, cst.Tuple)):
            return [e.value for e in expr.elements if type(e) is cst.Element]
        if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
            return self._elements(expr.left, depth - 1) + self._elements(expr.right, depth - 1)
        if type(expr) is cst.Name:
            bound = binding(self.ctx, expr) or self._extended(expr.value)
            found = self._elements(bound, depth - 1) if bound is not None else []
            return found + self._added.get((self._scope(), expr.value), [])
        return []

    def _extended(self, name: str) -> Optional[cst.BaseExpression]:
        """The list a name is first given in this function when every other binding of
        it is a ``+=`` that adds to it (``lines = [...]`` then ``lines += [...]``)."""
        scope = next((n for n in reversed(self.ctx.stack) if type(n) is cst.FunctionDef), None)
        count = self._augmented.get((self._scope(), name), 0)
        if scope is None or not count:
            return None
        values = scope_values(self.ctx, name, scope)
        given = [v for v in values if v is not None]
        if len(given) != 1 or len(values) - 1 != count or type(given[0]) is not cst.List:
            return None
        return given[0]

    def _lines(self, value: cst.BaseExpression) -> list[Line]:
        node = resolve(self.ctx, value)
        text = text_of(self.ctx, value)
        if text is None:
            return [Line(UNKNOWN_PART, node, False)]
        parts = text.splitlines() or [""]
        own = len(parts) == 1 and isinstance(node, (cst.SimpleString, cst.FormattedString))
        return [Line(part, node, own) for part in parts]


def _sectioned(lines: list[Line]) -> bool:
    """Whether lines of a list hold a ``[section]`` header and a ``key=value`` line
    (strings of their own)."""
    header = setting = False
    for line in lines:
        if not line.own:
            continue
        text = line.text.strip()
        if text.startswith("[") and text.endswith("]"):
            header = True
        elif "=" in text:
            setting = True
    return header and setting


def source_lines(node: cst.CSTNode) -> list[int]:
    """For each line of a string's text (as its value reads, split on newlines), the
    line of the source it is written on, counted from the string's first line. An
    escaped newline (``"\\n"``) starts a line of the text on the same source line;
    a backslash at the end of a source line joins two source lines into one of the
    text. An f-string's fields count as text without newlines."""
    if type(node) is cst.SimpleString:
        raw_prefix = "r" in node.prefix.lower()
        body = node.value[len(node.prefix) :]
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        body = body[len(quote) : len(body) - len(quote)]
    elif type(node) is cst.FormattedString:
        raw_prefix = "r" in node.prefix.lower()
        body = "".join(p.value if type(p) is cst.FormattedStringText else "{}" for p in node.parts)
    else:
        return [0]
    # A line of the text is on the source line of its first character (or of the
    # newline that ends it).
    starts: list[int] = []
    pending = True
    row = 0
    i = 0
    while i < len(body):
        char = body[i]
        step = 1
        ends = char == "\n"
        if char == "\\" and not raw_prefix and i + 1 < len(body):
            step = 2
            if body[i + 1] == "\n":
                row += 1
                i += step
                continue
            ends = body[i + 1] == "n"
        if pending:
            starts.append(row)
            pending = False
        if ends:
            pending = True
        if char == "\n":
            row += 1
        i += step
    if pending:
        starts.append(row)
    return starts


def source_line(node: cst.CSTNode, index: int) -> int:
    """The source line (from the string's first, 0) of line ``index`` of its text."""
    starts = source_lines(node)
    return starts[index] if 0 <= index < len(starts) else 0


def sections(lines: list[Line], comment: str = ";") -> list[Entry]:
    """The ``key = value`` lines of an INI-like text (Asterisk's ``pjsip.conf``,
    Kamailio's ``tls.cfg``) that are strings of their own, with their section's name
    and ``type`` (lowercased; "" when unknown)."""
    kinds: dict[int, str] = {}
    index = -1
    parsed: list[tuple[int, str, str, str, Line]] = []
    name = ""
    for line in lines:
        text = line.text.split(comment, 1)[0].strip()
        if text.startswith("["):
            index += 1
            name = text[1 : text.find("]")].strip().lower() if "]" in text else ""
            continue
        key, equals, value = text.replace("=>", "=").partition("=")
        if not equals or index < 0:
            continue
        key, value = key.strip().lower(), value.strip().strip("\"'").lower()
        if key == "type":
            kinds[index] = value
        parsed.append((index, name, key, value, line))
    return [
        Entry(name, kinds.get(i, ""), key, value, line.node, i)
        for i, name, key, value, line in parsed
        if line.own
    ]


def space_settings(text: str, keys: frozenset[str]) -> list[tuple[int, str, str]]:
    """The ``key<space or tab>value`` lines of a configuration text whose key is one of
    ``keys`` (baresip's ``config``: ``sip_trans_def\tudp``), as (line of the text,
    key, value lowercased)."""
    found = []
    for index, line in enumerate(text.split("\n")):
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] in keys and not parts[0].startswith("#"):
            found.append((index, parts[0], parts[1].lower()))
    return found


# -- configuration templates ---------------------------------------------------------------

# A Jinja placeholder (`{{ protocol }}`, `{{ port|default(5060) }}`) and a block tag.
_PLACEHOLDER = re.compile(r"\{\{-?\s*([A-Za-z_]\w*)\s*(?:\|[^}]*)?-?\}\}")
_BLOCK_TAG = re.compile(r"\{%-?.*?-?%\}")
# At most this many renderings of one context (values chosen by `a if c else b`).
_VARIANTS = 8


@dataclass(frozen=True)
class Template:
    """Configuration text with Jinja placeholders, kept in a module constant."""

    text: str
    names: frozenset[str]


_TEMPLATES: WeakKeyDictionary[Any, tuple[Template, ...]] = WeakKeyDictionary()


def module_templates(ctx: FileContext) -> tuple[Template, ...]:
    """The templates made at the module's top level with a call of
    ``voip.templates.constructors`` (``T = Template("...")``, ``env.from_string("...")``),
    computed once a file."""
    found = _TEMPLATES.get(ctx)
    if found is not None:
        return found
    constructors = frozenset(ctx.catalog.strings("voip.templates.constructors"))
    templates: list[Template] = []
    for stmt in ctx.module.body:
        if type(stmt) is not cst.SimpleStatementLine:
            continue
        for small in stmt.body:
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if (
                type(value) is not cst.Call
                or not value.args
                or last_name(value.func) not in constructors
            ):
                continue
            text = text_of(ctx, value.args[0].value)
            if text is None or "{{" not in text:
                continue
            names = frozenset(m.group(1) for m in _PLACEHOLDER.finditer(text))
            if names:
                templates.append(Template(text, names))
    found = _TEMPLATES[ctx] = tuple(templates)
    return found


def _literal(ctx: FileContext, expr: cst.BaseExpression) -> Any:
    value = value_of(ctx, expr)
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _variants(
    ctx: FileContext, values: list[tuple[str, cst.BaseExpression]]
) -> list[dict[str, Any]]:
    """The ways a context may fill a template: values chosen by ``a if c else b`` take
    each branch, and values chosen by the same test take the same one
    (``"udp" if legacy else "tls"`` with ``"no" if legacy else "sdes"``)."""
    fixed: dict[str, Any] = {}
    tests: dict[str, list[tuple[str, Any, Any]]] = {}
    for name, expr in values:
        if type(expr) is cst.IfExp:
            key = cst.Module([]).code_for_node(expr.test)
            tests.setdefault(key, []).append(
                (name, _literal(ctx, expr.body), _literal(ctx, expr.orelse))
            )
        else:
            value = _literal(ctx, expr)
            if value is not None:
                fixed[name] = value
    variants = [fixed]
    for branches in tests.values():
        if 2 * len(variants) > _VARIANTS:
            break
        variants = [
            {**v, **{n: choice[i] for n, *choice in branches if choice[i] is not None}}
            for v in variants
            for i in (0, 1)
        ]
    return variants


def rendered(
    ctx: FileContext, values: list[tuple[str, cst.BaseExpression, cst.CSTNode]]
) -> list[list[Line]]:
    """The lines of the module's templates filled with a context (the entries of a dict,
    the keywords of ``render()``: (name, value, where it is written)), when most of the
    context's names are placeholders of the template. A line is the context's own
    (``own``, with the entry's node) when a literal of the context fills it."""
    templates = module_templates(ctx) if values else ()
    if not templates:
        return []
    names = {name for name, _, _ in values}
    found: list[list[Line]] = []
    for template in templates:
        shared = names & template.names
        if len(shared) < 2 or 2 * len(shared) < len(names):
            continue
        nodes = {name: node for name, _, node in values}
        variants = _variants(ctx, [(n, v) for n, v, _ in values if n in shared])
        # A line filled the same way in an earlier variant is judged there.
        seen: set[tuple[int, str]] = set()
        for variant in variants:
            lines: list[Line] = []
            text = _BLOCK_TAG.sub("", _conditions(template.text, variant))
            for index, raw in enumerate(text.split("\n")):
                filled = [m.group(1) for m in _PLACEHOLDER.finditer(raw) if m.group(1) in variant]
                line = _fill(raw, variant)
                if filled and (index, line) not in seen:
                    seen.add((index, line))
                    lines.append(Line(line, nodes[filled[0]], True))
                else:
                    lines.append(Line(line, _NOWHERE, False))
            found.append(lines)
    return found


# `{% if name == 'value' %}...{% endif %}` (also `!=`), without nesting.
_IF_BLOCK = re.compile(
    r"\{%-?\s*if\s+([A-Za-z_]\w*)\s*(==|!=)\s*(['\"])(.*?)\3\s*-?%\}(.*?)\{%-?\s*endif\s*-?%\}",
    re.DOTALL,
)
_NOWHERE = cst.Name("_")


def _conditions(text: str, values: dict[str, Any]) -> str:
    """The template with the blocks whose simple condition is false for ``values``
    emptied (their lines kept blank, so that lines keep their numbers)."""

    def block(match: re.Match[str]) -> str:
        name, operator, _, literal_value, _ = match.groups()
        if name not in values:
            return match.group(0)
        equal = str(values[name]) == literal_value
        if equal == (operator == "=="):
            return match.group(0)
        return "\n" * match.group(0).count("\n")

    return _IF_BLOCK.sub(block, text) if "{%" in text else text


def _fill(line: str, values: dict[str, Any]) -> str:
    """A template line with its placeholders replaced (``UNKNOWN_PART`` when unknown)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), UNKNOWN_PART)), line)
