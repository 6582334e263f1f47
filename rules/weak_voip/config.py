"""Settings of trunks, endpoints and dialers kept in Python: dataclass and pydantic
field defaults, module and class constants, keywords of a constructor call and dict
entries, with the names around them (to tell telephony configuration from other)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Optional, Union
from weakref import WeakKeyDictionary

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    argument,
    enclosing_class,
    env_default,
    last_name,
    literal,
    matches_module,
    value_of,
    words_of,
)

from privalint.engine import FileContext
from privalint.imports import dotted_name


@dataclass(frozen=True)
class Setting:
    node: cst.CSTNode  # where a finding goes
    name: str
    value: cst.BaseExpression
    # Names around the setting: the class and its other fields, the call and its other
    # keywords, the dict's keys and the name it is stored under.
    around: tuple[str, ...]
    # A module constant (``DIALER_MAX_CALLS = 0``): nothing around it but its name.
    constant: bool = False
    # The values of the other fields, keywords or entries (``proxy_uri="sip:..."``).
    siblings: tuple[cst.BaseExpression, ...] = ()
    # The call a keyword setting is passed to (``Trunk(srtp="optional")``).
    call: Optional[cst.Call] = None
    # A module constant: the names of the module's other constants (a settings module
    # of a PBX, ``SIP_DOMAIN`` beside ``MAX_CONCURRENT_CALLS = 0``).
    module_names: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The name as catalogs spell settings: ``sip_transport`` for a constant
        written ``SIP_TRANSPORT``."""
        return self.name.lower() if self.name.isupper() else self.name


AssignNode = Union[cst.Assign, cst.AnnAssign]


def field_default(ctx: FileContext, value: cst.BaseExpression) -> cst.BaseExpression:
    """``0`` for ``Field(0, ge=0)``, ``field(default=0)`` and ``attr.ib(default=0)``."""
    if type(value) is cst.Call and last_name(value.func) in ("Field", "field", "ib", "attrib"):
        default = argument(value, 0, "default")
        if default is not None:
            return default.value
    return value


# Conversions of an environment value whose fallback is still the setting's value.
_CASTS = {"int": int, "str": str}


def setting_value(ctx: FileContext, value: cst.BaseExpression) -> Any:
    """The literal value of a setting; for a setting read from the environment, the
    value it falls back to (``os.environ.get("SIP_TRANSPORT", "udp")``,
    ``int(os.getenv("MAX_CALLS", "0"))``): what runs unless someone overrides it."""
    expr = field_default(ctx, value)
    found = value_of(ctx, expr)
    if found is not NOT_LITERAL:
        return found
    cast = None
    if (
        type(expr) is cst.Call
        and type(expr.func) is cst.Name
        and expr.func.value in _CASTS
        and len(expr.args) == 1
        and expr.args[0].keyword is None
    ):
        cast = _CASTS[expr.func.value]
        expr = expr.args[0].value
    default = env_default(ctx, expr)
    if default is None:
        return NOT_LITERAL
    found = value_of(ctx, default)
    if cast is not None and isinstance(found, (str, int)) and not isinstance(found, bool):
        try:
            return cast(found)
        except ValueError:
            return NOT_LITERAL
    return found


def library_member(
    ctx: FileContext, value: cst.BaseExpression, modules: Iterable[str]
) -> tuple[str, ...]:
    """The words a provider's enum member spells for a setting
    (``api.SIPTransport.SIP_TRANSPORT_UDP`` of ``livekit``: the member name, then its
    last word: ``("sip_transport_udp", "udp")``), or nothing when ``value`` is not an
    upper-case member of one of ``modules``."""
    if type(value) is cst.Attribute:
        member = value.attr.value
    elif type(value) is cst.Name:
        member = value.value
    else:
        return ()
    if not member.isupper() or not matches_module(ctx.qualname(value), modules):
        return ()
    lowered = member.lower()
    return (lowered, lowered.rsplit("_", 1)[-1])


_MODULE_NAMES: WeakKeyDictionary[Any, tuple[str, ...]] = WeakKeyDictionary()


def module_constants(ctx: FileContext) -> tuple[str, ...]:
    """The names assigned at the module's top level (computed once a file)."""
    found = _MODULE_NAMES.get(ctx)
    if found is None:
        names: list[str] = []
        for stmt in ctx.module.body:
            if type(stmt) is not cst.SimpleStatementLine:
                continue
            for small in stmt.body:
                if type(small) is cst.Assign:
                    names.extend(
                        t.target.value for t in small.targets if type(t.target) is cst.Name
                    )
                elif type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                    names.append(small.target.value)
        found = _MODULE_NAMES[ctx] = tuple(names)
    return found


