"""Checks one file: prefilter, parse, one walk for all rules, positions, suppressions.

``Checker(settings).check(path, data)`` is pure: the same bytes, settings and catalog
give the same ``FileResult``. That is what lets the runner spread files over worker
processes and cache results by content hash.

The walk is our own: libcst's visitor machinery rebuilds every node as it goes, which
costs about as much as the parse. We descend only into fields that can hold code
(never whitespace, commas or parentheses) and dispatch each node to the hooks that
the enabled rules declare for its type. Import aliases, instance bindings and the
personal-data flow are updated by the same walk, before the rules see a node.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional, Union

import libcst as cst

from privalint import suppress
from privalint.baseline import digest, normalise_code
from privalint.flow import EXTRA_KEYWORDS, Carried, Flow, FlowSettings
from privalint.imports import LOCAL, SHOWN, EnvReaders, ImportTable
from privalint.model import Fact, FileResult, Finding, Severity, Span
from privalint.nodes import COMPOUND_STATEMENTS as _COMPOUND
from privalint.nodes import NODE_TYPES as _NODE_TYPES
from privalint.nodes import STATEMENTS as _STATEMENT
from privalint.nodes import child_fields as _child_fields
from privalint.personal import NAME, Classifier, redact_literals, split_words
from privalint.positions import node_ranges
from privalint.prefilter import IMPORT, Prefilter, compiles
from privalint.project import (
    BINDING,
    CLASS_USE,
    CONSTANT,
    CONSTANT_USE,
    EXTRA,
    HELPER_CALL,
    HELPER_SINK,
    binding_detail,
    helper_call_detail,
    helper_sink_detail,
)
from privalint.rule import Rule
from privalint.settings import Settings

# Rules build `import:name` trigger words with it.
IMPORT_TRIGGER = IMPORT

PARSE_ERROR = "PV000"
BLANKET_SUPPRESSION = "PV001"
UNUSED_SUPPRESSION = "PV002"
RULE_ERROR = "PV003"


@dataclass
class _Report:
    rule_id: str
    node: cst.CSTNode
    statement: Optional[cst.CSTNode]
    scope: str
    message: str
    severity: Severity
    categories: tuple[str, ...]
    # For a node that spans lines (configuration text in a string): the line of the
    # node, counted from its first (0), that shows the problem.
    line_offset: int = 0


# What a call writes to a rule's sink (see ``Flow.reaching_params``).
SinkValues = Callable[[cst.Call], Sequence[cst.BaseExpression]]
# Modules of the standard library: never the project's own helpers.
_STDLIB = frozenset(
    getattr(sys, "stdlib_module_names", ())
    or [
        "abc",
        "asyncio",
        "base64",
        "collections",
        "contextlib",
        "copy",
        "csv",
        "dataclasses",
        "datetime",
        "email",
        "enum",
        "functools",
        "gzip",
        "hashlib",
        "hmac",
        "http",
        "io",
        "itertools",
        "json",
        "logging",
        "math",
        "os",
        "pathlib",
        "pickle",
        "random",
        "re",
        "shutil",
        "smtplib",
        "socket",
        "sqlite3",
        "ssl",
        "string",
        "subprocess",
        "sys",
        "tempfile",
        "threading",
        "time",
        "traceback",
        "typing",
        "unittest",
        "urllib",
        "uuid",
        "warnings",
        "xml",
        "zipfile",
    ]
)


@dataclass
class _FactReport:
    kind: str
    category: str
    node: Optional[cst.CSTNode]
    detail: str
    encrypted: Optional[bool]
    statement: Optional[cst.CSTNode]


@lru_cache(maxsize=8192)
def _names_constant(name: str, words: frozenset[str]) -> bool:
    """Whether ``name`` has one of ``words`` (``PARTNER_URL``, ``registry_base_url``)."""
    return not words.isdisjoint(split_words(name))


def _origin_text(module: cst.Module, origin: Union[cst.CSTNode, str]) -> str:
    if isinstance(origin, str):
        return origin
    return short_code(module, origin)


def short_code(module: cst.Module, node: cst.CSTNode, limit: int = 60) -> str:
    """A one-line rendering of ``node``'s code for messages."""
    try:
        text = module.code_for_node(node)
    except Exception:  # a node libcst cannot render on its own
        return type(node).__name__
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class FileContext:
    """What rules ask about the file being checked."""

    def __init__(
        self,
        path: str,
        module: cst.Module,
        checker: Checker,
        seeds: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.path = path
        self.module = module
        self.catalog = checker.settings.catalog
        self.classifier = checker.classifier
        self.checker = checker
        self.imports = ImportTable(
            checker.aliases, seeds, checker.record_getters, checker.offered_bases
        )
        self.flow = Flow(checker.classifier, checker.flow_settings, self.imports, module)
        self.stack: list[cst.CSTNode] = []
        self.reports: list[_Report] = []
        self.facts: list[_FactReport] = []
        self._scope_names: list[str] = []
        # Per class of the module (by its words): whether it is a record about a person,
        # and the special categories its fields name (`FileContext._record_kind`).
        self._records: Optional[dict[str, tuple[bool, frozenset[str]]]] = None
        # Words that name a person in this file (`Classifier.people_named`).
        self.people_named: frozenset[str] = frozenset()
        # Functions at the module's top level in which a rule met one of its sinks:
        # (rule, function, the rule's sink values, what the sink does).
        self._exports: dict[tuple[str, int], tuple[Rule, cst.FunctionDef, SinkValues, str]] = {}
        # Classes imported from other modules whose instances the file holds
        # (`body: SignupIn`, `booking = Booking(...)`): a `class-use` fact each.
        self._class_uses: set[str] = set()
        self._constant_uses: set[str] = set()

    def note_instance(self, qualified: Optional[str]) -> None:
        """A name now holds an instance of ``qualified`` (``app.schemas.Booking()``):
        when that is a class imported from another module, the project stage may learn
        from that module whether its text lists personal fields."""
        if (
            qualified is not None
            and qualified.endswith("()")
            and qualified.count("(") == 1
            and "." in qualified
            and not qualified.startswith(LOCAL + ".")
            and qualified.rpartition(".")[2][:1].isupper()
            and qualified.partition(".")[0] not in _STDLIB
        ):
            self._class_uses.add(qualified[:-2])

    def note_constants(self, expr: Optional[cst.BaseExpression]) -> None:
        """Names in ``expr`` (a call's argument, an assigned value, the parts of a
        string built from them) that read a constant of another module of the project
        (`settings.PARTNER_URL`): a ``constant-use`` fact each, for the project stage
        to look up its literal."""
        words = self.checker.constant_words
        if expr is None or not words or not self.checker.constant_prefixes:
            return
        todo = [expr]
        while todo:
            node = todo.pop()
            if type(node) is cst.BinaryOperation:
                todo.extend((node.left, node.right))
            elif type(node) is cst.FormattedString:
                todo.extend(
                    p.expression for p in node.parts if type(p) is cst.FormattedStringExpression
                )
            elif type(node) is cst.Call:
                todo.extend(a.value for a in node.args[:2])
            elif isinstance(node, (cst.Name, cst.Attribute)):
                last = node.attr.value if isinstance(node, cst.Attribute) else node.value
                if not _names_constant(last, words):
                    continue
                qualified = self.imports.resolve(node)
                if (
                    qualified is None
                    or "." not in qualified
                    or "(" in qualified
                    or qualified in self._constant_uses
                    or qualified.startswith(LOCAL + ".")
                    or qualified.partition(".")[0] in _STDLIB
                ):
                    continue
                self._constant_uses.add(qualified)
                # Where it is read does not matter to the project stage: no position.
                self.fact(CONSTANT_USE, "", None, qualified)

    # -- questions rules ask -----------------------------------------------------------

    def qualname(self, expr: cst.BaseExpression) -> Optional[str]:
        """The qualified name ``expr`` refers to (see ``privalint.imports``)."""
        return self.imports.resolve(expr)

    def categories(self, expr: cst.BaseExpression) -> Carried:
        """The personal-data categories ``expr`` carries at this point."""
        return self.flow.evaluate(expr)

    def classify(self, text: str, owner: str = "", kind: str = "name") -> Optional[str]:
        """The category an identifier or key names, in this file's context. A class of
        this module whose fields say it is a record about a person (a name and an
        e-mail address, say) is a person's record as an owner: `Member.orientation`.
        A class with a field of a special category reads its other fields' ambiguous
        words as that category: the `condition` of a request that also asks for the
        `medication` is a health condition."""
        found = self.classifier.classify(text, owner, kind, self.flow.context)
        if found is not None or not owner:
            return found
        person, special = self._record_kind(owner)
        if person:
            found = self.classifier.classify(text, "person", kind, self.flow.context)
            if found in self.classifier.person_record_reveals:
                return found
        if special:
            found = self.classifier.classify(text, owner, kind, self.flow.context | special)
            if found in special:
                return found
        return None

    def classify_flag(self, name: str, owner: str = "") -> Optional[str]:
        """The special category a boolean flag reveals (see ``Classifier.classify_flag``)."""
        return self.classifier.classify_flag(name, owner, self.flow.context)

    def _record_kind(self, owner: str) -> tuple[bool, frozenset[str]]:
        """Whether a class of this module named ``owner`` is a record about a person,
        and the special categories its fields name on their own."""
        records = self._records
        if records is None:
            records = self._records = {}
            classifier = self.classifier
            suffixes = self.flow.settings.class_suffixes
            for stmt in self.module.body:
                if type(stmt) is not cst.ClassDef or type(stmt.body) is not cst.IndentedBlock:
                    continue
                fields: list[str] = []
                for line in stmt.body.body:
                    if type(line) is not cst.SimpleStatementLine:
                        continue
                    for small in line.body:
                        if type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                            fields.append(small.target.value)
                        elif (
                            type(small) is cst.Assign
                            and len(small.targets) == 1
                            and type(small.targets[0].target) is cst.Name
                        ):
                            fields.append(small.targets[0].target.value)
                special = frozenset(
                    c
                    for f in fields
                    if (c := classifier.classify(f, "", NAME, self.flow.context)) is not None
                    and classifier.categories[c].sensitivity == "special"
                )
                person = classifier.is_person_record(stmt.name.value, fields)
                if person or special:
                    words = list(split_words(stmt.name.value))
                    records["_".join(words)] = (person, special)
                    # Its special categories also for the owner its name gives without
                    # a suffix of shape (`PlanRequest`: `plan`).
                    while special and len(words) > 1 and words[-1] in suffixes:
                        words.pop()
                        records.setdefault("_".join(words), (False, special))
        return records.get("_".join(split_words(owner)), (False, frozenset()))

    def sensitivity(self, category: str) -> str:
        cat = self.classifier.categories.get(category)
        return cat.sensitivity if cat else "personal"

    def label(self, category: str) -> str:
        cat = self.classifier.categories.get(category)
        return cat.label if cat else category

    def describe(self, carried: Carried, limit: int = 3) -> str:
        """``email address from `user.email` and phone number from `phone```."""
        parts = []
        for category in sorted(carried.cats)[:limit]:
            origin = _origin_text(self.module, carried.cats[category])
            parts.append(f"{self.label(category)} from `{origin}`")
        return (
            " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]
        )

    @staticmethod
    def verb(carried: Carried) -> str:
        """``is`` or ``are``, to agree with :meth:`describe`."""
        return "is" if len(carried.cats) == 1 else "are"

    def severity_for(self, categories: Iterable[str], base: Severity) -> Severity:
        """Special categories and credentials are errors; the rest keep ``base``."""
        if any(self.sensitivity(c) in ("special", "credential") for c in categories):
            return Severity.ERROR
        return base

    def code(self, node: cst.CSTNode, limit: int = 60) -> str:
        return short_code(self.module, node, limit)

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.stack[-2] if len(self.stack) > 1 else None

    def ancestor(self, *types: type) -> Optional[cst.CSTNode]:
        """The nearest enclosing node of one of ``types`` (not the current node)."""
        for node in reversed(self.stack[:-1]):
            if isinstance(node, types):
                return node
        return None

    @property
    def current_class(self) -> Optional[str]:
        return self.imports.current_class

    def is_local(self, qualified: Optional[str]) -> bool:
        return qualified is not None and qualified.startswith(LOCAL + ".")

    # -- reporting ----------------------------------------------------------------------

    def _statement(self) -> Optional[cst.CSTNode]:
        for node in reversed(self.stack):
            if isinstance(node, _STATEMENT):
                return node
        return None

    def report(
        self,
        rule: Rule,
        node: cst.CSTNode,
        message: str,
        severity: Severity,
        categories: tuple[str, ...],
        line_offset: int = 0,
    ) -> None:
        self.reports.append(
            _Report(
                rule.id,
                node,
                self._statement(),
                ".".join(self._scope_names),
                message,
                severity,
                categories,
                max(line_offset, 0),
            )
        )

    def withdraw(self, rule: Rule, node: cst.CSTNode) -> None:
        """Take back what ``rule`` reported on ``node``: for a rule that learns later in
        the walk (in ``finish``) that the finding belongs elsewhere."""
        self.reports = [r for r in self.reports if not (r.rule_id == rule.id and r.node is node)]

    def export_sink(self, rule: Rule, sink_values: SinkValues, phrase: str) -> None:
        """``rule`` met one of its sinks. Inside a function at the module's top level,
        that function may pass its parameters on to the sink; once the walk is over,
        the parameters that do are recorded (a ``helper-sink`` fact), so that a call
        from another module that passes personal data to one of them is reported
        there (``privalint.project.resolve_helper_calls``). ``sink_values(call)`` is
        what a call writes to the rule's sink (as for ``Flow.reaching_params``);
        ``phrase`` says what the sink does with it ("writes it to the log")."""
        stack = self.stack
        if len(stack) > 1 and type(stack[1]) is cst.FunctionDef:
            function = stack[1]
            self._exports.setdefault((rule.id, id(function)), (rule, function, sink_values, phrase))

    def _export_helpers(
        self, rule: Rule, function: cst.FunctionDef, sink_values: SinkValues, phrase: str
    ) -> None:
        flow = self.flow
        reaching = flow.reaching_params(function, sink_values, rule.id, reported_inside=True)
        if not reaching:
            return
        slots = sorted(EXTRA if i == EXTRA_KEYWORDS else str(i) for i in reaching)
        detail = helper_sink_detail(
            function.name.value,
            rule.id,
            phrase,
            slots,
            flow.parameters(function, bound_method=False),
        )
        self.facts.append(_FactReport(HELPER_SINK, "", function.name, detail, None, None))

    def _record_helper_call(self, call: cst.Call) -> None:
        """A call of a function imported from another module that passes personal
        data: a ``helper-call`` fact per argument, for the project stage to join with
        what that module's function does with it."""
        func = call.func
        if not call.args or not isinstance(func, (cst.Name, cst.Attribute)):
            return
        qualified = self.imports.resolve(func)
        if (
            qualified is None
            or "." not in qualified
            or qualified.startswith(LOCAL + ".")
            or qualified.partition(".")[0] in _STDLIB
        ):
            return
        if "()" in qualified:
            # A method of what an imported function returns (`get_store().set`,
            # `gcs_bucket(name).blob(key).upload_from_string`): the project stage may
            # learn what that is from the function's module.
            head, _, method = qualified.partition("().")
            name = head.rpartition(".")[2]
            if not method or "(" in head or name[:1].isupper():
                return
        function = qualified.rpartition(".")[2]
        if not function or function[0].isupper():
            return  # a class: built, not called
        position = 0
        for arg in call.args:
            if arg.star:
                if arg.star == "*":
                    position = -1_000  # later positions are unknown
                continue
            if arg.keyword is None:
                slot = str(position)
                position += 1
                if position < 0:
                    continue
            else:
                slot = "=" + arg.keyword.value
            carried = self.flow.evaluate(arg.value)
            cats = sorted(c for c in carried.cats if not c.startswith("@"))
            if not cats:
                continue
            personal = Carried({c: carried.cats[c] for c in cats}, carried.user_input)
            detail = helper_call_detail(
                qualified, slot, self.describe(personal), self.verb(personal), cats
            )
            self.fact(HELPER_CALL, cats[0], arg.value, detail)

    def fact(
        self,
        kind: str,
        category: str,
        node: Optional[cst.CSTNode],
        detail: str,
        encrypted: Optional[bool] = None,
    ) -> None:
        """Record what the file does with personal data (for the project stage).
        ``node`` is where; ``None`` for a fact about no particular line (it then
        costs no position and has line 0)."""
        statement = self._statement() if node is not None else None
        self.facts.append(_FactReport(kind, category, node, detail, encrypted, statement))


class _Tracker:
    """Keeps imports, bindings and the flow up to date during the walk."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.imports = ctx.imports
        self.flow = ctx.flow

    def visit_Import(self, node: cst.Import) -> None:
        self.imports.bind_import(node)

    visit_ImportFrom = visit_Import

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.imports.bind(node.name.value, f"{LOCAL}.{node.name.value}")
        self.imports.push_function()
        self.flow.enter_function(node)
        self.ctx._scope_names.append(node.name.value)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation
            qualified = None
            if annotation is not None:
                kind = self.imports.qualname(annotation.annotation)
                qualified = f"{kind}()" if kind is not None else None
                self.ctx.note_instance(qualified)
            self.imports.bind(param.name.value, qualified)
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                self.imports.bind(star.name.value, None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.imports.pop_function()
        self.flow.leave_function()
        if self.ctx._scope_names:
            self.ctx._scope_names.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.imports.bind(node.name.value, f"{LOCAL}.{node.name.value}")
        self.imports.push_class(node.name.value)
        self.flow.enter_class(node)
        self.ctx._scope_names.append(node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.imports.pop_class()
        self.flow.leave_class()
        if self.ctx._scope_names:
            self.ctx._scope_names.pop()

    def leave_Assign(self, node: cst.Assign) -> None:
        self.ctx.note_constants(node.value)
        value = self.imports.instance_of(node.value)
        if type(node.value) is cst.Call:
            self.ctx.note_instance(value)
        for target in node.targets:
            self.imports.bind_target(target.target, value)
        self.flow.assign(node)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        value = self.imports.instance_of(node.value)
        if value is None and node.value is None:
            kind = self.imports.qualname(node.annotation.annotation)
            value = f"{kind}()" if kind is not None else None
        self.imports.bind_target(node.target, value)
        self.flow.assign(node)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self.flow.assign(node)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.imports.bind_target(node.target, self.imports.instance_of(node.value))
        self.flow.named_expr(node)

    def leave_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            self.ctx.note_constants(arg.value)
        self.ctx._record_helper_call(node)
        self.flow.call_effects(node)

    def leave_Subscript(self, node: cst.Subscript) -> None:
        self.flow.observe_subscript(node)

    def leave_Comparison(self, node: cst.Comparison) -> None:
        self.flow.compared(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.imports.bind_target(node.asname.name, self.imports.instance_of(node.item))

    def leave_WithItem(self, node: cst.WithItem) -> None:
        self.flow.enter_with_item(node)

    def visit_For(self, node: cst.For) -> None:
        self.imports.bind_target(node.target, None)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self.flow.enter_comprehension(node)

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self.flow.leave_comprehension()

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp
    leave_SetComp = leave_GeneratorExp = leave_DictComp = leave_ListComp

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        # Loop bodies start here (after the iterable was evaluated).
        parent = self.ctx.stack[-2] if len(self.ctx.stack) > 1 else None
        if isinstance(parent, (cst.For, cst.While)) and parent.body is node:
            self.flow.enter_for(parent)
        elif type(parent) is cst.If and parent.body is node:
            grand = self.ctx.stack[-3] if len(self.ctx.stack) > 2 else None
            is_elif = type(grand) is cst.If and grand.orelse is parent
            self.flow.enter_if(parent, is_elif)

    visit_SimpleStatementSuite = visit_IndentedBlock

    def visit_Else(self, node: cst.Else) -> None:
        parent = self.ctx.stack[-2] if len(self.ctx.stack) > 1 else None
        if type(parent) is cst.If:
            self.flow.switch_branch()

    def leave_If(self, node: cst.If) -> None:
        self.flow.leave_branching(has_else=node.orelse is not None)

    def leave_For(self, node: cst.For) -> None:
        self.flow.leave_branching(has_else=False)

    leave_While = leave_For

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self.imports.bind_target(node.name.name, None)
            self.flow.enter_except(node)


Hook = Callable[[Any], None]


class Checker:
    """Checks files with one set of settings; build once per process."""

    def __init__(self, settings: Settings, rules: Sequence[type[Rule]]) -> None:
        self.settings = settings
        catalog = settings.catalog
        enabled = set(settings.rule_ids)
        needs_facts = settings.collect_facts or any(r.project and r.id in enabled for r in rules)
        self.reporting = frozenset(enabled)
        # A project rule may gather its own facts during the walk (it then has hooks
        # and ``provides_facts``); it reports only at the project stage.
        self.rules = [
            r
            for r in rules
            if (not r.project and r.id in enabled) or (needs_facts and r.provides_facts)
        ]
        self.project_ids = frozenset(r.id for r in rules if r.project)
        self.classifier = Classifier(catalog.data)
        self.flow_settings = FlowSettings(catalog)
        aliases = catalog.get("imports.aliases", {})
        self.aliases: dict[str, str] = dict(aliases) if isinstance(aliases, dict) else {}
        # Constants other modules may read (`imports.constant-prefixes`), and the words
        # of the names a file reads them by (`settings.PARTNER_URL`).
        self.constant_prefixes = tuple(
            p.lower() for p in catalog.strings("imports.constant-prefixes")
        )
        self.constant_words = frozenset(catalog.strings("imports.constant-words"))
        self.record_getters = frozenset(catalog.strings("imports.record-getters"))
        self.offered_bases = frozenset(catalog.strings("imports.offered-bases"))
        # Environment lookups whose fallback a module offers like a literal constant.
        self.env_readers = EnvReaders(
            functions=frozenset(catalog.strings("imports.env-readers")),
            configs=frozenset(catalog.strings("imports.config-readers")),
            objects=frozenset(catalog.strings("imports.env-reader-objects")),
        )
        self.compiled = {r.id: r.compile(catalog) for r in self.rules}
        self.hooks = {r.id: r.hooks() for r in self.rules}
        # Rules that take part in the walk; the notices (PV0xx) are the engine's own.
        self.walking = [r for r in self.rules if self.hooks[r.id] or r.finish is not Rule.finish]
        # Builtins the flow sees through when called (`zip(...)`, `len(...)`).
        flow_builtins = (self.flow_settings.sanitizers | self.flow_settings.propagators) & set(
            dir(builtins)
        )
        self.prefilter = Prefilter(
            [(r, r.trigger_words(catalog)) for r in self.walking],
            self.classifier,
            flow_builtins,
            [(r, words) for r in self.walking if (words := r.join_words(catalog))],
        )
        self.emits_notices = any(
            r.id.startswith("PV00") for r in rules if r.id in settings.rule_ids
        )

    # -- prefilter ----------------------------------------------------------------------

    def rules_for(self, data: bytes, defer: bool = False) -> tuple[list[type[Rule]], bool]:
        """The enabled rules that could match ``data`` (see ``privalint.prefilter``),
        and whether the file is deferred: with ``defer``, a file on which rules could
        only record facts for other files' facts to join is left for later
        (``Rule.join_triggers``; the runner decides whether it is needed)."""
        if not self.settings.prefilter:
            return list(self.walking), False
        rules = self.prefilter.select(data)
        joiners = self.prefilter.joiners(data, rules)
        if joiners and not rules and defer:
            return [], True
        return rules + joiners, False

    # -- checking -------------------------------------------------------------------------

    def check(
        self,
        path: str,
        data: bytes,
        defer: bool = False,
        seeds: Optional[Mapping[str, str]] = None,
    ) -> FileResult:
        """Check one file's bytes; never raises for bad input. With ``defer``, a file
        that only joins other files' facts is not parsed (``FileResult.deferred``).
        ``seeds`` are what names imported from the project's other modules are
        (``privalint.imports``); the prefilter reads them as part of the file."""
        result = FileResult(path=path)
        if b"\0" in data:
            # Never Python source (the interpreter refuses it), and cheap to tell: report
            # it whatever the prefilter would say.
            result.findings.append(
                self._notice(
                    PARSE_ERROR, path, 1, 1, "file contains NUL bytes (binary?); not checked"
                )
            )
            return result
        has_marker = suppress.MARKER in data
        screened = data
        if seeds:
            # As if the file imported and used the seeds' libraries itself (or, for a
            # class whose text lists its fields, named those fields).
            lines = [
                f"{q}\n" if q.startswith((SHOWN, CONSTANT)) else f"import {q.split('(')[0]}\n{q}\n"
                for q in seeds.values()
            ]
            screened = data + b"\n" + "".join(lines).encode("utf-8", "replace")
        rules, deferred = self.rules_for(screened, defer and not has_marker)
        skipped = not rules and not has_marker
        if skipped:
            result.skipped_by_prefilter = True
            result.deferred = deferred
            # A skipped file still gets its syntax checked, by Python's own (much
            # cheaper) parser; libcst re-parses only a file that fails, for the notice.
            if compiles(path, data):
                return result
        try:
            module = _parse_module(data)
        except cst.ParserSyntaxError as error:
            result.findings.append(self._parse_error(path, error, data))
            return result
        except RecursionError:
            result.findings.append(
                self._notice(
                    PARSE_ERROR, path, 1, 1, "file is nested too deeply to parse; not checked"
                )
            )
            return result
        except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
            line = 1
            if isinstance(error, UnicodeDecodeError) and isinstance(error.object, bytes):
                line = error.object.count(b"\n", 0, error.start) + 1
            result.findings.append(
                self._notice(
                    PARSE_ERROR,
                    path,
                    line,
                    1,
                    f"file cannot be decoded, not checked: {_one_line(error)}",
                )
            )
            return result
        except Exception as error:
            result.findings.append(
                self._notice(
                    PARSE_ERROR,
                    path,
                    1,
                    1,
                    f"internal error of the parser, file not checked: {type(error).__name__}: "
                    f"{_one_line(error)}",
                )
            )
            return result
        if skipped:
            return result
        result.parsed = True
        ctx = FileContext(path, module, self, seeds)
        ctx.people_named = self.classifier.people_named(data)
        try:
            text = module.code if has_marker else ""
            instances = []
            for rule in rules:
                try:
                    instances.append(rule(ctx, self.compiled[rule.id]))
                except Exception as error:
                    self._rule_crashed(ctx, rule, module, error)
            self._walk_module(ctx, module, instances)
            self._finish(ctx, instances, result, text)
        except RecursionError:
            self._not_analysed(
                result, ctx, "file is nested too deeply to analyse; not checked", locate=False
            )
        except Exception as error:
            self._not_analysed(
                result,
                ctx,
                f"internal error while analysing the file, not checked: {type(error).__name__}: "
                f"{_one_line(error)}",
                locate=True,
            )
        return result

    def _not_analysed(
        self, result: FileResult, ctx: FileContext, message: str, locate: bool
    ) -> None:
        """Replace whatever a failed analysis produced by one notice (at the node the walk
        had reached, when that can be located)."""
        result.findings.clear()
        result.facts.clear()
        line = column = 1
        if locate and ctx.stack:
            try:
                span = node_ranges(ctx.module, [ctx.stack[-1]]).get(id(ctx.stack[-1]))
            except Exception:  # positions of a tree the analysis choked on
                span = None
            if span is not None:
                line, column = span[0][0], span[0][1] + 1
        result.findings.append(self._notice(PARSE_ERROR, ctx.path, line, column, message))

    def _walk_module(self, ctx: FileContext, module: cst.Module, instances: list[Rule]) -> None:
        tracker = _Tracker(ctx)
        self._prepass(ctx, module)
        ctx.flow.set_context(
            ctx.classifier.context_for(ctx.imports.imported_modules) | ctx.people_named
        )
        visit: dict[str, list[tuple[Optional[Rule], Hook]]] = {}
        leave: dict[str, list[tuple[Optional[Rule], Hook]]] = {}
        for attr in dir(_Tracker):
            if attr.startswith(("visit_", "leave_")):
                table = visit if attr.startswith("visit_") else leave
                table.setdefault(attr[6:], []).append((None, getattr(tracker, attr)))
        for rule in instances:
            for attr, types in self.hooks[rule.id].items():
                table = visit if attr.startswith("visit_") else leave
                for type_name in types:
                    bound = getattr(rule, attr)
                    if attr.startswith("leave_"):
                        # Rules leave a node before the tracker binds its targets.
                        table.setdefault(type_name, []).insert(0, (rule, bound))
                    else:
                        table.setdefault(type_name, []).append((rule, bound))
        disabled: set[str] = set()
        stack = ctx.stack
        node_types = _NODE_TYPES
        # Per node class: its visit and leave handlers and the fields that hold code.
        plan: dict[type, tuple[Any, Any, tuple[str, ...]]] = {}

        def dispatch(handlers: list[tuple[Optional[Rule], Hook]], node: cst.CSTNode) -> None:
            for rule, hook in handlers:
                if rule is None:
                    hook(node)
                    continue
                if rule.id in disabled:
                    continue
                try:
                    hook(node)
                except RecursionError:
                    raise
                except Exception as error:
                    disabled.add(rule.id)
                    self._rule_crashed(ctx, rule, node, error)

        def walk(node: cst.CSTNode) -> None:
            node_type = type(node)
            entry = plan.get(node_type)
            if entry is None:
                name = node_type.__name__
                entry = plan[node_type] = (
                    visit.get(name),
                    leave.get(name),
                    _child_fields(node_type),
                )
            on_visit, on_leave, fields = entry
            stack.append(node)
            if on_visit:
                dispatch(on_visit, node)
            for field_name in fields:
                value = getattr(node, field_name)
                value_type = type(value)
                if value_type in node_types:
                    walk(value)
                elif value_type is tuple or value_type is list:
                    for child in value:
                        if type(child) in node_types:
                            walk(child)
            if on_leave:
                dispatch(on_leave, node)
            stack.pop()

        walk(module)
        for rule in instances:
            if rule.id not in disabled:
                try:
                    rule.finish()
                except Exception as error:
                    self._rule_crashed(ctx, rule, module, error)
        for name, qualified in (*ctx.imports.module_bindings(), *ctx.flow.shown_classes()):
            ctx.fact(BINDING, "", None, binding_detail(name, qualified))
        for qualified in sorted(ctx._class_uses):
            ctx.fact(CLASS_USE, "", None, qualified)
        for rule, function, sink_values, phrase in ctx._exports.values():
            if rule.id not in disabled:
                try:
                    ctx._export_helpers(rule, function, sink_values, phrase)
                except RecursionError:
                    raise
                except Exception as error:
                    disabled.add(rule.id)
                    self._rule_crashed(ctx, rule, function, error)

    def _prepass(self, ctx: FileContext, module: cst.Module) -> None:
        """Module-level imports and aliases first, so functions above them resolve."""

        def statements(body: Sequence[cst.BaseStatement]) -> Iterable[cst.BaseSmallStatement]:
            for stmt in body:
                if type(stmt) is cst.SimpleStatementLine:
                    yield from stmt.body
                elif isinstance(stmt, (cst.If, cst.Try)) and isinstance(
                    stmt.body, cst.IndentedBlock
                ):
                    yield from statements(stmt.body.body)
                    if type(stmt) is cst.Try:
                        for handler in stmt.handlers:
                            if type(handler.body) is cst.IndentedBlock:
                                yield from statements(handler.body.body)
                    elif type(stmt.orelse) is cst.Else and isinstance(
                        stmt.orelse.body, cst.IndentedBlock
                    ):
                        yield from statements(stmt.orelse.body.body)
                elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                    ctx.imports.bind(stmt.name.value, f"{LOCAL}.{stmt.name.value}")

        for small in statements(module.body):
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                ctx.imports.bind_import(small)
        ctx.imports.learn_definitions(module)
        for small in statements(module.body):
            if type(small) is cst.Assign:
                value = ctx.imports.instance_of(small.value)
                for target in small.targets:
                    ctx.imports.bind_target(target.target, value)
        # After the bindings: `env = environs.Env()` names a reader of the environment.
        ctx.imports.learn_constants(module, self.constant_prefixes, self.env_readers)

    def _rule_crashed(
        self,
        ctx: FileContext,
        rule: Union[Rule, type[Rule]],
        node: cst.CSTNode,
        error: BaseException,
    ) -> None:
        ctx.reports.append(
            _Report(
                RULE_ERROR,
                node,
                None,
                "",
                f"internal error in rule {rule.id} ({rule.name}); the rule was skipped for the rest "
                f"of this file: {type(error).__name__}: {_one_line(error)}",
                Severity.WARNING,
                (),
            )
        )

    # -- results ---------------------------------------------------------------------------

    def _finish(
        self, ctx: FileContext, instances: list[Rule], result: FileResult, text: str
    ) -> None:
        suppressions = suppress.parse(text) if text else []
        # Rules that run only for their facts report nothing.
        ctx.reports = [
            r for r in ctx.reports if r.rule_id in self.reporting or r.rule_id == RULE_ERROR
        ]
        if not ctx.reports and not ctx.facts and not suppressions:
            return
        wanted: list[cst.CSTNode] = []
        for report in ctx.reports:
            wanted.append(report.node)
            if report.statement is not None:
                wanted.append(report.statement)
                body_start = _body_start(report.statement)
                if body_start is not None:
                    wanted.append(body_start)
        wanted.extend(f.node for f in ctx.facts if f.node is not None)
        if suppressions:
            for fact in ctx.facts:
                if fact.statement is not None:
                    wanted.append(fact.statement)
                    body_start = _body_start(fact.statement)
                    if body_start is not None:
                        wanted.append(body_start)
        ranges = node_ranges(ctx.module, wanted)
        for fact in ctx.facts:
            span = ranges.get(id(fact.node)) if fact.node is not None else ((0, -1), (0, -1))
            line, column = (span[0][0], span[0][1] + 1) if span else (1, 1)
            silenced: tuple[str, ...] = ()
            if suppressions and fact.node is not None:
                silenced = self._fact_suppressions(fact, ranges, line, suppressions)
            result.facts.append(
                Fact(
                    fact.kind,
                    fact.category,
                    ctx.path,
                    line,
                    redact_literals(fact.detail),
                    fact.encrypted,
                    column,
                    silenced,
                )
            )
        occurrences: dict[str, int] = {}
        for report in ctx.reports:
            span = ranges.get(id(report.node), ((1, 0), (1, 0)))
            if report.line_offset:
                # A line inside the node: it starts the finding, at its first column.
                line = min(span[0][0] + report.line_offset, span[1][0])
                span = ((line, 0), (max(line, span[1][0]), span[1][1]))
            first, last = span[0][0], span[1][0]
            if report.statement is not None and id(report.statement) in ranges:
                stmt_span = ranges[id(report.statement)]
                first = stmt_span[0][0]
                last = stmt_span[1][0]
                body_start = _body_start(report.statement)
                if body_start is not None and id(body_start) in ranges:
                    last = max(first, ranges[id(body_start)][0][0] - 1)
                first = min(first, span[0][0])
                last = max(last, span[0][0])
            base = _fingerprint_base(ctx.module, report)
            index = occurrences.get(base, 0)
            occurrences[base] = index + 1
            severity = self.settings.severity_overrides.get(report.rule_id, report.severity)
            result.findings.append(
                Finding(
                    rule_id=report.rule_id,
                    path=ctx.path,
                    message=redact_literals(report.message),
                    severity=severity,
                    span=Span(span[0][0], span[0][1] + 1, span[1][0], span[1][1] + 1),
                    statement_lines=(first, last),
                    categories=report.categories,
                    fingerprint=f"{base}:{index}",
                )
            )
        if suppressions:
            self._apply_suppressions(ctx.path, result, suppressions)
        result.findings.sort(key=lambda f: (f.span.start_line, f.span.start_col, f.rule_id))

    def _fact_suppressions(
        self,
        fact: _FactReport,
        ranges: dict[int, Any],
        line: int,
        suppressions: list[suppress.Suppression],
    ) -> tuple[str, ...]:
        """The rule ids that suppressions on the fact's statement name. Those naming a
        project rule count as used: the project stage applies them."""
        first = last = line
        if fact.statement is not None and id(fact.statement) in ranges:
            stmt_span = ranges[id(fact.statement)]
            first, last = stmt_span[0][0], stmt_span[1][0]
            body_start = _body_start(fact.statement)
            if body_start is not None and id(body_start) in ranges:
                last = max(first, ranges[id(body_start)][0][0] - 1)
        silenced: set[str] = set()
        for s in suppress.covering(suppressions, min(first, line), max(last, line)):
            if s.ids is None:
                silenced.add("*")
                s.used.add("*")
            else:
                silenced.update(s.ids)
                s.used.update(i for i in s.ids if i in self.project_ids)
        return tuple(sorted(silenced))

    def _apply_suppressions(
        self, path: str, result: FileResult, suppressions: list[suppress.Suppression]
    ) -> None:
        for finding in result.findings:
            for s in suppress.covering(suppressions, *finding.statement_lines):
                if s.ids is None or finding.rule_id in s.ids:
                    finding.suppressed = True
                    s.used.add(finding.rule_id)
        enabled = set(self.settings.rule_ids)
        notices: list[Finding] = []
        for s in suppressions:
            if s.ids is None:
                if BLANKET_SUPPRESSION in enabled:
                    notices.append(
                        self._notice(
                            BLANKET_SUPPRESSION,
                            path,
                            s.line,
                            s.column,
                            "blanket `# privalint: ignore` silences every rule on this statement; "
                            "name the rules: `# privalint: ignore[PV101]`",
                        )
                    )
                if not s.used and UNUSED_SUPPRESSION in enabled:
                    notices.append(
                        self._notice(
                            UNUSED_SUPPRESSION,
                            path,
                            s.line,
                            s.column,
                            "suppression comment suppresses nothing",
                        )
                    )
                continue
            unused = [i for i in s.ids if i not in s.used and i in enabled]
            unknown = [i for i in s.ids if i not in enabled and not i.startswith("PV")]
            if (unused or unknown) and UNUSED_SUPPRESSION in enabled:
                names = ", ".join(unused + unknown)
                notices.append(
                    self._notice(
                        UNUSED_SUPPRESSION,
                        path,
                        s.line,
                        s.column,
                        f"unused suppression for {names}",
                    )
                )
        result.findings.extend(notices)

    @staticmethod
    def _notice(rule_id: str, path: str, line: int, column: int, message: str) -> Finding:
        line = max(line, 1)
        column = max(column, 1)
        return Finding(
            rule_id=rule_id,
            path=path,
            message=message,
            severity=Severity.WARNING if rule_id != PARSE_ERROR else Severity.ERROR,
            span=Span(line, column, line, column),
            statement_lines=(line, line),
        )

    def _parse_error(self, path: str, error: cst.ParserSyntaxError, data: bytes) -> Finding:
        text = _one_line(error.message)
        where = _ERROR_AT.search(text)
        if where:
            text = text[where.end() :].lstrip(": ")
        line, column = _error_position(error, data)
        return self._notice(
            PARSE_ERROR, path, line, column, f"syntax error ({text}); file not checked"
        )


def _error_position(error: cst.ParserSyntaxError, data: bytes) -> tuple[int, int]:
    """Where a syntax error is (1-based line and column), as close as we can tell.

    libcst's parser names the offending token in its message, and its tokenizer errors
    carry no position at all; CPython's compiler (parse only, nothing runs) locates
    those.
    """
    lines = max(1, len(data.splitlines()))
    match = _ERROR_AT.search(error.message)
    if match:
        line, column = int(match.group(1)), int(match.group(2)) + 1
        if line > lines:  # the file ended early: point at its last line
            return lines, 1
        return line, column
    if error.message.startswith("tokenizer error"):
        try:
            with warnings.catch_warnings():  # the checked file's problems are not ours
                warnings.simplefilter("ignore")
                compile(data, "<checked file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as located:
            if located.lineno:
                return min(located.lineno, lines), max(located.offset or 1, 1)
        except Exception:  # the compiler gives up differently on odd input
            pass
    return error.raw_line, error.raw_column + 1


def _skip_validation(node: cst.CSTNode) -> None:
    pass


def _parse_module(data: bytes) -> cst.Module:
    """``libcst.parse_module`` without re-validating every node it builds: the parser
    only builds valid trees, and the checks cost about a tenth of the parse."""
    base = cst.CSTNode
    validate = base.__post_init__
    base.__post_init__ = _skip_validation  # type: ignore[method-assign,assignment]
    try:
        return cst.parse_module(data)
    finally:
        base.__post_init__ = validate  # type: ignore[method-assign]


def _body_start(statement: cst.CSTNode) -> Optional[cst.CSTNode]:
    """First statement of a compound statement's body (to find where its header ends)."""
    if isinstance(statement, _COMPOUND):
        body = getattr(statement, "body", None)
        if type(body) is cst.IndentedBlock and body.body:
            return body.body[0]
        if type(statement) is cst.Match and statement.cases:
            return statement.cases[0]
    return None


_ERROR_AT = re.compile(r"(?:parser error: )?error at (\d+):(\d+)")
_BODY_FIELDS = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})


