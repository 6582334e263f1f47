"""Calls forwarded, transferred or dialled where an outsider chooses, and call volumes
without a bound."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Optional, cast

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    UNKNOWN_PART,
    StringNode,
    argument,
    binding,
    forwarded_arguments,
    imports_any,
    is_constant_name,
    keyword,
    known_name,
    last_name,
    literal,
    local_definition,
    matches_module,
    module_words,
    positional,
    qualname,
    resolve,
    string_use,
    strip_calls,
    text_of,
    value_of,
    words_of,
)
from privalint.rules.weak_voip.config import (
    Setting,
    assigned_settings,
    dict_settings,
    keyword_settings,
    library_call,
    setting_value,
    settings_module,
    telephony_context,
)
from privalint.rules.weak_voip.lines import rendered, source_line
from privalint.rules.weak_voip.pbx_config import ParamReader, stored_section

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import split_words
from privalint.rule import Rule

if sys.version_info >= (3, 11):
    from re import _parser as sre_parser
else:  # pragma: no cover - older interpreters
    import sre_parse as sre_parser


@dataclass(frozen=True)
class Sink:
    modules: tuple[str, ...]
    suffixes: tuple[str, ...]
    methods: frozenset[str]
    positions: tuple[int, ...]
    keywords: frozenset[str]
    kind: str
    any_receiver: bool
    what: str
    action_classes: frozenset[str] = frozenset()
    paths: tuple[str, ...] = ()
    loose_paths: tuple[str, ...] = ()
    loose_keys: frozenset[str] = frozenset()
    # Methods (or event-socket commands) that move a live call elsewhere: a destination
    # spliced in from an unchecked parameter of a helper nobody in the file calls is
    # an open transfer.
    live_transfers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ForwardingKnowledge:
    sinks: tuple[Sink, ...]
    guard_words: frozenset[str]
    guard_methods: frozenset[str]
    guard_receiver_methods: frozenset[str]
    field_readers: frozenset[str]
    ami_actions: frozenset[str]
    esl_commands: frozenset[str]
    handler_decorators: frozenset[str]
    input_defaults: frozenset[str]
    caller_methods: frozenset[str]
    caller_keys: frozenset[str]
    caller_key_words: frozenset[str]
    caller_key_exclusions: frozenset[str]
    # Each entry: the parts a text must all hold (`<Dial`; `<Transfer` with `<PhoneNumber`).
    markup: tuple[tuple[str, ...], ...]
    ncco_actions: frozenset[str]
    ncco_keys: tuple[str, ...]
    esl_prefixes: frozenset[str] = frozenset()
    esl_trigger_words: tuple[str, ...] = ()
    dialplan_applications: frozenset[str] = frozenset()
    local_endpoints: tuple[str, ...] = ()
    regex_methods: frozenset[str] = frozenset()
    regex_compilers: frozenset[str] = frozenset()
    regex_functions: frozenset[str] = frozenset()
    format_only_length: int = 7
    target_attributes: frozenset[str] = frozenset()
    input_parameters: frozenset[str] = frozenset()
    internal_destination_words: frozenset[str] = frozenset()
    ncco_endpoint_keys: frozenset[str] = frozenset()
    ncco_action_keys: tuple[str, ...] = ("action",)
    store_writes: tuple[tuple[str, int], ...] = ()
    store_reads: frozenset[str] = frozenset()
    helper_words: frozenset[str] = frozenset()
    helper_call_verbs: frozenset[str] = frozenset()
    helper_exclusions: frozenset[str] = frozenset()
    voip_modules: tuple[str, ...] = ()
    dialplan_wildcards: tuple[str, ...] = ()
    # Kamailio KEMI: setters of where a request goes (name -> position of the value),
    # the variables that say so, readers of variables, and the variables (or the
    # readers of headers) whose value the client wrote.
    kemi_setters: tuple[tuple[str, int], ...] = ()
    kemi_targets: frozenset[str] = frozenset()
    kemi_readers: frozenset[str] = frozenset()
    kemi_header_readers: frozenset[str] = frozenset()
    kemi_client_vars: tuple[str, ...] = ()

    def dialling_helper(self, name: str) -> bool:
        """Whether a function's name says it places or forwards a call."""
        words = words_of(name)
        if not words or set(words) & self.helper_exclusions:
            return False
        if set(words) & self.helper_words:
            return True
        return any(
            w == "call" and (i == 0 or words[i - 1] in self.helper_call_verbs)
            for i, w in enumerate(words)
        )

    # Channel variables read back whose name says where the call should go.
    variable_readers: frozenset[str] = frozenset()
    variable_words: frozenset[str] = frozenset()
    variable_ends: frozenset[str] = frozenset()
    variable_prefixes: tuple[str, ...] = ()
    # Dialplan applications run from an AGI script that send the call somewhere.
    agi_applications: frozenset[str] = frozenset()

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ForwardingKnowledge:
        sinks = []
        for entry in catalog.get("voip.forwarding.sinks", []) or []:
            if not isinstance(entry, dict):
                continue
            suffixes = tuple(map(str, entry.get("suffixes", [])))
            sinks.append(
                Sink(
                    modules=tuple(map(str, entry.get("modules", []))),
                    suffixes=suffixes,
                    methods=frozenset(s.rsplit(".", 1)[-1] for s in suffixes),
                    positions=tuple(int(p) for p in entry.get("positions", [])),
                    keywords=frozenset(map(str, entry.get("keywords", []))),
                    kind=str(entry.get("kind", "")),
                    any_receiver=bool(entry.get("any-receiver", False)),
                    what=str(entry.get("what", "call")),
                    action_classes=frozenset(map(str, entry.get("ami-action-classes", []))),
                    paths=tuple(map(str, entry.get("paths", []))),
                    loose_paths=tuple(map(str, entry.get("loose-paths", []))),
                    loose_keys=frozenset(map(str, entry.get("loose-keys", []))),
                    live_transfers=frozenset(
                        str(m).lower() for m in entry.get("live-transfers", [])
                    ),
                )
            )
        return cls(
            sinks=tuple(sinks),
            guard_words=frozenset(catalog.strings("voip.forwarding.guard-words")),
            guard_methods=frozenset(catalog.strings("voip.forwarding.guard-methods")),
            guard_receiver_methods=frozenset(
                catalog.strings("voip.forwarding.guard-receiver-methods")
            ),
            field_readers=frozenset(catalog.strings("voip.forwarding.field-readers")),
            ami_actions=frozenset(
                a.lower() for a in catalog.strings("voip.forwarding.ami-actions")
            ),
            esl_commands=frozenset(
                c.lower() for c in catalog.strings("voip.forwarding.esl-commands")
            ),
            dialplan_applications=frozenset(
                a.lower() for a in catalog.strings("voip.forwarding.dialplan-applications")
            ),
            local_endpoints=tuple(catalog.strings("voip.forwarding.local-endpoints")),
            handler_decorators=frozenset(catalog.strings("voip.forwarding.handler-decorators")),
            input_defaults=frozenset(catalog.strings("voip.forwarding.input-defaults")),
            caller_methods=frozenset(catalog.strings("voip.forwarding.caller-input-methods")),
            variable_readers=frozenset(catalog.strings("voip.forwarding.variable-readers")),
            variable_words=frozenset(
                w.lower() for w in catalog.strings("voip.forwarding.variable-words")
            ),
            variable_ends=frozenset(
                w.lower() for w in catalog.strings("voip.forwarding.variable-ends")
            ),
            variable_prefixes=tuple(
                p.lower() for p in catalog.strings("voip.forwarding.variable-prefixes")
            ),
            agi_applications=frozenset(
                a.lower() for a in catalog.strings("voip.forwarding.agi-applications")
            ),
            caller_keys=frozenset(catalog.strings("voip.forwarding.caller-input-keys")),
            caller_key_words=frozenset(
                w.lower() for w in catalog.strings("voip.forwarding.caller-input-key-words")
            ),
            caller_key_exclusions=frozenset(
                w.lower() for w in catalog.strings("voip.forwarding.caller-input-key-exclusions")
            ),
            markup=(
                *((m,) for m in catalog.strings("voip.forwarding.markup")),
                *(
                    tuple(map(str, parts))
                    for parts in catalog.get("voip.forwarding.markup-combinations", []) or []
                    if isinstance(parts, list) and parts
                ),
            ),
            ncco_actions=frozenset(catalog.strings("voip.forwarding.ncco-actions")),
            ncco_keys=tuple(catalog.strings("voip.forwarding.ncco-destination-keys")),
            esl_prefixes=frozenset(
                p.lower() for p in catalog.strings("voip.forwarding.esl-prefixes")
            ),
            esl_trigger_words=tuple(catalog.strings("voip.forwarding.trigger-words")),
            regex_methods=frozenset(catalog.strings("voip.forwarding.regex-methods")),
            regex_compilers=frozenset(catalog.strings("voip.forwarding.regex-compilers")),
            regex_functions=frozenset(catalog.strings("voip.forwarding.regex-functions")),
            format_only_length=int(catalog.get("voip.forwarding.format-only-length", 7)),
            target_attributes=frozenset(catalog.strings("voip.forwarding.target-attributes")),
            input_parameters=frozenset(catalog.strings("voip.forwarding.input-parameters")),
            internal_destination_words=frozenset(
                catalog.strings("voip.forwarding.internal-destination-words")
            ),
            ncco_endpoint_keys=frozenset(catalog.strings("voip.forwarding.ncco-endpoint-keys")),
            ncco_action_keys=tuple(catalog.strings("voip.forwarding.ncco-action-keys")),
            store_writes=tuple(
                (str(method), int(position))
                for method, position in (
                    catalog.get("voip.forwarding.store-writes", {}) or {}
                ).items()
                if isinstance(position, int) and not isinstance(position, bool)
            ),
            store_reads=frozenset(catalog.strings("voip.forwarding.store-reads")),
            helper_words=frozenset(catalog.strings("voip.forwarding.helper-words")),
            helper_call_verbs=frozenset(catalog.strings("voip.forwarding.helper-call-verbs")),
            helper_exclusions=frozenset(catalog.strings("voip.forwarding.helper-exclusions")),
            voip_modules=tuple(catalog.strings("voip.modules")),
            dialplan_wildcards=tuple(catalog.strings("voip.forwarding.dialplan-wildcards")),
            kemi_setters=tuple(
                (str(name), int(position))
                for name, position in (
                    catalog.get("voip.forwarding.kemi.setters", {}) or {}
                ).items()
                if isinstance(position, int) and not isinstance(position, bool)
            ),
            kemi_targets=frozenset(catalog.strings("voip.forwarding.kemi.targets")),
            kemi_readers=frozenset(catalog.strings("voip.forwarding.kemi.readers")),
            kemi_header_readers=frozenset(catalog.strings("voip.forwarding.kemi.header-readers")),
            kemi_client_vars=tuple(catalog.strings("voip.forwarding.kemi.client-variables")),
        )


