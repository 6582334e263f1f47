"""``privalint inventory``: the project's data map, built from facts (no re-parsing).

For every category of personal data: where the code collects it, where it is stored
(and whether encrypted), where it is logged or sent, and whether the privacy manifest
declares it. Rendered as a table, JSON, or Markdown that opens with a Mermaid
flowchart (categories from where they are collected to where they end up), which
GitHub and GitLab draw inline. ``--write`` adds the undeclared categories to the
manifest as TODO entries.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from privalint import manifest as manifest_module
from privalint.api import CheckOptions, collect_facts, project_context
from privalint.model import Fact
from privalint.output.sources import json_text, safe
from privalint.project import LOGGED, SENT, STORED, ProjectContext

FORMATS = ("table", "json", "markdown")


@dataclass(frozen=True)
class Place:
    """One place in the code that does something with a category."""

    path: str
    line: int
    detail: str
    encrypted: Optional[bool] = None

    def as_dict(self, with_encryption: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "line": self.line, "detail": self.detail}
        if with_encryption:
            out["encrypted"] = self.encrypted
        return out

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class CategoryUse:
    """What the project does with one category."""

    category: str
    label: str
    sensitivity: str
    declared: bool
    purpose: Optional[str] = None
    basis: Optional[str] = None
    retention: Optional[str] = None
    special_condition: Optional[str] = None
    collected: list[Place] = field(default_factory=list)
    stored: list[Place] = field(default_factory=list)
    logged: list[Place] = field(default_factory=list)
    sent: list[Place] = field(default_factory=list)

    @property
    def undeclared(self) -> bool:
        """Collected but not declared: what ``--write`` adds to the manifest."""
        return bool(self.collected) and not self.declared


@dataclass
class Inventory:
    manifest: Optional[str]
    categories: list[CategoryUse]
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def undeclared(self) -> list[CategoryUse]:
        return [c for c in self.categories if c.undeclared]


def _places(facts: Iterable[Fact]) -> list[Place]:
    seen: set[tuple[str, int, str]] = set()
    out: list[Place] = []
    for fact in sorted(facts, key=lambda f: (f.path, f.line, f.column, f.detail)):
        key = (fact.path, fact.line, fact.detail)
        if key not in seen:
            seen.add(key)
            out.append(Place(fact.path, fact.line, fact.detail, fact.encrypted))
    return out


def build(project: ProjectContext) -> Inventory:
    """The inventory of a checked project."""
    by_kind: dict[str, dict[str, list[Fact]]] = {}
    for fact in project.collected:
        by_kind.setdefault("collected", {}).setdefault(fact.category, []).append(fact)
    for fact in project.facts:
        if fact.kind in (STORED, LOGGED, SENT) and fact.category:
            by_kind.setdefault(fact.kind, {}).setdefault(fact.category, []).append(fact)
    manifest = project.manifest
    used = {c for facts in by_kind.values() for c in facts}
    declared = {c for c, e in manifest.entries.items() if e.known} if manifest else set()
    taxonomy = project.catalog.get("categories", {})
    order = {c: i for i, c in enumerate(taxonomy)}
    wanted = sorted(used | declared, key=lambda c: (order.get(c, len(order)), c))
    categories: list[CategoryUse] = []
    for category in wanted:
        entry = manifest.entries.get(category) if manifest else None
        use = CategoryUse(
            category=category,
            label=project.label(category),
            sensitivity=project.sensitivity(category),
            declared=manifest is not None and manifest.declares(category),
        )
        if entry is not None:
            use.purpose = entry.purpose
            use.basis = entry.basis
            use.retention = entry.retention
            use.special_condition = entry.special_condition
        use.collected = _places(by_kind.get("collected", {}).get(category, ()))
        use.stored = _places(by_kind.get(STORED, {}).get(category, ()))
        use.logged = _places(by_kind.get(LOGGED, {}).get(category, ()))
        use.sent = _places(by_kind.get(SENT, {}).get(category, ()))
        categories.append(use)
    return Inventory(
        manifest=project.manifest_display if manifest is not None else None,
        categories=categories,
        problems=[(p.line, p.message) for p in manifest.problems] if manifest else [],
    )


@dataclass
class InventoryRun:
    inventory: Inventory
    project: ProjectContext
    errors: list[str]
    manifest_path: Path


def run_inventory(options: CheckOptions) -> InventoryRun:
    """Check the files for facts only and build the inventory."""
    files = collect_facts(options)
    project = project_context(
        files.config, files.catalog, files.results, files.srcroot, options.paths
    )
    where = (
        project.manifest.path
        if project.manifest is not None
        else manifest_module.default_path(files.config, options.paths)
    )
    return InventoryRun(build(project), project, files.errors, where)


# -- writing the manifest ------------------------------------------------------------------


def write_manifest(run: InventoryRun) -> list[str]:
    """Append a TODO entry for every undeclared category; the categories added."""
    missing = run.inventory.undeclared
    if not missing:
        return []
    rules = run.project.manifest_rules
    entries = [
        manifest_module.entry_text(
            use.category,
            use.label,
            rules.is_special(use.category),
            (p.where for p in use.collected),
            rules,
        )
        for use in missing
    ]
    text = manifest_module.add_entries(run.manifest_path, entries)
    # Write beside it and rename, so a failed write never leaves half a manifest.
    partial = run.manifest_path.with_name(run.manifest_path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        if run.manifest_path.exists():
            shutil.copymode(run.manifest_path, partial)
        os.replace(partial, run.manifest_path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise manifest_module.ManifestError(
            f"{run.manifest_path}: cannot write the manifest: {error.strerror or error}"
        ) from None
    return [use.category for use in missing]


# -- rendering -----------------------------------------------------------------------------


def to_json(inventory: Inventory) -> str:
    data = {
        "schema_version": 1,
        "manifest": inventory.manifest,
        "manifest_problems": [{"line": line, "message": m} for line, m in inventory.problems],
        "categories": [
            {
                "category": use.category,
                "label": use.label,
                "sensitivity": use.sensitivity,
                "declared": use.declared,
                "purpose": use.purpose,
                "basis": use.basis,
                "retention": use.retention,
                "special_condition": use.special_condition,
                "collected": [p.as_dict() for p in use.collected],
                "stored": [p.as_dict(with_encryption=True) for p in use.stored],
                "logged": [p.as_dict() for p in use.logged],
                "sent": [p.as_dict() for p in use.sent],
            }
            for use in inventory.categories
        ],
        "undeclared": [use.category for use in inventory.undeclared],
    }
    return json_text(data)


def _status(use: CategoryUse) -> str:
    if use.declared:
        return "declared"
    return "NOT DECLARED" if use.collected else "not declared"


def _encryption(place: Place, template: str) -> str:
    """``template`` filled with "encrypted" or "not encrypted", or "" when unknown."""
    if place.encrypted is None:
        return ""
    return template.format("encrypted" if place.encrypted else "not encrypted")


def _short(places: Sequence[Place], limit: int = 3) -> str:
    if not places:
        return "-"
    text = ", ".join(p.where for p in places[:limit])
    if len(places) > limit:
        text += f" (+{len(places) - limit} more)"
    return text


def _stored_text(places: Sequence[Place], limit: int = 3) -> str:
    if not places:
        return "-"
    parts = []
    for p in places[:limit]:
        state = "" if p.encrypted is None else (" (encrypted)" if p.encrypted else " (plain)")
        parts.append(f"{p.where}{state}")
    text = ", ".join(parts)
    if len(places) > limit:
        text += f" (+{len(places) - limit} more)"
    return text


def render_table(inventory: Inventory, width: Optional[int] = None, color: bool = False) -> str:
    """A terminal table (rich), one row per category."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(text: str, style: str = "") -> Text:
        # Paths and code come from the scanned project: never markup, never raw controls.
        return Text(safe(text), style=style)

    table = Table(show_lines=True)
    for column in ("category", "manifest", "collected", "stored", "logged", "sent"):
        table.add_column(column, overflow="fold")
    for use in inventory.categories:
        table.add_row(
            Text(f"{use.category}\n({use.sensitivity})")
            if use.sensitivity != "personal"
            else Text(use.category),
            cell(_status(use), "bold red" if use.undeclared and color else ""),
            cell(_short(use.collected)),
            cell(_stored_text(use.stored)),
            cell(_short(use.logged)),
            cell(_short([Place(p.path, p.line, p.detail) for p in use.sent])),
        )
    console = Console(
        record=True,
        width=width or 160,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        markup=color,
    )
    with console.capture() as capture:
        if inventory.categories:
            console.print(table)
        else:
            console.print("No personal data found.")
        source = inventory.manifest or "no privacy manifest"
        console.print(
            cell(
                f"{len(inventory.categories)} categories; {len(inventory.undeclared)} collected "
                f"but not declared ({source})."
            )
        )
        for line, message in inventory.problems:
            console.print(cell(f"{inventory.manifest}:{line}: {message}"))
    return capture.get()