def _fingerprint_base(module: cst.Module, report: _Report) -> str:
    """The content part of a finding's identity (see ``privalint.baseline``): rule,
    enclosing functions/classes, and the normalised text of the flagged statement
    (a compound statement's header only) and node. Never line numbers."""
    statement = report.statement
    if statement is None:
        statement_text = ""
    elif type(statement) is cst.SimpleStatementLine:
        statement_text = _normalised(module, statement)
    else:
        statement_text = _header_text(module, statement)
    node_text = "" if type(report.node) is cst.Module else _normalised(module, report.node)
    return digest(report.rule_id, report.scope, statement_text, node_text)


def _header_text(module: cst.Module, statement: cst.CSTNode) -> str:
    """A compound statement without its bodies: ``if``/``with``/``def`` header parts."""
    parts = [type(statement).__name__]
    for name in _child_fields(type(statement)):
        if name in _BODY_FIELDS:
            continue
        value = getattr(statement, name)
        children = value if isinstance(value, (tuple, list)) else (value,)
        for child in children:
            if isinstance(child, cst.CSTNode):
                parts.append(_normalised(module, child))
    return "\x1e".join(parts)


def _normalised(module: cst.Module, node: cst.CSTNode) -> str:
    try:
        text = module.code_for_node(node)
    except Exception:  # a node libcst cannot render on its own
        return type(node).__name__
    return normalise_code(text)


def _one_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text[:200]


if sys.getrecursionlimit() < 5000:
    sys.setrecursionlimit(5000)

# Rules read the value of the checked code's string literals (libcst compiles them); the
# compiler's complaints about that code ("invalid escape sequence", a SyntaxWarning that
# Python 3.12+ prints) are not privalint's to show.
for _category in (SyntaxWarning, DeprecationWarning):
    warnings.filterwarnings("ignore", category=_category, module="<unknown>")
