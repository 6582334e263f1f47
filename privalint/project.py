"""The project stage: what project rules see once every file has been checked.

Facts are what files say about personal data. The public kinds are ``collected``,
``stored``, ``logged`` and ``sent``. Three more kinds let the project stage join what
different files say about request models, because a model is only a collection
point when some endpoint takes it as a request body, often in another file:

- ``model-field``: a field of a class that may be a request model (``category`` set,
  ``detail`` is ``Class.field``);
- ``request-body``: an endpoint takes this class as its body (``detail`` is the class
  name, no category);
- ``model-link``: the first class includes the second (a field typed with it, or a
  base class); ``detail`` is ``"Outer Inner"``.

Two more let a validation schema stand for the reads of what it validated: once
``payload = BankDetailsSchema().load(request.json)``, the schema's ``sort_code``
field is where the bank details are collected, not ``payload["sort_code"]``:

- ``schema``: a class whose fields the walk records as collection points (a form,
  serializer, schema or model; ``detail`` is its name, no category);
- ``validated-read``: a request read of what such a class validated (``category``
  set, ``detail`` is ``"Class description"``).

:meth:`ProjectContext.collected` resolves them: the fields of every class reachable
from a request body are collected, and a validated read is collected only when no
checked file declares its class.

Two more follow personal data into the project's own helper functions of other
modules (``trace(logger, "signup %s", user.email)`` with ``trace`` in ``logutil.py``):

- ``helper-sink``: a function at the top level of its module passes some of its
  parameters to a rule's sink (no category; ``detail`` is ``"name rule phrase
  reaching parameters"``, see :func:`helper_sink_detail`);
- ``helper-call``: a call of a function imported from another module passes personal
  data (``category`` set; ``detail`` is ``"qualified-name slot ..."``, see
  :func:`helper_call_detail`).

:func:`resolve_helper_calls` joins them; the rule whose sink the helper reaches
reports at the call.

One more tells other modules what a module's names are, when they are library
objects it creates (``mp = Mixpanel(token)``, ``def get_store(): return
redis.Redis()``):

- ``binding``: no category, no line; ``detail`` is ``"name qualified"`` (a factory's
  name ends with ``()``), see :func:`binding_detail`. A class whose text lists its
  personal fields (a dataclass, attrs or pydantic class) is bound to its descriptor
  (``privalint.imports.SHOWN``).
- ``class-use``: no category, no line; the file holds an instance of a class imported
  from another module (``detail`` is its qualified name, ``app.schemas.Booking``).

:func:`resolve_seeds` matches them with the ``helper-call`` facts of calls of their
methods in other modules (``from app.clients import mp; mp.track(...)``); the
calling file is then checked again with those names seeded
(``privalint.imports``), so every rule sees ``mp.track`` as Mixpanel's.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from privalint.catalog import Catalog
from privalint.manifest import Manifest, Rules
from privalint.model import Fact, Finding, Severity, Span

COLLECTED = "collected"
STORED = "stored"
LOGGED = "logged"
SENT = "sent"
MODEL_FIELD = "model-field"
REQUEST_BODY = "request-body"
MODEL_LINK = "model-link"
SCHEMA = "schema"
VALIDATED_READ = "validated-read"
HELPER_SINK = "helper-sink"
HELPER_CALL = "helper-call"
BINDING = "binding"
CLASS_USE = "class-use"
# A file reads a constant another module may define (`settings.PARTNER_URL`): its
# detail is the qualified name as imported.
CONSTANT_USE = "constant-use"
# A binding or seed that is a constant's literal (``<const>'http://partner.example'``).
CONSTANT = "<const>"
# A helper's `**kwargs` reaches the sink: keywords no other parameter takes do.
EXTRA = "**"
_SEP = "\x1f"


def join_names(facts: Iterable[Fact]) -> frozenset[str]:
    """The classes that other files' facts could still join with: those whose fields
    are personal data or that include such a class (so a request body of theirs
    collects it) and the schemas that validated a request read. A file that names
    none of them adds nothing to what the project stage resolves."""
    personal: set[str] = set()
    included_by: dict[str, set[str]] = {}
    names: set[str] = set()
    for fact in facts:
        if fact.kind == MODEL_FIELD:
            personal.add(fact.detail.split(".", 1)[0])
        elif fact.kind == MODEL_LINK:
            outer, _, inner = fact.detail.partition(" ")
            included_by.setdefault(inner, set()).add(outer)
        elif fact.kind == VALIDATED_READ:
            names.add(fact.detail.partition(" ")[0])
    pending = list(personal)
    while pending:
        for outer in included_by.get(pending.pop(), ()):
            if outer not in personal:
                personal.add(outer)
                pending.append(outer)
    names |= personal
    names.discard("")
    return frozenset(names)


def helper_names(facts: Iterable[Fact]) -> frozenset[str]:
    """The functions of other modules called with personal data: a file that defines
    none of them has no helper whose sink those calls could reach."""
    return frozenset(
        fact.detail.split(_SEP, 1)[0].rsplit(".", 1)[-1]
        for fact in facts
        if fact.kind == HELPER_CALL
    )


# The kinds that join what different files say; a run on some files takes them from
# the cache for the project's other files (``ProjectContext.context_facts``).
JOINING = (MODEL_FIELD, REQUEST_BODY, MODEL_LINK, SCHEMA, HELPER_SINK, BINDING)


def resolve_collection(facts: Iterable[Fact], context: Iterable[Fact] = ()) -> list[Fact]:
    """Every ``collected`` fact, including the fields of request models.

    ``context`` holds the joining facts of files the run did not check (from the
    cache): they complete the joins of the checked files' facts. A request-model
    field of such a file is collected only when the checked files alone make its
    class a request body: what the unchecked files do among themselves is theirs to
    report when they are checked.
    """
    facts = list(facts)
    context = [f for f in context if f.kind in JOINING]
    links: dict[str, set[str]] = {}
    schemas: set[str] = set()
    for fact in (*facts, *context):
        if fact.kind == MODEL_LINK:
            outer, _, inner = fact.detail.partition(" ")
            links.setdefault(outer, set()).add(inner)
        elif fact.kind == SCHEMA:
            schemas.add(fact.detail)
    checked_bodies = [f.detail for f in facts if f.kind == REQUEST_BODY]
    other_bodies = [f.detail for f in context if f.kind == REQUEST_BODY]
    reachable = _reachable([*checked_bodies, *other_bodies], links)
    out: list[Fact] = []
    for fact in facts:
        if fact.kind == COLLECTED:
            out.append(fact)
        elif fact.kind == MODEL_FIELD and fact.detail.split(".", 1)[0] in reachable:
            out.append(_model_field(fact))
        elif fact.kind == VALIDATED_READ:
            schema, _, detail = fact.detail.partition(" ")
            if schema not in schemas:
                out.append(dataclasses.replace(fact, kind=COLLECTED, detail=detail))
    if context:
        new = _reachable(checked_bodies, links) - _reachable(other_bodies, links)
        out.extend(
            _model_field(fact)
            for fact in context
            if fact.kind == MODEL_FIELD and fact.detail.split(".", 1)[0] in new
        )
    return out


def _reachable(bodies: Iterable[str], links: dict[str, set[str]]) -> set[str]:
    """The classes of request bodies and of the models they include."""
    reachable: set[str] = set()
    pending = list(bodies)
    while pending:
        name = pending.pop()
        if name in reachable:
            continue
        reachable.add(name)
        pending.extend(links.get(name, ()))
    return reachable


def _model_field(fact: Fact) -> Fact:
    return dataclasses.replace(fact, kind=COLLECTED, detail=f"request model field `{fact.detail}`")


@dataclass
class ProjectContext:
    """Facts from all checked files plus the project's configuration and manifest."""

    root: Path
    facts: list[Fact]
    catalog: Catalog
    config: Any
    checked_paths: list[str] = field(default_factory=list)
    manifest: Optional[Manifest] = None
    # How findings name the manifest (relative to the report's root), and where a
    # new one would be created.
    manifest_display: str = "privacy.toml"
    # The run checks the whole project (the folder of the manifest or config), not
    # just some of its files: only then can "declared but never collected" be told.
    whole_project: bool = True
    # When it does not: the joining facts of the project's other files, from the
    # cache of an earlier run (see ``resolve_collection``).
    context_facts: list[Fact] = field(default_factory=list)

    @cached_property
    def collected(self) -> list[Fact]:
        return resolve_collection(self.facts, self.context_facts)

    @cached_property
    def manifest_rules(self) -> Rules:
        return Rules.from_catalog(self.catalog)

    def label(self, category: str) -> str:
        label = self.catalog.get(f"categories.{category}.label")
        return label if isinstance(label, str) else category

    def sensitivity(self, category: str) -> str:
        value = self.catalog.get(f"categories.{category}.sensitivity")
        return value if isinstance(value, str) else "personal"