def _class_fields(node: cst.ClassDef) -> tuple[tuple[str, ...], tuple[cst.BaseExpression, ...]]:
    """The class name and its field names, and the fields' default values."""
    names = [node.name.value]
    values: list[cst.BaseExpression] = []
    if type(node.body) is cst.IndentedBlock:
        for stmt in node.body.body:
            if type(stmt) is not cst.SimpleStatementLine:
                continue
            for small in stmt.body:
                if type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                    names.append(small.target.value)
                    if small.value is not None:
                        values.append(small.value)
                elif type(small) is cst.Assign:
                    names.extend(
                        t.target.value for t in small.targets if type(t.target) is cst.Name
                    )
                    values.append(small.value)
    return tuple(names), tuple(values)


def assigned_settings(ctx: FileContext, node: AssignNode) -> list[Setting]:
    """A field of a class body (``max_calls: int = 0``), a module constant, or an
    attribute of ``self``."""
    value = node.value
    if value is None:
        return []
    targets = [node.target] if type(node) is cst.AnnAssign else [t.target for t in node.targets]
    stack = ctx.stack
    owner = stack[-4] if len(stack) >= 4 and type(stack[-3]) is cst.IndentedBlock else None
    found = []
    for target in targets:
        if type(target) is cst.Name:
            if type(owner) is cst.ClassDef:
                around, siblings = _class_fields(owner)
                found.append(
                    Setting(
                        node,
                        target.value,
                        value,
                        around,
                        siblings=tuple(v for v in siblings if v is not value),
                    )
                )
                continue
            elif len(stack) >= 3 and type(stack[-3]) is cst.Module:
                found.append(
                    Setting(
                        node,
                        target.value,
                        value,
                        (target.value,),
                        constant=True,
                        module_names=module_constants(ctx),
                    )
                )
        elif type(target) is cst.Attribute:
            name = dotted_name(target)
            if name is None or not name.startswith("self."):
                continue
            cls = enclosing_class(ctx)
            around = (*(_class_fields(cls)[0] if cls is not None else ()), target.attr.value)
            found.append(Setting(node, target.attr.value, value, around))
    return found


def keyword_settings(node: cst.Call) -> list[Setting]:
    """Keywords of a call: ``Trunk(name="x", srtp="optional")``."""
    keywords = [a for a in node.args if a.keyword is not None]
    if not keywords:
        return []
    around = (last_name(node.func) or "", *(a.keyword.value for a in keywords if a.keyword))
    return [
        Setting(
            a,
            a.keyword.value,
            a.value,
            around,
            siblings=tuple(b.value for b in node.args if b is not a),
            call=node,
        )
        for a in keywords
        if a.keyword
    ]


def dict_settings(ctx: FileContext, node: cst.Dict) -> list[Setting]:
    """Entries of a dict under a literal key, with the name the dict is stored under."""
    entries: list[tuple[cst.DictElement, str]] = []
    for element in node.elements:
        if type(element) is cst.DictElement:
            key = literal(element.key)
            if isinstance(key, str):
                entries.append((element, key))
    if not entries:
        return []
    around = (*(k for _, k in entries), *stored_under(ctx))
    return [
        Setting(e, k, e.value, around, siblings=tuple(f.value for f, _ in entries if f is not e))
        for e, k in entries
    ]


def stored_under(ctx: FileContext) -> list[str]:
    """The keys and the name a dict is stored under, through enclosing dicts, lists
    and calls (``TRUNKS = {"carrier": {"max_calls": 0}}``: ``carrier``, ``TRUNKS``)."""
    names: list[str] = []
    for node in reversed(ctx.stack[:-1]):
        if type(node) is cst.DictElement:
            key = literal(node.key)
            if isinstance(key, str):
                names.append(key)
        elif type(node) is cst.Arg and node.keyword is not None:
            names.append(node.keyword.value)
        elif type(node) is cst.Call:
            name = last_name(node.func)
            if name:
                names.append(name)
        elif type(node) is cst.Assign:
            names.extend(n for t in node.targets if (n := dotted_name(t.target)))
            break
        elif type(node) is cst.AnnAssign:
            name = dotted_name(node.target)
            if name:
                names.append(name)
            break
        elif isinstance(node, (cst.BaseStatement, cst.BaseSmallStatement)):
            break
    return names


def telephony_context(setting: Setting, words: frozenset[str]) -> bool:
    """Whether the names around a setting say it configures telephony."""
    return any(set(words_of(name)) & words for name in setting.around)


def settings_module(setting: Setting, words: frozenset[str]) -> bool:
    """Whether a module constant sits among constants that say the module configures
    telephony (``SIP_DOMAIN``, ``TRUNK_USER``, ``ARI_BASE``): a settings module."""
    return setting.constant and any(set(words_of(name)) & words for name in setting.module_names)


def library_call(ctx: FileContext, setting: Setting, modules: Iterable[str]) -> bool:
    """Whether a setting is a keyword of a call into one of ``modules``, a VoIP
    provider's or SIP stack's own API (``telnyx.CredentialConnection.create(...)``,
    ``client.endpoints.create(...)`` on a Plivo client): what it configures is
    telephony whatever the names around it."""
    return setting.call is not None and matches_module(ctx.qualname(setting.call.func), modules)
