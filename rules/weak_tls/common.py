"""What the transport rules (weak-tls and weak-voip) share.

- reading call arguments and literal values;
- following a name to the value it was given (`VERIFY = False`, a parameter default,
  `self.url = "http://..."` in `__init__`), found by a shallow scan of the statements of
  the enclosing function, class or module, done only when a rule asks and memoised per
  file;
- the text of a URL or URI built from literals, f-strings, `+`, `.format`, `urljoin`
  and environment defaults, with unknown parts kept as placeholders;
- the host of a URL and whether it is a loopback address.
"""

from __future__ import annotations

import ipaddress
import warnings
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import libcst as cst

from privalint.engine import FileContext
from privalint.imports import dotted_name
from privalint.personal import split_words

# Stands for a part of a string the analysis cannot know (an f-string expression).
UNKNOWN_PART = "\x00"
NOT_LITERAL: Any = object()

ScopeNode = Union[cst.Module, cst.FunctionDef, cst.ClassDef]
# name -> the values assigned to it in one scope (None: something we cannot follow).
Assignments = dict[str, list[Optional[cst.BaseExpression]]]


# -- arguments and literals ------------------------------------------------------------


def keyword(node: cst.Call, *names: str) -> Optional[cst.Arg]:
    """The keyword argument called one of ``names``."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg
    return None


def positional(node: cst.Call, index: int) -> Optional[cst.Arg]:
    """The ``index``-th positional argument (never a ``*args`` spread)."""
    count = 0
    for arg in node.args:
        if arg.keyword is not None or arg.star:
            if arg.star:
                return None
            continue
        if count == index:
            return arg
        count += 1
    return None


def argument(node: cst.Call, index: Optional[int], *names: str) -> Optional[cst.Arg]:
    """A parameter passed by keyword (one of ``names``) or at position ``index``."""
    found = keyword(node, *names) if names else None
    if found is None and index is not None:
        found = positional(node, index)
    return found


def arg_code(ctx: FileContext, arg: cst.Arg, limit: int = 40) -> str:
    """``verify=False`` for an argument, without its comma or trailing comment."""
    value = ctx.code(arg.value, limit)
    return f"{arg.keyword.value}={value}" if arg.keyword is not None else value


def literal(expr: cst.BaseExpression) -> Any:
    """The Python value of a literal (``False``, ``0``, ``-1``, ``"x"``, ``b"x"``),
    else ``NOT_LITERAL``."""
    if type(expr) is cst.Name:
        return {"True": True, "False": False, "None": None}.get(expr.value, NOT_LITERAL)
    if type(expr) is cst.Integer:
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return NOT_LITERAL
    if type(expr) is cst.SimpleString and "\\" not in expr.value:
        try:
            with warnings.catch_warnings():  # the checked code's escapes are not ours
                warnings.simplefilter("ignore")
                return expr.evaluated_value
        except Exception:  # a literal libcst cannot evaluate
            return NOT_LITERAL
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        # Invalid escape sequences (`"\\l"`) make Python warn while evaluating; the
        # code under check is not ours to warn about.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return expr.evaluated_value
            except Exception:  # a literal libcst cannot evaluate
                return NOT_LITERAL
    if (
        type(expr) is cst.UnaryOperation
        and type(expr.operator) is cst.Minus
        and type(expr.expression) is cst.Integer
    ):
        value = literal(expr.expression)
        return -value if isinstance(value, int) else NOT_LITERAL
    return NOT_LITERAL


def last_name(expr: cst.BaseExpression) -> Optional[str]:
    """``CERT_NONE`` for ``ssl.CERT_NONE`` or ``CERT_NONE``; ``get`` for ``s.get``."""
    if type(expr) is cst.Attribute:
        return expr.attr.value
    if type(expr) is cst.Name:
        return expr.value
    return None


def constant_name(ctx: FileContext, expr: cst.BaseExpression) -> Optional[str]:
    """The last name of the constant ``expr`` refers to, through imports and aliases:
    ``CERT_NONE`` for ``ssl.CERT_NONE``, ``from ssl import CERT_NONE as NONE``, or a
    name bound to one of these."""
    expr = resolve(ctx, expr)
    qualified = ctx.qualname(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
    if qualified:
        return qualified.rsplit(".", 1)[-1]
    return last_name(expr)


def words_of(text: str) -> tuple[str, ...]:
    return split_words(text)


def target_name(node: cst.BaseExpression) -> Optional[str]:
    """The identifier a value is stored under: ``x``, ``obj.attr``, ``d["key"]``."""
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        return node.attr.value
    if type(node) is cst.Subscript and len(node.slice) == 1:
        element = node.slice[0].slice
        if type(element) is cst.Index:
            value = literal(element.value)
            if isinstance(value, str):
                return value
    return None


StringNode = Union[cst.SimpleString, cst.FormattedString]


def leading_text(node: StringNode) -> Optional[str]:
    """The literal text a string starts with (``None`` when it starts with a
    placeholder)."""
    if type(node) is cst.SimpleString:
        value = literal(node)
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value if isinstance(value, str) else None
    parts = node.parts
    if parts and type(parts[0]) is cst.FormattedStringText:
        return parts[0].value
    return None


def string_use(stack: list[cst.CSTNode]) -> tuple[cst.BaseExpression, Optional[cst.CSTNode], int]:
    """The whole string expression the current string literal is part of (through
    `+`, implicit concatenation and `.format`), the node that uses it, and the stack
    index of that user."""
    index = len(stack) - 1
    top = stack[index]
    while index > 0:
        parent = stack[index - 1]
        if isinstance(parent, (cst.ConcatenatedString, cst.BinaryOperation)):
            top, index = parent, index - 1
            continue
        if (
            type(parent) is cst.Attribute
            and parent.attr.value == "format"
            and index > 1
            and isinstance(stack[index - 2], cst.Call)
        ):
            top, index = stack[index - 2], index - 2
            continue
        break
    assert isinstance(top, cst.BaseExpression)
    user = stack[index - 1] if index > 0 else None
    return top, user, index - 1


# -- following names to their values ---------------------------------------------------

_TABLES: weakref.WeakKeyDictionary[FileContext, dict[int, Assignments]] = (
    weakref.WeakKeyDictionary()
)


def _bind(table: Assignments, name: str, value: Optional[cst.BaseExpression]) -> None:
    table.setdefault(name, []).append(value)


def _bind_target(
    table: Assignments,
    target: cst.BaseExpression,
    value: Optional[cst.BaseExpression],
    self_table: Optional[Assignments],
) -> None:
    if type(target) is cst.Name:
        _bind(table, target.value, value)
    elif type(target) is cst.Attribute and type(target.value) is cst.Name:
        if self_table is not None and target.value.value in ("self", "cls"):
            _bind(self_table, target.attr.value, value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_target(table, element.value, None, self_table)
    elif type(target) is cst.StarredElement:
        _bind_target(table, target.value, None, self_table)


def _scan(
    body: Sequence[cst.CSTNode], table: Assignments, self_table: Optional[Assignments]
) -> None:
    """Record the assignments of a block and of the blocks nested in it (not of nested
    functions or classes: they have scopes of their own)."""
    for stmt in body:
        if type(stmt) is cst.SimpleStatementLine:
            for small in stmt.body:
                if type(small) is cst.Assign:
                    for target in small.targets:
                        _bind_target(table, target.target, small.value, self_table)
                elif type(small) is cst.AnnAssign and small.value is not None:
                    _bind_target(table, small.target, small.value, self_table)
                elif type(small) is cst.AugAssign:
                    _bind_target(table, small.target, None, self_table)
                elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                    small.names, cst.ImportStar
                ):
                    for alias in small.names:
                        name = alias.asname.name if alias.asname else alias.name
                        if type(name) is cst.Name:
                            _bind(table, name.value, None)
                        elif type(name) is cst.Attribute:
                            head = dotted_name(name)
                            if head:
                                _bind(table, head.split(".", 1)[0], None)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            _bind(table, stmt.name.value, None)
        elif isinstance(stmt, cst.BaseCompoundStatement):
            if type(stmt) is cst.For:
                _bind_target(table, stmt.target, None, self_table)
            elif type(stmt) is cst.With:
                # `with httpx.Client(...) as client`: clients and sessions return
                # themselves from `__enter__`.
                for item in stmt.items:
                    if item.asname is not None:
                        value = item.item if type(item.item) is cst.Call else None
                        _bind_target(table, item.asname.name, value, self_table)
            for block in _blocks(stmt):
                _scan(block, table, self_table)


def _blocks(stmt: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.CSTNode]]:
    if type(stmt) is cst.Match:
        suites: list[Optional[cst.BaseSuite]] = [case.body for case in stmt.cases]
    else:
        suites = [stmt.body]
    if type(stmt) is cst.If:
        orelse = stmt.orelse
        while type(orelse) is cst.If:
            suites.append(orelse.body)
            orelse = orelse.orelse
        if orelse is not None:
            suites.append(orelse.body)
    elif isinstance(stmt, (cst.For, cst.While)):
        if stmt.orelse is not None:
            suites.append(stmt.orelse.body)
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        suites.extend(h.body for h in stmt.handlers)
        if stmt.orelse is not None:
            suites.append(stmt.orelse.body)
        if stmt.finalbody is not None:
            suites.append(stmt.finalbody.body)
    for suite in suites:
        if type(suite) is cst.IndentedBlock:
            yield suite.body
        elif type(suite) is cst.SimpleStatementSuite:
            yield [cst.SimpleStatementLine(body=suite.body)]


def _table(ctx: FileContext, scope: ScopeNode) -> Assignments:
    tables = _TABLES.get(ctx)
    if tables is None:
        tables = {}
        _TABLES[ctx] = tables
    key = id(scope)
    found = tables.get(key)
    if found is not None:
        return found
    table: Assignments = {}
    if type(scope) is cst.Module:
        _scan(scope.body, table, None)
    elif type(scope) is cst.FunctionDef:
        params = scope.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            _bind(table, param.name.value, param.default)
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                _bind(table, star.name.value, None)
        if type(scope.body) is cst.IndentedBlock:
            _scan(scope.body.body, table, None)
    else:
        # A class: its own names and what its methods assign to `self.<attr>`.
        if type(scope.body) is cst.IndentedBlock:
            _scan(scope.body.body, table, None)
            for stmt in scope.body.body:
                if type(stmt) is cst.FunctionDef and type(stmt.body) is cst.IndentedBlock:
                    _scan(stmt.body.body, {}, table)
    tables[key] = table
    return table


def _same_literal(values: list[Optional[cst.BaseExpression]]) -> bool:
    first = literal(values[0]) if values[0] is not None else NOT_LITERAL
    if first is NOT_LITERAL:
        return False
    return all(v is not None and literal(v) == first for v in values[1:])


def _single(values: list[Optional[cst.BaseExpression]]) -> Optional[cst.BaseExpression]:
    if len(values) == 1 or _same_literal(values):
        return values[0]
    return None


def scope_values(
    ctx: FileContext, name: str, scope: ScopeNode
) -> list[Optional[cst.BaseExpression]]:
    """Every value assigned to ``name`` in ``scope`` (a module, class or function)."""
    return list(_table(ctx, scope).get(name, []))


def scope_names(ctx: FileContext, scope: ScopeNode) -> list[str]:
    """The names assigned in ``scope`` (a module, class or function)."""
    return list(_table(ctx, scope))


@dataclass
class _Frame:
    """A helper being looked into from a call site: names resolve in the helper (its
    class and function), and `self.<attr>` to what the object's constructor was
    given (`crm = CrmClient("http://...")` then `crm.push(record)`)."""

    cls: Optional[cst.ClassDef]
    function: cst.FunctionDef
    self_values: dict[str, cst.BaseExpression]


_FRAMES: weakref.WeakKeyDictionary[FileContext, list[_Frame]] = weakref.WeakKeyDictionary()


def _frame(ctx: FileContext) -> Optional[_Frame]:
    frames = _FRAMES.get(ctx)
    return frames[-1] if frames else None


def qualname(ctx: FileContext, expr: cst.BaseExpression) -> Optional[str]:
    """``ctx.qualname``; inside a helper looked into from a call site, an object kept
    on ``self`` is also known from what the constructor was given
    (``self.client.calls.create`` of ``Dialer(Client(...))``)."""
    found = ctx.qualname(expr)
    frame = _frame(ctx)
    if found is not None or frame is None or not frame.self_values:
        return found
    chain: list[str] = []
    node = expr
    while type(node) is cst.Attribute:
        chain.append(node.attr.value)
        if (
            type(node.value) is cst.Attribute
            and type(node.value.value) is cst.Name
            and node.value.value.value == "self"
        ):
            value = frame.self_values.get(node.value.attr.value)
            base = ctx.qualname(value) if value is not None else None
            if base is None:
                return None
            return ".".join([base, *reversed(chain)])
        node = node.value
    return None


def enclosing_scopes(ctx: FileContext) -> list[ScopeNode]:
    """Functions enclosing the current node (innermost first), then the module."""
    frame = _frame(ctx)
    if frame is not None:
        return [frame.function, ctx.module]
    scopes: list[ScopeNode] = [
        node for node in reversed(ctx.stack[:-1]) if type(node) is cst.FunctionDef
    ]
    scopes.append(ctx.module)
    return scopes


def enclosing_class(ctx: FileContext) -> Optional[cst.ClassDef]:
    frame = _frame(ctx)
    if frame is not None:
        return frame.cls
    for node in reversed(ctx.stack[:-1]):
        if type(node) is cst.ClassDef:
            return node
    return None


def binding(ctx: FileContext, expr: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The one value ``expr`` (a name or ``self.attr``) was given in its scope, if the
    analysis can tell; a parameter answers with its default."""
    if type(expr) is cst.Name:
        for scope in enclosing_scopes(ctx):
            values = _table(ctx, scope).get(expr.value)
            if values is not None:
                # An imported name has no value here; a constant imported from another
                # module of the project may have one there.
                return _single(values) or ctx.imports.constant(expr)
        return ctx.imports.constant(expr)
    if type(expr) is cst.Attribute and type(expr.value) is cst.Name:
        if expr.value.value in ("self", "cls"):
            frame = _frame(ctx)
            if frame is not None and expr.attr.value in frame.self_values:
                return frame.self_values[expr.attr.value]
            cls = enclosing_class(ctx)
        else:
            # `Settings.SIP_PASSWORD` of a class of this module.
            qualified = ctx.qualname(expr.value)
            cls = (
                class_named(ctx, qualified.split(".", 1)[1])
                if qualified is not None and ctx.is_local(qualified)
                else None
            )
        if cls is not None:
            values = _table(ctx, cls).get(expr.attr.value)
            if values is not None:
                return _single(values)
        # `settings.PARTNER_URL`: a constant of another module of the project.
        return ctx.imports.constant(expr)
    # `CONFIG["password"]` and `CONFIG.get("password")` of a dict literal.
    key: Any = NOT_LITERAL
    if type(expr) is cst.Subscript and len(expr.slice) == 1:
        element = expr.slice[0].slice
        if type(element) is cst.Index:
            key, base = literal(element.value), expr.value
    elif (
        type(expr) is cst.Call
        and type(expr.func) is cst.Attribute
        and expr.func.attr.value == "get"
        and expr.args
    ):
        key, base = literal(expr.args[0].value), expr.func.value
    if isinstance(key, str) and isinstance(base, (cst.Name, cst.Attribute)):
        mapping = resolve(ctx, base, 2)
        if type(mapping) is cst.Dict:
            for item in mapping.elements:
                if type(item) is cst.DictElement and literal(item.key) == key:
                    return item.value
        elif type(mapping) is cst.Call and last_name(mapping.func) == "dict":
            for arg in mapping.args:
                if arg.keyword is not None and arg.keyword.value == key:
                    return arg.value
    return None


