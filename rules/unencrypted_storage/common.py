"""What the unencrypted-storage rules share: severity, allow-lists, facts, sinks
reached through helper functions, and values that are whole records of people."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Optional

import libcst as cst

from privalint import sql
from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.flow import Carried, union
from privalint.imports import dotted_name
from privalint.model import Severity
from privalint.nodes import string_value as literal_string
from privalint.personal import KEY, split_words
from privalint.rule import Rule


class QualifiedNames:
    """A set of qualified names where an entry ending in ``.*`` covers a module."""

    def __init__(self, names: Iterable[str]) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        for name in names:
            if name.endswith(".*"):
                prefixes.append(name[:-1])
            else:
                exact.add(name)
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)

    def __contains__(self, qualified: object) -> bool:
        return isinstance(qualified, str) and (
            qualified in self.exact or qualified.startswith(self.prefixes)
        )


@dataclass(frozen=True)
class StoragePolicy:
    """Severity and allow-list settings common to the family."""

    error_categories: frozenset[str]
    allow: tuple[str, ...]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> StoragePolicy:
        return cls(
            error_categories=frozenset(catalog.strings("storage.error-categories")),
            allow=tuple(catalog.strings("storage.allow")),
        )

    def severity(self, ctx: FileContext, categories: Iterable[str], base: Severity) -> Severity:
        """Errors for special categories, credentials and the catalog's error
        categories (government ids, card and bank data); ``base`` otherwise."""
        cats = list(categories)
        if any(c in self.error_categories for c in cats):
            return Severity.ERROR
        return ctx.severity_for(cats, base)

    def allowed(self, place: str) -> bool:
        """Whether ``place`` ("Model.field", "table.column") may hold data in clear."""
        return any(fnmatchcase(place, pattern) for pattern in self.allow)


def record_stored(
    ctx: FileContext, categories: Iterable[str], node: cst.CSTNode, detail: str
) -> None:
    """``stored`` facts (not encrypted) for each category, for the project stage."""
    for category in sorted(set(categories)):
        ctx.fact("stored", category, node, detail, encrypted=False)


def report_stored(
    rule: Rule,
    policy: StoragePolicy,
    node: cst.CSTNode,
    carried: Carried,
    detail: str,
    at: Optional[cst.CSTNode] = None,
    **fields: str,
) -> None:
    """``carried`` written in clear: its ``stored`` facts (at ``node``) and the rule's
    finding (at ``at``, else ``node``), with the data, its verb and a severity that
    rises with its sensitivity; ``fields`` fill the rest of the rule's message."""
    ctx = rule.ctx
    record_stored(ctx, carried.cats, node, detail)
    rule.report(
        node if at is None else at,
        severity=policy.severity(ctx, carried.cats, rule.severity),
        categories=carried.categories,
        data=capitalised(ctx.describe(carried)),
        verb=ctx.verb(carried),
        **fields,
    )


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def last_name(expr: cst.BaseExpression) -> str:
    """``set`` for ``cache.set``, ``open`` for ``open``, else ``""``."""
    if type(expr) is cst.Name:
        return expr.value
    if type(expr) is cst.Attribute:
        return expr.attr.value
    return ""


def call_text(ctx: FileContext, call: cst.Call) -> str:
    """``writer.writerow(…)``: a call named for messages, without its arguments."""
    return f"{ctx.code(call.func, 40)}(…)"