def _mermaid_label(text: str) -> str:
    return '"' + safe(text).replace('"', "#quot;") + '"'


def mermaid(inventory: Inventory) -> str:
    """A flowchart: where each category is collected -> the category -> where it is
    stored, logged or sent. Undeclared categories are highlighted."""
    groups: dict[str, list[str]] = {"sources": [], "data": [], "sinks": []}
    ids: dict[tuple[str, str], str] = {}

    def node(group: str, key: str, label: str, shape: tuple[str, str]) -> str:
        if (group, key) not in ids:
            ident = f"n{len(ids)}"
            ids[(group, key)] = ident
            groups[group].append(f"    {ident}{shape[0]}{_mermaid_label(label)}{shape[1]}")
        return ids[(group, key)]

    edges: list[str] = []
    seen_edges: set[str] = set()

    def edge(source: str, target: str, label: str = "") -> None:
        text = (
            f"  {source} -->|{_mermaid_label(label)}| {target}"
            if label
            else f"  {source} --> {target}"
        )
        if text not in seen_edges:
            seen_edges.add(text)
            edges.append(text)

    undeclared: list[str] = []
    for use in inventory.categories:
        label = use.label if use.sensitivity == "personal" else f"{use.label} ({use.sensitivity})"
        category = node("data", use.category, label, ("([", "])"))
        if use.undeclared:
            undeclared.append(category)
        for place in use.collected:
            edge(node("sources", place.path, place.path, ("[", "]")), category)
        stored: dict[str, bool] = {}
        for place in use.stored:
            stored[place.path] = stored.get(place.path, False) or place.encrypted is False
        for path, plain in stored.items():
            target = node("sinks", f"stored {path}", f"stored: {path}", ("[(", ")]"))
            edge(category, target, "not encrypted" if plain else "")
        if use.logged:
            edge(category, node("sinks", "logs", "logs and output", ("[/", "/]")))
        for place in use.sent:
            edge(
                category,
                node("sinks", f"sent {place.detail}", f"sent to {place.detail}", ("{{", "}}")),
            )
    titles = {"sources": "Collected in", "data": "Personal data", "sinks": "Stored, logged or sent"}
    lines = ["flowchart LR"]
    for group, declarations in groups.items():
        if declarations:
            lines.append(f"  subgraph {group}[{_mermaid_label(titles[group])}]")
            lines.extend(declarations)
            lines.append("  end")
    lines.extend(edges)
    lines.append("  classDef undeclared fill:#fde2e1,stroke:#c0392b,stroke-width:2px,color:#7b241c")
    if undeclared:
        lines.append(f"  class {','.join(undeclared)} undeclared")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return safe(text).replace("|", "\\|")