# -- helpers of other modules ------------------------------------------------------------


def helper_sink_detail(
    function: str, rule_id: str, phrase: str, reaching: Iterable[str], parameters: Iterable[str]
) -> str:
    """The detail of a ``helper-sink`` fact: the function, the rule whose sink it
    reaches, how that rule says what the sink does ("written to the log"), the
    parameters that reach it (positions, or ``**`` for extra keywords) and the names
    of all its positional parameters (to place keyword arguments)."""
    return _SEP.join((function, rule_id, phrase, " ".join(reaching), " ".join(parameters)))


def helper_call_detail(
    qualified: str, slot: str, description: str, verb: str, categories: Iterable[str]
) -> str:
    """The detail of a ``helper-call`` fact: the qualified name called, the argument
    (its position, or ``=keyword``), what it carries in words and the categories."""
    return _SEP.join((qualified, slot, description, verb, " ".join(categories)))


def binding_detail(name: str, qualified: str) -> str:
    """The detail of a ``binding`` fact: a module-level name (``get_store()`` for a
    factory function) and the library object it is (``redis.Redis()``)."""
    return f"{name}{_SEP}{qualified}"


def _imported_objects(facts: Iterable[Fact]) -> Iterable[tuple[Fact, str, str, str]]:
    """For each ``helper-call`` fact that calls a method of an imported name
    (``app.clients.mp.track``, ``.clients.get_store().set``) and each ``class-use``
    fact (``app.schemas.Booking``): the fact, the imported name as written
    (``app.clients.mp``, ``.clients.get_store()``, ``app.schemas.Booking``), its
    module and its name in that module (``mp``, ``get_store()``, ``Booking``)."""
    for fact in facts:
        if fact.kind == CLASS_USE:
            imported = fact.detail
        elif fact.kind == HELPER_CALL:
            qualified = fact.detail.split(_SEP, 1)[0]
            head, called, _ = qualified.partition("()")
            # What a function returns (`get_store()`), else the object (`app.clients.mp`).
            imported = head + called if called else qualified.rpartition(".")[0]
        else:
            continue
        plain = imported[:-2] if imported.endswith("()") else imported
        module, _, name = plain.rpartition(".")
        if not name or not module.strip(".") or "(" in plain:
            continue
        yield fact, imported, module, name + imported[len(plain) :]


