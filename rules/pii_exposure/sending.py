"""The base of the rules about calls that hand data to a third party: SDK calls
matched from one catalog section, plain HTTP requests to the API hosts of the same
destinations, and local helper functions that pass their parameters on to either."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import (
    Destination,
    Destinations,
    HelperDestinations,
    argument_expressions,
    helper_via,
    imported_words,
    is_own_code,
    report_sent,
    sent_values,
)
from privalint.rules.pii_exposure.http import REQUEST, HttpKnowledge, ModuleStrings

from privalint.catalog import Catalog
from privalint.engine import IMPORT_TRIGGER, FileContext
from privalint.flow import Carried
from privalint.personal import KEY, split_words
from privalint.rule import Rule

Values = list[tuple[cst.BaseExpression, Carried]]


@dataclass(frozen=True)
class SendingKnowledge:
    destinations: Destinations
    http: HttpKnowledge
    # Parameter names that say only that they hold some content: they are what their
    # function's name says (`body` in `classify_email(body)`).
    content_parameters: frozenset[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog, section: str) -> SendingKnowledge:
        return cls(
            Destinations.from_catalog(catalog, section),
            HttpKnowledge.from_catalog(catalog),
            frozenset(catalog.strings("exposure.content-parameters.names")),
        )


@dataclass(frozen=True)
class ModuleWrappers:
    """The project's own functions in other modules that send to a kind of
    destination, whose bodies are out of sight: named for it (`ask_llm`), or a
    sending verb from a module named for it (`from app.ai import summarise_ticket`,
    `from app.search import index_customer`). Read from a catalog table with
    `name-words`, `module-words`, `verbs` and `skip-keywords`."""

    name_words: frozenset[str]
    module_words: frozenset[str]
    verbs: frozenset[str]
    skip_keywords: frozenset[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog, section: str) -> ModuleWrappers:
        def words(key: str) -> frozenset[str]:
            return frozenset(catalog.strings(f"{section}.{key}"))

        return cls(
            words("name-words"), words("module-words"), words("verbs"), words("skip-keywords")
        )

    def trigger_words(self) -> list[str]:
        """An import of such a function: a name word anywhere in the import, or a
        module named with a module word."""
        words = [IMPORT_TRIGGER + word for word in self.name_words]
        for word in self.module_words:
            words.extend(
                IMPORT_TRIGGER + form
                for form in (
                    f".{word}",
                    f"from {word} ",
                    f"from {word}.",
                    f"import {word} ",
                    # A word of a compound module name (`from .notes_ai import ...`,
                    # `from app.ai_helpers import ...`).
                    f"_{word} ",
                    f"_{word}.",
                    f"_{word}_",
                    f".{word}_",
                    f" {word}_",
                )
            )
        return words

    def wrapper(self, ctx: FileContext, call: cst.Call) -> Optional[str]:
        """The qualified name of the function ``call`` calls, if it is one."""
        qualified = ctx.qualname(call.func)
        if qualified is None or "." not in qualified or ctx.is_local(qualified):
            return None
        if "()" in qualified:
            return None  # a method of an object: its class is out of sight
        module, _, name = qualified.rpartition(".")
        if not name[:1].islower():
            return None  # a class, not a function that sends
        words = split_words(name)
        if any(w in self.name_words for w in words):
            return qualified
        if not words or words[0] not in self.verbs:
            return None
        module_words = {w for part in module.split(".") for w in split_words(part)}
        return qualified if module_words & self.module_words else None

    def report(self, rule: Rule, call: cst.Call, shown: str, destination: str) -> None:
        report_sent(
            rule,
            sent_values(rule.ctx, call, self.skip_keywords),
            destination,
            via=f" through `{rule.ctx.code(call.func, 30)}()`",
            fact_detail=f"{destination} (through {shown})",
        )


class SendingRule(Rule):
    """Subclasses set ``section`` (``exposure.analytics``...) and the rule metadata;
    their message may use ``{data}``, ``{verb}``, ``{destination}`` and ``{via}``."""

    section: str = ""
    # Whether a content parameter is what its function's name says (`text` in
    # `screen_message(text)`); not for destinations whose text is the system's own
    # (an error message, an alert).
    names_content_by_function: bool = True
    # What a helper of another module that reaches the destination does with the data.
    helper_phrase: str = "sends it to {destination}"

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return SendingKnowledge.from_catalog(catalog, cls.section)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        return (
            Destinations.from_catalog(catalog, cls.section).trigger_words(),
            ("@personal", "@people"),
        )

    @classmethod
    def join_words(cls, catalog: Catalog) -> tuple[str, ...]:
        # A module whose functions hand their parameters to the SDK: it matters to
        # the modules that call them with personal data (`privalint.project`).
        return imported_words(cls.trigger_words(catalog))

    def __init__(self, ctx: FileContext, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.knowledge: SendingKnowledge = compiled
        self._helpers = HelperDestinations(self.knowledge.destinations.roots)
        self._strings = ModuleStrings()
        # Local names -> the dict, list, f-string or concatenation last assigned to
        # them in this function (`props = {"notes": notes}`, `prompt = f"...{text}"`).
        self._built: dict[str, cst.BaseExpression] = {}

    def values_for(self, call: cst.Call, destination: Destination) -> Values:
        """The personal data a matched SDK call sends (subclasses may narrow it)."""
        values = sent_values(self.ctx, call, destination.skip_keywords)
        if values or not self.names_content_by_function:
            return values
        return self._named_by_function(call, destination.skip_keywords)

    def _named_by_function(self, call: cst.Call, skip_keywords: frozenset[str]) -> Values:
        """Parameters of the enclosing function whose names say only that they hold
        some content (`text`, `notes`, `body`), sent as they are: what the function's
        name says they are (`text` in `screen_message(text)` is a message's text)."""
        function = self.ctx.ancestor(cst.FunctionDef)
        if type(function) is not cst.FunctionDef:
            return []
        params = {p.name.value for p in (*function.params.posonly_params, *function.params.params)}
        subjects = list(reversed(split_words(function.name.value)))
        content = self.knowledge.content_parameters
        out: Values = []
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in skip_keywords:
                continue
            for holder, name in _names_sent(self.ctx, arg.value, self._built):
                if name.value not in params or name.value not in content:
                    continue
                carried = self.ctx.categories(name)
                if carried.cats or carried.known:
                    continue
                for subject in subjects:
                    category = self.ctx.classify(f"{subject}_{name.value}", "", KEY)
                    if category is not None:
                        out.append((holder, Carried({category: name}, known=False)))
                        break
        return out

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._built = {}

    def _match(self, call: cst.Call) -> Optional[tuple[Destination, frozenset[str]]]:
        """The destination of a call (an SDK call or a request to the API host of a
        destination) and the keywords that carry no sent data."""
        knowledge = self.knowledge
        destination = knowledge.destinations.match(self.ctx, call)
        if destination is not None:
            return destination, frozenset()
        request = knowledge.http.classify_call(self.ctx, call, self._strings)
        if request is None or request.kind != REQUEST:
            return None
        destination = knowledge.destinations.for_url(self._strings.text(request.url))
        if destination is None:
            return None
        return destination, knowledge.http.transport_keywords

    def visit_Assign(self, node: cst.Assign) -> None:
        self._strings.note(node)
        for target in node.targets:
            if type(target.target) is cst.Name:
                if isinstance(node.value, _BUILT):
                    self._built[target.target.value] = node.value
                else:
                    self._built.pop(target.target.value, None)
        for target in node.targets:
            if type(target.target) is cst.Subscript:
                destination = self._filled_event(target.target)
            else:
                destination = self.knowledge.destinations.match_attribute(self.ctx, target.target)
            if destination is not None:
                carried = self.ctx.categories(node.value)
                if carried.cats:
                    report_sent(
                        self, [(node.value, carried)], destination.name, destination.expected
                    )

    def _filled_event(self, target: cst.Subscript) -> Optional[Destination]:
        """The destination of an event an SDK call returned and the code fills in
        before it is sent (`notice["context"]["user"] = ...` after `notice =
        notifier.build_notice(exc)`)."""
        root: cst.BaseExpression = target
        while type(root) is cst.Subscript:
            root = root.value
        if type(root) is not cst.Name:
            return None
        qualified = self.ctx.qualname(root)
        if not qualified or not qualified.endswith("()") or is_own_code(self.ctx, qualified):
            return None
        called = qualified[:-2]
        member = called.rsplit(".", 1)[-1]
        for destination in self.knowledge.destinations.all:
            if destination.matches_name(called, member):
                return destination
        return None

    def _sink_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        matched = self._match(call)
        if matched is None:
            return []
        destination, skip = matched
        self._helpers.noting(destination.name)
        return argument_expressions(call, skip or destination.skip_keywords)

    def visit_Call(self, node: cst.Call) -> None:
        matched = self._match(node)
        if matched is not None:
            self._helpers.sink_seen()
            destination, skip = matched
            self.ctx.export_sink(
                self, self._sink_values, self.helper_phrase.format(destination=destination.name)
            )
            values = (
                sent_values(self.ctx, node, skip) if skip else self.values_for(node, destination)
            )
            report_sent(self, values, destination.name, destination.expected)
            return
        values, name = self._helpers.values(self.ctx, node, self._sink_values, self.id)
        if values and name:
            expected: frozenset[str] = next(
                (d.expected for d in self.knowledge.destinations.all if d.name == name),
                frozenset(),
            )
            report_sent(self, values, name, expected, via=helper_via(self.ctx, node))
            return
        self.unmatched_call(node)

    def unmatched_call(self, node: cst.Call) -> None:
        """A call that reaches no known destination (subclasses may look further)."""


_BUILT = (cst.List, cst.Tuple, cst.Dict, cst.FormattedString, cst.BinaryOperation)


def _names_sent(
    ctx: FileContext,
    expr: cst.BaseExpression,
    built: Mapping[str, cst.BaseExpression],
    depth: int = 0,
) -> Iterator[tuple[cst.Name, cst.Name]]:
    """The bare names a sent value is made of: in lists and dicts, f-strings,
    concatenations and objects that only pack their arguments (`HumanMessage(content=
    text)`), also when built in a local name first (``built``); each with the name in
    the call that holds it (itself, or the local name)."""
    if depth > 8:
        return
    depth += 1
    if type(expr) is cst.Name:
        if expr.value in built:
            for _, name in _names_sent(ctx, built[expr.value], {}, depth):
                yield expr, name
        else:
            yield expr, expr
    elif isinstance(expr, (cst.List, cst.Tuple)):
        for element in expr.elements:
            yield from _names_sent(ctx, element.value, built, depth)
    elif type(expr) is cst.Dict:
        for element in expr.elements:
            if type(element) is cst.DictElement:
                yield from _names_sent(ctx, element.value, built, depth)
    elif type(expr) is cst.FormattedString:
        for part in expr.parts:
            if type(part) is cst.FormattedStringExpression:
                yield from _names_sent(ctx, part.expression, built, depth)
    elif type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
        yield from _names_sent(ctx, expr.left, built, depth)
        yield from _names_sent(ctx, expr.right, built, depth)
    elif type(expr) is cst.Call and ctx.flow.settings.is_propagator(ctx.qualname(expr.func)):
        for arg in expr.args:
            yield from _names_sent(ctx, arg.value, built, depth)