def resolve(ctx: FileContext, expr: cst.BaseExpression, depth: int = 4) -> cst.BaseExpression:
    """``expr``, or the value it stands for when it is a name bound once."""
    while depth > 0:
        value = binding(ctx, expr)
        if value is None or value is expr:
            return expr
        expr = value
        depth -= 1
    return expr


def value_of(ctx: FileContext, expr: cst.BaseExpression) -> Any:
    """The literal value of ``expr`` after following names, else ``NOT_LITERAL``."""
    return literal(resolve(ctx, expr))


def is_constant_name(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """A module-level constant (``SUPPORT_LINE``) or a literal: not chosen per request."""
    if literal(expr) is not NOT_LITERAL:
        return True
    name = dotted_name(expr)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    return last.isupper() and len(last) > 1


# -- strings built from parts ------------------------------------------------------------

_JOINERS = frozenset({"urllib.parse.urljoin", "urljoin", "posixpath.join", "os.path.join"})


def env_default(ctx: FileContext, expr: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The fallback of an environment or configuration lookup
    (``os.environ.get("X", "fallback")``, ``config("X", default="fallback")``). The
    readers are the catalog's (``imports.env-readers``, ``imports.config-readers``,
    ``imports.env-reader-objects``), which also say what other modules may read."""
    if type(expr) is not cst.Call:
        return None
    readers = ctx.checker.env_readers
    qualified = ctx.qualname(expr.func) or dotted_name(expr.func) or ""
    if (
        qualified in readers.functions
        or qualified == "getenv"
        or qualified.endswith((".getenv", "environ.get"))
    ):
        default = positional(expr, 1) or keyword(expr, "default")
    elif qualified in readers.configs or qualified in readers.objects:
        default = keyword(expr, "default")
    elif qualified.startswith(tuple(readers.objects)) and qualified.count("()") == 1:
        default = keyword(expr, "default") or positional(expr, 1)
    else:
        return None
    return default.value if default is not None else None


def text_of(ctx: FileContext, expr: cst.BaseExpression, depth: int = 5) -> Optional[str]:
    """The text of a string expression, with ``UNKNOWN_PART`` for parts we cannot
    know; ``None`` when the expression is not recognisably a string."""
    if depth <= 0:
        return None
    value = literal(expr)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if type(expr) is cst.FormattedString:
        parts: list[str] = []
        for part in expr.parts:
            if type(part) is cst.FormattedStringText:
                parts.append(part.value)
            elif type(part) is cst.FormattedStringExpression:
                inner = text_of(ctx, part.expression, depth - 1)
                parts.append(inner if inner is not None else UNKNOWN_PART)
        return "".join(parts)
    if type(expr) is cst.BinaryOperation:
        if type(expr.operator) is cst.Add:
            left = text_of(ctx, expr.left, depth - 1)
            if left is None:
                return None
            right = text_of(ctx, expr.right, depth - 1)
            return left + (right if right is not None else UNKNOWN_PART)
        if type(expr.operator) is cst.Modulo:
            left = text_of(ctx, expr.left, depth - 1)
            return left.replace("%s", UNKNOWN_PART) if left is not None else None
        return None
    if isinstance(expr, (cst.Name, cst.Attribute)):
        resolved = resolve(ctx, expr)
        if resolved is expr:
            return None
        return text_of(ctx, resolved, depth - 1)
    if type(expr) is cst.Call:
        func = expr.func
        qualified = ctx.qualname(func) or dotted_name(func) or ""
        fallback = env_default(ctx, expr)
        if fallback is not None:
            return text_of(ctx, fallback, depth - 1)
        if qualified in _JOINERS or qualified.endswith(".urljoin"):
            first = positional(expr, 0)
            if first is None:
                return None
            base = text_of(ctx, first.value, depth - 1)
            return base + UNKNOWN_PART if base is not None else None
        if type(func) is cst.Attribute and func.attr.value == "format":
            template = text_of(ctx, func.value, depth - 1)
            if template is None:
                return None
            out, inside = [], False
            for char in template:
                if char == "{":
                    inside = True
                    out.append(UNKNOWN_PART)
                elif char == "}" and inside:
                    inside = False
                elif not inside:
                    out.append(char)
            return "".join(out)
        if type(func) is cst.Attribute and func.attr.value in ("rstrip", "strip", "lower"):
            return text_of(ctx, func.value, depth - 1)
    return None


# -- hosts ---------------------------------------------------------------------------------


def url_host(url: str) -> Optional[str]:
    """The host of ``scheme://[user@]host[:port]/...``; ``None`` when unknown."""
    return _host(url.split("://", 1)[1] if "://" in url else url, "/?#")


def uri_host(uri: str) -> Optional[str]:
    """The host of a SIP URI ``sip:user@host:port;params``; ``None`` when unknown."""
    return _host(uri.split(":", 1)[1] if ":" in uri else uri, ";?>")


def _host(rest: str, stops: str) -> Optional[str]:
    """The host of ``[user@]host[:port]`` followed by one of ``stops`` and more."""
    for stop in stops:
        rest = rest.split(stop, 1)[0]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):
        host = rest[1:].split("]", 1)[0]
    else:
        host = rest.split(":", 1)[0]
    if not host or UNKNOWN_PART in host:
        return None
    return host.lower()


