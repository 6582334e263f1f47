"""What names refer to: import aliases, local definitions and simple instances.

``qualname(expr)`` answers "which API is this?" for names, attribute chains and calls:

- ``import requests as r`` makes ``r.get`` resolve to ``requests.get``;
- ``from httpx import Client as C`` makes ``C()`` resolve to ``httpx.Client()``;
- ``s = requests.Session()`` (or ``with requests.Session() as s``, or a parameter
  annotated ``s: requests.Session``) makes ``s.get`` resolve to ``requests.Session().get``;
- ``self.log = logging.getLogger(...)`` in a method makes ``self.log.info`` resolve to
  ``logging.getLogger().info`` in every method of that class.

A trailing ``()`` marks "an object returned by calling this". Names bound to anything
else (parameters, loop variables, other values) shadow imports and resolve to
``None``, so a module that defines its own ``requests`` object is not mistaken for the
library. Classes and functions defined in the file resolve to ``<local>.Name``.

What other modules of the project bind can be given as *seeds*: with
``{"app.clients.mp": "mixpanel.Mixpanel()"}``, ``from app.clients import mp`` makes
``mp.track`` resolve to ``mixpanel.Mixpanel().track``; a seed whose name ends with
``()`` is a factory (``app.clients.get_store()`` returning ``redis.Redis()``).
:meth:`ImportTable.module_bindings` is what a module offers as seeds to others.

The table is filled during the one walk of the file (plus a cheap pre-pass over the
module's top-level statements, so a function can use an alias bound below it).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Optional, Union

import libcst as cst

from privalint.project import CONSTANT

LOCAL = "<local>"
# A seed for a class of another module whose text lists its fields starts with this
# (``privalint.flow.shown_descriptor``); the class's name still resolves as imported.
SHOWN = "<fields>"
_LOCAL_PREFIX = LOCAL + "."
_BUILTINS = frozenset(dir(builtins))
# A name bound to something we cannot describe: it shadows imports and builtins.
_OPAQUE = ""

AssignTargetNode = Union[cst.BaseAssignTargetExpression, cst.BaseExpression]


@dataclass(frozen=True)
class EnvReaders:
    """Calls that read a setting from the environment with a fallback: functions that
    take it second or as ``default=`` (``os.getenv``), configuration readers that take
    it as ``default=`` only (``decouple.config``), and reader objects whose methods
    take it second or as ``default=`` (``environs.Env()``: ``env.str("X", "...")``)
    and that, called themselves, take it as ``default=``."""

    functions: frozenset[str] = frozenset()
    configs: frozenset[str] = frozenset()
    objects: frozenset[str] = frozenset()

    def any(self) -> bool:
        return bool(self.functions or self.configs or self.objects)


@dataclass(frozen=True)
class _LocalClass:
    # The first base class from a library (``requests.Session``), if any.
    base: Optional[str]
    methods: frozenset[str]


def dotted_name(expr: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a chain of names and attributes, else ``None``."""
    parts: list[str] = []
    node = expr
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _is_super_call(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Call and type(expr.func) is cst.Name and expr.func.value == "super"


def _is_property(decorator: cst.BaseExpression) -> bool:
    """``@property``, ``@functools.cached_property``, ``@cached_property``."""
    name = dotted_name(decorator) or ""
    return name.rsplit(".", 1)[-1] in ("property", "cached_property")


def _module_name(node: Union[cst.Attribute, cst.Name]) -> str:
    return dotted_name(node) or ""


class ImportTable:
    """Scoped bindings from local names to qualified names."""

    def __init__(
        self,
        aliases: Optional[Mapping[str, str]] = None,
        seeds: Optional[Mapping[str, str]] = None,
        record_getters: frozenset[str] = frozenset(),
        offered_bases: frozenset[str] = frozenset(),
    ) -> None:
        # Library classes whose subclasses' instances other modules see as theirs.
        self._offered_bases = offered_bases
        # Calls that fetch one record of a model class (`imports.record-getters`).
        self._record_getters = record_getters
        # Canonical spellings for re-exported APIs (``requests.sessions.Session`` is
        # ``requests.Session``); from the catalog.
        self._aliases = dict(aliases or {})
        # Instances bound by other modules of the project, by their imported name.
        self._seeds = {
            k: v
            for k, v in (seeds or {}).items()
            if not k.endswith("()") and not v.startswith((SHOWN, CONSTANT))
        }
        # Constants of other modules, by their imported name (`app.settings.API_URL`).
        self._constant_seeds = {
            k: v[len(CONSTANT) :] for k, v in (seeds or {}).items() if v.startswith(CONSTANT)
        }
        self._constant_nodes: dict[str, Optional[cst.BaseExpression]] = {}
        # This module's constants that other modules may read: name (`API_URL`, or
        # `settings.api_url` for a field default of an instance made here) -> literal.
        self._constants: dict[str, str] = {}
        # Classes of other modules whose text lists their fields: for the flow.
        self.shown_seeds = {k: v for k, v in (seeds or {}).items() if v.startswith(SHOWN)}
        # (is_class_scope, names): module first, then classes and functions as nested.
        self._scopes: list[tuple[bool, dict[str, str]]] = [(False, {})]
        # Attributes assigned on ``self`` (or at class level), per class name.
        self._class_attrs: dict[str, dict[str, str]] = {}
        self._classes: list[str] = []
        self.imported_modules: set[str] = set()
        self._local_classes: dict[str, _LocalClass] = {}
        self._factories: dict[str, str] = {
            k[:-2]: v for k, v in (seeds or {}).items() if k.endswith("()")
        }
        # (class, method) -> the instance a factory method returns; properties apart.
        self._method_factories: dict[tuple[str, str], str] = {}
        self._property_factories: dict[tuple[str, str], str] = {}
        # Bumped by every change of what names resolve to: `resolve` answers from its
        # memo only for the version it was computed at.
        self._version = 0
        self._memo: dict[int, tuple[int, cst.BaseExpression, Optional[str]]] = {}

    # -- scopes -------------------------------------------------------------------

    def push_function(self) -> None:
        self._version += 1
        self._scopes.append((False, {}))

    def pop_function(self) -> None:
        self._version += 1
        if len(self._scopes) > 1:
            self._scopes.pop()

    def push_class(self, name: str) -> None:
        self._version += 1
        self._classes.append(name)
        self._class_attrs.setdefault(name, {})
        self._scopes.append((True, self._class_attrs[name]))

    def pop_class(self) -> None:
        self._version += 1
        if self._classes:
            self._classes.pop()
        if len(self._scopes) > 1:
            self._scopes.pop()

    @property
    def current_class(self) -> Optional[str]:
        return self._classes[-1] if self._classes else None

    def switch_class(self, name: Optional[str]) -> list[str]:
        """Resolve `self.attr` as in class ``name`` (none: outside any class) until
        :meth:`restore_classes`; returns what to restore."""
        saved = self._classes
        self._version += 1
        self._classes = [name] if name is not None else []
        return saved

    def restore_classes(self, saved: list[str]) -> None:
        self._version += 1
        self._classes = saved

    # -- binding ------------------------------------------------------------------

    def _canonical(self, qualified: str) -> str:
        if self._seeds:
            seeded = self._seeds.get(qualified)
            if seeded is not None:
                return seeded
        if not self._aliases:
            return qualified
        head = qualified
        while True:
            target = self._aliases.get(head)
            if target is not None:
                return target + qualified[len(head) :]
            cut = head.rfind(".")
            if cut < 0:
                return qualified
            head = head[:cut]

    def bind(self, name: str, qualified: Optional[str]) -> None:
        """Bind ``name`` in the innermost scope (``None``: an opaque value)."""
        self._version += 1
        self._scopes[-1][1][name] = qualified or _OPAQUE

    def bind_import(self, node: Union[cst.Import, cst.ImportFrom]) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _module_name(alias.name)
                self.imported_modules.add(full)
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.bind(alias.asname.name.value, self._canonical(full))
                else:
                    head = full.split(".", 1)[0]
                    self.bind(head, head)
            return
        if node.relative:
            base = "." * len(node.relative) + (_module_name(node.module) if node.module else "")
        else:
            base = _module_name(node.module) if node.module else ""
        self.imported_modules.add(base)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
            qualified = f"{base}.{name}" if base and not base.endswith(".") else base + name
            self.bind(local, self._canonical(qualified))

    def bind_target(self, target: AssignTargetNode, value: Optional[str]) -> None:
        """Bind an assignment target (name, ``self.attr``, tuple) to ``value``."""
        self._version += 1
        if type(target) is cst.Name:
            self.bind(target.value, value)
        elif type(target) is cst.Attribute and type(target.value) is cst.Name:
            if target.value.value in ("self", "cls") and self._classes:
                self._class_attrs[self._classes[-1]][target.attr.value] = value or _OPAQUE
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, None)
        elif type(target) is cst.StarredElement:
            self.bind_target(target.value, None)

    # -- lookup -------------------------------------------------------------------

    def lookup(self, name: str) -> Optional[str]:
        innermost = len(self._scopes) - 1
        for index in range(innermost, -1, -1):
            is_class, names = self._scopes[index]
            # Code in a method does not see its class's names unqualified.
            if is_class and index != innermost:
                continue
            if name in names:
                return names[name] or None
        if name in _BUILTINS:
            return name
        return None

    def is_bound(self, name: str) -> bool:
        """Whether ``name`` is bound in a visible scope (import, definition, assignment)."""
        return any(name in names for _, names in self._scopes)

    def resolve(self, expr: cst.BaseExpression) -> Optional[str]:
        """:meth:`qualname`, memoised while the bindings stay the same: the rules ask
        about the same call's function one after the other."""
        hit = self._memo.get(id(expr))
        if hit is not None and hit[0] == self._version and hit[1] is expr:
            return hit[2]
        found = self.qualname(expr)
        self._memo[id(expr)] = (self._version, expr, found)
        return found

    def qualname(self, expr: cst.BaseExpression) -> Optional[str]:
        """The qualified name ``expr`` refers to, or ``None`` when it is unknown."""
        if type(expr) is cst.Name:
            return self.lookup(expr.value)
        if type(expr) is cst.Attribute:
            base = expr.value
            if type(base) is cst.Name and base.value in ("self", "cls") and self._classes:
                attr = expr.attr.value
                for cls in reversed(self._classes):
                    # `self.redis`, a property that returns `redis.Redis(...)`.
                    returned = self._property_factories.get((cls, attr))
                    if returned is not None:
                        return returned
                    attrs = self._class_attrs.get(cls, {})
                    if attr in attrs:
                        return attrs[attr] or None
                # `self.get(...)` in a `requests.Session` subclass: an inherited method.
                return self._inherited(self._classes[-1], expr.attr.value)
            if _is_super_call(base) and self._classes:
                # `super().get(...)`: the library base's method, even where it is overridden.
                local = self._local_classes.get(self._classes[-1])
                if local is not None and local.base is not None:
                    return self._canonical(f"{local.base}().{expr.attr.value}")
                return None
            head = self.qualname(base)
            if head is None:
                return None
            attr = expr.attr.value
            if head.startswith(_LOCAL_PREFIX) and head.endswith("()"):
                # A method the local class does not define comes from its library base.
                inherited = self._inherited(head[len(_LOCAL_PREFIX) : -2], attr)
                if inherited is not None:
                    return inherited
            return self._canonical(f"{head}.{attr}")
        if type(expr) is cst.Call:
            func = expr.func
            if (
                type(func) is cst.Attribute
                and type(func.value) is cst.Name
                and func.value.value in ("self", "cls")
                and self._classes
            ):
                # `self._client()`, a method that returns `redis.Redis(...)`.
                returned = self._method_factories.get((self._classes[-1], func.attr.value))
                if returned is not None:
                    return returned
            head = self.qualname(func)
            if head is not None and head in self._factories:
                return self._factories[head]
            return f"{head}()" if head is not None else None
        if type(expr) is cst.Await:
            return self.qualname(expr.expression)
        return None

    def module_bindings(self) -> list[tuple[str, str]]:
        """What this module offers other modules that import from it: its module-level
        names bound to library instances (``("mp", "mixpanel.Mixpanel()")``), its
        factory functions (``("get_store()", "redis.Redis()")``) and the constants
        `learn_constants` kept (``("API_URL", '<const>"http://..."')``), sorted."""
        out = [
            (name, value)
            for name, value in self._scopes[0][1].items()
            if value.endswith("()") and not value.startswith(_LOCAL_PREFIX)
        ]
        out.extend((name, CONSTANT + text) for name, text in self._constants.items())
        out.extend(
            (name[len(_LOCAL_PREFIX) :] + "()", value)
            for name, value in self._factories.items()
            if name.startswith(_LOCAL_PREFIX) and not value.startswith(_LOCAL_PREFIX)
        )
        # Classes that extend a logger or a client (`class RequestAdapter(
        # logging.LoggerAdapter)`): what they make is one too, for the modules that
        # import them.
        out.extend(
            (name, local.base)
            for name, local in self._local_classes.items()
            if local.base is not None and local.base in self._offered_bases
        )
        return sorted(out)

    def constant(self, expr: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The literal a constant of another module that ``expr`` names was given
        there (seeded: ``settings.PARTNER_URL``), or None."""
        if not self._constant_seeds or not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        qualified = self.resolve(expr)
        if qualified is None or qualified not in self._constant_seeds:
            return None
        if qualified not in self._constant_nodes:
            try:
                node: Optional[cst.BaseExpression] = cst.parse_expression(
                    self._constant_seeds[qualified]
                )
            except Exception:  # a damaged seed: no value
                node = None
            self._constant_nodes[qualified] = node
        return self._constant_nodes[qualified]

    def learn_constants(
        self,
        module: cst.Module,
        prefixes: tuple[str, ...],
        readers: Optional[EnvReaders] = None,
    ) -> None:
        """The module's string constants whose value starts with one of ``prefixes``
        (`PARTNER_URL = "http://..."`) or is a bare host (`AMI_HOST = "10.0.0.5"`), or
        is read from the environment with a bare host as its default
        (`AMI_HOST = os.environ.get("AMI_HOST", "pbx.example.net")`, offered as that
        lookup), the attributes so written of its classes (read
        as `Config.PARTNER_URL`), and the field defaults so written of a class this
        module makes its one instance of (`settings = Settings()` with
        `partner_url: str = "http://..."`): what other modules may read of it."""
        if not prefixes:
            return
        lookup = None
        if readers is not None and readers.any():
            known = readers

            def lookup(call: cst.Call) -> Optional[tuple[str, str]]:
                return self._env_lookup(call, known)

        fields: dict[str, dict[str, str]] = {}
        for stmt in module.body:
            if type(stmt) is cst.ClassDef and type(stmt.body) is cst.IndentedBlock:
                for inner in stmt.body.body:
                    if type(inner) is cst.SimpleStatementLine:
                        for name, text in _constant_assignments(inner, prefixes, lookup):
                            fields.setdefault(stmt.name.value, {})[name] = text
                            self._constants[f"{stmt.name.value}.{name}"] = text
            elif type(stmt) is cst.SimpleStatementLine:
                for name, text in _constant_assignments(stmt, prefixes, lookup):
                    self._constants[name] = text
                for small in stmt.body:
                    if (
                        type(small) is cst.Assign
                        and len(small.targets) == 1
                        and type(small.targets[0].target) is cst.Name
                        and type(small.value) is cst.Call
                        and type(small.value.func) is cst.Name
                        and small.value.func.value in fields
                    ):
                        instance = small.targets[0].target.value
                        for attr, text in fields[small.value.func.value].items():
                            self._constants[f"{instance}.{attr}"] = text

    def _env_lookup(self, call: cst.Call, readers: EnvReaders) -> Optional[tuple[str, str]]:
        """``(key, default)`` of an environment or configuration lookup whose default
        is a string literal (``os.getenv("AMI_HOST", "pbx.example.net")``,
        ``env.str("AMI_HOST", default="...")``), else None."""
        qualified = self.qualname(call.func)
        if qualified is None:
            return None
        if qualified in readers.functions:
            positional = True
        elif qualified in readers.configs or qualified in readers.objects:
            positional = False
        else:
            owner, _, method = qualified.rpartition(".")
            if owner not in readers.objects or "(" in method:
                return None
            positional = True
        default: Optional[cst.BaseExpression] = None
        key = ""
        for index, arg in enumerate(call.args):
            if arg.keyword is not None:
                if arg.keyword.value == "default":
                    default = arg.value
            elif arg.star:
                return None
            elif index == 0 and isinstance(arg.value, cst.SimpleString):
                found = arg.value.evaluated_value
                key = found if isinstance(found, str) else ""
            elif index == 1 and positional:
                default = arg.value
        if not isinstance(default, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        text = default.evaluated_value
        return (key, text) if isinstance(text, str) else None

    def _inherited(self, class_name: str, attr: str) -> Optional[str]:
        """``requests.Session().get`` for ``get`` of a local subclass of
        ``requests.Session`` that does not define it; else ``None``."""
        local = self._local_classes.get(class_name)
        if local is None or local.base is None or attr in local.methods:
            return None
        return self._canonical(f"{local.base}().{attr}")

    def instance_of(self, value: Optional[cst.BaseExpression]) -> Optional[str]:
        """What a name bound to ``value`` refers to: an alias or a call result
        (``client or redis_client()``: the first operand that is known), the
        function of a ``functools.partial``."""
        if value is None:
            return None
        if (
            type(value) is cst.Call
            and value.args
            and value.args[0].keyword is None
            and self.qualname(value.func) == "functools.partial"
        ):
            # `eprint = functools.partial(print, file=sys.stderr)`: still that function.
            return self.instance_of(value.args[0].value)
        record = self._fetched_record(value)
        if record is not None:
            return record
        if isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Await)):
            return self.qualname(value)
        if type(value) is cst.BooleanOperation:
            return self.instance_of(value.left) or self.instance_of(value.right)
        if type(value) is cst.IfExp:
            return self.instance_of(value.body) or self.instance_of(value.orelse)
        return None

    def _fetched_record(self, value: cst.BaseExpression) -> Optional[str]:
        """``Patient()`` for a call that fetches one record of the model class
        ``Patient``: ``session.get(Patient, pk)``, ``Patient.objects.get(pk=pk)``,
        ``await Patient.get(id=pk)``."""
        if type(value) is cst.Await:
            value = value.expression
        if type(value) is not cst.Call or not self._record_getters:
            return None
        func = value.func
        if type(func) is cst.Attribute:
            name = func.attr.value
        elif type(func) is cst.Name:
            name = func.value
        else:
            return None
        if name not in self._record_getters:
            return None
        first = value.args[0] if value.args else None
        if first is not None and first.keyword is None and type(first.value) is cst.Name:
            found = self._model_class(first.value)
            if found is not None:
                return found
        root: cst.BaseExpression = func
        while isinstance(root, (cst.Attribute, cst.Call)):
            root = root.value if type(root) is cst.Attribute else root.func  # type: ignore[union-attr]
        if root is func or type(root) is not cst.Name:
            return None
        return self._model_class(root)

    def _model_class(self, name: cst.Name) -> Optional[str]:
        """The class ``name`` refers to, as an instance (``app.models.Patient()``), when
        it is a name written like a class (not a CONSTANT) bound to no instance."""
        text = name.value
        if not text[:1].isupper() or text.isupper() or "_" in text:
            return None
        qualified = self.lookup(text)
        if qualified is None or qualified.endswith("()") or "()" in qualified:
            return None
        return f"{qualified}()"

    # -- local classes and factory functions ---------------------------------------

    def learn_definitions(self, module: cst.Module) -> None:
        """Module-level classes (their library base, their methods) and factory
        functions (``def get_session(): return requests.Session()``), so that
        ``get_session().get`` resolves to ``requests.Session().get``; factory methods
        and properties of those classes likewise (``self._client().set``)."""
        self._version += 1
        for stmt in module.body:
            if type(stmt) is cst.ClassDef:
                base = None
                for arg in stmt.bases:
                    qualified = self.qualname(arg.value)
                    if (
                        qualified is not None
                        and not qualified.startswith(_LOCAL_PREFIX)
                        and qualified != "object"
                    ):
                        base = qualified
                        break
                methods = frozenset(
                    inner.name.value
                    for inner in (stmt.body.body if type(stmt.body) is cst.IndentedBlock else ())
                    if type(inner) is cst.FunctionDef
                )
                self._local_classes[stmt.name.value] = _LocalClass(base, methods)
        for stmt in module.body:
            if type(stmt) is cst.FunctionDef:
                returned = self._returned(stmt)
                if returned is not None:
                    self._factories[f"{_LOCAL_PREFIX}{stmt.name.value}"] = returned
            elif type(stmt) is cst.ClassDef and type(stmt.body) is cst.IndentedBlock:
                for inner in stmt.body.body:
                    if type(inner) is not cst.FunctionDef:
                        continue
                    returned = self._returned(inner)
                    if returned is None:
                        continue
                    key = (stmt.name.value, inner.name.value)
                    if any(_is_property(d.decorator) for d in inner.decorators):
                        self._property_factories[key] = returned
                    else:
                        self._method_factories[key] = returned
        self._version += 1

    def _returned(self, definition: cst.FunctionDef) -> Optional[str]:
        """The qualified instance a function returns, when every return agrees."""
        local: dict[str, Optional[str]] = {}
        found: set[Optional[str]] = set()

        def run(block: cst.BaseSuite) -> None:
            body = block.body if type(block) is cst.IndentedBlock else ()
            for stmt in body:
                if type(stmt) is cst.SimpleStatementLine:
                    for small in stmt.body:
                        if type(small) is cst.Assign and len(small.targets) == 1:
                            target = small.targets[0].target
                            if type(target) is cst.Name:
                                local[target.value] = self.instance_of(small.value)
                        elif type(small) is cst.Return and small.value is not None:
                            value = small.value
                            if type(value) is cst.Name and value.value == "None":
                                continue
                            if type(value) is cst.Name and value.value in local:
                                found.add(local[value.value])
                            else:
                                found.add(self.instance_of(value))
                elif isinstance(stmt, (cst.If, cst.With, cst.Try, cst.For, cst.While)):
                    run(stmt.body)
                    orelse = getattr(stmt, "orelse", None)
                    if isinstance(orelse, (cst.Else, cst.If)):
                        run(orelse.body)

        run(definition.body)
        if not found or None in found or not all(v.endswith("()") for v in found if v):
            return None
        # Returns that disagree but are all the same library's objects
        # (`index.create_in(...)` or `index.open_dir(...)`): its methods are what the
        # caller uses, whichever it gets.
        packages = {v.split(".", 1)[0] for v in found if v}
        if len(found) > 1 and (
            len(packages) > 1 or any(v.startswith(_LOCAL_PREFIX) for v in found if v)
        ):
            return None
        return min(v for v in found if v)


# A bare host (`"pbx.example.com"`, `"10.20.4.11:5038"`): whether it is this machine or
# another is what a reader of the constant needs to know.
_HOST = re.compile(
    r"(?:(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]"
    r"|\d{1,3}(?:\.\d{1,3}){3}|localhost)(?::\d{1,5})?\Z"
)


def _constant_assignments(
    line: cst.SimpleStatementLine,
    prefixes: tuple[str, ...],
    env_lookup: Optional[Callable[[cst.Call], Optional[tuple[str, str]]]] = None,
) -> Iterator[tuple[str, str]]:
    """``(name, source)`` for each ``NAME = "<prefix>..."`` (or annotated) of a line
    whose string starts with one of ``prefixes`` or is a bare host name or address
    (``AMI_HOST = "127.0.0.1"``, ``ESL_HOST = "fs1.example.com"``): the literal; and,
    given ``env_lookup``, for each ``NAME = <environment lookup>`` whose default is a
    bare host: the lookup, spelt ``os.environ.get("KEY", "default")`` so that a reader
    sees the same fallback it would see in the file itself."""
    for small in line.body:
        if type(small) is cst.Assign and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif type(small) is cst.AnnAssign and small.value is not None:
            target, value = small.target, small.value
        else:
            continue
        if type(target) is not cst.Name:
            continue
        if type(value) is cst.Call and env_lookup is not None:
            # A bare host only: a URL with an insecure scheme is reported where it is
            # written, a host only where a client is made with it.
            found = env_lookup(value)
            if found is not None and _HOST.match(found[1]):
                key, default = found
                yield target.value, f"os.environ.get({key!r}, {default!r})"
            continue
        if not isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            continue
        text = value.evaluated_value
        if isinstance(text, str) and (text.lower().startswith(prefixes) or _HOST.match(text)):
            yield target.value, repr(text)