def binding_targets(facts: Iterable[Fact]) -> dict[tuple[str, ...], set[str]]:
    """The modules (as path components) and names of the imported objects whose
    methods the facts' calls pass personal data to: a deferred file at such a path
    that binds such a name is needed (``privalint.runner.binds``). Classes are left
    out: one whose fields name personal data is never deferred."""
    targets: dict[tuple[str, ...], set[str]] = {}
    for fact, _, module, name in _imported_objects(facts):
        if fact.kind == HELPER_CALL:
            parts = tuple(_module_parts(module, fact.path))
            targets.setdefault(parts, set()).add(name.rstrip("()"))
    return targets


def resolve_seeds(
    facts: Iterable[Fact],
    context: Iterable[Fact] = (),
    settings_objects: Sequence[str] = (),
) -> dict[str, dict[str, str]]:
    """Per calling file, the imported names whose methods it passes personal data to
    that another module of the project binds to a library object (its ``binding``
    facts, from the checked files or ``context``): ``{"app/views.py":
    {"app.clients.mp": "mixpanel.Mixpanel()"}}``."""
    facts = list(facts)
    bindings: dict[str, list[tuple[str, str]]] = {}
    for fact in (*facts, *context):
        if fact.kind == BINDING:
            name, _, qualified = fact.detail.partition(_SEP)
            if qualified:
                bindings.setdefault(name, []).append((fact.path, qualified))
    if not bindings:
        return {}
    out: dict[str, dict[str, str]] = {}
    for fact, imported, module, name in _imported_objects(facts):
        wanted = _module_parts(module, fact.path)
        for path, qualified in bindings.get(name, ()):
            if path != fact.path and module_is(path, wanted):
                out.setdefault(fact.path, {})[imported] = qualified
                break
    for fact in facts:
        if fact.kind == CONSTANT_USE:
            found = _constant(fact, bindings, settings_objects)
            if found is not None:
                out.setdefault(fact.path, {})[fact.detail] = found
    return out