def is_loopback(host: Optional[str], names: Iterable[str]) -> bool:
    """``localhost``, ``127.0.0.1``, ``::1``, link-local and the catalog's local names."""
    if host is None:
        return False
    host = host.strip().lower().rstrip(".")
    for name in names:
        if host == name or (name.startswith(".") and host.endswith(name)):
            return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified


def host_text(ctx: FileContext, expr: Optional[cst.BaseExpression]) -> Optional[str]:
    """The literal host an argument names (following constants and env defaults)."""
    if expr is None:
        return None
    text = text_of(ctx, expr)
    if text is None or UNKNOWN_PART in text:
        return None
    return url_host(text) if "://" in text else text.split(":", 1)[0].lower()


def matches_module(qualified: Optional[str], modules: Iterable[str]) -> bool:
    """Whether a qualified name lies in one of ``modules`` (``*`` matches any)."""
    if qualified is None:
        return False
    for module in modules:
        if module == "*" or qualified == module or qualified.startswith(module + "."):
            return True
        if qualified.startswith(module + "()"):
            return True
    return False


def imports_any(ctx: FileContext, modules: Iterable[str]) -> bool:
    """Whether the file imports one of ``modules`` (or something inside them)."""
    wanted = set(modules)
    for imported in ctx.imports.imported_modules:
        if imported in wanted or imported.split(".", 1)[0] in wanted:
            return True
    return False


