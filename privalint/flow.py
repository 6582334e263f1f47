"""Which personal-data categories an expression carries, per function.

The flow is computed during the engine's single walk: the engine calls the hooks
below as it enters and leaves functions, branches, loops and assignments, so by the
time a rule looks at a sink the environment holds what every local name carries at
that point. ``categories(expr)`` then evaluates an expression against it:

- names resolve through the environment; unbound names (parameters, globals) and
  names bound to values we know nothing about fall back to what the name itself says
  (``email`` carries an email address);
- attributes, subscripts and ``.get("key")`` are classified with their owner
  (``customer.name``, ``payload["phone"]``), and dict literals are tracked per key;
- f-strings, ``%``, ``.format``, ``+``, ``str()``, containers, comprehensions and the
  catalog's propagators carry the union of their parts;
- sanitizers (hash/mask/redact/encrypt-named calls, ``len``, ``bool``, comparisons,
  the catalog's and the user's sanitizer functions) carry nothing;
- a function of the same module returns what its ``return`` statements carry, with
  its parameters replaced by the caller's arguments.

Branches join: after an ``if``/``else`` a name carries what it carries on any path,
and a loop body may not run at all.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Optional, Union

import libcst as cst

from privalint import sql
from privalint.catalog import Catalog
from privalint.imports import LOCAL, SHOWN, ImportTable, dotted_name
from privalint.nodes import iter_nodes
from privalint.nodes import string_value as literal_string
from privalint.personal import KEY, NAME, Classifier, classify_literal, split_words

Origin = Union[cst.CSTNode, str]


class Carried:
    """What an expression carries.

    ``cats`` maps each category to the expression it came from (for messages).
    ``known`` is True when the analysis knows the value: a known value with no
    categories is clean (a literal, a hash, a length), an unknown one (the result of
    an arbitrary call) lets the name it is stored in speak for it.
    ``fields`` holds per-key values for dicts built from literals and per-index
    values for tuples and rows. ``user_input`` marks values an outside party
    controls (request parameters), independently of any category.
    """

    __slots__ = ("cats", "element", "fields", "known", "query", "user_input")

    def __init__(
        self,
        cats: Optional[dict[str, Origin]] = None,
        known: bool = True,
        fields: Optional[dict[str, Carried]] = None,
        element: Optional[Carried] = None,
        query: Optional[Carried] = None,
        user_input: bool = False,
    ) -> None:
        self.cats: dict[str, Origin] = cats or {}
        self.known = known
        self.fields = fields
        # What one element carries, for collections whose elements we know
        # (query results: each row has the selected columns as fields).
        self.element = element
        # For a SQL query string: what each row it returns carries.
        self.query = query
        # The value comes from the request of a web handler (form, query string,
        # JSON body, headers): someone outside controls it.
        self.user_input = user_input

    def __bool__(self) -> bool:
        return bool(self.cats)

    def __repr__(self) -> str:
        return f"Carried({sorted(self.cats)}, known={self.known}, user_input={self.user_input})"

    def with_input(self, user_input: bool) -> Carried:
        """This value, marked as (also) coming from request input."""
        if not user_input or self.user_input:
            return self
        return Carried(self.cats, self.known, self.fields, self.element, self.query, True)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted(self.cats))


CLEAN = Carried()
UNKNOWN = Carried(known=False)


def union(values: Iterable[Carried]) -> Carried:
    cats: dict[str, Origin] = {}
    known = True
    any_value = False
    element: Optional[Carried] = None
    query: Optional[Carried] = None
    user_input = False
    for value in values:
        any_value = True
        for cat, origin in value.cats.items():
            cats.setdefault(cat, origin)
        known = known and value.known
        element = element or value.element
        query = query or value.query
        user_input = user_input or value.user_input
    if not any_value:
        return CLEAN
    if not cats and element is None and query is None and not user_input:
        return CLEAN if known else UNKNOWN
    return Carried(cats, known, element=element, query=query, user_input=user_input)


# The body of a request, as plain data: each value is what the client sent.
_REQUEST_BODY = Carried(known=False, user_input=True)

# A web socket a client talks to a handler on: each message is what the client sent.
_CLIENT_SOCKET = Carried(
    known=False, user_input=True, element=Carried(known=False, user_input=True)
)


def _origin_is_key(origin: Origin, key: str) -> bool:
    """Whether a category came from ``key`` of its container (`customers.email`,
    `row["email"]`, `c.email`, a column named so)."""
    if isinstance(origin, str):
        return origin == key or origin.endswith("." + key)
    if type(origin) is cst.Attribute:
        return origin.attr.value == key
    if type(origin) is cst.Name:
        return origin.value == key
    if type(origin) is cst.Subscript and len(origin.slice) == 1:
        index = origin.slice[0].slice
        return type(index) is cst.Index and _string_value(index.value) == key
    return False


def _result_set(row: Carried) -> Carried:
    """The result of running a query: a collection of rows shaped like ``row``."""
    return Carried(dict(row.cats), False, element=row)


_PERCENT_KEY = re.compile(r"%\((\w+)\)")
# Characters of a CSS selector or an expression, never of a column's name.
_NOT_A_COLUMN = re.compile(r"[.#\[\]:>=()*]")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXa]")


def _format_fields(template: str) -> list[str]:
    """Field names of a ``str.format`` template (``{email}``, ``{u.phone}``, ``{0}``)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError:
        return []
    out = []
    for name in names:
        base = name.split("[", 1)[0]
        if "[" in name:
            key = name.split("[", 1)[1].rstrip("]")
            out.append(key if not key.isdigit() else base)
        elif not base.isdigit():
            out.append(base)
    return out


# The parameter index that stands for a function's `**kwargs`: every keyword argument
# that names no other parameter.
EXTRA_KEYWORDS = -1


def _int_value(expr: Optional[cst.BaseExpression]) -> Optional[int]:
    if type(expr) is cst.Integer:
        return int(expr.value)
    if type(expr) is cst.UnaryOperation and type(expr.operator) is cst.Minus:
        inner = _int_value(expr.expression)
        return -inner if inner is not None else None
    return None


def _short_slice(node: cst.Subscript, limit: int = 4) -> bool:
    """Whether ``node`` slices at most ``limit`` items: ``x[-4:]``, ``x[:2]``, ``x[1:3]``."""
    if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Slice:
        return False
    part = node.slice[0].slice
    if part.step is not None:
        return False
    lower, upper = _int_value(part.lower), _int_value(part.upper)
    if (part.lower is not None and lower is None) or (part.upper is not None and upper is None):
        return False
    if upper is None:
        return lower is not None and -limit <= lower < 0
    if lower is None or lower == 0:
        return 0 < upper <= limit
    return (lower >= 0) == (upper >= 0) and 0 < upper - lower <= limit


def _prefix_length(node: cst.Subscript) -> Optional[int]:
    """How many leading items ``node`` slices (``x[:5]``, ``x[0:6]``), or None."""
    if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Slice:
        return None
    part = node.slice[0].slice
    if part.step is not None or (part.lower is not None and _int_value(part.lower) != 0):
        return None
    upper = _int_value(part.upper)
    return upper if upper is not None and upper > 0 else None


def _param_marker(index: int) -> str:
    return f"@{index}"


def _markers(value: Carried) -> Iterator[int]:
    for cat in value.cats:
        if cat.startswith("@"):
            yield int(cat[1:])


OnCall = Callable[[cst.Call], None]


def _string_value(node: cst.BaseExpression) -> Optional[str]:
    """The value of a plain string literal (no f-string), else None."""
    return literal_string(node)


@dataclass
class _Saved:
    """The state a helper summary replaces while it runs."""

    scopes: list[_Scope]
    memo: dict[int, tuple[cst.BaseExpression, Carried]]
    classes: list[str]
    import_classes: list[str]


@dataclass
class _Frame:
    """Branch bookkeeping for one ``if`` or loop."""

    snapshot: dict[str, Carried]
    branches: list[dict[str, Carried]]
    loop: bool


# Builtins that iterate their argument: over a dict, they see its keys only.
_KEY_ITERATORS = frozenset(
    {"sorted", "list", "set", "tuple", "frozenset", "iter", "reversed", "enumerate", "min", "max"}
)


class _Scope:
    __slots__ = (
        "aliases",
        "built",
        "columns",
        "env",
        "frames",
        "is_class",
        "loop_owners",
        "node",
        "observed",
        "packed",
    )

    def __init__(self, node: Optional[cst.CSTNode], is_class: bool = False) -> None:
        self.env: dict[str, Carried] = {}
        # Loop variables -> the collection they run over, whose name says whose
        # elements they are (`c` in `for c in consultations`).
        self.loop_owners: dict[str, str] = {}
        # Names bound to an object constructed here (`ident = Identify()`): a builder
        # whose `set(...)`-style methods put their arguments into it.
        self.built: set[str] = set()
        # ... by a propagator class (`event = BaseEvent(...)`): assigning its attributes
        # (`event.event_properties = {...}`) puts the value into it.
        self.packed: set[str] = set()
        # name -> the stream it wraps (`writer = csv.writer(buf)`).
        self.aliases: dict[str, str] = {}
        # Names bound to a list of column names (`cols = ["holder_name", "email"]`), for
        # `frame[cols]`.
        self.columns: dict[str, list[str]] = {}
        # Opaque values (a request's JSON, a row) -> the categories of the keys the
        # code reads from them (`body["email"]`): the whole value holds those too.
        self.observed: dict[str, dict[str, Origin]] = {}
        self.frames: list[_Frame] = []
        self.is_class = is_class
        self.node = node