def _constant(
    fact: Fact,
    bindings: dict[str, list[tuple[str, str]]],
    settings_objects: Sequence[str],
) -> Optional[str]:
    """The literal of the constant a ``constant-use`` fact reads, from the ``binding``
    facts of the module it names (``app.settings.API_URL``, ``app.config.settings.
    api_url`` for a field of the instance made there), or of a settings module of the
    project for a framework's settings object (``django.conf.settings.API_URL``)."""
    qualified = fact.detail
    for head in settings_objects:
        if qualified.startswith(head + "."):
            name = qualified[len(head) + 1 :]
            for path, value in bindings.get(name, ()):
                if value.startswith(CONSTANT) and "settings" in path_parts(path)[-2:]:
                    return value
            return None
    parts = qualified.split(".")
    for cut in (1, 2):
        if len(parts) <= cut:
            break
        module, name = ".".join(parts[:-cut]), ".".join(parts[-cut:])
        wanted = _module_parts(module, fact.path)
        for path, value in bindings.get(name, ()):
            if value.startswith(CONSTANT) and path != fact.path and module_is(path, wanted):
                return value
    return None


@dataclass(frozen=True)
class HelperFlow:
    """Personal data passed to a function of another module that hands it to a sink."""

    call: Fact
    sink: Fact
    rule_id: str
    phrase: str
    function: str
    description: str
    verb: str
    categories: tuple[str, ...]


def resolve_helper_calls(facts: Iterable[Fact], context: Iterable[Fact] = ()) -> list[HelperFlow]:
    """Calls of the checked files that pass personal data to a parameter that a
    function of the project (a checked file, or one in ``context``) hands to a sink.

    A call names its function as imported: absolutely (``app.logutil.trace``, found
    in a file whose path ends with ``app/logutil.py`` or ``app/logutil/__init__.py``)
    or relatively (``.logutil.trace``, resolved from the calling file's folder).
    """
    facts = list(facts)
    sinks: dict[str, list[tuple[Fact, list[str]]]] = {}
    for fact in (*facts, *(f for f in context if f.kind == HELPER_SINK)):
        if fact.kind == HELPER_SINK:
            parts = fact.detail.split(_SEP)
            if len(parts) == 5:
                sinks.setdefault(parts[0], []).append((fact, parts))
    if not sinks:
        return []
    out: list[HelperFlow] = []
    seen: set[tuple[str, int, int, str]] = set()
    for fact in facts:
        if fact.kind != HELPER_CALL:
            continue
        parts = fact.detail.split(_SEP)
        if len(parts) != 5:
            continue
        qualified, slot, description, verb, categories = parts
        module, _, function = qualified.rpartition(".")
        candidates = sinks.get(function)
        if not candidates or not module.strip("."):
            continue
        wanted = _module_parts(module, fact.path)
        for sink, (_, rule_id, phrase, reaching, parameters) in candidates:
            if not module_is(sink.path, wanted) or not _reaches(slot, reaching, parameters):
                continue
            key = (fact.path, fact.line, fact.column, rule_id)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                HelperFlow(
                    fact,
                    sink,
                    rule_id,
                    phrase,
                    function,
                    description,
                    verb,
                    tuple(categories.split()),
                )
            )
    return out