# `exten => _00X.,1,Dial(PJSIP/${EXTEN}@carrier)`: the pattern and what Dial() is given.
_DIALPLAN = re.compile(r"exten\s*=>\s*(_[^,\s]+)\s*,\s*[^,]+,\s*Dial\(([^)]*)\)", re.IGNORECASE)
# The dialled number sent through a trunk: `${EXTEN}@trunk`, `tech/trunk/${EXTEN:1}`.
_THROUGH_TRUNK = re.compile(r"\$\{EXTEN(?::[-\d:]+)?\}@|/[^/${}]+/\$\{EXTEN")


def names_in(expr: cst.CSTNode) -> Iterator[str]:
    """Names and attribute chains an expression reads (for matching guards)."""
    if isinstance(expr, (cst.Name, cst.Attribute)):
        name = dotted_name(expr)
        if name is not None:
            yield name
            if type(expr) is cst.Attribute:
                yield from names_in(expr.value)
            return
    if type(expr) is cst.Attribute:
        yield from names_in(expr.value)
    elif type(expr) is cst.FormattedString:
        for part in expr.parts:
            if type(part) is cst.FormattedStringExpression:
                yield from names_in(part.expression)
    elif type(expr) is cst.BinaryOperation:
        yield from names_in(expr.left)
        yield from names_in(expr.right)
    elif type(expr) is cst.Call:
        yield from names_in(expr.func)
        for arg in expr.args:
            yield from names_in(arg.value)
    elif type(expr) is cst.Subscript:
        yield from names_in(expr.value)
    elif isinstance(expr, (cst.Tuple, cst.List, cst.Set, cst.Dict)):
        for element in expr.elements:
            yield from names_in(element.value)
    elif isinstance(expr, (cst.Await, cst.UnaryOperation)):
        yield from names_in(expr.expression)
    elif type(expr) is cst.Comparison:
        yield from names_in(expr.left)
        for target in expr.comparisons:
            yield from names_in(target.comparator)
    elif type(expr) is cst.BooleanOperation:
        yield from names_in(expr.left)
        yield from names_in(expr.right)
    elif type(expr) is cst.IfExp:
        yield from names_in(expr.test)
        yield from names_in(expr.body)
        yield from names_in(expr.orelse)


def _field_read(expr: cst.BaseExpression, readers: frozenset[str]) -> Optional[str]:
    """``form["To"]`` for a read of one field under a literal key: ``form["To"]``,
    ``form.get("To")``, ``request.form.getlist("To")``; ``None`` otherwise."""
    key: Any = NOT_LITERAL
    base: Optional[cst.BaseExpression] = None
    if type(expr) is cst.Subscript and len(expr.slice) == 1:
        element = expr.slice[0].slice
        if type(element) is cst.Index:
            key, base = literal(element.value), expr.value
    elif (
        type(expr) is cst.Call
        and type(expr.func) is cst.Attribute
        and expr.func.attr.value in readers
        and expr.args
        and expr.args[0].keyword is None
    ):
        key, base = literal(expr.args[0].value), expr.func.value
    if not isinstance(key, (str, int)) or isinstance(key, bool) or base is None:
        return None
    owner = dotted_name(base)
    return f"{owner}[{key!r}]" if owner is not None else None


def guard_names(expr: cst.CSTNode, readers: frozenset[str]) -> Iterator[str]:
    """What a check, or a destination, is about: like ``names_in``, but a read of one
    field (``form.get("From")``) is that field alone, never the whole form, so that
    checking one field does not vouch for another."""
    if isinstance(expr, (cst.Subscript, cst.Call)):
        field = _field_read(expr, readers)
        if field is not None:
            yield field
            return
    if isinstance(expr, (cst.Name, cst.Attribute)):
        yield from names_in(expr)
    elif type(expr) is cst.Call:
        yield from guard_names(expr.func, readers)
        for arg in expr.args:
            yield from guard_names(arg.value, readers)
    elif type(expr) is cst.Subscript:
        yield from guard_names(expr.value, readers)
    elif type(expr) is cst.FormattedString:
        for part in expr.parts:
            if type(part) is cst.FormattedStringExpression:
                yield from guard_names(part.expression, readers)
    elif isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        yield from guard_names(expr.left, readers)
        yield from guard_names(expr.right, readers)
    elif isinstance(expr, (cst.Tuple, cst.List, cst.Set, cst.Dict)):
        for element in expr.elements:
            yield from guard_names(element.value, readers)
    elif isinstance(expr, (cst.Await, cst.UnaryOperation)):
        yield from guard_names(expr.expression, readers)
    elif type(expr) is cst.Comparison:
        yield from guard_names(expr.left, readers)
        for target in expr.comparisons:
            yield from guard_names(target.comparator, readers)
    elif type(expr) is cst.IfExp:
        yield from guard_names(expr.test, readers)
        yield from guard_names(expr.body, readers)
        yield from guard_names(expr.orelse, readers)


def _domain_part(
    parts: Sequence[cst.BaseFormattedStringContent],
) -> list[cst.BaseFormattedStringContent]:
    """The parts of a formatted SIP URI that follow a host label up to the end of the
    host (a port, parameters or headers end it), when they name a domain: more than
    the dot that starts them."""
    domain: list[cst.BaseFormattedStringContent] = []
    for part in parts:
        if type(part) is cst.FormattedStringText:
            text = cast(cst.FormattedStringText, part).value
            end = min((i for i in (text.find(c) for c in ":;?>") if i >= 0), default=-1)
            if end >= 0:
                if text[:end].strip("."):
                    domain.append(part)
                break
            if text.strip("."):
                domain.append(part)
        else:
            domain.append(part)
    return domain


def _has_literal_word(pattern: Any) -> bool:
    """Whether a parsed regular expression matches a literal digit or letter somewhere
    (``+44``, ``pbx``): it then restricts what it accepts to more than a format."""
    for op, av in pattern:
        if str(op) == "LITERAL":
            if chr(av).isalnum():
                return True
            continue
        for item in av if isinstance(av, (tuple, list)) else (av,):
            if isinstance(item, sre_parser.SubPattern):
                if _has_literal_word(item):
                    return True
            elif isinstance(item, list) and any(
                isinstance(i, sre_parser.SubPattern) and _has_literal_word(i) for i in item
            ):
                return True
    return False


def format_only(pattern: str, length: int) -> bool:
    """Whether a regular expression only checks the format of a number or name: no
    literal digit or letter, and long enough for any phone number
    (``^\\+[1-9]\\d{7,14}$``, ``\\d+``)."""
    try:
        parsed = sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return parsed.getwidth()[1] >= length and not _has_literal_word(parsed)


class GuardTracker:
    """Names that went through an allowlist check earlier in the current function."""

    def __init__(self, ctx: FileContext, knowledge: ForwardingKnowledge) -> None:
        self.ctx = ctx
        self.knowledge = knowledge
        self._guarded: dict[int, set[str]] = {}

    def _scope(self) -> set[str]:
        for node in reversed(self.ctx.stack):
            if type(node) is cst.FunctionDef:
                return self._guarded.setdefault(id(node), set())
        return self._guarded.setdefault(id(self.ctx.module), set())

    def test(self, expr: cst.BaseExpression, body: Optional[cst.CSTNode] = None) -> None:
        """Record the names an ``if``/``while``/``assert`` test checks. A value an
        ``if`` finds equal to a constant or in a collection (`args[0] == "agent"`,
        `number in ALLOWED`) is known only in its ``body``: its ``elif`` and ``else``
        branches see any other value."""
        if body is None:
            self._record(expr, self._scope())
            return
        for part in _conjuncts(expr):
            if type(part) is cst.Comparison and all(
                isinstance(c.operator, (cst.Equal, cst.In)) for c in part.comparisons
            ):
                self._record(part, self._guarded.setdefault(id(body), set()))
            else:
                self._record(part, self._scope())

    def _record(self, expr: cst.BaseExpression, guarded: set[str]) -> None:
        for names in self._checked(expr):
            guarded.update(names)
            # A check of a value derived from another (`parsed = parse(number)`) checks
            # that one too.
            for name in names:
                if "." not in name and "[" not in name:
                    source = binding(self.ctx, cst.Name(name))
                    if source is not None:
                        guarded.update(self._derived_from(source))

    def _derived_from(self, source: cst.BaseExpression) -> Iterator[str]:
        """The values a derived value was computed from (``number`` for
        ``phonenumbers.parse(number, "GB")`` and for ``number.strip()``), without the
        modules and functions that computed it."""
        readers = self.knowledge.field_readers
        if type(source) is cst.Await:
            source = source.expression
        if type(source) is not cst.Call or _field_read(source, readers) is not None:
            yield from guard_names(source, readers)
            return
        func = source.func
        if type(func) is cst.Attribute:
            qualified = self.ctx.qualname(func.value)
            if qualified is None or qualified.endswith("()"):
                yield from guard_names(func.value, readers)
        for arg in source.args:
            yield from guard_names(arg.value, readers)

    def call(self, node: cst.Call) -> None:
        """A validating call used as a statement (it raises on a bad value)."""
        if self._is_guard_call(node):
            guarded = self._scope()
            for arg in node.args:
                guarded.update(guard_names(arg.value, self.knowledge.field_readers))

    def _is_guard_call(self, node: cst.Call) -> bool:
        name = last_name(node.func) or ""
        return bool(set(words_of(name)) & self.knowledge.guard_words)

    def _checked(self, expr: cst.BaseExpression) -> Iterator[list[str]]:
        readers = self.knowledge.field_readers
        if type(expr) is cst.BooleanOperation:
            yield from self._checked(expr.left)
            yield from self._checked(expr.right)
        elif type(expr) is cst.UnaryOperation:
            yield from self._checked(expr.expression)
        elif type(expr) is cst.Comparison:
            for target in expr.comparisons:
                if isinstance(target.operator, (cst.In, cst.NotIn)):
                    yield list(guard_names(expr.left, readers))
                elif isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                    if is_constant_name(self.ctx, target.comparator):
                        yield list(guard_names(expr.left, readers))
                    elif is_constant_name(self.ctx, expr.left):
                        yield list(guard_names(target.comparator, readers))
        elif type(expr) is cst.Call:
            if _field_read(expr, readers) is not None:
                # `if form.get("To")`: present, not allowed.
                return
            func = expr.func
            method = last_name(func) or ""
            if self._format_check(expr):
                # `E164.match(number)`: any number passes.
                return
            if self._is_guard_call(expr) or method in self.knowledge.guard_methods:
                for arg in expr.args:
                    yield list(guard_names(arg.value, readers))
            if type(func) is cst.Attribute and method in self.knowledge.guard_receiver_methods:
                yield list(guard_names(func.value, readers))

    def _format_check(self, call: cst.Call) -> bool:
        """A regular-expression match whose pattern checks only the format."""
        knowledge = self.knowledge
        func = call.func
        pattern: Optional[cst.Arg] = None
        if qualname(self.ctx, func) in knowledge.regex_functions:
            pattern = argument(call, 0, "pattern")
        elif type(func) is cst.Attribute and func.attr.value in knowledge.regex_methods:
            compiled = resolve(self.ctx, func.value)
            if (
                type(compiled) is cst.Call
                and qualname(self.ctx, compiled.func) in knowledge.regex_compilers
            ):
                pattern = argument(compiled, 0, "pattern")
        text = value_of(self.ctx, pattern.value) if pattern is not None else None
        return isinstance(text, str) and format_only(text, knowledge.format_only_length)

    def guarded(self, expr: cst.BaseExpression) -> bool:
        names = set(guard_names(expr, self.knowledge.field_readers))
        if not names:
            return False
        return any(bool(names & self._guarded.get(id(node), set())) for node in self.ctx.stack)