def module_words(names: Iterable[str]) -> tuple[str, ...]:
    """Prefilter words for files that use these modules (or classes in them). Short
    module names would match inside ordinary words (`ari` in `variable`), so they
    count only in an import statement."""
    words: set[str] = set()
    for name in names:
        root = name.split(".", 1)[0].split("(", 1)[0]
        if len(root) >= 5:
            words.add(root)
        else:
            words.update((f"import {root}", f"from {root}"))
    return tuple(sorted(words))


def match_known(qualified: str, known: Iterable[str]) -> Optional[str]:
    """Which of the ``known`` qualified names ``qualified`` is: the same name, or a
    re-export of it (same top package, same class and method:
    ``pyVoIP.VoIP.VoIPPhone`` for ``pyVoIP.VoIP.phone.VoIPPhone``)."""
    candidates = known if isinstance(known, (set, frozenset, dict)) else set(known)
    if qualified in candidates:
        return qualified
    root = qualified.split(".", 1)[0]
    for name in candidates:
        if name.split(".", 1)[0] == root and qualified.endswith("." + _tail(name)):
            return name
    return None


def known_name(ctx: FileContext, expr: cst.BaseExpression, known: Iterable[str]) -> Optional[str]:
    """Which of the ``known`` qualified names ``expr`` refers to (see
    ``match_known``); a bare name brought in by ``from package import *`` counts."""
    qualified = ctx.qualname(expr)
    if qualified is not None:
        return match_known(qualified, known)
    dotted = dotted_name(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
    if dotted is None or ctx.imports.is_bound(dotted.split(".", 1)[0]):
        return None
    candidates = set(known)
    for module in ctx.imports.imported_modules:
        if f"{module}.{dotted}" in candidates:
            return f"{module}.{dotted}"
    return None


def instance_of(
    ctx: FileContext, expr: cst.BaseExpression, classes: Iterable[str]
) -> Optional[str]:
    """Which of ``classes`` the object ``expr`` was created from, if known."""
    qualified = ctx.qualname(expr)
    if qualified is not None and qualified.endswith("()"):
        found = match_known(qualified[:-2], classes)
        if found is not None:
            return found
    value = resolve(ctx, expr)
    if type(value) is cst.Call:
        return known_name(ctx, value.func, classes)
    return None


def _tail(name: str) -> str:
    """``VoIPPhone`` for ``pyVoIP.VoIP.VoIPPhone``; ``Manager().login`` for
    ``asterisk.manager.Manager().login``."""
    head = name.split("()", 1)[0]
    return name[head.rfind(".") + 1 :]


def strip_calls(qualified: str) -> str:
    """``twilio.rest.Client.calls.create`` for ``twilio.rest.Client().calls().create``."""
    return qualified.replace("()", "")


def local_definition(ctx: FileContext, func: cst.BaseExpression) -> Optional[cst.FunctionDef]:
    """The function of this module a call runs: a module function, a method of the
    current class, or a method of an object of a class defined here
    (``telephony = Telephony()`` ... ``telephony.forward(number)``)."""
    found = ctx.flow.resolve_local(func)
    if found is not None:
        return found
    owner = _local_class(ctx, func)
    if owner is None or type(func) is not cst.Attribute:
        return None
    assert type(owner.body) is cst.IndentedBlock
    for inner in owner.body.body:
        if type(inner) is cst.FunctionDef and inner.name.value == func.attr.value:
            return inner
    return None


def small_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement]:
    """The simple statements of a block and of the blocks nested in it (not of nested
    functions or classes)."""
    for stmt in body:
        if type(stmt) is cst.SimpleStatementLine:
            yield from stmt.body
        elif isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(
            stmt, (cst.FunctionDef, cst.ClassDef)
        ):
            for block in _blocks(stmt):
                yield from small_statements(block)


