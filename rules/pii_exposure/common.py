"""What the pii-exposure rules share: recognising third-party destinations from the
catalog, finding the data a call sends, and reporting it with its destination."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import libcst as cst

from privalint.catalog import Catalog
from privalint.engine import IMPORT_TRIGGER, FileContext
from privalint.flow import EXTRA_KEYWORDS, Carried, union
from privalint.nodes import string_value as literal_string
from privalint.personal import KEY, split_words
from privalint.project import SENT
from privalint.rule import Rule

METHODS = "methods"
ATTRIBUTES = "attributes"
# Receiver words at least this long are specific enough to select files on their own;
# shorter ones need the dot of a method call after them (`llm.`), and the shortest the
# method itself (`es.index`).
SPECIFIC_WORD = 6
SHORTEST_WORD = 3


def receiver_triggers(word: str, methods: Iterable[str]) -> list[str]:
    """Prefilter words for a call on an object named ``word``."""
    if len(word) >= SPECIFIC_WORD:
        return [word]
    if len(word) >= SHORTEST_WORD:
        return [word + "."]
    return [f"{word}.{method}" for method in methods]


def import_words(modules: Iterable[str]) -> list[str]:
    """Prefilter words: an import statement that names one of ``modules``
    (`import a.b`, `from a.b import x` and `from a import b`)."""
    words = []
    for module in modules:
        words.append(IMPORT_TRIGGER + module)
        parent, _, last = module.rpartition(".")
        if parent:
            words.append(f"{IMPORT_TRIGGER}{parent} import {last}")
    return words


def module_of(qualified: str) -> str:
    """The module a qualified API name is imported from: `requests` for
    `requests.Session().get`, `django.shortcuts` for `django.shortcuts.redirect`."""
    head = qualified.split("()", 1)[0]
    if "()" in qualified or "." in head:
        head = head.rpartition(".")[0] or head
    return head


# Marks a subscript in a qualified name: `client.collections["c"].documents.create`
# resolves to `typesense.Client().collections[].documents.create`.
SUBSCRIPT = "[]"


def chain_qualname(ctx: FileContext, expr: cst.BaseExpression) -> Optional[str]:
    """``ctx.qualname`` that also looks through subscripts in an attribute chain."""
    qualified = ctx.qualname(expr)
    if qualified is not None:
        return qualified
    if type(expr) is cst.Attribute:
        base = chain_qualname(ctx, expr.value)
        return f"{base}.{expr.attr.value}" if base is not None else None
    if type(expr) is cst.Subscript:
        base = chain_qualname(ctx, expr.value)
        return base + SUBSCRIPT if base is not None else None
    if type(expr) is cst.Call:
        base = chain_qualname(ctx, expr.func)
        return base + "()" if base is not None else None
    return None


def last_name(expr: cst.BaseExpression) -> str:
    """``index`` for ``es.index``, ``redirect`` for ``redirect``, else ``""``."""
    if type(expr) is cst.Attribute:
        return expr.attr.value
    if type(expr) is cst.Name:
        return expr.value
    return ""


def receiver_words(expr: cst.BaseExpression) -> tuple[str, ...]:
    """The words of the names an attribute chain is called on, outermost first:
    ``self.es_client.index`` -> (es, client); ``get_es().index`` -> (get, es)."""
    parts: list[tuple[str, ...]] = []
    node: Optional[cst.BaseExpression] = expr.value if type(expr) is cst.Attribute else None
    while node is not None:
        if type(node) is cst.Attribute:
            parts.append(split_words(node.attr.value))
            node = node.value
        elif type(node) is cst.Name:
            if node.value not in ("self", "cls"):
                parts.append(split_words(node.value))
            node = None
        elif type(node) is cst.Subscript:
            node = node.value
        elif type(node) is cst.Call:
            node = node.func
        else:
            node = None
    return tuple(w for part in reversed(parts) for w in part)


def attribute_chain(expr: cst.BaseExpression) -> list[str]:
    """The attribute names of a call chain, outermost first:
    ``self.llm.chat.completions.create`` -> [llm, chat, completions, create]."""
    names: list[str] = []
    node: Optional[cst.BaseExpression] = expr
    while node is not None:
        if type(node) is cst.Attribute:
            names.append(node.attr.value)
            node = node.value
        elif isinstance(node, (cst.Subscript, cst.Call)):
            node = node.value if type(node) is cst.Subscript else node.func
        else:
            node = None
    return names[::-1]


def contains_phrase(words: Sequence[str], phrases: Iterable[tuple[str, ...]]) -> bool:
    """Whether one of ``phrases`` occurs in ``words`` as consecutive words."""
    for phrase in phrases:
        n = len(phrase)
        if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            return True
    return False


def is_own_code(ctx: FileContext, qualified: Optional[str]) -> bool:
    """Unknown, local or relatively imported: the type of the object is not known."""
    return qualified is None or ctx.is_local(qualified) or qualified.startswith(".")


def keyword_arg(call: cst.Call, *names: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def string_value(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """The value of a plain string literal, else None."""
    return literal_string(node)


def phrases(texts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(p for p in (split_words(t) for t in texts) if p)


def _strings(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Destination:
    """A third party that calls can send data to (one table of the catalog)."""

    name: str
    calls: frozenset[str]
    call_prefixes: tuple[str, ...]
    modules: tuple[str, ...]
    methods: frozenset[str]
    receiver_phrases: tuple[tuple[str, ...], ...]
    receiver_texts: tuple[str, ...]
    skip_keywords: frozenset[str]
    expected: frozenset[str]
    exclude: tuple[str, ...]
    hosts: tuple[str, ...]
    attributes: frozenset[str]
    signatures: tuple[tuple[str, ...], ...]
    keyword_signatures: tuple[tuple[str, str], ...]

    @classmethod
    def from_table(cls, name: str, table: Mapping[str, Any]) -> Destination:
        calls = _strings(table, "calls")
        return cls(
            name=name,
            calls=frozenset(c for c in calls if not c.endswith(".*")),
            call_prefixes=tuple(c[:-1] for c in calls if c.endswith(".*")),
            modules=tuple(_strings(table, "modules")),
            methods=frozenset(_strings(table, "methods")),
            receiver_phrases=phrases(_strings(table, "receiver-words")),
            receiver_texts=tuple(_strings(table, "receiver-words")),
            skip_keywords=frozenset(_strings(table, "skip-keywords")),
            expected=frozenset(_strings(table, "expected")),
            exclude=tuple(_strings(table, "exclude")),
            hosts=tuple(h.lower() for h in _strings(table, "hosts")),
            attributes=frozenset(_strings(table, "attributes")),
            signatures=tuple(
                tuple(s.split(".")) for s in _strings(table, "signatures") if s.strip(".")
            ),
            keyword_signatures=tuple(
                (method, keyword)
                for method, _, keyword in (
                    s.partition(":") for s in _strings(table, "keyword-signatures")
                )
                if method and keyword
            ),
        )

    def in_modules(self, qualified: str) -> bool:
        return any(qualified == m or qualified.startswith(m + ".") for m in self.modules)

    def members(self, kind: str) -> frozenset[str]:
        return self.attributes if kind == ATTRIBUTES else self.methods

    def matches_name(self, qualified: str, member: str, kind: str = METHODS) -> bool:
        """Whether calling (or assigning to) ``qualified``, a known API, sends data here."""
        if kind == METHODS and (
            qualified in self.calls
            or (self.call_prefixes and qualified.startswith(self.call_prefixes))
        ):
            return True
        if member not in self.members(kind) or not self.in_modules(qualified):
            return False
        return not (self.exclude and qualified.startswith(self.exclude))

    def matches_receiver(self, words: Sequence[str], member: str, kind: str = METHODS) -> bool:
        """Whether a method of (or attribute on) an object of unknown type, named with
        ``words``, sends data here."""
        return member in self.members(kind) and contains_phrase(words, self.receiver_phrases)

    def matches_keyword_signature(self, call: cst.Call) -> bool:
        """Whether a method call has a keyword only this service's API takes with that
        method (Cohere's `embed(..., input_type=...)`), whatever the object."""
        if type(call.func) is not cst.Attribute:
            return False
        method = call.func.attr.value
        return any(
            method == name and keyword_arg(call, keyword) is not None
            for name, keyword in self.keyword_signatures
        )

    def matches_signature(self, chain: Sequence[str]) -> bool:
        """Whether a call ends in a chain of names only this service's API has
        (`.chat.completions.create`, `.save_objects`), whatever the object."""
        return any(
            len(chain) >= len(signature) and tuple(chain[-len(signature) :]) == signature
            for signature in self.signatures
        )


class Destinations:
    """The destinations of one catalog section (``exposure.analytics``...)."""

    def __init__(self, destinations: Sequence[Destination]) -> None:
        self.all = tuple(destinations)
        self._modules = tuple(m for d in self.all for m in d.modules)
        # Cheap first test of every call: the names a sending call can end with.
        self._members = {
            METHODS: frozenset(
                {m for d in self.all for m in d.methods}
                | {c.rsplit(".", 1)[-1] for d in self.all for c in d.calls}
                | {s[-1] for d in self.all for s in d.signatures}
            ),
            ATTRIBUTES: frozenset(a for d in self.all for a in d.attributes),
        }
        self.has_prefixes = any(d.call_prefixes for d in self.all)
        self._keyword_signed = tuple(d for d in self.all if d.keyword_signatures)
        # Top-level packages whose import makes a sending call possible.
        self.roots = frozenset(
            name.split(".", 1)[0]
            for d in self.all
            for name in (*d.modules, *d.calls, *d.call_prefixes)
        )

    @classmethod
    def from_catalog(cls, catalog: Catalog, section: str) -> Destinations:
        table = catalog.get(section, {})
        found: list[Destination] = []
        if isinstance(table, Mapping):
            for name, entry in table.items():
                if isinstance(entry, Mapping):
                    found.append(Destination.from_table(str(name), entry))
        return cls(found)

    def for_url(self, url: str) -> Optional[Destination]:
        """The destination whose API a request to ``url`` reaches (by host)."""
        lowered = url.lower()
        for destination in self.all:
            if any(host in lowered for host in destination.hosts):
                return destination
        return None

    def trigger_words(self) -> tuple[str, ...]:
        """Words one of which a file must contain for a call here to be possible: an
        import of one of the packages, an API host, or the name of a client of unknown
        type (short names only together with a sending method: `es.index`)."""
        modules = [*self._modules, *(module_of(c) for d in self.all for c in d.calls)]
        words: set[str] = set(import_words(modules))
        for d in self.all:
            words.update(host.strip(".").split("/", 1)[0] for host in d.hosts)
            words.update(".".join(signature) + "(" for signature in d.signatures)
            words.update(keyword + "=" for _, keyword in d.keyword_signatures)
            for text in d.receiver_texts:
                words.update(receiver_triggers(text, d.methods))
        return tuple(sorted(w for w in words if w))

    def match(self, ctx: FileContext, call: cst.Call) -> Optional[Destination]:
        """The destination a call sends its arguments to, if any."""
        found = self.match_member(ctx, call.func, METHODS)
        if found is not None or not self._keyword_signed:
            return found
        qualified = chain_qualname(ctx, call.func)
        if qualified is not None and not is_own_code(ctx, qualified):
            return None  # a known API of another package
        for destination in self._keyword_signed:
            if destination.matches_keyword_signature(call):
                return destination
        return None

    def match_attribute(
        self, ctx: FileContext, target: cst.BaseExpression
    ) -> Optional[Destination]:
        """The destination an assignment to ``target`` (``scope.user = ...``) sends to."""
        return self.match_member(ctx, target, ATTRIBUTES)

    def match_member(
        self, ctx: FileContext, func: cst.BaseExpression, kind: str
    ) -> Optional[Destination]:
        member = last_name(func)
        if member not in self._members[kind] and not (kind == METHODS and self.has_prefixes):
            return None
        if not member or (kind == ATTRIBUTES and type(func) is not cst.Attribute):
            return None
        qualified = chain_qualname(ctx, func)
        if qualified is not None and not is_own_code(ctx, qualified):
            for destination in self.all:
                if destination.matches_name(qualified, member, kind):
                    return destination
            if any(qualified == m or qualified.startswith(m + ".") for m in self._modules):
                # A known SDK, but not a sending call (`es.search(...)`).
                return None
        if type(func) is not cst.Attribute:
            return None
        words = receiver_words(func)
        for destination in self.all:
            if words and destination.matches_receiver(words, member, kind):
                return destination
        if kind == METHODS:
            chain = attribute_chain(func)
            for destination in self.all:
                if destination.matches_signature(chain):
                    return destination
        return None


def _constructed(ctx: FileContext, value: cst.BaseExpression) -> Optional[Carried]:
    """What an object built in place carries (``BaseEvent(user_id=..., ...)``): the
    union of the constructor's arguments, keywords speaking for opaque values."""
    if type(value) is not cst.Call or not last_name(value.func)[:1].isupper():
        return None
    parts = [v for _, v in sent_values(ctx, value, frozenset())]
    return union(parts) if parts else None


def sent_values(
    ctx: FileContext, call: cst.Call, skip_keywords: frozenset[str]
) -> list[tuple[cst.BaseExpression, Carried]]:
    """(node, carried) for each argument of ``call`` that carries personal data.

    An opaque value under a telling keyword counts as that keyword
    (``identify(uid, email=value)``), and so does one that follows a telling key
    (``span.set_tag("callback.number", value)``); an object constructed in the argument
    carries what its constructor's arguments carry.
    """
    out: list[tuple[cst.BaseExpression, Carried]] = []
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in skip_keywords:
            continue
        carried = ctx.categories(arg.value)
        if not carried.cats:
            built = _constructed(ctx, arg.value)
            if built is not None and built.cats:
                carried = built
        if not arg.star:
            carried = keyed(ctx, carried, arg.keyword)
            if len(positional) == 2 and arg is positional[1]:
                carried = _after_key(ctx, carried, positional[0].value)
        if carried.cats:
            out.append((arg.value, carried))
    return out


def _after_key(ctx: FileContext, carried: Carried, key: cst.BaseExpression) -> Carried:
    """``carried``, or what a literal key before it names when the value itself is
    unknown (``set_tag("user.email", value)``)."""
    text = string_value(key) if type(key) is cst.SimpleString else None
    return _named_by(ctx, carried, text)


def argument_expressions(call: cst.Call, skip_keywords: frozenset[str]) -> list[cst.BaseExpression]:
    """The argument expressions of a sink call (for helper tracking)."""
    return [
        arg.value
        for arg in call.args
        if arg.keyword is None or arg.keyword.value not in skip_keywords
    ]


def through_helper(
    ctx: FileContext,
    call: cst.Call,
    sink_values: Callable[[cst.Call], Sequence[cst.BaseExpression]],
    key: str,
) -> list[tuple[cst.BaseExpression, Carried]]:
    """Arguments of a call to a function of this module that passes them on to a sink
    (``def track(uid, traits): analytics.identify(uid, traits)``), with what they
    carry."""
    flow = ctx.flow
    definition = flow.resolve_local(call.func)
    if definition is None or not any(_may_carry(ctx, arg) for arg in call.args):
        return []
    out: list[tuple[cst.BaseExpression, Carried]] = []
    for index in sorted(flow.reaching_params(definition, sink_values, key, reported_inside=True)):
        if index == EXTRA_KEYWORDS:
            passed = flow.extra_keywords(call, definition)
        else:
            arg = flow.argument_for(call, definition, index)
            passed = [arg] if arg is not None else []
        for arg in passed:
            keyword = next((a.keyword for a in call.args if a.value is arg), None)
            carried = keyed(ctx, ctx.categories(arg), keyword)
            if carried.cats:
                out.append((arg, carried))
    return out


def keyed(ctx: FileContext, carried: Carried, keyword: Optional[cst.Name]) -> Carried:
    """``carried``, or what the keyword it is passed under names when the value itself
    is unknown (`f(email=value)`)."""
    return _named_by(ctx, carried, keyword.value if keyword is not None else None)


def _named_by(ctx: FileContext, carried: Carried, name: Optional[str]) -> Carried:
    """``carried``, or, for a value nothing is known of, what ``name`` (the keyword or
    key it is sent under) names."""
    if carried.cats or carried.known or not name:
        return carried
    category = ctx.classify(name, "", KEY)
    if category is None:
        return carried
    return Carried({category: name}, known=False, user_input=carried.user_input)


def _may_carry(ctx: FileContext, arg: cst.Arg) -> bool:
    """Whether an argument could be reported by :func:`through_helper`. Without one,
    the helper's body (a scan of it per sink rule) need not be read."""
    return bool(keyed(ctx, ctx.categories(arg.value), arg.keyword).cats)


class HelperDestinations:
    """Remembers which destination each local helper function reaches, so that a call
    through the helper can name it."""

    def __init__(self, roots: frozenset[str]) -> None:
        self._roots = roots
        self._seen: list[str] = []
        self._by_helper: dict[int, str] = {}
        self._active: Optional[bool] = None

    def noting(self, name: str) -> None:
        self._seen.append(name)

    def sink_seen(self) -> None:
        """A sink was called directly in this file: helpers may wrap one."""
        self._active = True

    def _is_active(self, ctx: FileContext) -> bool:
        # Following helpers costs a scan of each; only where a sink is possible: the
        # file imports one of the packages, or called a sink already.
        if self._active is None:
            self._active = any(
                module.split(".", 1)[0] in self._roots for module in ctx.imports.imported_modules
            )
        return self._active

    def values(
        self,
        ctx: FileContext,
        call: cst.Call,
        sink_values: Callable[[cst.Call], Sequence[cst.BaseExpression]],
        key: str,
    ) -> tuple[list[tuple[cst.BaseExpression, Carried]], str]:
        """(values, destination name) for a call through a local helper."""
        if not self._is_active(ctx):
            return [], ""
        definition = ctx.flow.resolve_local(call.func)
        if definition is None:
            return [], ""
        start = len(self._seen)
        values = through_helper(ctx, call, sink_values, key)
        if len(self._seen) > start:
            self._by_helper.setdefault(id(definition), self._seen[start])
        return values, self._by_helper.get(id(definition), "")


def report_sent(
    rule: Rule,
    values: Sequence[tuple[cst.BaseExpression, Carried]],
    destination: str,
    expected: frozenset[str] = frozenset(),
    via: str = "",
    fact_detail: str = "",
    **fields: Any,
) -> bool:
    """Record every category sent as a fact (``fact_detail`` names the destination in
    the inventory, by default ``destination``), and report those not ``expected``.
    Returns whether a finding was reported."""
    if not values:
        return False
    ctx = rule.ctx
    carried = union(v for _, v in values)
    for node, value in values:
        for category in value.cats:
            ctx.fact(SENT, category, node, fact_detail or destination)
    reported = {c: o for c, o in carried.cats.items() if c not in expected}
    if not reported:
        return False
    shown = Carried(reported, carried.known)
    node = narrowest(ctx, next(n for n, v in values if any(c in reported for c in v.cats)))
    rule.report(
        node,
        severity=ctx.severity_for(reported, rule.severity),
        categories=shown.categories,
        data=ctx.describe(shown),
        verb=ctx.verb(shown),
        destination=destination,
        via=via,
        **fields,
    )
    return True


def narrowest(ctx: FileContext, node: cst.BaseExpression) -> cst.BaseExpression:
    """The innermost part of a container or call argument that still carries personal
    data: the line of `"email": user.email` inside a multi-line dict."""
    while True:
        children: list[cst.BaseExpression]
        if type(node) is cst.Call:
            children = [a.value for a in node.args]
        elif isinstance(node, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
            children = [e.value for e in node.elements]
        else:
            return node
        for child in children:
            if ctx.categories(child).cats:
                node = child
                break
        else:
            return node


def helper_via(ctx: FileContext, call: cst.Call) -> str:
    return f" through `{ctx.code(call.func, 30)}()`"


def imported_words(groups: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The modules a rule's trigger words look for among the imports (`import:mixpanel`),
    as plain words: a helper module that wraps one of them imports it."""
    words = set()
    for group in groups:
        for word in group:
            if word.startswith("import:"):
                name = word[len("import:") :].strip(".")
                root = name.split(".", 1)[0]
                # Short roots (`ai`) are in every file's text: no test at all.
                if " " not in name and len(root) >= 4:
                    words.add(root)
    return tuple(sorted(words))