class FlowSettings:
    """The catalog's flow knowledge, compiled once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        for name in catalog.strings("flow.sanitizers") + catalog.strings("sanitizers.functions"):
            if name.endswith(".*"):
                prefixes.append(name[:-1])
            else:
                exact.add(name)
        self.sanitizers = frozenset(exact)
        self.sanitizer_prefixes = tuple(prefixes)
        words = catalog.strings("flow.sanitizer-words") + catalog.strings("sanitizers.words")
        self.sanitizer_phrases = tuple(split_words(w) for w in words if split_words(w))
        exact, prefixes = set(), []
        for name in catalog.strings("flow.propagators"):
            if name.endswith(".*"):
                prefixes.append(name[:-1])
            else:
                exact.add(name)
        self.propagators = frozenset(exact)
        self.propagator_prefixes = tuple(prefixes)
        self.propagating_methods = frozenset(catalog.strings("flow.propagating-methods"))
        self.column_keywords = frozenset(catalog.strings("flow.column-keywords"))
        self.column_methods = frozenset(catalog.strings("flow.column-methods"))
        self.field_setters = frozenset(catalog.strings("flow.field-setters"))
        self.key_getters = frozenset(catalog.strings("flow.key-getters"))
        aliases = catalog.get("flow.key-aliases", {})
        self.key_aliases: dict[str, str] = (
            {str(k): v for k, v in aliases.items() if isinstance(v, str)}
            if isinstance(aliases, Mapping)
            else {}
        )
        self.getter_verbs = frozenset(catalog.strings("flow.getter-verbs"))
        self.value_attributes = frozenset(catalog.strings("flow.value-attributes"))
        self.identifier_words = frozenset(catalog.strings("flow.identifier-words"))
        self.class_suffixes = frozenset(catalog.strings("flow.class-suffixes"))
        self.query_methods = frozenset(catalog.strings("flow.query-methods"))
        self.query_functions = frozenset(catalog.strings("flow.query-functions"))
        self.query_wrappers = frozenset(catalog.strings("flow.query-wrappers"))
        self.element_methods = frozenset(catalog.strings("flow.element-methods"))
        self.collection_methods = frozenset(catalog.strings("flow.collection-methods"))
        self.mapping_methods = frozenset(catalog.strings("flow.mapping-methods"))
        self.storing_methods = frozenset(catalog.strings("flow.storing-methods"))
        self.builder_methods = frozenset(catalog.strings("flow.builder-methods"))
        self.template_fillers = frozenset(catalog.strings("flow.template-filler-words"))
        self.stream_wrappers = frozenset(catalog.strings("flow.stream-wrappers"))
        self.request_names = frozenset(catalog.strings("flow.request-names"))
        self.request_attributes = frozenset(catalog.strings("flow.request-attributes"))
        self.request_sources = frozenset(catalog.strings("flow.request-sources"))
        self.handler_input_methods = frozenset(catalog.strings("flow.handler-input-methods"))
        self.websocket_parameters = frozenset(catalog.strings("flow.websocket-parameters"))
        # A web endpoint's parameter that is the request body as plain data (Litestar's
        # `data: dict`, FastAPI's `payload: dict = Body(...)`): what the client sent.
        self.route_decorators = frozenset(catalog.strings("collection.route-decorators"))
        self.web_frameworks = frozenset(catalog.strings("collection.web-frameworks"))
        self.body_annotations = frozenset(catalog.strings("flow.body-annotations"))
        self.body_defaults = frozenset(catalog.strings("flow.body-defaults"))
        self.websocket_sources = frozenset(catalog.strings("flow.websocket-sources"))
        self.websocket_methods = frozenset(catalog.strings("flow.websocket-methods"))
        self.fetchers = frozenset(catalog.strings("flow.fetchers"))
        self.fetched_categories = frozenset(catalog.strings("flow.fetched-categories"))
        self.record_methods = frozenset(catalog.strings("flow.record-methods"))
        self.record_functions = frozenset(catalog.strings("flow.record-functions"))
        self.repr_decorators = frozenset(catalog.strings("flow.repr-decorators"))
        self.generated_attributes = frozenset(catalog.strings("flow.generated-attributes"))
        self.bucketed = frozenset(catalog.strings("flow.bucketed-categories"))
        minimum = catalog.get("flow.bucket-minimum", 5)
        self.bucket_minimum = minimum if isinstance(minimum, int) else 5
        lengths = catalog.get("flow.prefix-lengths", {}) or {}
        self.sibling_qualified = frozenset(catalog.strings("flow.sibling-qualified"))
        self.sibling_categories = frozenset(catalog.strings("flow.sibling-categories"))
        self.function_owner_excluded = frozenset(
            w for s in catalog.strings("flow.function-owner-excluded") for w in split_words(s)
        )
        self.prefix_lengths: dict[str, int] = (
            {str(c): n for c, n in lengths.items() if isinstance(n, int)}
            if isinstance(lengths, dict)
            else {}
        )
        self.generated_categories = frozenset(catalog.strings("flow.generated-categories"))
        self.repr_bases = frozenset(catalog.strings("flow.repr-bases"))
        # Calls that coarsen a location when their precision argument is small enough:
        # qualified name -> (position, keyword, largest coarse value, categories dropped).
        self.coarseners: dict[str, tuple[int, str, int, frozenset[str]]] = {}
        coarseners = catalog.get("flow.coarseners", {})
        for name, spec in coarseners.items() if isinstance(coarseners, dict) else ():
            if isinstance(spec, dict) and isinstance(spec.get("max"), int):
                self.coarseners[name] = (
                    int(spec.get("argument", -1)),
                    str(spec.get("keyword", "")),
                    spec["max"],
                    frozenset(str(c) for c in spec.get("categories", ())),
                )
        # Answers of `is_sanitizer`, per (qualified name, function name): the same
        # calls recur across a run's files.
        self._sanitizer_answers: dict[tuple[Optional[str], str], bool] = {}

    def is_sanitizer(self, qualname: Optional[str], func_name: str) -> bool:
        key = (qualname, func_name)
        answers = self._sanitizer_answers
        known = answers.get(key)
        if known is None:
            if len(answers) > 100_000:
                answers.clear()
            known = answers[key] = self._is_sanitizer(qualname, func_name)
        return known

    def _is_sanitizer(self, qualname: Optional[str], func_name: str) -> bool:
        if qualname is not None and (
            qualname in self.sanitizers or qualname.startswith(self.sanitizer_prefixes)
        ):
            return True
        words = split_words(func_name)
        for phrase in self.sanitizer_phrases:
            n = len(phrase)
            if n == 1:
                if phrase[0] in words:
                    return True
            elif any(words[i : i + n] == phrase for i in range(len(words) - n + 1)):
                return True
        return False

    def is_propagator(self, qualname: Optional[str]) -> bool:
        return qualname is not None and (
            qualname in self.propagators or qualname.startswith(self.propagator_prefixes)
        )


def _constructs(expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` constructs an object (``Identify()``, ``amplitude.BaseEvent(...)``),
    possibly through builder calls on it (``Identify().set(...)``)."""
    while type(expr) is cst.Call:
        name = _last_name(expr.func)
        if name[:1].isupper() and not name.isupper():
            return True
        if type(expr.func) is not cst.Attribute:
            return False
        expr = expr.func.value
    return False


def _template_text(text: str) -> str:
    """A %-template's text with its placeholders blanked (for the words around them)."""
    return _PERCENT.sub(" ", text)


def _literal_strings(value: cst.BaseExpression) -> Optional[list[str]]:
    """The strings of a list or tuple of string literals, else None."""
    if not isinstance(value, (cst.List, cst.Tuple)) or not value.elements:
        return None
    found = [_string_value(e.value) for e in value.elements]
    if any(f is None for f in found):
        return None
    return [f for f in found if f is not None]


def _last_name(expr: cst.BaseExpression) -> str:
    """``send`` for ``client.send``, ``get_user`` for ``get_user``, else ``""``."""
    if type(expr) is cst.Name:
        return expr.value
    if type(expr) is cst.Attribute:
        return expr.attr.value
    return ""


def _email_domain(node: cst.Subscript) -> bool:
    """`email.split("@")[-1]`, `email.rsplit("@", 1)[1]`, `email.partition("@")[2]`:
    the part after the `@`."""
    call = node.value
    if (
        type(call) is not cst.Call
        or type(call.func) is not cst.Attribute
        or call.func.attr.value not in ("split", "rsplit", "partition", "rpartition")
        or not call.args
        or literal_string(call.args[0].value) != "@"
        or len(node.slice) != 1
        or type(node.slice[0].slice) is not cst.Index
    ):
        return False
    index = node.slice[0].slice.value
    if type(index) is cst.UnaryOperation and type(index.operator) is cst.Minus:
        return type(index.expression) is cst.Integer and index.expression.value == "1"
    if type(index) is cst.Integer:
        return index.value == ("2" if call.func.attr.value.endswith("partition") else "1")
    return False


def _first_token(node: cst.Subscript) -> bool:
    """`text.split()[0]`, `text.split(" ")[0]`: the first whitespace-separated word."""
    call = node.value
    if (
        type(call) is not cst.Call
        or type(call.func) is not cst.Attribute
        or call.func.attr.value != "split"
        or len(node.slice) != 1
        or type(node.slice[0].slice) is not cst.Index
    ):
        return False
    separator = literal_string(call.args[0].value) if call.args else " "
    index = node.slice[0].slice.value
    return separator == " " and type(index) is cst.Integer and index.value == "0"


# A class of another module whose text lists its fields is seeded (``privalint.imports``)
# as a descriptor: ``<fields>Booking:name=person-name,slot=,phone=!`` (each field with
# its category, empty for none, ``!`` for a field left out of the text).


def shown_descriptor(class_name: str, fields: Sequence[tuple[str, str]]) -> str:
    """The descriptor of a class whose text lists its fields (see ``SHOWN``)."""
    return SHOWN + class_name + ":" + ",".join(f"{name}={mark}" for name, mark in fields)


def _hidden_from_repr(line: cst.SimpleStatementLine) -> Iterator[str]:
    """The fields a class body line declares with `repr=False` (`field(repr=False)`,
    `attr.ib(repr=False)`, `Field(repr=False)`)."""
    for stmt in line.body:
        if type(stmt) is cst.AnnAssign:
            targets = [stmt.target]
            value = stmt.value
        elif type(stmt) is cst.Assign:
            targets = [t.target for t in stmt.targets]
            value = stmt.value
        else:
            continue
        if type(value) is not cst.Call or not any(
            arg.keyword is not None
            and arg.keyword.value == "repr"
            and type(arg.value) is cst.Name
            and arg.value.value == "False"
            for arg in value.args
        ):
            continue
        for target in targets:
            if type(target) is cst.Name:
                yield target.value


def _declared_fields(line: cst.SimpleStatementLine) -> Iterator[str]:
    """The names a class body line declares as fields (`email: str`,
    `email = Column(String)`), not constants or methods."""
    for stmt in line.body:
        if type(stmt) is cst.AnnAssign and type(stmt.target) is cst.Name:
            yield stmt.target.value
        elif type(stmt) is cst.Assign and type(stmt.value) is cst.Call:
            for target in stmt.targets:
                if type(target.target) is cst.Name:
                    yield target.target.value