def class_named(ctx: FileContext, name: str) -> Optional[cst.ClassDef]:
    """The module-level class ``name`` of this file."""
    for stmt in ctx.module.body:
        if (
            type(stmt) is cst.ClassDef
            and stmt.name.value == name
            and type(stmt.body) is cst.IndentedBlock
        ):
            return stmt
    return None


def method_of(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    if type(cls.body) is cst.IndentedBlock:
        for inner in cls.body.body:
            if type(inner) is cst.FunctionDef and inner.name.value == name:
                return inner
    return None


def library_base(ctx: FileContext, cls: cst.ClassDef) -> Optional[str]:
    """The qualified name of the first base of ``cls`` that comes from a library."""
    for arg in cls.bases:
        if arg.keyword is not None:
            continue
        qualified = ctx.qualname(arg.value)
        if qualified is not None and not ctx.is_local(qualified) and qualified != "object":
            return qualified
    return None


def is_super_init(func: cst.BaseExpression) -> bool:
    """``super().__init__`` (or ``super(Cls, self).__init__``)."""
    return (
        type(func) is cst.Attribute
        and func.attr.value == "__init__"
        and type(func.value) is cst.Call
        and type(func.value.func) is cst.Name
        and func.value.func.value == "super"
    )


def _local_class(ctx: FileContext, func: cst.BaseExpression) -> Optional[cst.ClassDef]:
    """The class of this module whose method ``func`` calls on one of its objects."""
    if type(func) is not cst.Attribute:
        return None
    qualified = ctx.qualname(func.value)
    if qualified is None or not ctx.is_local(qualified):
        return None
    class_name = qualified.split(".", 1)[1].removesuffix("()")
    for stmt in ctx.module.body:
        if (
            type(stmt) is cst.ClassDef
            and stmt.name.value == class_name
            and type(stmt.body) is cst.IndentedBlock
        ):
            return stmt
    return None


def forwarded_arguments(
    ctx: FileContext,
    call: cst.Call,
    sink_values: Callable[[cst.Call], Sequence[cst.BaseExpression]],
    key: str,
) -> list[tuple[int, cst.BaseExpression]]:
    """For a call to a helper of this module: (parameter index, argument) for each
    argument the helper passes on to a sink (``sink_values(call)`` names the values a
    call hands to the sink)."""
    flow = ctx.flow
    definition = local_definition(ctx, call.func)
    if definition is None:
        return []
    owner = _local_class(ctx, call.func) if flow.resolve_local(call.func) is None else None
    cls = owner or _method_class(ctx, definition)
    self_values, made_by = _instance_values(ctx, call.func, cls)
    if made_by is not None:
        # What reaches a sink depends on what this object was constructed with.
        key = f"{key}@{id(made_by)}"
    if owner is not None:
        # Inside the method, `self.client` means that class's attribute.
        ctx.imports.push_class(owner.name.value)
    _FRAMES.setdefault(ctx, []).append(_Frame(cls, definition, self_values))
    try:
        reaching = flow.reaching_params(definition, sink_values, key)
    finally:
        _FRAMES[ctx].pop()
        if owner is not None:
            ctx.imports.pop_class()
    out: list[tuple[int, cst.BaseExpression]] = []
    for index in sorted(reaching):
        arg = flow.argument_for(call, definition, index)
        if arg is not None:
            out.append((index, arg))
    return out


def _method_class(ctx: FileContext, definition: cst.FunctionDef) -> Optional[cst.ClassDef]:
    """The module-level class ``definition`` is a method of."""
    for stmt in ctx.module.body:
        if (
            type(stmt) is cst.ClassDef
            and type(stmt.body) is cst.IndentedBlock
            and any(inner is definition for inner in stmt.body.body)
        ):
            return stmt
    return None


def _instance_values(
    ctx: FileContext, func: cst.BaseExpression, cls: Optional[cst.ClassDef]
) -> tuple[dict[str, cst.BaseExpression], Optional[cst.Call]]:
    """For a method called on an object of a class of this module: what its
    constructor stored on `self` from its arguments (`self.base_url = base_url`), and
    the constructor call."""
    if cls is None or type(func) is not cst.Attribute:
        return {}, None
    made = resolve(ctx, func.value)
    if type(made) is not cst.Call:
        return {}, None
    qualified = ctx.qualname(made.func)
    if (
        qualified is None
        or not ctx.is_local(qualified)
        or qualified.split(".", 1)[1] != cls.name.value
    ):
        return {}, None
    init = method_of(cls, "__init__")
    if init is None or type(init.body) is not cst.IndentedBlock:
        return {}, made
    params = init.params
    in_order = [*params.posonly_params, *params.params]
    if in_order and in_order[0].name.value in ("self", "cls"):
        in_order = in_order[1:]
    positional_args = [a.value for a in made.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in made.args if a.keyword is not None}
    passed: dict[str, cst.BaseExpression] = {}
    for index, param in enumerate([*in_order, *params.kwonly_params]):
        name = param.name.value
        given = keywords.get(name)
        if given is None and index < len(in_order) and index < len(positional_args):
            given = positional_args[index]
        if given is None:
            given = param.default
        if given is not None:
            passed[name] = given
    values: dict[str, cst.BaseExpression] = {}
    for small in small_statements(init.body.body):
        if type(small) is not cst.Assign or type(small.value) is not cst.Name:
            continue
        for target in small.targets:
            expr = target.target
            if (
                type(expr) is cst.Attribute
                and type(expr.value) is cst.Name
                and expr.value.value == "self"
                and small.value.value in passed
            ):
                values[expr.attr.value] = passed[small.value.value]
    return values, made


# -- groups of service settings ------------------------------------------------------------


@dataclass(frozen=True)
class GroupedSetting:
    """A setting of a group that configures one service (``MQTT_HOST``, ``MQTT_PORT``):
    its name as written, the statement that sets it and its value."""

    name: str
    node: cst.CSTNode
    value: cst.BaseExpression


_SETTINGS_CLASS_WORDS = frozenset({"setting", "settings", "config", "configuration", "conf"})


def group_setting(
    ctx: FileContext, node: Union[cst.Assign, cst.AnnAssign]
) -> Optional[tuple[tuple[int, tuple[str, ...]], str, GroupedSetting]]:
    """``((owner, prefix), last word, setting)`` for an upper-case constant of the module
    (``MQTT_PORT = 1883``: prefix ``("mqtt",)``, last word ``port``) or a field of a
    settings class of the module (``typesense_protocol: str = "http"``); else None. A
    ``use`` before the last word belongs to it (``EMAIL_USE_TLS``: ``email`` and
    ``tls``)."""
    if type(node) is cst.AnnAssign:
        target, value = node.target, node.value
    elif len(node.targets) == 1:
        target, value = node.targets[0].target, node.value
    else:
        return None
    if type(target) is not cst.Name or value is None:
        return None
    stack = ctx.stack
    name = target.value
    if len(stack) >= 3 and type(stack[-3]) is cst.Module:
        if not name.isupper():
            return None
        owner = id(stack[-3])
    elif (
        len(stack) >= 5
        and type(stack[-3]) is cst.IndentedBlock
        and type(stack[-4]) is cst.ClassDef
        and type(stack[-5]) is cst.Module
    ):
        cls = stack[-4]
        assert type(cls) is cst.ClassDef
        names = [cls.name.value, *(dotted_name(b.value) or "" for b in cls.bases)]
        if all(_SETTINGS_CLASS_WORDS.isdisjoint(words_of(n)) for n in names):
            return None
        owner = id(cls)
    else:
        return None
    words = words_of(name)
    if len(words) < 2:
        return None
    prefix = words[:-1]
    if len(prefix) > 1 and prefix[-1] == "use":
        prefix = prefix[:-1]
    if type(value) is cst.Call and last_name(value.func) in ("Field", "field"):
        default = argument(value, 0, "default")
        if default is None:
            return None
        value = default.value
    return (owner, prefix), words[-1], GroupedSetting(name, node, value)


def setting_literal(ctx: FileContext, value: cst.BaseExpression) -> Any:
    """The literal a setting holds, or falls back to when read from the environment
    (``os.environ.get("MQTT_PORT", "1883")`` gives ``"1883"``), else ``NOT_LITERAL``."""
    found = value_of(ctx, value)
    if found is NOT_LITERAL and type(value) is cst.Comparison:
        return _compared_setting(ctx, value)
    if found is NOT_LITERAL:
        if (
            type(value) is cst.Call
            and last_name(value.func) in ("int", "bool", "str")
            and len(value.args) == 1
        ):
            value = value.args[0].value
        default = env_default(ctx, value)
        if default is not None:
            found = value_of(ctx, default)
    return found


_CASE_METHODS = {
    "lower": str.lower,
    "upper": str.upper,
    "casefold": str.casefold,
    "strip": str.strip,
}


def _compared_setting(ctx: FileContext, value: cst.Comparison) -> Any:
    """The flag a setting compared with a literal holds when the environment leaves it
    at its fallback: ``os.environ.get("X", "false").lower() == "true"`` is False."""
    if len(value.comparisons) != 1:
        return NOT_LITERAL
    target = value.comparisons[0]
    expected = literal(target.comparator)
    if not isinstance(target.operator, (cst.Equal, cst.NotEqual)) or not isinstance(
        expected, (str, int)
    ):
        return NOT_LITERAL
    left: cst.BaseExpression = value.left
    methods: list[str] = []
    while (
        type(left) is cst.Call
        and type(left.func) is cst.Attribute
        and left.func.attr.value in _CASE_METHODS
        and not left.args
    ):
        methods.append(left.func.attr.value)
        left = left.func.value
    default = env_default(ctx, left)
    fallback = value_of(ctx, default) if default is not None else NOT_LITERAL
    if not isinstance(fallback, (str, int)) or isinstance(fallback, bool):
        return NOT_LITERAL
    if isinstance(fallback, str):
        for method in reversed(methods):
            fallback = _CASE_METHODS[method](fallback)
    equal = fallback == expected
    return equal if isinstance(target.operator, cst.Equal) else not equal


def remote_host_of(text: Optional[str], loopback: Iterable[str]) -> Optional[str]:
    """The host of a URL or ``host[:port]`` to another machine: a dotted name or an
    address, not loopback; else None."""
    if not text or UNKNOWN_PART in text:
        return None
    host = url_host(text) if "://" in text else _host(text.strip(), "/?#")
    if host is None or is_loopback(host, loopback):
        return None
    if "." not in host and ":" not in host:
        return None
    return host