def argument(
    call: cst.Call, index: int, keywords: Sequence[str] = ()
) -> Optional[cst.BaseExpression]:
    """The value passed as positional ``index`` or as one of ``keywords``."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if 0 <= index < len(positional):
        return positional[index].value
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    return None


def string_value(node: cst.BaseExpression) -> Optional[str]:
    """The value of a plain string literal, else None."""
    return literal_string(node)


def key_text(node: cst.BaseExpression) -> Optional[str]:
    """The literal text of a key: a string, or an f-string's text parts
    (``f"user:{uid}:email"`` -> ``user:…:email``)."""
    if type(node) is cst.FormattedString:
        return "".join(p.value if type(p) is cst.FormattedStringText else "…" for p in node.parts)
    return string_value(node)


class ScopedNames:
    """What names stand for, per function; ``self.x`` is kept with its class, so
    what ``__init__`` binds is seen by every method."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._tables: list[dict[str, Any]] = [{}]

    def enter_function(self) -> None:
        self._tables.append({})

    def leave_function(self) -> None:
        if len(self._tables) > 1:
            self._tables.pop()

    def _key(self, path: str) -> tuple[int, str]:
        if path.startswith(("self.", "cls.")) and self.ctx.current_class:
            return 0, f"{self.ctx.current_class}:{path}"
        return len(self._tables) - 1, path

    def set(self, path: str, value: Any) -> None:
        index, key = self._key(path)
        self._tables[index][key] = value

    def forget(self, path: str) -> None:
        index, key = self._key(path)
        self._tables[index].pop(key, None)

    def find(self, path: str) -> tuple[bool, Any]:
        index, key = self._key(path)
        tables = [self._tables[0]] if index == 0 else reversed(self._tables)
        for table in tables:
            if key in table:
                return True, table[key]
        return False, None


class ScopedStorageRule(Rule):
    """A storage rule that follows records (``self.records``) and names bound in
    each function (the ``ScopedNames`` it makes with :meth:`scoped`), entered and
    left with every function, and offers its sinks to other modules
    (``self.helpers``, with ``phrase``)."""

    phrase: str = ""

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.records = Records(ctx, compiled.records)
        self.helpers = HelperSinks(self, self.phrase)
        self._scoped: list[ScopedNames] = []

    def scoped(self) -> ScopedNames:
        names = ScopedNames(self.ctx)
        self._scoped.append(names)
        return names

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.records.enter_function()
        for names in self._scoped:
            names.enter_function()

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.records.leave_function()
        for names in self._scoped:
            names.leave_function()


class HelperSinks:
    """Sink calls seen inside the file's own functions, so a call to such a helper
    (``save_json(path, customers)``) is checked like the sink it wraps, here and in
    the project's other modules (``phrase`` says what the sink does there)."""

    def __init__(self, rule: Rule, phrase: str) -> None:
        self._values: dict[int, list[cst.BaseExpression]] = {}
        self._rule = rule
        self._phrase = phrase

    def add(self, call: cst.Call, values: Sequence[cst.BaseExpression]) -> None:
        self._values[id(call)] = list(values)
        self._rule.ctx.export_sink(self._rule, self.values, self._phrase)

    def values(self, call: cst.Call) -> list[cst.BaseExpression]:
        return self._values.get(id(call), [])

    def arguments(self, ctx: FileContext, call: cst.Call, key: str) -> list[cst.BaseExpression]:
        """Arguments of ``call`` that a helper of this module passes on to a sink."""
        if not self._values:
            return []
        flow = ctx.flow
        definition = flow.resolve_local(call.func)
        if definition is None:
            return []
        out: list[cst.BaseExpression] = []
        for index in sorted(
            flow.reaching_params(definition, self.values, key, reported_inside=True)
        ):
            arg = flow.argument_for(call, definition, index)
            if arg is not None:
                out.append(arg)
        return out

    def reaching(
        self, ctx: FileContext, call: cst.Call, key: str
    ) -> list[tuple[cst.BaseExpression, Carried]]:
        """Those arguments that carry personal data, with what they carry."""
        out: list[tuple[cst.BaseExpression, Carried]] = []
        for arg in self.arguments(ctx, call, key):
            carried = ctx.categories(arg)
            if carried.cats:
                out.append((arg, carried))
        return out


_RAW_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# Words that make a name a collection of what it names (`customer_df`, `user_rows`).
_COLLECTION_WORDS = frozenset(
    {
        "df", "dfs", "frame", "frames", "dataframe", "records", "record", "rows", "row",
        "list", "data", "table", "extract", "export", "dump", "qs", "queryset", "batch",
        "set", "all", "snapshot", "backup", "csv", "json", "parquet", "xlsx",
    }
)  # fmt: skip