def path_parts(path: str) -> list[str]:
    """A file's path as module path components (`app/logutil.py` is `app`,
    `logutil`; a package's `__init__.py` is the package)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if parts and parts[-1].endswith((".py", ".pyi")):
        parts[-1] = parts[-1].rsplit(".", 1)[0]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return parts


def _module_parts(module: str, caller: str) -> list[str]:
    """The path components a module's file ends with: ``app.logutil`` gives
    ``["app", "logutil"]``; ``..common.log`` from ``app/views/x.py`` gives
    ``["app", "common", "log"]``."""
    dots = len(module) - len(module.lstrip("."))
    names = [n for n in module[dots:].split(".") if n]
    if not dots:
        return names
    folder = [p for p in caller.replace("\\", "/").split("/") if p not in ("", ".")][:-1]
    if dots > 1:
        folder = folder[: max(0, len(folder) - (dots - 1))]
    return folder + names


def module_is(path: str, wanted: list[str]) -> bool:
    """Whether the file ``path`` is the module whose path ends with ``wanted``."""
    parts = path_parts(path)
    return bool(wanted) and len(parts) >= len(wanted) and parts[-len(wanted) :] == wanted


def _reaches(slot: str, reaching: str, parameters: str) -> bool:
    """Whether the argument ``slot`` of a call lands on a parameter that reaches the
    sink."""
    reached = set(reaching.split())
    if slot.startswith("="):
        names = parameters.split()
        keyword = slot[1:]
        if keyword in names:
            return str(names.index(keyword)) in reached
        return EXTRA in reached
    return slot in reached


def project_finding(
    rule: Any,
    path: str,
    line: int,
    message: str,
    severity: Severity,
    categories: Sequence[str] = (),
    column: int = 1,
    identity: str = "",
    suppressed: Iterable[str] = (),
) -> Finding:
    """A finding of a project rule. Its fingerprint depends on the rule, the file and
    ``identity`` (what is reported), never on the line."""
    silenced = set(suppressed)
    material = "\x1f".join((rule.id, path, identity or message))
    return Finding(
        rule_id=rule.id,
        path=path,
        message=message,
        severity=severity,
        span=Span(line, column, line, column),
        statement_lines=(line, line),
        categories=tuple(categories),
        fingerprint=hashlib.sha256(material.encode()).hexdigest()[:16],
        suppressed=rule.id in silenced or "*" in silenced,
    )


def numbered(findings: list[Finding]) -> list[Finding]:
    """Give identical findings of one file distinct fingerprints (``base:0``, ``base:1``)."""
    seen: dict[str, int] = {}
    for finding in findings:
        index = seen.get(finding.fingerprint, 0)
        seen[finding.fingerprint] = index + 1
        finding.fingerprint = f"{finding.fingerprint}:{index}"
    return findings


def helper_findings(
    flows: Iterable[HelperFlow],
    rules: Iterable[Any],
    catalog: Catalog,
    severities: Optional[dict[str, Severity]] = None,
) -> list[Finding]:
    """One finding of the sink's rule (when enabled, among ``rules``) at each call
    that passes personal data to a helper of another module. Its fingerprint names
    the rule, the file, the function and the data, never the line."""
    by_id = {rule.id: rule for rule in rules}
    out: list[Finding] = []
    for flow in flows:
        rule = by_id.get(flow.rule_id)
        if rule is None:
            continue
        call = flow.call
        sink = flow.sink
        where = f"{sink.path}:{sink.line}" if sink.path != call.path else f"line {sink.line}"
        message = (
            f"{flow.description} {flow.verb} passed to `{flow.function}()` ({where}), "
            f"which {flow.phrase}"
        )
        severity = rule.severity
        if any(
            catalog.get(f"categories.{c}.sensitivity") in ("special", "credential")
            for c in flow.categories
        ):
            severity = Severity.ERROR
        if severities and rule.id in severities:
            severity = severities[rule.id]
        out.append(
            project_finding(
                rule,
                call.path,
                call.line,
                message,
                severity,
                flow.categories,
                column=call.column,
                identity=f"{flow.function}\x1f{' '.join(flow.categories)}",
                suppressed=call.suppressed,
            )
        )
    return numbered(out)