class Flow:
    """Personal-data flow for one file. Driven by the engine's walk."""

    def __init__(
        self,
        classifier: Classifier,
        settings: FlowSettings,
        imports: ImportTable,
        module: cst.Module,
    ) -> None:
        self.classifier = classifier
        self.settings = settings
        self.imports = imports
        self.context: frozenset[str] = frozenset()
        self._scopes: list[_Scope] = [_Scope(module)]
        self._classes: list[str] = []
        self._functions: dict[str, cst.FunctionDef] = {}
        self._methods: dict[str, dict[str, cst.FunctionDef]] = {}
        self._summaries: dict[int, Carried] = {}
        self._in_progress: set[int] = set()
        self._reaching: dict[tuple[str, int], frozenset[int]] = {}
        self._reaching_in_progress: set[tuple[str, int]] = set()
        self._memo: dict[int, tuple[cst.BaseExpression, Carried]] = {}
        # What comprehensions entered during the walk hid (see `enter_comprehension`).
        self._comprehensions: list[tuple[dict[str, Carried], dict[str, str]]] = []
        # Methods of the module's classes -> their class (`self` in their summaries).
        self._method_class: dict[int, str] = {}
        # Dict literals -> the key or name they are stored under, whose words qualify
        # their keys (`{"delivery": {"address": ...}}`, `billing = {"address": ...}`).
        self._dict_owners: dict[int, str] = {}
        # The module's classes -> the names of the fields their bodies declare
        # (`card_number: str`, `email = Column(String)`).
        self._class_fields: dict[str, list[str]] = {}
        self._records: dict[str, Carried] = {}
        # The module's classes whose text is their fields (dataclasses, attrs, pydantic).
        self._shown_classes: set[str] = set()
        # Their fields left out of that text (`phone: str = field(repr=False)`).
        self._hidden_fields: dict[str, set[str]] = {}
        self._shown_records: dict[str, Carried] = {}
        # Such classes of other modules may be seeded into the import table.
        self._shows = bool(imports.shown_seeds)
        # Per function: the literal keys the code reads of each mapping it names
        # (`data` -> {"name", "email"}), computed when an ambiguous key needs them.
        self._sibling_keys: dict[int, dict[str, frozenset[str]]] = {}
        self._collect_definitions(module)

    # -- definitions (for return summaries) ------------------------------------------

    def _collect_definitions(self, module: cst.Module) -> None:
        for stmt in module.body:
            if type(stmt) is cst.FunctionDef:
                self._functions[stmt.name.value] = stmt
            elif type(stmt) is cst.ClassDef and type(stmt.body) is cst.IndentedBlock:
                methods = self._methods.setdefault(stmt.name.value, {})
                fields = self._class_fields.setdefault(stmt.name.value, [])
                for inner in stmt.body.body:
                    if type(inner) is cst.FunctionDef:
                        methods[inner.name.value] = inner
                        self._method_class[id(inner)] = stmt.name.value
                    elif type(inner) is cst.SimpleStatementLine:
                        fields.extend(_declared_fields(inner))
                if self._shows_fields(stmt) and not ({"__repr__", "__str__"} & set(methods)):
                    self._shows = True
                    self._shown_classes.add(stmt.name.value)
                    hidden = {
                        name
                        for inner in stmt.body.body
                        if type(inner) is cst.SimpleStatementLine
                        for name in _hidden_from_repr(inner)
                    }
                    if hidden:
                        self._hidden_fields[stmt.name.value] = hidden

    def _shows_fields(self, node: cst.ClassDef) -> bool:
        """Whether a class's generated text lists its fields (see `repr-decorators`)."""
        settings = self.settings
        for decorator in node.decorators:
            target = decorator.decorator
            if type(target) is cst.Call:
                target = target.func
            if dotted_name(target) in settings.repr_decorators:
                return True
        return any(_last_name(arg.value) in settings.repr_bases for arg in node.bases)

    def set_context(self, context: frozenset[str]) -> None:
        self.context = context

    # -- environment -----------------------------------------------------------------

    @property
    def _scope(self) -> _Scope:
        return self._scopes[-1]

    def _lookup(self, name: str) -> Optional[Carried]:
        innermost = len(self._scopes) - 1
        for index in range(innermost, -1, -1):
            scope = self._scopes[index]
            if scope.is_class and index != innermost:
                continue
            value = scope.env.get(name)
            if value is not None:
                return value
        return None

    def _set(self, name: str, value: Carried) -> None:
        scope = self._scope
        scope.env[name] = value
        if scope.loop_owners:
            scope.loop_owners.pop(name, None)
        self._memo.clear()

    def bind(self, target: cst.BaseExpression, value: Carried) -> None:
        """Bind an assignment target to what the assigned value carries."""
        if type(target) is cst.Name:
            self._set(target.value, value)
        elif type(target) is cst.Attribute:
            path = dotted_name(target)
            if path is not None:
                self._set(path, value)
        elif type(target) is cst.Subscript:
            self._bind_subscript(target, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            fields = value.fields
            for element in target.elements:
                element_target = element.value
                if type(element) is cst.StarredElement:
                    element_target = element.value
                # Unpacking spreads what the whole carries over every part, unless
                # the right side was a tuple we could follow element by element.
                part = fields.get(str(target.elements.index(element))) if fields else None
                self.bind(element_target, part if part is not None else value)
        elif type(target) is cst.StarredElement:
            self.bind(target.value, value)

    def _bind_subscript(self, target: cst.Subscript, value: Carried) -> None:
        base_path = dotted_name(target.value)
        if base_path is None:
            return
        key = self._subscript_key(target)
        current = self._lookup(base_path)
        if current is None:
            current = CLEAN if key is not None else UNKNOWN
        fields = dict(current.fields) if current.fields else {}
        if key is not None:
            fields[key] = value
        cats = dict(current.cats)
        if key is not None and value.known and not value.cats:
            # `df["email"] = df["email"].map(sha256_hex)`: what that key held is gone.
            cats = {c: o for c, o in cats.items() if not _origin_is_key(o, key)}
        for cat, origin in value.cats.items():
            cats.setdefault(cat, origin)
        self._set(base_path, Carried(cats, current.known and value.known, fields or None))

    # -- hooks called by the engine ------------------------------------------------------

    def enter_function(self, node: cst.FunctionDef) -> None:
        scope = _Scope(node)
        params = node.params
        # `def find_guarantor(name)`: the person the function is named for owns an
        # ambiguous parameter (`name`), as `guarantor.name` would.
        person = node.name.value if self._named_for_person(node.name.value) else ""
        special = not person and self.classifier.qualifies_special(split_words(node.name.value))
        endpoint: Optional[bool] = None
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            scope.env[name] = _CLIENT_SOCKET if self._websocket(param) else UNKNOWN
            if self._plain_body(param):
                if endpoint is None:
                    endpoint = self._is_endpoint(node)
                if endpoint:
                    scope.env[name] = _REQUEST_BODY
            if name in ("self", "cls") or param.default is not None:
                continue
            if person:
                owned = self._owned_parameter(param, person)
                if owned is not None:
                    scope.env[name] = owned
            elif special:
                # `def record_mood_event(client, journal)`: a function named for a
                # special category qualifies its ambiguous parameters (a mood journal).
                owned = self._owned_parameter(param, node.name.value)
                if owned is not None and any(
                    self.classifier.categories[c].sensitivity == "special" for c in owned.cats
                ):
                    scope.env[name] = owned
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                scope.env[star.name.value] = UNKNOWN
        self._scopes.append(scope)
        self._memo.clear()

    def _named_for_person(self, function: str) -> bool:
        """Whether a function's name says it is about a person (`find_guarantor`), not
        about something a person word also names (`push_profile`, `load_driver`)."""
        words = split_words(function)
        return (
            bool(words)
            and words[-1] not in self.settings.function_owner_excluded
            and self.classifier.is_person(function)
        )

    def _owned_parameter(self, param: cst.Param, person: str) -> Optional[Carried]:
        """What parameter ``param`` of a function named for a person carries when its
        name is personal data only as that person's (`name`, `phone`)."""
        name = param.name.value
        if self.classifier.classify(name, "", NAME, self.context) is not None:
            return None
        return self._classified(name, param.name, person)

    def _plain_body(self, param: cst.Param) -> bool:
        """Whether a parameter is typed as plain data (`dict`, `Dict[str, Any]`) or
        defaults to the request body (`Body(...)`)."""
        settings = self.settings
        default = param.default
        if type(default) is cst.Call and _last_name(default.func) in settings.body_defaults:
            return True
        if param.annotation is None:
            return False
        annotation = param.annotation.annotation
        if type(annotation) is cst.Subscript:
            annotation = annotation.value
        return _last_name(annotation) in settings.body_annotations

    def _is_endpoint(self, node: cst.FunctionDef) -> bool:
        """Whether a web framework's route decorator makes the function an endpoint."""
        settings = self.settings
        for decorator in node.decorators:
            call = decorator.decorator
            if type(call) is not cst.Call or _last_name(call.func) not in settings.route_decorators:
                continue
            qualified = self.imports.resolve(call.func) or ""
            if qualified.split(".", 1)[0] in settings.web_frameworks:
                return True
            first = call.args[0].value if call.args else None
            path = _string_value(first) if first is not None else None
            if path is not None and path.startswith("/"):
                return True
        return False

    def _websocket(self, param: cst.Param) -> bool:
        """Whether a handler's parameter is the web socket a client talks to it on."""
        settings = self.settings
        if param.annotation is not None:
            qualified = self.imports.qualname(param.annotation.annotation)
            return qualified is not None and f"{qualified}()" in settings.websocket_sources
        return param.name.value in settings.websocket_parameters

    def leave_function(self) -> None:
        if len(self._scopes) > 1:
            self._scopes.pop()
        self._memo.clear()

    def enter_class(self, node: cst.ClassDef) -> None:
        self._classes.append(node.name.value)
        self._scopes.append(_Scope(node, is_class=True))

    def leave_class(self) -> None:
        if self._classes:
            self._classes.pop()
        if len(self._scopes) > 1:
            self._scopes.pop()
        self._memo.clear()

    @property
    def current_class(self) -> Optional[str]:
        return self._classes[-1] if self._classes else None

    def assign(self, node: Union[cst.Assign, cst.AnnAssign, cst.AugAssign]) -> None:
        if isinstance(node, cst.Assign):
            first = node.targets[0].target if node.targets else None
            if type(node.value) is cst.Dict and type(first) is cst.Name:
                self._dict_owners.setdefault(id(node.value), first.value)
            value = self.evaluate(node.value)
            for target in node.targets:
                self._stored_as_attribute(target.target, node.value)
                self.bind(target.target, value)
                self._note_alias(target.target, node.value)
                self._note_built(target.target, node.value)
                self._into_built(target.target, value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.evaluate(node.value))
        else:
            added = self.evaluate(node.value)
            current = self.evaluate(node.target)
            self.bind(node.target, union((current, added)))

    def _stored_as_attribute(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``member.postal_address = address``: a value that says nothing by itself, set
        as an attribute that names personal data, is that data from then on."""
        if (
            type(target) is not cst.Attribute
            or type(value) is not cst.Name
            or type(target.value) not in (cst.Name, cst.Attribute)
        ):
            return
        bound = self._lookup(value.value)
        if bound is None or bound.cats or bound.known or bound.fields is not None:
            return
        owner = self._owner_text(target.value)
        category = self.classifier.classify(target.attr.value, owner, NAME, self.context)
        if category is not None:
            self._set(value.value, Carried({category: value}, False, user_input=bound.user_input))

    def _into_built(self, target: cst.BaseExpression, value: Carried) -> None:
        """`event.event_properties = {...}` on an event built here by a propagator
        class: it holds the value."""
        if (
            type(target) is cst.Attribute
            and type(target.value) is cst.Name
            and target.value.value in self._scope.packed
        ):
            self._store(target.value.value, value)

    def _note_built(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if type(target) is cst.Name:
            scope = self._scope
            names = _literal_strings(value)
            if names:
                scope.columns[target.value] = names
            else:
                scope.columns.pop(target.value, None)
            scope.packed.discard(target.value)
            if _constructs(value):
                scope.built.add(target.value)
                if type(value) is cst.Call and self.settings.is_propagator(
                    self.imports.resolve(value.func)
                ):
                    scope.packed.add(target.value)
            else:
                scope.built.discard(target.value)

    def _note_alias(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if type(target) is not cst.Name or type(value) is not cst.Call or not value.args:
            return
        qualified = self.imports.resolve(value.func)
        if qualified in self.settings.stream_wrappers:
            wrapped = dotted_name(value.args[0].value)
            if wrapped is not None:
                self._scope.aliases[target.value] = wrapped

    def observe_subscript(self, node: cst.Subscript) -> None:
        """``body["email"]`` read from an opaque ``body``: ``body`` holds an email
        address (see :meth:`_observed`)."""
        if type(node.value) is cst.Name:
            key = self._subscript_key(node)
            if key is not None:
                self._observe(node.value.value, key, node)

    def _observe(self, name: str, key: str, origin: cst.CSTNode) -> None:
        bound = self._lookup(name)
        if bound is None or bound.known or bound.cats or bound.fields is not None:
            return
        category = self.classifier.classify(key, "", KEY, self.context)
        if category is None:
            return
        observed = self._scope.observed.setdefault(name, {})
        if category not in observed:
            observed[category] = origin
            self._memo.clear()

    def compared(self, node: cst.Comparison) -> None:
        """``Holder.ni_number == ni.upper()``, ``if user.email == address``: a value that
        says nothing by itself, compared equal to personal data, is that data."""
        if len(node.comparisons) != 1 or type(node.comparisons[0].operator) is not cst.Equal:
            return
        sides = (node.left, node.comparisons[0].comparator)
        for mine, other in (sides, sides[::-1]):
            plain = self._plain_name(mine)
            if plain is None or type(other) not in (cst.Attribute, cst.Subscript):
                continue
            name = plain.value
            bound = self._lookup(name)
            if bound is None or bound.known or bound.cats or bound.fields is not None:
                continue
            carried = self.evaluate(other)
            if carried.cats:
                self._set(
                    name,
                    Carried(dict.fromkeys(carried.cats, plain), False, user_input=bound.user_input),
                )
            return

    def _plain_name(self, expr: cst.BaseExpression) -> Optional[cst.Name]:
        """The name under calls that keep its value (``ni.upper()``, ``code.strip()``)."""
        while (
            type(expr) is cst.Call
            and not expr.args
            and type(expr.func) is cst.Attribute
            and expr.func.attr.value in self.settings.propagating_methods
        ):
            expr = expr.func.value
        return expr if type(expr) is cst.Name else None

    def _observed_only(self, expr: cst.BaseExpression) -> bool:
        """Whether ``expr`` is a name whose value is known only by the keys read from
        it (a dict)."""
        if type(expr) is not cst.Name or expr.value not in self._scope.observed:
            return False
        bound = self._lookup(expr.value)
        return bound is not None and not (bound.known or bound.cats)

    def _observed(self, name: str, bound: Carried) -> Carried:
        """What an opaque value holds given the keys read from it so far: the request
        body logged whole after ``body["email"]`` was read holds an email address."""
        observed = self._scope.observed.get(name)
        if not observed:
            return bound
        return Carried(dict(observed), False, user_input=bound.user_input)

    def call_effects(self, node: cst.Call) -> None:
        """Side effects of a call on what its receiver carries afterwards:
        ``cur.execute(query)`` holds the query's rows, ``rows.append(email)`` and
        ``writer.writerow(row)`` hold what was put in (and so does the stream a
        writer wraps); ``body.get("email")`` says what an opaque ``body`` holds."""
        func = node.func
        if not node.args:
            return
        self._stored_as_fields(node)
        if type(func) is not cst.Attribute:
            return
        name = func.attr.value
        settings = self.settings
        if (
            name in settings.key_getters
            and type(func.value) is cst.Name
            and node.args[0].keyword is None
        ):
            key = _string_value(node.args[0].value)
            if key is not None:
                self._observe(func.value.value, key, node)
        receiver = func.value
        if (
            type(receiver) is cst.Call
            and receiver.args
            and self.imports.resolve(receiver.func) in settings.stream_wrappers
        ):
            # `csv.writer(buf).writerows(rows)`: what is written goes into `buf`.
            receiver = receiver.args[0].value
        path = dotted_name(receiver)
        if path is None:
            return
        if name in settings.builder_methods and path in self._scope.built:
            self._store(path, self._built_arguments(node))
            return
        if name not in settings.storing_methods and name not in settings.query_methods:
            return
        if name in settings.query_methods:
            query = self.evaluate(node.args[0].value).query
            if query is not None:
                self._set(path, _result_set(query))
                return
        if name in settings.storing_methods:
            self._store(path, union(self._args(node)))

    def field_owner(self, node: cst.Call) -> str:
        """Whose fields a call's keyword arguments become: ``Message`` for
        ``Message(body=...)`` and ``Message.objects.create(body=...)``, ``profile`` for
        ``profile.update(orientation=...)``; ``""`` for other calls."""
        func = node.func
        if type(func) is cst.Name:
            return func.value if func.value[:1].isupper() else ""
        if type(func) is not cst.Attribute or func.attr.value not in self.settings.field_setters:
            return ""
        head: cst.BaseExpression = func.value
        while isinstance(head, (cst.Attribute, cst.Call)):
            head = head.value if isinstance(head, cst.Attribute) else head.func
        if type(head) is cst.Name and head.value[:1].isupper():
            return head.value
        if type(func.value) is cst.Name:
            return self._owner_text(func.value)
        return ""

    def stored_fields(self, node: cst.Call) -> Iterator[tuple[cst.Name, str]]:
        """The names a call stores as fields that name personal data, with the
        category: ``text`` and communications for ``Message.create(body=text)``."""
        owner = self.field_owner(node)
        if not owner:
            return
        for arg in node.args:
            if arg.keyword is not None and type(arg.value) is cst.Name:
                category = self._field_category(arg.keyword.value, owner)
                if category is not None:
                    yield arg.value, category

    def _stored_as_fields(self, node: cst.Call) -> None:
        """``Message.create(body=text)``, ``profile.update(orientation=value)``: a value
        that says nothing by itself, stored as a field that names personal data, is
        that data from then on (``text`` is the body of a message)."""
        owner = self.field_owner(node)
        if not owner:
            return
        for arg in node.args:
            value = arg.value
            if arg.keyword is None:
                continue
            if type(value) is cst.Name:
                bound = self._lookup(value.value)
                if bound is not None and not (bound.cats or bound.known):
                    category = self._field_category(arg.keyword.value, owner)
                    if category is not None:
                        self._set(
                            value.value,
                            Carried({category: value}, False, user_input=bound.user_input),
                        )
            elif type(value) is cst.Subscript:
                self._stored_element(value, arg.keyword.value, owner)

    def _field_category(self, field: str, owner: str) -> Optional[str]:
        return self.classifier.classify(field, owner, NAME, self.context)

    def _stored_element(self, value: cst.Subscript, field: str, owner: str) -> None:
        """``Activity.create(start_lat=first[0])``: that element of an opaque value (and
        only that element) is the data."""
        key = self._subscript_key(value)
        path = dotted_name(value.value)
        if key is None or path is None or self.evaluate(value).cats:
            return
        current = self._lookup(path)
        if current is None or current.known or current.cats:
            return
        category = self._field_category(field, owner)
        if category is not None:
            fields = {**(current.fields or {}), key: Carried({category: value}, False)}
            self._set(path, Carried({}, False, fields, user_input=current.user_input))

    def _store(self, path: str, added: Carried) -> None:
        """The object at ``path`` (and the stream it wraps) now holds ``added``."""
        if not added.cats and added.element is None:
            current = self._lookup(path)
            if not added.known and current is not None and current.known:
                # `frames = []`, then `frames.append(call.read_audio())`: no longer known
                # to be empty of anything.
                self._set(
                    path,
                    Carried(
                        dict(current.cats),
                        False,
                        current.fields,
                        current.element,
                        current.query,
                        current.user_input,
                    ),
                )
            return
        target: Optional[str] = path
        seen: set[str] = set()
        while target is not None and target not in seen:
            seen.add(target)
            current = self._lookup(target) or UNKNOWN
            merged = union((current, added))
            self._set(
                target,
                Carried(merged.cats, False, current.fields, merged.element, current.query),
            )
            target = self._alias_of(target)

    def _built_arguments(self, node: cst.Call) -> Carried:
        """What a builder method puts into its object: its arguments, and for a
        ``set("full_postcode", value)`` pair with an opaque value, what the key names."""
        added = union(self._args(node))
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if not added.cats and len(positional) >= 2:
            key = _string_value(positional[0])
            value = self.evaluate(positional[1])
            if key is not None and not value.known:
                return self._classified(key, positional[0], "", KEY) or added
        return added

    def _alias_of(self, name: str) -> Optional[str]:
        for scope in reversed(self._scopes):
            if name in scope.aliases:
                return scope.aliases[name]
        return None

    def named_expr(self, node: cst.NamedExpr) -> None:
        self.bind(node.target, self.evaluate(node.value))

    def enter_for(self, node: Union[cst.For, cst.While]) -> None:
        self._push_frame(loop=True)
        if type(node) is cst.For:
            self.bind(node.target, self._element_of(self.evaluate(node.iter)))
            self._note_loop_owner(node.target, node.iter)

    def enter_comprehension(
        self, node: Union[cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp]
    ) -> None:
        """The walk enters a comprehension: until :meth:`leave_comprehension`, its
        targets are the elements of what they iterate, so that a call in it
        (`[Sample(**s) for s in payload["samples"]]`) sees what they carry."""
        scope = self._scope
        self._comprehensions.append((dict(scope.env), dict(scope.loop_owners)))
        clause: Optional[cst.CompFor] = node.for_in
        while clause is not None:
            self.bind(clause.target, self._element_of(self.evaluate(clause.iter)))
            self._note_loop_owner(clause.target, clause.iter)
            clause = clause.inner_for_in

    def leave_comprehension(self) -> None:
        """The comprehension's targets go out of scope."""
        if not self._comprehensions:
            return
        env, owners = self._comprehensions.pop()
        scope = self._scope
        scope.env = env
        scope.loop_owners = owners
        self._memo.clear()

    def _note_loop_owner(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        if type(target) is not cst.Name:
            return
        owners = self._scope.loop_owners
        owners.pop(target.value, None)
        if self.classifier.is_person(target.value):
            return
        if isinstance(iterable, (cst.Name, cst.Attribute)) or (
            # `for s in event["sightings"]`: the key names what is iterated.
            type(iterable) is cst.Subscript and self._subscript_key(iterable) is not None
        ):
            owners[target.value] = self._owner_text(iterable)

    def enter_with_item(self, item: cst.WithItem) -> None:
        if item.asname is not None:
            self.bind(item.asname.name, self.evaluate(item.item))

    def enter_except(self, handler: cst.ExceptHandler) -> None:
        if handler.name is not None:
            self.bind(handler.name.name, UNKNOWN)

    def enter_if(self, node: cst.If, is_elif: bool) -> None:
        if is_elif:
            self.switch_branch()
        self._push_frame(loop=False)

    def switch_branch(self) -> None:
        """Entering an ``else``: keep the body's state, restart from before the ``if``."""
        scope = self._scope
        if not scope.frames:
            return
        frame = scope.frames[-1]
        frame.branches.append(scope.env)
        scope.env = dict(frame.snapshot)
        self._memo.clear()

    def leave_branching(self, has_else: bool) -> None:
        """Leaving an ``if`` or a loop: join the states of all paths."""
        scope = self._scope
        if not scope.frames:
            return
        frame = scope.frames.pop()
        states = [*frame.branches, scope.env]
        if frame.loop or not has_else:
            states.append(frame.snapshot)
        scope.env = _join(states)
        self._memo.clear()

    def _push_frame(self, loop: bool) -> None:
        scope = self._scope
        scope.frames.append(_Frame(dict(scope.env), [], loop))

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(self, expr: cst.BaseExpression) -> Carried:
        """What ``expr`` carries at the current point of the walk."""
        key = id(expr)
        cached = self._memo.get(key)
        if cached is not None and cached[0] is expr:
            return cached[1]
        value = self._evaluate(expr)
        self._memo[key] = (expr, value)
        return value

    def _evaluate(self, expr: cst.BaseExpression) -> Carried:
        method = getattr(self, "_eval_" + type(expr).__name__, None)
        if method is None:
            return UNKNOWN
        result: Carried = method(expr)
        return result

    def _classified(
        self, text: str, origin: Origin, owner: str = "", kind: str = NAME
    ) -> Optional[Carried]:
        category = self.classifier.classify(text, owner, kind, self.context)
        if category is None:
            return None
        return Carried({category: origin}, known=False)

    def _owner_text(self, expr: cst.BaseExpression) -> str:
        """The word that says whose a value is: ``customer`` in ``customer.name``."""
        if type(expr) is cst.Name:
            if expr.value in ("self", "cls") and self._classes:
                return self._classes[-1]
            loop_owner = self._loop_owner(expr.value)
            if loop_owner is not None:
                return loop_owner
            return self._typed_owner(expr.value)
        if type(expr) is cst.Attribute:
            return expr.attr.value
        if type(expr) is cst.Subscript:
            key = self._subscript_key(expr)
            return key if key is not None else self._owner_text(expr.value)
        if type(expr) is cst.Call:
            return self._owner_text(expr.func)
        return ""

    def _loop_owner(self, name: str) -> Optional[str]:
        for scope in reversed(self._scopes):
            if name in scope.env:
                return scope.loop_owners.get(name)
        return None

    def _typed_owner(self, name: str) -> str:
        """``body`` typed as ``SymptomAnswersIn`` is owned by ``symptom answers``: the
        class says more than the variable (suffixes such as In, Request, Schema dropped)."""
        qualified = self.imports.lookup(name)
        if qualified is None or not qualified.endswith("()"):
            return name
        class_name = qualified[:-2].rsplit(".", 1)[-1]
        if not class_name[:1].isupper():
            return name
        words = list(split_words(class_name))
        while words and words[-1] in self.settings.class_suffixes:
            words.pop()
        return f"{name}_{'_'.join(words)}" if words else name

    # Literals and things that are never personal data.

    def _eval_SimpleString(self, node: cst.SimpleString) -> Carried:
        value = _string_value(node)
        if value is not None:
            category = classify_literal(value)
            if category is not None:
                return Carried({category: node})
            return self._query_text(value, node)
        return CLEAN

    def _query_text(self, text: str, node: cst.CSTNode) -> Carried:
        """A SQL SELECT carries nothing itself, but running it yields rows whose
        fields are the selected columns."""
        if len(text) < 12 or not text.lstrip()[:6].lower().startswith(("select", "with")):
            return CLEAN
        statement = sql.parse(text)
        if statement is None or statement.kind != "select":
            return CLEAN
        fields: dict[str, Carried] = {}
        cats: dict[str, Origin] = {}
        for index, column in enumerate(statement.columns):
            category = (
                self.classifier.classify(column, statement.table, KEY, self.context)
                if column
                else None
            )
            value = (
                Carried({category: f"{statement.table or 'query'}.{column}"}, False)
                if category
                else UNKNOWN
            )
            fields[str(index)] = value
            if column:
                fields[column] = value
            if category:
                cats.setdefault(category, f"{statement.table or 'query'}.{column}")
        if not cats:
            return CLEAN
        return Carried(query=Carried(cats, False, fields))

    def _eval_Integer(self, node: cst.Integer) -> Carried:
        return CLEAN

    _eval_Float = _eval_Integer
    _eval_Imaginary = _eval_Integer
    _eval_Ellipsis = _eval_Integer

    def _eval_Comparison(self, node: cst.Comparison) -> Carried:
        return CLEAN

    def _eval_Lambda(self, node: cst.Lambda) -> Carried:
        return CLEAN

    def _eval_UnaryOperation(self, node: cst.UnaryOperation) -> Carried:
        if type(node.operator) is cst.Not:
            return CLEAN
        return self.evaluate(node.expression)

    # Names, attributes and subscripts.

    def _eval_Name(self, node: cst.Name) -> Carried:
        name = node.value
        if name in ("None", "True", "False"):
            return CLEAN
        bound = self._lookup(name)
        if bound is not None:
            if bound.cats or bound.known:
                return bound
            classified = self._classified(name, node)
            if classified:
                return classified.with_input(bound.user_input)
            if self._shows:
                record = self._shown_record(name)
                if record is not None:
                    return record.with_input(bound.user_input)
            return self._observed(name, bound)
        if self.imports.is_bound(name):
            qualified = self.imports.lookup(name)
            if qualified is not None and not qualified.endswith("()"):
                # An imported module, class or function is code, not data.
                return CLEAN
            if self._shows:
                record = self._shown_record(name)
                if record is not None:
                    return record
        return self._classified(name, node) or UNKNOWN

    def _eval_Attribute(self, node: cst.Attribute) -> Carried:
        path = dotted_name(node)
        if path is not None:
            bound = self._lookup(path)
            if bound is not None and (bound.cats or bound.known):
                return bound
        attr = node.attr.value
        if self.is_request_read(node):
            return Carried(known=False, user_input=True)
        if attr == "__dict__":
            # `customer.__dict__`: every field of the record.
            return self._record(node.value) or self.evaluate(node.value)
        owner = self._owner_text(node.value)
        classified = self._classified(attr, node, owner)
        base = self.evaluate(node.value)
        if classified is not None:
            if set(classified.cats) <= self.settings.generated_categories and self._generated(
                node.value
            ):
                return self._unnamed(attr, base.user_input)
            return classified.with_input(base.user_input)
        if base.fields and attr in base.fields:
            return base.fields[attr]
        if self.classifier.is_business_detail(attr, owner):
            return CLEAN
        if attr in self.settings.value_attributes and (base.cats or base.user_input):
            return base
        return self._unnamed(attr, base.user_input)

    def _generated(self, expr: cst.BaseExpression) -> bool:
        """Whether ``expr`` is part of what a language model generated: read through
        one of its response's `generated-attributes` (`resp.choices[0].message`)."""
        marks = self.settings.generated_attributes
        node = expr
        while True:
            if type(node) is cst.Attribute:
                if node.attr.value in marks:
                    return True
                node = node.value
            elif type(node) is cst.Subscript:
                node = node.value
            else:
                return False

    def is_request_read(self, node: cst.Attribute) -> bool:
        """``request.form``, ``request.GET``, ``self.request.data``...: where a web
        handler reads what the client sent; ``self.get_argument`` in handlers that are
        the request themselves (Tornado)."""
        if node.attr.value not in self.settings.request_attributes:
            return (
                node.attr.value in self.settings.handler_input_methods
                and type(node.value) is cst.Name
                and node.value.value == "self"
            )
        base = dotted_name(node.value)
        if base is None:
            return False
        if base in self.settings.request_names:
            return True
        qualified = self.imports.resolve(node.value)
        return qualified is not None and qualified in self.settings.request_sources

    def _subscript_key(self, node: cst.Subscript) -> Optional[str]:
        """The literal key of ``x["key"]`` or ``x[3]`` (as ``"3"``)."""
        if len(node.slice) != 1:
            return None
        element = node.slice[0].slice
        if type(element) is cst.Index:
            value = element.value
            if type(value) is cst.Integer:
                return value.value
            return _string_value(value)
        return None

    def _selected_keys(self, node: cst.Subscript) -> Optional[list[str]]:
        """``["id", "email"]`` for ``frame[["id", "email"]]`` (a column selection)."""
        if len(node.slice) != 1:
            return None
        element = node.slice[0].slice
        if type(element) is not cst.Index:
            return None
        if type(element.value) is cst.Name:
            # `frame[cols]` with `cols = ["holder_name", "email"]` in this function.
            return self._scope.columns.get(element.value.value)
        if type(element.value) is not cst.List:
            return None
        keys = [_string_value(e.value) for e in element.value.elements]
        if not keys or any(k is None for k in keys):
            return None
        return [k for k in keys if k is not None]

    def _eval_Subscript(self, node: cst.Subscript) -> Carried:
        if _short_slice(node):
            # `card_number[-4:]`, `phone[:3]`: a few characters reveal nothing.
            return CLEAN
        if _email_domain(node):
            # `email.rsplit("@", 1)[-1]`: the domain names no one.
            return CLEAN
        prefix = _prefix_length(node)
        if prefix is not None:
            # `cdr["to"][:5]`: the dialling prefix of a phone number.
            whole = self.evaluate(node.value)
            kept = {
                c: o
                for c, o in whole.cats.items()
                if self.settings.prefix_lengths.get(c, 0) < prefix
            }
            if len(kept) < len(whole.cats):
                return Carried(kept, False, user_input=whole.user_input) if kept else CLEAN
        if _first_token(node):
            # `postcode.split()[0]`: the outward code of a postcode is a district, the
            # first word of an address a house number; other data keeps its category
            # (`full_name.split()[0]` is a first name).
            whole = self.evaluate(node.value)
            if "postal-address" in whole.cats:
                rest = {c: o for c, o in whole.cats.items() if c != "postal-address"}
                return Carried(rest, False, user_input=whole.user_input) if rest else CLEAN
        key = self._subscript_key(node)
        base = self.evaluate(node.value)
        selected = self._selected_keys(node) if key is None else None
        if selected is not None:
            # A column selection carries those columns, of every row.
            row = base.element if base.element is not None else base
            owner = self._owner_text(node.value)
            parts = {k: self._field(row, k, node, owner) for k in selected}
            result = union(parts.values())
            if not result.cats:
                return result
            if base.element is not None:
                return Carried(dict(result.cats), False, element=Carried(result.cats, False, parts))
            return Carried(result.cats, False, parts)
        if key is None:
            if base.element is not None:
                return base.element.with_input(base.user_input)
            return base if base.cats or base.user_input else UNKNOWN
        if key.isdigit() and (base.fields is None or key not in base.fields):
            if base.element is not None:
                return base.element
            return Carried(base.cats, False) if base.cats else UNKNOWN
        return self._field(base, key, node, self._owner_text(node.value), node.value)

    def _field(
        self,
        base: Carried,
        key: str,
        origin: Origin,
        owner: str,
        holder: Optional[cst.BaseExpression] = None,
    ) -> Carried:
        if base.fields is not None and key in base.fields:
            return base.fields[key].with_input(base.user_input)
        classified = self._classified(key, origin, owner, KEY)
        if classified is not None:
            return classified.with_input(base.user_input)
        if self.classifier.is_business_detail(key, owner, KEY):
            return CLEAN
        if holder is not None:
            sibling = self._sibling_qualified(key, holder)
            if sibling is not None:
                return Carried({sibling: origin}, False, user_input=base.user_input)
        return self._unnamed(key, base.user_input)

    def _sibling_qualified(self, key: str, holder: cst.BaseExpression) -> Optional[str]:
        """The category of a key that only a person's record makes personal
        (`data["address"]`) when the function also reads, of the same mapping, a key
        of a category only people have (`data["email"]`): a body holding someone's
        e-mail holds their address too. Only a key of one word: the other words of
        `Conference-Name` say whose it is. None otherwise."""
        settings = self.settings
        if len(split_words(key)) != 1:
            return None  # `Conference-Name`: the other words say whose it is
        category = self.classifier.classify(key, "person", KEY, self.context)
        if category is None or category not in settings.sibling_qualified:
            return None
        function = self._scope.node
        name = dotted_name(holder)
        if name is None or type(function) is not cst.FunctionDef:
            return None
        table = self._sibling_keys.get(id(function))
        if table is None:
            table = self._sibling_keys[id(function)] = self._keys_read(function)
        for other in table.get(name, ()):
            if other != key and (
                self.classifier.classify(other, "", KEY, self.context)
                in settings.sibling_categories
            ):
                return category
        return None

    def _keys_read(self, function: cst.FunctionDef) -> dict[str, frozenset[str]]:
        """The literal keys ``function`` reads of each mapping it names:
        ``data["email"]``, ``form.get("name")``."""
        found: dict[str, set[str]] = {}
        getters = self.settings.key_getters
        for node in iter_nodes(function.body, (cst.Subscript, cst.Call)):
            holder: Optional[cst.BaseExpression] = None
            key: Optional[str] = None
            if type(node) is cst.Subscript:
                if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
                    holder, key = node.value, _string_value(node.slice[0].slice.value)
            elif (
                type(node) is cst.Call
                and type(node.func) is cst.Attribute
                and node.func.attr.value in getters
                and node.args
            ):
                holder, key = node.func.value, _string_value(node.args[0].value)
            if holder is not None and key is not None:
                name = dotted_name(holder)
                if name is not None:
                    found.setdefault(name, set()).add(key)
        return {name: frozenset(keys) for name, keys in found.items()}

    def _unnamed(self, name: str, user_input: bool) -> Carried:
        """A field or attribute whose name is not personal data: an identifier, count
        or status (``prescription_id``, ``pk``, ``retry_count``) is known to be clean,
        anything else is unknown."""
        words = split_words(name)
        if words and words[-1] in self.settings.identifier_words:
            return Carried(user_input=user_input) if user_input else CLEAN
        return Carried(known=False, user_input=True) if user_input else UNKNOWN

    # Compound values.

    def _elements(self, elements: Sequence[cst.BaseElement]) -> Carried:
        values = [self.evaluate(e.value) for e in elements]
        result = union(values)
        fields = {str(i): v for i, v in enumerate(values)}
        if not fields:
            return result
        element = result if result.cats else None
        return Carried(
            result.cats, result.known, fields, element=element, user_input=result.user_input
        )

    def _eval_Tuple(self, node: cst.Tuple) -> Carried:
        return self._elements(node.elements)

    _eval_List = _eval_Tuple
    _eval_Set = _eval_Tuple

    def _eval_Dict(self, node: cst.Dict) -> Carried:
        fields: dict[str, Carried] = {}
        parts: list[Carried] = []
        owner = self._dict_owners.get(id(node), "")
        for element in node.elements:
            if type(element) is not cst.DictElement:
                spread = self.evaluate(element.value)
                parts.append(spread)
                if spread.fields:
                    fields.update(spread.fields)
                continue
            key = _string_value(element.key)
            if key is not None and type(element.value) is cst.Dict:
                self._dict_owners.setdefault(id(element.value), key)
            value = self.evaluate(element.value)
            if key is not None:
                if not value.cats and not value.known:
                    # An opaque value under a telling key: the key speaks for it (and
                    # the key or name the dict is stored under qualifies the key).
                    value = self._classified(key, element.key, owner, KEY) or value
                fields[key] = value
            else:
                parts.append(self.evaluate(element.key))
            parts.append(value)
        result = union(parts)
        return Carried(result.cats, result.known, fields, user_input=result.user_input)

    def _eval_StarredElement(self, node: cst.StarredElement) -> Carried:
        return self.evaluate(node.value)

    def _eval_FormattedString(self, node: cst.FormattedString) -> Carried:
        parts = [
            self.evaluate(part.expression)
            for part in node.parts
            if type(part) is cst.FormattedStringExpression
        ]
        exprs: list[cst.BaseExpression] = []
        before: list[str] = []
        preceding = ""
        for part in node.parts:
            if type(part) is cst.FormattedStringText:
                preceding += part.value
            elif type(part) is cst.FormattedStringExpression:
                exprs.append(part.expression)
                before.append(preceding)
                preceding += " "
        parts.append(self._in_template(exprs, before))
        text = "".join(p.value if type(p) is cst.FormattedStringText else "x" for p in node.parts)
        query = self._query_text(text, node)
        return union([*parts, query]) if query.query is not None else union(parts)

    def _eval_ConcatenatedString(self, node: cst.ConcatenatedString) -> Carried:
        value = _string_value(node)
        if value is not None:
            return self._query_text(value, node)
        return union((self.evaluate(node.left), self.evaluate(node.right)))

    def _eval_BinaryOperation(self, node: cst.BinaryOperation) -> Carried:
        right = self.evaluate(node.right)
        if type(node.operator) is cst.Modulo:
            template = _string_value(node.left)
            if template is not None:
                values = node.right
                exprs = (
                    [e.value for e in values.elements] if type(values) is cst.Tuple else [values]
                )
                pieces = _PERCENT.split(template)
                before = [_template_text("".join(pieces[: i + 1])) for i in range(len(exprs))]
                return union(
                    (
                        right,
                        self.placeholders(template, right, node.right),
                        self._in_template(exprs, before),
                    )
                )
        left = self.evaluate(node.left)
        if (
            type(node.operator) is cst.FloorDivide
            and type(node.right) is cst.Integer
            and int(node.right.evaluated_value) >= self.settings.bucket_minimum
            and self.settings.bucketed & set(left.cats)
        ):
            # `birth_year // 10`: a decade, not a birth date.
            kept = {c: o for c, o in left.cats.items() if c not in self.settings.bucketed}
            return Carried(kept, False, user_input=left.user_input)
        return union((left, right))

    def _in_template(self, exprs: Sequence[cst.BaseExpression], before: Sequence[str]) -> Carried:
        """What opaque names put into a string template carry, the template's text
        before each qualifying it: ``number`` in ``"SMS %s queued for %s" % (t, number)``
        is a phone number, ``address`` in ``f"Delivery to {address}"`` a postal one."""
        parts: list[Carried] = []
        fillers = self.settings.template_fillers
        for expr, text in zip(exprs, before):
            if type(expr) is not cst.Name:
                continue
            words = list(split_words(text))
            while words and words[-1] in fillers:
                words.pop()
            if not words:
                continue
            value = self.evaluate(expr)
            if value.cats or value.known:
                continue
            classified = self._classified(expr.value, expr, "_".join(words))
            if classified is not None:
                parts.append(classified)
        return union(parts) if parts else CLEAN

    def placeholders(self, template: str, mapping: Carried, origin: cst.BaseExpression) -> Carried:
        """What a template's named placeholders read from the values it is filled
        with: ``"%(email)s" % row`` or ``"{email}".format(**row)`` show ``row["email"]``,
        ``"{u.phone}".format(u=user)`` shows ``user.phone``."""
        parts: list[Carried] = []
        owner = self._owner_text(origin)
        for match in _PERCENT_KEY.finditer(template):
            parts.append(self._field(mapping, match.group(1), origin, owner))
        if "{" in template:
            for name in _format_fields(template):
                head, _, rest = name.partition(".")
                key = rest.rsplit(".", 1)[-1] if rest else head
                sub_owner = head if rest else owner
                parts.append(
                    self._field(mapping, key, origin, sub_owner)
                    if not rest
                    else (self._classified(key, origin, sub_owner) or UNKNOWN)
                )
        return union(parts) if parts else CLEAN

    def _eval_BooleanOperation(self, node: cst.BooleanOperation) -> Carried:
        return union((self.evaluate(node.left), self.evaluate(node.right)))

    def _eval_IfExp(self, node: cst.IfExp) -> Carried:
        return union((self.evaluate(node.body), self.evaluate(node.orelse)))

    def _eval_Await(self, node: cst.Await) -> Carried:
        return self.evaluate(node.expression)

    def _eval_NamedExpr(self, node: cst.NamedExpr) -> Carried:
        return self.evaluate(node.value)

    def _eval_Yield(self, node: cst.Yield) -> Carried:
        value = node.value
        if isinstance(value, cst.BaseExpression):
            return self.evaluate(value)
        return CLEAN

    def _comprehension(self, for_in: cst.CompFor, results: Sequence[cst.BaseExpression]) -> Carried:
        scope = self._scope
        saved = dict(scope.env)
        saved_owners = dict(scope.loop_owners)
        try:
            clause: Optional[cst.CompFor] = for_in
            while clause is not None:
                self.bind(clause.target, self._element_of(self.evaluate(clause.iter)))
                self._note_loop_owner(clause.target, clause.iter)
                clause = clause.inner_for_in
            return union(self.evaluate(r) for r in results)
        finally:
            scope.env = saved
            scope.loop_owners = saved_owners
            self._memo.clear()

    def _eval_ListComp(self, node: cst.ListComp) -> Carried:
        return self._comprehension(node.for_in, (node.elt,))

    _eval_SetComp = _eval_ListComp
    _eval_GeneratorExp = _eval_ListComp

    def _eval_DictComp(self, node: cst.DictComp) -> Carried:
        return self._comprehension(node.for_in, (node.key, node.value))

    def _element_of(self, container: Carried) -> Carried:
        """What one element of an iterated container carries."""
        if container.element is not None:
            return container.element.with_input(container.user_input)
        if container.fields:
            parts = union(container.fields.values())
            if parts.cats:
                return Carried(
                    parts.cats, False, user_input=container.user_input or parts.user_input
                )
        if container.cats or container.user_input:
            return Carried(container.cats, False, user_input=container.user_input)
        return UNKNOWN

    # Calls.

    def _coarsened(
        self, node: cst.Call, spec: tuple[int, str, int, frozenset[str]]
    ) -> Optional[Carried]:
        """``geohash.encode(lat, lng, precision=4)``, ``round(lat, 1)``: a location
        made too coarse to find a person by. None when the precision is not a small
        literal (the call then carries what its arguments carry)."""
        position, keyword, largest, dropped = spec
        positional = [a for a in node.args if a.keyword is None and not a.star]
        precision: Optional[cst.Arg] = next(
            (a for a in node.args if a.keyword is not None and a.keyword.value == keyword), None
        )
        if precision is None and 0 <= position < len(positional):
            precision = positional[position]
        if precision is None or type(precision.value) is not cst.Integer:
            return None
        if int(precision.value.value, 0) > largest:
            return None
        cats: dict[str, Origin] = {}
        for arg in node.args:
            if arg is not precision:
                for cat, origin in self.evaluate(arg.value).cats.items():
                    if cat not in dropped:
                        cats.setdefault(cat, origin)
        return Carried(cats, False) if cats else CLEAN

    def _eval_Call(self, node: cst.Call) -> Carried:
        func = node.func
        qualified = self.imports.resolve(func)
        name = _last_name(func)
        settings = self.settings
        if settings.is_sanitizer(qualified, name):
            return CLEAN
        if qualified is not None and qualified in settings.coarseners:
            coarse = self._coarsened(node, settings.coarseners[qualified])
            if coarse is not None:
                return coarse
        if qualified is not None and qualified in settings.query_functions and node.args:
            query = self.evaluate(node.args[0].value).query
            if query is not None:
                return _result_set(query)
        if qualified is not None and qualified in settings.query_wrappers and node.args:
            # `text("SELECT ...")` is still the query, not its result.
            return self.evaluate(node.args[0].value)
        if qualified is not None and qualified in settings.request_sources:
            return Carried(known=False, user_input=True)
        if qualified is not None and qualified in settings.fetchers and node.args:
            url = self.evaluate(node.args[0].value)
            content = {c: o for c, o in url.cats.items() if c in settings.fetched_categories}
            if content:
                return Carried(content, known=False)
        if (
            type(func) is cst.Attribute
            and name in settings.websocket_methods
            and type(func.value) is cst.Name
            and self._lookup(func.value.value) is _CLIENT_SOCKET
        ):
            # `await ws.recv()`: a message the client sent.
            return Carried(known=False, user_input=True)
        if type(func) is cst.Attribute and self.is_request_read(func):
            key = _string_value(node.args[0].value) if node.args else None
            if key is not None and name in settings.handler_input_methods:
                # `self.get_body_argument("first_name")`: the field the client sent.
                return self._field(Carried(known=False, user_input=True), key, node, "")
            return Carried(known=False, user_input=True)
        if type(func) is cst.Attribute:
            receiver = func.value
            if name in settings.record_methods:
                included = self._included_keys(node, receiver)
                if included is not None:
                    return included
            if name in settings.builder_methods and (
                _constructs(receiver)
                or (type(receiver) is cst.Name and receiver.value in self._scope.built)
            ):
                # `Identify().set("postcode", value)` returns the builder, now holding it.
                return union((self.evaluate(receiver), self._built_arguments(node)))
            if name in settings.query_methods and node.args:
                query = self.evaluate(node.args[0].value).query
                if query is not None:
                    return _result_set(query)
            if name in settings.element_methods and not node.args:
                base = self.evaluate(receiver)
                if base.element is not None:
                    return base.element
            if name in settings.collection_methods:
                base = self.evaluate(receiver)
                if base.element is not None:
                    return base
            if (
                name in settings.mapping_methods
                and len(node.args) == 1
                and node.args[0].keyword is None
                and not node.args[0].star
            ):
                mapped = self._mapped(receiver, node.args[0].value)
                if mapped is not None:
                    return mapped
            if name == "format" and any(a.star == "**" or a.keyword is not None for a in node.args):
                template = _string_value(receiver)
                if template is not None:
                    filled = self._format_mapping(node)
                    return union([*self._args(node), self.placeholders(template, filled, node)])
            if name in settings.key_getters and node.args:
                key = _string_value(node.args[0].value)
                if key is not None:
                    # A variable of a routing script read by its symbol (`$fU`).
                    key = settings.key_aliases.get(key, key)
                    base = self.evaluate(receiver)
                    found = self._field(base, key, node, self._owner_text(receiver), receiver)
                    if not found.cats and len(node.args) > 1:
                        return union((found, self.evaluate(node.args[1].value)))
                    return found
                owner = self.imports.resolve(receiver)
                if owner is None or "()" in owner:
                    # A lookup by a computed key yields one of the mapping's values (or
                    # the default), never the key: `PHONES.get(request.form["dept"])`.
                    found = self._element_of(self.evaluate(receiver))
                    if len(node.args) > 1:
                        return union((found, self.evaluate(node.args[1].value)))
                    return found
            if name in settings.column_methods and node.args:
                columns = self._selected_columns(node)
                if columns is not None:
                    return union([self.evaluate(receiver), columns])
            if name in settings.propagating_methods:
                # A method of a value (not a module function such as `json.loads`): of
                # an object or of one of its attributes (`claim.claimant.name.upper()`
                # with `claim: Claim`).
                owner = self.imports.resolve(receiver)
                if owner is None or "()" in owner:
                    value = union([self.evaluate(receiver), *self._args(node)])
                    if not value.cats and name in settings.record_methods:
                        return self._record(receiver) or value
                    return value
        if qualified is not None and qualified in settings.record_functions and node.args:
            # `dataclasses.asdict(card)`, `vars(card)`: every field of the record.
            record = self._record(node.args[0].value)
            if record is not None:
                return record
        if qualified is not None and settings.is_propagator(qualified):
            if qualified in _KEY_ITERATORS and all(self._observed_only(a.value) for a in node.args):
                # `sorted(body)` of a dict known only by the keys read from it: its keys.
                return CLEAN
            return self._propagate(node, qualified)
        shown = self._shown_instance(node, func)
        if shown is not None:
            return shown
        summary = self._local_call(node, func)
        if summary is not None:
            return summary
        return self._named_call(node, func, name)

    def _mapped(
        self, values: cst.BaseExpression, function: cst.BaseExpression
    ) -> Optional[Carried]:
        """What ``values.map(function)`` carries: what a lambda's body makes of one value,
        nothing for a sanitizer (`apply(hash_email)`); None when that is not known."""
        owner = self.imports.resolve(values)
        if owner is not None and "()" not in owner:
            return None  # a module's function (`executor.map`), not a column's values
        if type(function) is cst.Lambda:
            params = function.params.params
            if len(params) != 1:
                return None
            scope = self._scope
            saved = dict(scope.env)
            try:
                self.bind(params[0].name, self._element_of(self.evaluate(values)))
                return self.evaluate(function.body)
            finally:
                scope.env = saved
                self._memo.clear()
        if isinstance(function, (cst.Name, cst.Attribute)):
            qualified = self.imports.resolve(function)
            if self.settings.is_sanitizer(qualified, _last_name(function)):
                return CLEAN
        return None

    def _selected_columns(self, node: cst.Call) -> Optional[Carried]:
        """``.values_list("given_name", "family_name")``, ``df.select(["full_name"])``:
        rows of those columns. A CSS selector (``soup.select("#email")``) names none."""
        cats: dict[str, Origin] = {}
        columns: list[cst.BaseExpression] = []
        for arg in node.args:
            if arg.keyword is not None:
                continue
            if isinstance(arg.value, (cst.List, cst.Tuple)):
                columns.extend(e.value for e in arg.value.elements if type(e) is cst.Element)
            else:
                columns.append(arg.value)
        for expr in columns:
            column = _string_value(expr)
            if column is None or _NOT_A_COLUMN.search(column):
                return None
            category = self.classifier.classify(column.split("__")[-1], "", KEY, self.context)
            if category is not None:
                cats.setdefault(category, expr)
        return Carried(cats, False) if cats else None

    def _included_keys(self, node: cst.Call, receiver: cst.BaseExpression) -> Optional[Carried]:
        """``body.model_dump(include={"email", "mobile"})``: the fields named."""
        chosen = next(
            (a.value for a in node.args if a.keyword is not None and a.keyword.value == "include"),
            None,
        )
        if not isinstance(chosen, (cst.Set, cst.List, cst.Tuple, cst.Dict)):
            return None
        keys = [
            _string_value(e.key if type(e) is cst.DictElement else e.value)
            for e in chosen.elements
            if type(e) in (cst.Element, cst.DictElement)
        ]
        if not keys or any(k is None for k in keys):
            return None
        owner = self._owner_text(receiver)
        base = self.evaluate(receiver)
        cats: dict[str, Origin] = {}
        for key in keys:
            if key is not None:
                found = self._field(base, key, node, owner)
                for cat, origin in found.cats.items():
                    cats.setdefault(cat, origin)
        return Carried(cats, False, user_input=base.user_input) if cats else CLEAN

    def _record(self, expr: cst.BaseExpression) -> Optional[Carried]:
        """What every field of an instance of one of the module's classes carries
        (`card.dict()` with `card: CardIn`), when its fields name personal data."""
        owner = self.imports.resolve(expr)
        if owner is not None and owner[:-2] in self.imports.shown_seeds:
            # A class of another module, known by its descriptor.
            seeded = self._shown_class(owner[:-2])
            if seeded is not None:
                shown = self._shown_records[seeded]
                return shown if shown.cats else None
        prefix = LOCAL + "."
        if owner is None or not owner.startswith(prefix) or not owner.endswith("()"):
            return self._person_record(expr, owner)
        class_name = owner[len(prefix) : -2]
        if class_name not in self._class_fields:
            return self._person_record(expr, owner)
        record = self._records.get(class_name)
        if record is None:
            cats: dict[str, Origin] = {}
            for field in self._class_fields[class_name]:
                category = self.classifier.classify(field, class_name, context=self.context)
                if category is not None:
                    cats.setdefault(category, f"{class_name}.{field}")
            record = self._records[class_name] = Carried(cats, False)
        return record if record.cats else None

    def _shown_class(self, qualified: Optional[str]) -> Optional[str]:
        """The class whose text is its fields that ``qualified`` names: one of the
        module's, or one of another module seeded as its descriptor (see ``SHOWN``)."""
        if qualified is None:
            return None
        if qualified in self.imports.shown_seeds:
            if qualified not in self._shown_classes and not self._learn_shown(
                qualified, self.imports.shown_seeds[qualified]
            ):
                return None
            return qualified
        prefix = LOCAL + "."
        if not qualified.startswith(prefix):
            return None
        name = qualified[len(prefix) :]
        return name if name in self._shown_classes else None

    def _learn_shown(self, qualified: str, descriptor: str) -> bool:
        """Take in the class of another module ``qualified`` from its descriptor."""
        class_name, _, listed = descriptor[len(SHOWN) :].partition(":")
        if not class_name or "(" in listed:
            return False
        fields: list[str] = []
        hidden: set[str] = set()
        cats: dict[str, Origin] = {}
        for item in listed.split(","):
            name, _, mark = item.partition("=")
            if not name:
                continue
            fields.append(name)
            if mark == "!":
                hidden.add(name)
            elif mark:
                cats.setdefault(mark, f"{class_name}.{name}")
        self._shown_classes.add(qualified)
        self._class_fields[qualified] = fields
        self._hidden_fields[qualified] = hidden
        self._shown_records[qualified] = Carried(cats, False)
        return True

    def shown_classes(self) -> list[tuple[str, str]]:
        """The module's classes whose text lists personal fields, with their
        descriptors (what other modules that import them are seeded with)."""
        out = []
        for class_name in sorted(self._shown_classes):
            if class_name in self.imports.shown_seeds:
                continue
            hidden = self._hidden_fields.get(class_name, set())
            marks = []
            for field in self._class_fields.get(class_name, []):
                category = self.classifier.classify(field, class_name, context=self.context)
                marks.append((field, "!" if field in hidden else category or ""))
            if any(mark not in ("", "!") for _, mark in marks):
                out.append((class_name, shown_descriptor(class_name, marks)))
        return out

    def _shown_instance(self, node: cst.Call, func: cst.BaseExpression) -> Optional[Carried]:
        """``Incident(caller=number, ...)`` of such a class: the instance carries what
        its fields were given, field by field (positional arguments in the order the
        class declares its fields)."""
        class_name = self._shown_class(self.imports.resolve(func))
        if class_name is None:
            return None
        declared = self._class_fields.get(class_name, [])
        fields: dict[str, Carried] = {}
        positional = [a for a in node.args if a.keyword is None and not a.star]
        for field, arg in zip(declared, positional):
            fields[field] = self.evaluate(arg.value)
        for arg in node.args:
            if arg.keyword is not None:
                fields[arg.keyword.value] = self.evaluate(arg.value)
        spread = [self.evaluate(a.value) for a in node.args if a.star]
        hidden = self._hidden_fields.get(class_name, set())
        whole = union([*(v for k, v in fields.items() if k not in hidden), *spread])
        if not whole.cats and not whole.user_input:
            return None
        return Carried(dict(whole.cats), False, fields, user_input=whole.user_input)

    def _shown_record(self, name: str) -> Optional[Carried]:
        """An instance of a class whose text is its fields, known only by its type
        (`incident: Incident`): what the class's fields name."""
        qualified = self.imports.lookup(name)
        if qualified is None or not qualified.endswith("()"):
            return None
        class_name = self._shown_class(qualified[:-2])
        if class_name is None:
            return None
        record = self._shown_records.get(class_name)
        if record is None:
            cats: dict[str, Origin] = {}
            hidden = self._hidden_fields.get(class_name, set())
            for field in self._class_fields.get(class_name, []):
                if field in hidden:
                    continue
                category = self.classifier.classify(field, class_name, context=self.context)
                if category is not None:
                    cats.setdefault(category, f"{class_name}.{field}")
            record = self._shown_records[class_name] = Carried(cats, False)
        return record if record.cats else None

    def _person_record(self, expr: cst.BaseExpression, owner: Optional[str]) -> Optional[Carried]:
        """A whole record of a person whose class is not in this module: named for one
        (`customer.dict()`) or an instance of a class named for one
        (`PatientIntake.model_validate(body).model_dump()`). It holds at least who
        the person is."""
        name = dotted_name(expr)
        names = [name.rsplit(".", 1)[-1]] if name is not None else []
        if owner is not None and owner.endswith("()"):
            names.extend(p for p in owner[:-2].split(".") if p[:1].isupper())
        is_person = self.classifier.is_person
        for text in names:
            words = split_words(text)
            if (
                words
                and not (set(words) & self.settings.identifier_words)
                and any(is_person(w) for w in words)
            ):
                return Carried({"person-name": expr}, known=False)
        return None

    def _format_mapping(self, node: cst.Call) -> Carried:
        """The named values a ``.format(...)`` call receives, as one mapping."""
        fields: dict[str, Carried] = {}
        spread: list[Carried] = []
        for arg in node.args:
            value = self.evaluate(arg.value)
            if arg.keyword is not None:
                if not value.cats and not value.known:
                    value = self._classified(arg.keyword.value, arg.keyword, "", KEY) or value
                fields[arg.keyword.value] = value
            elif arg.star == "**":
                spread.append(value)
                if value.fields:
                    fields.update(value.fields)
        opaque = union(spread) if spread else CLEAN
        return Carried(opaque.cats, opaque.known, fields, user_input=opaque.user_input)

    def _args(self, node: cst.Call) -> Iterator[Carried]:
        for arg in node.args:
            yield self.evaluate(arg.value)

    def _propagate(self, node: cst.Call, qualified: str) -> Carried:
        if qualified == "dict":
            fields: dict[str, Carried] = {}
            parts: list[Carried] = []
            for arg in node.args:
                value = self.evaluate(arg.value)
                if arg.keyword is not None:
                    if not value.cats and not value.known:
                        value = self._classified(arg.keyword.value, arg.keyword, "", KEY) or value
                    fields[arg.keyword.value] = value
                elif value.fields:
                    fields.update(value.fields)
                parts.append(value)
            result = union(parts)
            return Carried(result.cats, result.known, fields, user_input=result.user_input)
        carried = union(self._args(node))
        columns = self._named_columns(node)
        if columns is None:
            return carried
        return union((carried, columns))

    def _named_columns(self, node: cst.Call) -> Optional[Carried]:
        """``pd.DataFrame(rows, columns=["name", "email"])``: the column names a table
        is built with say what its rows hold, whatever the rows are."""
        fields: dict[str, Carried] = {}
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in self.settings.column_keywords:
                continue
            value = arg.value
            if isinstance(value, (cst.List, cst.Tuple)):
                keys = [e.value for e in value.elements if type(e) is cst.Element]
            elif type(value) is cst.Dict:
                keys = [e.key for e in value.elements if type(e) is cst.DictElement]
            else:
                continue
            for key in keys:
                text = _string_value(key)
                if text is not None:
                    found = self._classified(text, key, "", KEY)
                    if found is not None:
                        fields[text] = found
        if not fields:
            return None
        row = Carried(union(fields.values()).cats, False, fields)
        return Carried(dict(row.cats), False, element=row)

    def _named_call(self, node: cst.Call, func: cst.BaseExpression, name: str) -> Carried:
        """An unknown call: trust its name (``get_email()``, ``user.full_name()``)."""
        words = split_words(name)
        if not words:
            return UNKNOWN
        owner = self._owner_text(func.value) if type(func) is cst.Attribute else ""
        verbs = self.settings.getter_verbs
        if words[0] in verbs:
            rest = [w for w in words[1:] if w not in verbs]
            if not rest:
                # `normalize(x)`, `clean(x)`, `to_str(x)`: a transformation of its arguments.
                return union(self._args(node)) if node.args else UNKNOWN
            return self._classified("_".join(rest), node, owner) or UNKNOWN
        if name[:1].isupper():
            # A class: constructing an object is not reading data.
            return UNKNOWN
        return self._classified(name, node, owner) or UNKNOWN

    # Local functions: what their returns carry, parameters substituted.

    def _resolve_local(self, func: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        if type(func) is cst.Name:
            qualified = self.imports.lookup(func.value)
            if qualified == f"{LOCAL}.{func.value}" or qualified is None:
                return self._functions.get(func.value)
            return None
        if type(func) is not cst.Attribute:
            return None
        if type(func.value) is cst.Name and func.value.value in ("self", "cls") and self._classes:
            return self._methods.get(self._classes[-1], {}).get(func.attr.value)
        # A method called on an instance of a class of this module.
        owner = self.imports.resolve(func.value)
        prefix = LOCAL + "."
        if owner is not None and owner.startswith(prefix) and owner.endswith("()"):
            return self._methods.get(owner[len(prefix) : -2], {}).get(func.attr.value)
        return None

    def _local_call(self, node: cst.Call, func: cst.BaseExpression) -> Optional[Carried]:
        definition = self._resolve_local(func)
        if definition is None:
            return None
        summary = self.summary(definition)
        params = [
            p.name.value for p in (*definition.params.posonly_params, *definition.params.params)
        ]
        if params and params[0] in ("self", "cls") and type(func) is cst.Attribute:
            params = params[1:]
        args: dict[str, Carried] = {}
        positional = [a for a in node.args if a.keyword is None and not a.star]
        for index, arg in enumerate(positional[: len(params)]):
            args[_param_marker(index)] = self.evaluate(arg.value)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in params:
                args[_param_marker(params.index(arg.keyword.value))] = self.evaluate(arg.value)
        extra = self.extra_keywords(node, definition)
        if extra:
            args[_param_marker(EXTRA_KEYWORDS)] = union(self.evaluate(e) for e in extra)
        if args and not summary.cats:
            name = self._query_parameter(definition)
            query = args.get(_param_marker(params.index(name))) if name in params else None
            if query is not None and query.query is not None:
                # `def frame(sql): return pd.read_sql_query(sql, conn)` called with a
                # SELECT: the rows of its columns.
                return _result_set(query.query)
        if not any(cat.startswith("@") for cat in summary.cats):
            # The result does not depend on the arguments: keep its structure (rows,
            # fields), where its data came from and whether the request supplied it.
            if summary.cats or summary.element is not None or summary.fields or summary.user_input:
                return Carried(
                    dict(summary.cats),
                    False,
                    summary.fields,
                    summary.element,
                    summary.query,
                    summary.user_input,
                )
            return CLEAN if summary.known else UNKNOWN
        cats: dict[str, Origin] = {}
        for cat, origin in summary.cats.items():
            if cat.startswith("@"):
                for sub_cat, sub_origin in args.get(cat, CLEAN).cats.items():
                    cats.setdefault(sub_cat, sub_origin)
            else:
                cats.setdefault(cat, origin)
        if cats or summary.user_input:
            return Carried(cats, False, user_input=summary.user_input)
        return CLEAN if summary.known else UNKNOWN

    def _query_parameter(self, definition: cst.FunctionDef) -> Optional[str]:
        """The parameter a function runs as a query and returns the result of (its
        last statement is `return pd.read_sql_query(sql, conn)`, `return
        cur.execute(sql)`), if any."""
        body = definition.body
        if type(body) is not cst.IndentedBlock or not body.body:
            return None
        last = body.body[-1]
        if type(last) is not cst.SimpleStatementLine or type(last.body[0]) is not cst.Return:
            return None
        value = last.body[0].value
        if type(value) is cst.Await:
            value = value.expression
        if type(value) is not cst.Call or not value.args:
            return None
        query = value.args[0].value
        if type(query) is not cst.Name:
            return None
        func = value.func
        settings = self.settings
        if not (type(func) is cst.Attribute and func.attr.value in settings.query_methods):
            qualified = self.imports.resolve(func)
            if qualified is None or qualified not in settings.query_functions:
                return None
        return query.value

    @staticmethod
    def parameters(definition: cst.FunctionDef, bound_method: bool) -> list[str]:
        """Positional parameter names, without ``self``/``cls`` for a bound method."""
        params = [
            p.name.value for p in (*definition.params.posonly_params, *definition.params.params)
        ]
        if bound_method and params and params[0] in ("self", "cls"):
            params = params[1:]
        return params

    def resolve_local(self, func: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        """The definition of a function of this module (or a method of the current
        class) that ``func`` calls, if any."""
        return self._resolve_local(func)

    def argument_for(
        self, call: cst.Call, definition: cst.FunctionDef, index: int
    ) -> Optional[cst.BaseExpression]:
        """The expression a call passes for positional parameter ``index``."""
        if index < 0:
            return None
        params = self.parameters(definition, type(call.func) is cst.Attribute)
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if index < len(positional):
            return positional[index].value
        if index < len(params):
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == params[index]:
                    return arg.value
        return None

    def extra_keywords(
        self, call: cst.Call, definition: cst.FunctionDef
    ) -> list[cst.BaseExpression]:
        """The values a call passes into the ``**kwargs`` of ``definition``: keyword
        arguments that name no other parameter, and ``**mapping`` spreads."""
        if type(definition.params.star_kwarg) is not cst.Param:
            return []
        named = {
            p.name.value
            for p in (
                *definition.params.posonly_params,
                *definition.params.params,
                *definition.params.kwonly_params,
            )
        }
        return [
            arg.value
            for arg in call.args
            if (arg.keyword is not None and arg.keyword.value not in named) or arg.star == "**"
        ]

    def reaching_params(
        self,
        definition: cst.FunctionDef,
        sink_values: Callable[[cst.Call], Sequence[cst.BaseExpression]],
        key: str,
        reported_inside: bool = False,
    ) -> frozenset[int]:
        """Positional parameters of ``definition`` whose value reaches a sink inside
        it (directly or through further local helpers); ``EXTRA_KEYWORDS`` when its
        ``**kwargs`` does. ``sink_values(call)`` says which expressions a call writes
        to the sink (empty when it is no sink). With ``reported_inside``, a sink
        that writes a value carrying personal data by itself (a parameter named
        `phone`, `patient.full_name`) does not count: it is reported inside the
        helper, for everything it writes, not at its callers."""
        memo_key = (key, id(definition))
        cached = self._reaching.get(memo_key)
        if cached is not None:
            return cached
        if memo_key in self._reaching_in_progress or len(self._reaching_in_progress) > 6:
            return frozenset()
        self._reaching_in_progress.add(memo_key)
        found: set[int] = set()

        def on_call(call: cst.Call) -> None:
            values = [self.evaluate(expr) for expr in sink_values(call)]
            if reported_inside and any(
                not cat.startswith("@") for value in values for cat in value.cats
            ):
                # The sink is reported inside, for all it writes: not at every caller.
                values = []
            for value in values:
                found.update(_markers(value))
            inner = self._resolve_local(call.func)
            if inner is not None and inner is not definition:
                for index in self.reaching_params(inner, sink_values, key, reported_inside):
                    passed = (
                        self.extra_keywords(call, inner)
                        if index == EXTRA_KEYWORDS
                        else [self.argument_for(call, inner, index)]
                    )
                    for arg in passed:
                        if arg is not None:
                            found.update(_markers(self.evaluate(arg)))

        try:
            self._scan_function(definition, on_call)
        finally:
            self._reaching_in_progress.discard(memo_key)
        result = frozenset(found)
        self._reaching[memo_key] = result
        return result

    def _enter_summary(self, definition: cst.FunctionDef) -> _Saved:
        owner = self._method_class.get(id(definition))
        saved = _Saved(
            self._scopes,
            self._memo,
            self._classes,
            self.imports.switch_class(owner),
        )
        # Inside the definition, `self` is an instance of the class it belongs to.
        self._classes = [owner] if owner is not None else []
        self._scopes = [self._scopes[0], _Scope(definition)]
        self._memo = {}
        params = self.parameters(definition, bound_method=False)
        offset = 1 if params and params[0] in ("self", "cls") else 0
        for index, param in enumerate(params[offset:]):
            own = self._classified(param, param)
            cats: dict[str, Origin] = dict(own.cats) if own else {}
            cats[_param_marker(index)] = param
            self._scope.env[param] = Carried(cats, False)
        star = definition.params.star_arg
        if type(star) is cst.Param:
            # `*args` forwards every extra positional argument.
            first_extra = len(params) - offset
            self._scope.env[star.name.value] = Carried(
                {_param_marker(first_extra + i): star.name.value for i in range(8)}, False
            )
        star_kwarg = definition.params.star_kwarg
        if type(star_kwarg) is cst.Param:
            # `**kwargs` forwards every keyword argument no other parameter takes.
            self._scope.env[star_kwarg.name.value] = Carried(
                {_param_marker(EXTRA_KEYWORDS): star_kwarg.name.value}, False
            )
        return saved

    def _scan_function(
        self, definition: cst.FunctionDef, on_call: Callable[[cst.Call], None]
    ) -> None:
        saved = self._enter_summary(definition)
        try:
            self._run_block(definition.body, [], on_call)
        finally:
            self._leave_summary(saved)

    def _leave_summary(self, saved: _Saved) -> None:
        self._scopes = saved.scopes
        self._memo = saved.memo
        self._classes = saved.classes
        self.imports.restore_classes(saved.import_classes)

    def summary(self, definition: cst.FunctionDef) -> Carried:
        """What ``definition`` returns; parameters appear as ``@0``, ``@1``..."""
        key = id(definition)
        cached = self._summaries.get(key)
        if cached is not None:
            return cached
        if key in self._in_progress or len(self._in_progress) > 8:
            return UNKNOWN
        self._in_progress.add(key)
        saved = self._enter_summary(definition)
        try:
            returns: list[Carried] = []
            self._run_block(definition.body, returns)
            result = union(returns) if returns else UNKNOWN
        finally:
            self._leave_summary(saved)
            self._in_progress.discard(key)
        self._summaries[key] = result
        return result

    def _run_block(
        self, block: cst.BaseSuite, returns: list[Carried], on_call: Optional[OnCall] = None
    ) -> None:
        if type(block) is cst.SimpleStatementSuite:
            self._run_small(block.body, returns, on_call)
            return
        assert type(block) is cst.IndentedBlock
        for stmt in block.body:
            self._run_statement(stmt, returns, on_call)

    def _run_small(
        self,
        body: Sequence[cst.BaseSmallStatement],
        returns: list[Carried],
        on_call: Optional[OnCall] = None,
    ) -> None:
        for small in body:
            if on_call is not None:
                for call in iter_nodes(small, cst.Call):
                    on_call(call)  # type: ignore[arg-type]
            if type(small) is cst.Expr and type(small.value) is cst.Call:
                self.call_effects(small.value)
            elif type(small) is cst.Expr and type(small.value) is cst.Yield:
                # A generator returns what it yields.
                returns.append(self.evaluate(small.value))
            elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                self.assign(small)
            elif type(small) is cst.Return and small.value is not None:
                returns.append(self.evaluate(small.value))

    def _run_statement(
        self, stmt: cst.BaseStatement, returns: list[Carried], on_call: Optional[OnCall] = None
    ) -> None:
        if type(stmt) is cst.SimpleStatementLine:
            self._run_small(stmt.body, returns, on_call)
        elif type(stmt) is cst.If:
            self._header_calls(stmt.test, on_call)
            self._push_frame(loop=False)
            self._run_block(stmt.body, returns, on_call)
            orelse = stmt.orelse
            if orelse is not None:
                self.switch_branch()
                if type(orelse) is cst.If:
                    self._run_statement(orelse, returns, on_call)
                else:
                    self._run_block(orelse.body, returns, on_call)
            self.leave_branching(has_else=orelse is not None)
        elif isinstance(stmt, (cst.For, cst.While)):
            self._header_calls(stmt.iter if isinstance(stmt, cst.For) else stmt.test, on_call)
            self.enter_for(stmt)
            self._run_block(stmt.body, returns, on_call)
            self.leave_branching(has_else=False)
        elif type(stmt) is cst.With:
            for item in stmt.items:
                self._header_calls(item.item, on_call)
                self.enter_with_item(item)
            self._run_block(stmt.body, returns, on_call)
        elif type(stmt) is cst.Try:
            self._run_block(stmt.body, returns, on_call)
            for handler in stmt.handlers:
                self._run_block(handler.body, returns, on_call)
            if stmt.orelse is not None:
                self._run_block(stmt.orelse.body, returns, on_call)
            if stmt.finalbody is not None:
                self._run_block(stmt.finalbody.body, returns, on_call)

    @staticmethod
    def _header_calls(expr: cst.BaseExpression, on_call: Optional[OnCall]) -> None:
        if on_call is not None:
            for call in iter_nodes(expr, cst.Call):
                on_call(call)  # type: ignore[arg-type]


def _join(states: list[dict[str, Carried]]) -> dict[str, Carried]:
    names: set[str] = set()
    for state in states:
        names.update(state)
    joined: dict[str, Carried] = {}
    for name in names:
        values = [state.get(name, UNKNOWN) for state in states]
        first = values[0]
        if all(v is first for v in values):
            joined[name] = first
        else:
            joined[name] = union(values)
    return joined
