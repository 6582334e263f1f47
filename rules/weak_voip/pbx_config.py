"""PBX configuration built as Python objects: Asterisk sections for ``configparser``
(``cfg["trunk"] = {"type": "endpoint", ...}``, or key by key) and FreeSWITCH
``<param name=... value=...>`` elements made with ElementTree or lxml, directly, with
``.set()`` or through a helper of the same module (``_param(settings, "tls", "false")``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, Union

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    binding,
    keyword,
    literal,
    positional,
    value_of,
)

from privalint.engine import FileContext
from privalint.imports import dotted_name

# The tag of a sofia parameter element.
PARAM_TAG = "param"


@dataclass(frozen=True)
class General:
    """A global section without a ``type`` (chan_sip's ``[general]``): one of ``names``
    that sets one of ``keys`` (keys only that section uses); read as a section of
    kind ``kind``."""

    names: frozenset[str]
    keys: frozenset[str]
    kind: str = "general"

    def holds(self, name: Optional[str], keys: Iterable[str]) -> bool:
        return (
            name is not None
            and name.lower() in self.names
            and not self.keys.isdisjoint(k.lower() for k in keys)
        )


@dataclass(frozen=True)
class Untyped:
    """How to read a section dict without a ``type`` that is stored under a section
    name (a dict of trunks a deploy job renders): one holding every key of one of
    ``required`` is a section of that kind (``protocol`` and ``bind``: a transport);
    else one holding a key only Asterisk uses is a section of kind ``default``."""

    required: tuple[tuple[str, frozenset[str]], ...] = ()
    default: Optional[str] = None

    def kind(self, keys: Iterable[str], distinctive: frozenset[str]) -> Optional[str]:
        present = set(keys)
        for kind, needed in self.required:
            if needed and needed <= present:
                return kind
        if self.default and present & distinctive:
            return self.default
        return None


@dataclass(frozen=True)
class SectionDict:
    """An Asterisk section built in Python."""

    # The section's name: the key it is stored under (`cfg["transport-udp"] = {...}`,
    # `{"transport-udp": {...}}`), when that is a literal.
    name: Optional[str]
    kind: str
    # Lowercased key -> (where it is set: a dict element, a keyword, an assignment or a
    # `set` call; its literal value or NOT_LITERAL).
    entries: dict[str, tuple[cst.CSTNode, Any]]
    # Whether one of its keys is one only Asterisk uses (`auth_type`, `aors`).
    distinctive: bool

    def text(self, key: str) -> Optional[str]:
        """The lowercased literal text of a key's value."""
        found = self.entries.get(key)
        if found is None or not isinstance(found[1], (str, bool)):
            return None
        return str(found[1]).lower()

    def expr(self, key: str) -> Optional[cst.BaseExpression]:
        """The expression a key is set to."""
        found = self.entries.get(key)
        node = found[0] if found is not None else None
        if isinstance(node, (cst.DictElement, cst.Arg, cst.Assign)):
            return node.value
        if type(node) is cst.Call and len(node.args) == 3:
            return node.args[2].value
        return None

    @property
    def shown(self) -> str:
        return self.name if self.name is not None else self.kind


class Sections:
    """The Asterisk sections a file builds: dicts (`cfg["trunk"] = {...}`, a dict of
    such dicts, `dict(type=..., ...)`) and sections filled key by key
    (`cfg["trunk"]["type"] = "endpoint"`, `cfg.set("trunk", "type", "endpoint")`).
    A section's `type` is one of `types`; `distinctive` are keys only Asterisk uses."""

    def __init__(
        self,
        ctx: FileContext,
        types: frozenset[str],
        distinctive: frozenset[str],
        general: Optional[General] = None,
        untyped: Optional[Untyped] = None,
    ) -> None:
        self.ctx = ctx
        self.types = types
        self.distinctive = distinctive
        self.general = general
        self.untyped = untyped
        self._dicts: list[SectionDict] = []
        # (configuration object, section) -> entries set key by key.
        self._items: dict[tuple[str, str], dict[str, tuple[cst.CSTNode, Any]]] = {}

    def observe(self, node: cst.CSTNode) -> None:
        """Called with the dicts, calls and assignments of the walk."""
        if type(node) is cst.Dict:
            self._dict(node)
        elif type(node) is cst.Call:
            func = node.func
            if type(func) is cst.Name and func.value == "dict":
                self._dict(node)
            elif type(func) is cst.Attribute and func.attr.value == "set" and len(node.args) == 3:
                section, key = (value_of(self.ctx, a.value) for a in node.args[:2])
                self._item(func.value, section, key, node, node.args[2].value)
        elif type(node) is cst.Assign:
            for target in node.targets:
                item = target.target
                if type(item) is cst.Subscript and type(item.value) is cst.Subscript:
                    section = _index(self.ctx, item.value)
                    self._item(item.value.value, section, _index(self.ctx, item), node, node.value)

    def sections(self) -> list[SectionDict]:
        """Every section, when one of them has a key only Asterisk uses (else none)."""
        found = list(self._dicts)
        for (_, name), entries in self._items.items():
            kind = entries.get("type", (None, NOT_LITERAL))[1]
            if isinstance(kind, str) and kind.lower() in self.types:
                known = bool(entries.keys() & self.distinctive)
                found.append(SectionDict(name.lower(), kind.lower(), entries, known))
            elif self.general is not None and self.general.holds(name, entries):
                found.append(SectionDict(name.lower(), self.general.kind, entries, True))
        return found if any(s.distinctive for s in found) else []

    def _dict(self, node: Union[cst.Dict, cst.Call]) -> None:
        found = section_dict(
            self.ctx, node, self.types, self.distinctive, self.general, self.untyped
        )
        if found is not None:
            self._dicts.append(found)

    def _item(
        self,
        owner: cst.BaseExpression,
        section: Any,
        key: Any,
        node: cst.CSTNode,
        value: cst.BaseExpression,
    ) -> None:
        name = dotted_name(owner)
        if name is None or not isinstance(section, str) or not isinstance(key, str):
            return
        entries = self._items.setdefault((name, section), {})
        entries[key.lower()] = (node, value_of(self.ctx, value))


def _index(ctx: FileContext, node: cst.Subscript) -> Any:
    """The literal key of ``x[key]``."""
    if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
        return NOT_LITERAL
    return value_of(ctx, node.slice[0].slice.value)


def section_dict(
    ctx: FileContext,
    node: Union[cst.Dict, cst.Call],
    types: frozenset[str],
    distinctive: frozenset[str],
    general: Optional[General] = None,
    untyped: Optional[Untyped] = None,
) -> Optional[SectionDict]:
    """The dict being visited (a literal or ``dict(type=..., ...)``) as an Asterisk
    section: its `type` is one of `types`, or it is the global section ``general``
    describes (stored under its name), or a dict without a `type` stored under a
    section name whose keys say its kind (``untyped``)."""
    entries: dict[str, tuple[cst.CSTNode, Any]] = {}
    if type(node) is cst.Dict:
        for element in node.elements:
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if isinstance(key, str):
                    entries[key.lower()] = (element, value_of(ctx, element.value))
    elif type(node.func) is cst.Name and node.func.value == "dict":
        for arg in node.args:
            if arg.keyword is not None:
                entries[arg.keyword.value.lower()] = (arg, value_of(ctx, arg.value))
    kind = entries.get("type", (None, NOT_LITERAL))[1]
    if general is not None and "type" not in entries and general.keys & entries.keys():
        keyed, name = _section_name(ctx)
        if name is not None and general.holds(name, entries):
            return SectionDict(name, general.kind, entries, True)
        return None
    if "type" not in entries and untyped is not None:
        keyed, name = _section_name(ctx)
        guessed = untyped.kind(entries, distinctive) if keyed and name else None
        if guessed is None:
            return None
        return SectionDict(name, guessed, entries, bool(entries.keys() & distinctive))
    if not isinstance(kind, str) or kind.lower() not in types:
        return None
    keyed, name = _section_name(ctx)
    known = bool(entries.keys() & distinctive)
    # A dict with only generic keys (`type`, `protocol`, `bind`) is a section when it is
    # stored under a section name, as configparser wants it.
    if not keyed and not known:
        return None
    return SectionDict(name, kind.lower(), entries, known)


def stored_section(ctx: FileContext) -> Optional[str]:
    """The literal section name the dict being visited is stored under
    (`cfg["general"] = {...}`, `{"general": {...}}`), if any."""
    keyed, name = _section_name(ctx)
    return name if keyed else None


def _section_name(ctx: FileContext) -> tuple[bool, Optional[str]]:
    """Whether the dict being visited is stored under a key (`cfg[name] = {...}`,
    `{name: {...}}`), and that key when it is a literal."""
    stack = ctx.stack
    if len(stack) < 2:
        return False, None
    holder = stack[-2]
    key: Any = NOT_LITERAL
    if type(holder) is cst.DictElement:
        key = value_of(ctx, holder.key)
    elif type(holder) is cst.Assign:
        target = holder.targets[-1].target
        if type(target) is not cst.Subscript:
            return False, None
        key = _index(ctx, target)
    else:
        return False, None
    return True, key.lower() if isinstance(key, str) else None


class Param(NamedTuple):
    """A sofia parameter: where to report it, its lowercased name, its lowercased
    literal value ("" when not literal) and the expression of the value."""

    node: cst.CSTNode
    key: str
    value: str
    expr: Optional[cst.BaseExpression]


def param_parts(
    call: cst.Call,
) -> Optional[tuple[Optional[cst.BaseExpression], Optional[cst.BaseExpression]]]:
    """(name, value) expressions of a call that makes a ``param`` element:
    ``SubElement(parent, "param", name=..., value=...)``, ``Element("param", ...)``, or
    with the attributes in a dict (``SubElement(parent, "param", {"name": ...})``)."""
    tag_at = -1
    for index in (0, 1):
        arg = positional(call, index)
        if (
            arg is not None
            and type(arg.value) is cst.SimpleString
            and arg.value.raw_value == PARAM_TAG
        ):
            tag_at = index
            break
    if tag_at < 0:
        return None
    name = keyword(call, "name")
    value = keyword(call, "value")
    names: Optional[cst.BaseExpression] = name.value if name is not None else None
    values: Optional[cst.BaseExpression] = value.value if value is not None else None
    attrib = positional(call, tag_at + 1) or keyword(call, "attrib")
    if attrib is not None and type(attrib.value) is cst.Dict:
        for element in attrib.value.elements:
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if key == "name":
                    names = element.value
                elif key == "value":
                    values = element.value
    return names, values


def _name_sink(call: cst.Call) -> Sequence[cst.BaseExpression]:
    parts = param_parts(call)
    return [parts[0]] if parts is not None and parts[0] is not None else []


def _value_sink(call: cst.Call) -> Sequence[cst.BaseExpression]:
    parts = param_parts(call)
    return [parts[1]] if parts is not None and parts[1] is not None else []


class ParamReader:
    """Reads the sofia parameters a call makes. ``names`` are the parameter names worth
    following into helpers: a call passing one of them as a literal is looked at."""

    def __init__(self, ctx: FileContext, names: frozenset[str]) -> None:
        self.ctx = ctx
        self.names = names
        # (scope, element variable) -> the name given with `.set("name", ...)`.
        self._set_names: dict[tuple[int, str], str] = {}

    def call(self, node: cst.Call) -> list[Param]:
        parts = param_parts(node)
        if parts is not None:
            return self._param(node, *parts)
        func = node.func
        if (
            type(func) is cst.Attribute
            and func.attr.value in ("set", "setAttribute")
            and len(node.args) == 2
        ):
            return self._set(node, func.value)
        if not self._names_one(node):
            return []
        return self._helper(node)

    def _names_one(self, node: cst.Call) -> bool:
        for arg in node.args:
            value = arg.value
            if type(value) is cst.SimpleString and value.raw_value.lower() in self.names:
                return True
        return False

    def _param(
        self,
        node: cst.CSTNode,
        name: Union[cst.BaseExpression, str, None],
        value: Optional[cst.BaseExpression],
    ) -> list[Param]:
        if name is None or value is None:
            return []
        key = name if isinstance(name, str) else value_of(self.ctx, name)
        if not isinstance(key, str):
            return []
        found = value_of(self.ctx, value)
        shown = str(found).lower() if isinstance(found, (str, bool, int)) else ""
        return [Param(node, key.lower(), shown, value)]

    def _helper(self, node: cst.Call) -> list[Param]:
        """``_param(settings, "tls", "false")`` where ``_param`` passes its parameters
        as the name and value of a ``param`` element."""
        flow = self.ctx.flow
        definition = flow.resolve_local(node.func)
        if definition is None:
            return []
        names = flow.reaching_params(definition, _name_sink, "sofia-param-name")
        values = flow.reaching_params(definition, _value_sink, "sofia-param-value")
        if len(names) != 1 or len(values) != 1:
            return []
        name = flow.argument_for(node, definition, next(iter(names)))
        value = flow.argument_for(node, definition, next(iter(values)))
        return self._param(node, name, value)

    def _set(self, node: cst.Call, receiver: cst.BaseExpression) -> list[Param]:
        """``element.set("name", "tls")`` then ``element.set("value", "false")`` on a
        ``param`` element (``setAttribute`` for minidom)."""
        first = node.args[0].value
        attribute = first.raw_value if type(first) is cst.SimpleString else None
        if attribute not in ("name", "value"):
            return []
        variable = dotted_name(receiver)
        bound = binding(self.ctx, receiver)
        parts = param_parts(bound) if type(bound) is cst.Call else None
        if variable is None or parts is None:
            return []
        scope = next(
            (id(n) for n in reversed(self.ctx.stack) if type(n) is cst.FunctionDef),
            id(self.ctx.module),
        )
        if attribute == "name":
            key = value_of(self.ctx, node.args[1].value)
            if isinstance(key, str):
                self._set_names[(scope, variable)] = key
            return []
        recorded = self._set_names.get((scope, variable))
        return self._param(node, recorded or parts[0], node.args[1].value)