def _class_name(name: str) -> bool:
    """Whether ``name`` is spelt as a class (``Customer``), not as a constant
    (``SIP_PROFILE``, ``TTL``)."""
    return name[:1].isupper() and any(c.islower() for c in name)


def _raw_words(text: str) -> list[str]:
    return [w.lower() for w in _RAW_WORD.findall(text)]


@dataclass(frozen=True)
class RecordKnowledge:
    """What makes a value records of people, or no longer records."""

    getter_verbs: frozenset[str]
    summaries: frozenset[str]
    dumps: QualifiedNames
    dump_methods: frozenset[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> RecordKnowledge:
        return cls(
            getter_verbs=frozenset(catalog.strings("flow.getter-verbs")),
            summaries=frozenset(catalog.strings("storage.record-summaries")),
            dumps=QualifiedNames(catalog.strings("storage.record-dumps")),
            dump_methods=frozenset(catalog.strings("storage.record-dump-methods")),
        )


class Records:
    """Names bound to collections of records about people: ``customers =
    Customer.objects.all()``, ``raw = load_customers(path)``, ``df =
    pd.read_csv("patients.csv")``. Writing such a collection stores every personal
    field of those people, even when no single field is named in the code."""

    def __init__(self, ctx: FileContext, knowledge: RecordKnowledge) -> None:
        self.ctx = ctx
        self.k = knowledge
        # name -> the value last assigned to it (evaluated only when a sink asks).
        self._scopes: list[dict[str, cst.BaseExpression]] = [{}]
        self._memo: dict[tuple[str, int], Optional[str]] = {}
        self._in_progress: set[str] = set()

    # -- scopes ---------------------------------------------------------------------

    def enter_function(self) -> None:
        self._scopes.append({})

    def leave_function(self) -> None:
        if len(self._scopes) > 1:
            self._scopes.pop()

    def _lookup(self, name: str) -> tuple[bool, Optional[str]]:
        for scope in reversed(self._scopes):
            if name in scope:
                return True, self._bound(name, scope[name])
        return False, None

    def _bound(self, name: str, value: cst.BaseExpression) -> Optional[str]:
        key = (name, id(value))
        if key in self._memo:
            return self._memo[key]
        if name in self._in_progress or len(self._in_progress) > 8:
            return None
        self._in_progress.add(name)
        try:
            subject = self.subject(value)
            if subject is None and "." not in name and type(value) is not cst.Name:
                carried = self.ctx.categories(value)
                if not (carried.known and not carried.cats and carried.element is None) and (
                    isinstance(value, (cst.Call, cst.Subscript, cst.Attribute, cst.Await))
                ):
                    subject = self.people(name)
        finally:
            self._in_progress.discard(name)
        self._memo[key] = subject
        return subject

    # -- naming -----------------------------------------------------------------------

    def people(self, text: str) -> Optional[str]:
        """``customers`` for ``customers``, ``customer_df`` or ``patientRecords``: the
        people a collection's name says it holds, else None."""
        words = _raw_words(text)
        collection = False
        while words and words[-1] in _COLLECTION_WORDS:
            words.pop()
            collection = True
        while words and words[0] in self.k.getter_verbs:
            words.pop(0)
        if not words:
            return None
        last = words[-1]
        plural = (last.endswith("s") and split_words(last)[0] != last) or last == "people"
        if not (collection or plural):
            return None
        if not self.ctx.classifier.is_person("_".join(words)):
            return None
        return last if plural else last + "s"

    def _from_path(self, text: str) -> Optional[str]:
        stem = text.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
        words = [w for w in _raw_words(stem) if not w.isdigit()]
        if not words:
            return None
        return self.people("_".join(words) + ("" if words[-1].endswith("s") else "_records"))

    def _from_sql(self, text: str) -> Optional[str]:
        statement = sql.parse(text)
        if statement is None or statement.kind != "select" or not statement.table:
            return None
        table = statement.table.rsplit(".", 1)[-1]
        return self.people(table if table.endswith("s") else table + "_records")

    # -- evaluation -------------------------------------------------------------------

    def stored(self, expr: cst.BaseExpression) -> Optional[str]:
        """The people whose records a sink stores in ``expr``, or None; not when the flow
        knows the code replaced a personal column with a value that is not personal
        (`df["email"] = df["email"].map(sha256_hex)`): a pseudonymised frame."""
        carried = self.ctx.categories(expr)
        if not carried.cats and any(
            value.known and not value.cats and self.ctx.classify(key, "", KEY) is not None
            for key, value in (carried.fields or {}).items()
        ):
            return None
        return self.subject(expr)

    def subject(self, expr: cst.BaseExpression) -> Optional[str]:
        """The people whose records ``expr`` holds (``customers``), or None."""
        if type(expr) is cst.Name:
            known, value = self._lookup(expr.value)
            if known:
                return value
            return self.people(expr.value)
        if type(expr) is cst.Attribute:
            words = split_words(expr.attr.value)
            if words and words[-1] in self.ctx.flow.settings.identifier_words:
                # `player.id`: an identifier of the record, not the record.
                return None
            if expr.attr.value in self.k.dump_methods:
                # `patient.__dict__`
                return self.one_record(expr.value)
            path = dotted_name(expr)
            if path is not None:
                known, value = self._lookup(path)
                if known:
                    return value
            return self.people(expr.attr.value) or self._chain(expr)
        if type(expr) is cst.Call:
            return self._call(expr)
        if type(expr) is cst.Subscript:
            return self.subject(expr.value)
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
            return self._comprehension(expr)
        if type(expr) is cst.Await:
            return self.subject(expr.expression)
        return None

    def _chain(self, expr: cst.BaseExpression) -> Optional[str]:
        """``Customer.objects.filter(...).values()`` and ``session.query(Patient)``:
        a query over a model named for people."""
        node = expr
        while True:
            if type(node) is cst.Call:
                if node is not expr and last_name(node.func) in self.k.summaries:
                    # `df.groupby("ward").size().reset_index()`: counts, not people.
                    return None
                for arg in node.args:
                    value = arg.value
                    if type(value) is cst.Name and _class_name(value.value):
                        found = self._model_people(value.value)
                        if found:
                            return found
                node = node.func
            elif isinstance(node, (cst.Attribute, cst.Subscript)):
                node = node.value
            else:
                break
        if type(node) is cst.Name:
            if _class_name(node.value) and node is not expr:
                # `Customer.objects.all()`: a query over a model of people;
                # `PatientSerializer(p).data`, `CustomerSchema().dump(c)`: their records.
                return self._model_people(node.value)
            if node.value[:1].isupper() and node is not expr:
                # `PATIENTS.values()`: a module constant, named for what it holds;
                # `SIP_PROFILE.substitute(...)` is a template, not a model.
                return self.people(node.value)
            known, value = self._lookup(node.value)
            if known:
                return value
        return None

    def one_record(self, expr: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        """``patients`` when ``expr`` is one person's record: a name that says so
        (``patient``, ``self.customer``), a parameter typed with a model of people
        (``p: Patient``), or a name bound to a query for one (``Patient.objects.get()``)."""
        if depth > 4:
            return None
        if type(expr) is cst.Await:
            return self.one_record(expr.expression, depth + 1)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            path = dotted_name(expr)
            bound = self._bound_value(path) if path is not None else None
            if bound is not None:
                return self.one_record(bound, depth + 1)
            qualified = self.ctx.qualname(expr)
            if qualified is not None and qualified.endswith("()"):
                class_name = qualified[:-2].rsplit(".", 1)[-1]
                if class_name[:1].isupper():
                    return self._model_people(class_name)
            return self._one_person(last_name(expr))
        if type(expr) is cst.Call:
            for arg in expr.args:
                if type(arg.value) is cst.Name and _class_name(arg.value.value):
                    # `get_object_or_404(Patient, pk=pk)`
                    return self._model_people(arg.value.value)
            # `load_customer(pk)`, `Patient.objects.get(pk=pk)`
            return self._one_person(last_name(expr.func), verbs=True) or self._chain(expr)
        return None

    def _one_person(self, name: str, verbs: bool = False) -> Optional[str]:
        """``patients`` for ``patient`` or ``new_customer`` (with ``verbs``, also for
        ``get_patient``): a singular name of a person."""
        words = _raw_words(name)
        while verbs and words and words[0] in self.k.getter_verbs:
            words.pop(0)
        if not words or words[0] in ("self", "cls"):
            return None
        last = words[-1]
        if split_words(last)[0] != last or not self.ctx.classifier.is_person("_".join(words)):
            return None
        return last + "s"

    def _bound_value(self, path: str) -> Optional[cst.BaseExpression]:
        for scope in reversed(self._scopes):
            if path in scope:
                return scope[path]
        return None

    def _model_people(self, class_name: str) -> Optional[str]:
        """``patients`` for ``Patient``, ``PatientSerializer`` or ``CustomerOut``: the
        people a model, serializer or schema class describes (its shape words dropped)."""
        words = split_words(class_name)
        suffixes = self.ctx.flow.settings.class_suffixes
        while len(words) > 1 and words[-1] in suffixes:
            words = words[:-1]
        return self.people("_".join(words) + "_records")

    def _call(self, call: cst.Call) -> Optional[str]:
        func = call.func
        name = last_name(func)
        qualified = self.ctx.qualname(func)
        if name in self.k.summaries or self.ctx.flow.settings.is_sanitizer(qualified, name):
            return None
        if name in self.ctx.flow.settings.element_methods:
            # `Customer.objects.get(pk=1)`, `query.first()`: one record, not a collection.
            return None
        if call.args and qualified in self.k.dumps:
            # `model_to_dict(patient)`, `asdict(customer)`: one person's whole record.
            first = call.args[0].value
            return self.subject(first) or self.one_record(first)
        if type(func) is cst.Attribute and name in self.k.dump_methods:
            # `customer.to_dict()`, `patient.model_dump_json()`
            found = self.one_record(func.value)
            if found:
                return found
        if call.args and self.ctx.flow.settings.is_propagator(qualified):
            # `pd.DataFrame(customers)`, `list(patients)`: the same records.
            return self.subject(call.args[0].value)
        for arg in call.args[:2]:
            text = string_value(arg.value)
            if text is not None:
                found = self._from_sql(text) if " " in text.strip() else self._from_path(text)
                if found:
                    return found
        if name and name[:1].islower():
            found = self.people(name)
            if found:
                return found
        return self._chain(call)

    def _comprehension(self, node: cst.ListComp | cst.GeneratorExp) -> Optional[str]:
        subject = self.subject(node.for_in.iter)
        if subject is None:
            return None
        target = node.for_in.target
        element = node.elt
        if type(target) is cst.Name:
            if type(element) is cst.Name and element.value == target.value:
                return subject
            if (
                type(element) is cst.Attribute
                and element.attr.value == "__dict__"
                and type(element.value) is cst.Name
                and element.value.value == target.value
            ):
                return subject
            if type(element) is cst.Call:
                func = element.func
                if (
                    type(func) is cst.Attribute
                    and type(func.value) is cst.Name
                    and func.value.value == target.value
                    and func.attr.value in self.ctx.flow.settings.propagating_methods
                ):
                    return subject
                if (
                    element.args
                    and type(element.args[0].value) is cst.Name
                    and element.args[0].value.value == target.value
                    and self.ctx.flow.settings.is_propagator(self.ctx.qualname(func))
                ):
                    return subject
        return None

    def bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Remember what an assignment binds; it is judged when a sink asks."""
        path = dotted_name(target)
        if path is not None:
            self._scopes[-1][path] = value


def values_carried(
    ctx: FileContext, exprs: Sequence[cst.BaseExpression]
) -> tuple[Optional[cst.BaseExpression], Carried]:
    """What a list of written expressions carries together, and the first one that
    carries something."""
    first: Optional[cst.BaseExpression] = None
    parts: list[Carried] = []
    for expr in exprs:
        carried = ctx.categories(expr)
        if carried.cats:
            parts.append(carried)
            if first is None:
                first = expr
    return first, union(parts)