def to_markdown(inventory: Inventory) -> str:
    """A report for reviewers: the data map as a Mermaid flowchart, then tables."""
    out = ["# Personal data inventory", ""]
    source = f"`{inventory.manifest}`" if inventory.manifest else "no privacy manifest"
    count = len(inventory.categories)
    out.append(
        f"{count} categor{'y' if count == 1 else 'ies'} of personal data, "
        f"{len(inventory.undeclared)} collected but not declared ({source}). "
        "Undeclared categories are highlighted in the map."
    )
    out += ["", "```mermaid", mermaid(inventory), "```", ""]
    out += [
        "| category | sensitivity | manifest | purpose | basis | collected | stored | logged | sent |",
        "|---|---|---|---|---|---:|---:|---:|---:|",
    ]
    for use in inventory.categories:
        status = "declared" if use.declared else ("**not declared**" if use.collected else "-")
        out.append(
            f"| `{use.category}` | {use.sensitivity} | {status} | {_cell(use.purpose or '')} | "
            f"{_cell(use.basis or '')} | {len(use.collected)} | {len(use.stored)} | "
            f"{len(use.logged)} | {len(use.sent)} |"
        )
    for use in inventory.categories:
        out += ["", f"## {use.label} (`{use.category}`)", ""]
        if use.declared:
            out.append(
                f"Declared: {_cell(use.purpose or '(no purpose)')}; basis: {use.basis or '-'}."
            )
        else:
            out.append(
                "**Not declared in the privacy manifest.**" if use.collected else "Not declared."
            )
        rows = [
            *(("collected", p, p.detail) for p in use.collected),
            *(("stored", p, f"{p.detail}{_encryption(p, ' ({})')}") for p in use.stored),
            *(("logged", p, p.detail) for p in use.logged),
            *(("sent", p, p.detail) for p in use.sent),
        ]
        if rows:
            out += ["", "| | where | what |", "|---|---|---|"]
            out += [f"| {kind} | `{_cell(p.where)}` | {_cell(what)} |" for kind, p, what in rows]
    if inventory.problems:
        out += ["", "## Manifest problems", ""]
        out += [f"- `{inventory.manifest}:{line}`: {_cell(m)}" for line, m in inventory.problems]
    # Anything from the scanned project that reached the text shows escaped.
    return "\n".join(safe(line) for line in "\n".join(out).split("\n")) + "\n"


def render(inventory: Inventory, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        return to_json(inventory)
    if fmt == "markdown":
        return to_markdown(inventory)
    return render_table(inventory, color=color)
