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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from privalint.catalog import Catalog
from privalint.manifest import Manifest, Rules
from privalint.model import Fact

COLLECTED = "collected"
STORED = "stored"
LOGGED = "logged"
SENT = "sent"
MODEL_FIELD = "model-field"
REQUEST_BODY = "request-body"
MODEL_LINK = "model-link"
SCHEMA = "schema"
VALIDATED_READ = "validated-read"


def join_names(facts: Iterable[Fact]) -> frozenset[str]:
    """The classes that other files' facts could still join with: those whose fields
    are personal data or that include such a class (so a request body of theirs
    collects it), and the schemas that validated a request read. A file that names
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


# The kinds that join what different files say; a run on some files takes them from
# the cache for the project's other files (``ProjectContext.context_facts``).
JOINING = (MODEL_FIELD, REQUEST_BODY, MODEL_LINK, SCHEMA)


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