def _conjuncts(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The parts of an ``and`` chain (the expression itself otherwise)."""
    if type(expr) is cst.BooleanOperation and type(expr.operator) is cst.And:
        yield from _conjuncts(expr.left)
        yield from _conjuncts(expr.right)
    else:
        yield expr


def _handler_params(ctx: FileContext, knowledge: ForwardingKnowledge) -> frozenset[str]:
    """Parameters of the enclosing function that a client fills: those of a web
    handler (route decorator, a Django view's URL arguments) or declared with
    `Form(...)`, `Query(...)` and the like."""
    for node in reversed(ctx.stack):
        if type(node) is cst.FunctionDef:
            break
    else:
        return frozenset()
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    names = {p.name.value for p in every} - {"self", "cls", "request", "req"}
    is_handler = bool(every) and every[0].name.value in ("request", "req")
    for decorator in node.decorators:
        target = decorator.decorator
        if type(target) is cst.Call:
            target = target.func
        if last_name(target) in knowledge.handler_decorators:
            is_handler = True
    if is_handler:
        return frozenset(names)
    return frozenset(
        p.name.value
        for p in every
        if type(p.default) is cst.Call and last_name(p.default.func) in knowledge.input_defaults
    )


def from_outside(
    ctx: FileContext, knowledge: ForwardingKnowledge, expr: cst.BaseExpression
) -> bool:
    """Whether a value is chosen by someone outside: request input, a parameter of a
    web handler, or digits a caller typed."""
    if _constant_lookup(ctx, expr):
        return False
    if _chosen_by_caller(ctx, knowledge, expr):
        return True
    if ctx.categories(expr).user_input:
        return True
    names = set(names_in(expr))
    if names & _handler_params(ctx, knowledge):
        return True
    # A dial string built around the value (`f"PJSIP/{params['to']}@carrier"`).
    fields = (
        [p.expression for p in expr.parts if type(p) is cst.FormattedStringExpression]
        if type(expr) is cst.FormattedString
        else []
    )
    for value in (expr, *fields, *(binding(ctx, n) for n in _simple_names(expr))):
        if value is not None and (
            _caller_input(knowledge, value) or _input_parameter_read(ctx, knowledge, value)
        ):
            return True
    return False


def _bare_names(expr: cst.BaseExpression) -> set[str]:
    """Names that are the value, or a whole field of an f-string."""
    if type(expr) is cst.Name:
        return {expr.value}
    if type(expr) is cst.FormattedString:
        return {
            p.expression.value
            for p in expr.parts
            if type(p) is cst.FormattedStringExpression and type(p.expression) is cst.Name
        }
    return set()


def _input_parameter_read(
    ctx: FileContext, knowledge: ForwardingKnowledge, value: cst.BaseExpression
) -> bool:
    """A field read from a parameter named for request data (``params["to"]``,
    ``payload.get("number")`` in ``def bridge(uuid, params)``)."""
    if not knowledge.input_parameters:
        return False
    if type(value) is cst.Subscript:
        base = value.value
    elif (
        type(value) is cst.Call
        and type(value.func) is cst.Attribute
        and value.func.attr.value in knowledge.field_readers
    ):
        base = value.func.value
    else:
        return False
    if type(base) is not cst.Name or base.value not in knowledge.input_parameters:
        return False
    function = next((n for n in reversed(ctx.stack) if type(n) is cst.FunctionDef), None)
    if function is None:
        return False
    params = function.params
    return any(
        p.name.value == base.value
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    )


def _constant_lookup(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """A destination looked up in a fixed table (``DESTINATIONS[team]``,
    ``cfg.ESCALATION_NUMBERS.get(team)``), directly or through a variable: the
    request picks an entry, not the number."""
    for value in (expr, binding(ctx, expr) if type(expr) is cst.Name else None):
        if type(value) is cst.Subscript:
            if _fixed_table(ctx, value.value):
                return True
        elif (
            type(value) is cst.Call
            and type(value.func) is cst.Attribute
            and value.func.attr.value == "get"
            and _fixed_table(ctx, value.func.value)
        ):
            return True
    return False


def _fixed_table(ctx: FileContext, table: cst.BaseExpression) -> bool:
    """A constant's name (``DESTINATIONS``), not a request's upper-case mapping
    (Django's ``request.POST``, ``request.GET``)."""
    return is_constant_name(ctx, table) and not ctx.categories(table).user_input


def _subscript_parts(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The subscripts an f-string is filled with (``f"PJSIP/{args[1]}@carrier"``)."""
    if type(expr) is not cst.FormattedString:
        return []
    return [
        p.expression
        for p in expr.parts
        if type(p) is cst.FormattedStringExpression and type(p.expression) is cst.Subscript
    ]


def _simple_names(expr: cst.BaseExpression) -> list[cst.Name]:
    if type(expr) is cst.Name:
        return [expr]
    if type(expr) is cst.FormattedString:
        return [
            p.expression
            for p in expr.parts
            if type(p) is cst.FormattedStringExpression and type(p.expression) is cst.Name
        ]
    if type(expr) is cst.BinaryOperation:
        return _simple_names(expr.left) + _simple_names(expr.right)
    return []


def _chosen_by_caller(
    ctx: FileContext, knowledge: ForwardingKnowledge, expr: cst.BaseExpression
) -> bool:
    """A forwarding target read back from where its owner set it
    (``guest.forward_number``), or an element of what a caller keyed in
    (``args[1]`` after ``args = event.get("args", [])``), directly or through a variable."""
    for value in (
        expr,
        *(binding(ctx, n) for n in _simple_names(expr)),
        *_subscript_parts(expr),
    ):
        if value is None:
            continue
        if any(
            "." in name and name.rsplit(".", 1)[-1] in knowledge.target_attributes
            for name in names_in(value)
        ):
            return True
        for _ in range(3):
            if _keyed_in(knowledge, value):
                return True
            if type(value) is not cst.Subscript:
                break
            # An element of a list the caller filled (`event["args"][0]`, or `args[1]`
            # after `args = event.get("args", [])`).
            inner = value.value
            bound = binding(ctx, inner) if type(inner) is cst.Name else inner
            if bound is None:
                break
            value = bound
    return False


def _keyed_in(knowledge: ForwardingKnowledge, value: cst.BaseExpression) -> bool:
    """Caller input (see ``_caller_input``), also read with ``event.get("digits")``."""
    if _caller_input(knowledge, value):
        return True
    return (
        type(value) is cst.Call
        and type(value.func) is cst.Attribute
        and value.func.attr.value in knowledge.field_readers
        and bool(value.args)
        and value.args[0].keyword is None
        and _caller_key(knowledge, literal(value.args[0].value))
    )


def _caller_key(knowledge: ForwardingKnowledge, key: Any) -> bool:
    """A key of what the caller keyed in: one of `caller-input-keys`, or with a word of
    `caller-input-key-words` (`COLLECTED_DIGITS`, `dtmf`, `digit_buffer`) not ending in
    one of `caller-input-key-exclusions` (`dtmf_mode`, `digit_count`: a setting, a
    count)."""
    if not isinstance(key, str):
        return False
    if key in knowledge.caller_keys:
        return True
    words = [w.lower() for w in words_of(key)]
    return (
        bool(words)
        and not knowledge.caller_key_words.isdisjoint(words)
        and words[-1] not in knowledge.caller_key_exclusions
    )


def _destination_variable(knowledge: ForwardingKnowledge, name: Any) -> bool:
    """A channel variable named for where the call should go (`FORWARD_TO`,
    `variable_transfer_to`): set from outside the dialplan, by a caller's
    self-service forwarding or another application."""
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    for prefix in knowledge.variable_prefixes:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :]
            break
    words = [w.lower() for w in words_of(lowered)]
    return (
        len(words) >= 2
        and words[-1] in knowledge.variable_ends
        and not knowledge.variable_words.isdisjoint(words[:-1])
    )


def _caller_input(knowledge: ForwardingKnowledge, value: cst.BaseExpression) -> bool:
    """Digits the caller typed: `call.get_dtmf()`, `event["digits"]`."""
    if type(value) is cst.Await:
        value = value.expression
    if type(value) is cst.Call:
        method = last_name(value.func)
        if method in knowledge.variable_readers and value.args:
            return _destination_variable(knowledge, literal(value.args[0].value))
        return method in knowledge.caller_methods
    if type(value) is cst.Subscript and len(value.slice) == 1:
        element = value.slice[0].slice
        return type(element) is cst.Index and _caller_key(knowledge, literal(element.value))
    return False


def match_sink(ctx: FileContext, knowledge: ForwardingKnowledge, call: cst.Call) -> Optional[Sink]:
    func = call.func
    qualified = qualname(ctx, func)
    method = last_name(func)
    for sink in knowledge.sinks:
        if sink.kind == "ari-rest":
            if type(func) is cst.Attribute and method in sink.methods:
                url = argument(call, None, "url") or positional(
                    call, 1 if method == "request" else 0
                )
                text = text_of(ctx, url.value) if url is not None else None
                if text is not None and any(p in text for p in sink.paths):
                    return sink
                if (
                    text is not None
                    and any(p in text for p in sink.loose_paths)
                    and _request_keys(ctx, call) & sink.loose_keys
                ):
                    return sink
            continue
        if sink.kind == "ami-http":
            if type(func) is cst.Attribute and method in sink.methods:
                for key, value in _request_mappings(ctx, call):
                    if key.lower() == "action":
                        name = value_of(ctx, value)
                        if isinstance(name, str) and name.lower() in knowledge.ami_actions:
                            return sink
            continue
        if matches_module(qualified, sink.modules):
            assert qualified is not None
            stripped = strip_calls(qualified)
            if any(stripped == s or stripped.endswith("." + s) for s in sink.suffixes):
                return sink
        elif (
            sink.any_receiver
            and type(func) is cst.Attribute
            and method in sink.methods
            and (qualified is None or ctx.is_local(qualified))
            and imports_any(ctx, sink.modules)
        ):
            return sink
        elif (
            sink.kind == "esl"
            and type(func) is cst.Attribute
            and method in sink.methods
            and _esl_command_text(ctx, knowledge, call)
        ):
            # `fs.send("api uuid_transfer ...")` on a connection made in another module.
            return sink
    return None


def _esl_command_text(ctx: FileContext, knowledge: ForwardingKnowledge, call: cst.Call) -> bool:
    """Whether the first argument is event-socket command text: `api`/`bgapi` and a
    command that sends a call somewhere (``api uuid_transfer {uuid} {dest}``)."""
    first = positional(call, 0)
    if first is None:
        return False
    text = text_of(ctx, first.value)
    if text is None:
        return False
    words = text.replace("\x00", " ").split()
    return (
        len(words) >= 2
        and words[0].lower() in knowledge.esl_prefixes
        and words[1].lower() in knowledge.esl_commands
    )


def _esl_targets(
    knowledge: ForwardingKnowledge, text: cst.FormattedString
) -> Optional[list[cst.BaseExpression]]:
    """The fields of an event-socket command f-string that say where the call goes:
    after ``uuid_transfer``, ``uuid_deflect`` and the like, the words that follow the
    call's uuid (``api uuid_transfer {uuid} {dest} XML ctx``); ``None`` when the
    command is not of that form."""
    words: list[list[Any]] = [[]]
    for part in text.parts:
        if type(part) is cst.FormattedStringText:
            pieces = part.value.split(" ")
            words[-1].append(pieces[0])
            for piece in pieces[1:]:
                words.append([piece])
        elif type(part) is cst.FormattedStringExpression:
            words[-1].append(part.expression)
    words = [[p for p in w if p != ""] for w in words]
    words = [w for w in words if w]
    plain = ["".join(p for p in w if isinstance(p, str)).lower() for w in words]
    start = 1 if plain and plain[0] in knowledge.esl_prefixes else 0
    if len(words) <= start + 1 or any(isinstance(p, cst.BaseExpression) for p in words[start]):
        return None
    command = plain[start]
    if not command.startswith("uuid_") or command not in knowledge.esl_commands:
        return None
    # Skip the uuid and the leg options (`-bleg`, `-both`).
    rest = [w for w, t in zip(words[start + 2 :], plain[start + 2 :]) if not t.startswith("-")]
    return [p for w in rest for p in w if isinstance(p, cst.BaseExpression)]


# `<action application="bridge" data="...">` with the data's text (fields as `\x00<i>\x00`).
_XML_ACTION = re.compile(r'application\s*=\s*"([\w-]+)"\s+data\s*=\s*"([^"]*)"')
_FIELD = re.compile(r"\x00(\d+)\x00")
# Variables set for a dial string (`{ignore_early_media=true}`, `[leg_timeout=20]`).
_DIAL_VARIABLES = re.compile(r"^(?:\{[^}]*\}|\[[^\]]*\]|<[^>]*>)+")


def _dialplan_targets(
    knowledge: ForwardingKnowledge, text: cst.FormattedString
) -> list[cst.BaseExpression]:
    """The fields of dialplan XML that say where an action sends the call: the last
    part of each dial string of a ``bridge`` (``sofia/gateway/gw/{dest}``; a local
    user's ``user/{ext}@{domain}`` rings a phone of yours), the first word of a
    ``transfer``."""
    fields: list[cst.BaseExpression] = []
    skeleton = []
    for part in text.parts:
        if type(part) is cst.FormattedStringText:
            skeleton.append(part.value.replace('\\"', '"'))
        elif type(part) is cst.FormattedStringExpression:
            skeleton.append(f"\x00{len(fields)}\x00")
            fields.append(part.expression)
    found: list[cst.BaseExpression] = []
    for match in _XML_ACTION.finditer("".join(skeleton)):
        application, data = match.group(1).lower(), match.group(2)
        if application not in knowledge.dialplan_applications:
            continue
        if application in ("bridge", "originate"):
            targets = []
            for dial in re.split(r"[|,]", _DIAL_VARIABLES.sub("", data)):
                dial = _DIAL_VARIABLES.sub("", dial.strip())
                if not dial or dial.lower().startswith(knowledge.local_endpoints):
                    continue
                targets.append(dial.rsplit("/", 1)[-1])
        else:
            targets = data.split()[:1]
        for target in targets:
            found.extend(fields[int(m.group(1))] for m in _FIELD.finditer(target))
    return found


def _request_mappings(ctx: FileContext, call: cst.Call) -> Iterator[tuple[str, cst.BaseExpression]]:
    """The keys and values of the ``params``/``json``/``data`` dicts of a request."""
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value not in ("params", "json", "data"):
            continue
        mapping = resolve(ctx, arg.value)
        if type(mapping) is cst.Dict:
            for element in mapping.elements:
                if type(element) is cst.DictElement:
                    key = literal(element.key)
                    if isinstance(key, str):
                        yield key, element.value
        elif type(mapping) is cst.Call and last_name(mapping.func) == "dict":
            for a in mapping.args:
                if a.keyword is not None:
                    yield a.keyword.value, a.value


def _request_keys(ctx: FileContext, call: cst.Call) -> frozenset[str]:
    return frozenset(key for key, _ in _request_mappings(ctx, call))


def _ari_rest_targets(ctx: FileContext, sink: Sink, call: cst.Call) -> list[cst.BaseExpression]:
    """Where an ARI REST request sends a call: the values under the sink's keys in
    its ``params``/``json``/``data`` dict, and the fields of the URL's query string."""
    found = [value for key, value in _request_mappings(ctx, call) if key in sink.keywords]
    url = argument(call, None, "url") or positional(call, 0)
    if url is not None and type(url.value) is cst.FormattedString:
        query = False
        for part in url.value.parts:
            if type(part) is cst.FormattedStringText:
                query = query or "?" in part.value
            elif query:
                found.append(part.expression)
    return found


def ami_action_name(ctx: FileContext, sink: Sink, call: cst.Call) -> Optional[str]:
    """The action an AMI sink sends (``{"Action": "Redirect", ...}``,
    ``SimpleAction("Redirect", ...)``), or None when it is not written out."""
    first = positional(call, 0) or keyword(call, "action")
    if first is None:
        return None
    action = resolve(ctx, first.value)
    name: Any = None
    if type(action) is cst.Call and known_name(ctx, action.func, sink.action_classes):
        kind = argument(action, 0, "name", "action")
        if kind is not None:
            name = value_of(ctx, kind.value)
    elif type(action) is cst.Dict:
        for element in action.elements:
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if isinstance(key, str) and key.lower() == "action":
                    name = value_of(ctx, element.value)
    return name if isinstance(name, str) else None


def destinations(
    ctx: FileContext, knowledge: ForwardingKnowledge, sink: Sink, call: cst.Call
) -> list[cst.BaseExpression]:
    """The arguments of a sink call that say where the call goes."""
    if sink.kind == "ami":
        first = positional(call, 0) or keyword(call, "action")
        if first is None:
            return []
        action = resolve(ctx, first.value)
        values: list[cst.BaseExpression] = []
        name: Any = None
        if type(action) is cst.Call and known_name(ctx, action.func, sink.action_classes):
            # `SimpleAction("Originate", Channel=..., Exten=...)`
            kind = argument(action, 0, "name", "action")
            if kind is not None:
                name = value_of(ctx, kind.value)
            values.extend(a.value for a in action.args if a.keyword is not None)
            if type(kind) is cst.Arg and kind.keyword is None and len(action.args) > 1:
                second = action.args[1]
                if type(second.value) is cst.Dict:
                    values.extend(
                        e.value for e in second.value.elements if type(e) is cst.DictElement
                    )
        elif type(action) is not cst.Dict:
            return []
        for element in action.elements if type(action) is cst.Dict else ():
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if isinstance(key, str) and key.lower() == "action":
                    name = value_of(ctx, element.value)
                else:
                    values.append(element.value)
        if not isinstance(name, str) or name.lower() not in knowledge.ami_actions:
            return []
        values.extend(a.value for a in call.args if a.keyword is not None)
        return values
    if sink.kind == "ari-rest":
        return _ari_rest_targets(ctx, sink, call)
    if sink.kind == "ami-http":
        return [
            value for key, value in _request_mappings(ctx, call) if key.lower() in sink.keywords
        ]
    if sink.kind == "esl":
        method = (last_name(call.func) or "").lower()
        texts = [text_of(ctx, a.value) or "" for a in call.args]
        words = {w.lower() for text in texts for w in text.replace("\x00", " ").split()}
        if method in knowledge.esl_commands or words & knowledge.esl_commands:
            first = positional(call, 0)
            if first is not None and type(first.value) is cst.FormattedString:
                targets = _esl_targets(knowledge, first.value)
                if targets is not None:
                    return [*targets, *(a.value for a in call.args[1:])]
            return [a.value for a in call.args]
        return []
    if sink.kind == "agi":
        # `agi.exec_command("Dial", f"PJSIP/{dest}@carrier")`: the application, then its
        # arguments.
        first = positional(call, 0)
        name = value_of(ctx, first.value) if first is not None else None
        if not isinstance(name, str) or name.lower() not in knowledge.agi_applications:
            return []
        return [a.value for a in call.args[1:]]
    if not sink.positions and not sink.keywords:
        return [a.value for a in call.args]
    found = [
        a.value for a in call.args if a.keyword is not None and a.keyword.value in sink.keywords
    ]
    for index in sink.positions:
        arg = positional(call, index)
        if arg is not None:
            found.append(arg.value)
    return found


class OpenCallForwarding(Rule):
    """
    ## What it does
    Flags calls that are dialled, forwarded or transferred to a destination taken
    from request input (a form field, a query parameter, a webhook parameter) with
    no allowlist check before: Twilio `<Dial>`/`Dial.number`/`calls.create(to=...)`/
    `calls(sid).update(twiml=...)`, Vonage `create_call`/`transfer_call_*`, AMI
    `Originate`/`Redirect`/`BlindTransfer` actions, ARI `originate`/`redirect`/
    `continueInDialplan`, FreeSWITCH `uuid_transfer`/`originate` (also event-socket
    command text such as `conn.send("api uuid_transfer " + uuid + " " + dest)` on a
    connection made elsewhere, and `bridge`/`transfer` actions of dialplan XML built as
    text for `mod_xml_curl`, a local user's `user/...` dial string aside), Plivo XML `NumberElement`/`UserElement`, pjsua2
    `xfer`/`makeCall`, pyVoIP `call` and AGI scripts running `Dial`/`Transfer`
    (`agi.exec_command("Dial", ...)`). A channel variable named for where the call
    goes (`agi.get_variable("FORWARD_TO")`, `getHeader("variable_transfer_to")`) is
    outside input, set by a caller's self-service forwarding or another application. Destinations looked up in a fixed table
    (`DESTINATIONS[team]`) are not flagged, nor SIP URIs (f-strings) whose host puts a
    subdomain from the request before a fixed domain (`sips:reception@<tenant>.pbx.example.com`).
    ARI's REST interface called through any
    HTTP client (`session.post(".../ari/channels/<id>/continue", params=...)`, or
    `http.post(f"{settings.ari_url}/channels", params={"endpoint": ...})`) counts
    as a sink; a helper that passes request input on to a sink is reported at the call
    and at the sink. TwiML `<Redirect>` to a URL from the request counts too, and so
    does setting a line's forwarding target (`rule.forward_to = payload["forward_to"]`,
    `Forwarding(forward_to=...)`) from request input, unless the value is an e-mail
    address. A field read from a parameter named for request data
    (`def bridge(uuid, params): ... params["relative_number"]`) is request input too.
    A helper that moves a live call (ARI `redirect`/`continueInDialplan`, event-socket
    `uuid_transfer`/`uuid_deflect`) to a destination it is handed, unchecked, counts
    when nothing in its file calls it (`def transfer(uuid, dest)` that sends
    `api uuid_transfer <uuid> <dest>`): whoever calls it chooses where callers go. A
    Kamailio KEMI script that sets the request URI from a header the client wrote
    (`KSR.pv.sets("$ru", KSR.pv.get("$hdr(X-Forward-To)"))`) relays calls anywhere.
    Digits a caller keys in stay outside input when they are collected in a
    dict first (`keyed[uuid] += digit`, later `keyed.pop(uuid)`). A membership test
    (`if to not in ALLOWED: abort()`), a comparison with a constant or a validating
    call on the value before the sink counts as a check (an `if` that finds the value
    equal to a constant or in a collection checks it only in its own body, not in its
    `elif`/`else`); a regular expression that
    only checks the format of a number (`^\\+[1-9]\\d{7,14}$`, `\\d+`) does not, one
    with a literal prefix or a short length (`^\\+44`, `^\\d{3,4}$`) does. Helpers of
    the same module that pass their argument on to such a call are followed.
    A forwarding target read back from where its owner set it (`guest.forward_number`)
    is outside input too, and so are the elements of what a caller keyed in, such as
    the `args` an ARI `StasisStart` event carries (`digits = event.get("args")[1]`).
    A number saved from request input in a key-value store without a check
    (`redis.set("fwd:" + account, form["forward_to"])`) is request input again where
    the file reads it back under the same key prefix and dials it. Vonage NCCO
    endpoints are looked into (`[{"type": "phone", "number": forward}]`, also kept in a
    variable), and so are Sinch SVAML actions (`{"name": "connectPstn", "number": ...}`). In a file that does telephony, a function of another module whose name
    says it places a call (`conference.dial_out(room, body["number"])`,
    `carriers.plivo_callback(form["phone"])`) given a phone number from request input
    counts as a sink too. Asterisk dialplans written as text whose pattern matches
    numbers of any length and dials what the caller entered through a trunk
    (`exten => _00X.,1,Dial(PJSIP/${EXTEN}@carrier)`) are flagged as warnings.

    ## Why is this bad?
    Whoever controls the destination can make your account call premium-rate or
    international numbers (toll fraud), reach internal extensions, or route a
    customer's call, and the personal data said on it, to themselves.

    ## How to fix
    Map the request to a destination you own (`DESTINATIONS[request.form["dept"]]`)
    or check it against an allowlist before dialling.
    """

    id = "PV604"
    name = "open-call-forwarding"
    family = Family.WEAK_VOIP
    severity = Severity.ERROR
    cwe = 441
    title = "Call forwarded to a destination from request input"
    message = "{what} to a destination from request input (`{code}`) without an allowlist check: outsiders choose where your calls go"
    precision = "high"
    INVALID = (
        'from flask import request\nfrom twilio.twiml.voice_response import VoiceResponse\ndef forward():\n    resp = VoiceResponse()\n    resp.dial(request.form["to"])\n    return str(resp)',
    )
    VALID = (
        'from flask import request, abort\nfrom twilio.twiml.voice_response import VoiceResponse\nALLOWED = {"+442071234567"}\ndef forward():\n    to = request.form["to"]\n    if to not in ALLOWED:\n        abort(403)\n    resp = VoiceResponse()\n    resp.dial(to)\n    return str(resp)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return ForwardingKnowledge.from_catalog(catalog)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge = ForwardingKnowledge.from_catalog(catalog)
        words = module_words(m for s in knowledge.sinks for m in s.modules)
        markup = {m[0] for m in knowledge.markup}
        return (
            (
                *words,
                *knowledge.esl_trigger_words,
                *sorted(knowledge.target_attributes),
                *sorted(markup),
                *(f'application="{a}"' for a in sorted(knowledge.dialplan_applications)),
                # Kamailio KEMI scripts.
                *sorted({name.split(".", 1)[0] for name, _ in knowledge.kemi_setters}),
            ),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.guards = GuardTracker(ctx, compiled)
        self._reported: set[int] = set()
        # Sinks whose destination is an unchecked parameter of their function, by
        # function: reported when a call in this file passes request input there.
        self._param_sinks: dict[
            int, list[tuple[cst.Call, str, cst.BaseExpression, set[str], bool]]
        ] = {}
        self._fed: set[tuple[int, str]] = set()
        # Functions of this file called in it: a transfer helper nobody here calls is
        # judged on its own.
        self._called: set[int] = set()
        self._helper_checks: dict[int, set[str]] = {}
        # Containers filled with request input or caller digits (`keyed[uuid] += digit`):
        # what is read back from them is outside input too.
        self._containers: set[str] = set()
        # Literal prefixes of store keys written with request input (`fwd:`), and sinks
        # whose destination is read from a store under a key prefix (judged at the end:
        # the write may come later in the file).
        self._stored: set[str] = set()
        self._store_sinks: list[tuple[cst.CSTNode, str, cst.BaseExpression, str]] = []
        self._store_writes = dict(compiled.store_writes)

    def finish(self) -> None:
        for function, sinks in self._param_sinks.items():
            for node, what, value, params, live in sinks:
                if any((function, p) in self._fed for p in params) or (
                    live and function not in self._called
                ):
                    self.report(node, what=what, code=self.ctx.code(value, 40))
                    break
        for node, what, value, prefix in self._store_sinks:
            if prefix in self._stored and id(node) not in self._reported:
                self._reported.add(id(node))
                shown = f"{self.ctx.code(value, 40)}` read back from `{prefix}…"
                self.report(node, what=what, code=shown)

    # Values kept in a key-value store and read back.

    def _store_write(self, node: cst.Call) -> None:
        """``redis.set(f"fwd:{account}", target)`` with ``target`` from request input."""
        func = node.func
        if type(func) is not cst.Attribute:
            return
        position = self._store_writes.get(func.attr.value)
        if position is None:
            return
        key = positional(node, 0)
        value = keyword(node, "value") or positional(node, position)
        if key is None or value is None:
            return
        prefix = self._key_prefix(key.value)
        if prefix and self._open(value.value):
            self._stored.add(prefix)

    def _key_prefix(self, key: cst.BaseExpression) -> Optional[str]:
        """The literal start of a store key (``fwd:`` of ``f"fwd:{account}"``)."""
        text = text_of(self.ctx, key)
        if text is None:
            return None
        prefix = text.split(UNKNOWN_PART, 1)[0]
        return prefix if len(prefix) >= 2 else None

    def _store_read(self, expr: cst.BaseExpression) -> Optional[str]:
        """The key prefix a value was read from a store under
        (``(await redis.get(f"fwd:{account}")).decode()``, also through a variable)."""
        knowledge: ForwardingKnowledge = self.compiled
        parts = (
            [p.expression for p in expr.parts if type(p) is cst.FormattedStringExpression]
            if type(expr) is cst.FormattedString
            else [expr]
        )
        for part in parts:
            value: Optional[cst.BaseExpression] = part
            for _ in range(4):
                if type(value) is cst.Await:
                    value = value.expression
                elif (
                    type(value) is cst.Call
                    and type(value.func) is cst.Attribute
                    and value.func.attr.value in ("decode", "strip")
                ):
                    value = value.func.value
                elif type(value) is cst.Name:
                    value = binding(self.ctx, value)
                else:
                    break
            if (
                type(value) is cst.Call
                and type(value.func) is cst.Attribute
                and value.func.attr.value in knowledge.store_reads
            ):
                key = positional(value, 0)
                prefix = self._key_prefix(key.value) if key is not None else None
                if prefix:
                    return prefix
        return None

    def _stored_destination(self, node: cst.CSTNode, what: str, value: cst.BaseExpression) -> None:
        """A destination read back from a store: request input if the file writes that
        key with request input (judged at the end)."""
        prefix = self._store_read(value)
        if prefix is not None and not self.guards.guarded(value):
            self._store_sinks.append((node, what, value, prefix))

    def _checked_in(self, definition: cst.FunctionDef) -> set[str]:
        """Names an ``if``/``while``/``assert`` of a helper checks: a helper that checks
        its destination before the sink does not forward an open one."""
        cached = self._helper_checks.get(id(definition))
        if cached is not None:
            return cached
        found: set[str] = set()
        if type(definition.body) is cst.IndentedBlock:
            for stmt in _statements(definition.body.body):
                tests: list[cst.BaseExpression] = []
                if isinstance(stmt, (cst.If, cst.While)):
                    tests.append(stmt.test)
                elif type(stmt) is cst.SimpleStatementLine:
                    tests.extend(s.test for s in stmt.body if type(s) is cst.Assert)
                for test in tests:
                    for names in self.guards._checked(test):
                        found.update(names)
        self._helper_checks[id(definition)] = found
        return found

    def _note_param_sink(
        self, node: cst.Call, sink: Sink, values: list[cst.BaseExpression]
    ) -> None:
        function = next((n for n in reversed(self.ctx.stack) if type(n) is cst.FunctionDef), None)
        if function is None:
            return
        params = {p.name.value for p in (*function.params.posonly_params, *function.params.params)}
        params -= {"self", "cls"}
        transfer = self._live_transfer(node, sink)
        for value in values:
            used = set(names_in(value)) & params
            if used and not self.guards.guarded(value):
                # The parameter itself is the destination (not a field of it, as the
                # channel id of an event).
                # A parameter named for an internal extension (`agent_ext`) is a
                # desk of the PBX, not wherever a caller asks; the call's own id
                # (`uuid`) is what is moved, not where to.
                internal = self.compiled.internal_destination_words
                live = transfer and any(
                    not internal.intersection(split_words(name)[-1:])
                    for name in _bare_names(value) & params
                )
                self._param_sinks.setdefault(id(function), []).append(
                    (node, sink.what, value, used, live)
                )

    def _live_transfer(self, node: cst.Call, sink: Sink) -> bool:
        """Whether the call moves a live call elsewhere (``channel.redirect(...)``,
        ``api uuid_transfer <uuid> <dest>``) rather than placing a new one."""
        if not sink.live_transfers:
            return False
        if sink.kind == "esl":
            first = positional(node, 0)
            text = text_of(self.ctx, first.value) if first is not None else None
            words = (text or "").replace("\x00", " ").lower().split()
            if words and words[0] in self.compiled.esl_prefixes:
                words = words[1:]
            return bool(words) and words[0] in sink.live_transfers
        if sink.kind == "ami":
            # `{"Action": "Redirect", "Channel": channel, "Exten": number, ...}`
            name = ami_action_name(self.ctx, sink, node)
            return name is not None and name.lower() in sink.live_transfers
        return (last_name(node.func) or "").lower() in sink.live_transfers

    def visit_If(self, node: cst.If) -> None:
        self.guards.test(node.test, node.body)

    def visit_While(self, node: cst.While) -> None:
        self.guards.test(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self.guards.test(node.test)

    # Assignments: containers of outside input, and forwarding targets.

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(node, target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node, node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._assigned(node, node.target, node.value)

    def _assigned(
        self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression
    ) -> None:
        knowledge: ForwardingKnowledge = self.compiled
        if type(target) is cst.Subscript:
            owner = dotted_name(target.value)
            if owner is not None and self._outside(value):
                self._containers.add(owner)
        elif type(target) is cst.Attribute and target.attr.value in knowledge.target_attributes:
            self._forwarding_target(node, self.ctx.code(target, 40), value)

    def _forwarding_target(self, node: cst.CSTNode, where: str, value: cst.BaseExpression) -> None:
        """A line's forwarding target set from request input (``rule.forward_to = ...``,
        ``Forwarding(forward_to=...)``); an e-mail address is mail forwarding."""
        if not self._open(value) or "email" in self.ctx.categories(value).cats:
            return
        self.report(
            node,
            what=f"Call forwarding (`{where}`) is set",
            code=self.ctx.code(value, 40),
        )

    def _outside(self, value: cst.BaseExpression) -> bool:
        return from_outside(self.ctx, self.compiled, value) or self._from_container(value)

    def _from_container(self, expr: cst.BaseExpression) -> bool:
        """A value read back from a container of outside input (``keyed.pop(uuid)``)."""
        if not self._containers:
            return False
        for value in (expr, *(binding(self.ctx, n) for n in _simple_names(expr))):
            if type(value) is cst.Await:
                value = value.expression
            if type(value) is cst.Subscript:
                owner = dotted_name(value.value)
            elif (
                type(value) is cst.Call
                and type(value.func) is cst.Attribute
                and value.func.attr.value in ("get", "pop", "setdefault")
            ):
                owner = dotted_name(value.func.value)
            else:
                continue
            if owner in self._containers:
                return True
        return False

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: ForwardingKnowledge = self.compiled
        if type(self.ctx.parent) is cst.Expr:
            self.guards.call(node)
        if knowledge.kemi_setters and type(node.func) is cst.Attribute:
            self._kemi_route(node)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in knowledge.target_attributes:
                self._forwarding_target(arg, f"{arg.keyword.value}=", arg.value)
        self._store_write(node)
        sink = match_sink(self.ctx, knowledge, node)
        if sink is not None:
            values = destinations(self.ctx, knowledge, sink, node)
            for value in values:
                if self._open(value):
                    self._reported.add(id(node))
                    self.report(node, what=sink.what, code=self.ctx.code(value, 40))
                    return
            for value in values:
                self._stored_destination(node, sink.what, value)
            self._note_param_sink(node, sink, values)
            return
        qualified = self.ctx.qualname(node.func)
        if self.ctx.is_local(qualified):
            definition = local_definition(self.ctx, node.func)
            if definition is not None:
                self._called.add(id(definition))
            self._helper(node)
        elif qualified is not None:
            self._imported_helper(node, qualified)

    def _kemi_route(self, node: cst.Call) -> None:
        """``KSR.pv.sets("$ru", KSR.pv.get("$hdr(X-Forward-To)"))``: a Kamailio KEMI
        script sends the request where a header the client wrote says."""
        knowledge: ForwardingKnowledge = self.compiled
        name = dotted_name(node.func)
        position = next((p for n, p in knowledge.kemi_setters if n == name), None)
        if position is None:
            return
        if position > 0:
            target = positional(node, 0)
            if target is None or literal(target.value) not in knowledge.kemi_targets:
                return
        value = positional(node, position)
        if value is None:
            return
        if self._client_header(value.value, 4):
            self._reported.add(id(node))
            self.report(
                node,
                what="Kamailio request URI",
                code=self.ctx.code(value.value, 40),
            )

    def _client_header(self, expr: cst.BaseExpression, depth: int) -> bool:
        """Whether a KEMI value is read from what the client wrote (a header)."""
        knowledge: ForwardingKnowledge = self.compiled
        if depth <= 0:
            return False
        if type(expr) is cst.Name:
            bound = binding(self.ctx, expr)
            return (
                bound is not None
                and not self.guards.guarded(expr)
                and self._client_header(bound, depth - 1)
            )
        if type(expr) is cst.Call:
            name = dotted_name(expr.func)
            if name in knowledge.kemi_header_readers:
                return True
            if name in knowledge.kemi_readers:
                first = positional(expr, 0)
                text = literal(first.value) if first is not None else None
                return isinstance(text, str) and text.startswith(knowledge.kemi_client_vars)
            return any(self._client_header(a.value, depth - 1) for a in expr.args)
        if type(expr) is cst.BinaryOperation:
            return self._client_header(expr.left, depth - 1) or self._client_header(
                expr.right, depth - 1
            )
        if type(expr) is cst.FormattedString:
            return any(
                self._client_header(p.expression, depth - 1)
                for p in expr.parts
                if type(p) is cst.FormattedStringExpression
            )
        return False

    def _imported_helper(self, node: cst.Call, qualified: str) -> None:
        """``esl_control.dial_out(fs, room, body["number"])``: a function of another
        module of the project whose name says it places a call, given a phone number
        from request input."""
        knowledge: ForwardingKnowledge = self.compiled
        name = last_name(node.func)
        if (
            name is None
            or not knowledge.dialling_helper(name)
            or matches_module(qualified, knowledge.voip_modules)
            or not imports_any(self.ctx, knowledge.voip_modules)
        ):
            return
        for arg in node.args:
            cats = self.ctx.categories(arg.value).cats
            if "phone" in cats and "email" not in cats and self._open(arg.value):
                self._reported.add(id(node))
                self.report(
                    node,
                    what=f"`{self.ctx.code(node.func, 40)}` places or forwards a call",
                    code=self.ctx.code(arg.value, 40),
                )
                return

    def _open(self, value: cst.BaseExpression) -> bool:
        return (
            self._outside(value)
            and not self.guards.guarded(value)
            and not self._own_subdomain(value)
        )

    def _own_subdomain(self, value: cst.BaseExpression) -> bool:
        """``f"sip:reception@{tenant}.{SIP_DOMAIN}"``: outside input only names a
        subdomain of a fixed domain that follows it; the call stays on your own hosts."""
        if type(value) is not cst.FormattedString:
            return False
        parts = value.parts
        host = False
        for index, part in enumerate(parts):
            if type(part) is cst.FormattedStringText:
                host = host or "@" in part.value
                continue
            expression = cast(cst.FormattedStringExpression, part).expression
            if not self._outside(expression):
                continue
            rest = parts[index + 1 :]
            if (
                not host
                or not rest
                or type(rest[0]) is not cst.FormattedStringText
                or not cast(cst.FormattedStringText, rest[0]).value.startswith(".")
            ):
                return False
            domain = _domain_part(rest)
            if not domain or any(
                type(p) is cst.FormattedStringExpression
                and self._outside(cast(cst.FormattedStringExpression, p).expression)
                for p in domain
            ):
                return False
        return host

    # Call-control markup built as text (TwiML, AMI actions), Vonage NCCO and Sinch
    # SVAML actions.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        raw = node.value
        if "<" in raw or "Action" in raw:
            self._markup(node)
        if "exten" in raw and "EXTEN" in raw:
            self._dialplan(node)

    def _dialplan(self, node: StringNode) -> None:
        """``exten => _00X.,1,Dial(PJSIP/${EXTEN}@carrier)``: any number the caller
        dials goes out through the trunk."""
        knowledge: ForwardingKnowledge = self.compiled
        text = literal(node) if type(node) is cst.SimpleString else None
        if not isinstance(text, str):
            return
        _, user, _ = string_use(self.ctx.stack)
        if type(user) is cst.Expr:
            return
        if "${{" in text:
            # A `str.format` template: `${{EXTEN}}` is `${EXTEN}` once formatted.
            text = text.replace("{{", "{").replace("}}", "}")
        for match in _DIALPLAN.finditer(text):
            pattern, target = match.group(1), match.group(2)
            if pattern.endswith(knowledge.dialplan_wildcards) and _THROUGH_TRUNK.search(target):
                self.report(
                    node,
                    f"Asterisk dialplan pattern `{pattern}` dials any number the caller enters "
                    f"through a trunk (`Dial({target[:40]})`): whoever reaches the context can call "
                    "premium-rate and international numbers; match the numbers you mean to "
                    "allow (`_0[1-9]XXXXXXXXX`)",
                    severity=Severity.WARNING,
                    line_offset=source_line(node, text.count("\n", 0, match.start())),
                )
                return

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._markup(node)
        if any(
            type(p) is cst.FormattedStringText and "application=" in p.value for p in node.parts
        ):
            self._dialplan_action(node)

    def _dialplan_action(self, node: cst.FormattedString) -> None:
        """``<action application="bridge" data="sofia/gateway/carrier/{number}"/>`` in
        FreeSWITCH dialplan XML (served to `mod_xml_curl`): the number comes from outside."""
        knowledge: ForwardingKnowledge = self.compiled
        if any(id(n) in self._reported for n in self.ctx.stack):
            return
        for value in _dialplan_targets(knowledge, node):
            if self._open(value):
                self._reported.add(id(node))
                self.report(
                    node,
                    what="FreeSWITCH dialplan action",
                    code=self.ctx.code(value, 40),
                )
                return

    def _markup(self, node: StringNode) -> None:
        knowledge: ForwardingKnowledge = self.compiled
        if type(node) is cst.SimpleString:
            text = literal(node)
        else:
            text = "".join(p.value for p in node.parts if type(p) is cst.FormattedStringText)
        if not isinstance(text, str):
            return
        marker = next((m for m in knowledge.markup if all(p in text for p in m)), None)
        if marker is None:
            return
        top, _, _ = string_use(self.ctx.stack)
        if id(top) in self._reported or isinstance(top, (cst.SimpleString, cst.ConcatenatedString)):
            return
        if any(id(n) in self._reported for n in self.ctx.stack):
            return
        self._reported.add(id(top))
        if self._open(top):
            self.report(top, what=f"`{marker[0].strip('<')}` markup", code=self.ctx.code(top, 40))

    def visit_Dict(self, node: cst.Dict) -> None:
        knowledge: ForwardingKnowledge = self.compiled
        values: dict[str, cst.BaseExpression] = {}
        for element in node.elements:
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if isinstance(key, str):
                    values[key] = element.value
        action = None
        for key in knowledge.ncco_action_keys:
            name = literal(values[key]) if key in values else None
            if isinstance(name, str) and name in knowledge.ncco_actions:
                action = name
                break
        if action is None:
            return
        if any(id(n) in self._reported for n in self.ctx.stack):
            return
        for key in knowledge.ncco_keys:
            target = values.get(key)
            for value in self._endpoint_values(target) if target is not None else ():
                if self._open(value):
                    self._reported.add(id(node))
                    # On the destination when it is written inside the action (the
                    # line a reader looks at), else on the action.
                    where = value if self._within(value, node) else node
                    self.report(
                        where, what=f"call-control action `{action}`", code=self.ctx.code(value, 40)
                    )
                    return

    def _within(self, value: cst.CSTNode, node: cst.CSTNode) -> bool:
        """Whether ``value`` is written inside ``node`` (not reached through a name)."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current is value:
                return True
            stack.extend(current.children)
        return False

    def _endpoint_values(self, target: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
        """The values of an NCCO endpoint that say where the call goes: the endpoint
        itself, and in a list of endpoint dicts (``[{"type": "phone", "number": n}]``,
        also kept in a variable first) the values under the endpoint keys."""
        knowledge: ForwardingKnowledge = self.compiled
        yield target
        resolved = resolve(self.ctx, target)
        elements = (
            [e.value for e in resolved.elements]
            if isinstance(resolved, (cst.List, cst.Tuple))
            else [resolved]
        )
        for element in elements:
            endpoint = resolve(self.ctx, element)
            if type(endpoint) is not cst.Dict:
                continue
            for item in endpoint.elements:
                if (
                    type(item) is cst.DictElement
                    and literal(item.key) in knowledge.ncco_endpoint_keys
                ):
                    yield item.value

    def _helper(self, node: cst.Call) -> None:
        if not any(self.ctx.categories(a.value).user_input for a in node.args):
            return
        knowledge: ForwardingKnowledge = self.compiled

        definition = local_definition(self.ctx, node.func)
        checked = self._checked_in(definition) if definition is not None else set()

        def sink_values(call: cst.Call) -> Sequence[cst.BaseExpression]:
            sink = match_sink(self.ctx, knowledge, call)
            if sink is None:
                return []
            return [
                v
                for v in destinations(self.ctx, knowledge, sink, call)
                if not set(guard_names(v, knowledge.field_readers)) & checked
            ]

        for index, arg in forwarded_arguments(self.ctx, node, sink_values, "voip-forwarding"):
            if self._open(arg):
                definition = local_definition(self.ctx, node.func)
                name = definition.name.value if definition is not None else "the helper"
                if definition is not None:
                    params = self.ctx.flow.parameters(definition, type(node.func) is cst.Attribute)
                    if 0 <= index < len(params):
                        # The sink inside the helper is reported too (at `finish`).
                        self._fed.add((id(definition), params[index]))
                self.report(
                    node,
                    what=f"`{name}` places or forwards a call",
                    code=self.ctx.code(arg, 40),
                )
                return


@dataclass(frozen=True)
class CallbackKnowledge:
    methods: frozenset[str]
    accept_codes: tuple[int, ...]
    accept_names: frozenset[str]
    destination_attributes: frozenset[str]
    base_modules: tuple[str, ...]


class CallTransferAccepted(Rule):
    """
    ## What it does
    Flags pjsua2 `onCallTransferRequest` callbacks that accept every transfer (they
    leave the default 202 status, or set it, without looking at `prm.dstUri`) and
    `onCallRedirected` callbacks that accept every redirect target.

    ## Why is this bad?
    A SIP REFER or 3xx response from the other party then makes your agent call
    any number the other party names, at your cost (toll fraud), or hand the call
    over to an eavesdropper.

    ## How to fix
    Check `prm.dstUri` (`prm.targetUri`) against the destinations you allow and set
    `prm.statusCode = 603` (return `PJSIP_REDIRECT_REJECT`) otherwise.
    """

    id = "PV605"
    name = "call-transfer-accepted"
    family = Family.WEAK_VOIP
    severity = Severity.WARNING
    cwe = 441
    title = "SIP transfer or redirect accepted to any destination"
    message = "`{method}` accepts every {what} without checking the destination"
    precision = "high"
    triggers = (("onCallTransferRequest", "onCallRedirected"),)
    INVALID = (
        "import pjsua2 as pj\nclass Call(pj.Call):\n    def onCallTransferRequest(self, prm):\n        prm.statusCode = 202",
    )
    VALID = (
        'import pjsua2 as pj\nALLOWED = {"sip:desk@pbx.example.com"}\nclass Call(pj.Call):\n    def onCallTransferRequest(self, prm):\n        if prm.dstUri not in ALLOWED:\n            prm.statusCode = 603',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return CallbackKnowledge(
            methods=frozenset(catalog.strings("voip.transfer-callbacks.methods")),
            accept_codes=tuple(catalog.get("voip.transfer-callbacks.accept-codes", []) or []),
            accept_names=frozenset(catalog.strings("voip.transfer-callbacks.accept-names")),
            destination_attributes=frozenset(
                catalog.strings("voip.transfer-callbacks.destination-attributes")
            ),
            base_modules=tuple(catalog.strings("voip.transfer-callbacks.base-modules")),
        )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        knowledge: CallbackKnowledge = self.compiled
        if node.name.value not in knowledge.methods or not imports_any(
            self.ctx, knowledge.base_modules
        ):
            return
        if type(node.body) is not cst.IndentedBlock:
            return
        statements = list(_statements(node.body.body))
        for stmt in statements:
            if isinstance(stmt, (cst.If, cst.While)) and self._mentions_destination(stmt.test):
                return
        accepting: Optional[cst.CSTNode] = None
        for stmt in node.body.body:
            if type(stmt) is not cst.SimpleStatementLine:
                continue
            for small in stmt.body:
                if type(small) is cst.Assign and any(
                    last_name(t.target) == "statusCode" for t in small.targets
                ):
                    code = value_of(self.ctx, small.value)
                    if code not in knowledge.accept_codes:
                        return
                    accepting = small
                elif type(small) is cst.Return and small.value is not None:
                    name = last_name(small.value)
                    if name not in knowledge.accept_names:
                        return
                    accepting = small
        if node.name.value == "onCallRedirected" and accepting is None:
            return
        self.report(
            accepting or node.name,
            method=node.name.value,
            what="redirect" if node.name.value == "onCallRedirected" else "call transfer (REFER)",
        )

    def _mentions_destination(self, expr: cst.BaseExpression) -> bool:
        knowledge: CallbackKnowledge = self.compiled
        return any(
            name.rsplit(".", 1)[-1] in knowledge.destination_attributes for name in names_in(expr)
        )


def _statements(body: Sequence[cst.BaseStatement]) -> Iterator[cst.BaseStatement]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(
            stmt, (cst.FunctionDef, cst.ClassDef)
        ):
            blocks = [c.body for c in stmt.cases] if type(stmt) is cst.Match else [stmt.body]
            for block in blocks:
                if type(block) is cst.IndentedBlock:
                    yield from _statements(block.body)


@dataclass(frozen=True)
class LimitKnowledge:
    attributes: frozenset[str]
    limit: int
    modules: tuple[str, ...]
    dial_suffixes: tuple[str, ...]
    dial_constructors: frozenset[str]
    time_limit_keywords: frozenset[str]
    forwarding: ForwardingKnowledge
    limit_words: frozenset[str] = frozenset()
    call_words: frozenset[str] = frozenset()
    unlimited: tuple[int, ...] = ()
    context_words: frozenset[str] = frozenset()
    voip_modules: tuple[str, ...] = ()
    # `modparam("dialog", "default_timeout", 0)`: dialogs that never end.
    endless_dialog: re.Pattern[str] = re.compile("(?!)")
    endless_words: tuple[str, ...] = ()
    # FreeSWITCH's `limit` application run over the event socket with no maximum.
    limit_apps: frozenset[str] = frozenset()
    limit_methods: frozenset[str] = frozenset()
    limit_modules: tuple[str, ...] = ()
    # Keys of PBX configuration sections that cap calls (chan_sip's `call-limit`).
    pbx_keys: frozenset[str] = frozenset()
    # FreeSWITCH session caps: `fsctl max_sessions <n>` over the event socket and
    # `<param name="max-sessions" value="<n>"/>` in switch.conf; `session_ceiling` and
    # above is no bound.
    session_controls: frozenset[str] = frozenset()
    session_params: frozenset[str] = frozenset()
    session_ceiling: int = 100000


class UnboundedCallVolume(Rule):
    """
    ## What it does
    Flags call volumes without a sensible bound: a concurrent-call limit such as
    pjsua2's `uaConfig.maxCalls` raised above the catalog's limit (100); a call limit
    or channel limit of a trunk, dialer or PBX configuration kept in Python
    (`max_concurrent_calls: int = 0` in a dataclass or pydantic model,
    `Trunk(max_calls=None)`, `{"max_channels": -1}`)
    set to a value that means "no limit", when the names around it say it is telephony
    (`DialerSettings`, a `trunk` field) or when it is given to a provider's API
    (`telnyx.OutboundVoiceProfile.create(concurrent_call_limit=None)`), also the
    participants of a conference bridge (`max_participants: int = 0` beside
    `esl_host`), call caps of PBX configuration sections built for configparser
    (`cfg["general"] = {"call-limit": "0"}`, asterisk.conf's `maxcalls`), FreeSWITCH's
    `limit` application run over the event socket with a
    maximum of -1 (`con.execute("limit", "hash outbound carrier -1", uuid)`),
    FreeSWITCH's session cap lifted (`fsctl max_sessions 0` over the event socket,
    switch.conf's `max-sessions`/`max-proceeding` set to 0 or 100000 and more), also
    module constants of a settings module with other telephony
    constants (`MAX_CONCURRENT_CALLS = int(os.environ.get("MAX_CONCURRENT_CALLS", "0"))`
    beside `SIP_DOMAIN`); Kamailio/OpenSIPS dialogs that never time out
    (`modparam("dialog", "default_timeout", 0)`, in text or filled into a template);
    and Twilio `<Dial>` forwarding to a number
    taken from data or request input without a `time_limit` (not when the number is
    looked up in a fixed table).

    ## Why is this bad?
    When an account or a webhook is abused, the number of simultaneous calls and
    their length are what bound the damage: hundreds of parallel calls to
    premium-rate numbers run up large bills within minutes.

    ## How to fix
    Keep the concurrent-call limit near the real need and set a `time_limit` on
    forwarded calls; put rate limits on the endpoints that start calls.
    """

    id = "PV606"
    name = "unbounded-call-volume"
    family = Family.WEAK_VOIP
    severity = Severity.WARNING
    cwe = 770
    title = "Call volume or duration without a bound"
    message = "{what}"
    precision = "high"
    INVALID = ("import pjsua2 as pj\nep_cfg = pj.EpConfig()\nep_cfg.uaConfig.maxCalls = 512",)
    VALID = ("import pjsua2 as pj\nep_cfg = pj.EpConfig()\nep_cfg.uaConfig.maxCalls = 8",)

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return LimitKnowledge(
            attributes=frozenset(catalog.strings("voip.limits.max-calls-attributes")),
            limit=int(catalog.get("voip.limits.max-calls-limit", 100)),
            modules=tuple(catalog.strings("voip.limits.max-calls-modules")),
            dial_suffixes=tuple(catalog.strings("voip.limits.dial-suffixes")),
            dial_constructors=frozenset(catalog.strings("voip.limits.dial-constructors")),
            time_limit_keywords=frozenset(catalog.strings("voip.limits.time-limit-keywords")),
            forwarding=ForwardingKnowledge.from_catalog(catalog),
            limit_words=frozenset(catalog.strings("voip.limits.limit-words")),
            call_words=frozenset(catalog.strings("voip.limits.call-words")),
            unlimited=tuple(
                v
                for v in catalog.get("voip.limits.unlimited-values", []) or []
                if isinstance(v, int)
            ),
            context_words=frozenset(catalog.strings("voip.limits.context-words")),
            voip_modules=tuple(catalog.strings("voip.modules")),
            endless_dialog=re.compile(
                r"modparam\(\s*[\"'](?:"
                + (
                    "|".join(map(re.escape, catalog.strings("voip.limits.dialog-modules")))
                    or "(?!)"
                )
                + r")[\"']\s*,\s*[\"'](?:"
                + (
                    "|".join(map(re.escape, catalog.strings("voip.limits.dialog-timeouts")))
                    or "(?!)"
                )
                + r")[\"']\s*,\s*[\"']?0[\"']?\s*\)",
                re.IGNORECASE,
            ),
            endless_words=tuple(catalog.strings("voip.limits.dialog-timeouts")),
            limit_apps=frozenset(catalog.strings("voip.limits.freeswitch-limit-apps")),
            limit_methods=frozenset(catalog.strings("voip.limits.freeswitch-limit-methods")),
            limit_modules=tuple(catalog.strings("voip.limits.freeswitch-modules")),
            pbx_keys=frozenset(k.lower() for k in catalog.strings("voip.limits.pbx-limit-keys")),
            session_controls=frozenset(
                k.lower() for k in catalog.strings("voip.limits.freeswitch-session-controls")
            ),
            session_params=frozenset(
                k.lower() for k in catalog.strings("voip.limits.freeswitch-session-params")
            ),
            session_ceiling=int(catalog.get("voip.limits.freeswitch-session-ceiling", 100000)),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge: LimitKnowledge = cls.compile(catalog)
        # A known attribute or Twilio satisfies every group; a limit kept in settings
        # needs a call word, a limit word and a VoIP context word in the file.
        always = (
            *sorted(knowledge.attributes),
            "twilio",
            "signalwire",
            # A dialog module's timeout is set in `modparam(...)` text (`default_timeout`
            # alone is any cache's).
            "modparam",
            # FreeSWITCH's `limit` over the event socket.
            *module_words(knowledge.limit_modules),
            # Call caps of PBX configuration sections.
            *sorted(knowledge.pbx_keys),
            # FreeSWITCH session caps (event-socket `fsctl`, switch.conf parameters).
            *sorted(knowledge.session_controls),
            *sorted(knowledge.session_params),
        )
        # Words of identifiers, not substrings (`ami` is in `dynamic`, `cap` in `escape`).
        return (
            (*always, *(f"name:{w}" for w in sorted(knowledge.call_words))),
            (*always, *(f"name:{w}" for w in sorted(knowledge.limit_words))),
            (
                *always,
                *(f"name:{w}" for w in sorted(knowledge.context_words)),
                # Limits passed to a provider's API.
                *module_words(knowledge.voip_modules),
            ),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.guards = GuardTracker(ctx, compiled.forwarding)
        self._params = ParamReader(ctx, compiled.session_params)

    def visit_If(self, node: cst.If) -> None:
        self.guards.test(node.test, node.body)

    def visit_Assert(self, node: cst.Assert) -> None:
        self.guards.test(node.test)

    def _unbounded_sessions(self, value: object) -> bool:
        knowledge: LimitKnowledge = self.compiled
        try:
            number = int(str(value).strip())
        except ValueError:
            return False
        return number in knowledge.unlimited or number >= knowledge.session_ceiling

    def _session_cap(self, node: cst.Call) -> None:
        """``con.send("api fsctl max_sessions 0")`` and
        ``SubElement(settings, "param", name="max-sessions", value="1000000")``:
        FreeSWITCH's cap on simultaneous sessions removed."""
        knowledge: LimitKnowledge = self.compiled
        for param in self._params.call(node):
            if param.key in knowledge.session_params and self._unbounded_sessions(param.value):
                self.report(
                    param.node,
                    what=f"FreeSWITCH `{param.key}` set to {param.value}: the sessions an "
                    "abused account or trunk can run at once are not bounded",
                )
                return
        if type(node.func) is not cst.Attribute:
            return
        first = positional(node, 0)
        text = text_of(self.ctx, first.value) if first is not None else None
        if text is None or "fsctl" not in text:
            return
        words = text.replace("\x00", " ").split()
        while words and words[0].lower() in knowledge.forwarding.esl_prefixes:
            words = words[1:]
        if (
            len(words) == 3
            and words[0] == "fsctl"
            and words[1].lower() in knowledge.session_controls
            and self._unbounded_sessions(words[2])
        ):
            self.report(
                node,
                what=f"FreeSWITCH `fsctl {words[1]} {words[2]}` lifts the cap on sessions: "
                "the calls an abused account or trunk can run at once are not bounded",
            )

    # Call limits kept in configuration.

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)

    def visit_Dict(self, node: cst.Dict) -> None:
        settings = dict_settings(self.ctx, node)
        for setting in settings:
            self._setting(setting)
        self._rendered(settings)
        if self.compiled.pbx_keys:
            self._pbx_section(node)

    def _pbx_section(self, node: cst.Dict) -> None:
        """``cfg["general"] = {..., "call-limit": "0"}``: a call cap of a PBX
        configuration section (a dict stored under a section name, as configparser
        wants it) set to a value that means "no limit"."""
        knowledge: LimitKnowledge = self.compiled
        for element in node.elements:
            if type(element) is not cst.DictElement:
                continue
            key = literal(element.key)
            if not isinstance(key, str) or key.lower() not in knowledge.pbx_keys:
                continue
            value = value_of(self.ctx, element.value)
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value not in knowledge.unlimited
                or stored_section(self.ctx) is None
            ):
                continue
            self.report(
                element,
                what=f"`{key}` is `{value}` in a PBX configuration section, which sets no "
                "limit: the calls an abused account, trunk or peer can run are not bounded",
            )

    # Kamailio/OpenSIPS dialogs without a timeout, in text or a filled template.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        knowledge: LimitKnowledge = self.compiled
        if any(w in node.value for w in knowledge.endless_words):
            if type(string_use(self.ctx.stack)[1]) is cst.Expr:
                # A docstring or a bare string: not configuration.
                return
            text = literal(node)
            match = knowledge.endless_dialog.search(text) if isinstance(text, str) else None
            if match is not None and isinstance(text, str):
                self._endless(
                    node, match.group(0), source_line(node, text.count("\n", 0, match.start()))
                )

    def _rendered(self, settings: list[Setting]) -> None:
        knowledge: LimitKnowledge = self.compiled
        for lines in rendered(self.ctx, [(s.name, s.value, s.node) for s in settings]):
            for line in lines:
                match = knowledge.endless_dialog.search(line.text) if line.own else None
                if match is not None:
                    self._endless(line.node, match.group(0), 0)

    def _freeswitch_limit(self, node: cst.Call) -> None:
        """``con.execute("limit", "hash outbound carrier -1", uuid)``: FreeSWITCH's
        `limit` application with a maximum of -1 counts calls but never refuses one."""
        knowledge: LimitKnowledge = self.compiled
        if (
            type(node.func) is not cst.Attribute
            or node.func.attr.value not in knowledge.limit_methods
            or len(node.args) < 2
        ):
            return
        app = literal(node.args[0].value)
        data = text_of(self.ctx, node.args[1].value)
        if app not in knowledge.limit_apps or data is None:
            return
        words = data.split()
        # `<backend> <realm> <resource> <max>[/<interval>]`
        if len(words) < 4 or words[3].split("/", 1)[0] not in ("-1",):
            return
        if not imports_any(self.ctx, knowledge.limit_modules):
            return
        self.report(
            node,
            what=f"FreeSWITCH `limit {data[:40]}` has no maximum: the calls an abused "
            "account or trunk can run are not bounded",
        )

    def _endless(self, node: cst.CSTNode, code: str, offset: int) -> None:
        self.report(
            node,
            what=f"`{code}` lets calls run without a time limit: a call left up by an abused "
            "account or a stuck client is never ended",
            line_offset=offset,
        )

    def _limit_name(self, name: str) -> bool:
        knowledge: LimitKnowledge = self.compiled
        words = set(words_of(name))
        return bool(words & knowledge.limit_words) and bool(words & knowledge.call_words)

    def _setting(self, setting: Setting) -> None:
        knowledge: LimitKnowledge = self.compiled
        if not self._limit_name(setting.name):
            return
        value = setting_value(self.ctx, setting.value)
        if not (
            value is None
            or (
                isinstance(value, int)
                and not isinstance(value, bool)
                and value in knowledge.unlimited
            )
        ):
            return
        if not (
            telephony_context(setting, knowledge.context_words)
            or (setting.constant and imports_any(self.ctx, knowledge.voip_modules))
            or settings_module(setting, knowledge.context_words)
            or library_call(self.ctx, setting, knowledge.voip_modules)
        ):
            return
        self.report(
            setting.node,
            what=f"`{setting.name}` is `{value}`, which sets no limit: the calls an abused "
            "account, trunk, endpoint or conference can run are not bounded",
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: LimitKnowledge = self.compiled
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)
        for target in node.targets:
            expr = target.target
            if type(expr) is cst.Attribute and expr.attr.value in knowledge.attributes:
                if not imports_any(self.ctx, knowledge.modules):
                    continue
                value = value_of(self.ctx, node.value)
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and value > knowledge.limit
                ):
                    self.report(
                        node,
                        what=f"`{self.ctx.code(node, 60)}` allows {value} concurrent calls "
                        f"(more than {knowledge.limit}): abuse is not bounded",
                    )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: LimitKnowledge = self.compiled
        if type(self.ctx.parent) is cst.Expr:
            self.guards.call(node)
        settings = keyword_settings(node)
        for setting in settings:
            self._setting(setting)
        self._rendered(settings)
        self._freeswitch_limit(node)
        self._session_cap(node)
        qualified = self.ctx.qualname(node.func)
        if qualified is None or not qualified.startswith(("twilio.", "signalwire.")):
            return
        stripped = strip_calls(qualified)
        if not any(stripped.endswith("." + s) for s in knowledge.dial_suffixes):
            return
        destination = argument(node, 0, "number")
        if (
            destination is None
            or is_constant_name(self.ctx, destination.value)
            or _constant_lookup(self.ctx, destination.value)
        ):
            return
        carried = self.ctx.categories(destination.value)
        if not (carried.user_input or "phone" in carried.cats) or self.guards.guarded(
            destination.value
        ):
            return
        dial = self._dial_verb(node)
        if dial is None or keyword(dial, *knowledge.time_limit_keywords) is not None:
            return
        self.report(
            node,
            what=f"`{self.ctx.code(node, 50)}` forwards to a number from data without a "
            "`time_limit` on the <Dial>: forwarded calls may run for hours",
        )

    def _dial_verb(self, node: cst.Call) -> Optional[cst.Call]:
        """The call that created the <Dial> verb (it carries `time_limit`)."""
        knowledge: LimitKnowledge = self.compiled
        func = node.func
        if type(func) is cst.Attribute and func.attr.value == "dial":
            return node
        if type(func) is cst.Attribute:
            verb = resolve(self.ctx, func.value)
            if type(verb) is cst.Call:
                qualified = self.ctx.qualname(verb.func)
                if qualified in knowledge.dial_constructors or (
                    type(verb.func) is cst.Attribute and verb.func.attr.value == "dial"
                ):
                    return verb
        return None
