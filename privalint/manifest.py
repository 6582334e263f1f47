"""The privacy manifest, ``privacy.toml``: read it, validate it, add entries to it.

The manifest declares which categories of personal data a project collects, why and
on what legal basis::

    [data.email]
    purpose = "Sign-in and receipts"
    basis = "contract"
    retention = "until account deletion"

    [data.health]
    purpose = "Dietary requirements for event catering"
    basis = "consent"
    special-condition = "explicit-consent"   # special categories (GDPR Art. 9)

It sits beside the project's config file (or at the checked folder); the ``manifest``
config key names another path. Problems with its content (an unknown category, a
missing purpose or basis) are reported as findings on their line, so the rest of the
manifest still counts; a file that is not valid TOML is an error.

Entries are only ever *added*: :func:`add_entries` appends text to the file, so
existing entries, comments and formatting survive byte for byte.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from privalint.catalog import Catalog
from privalint.config import Config, ConfigError, suggest, toml_error_line
from privalint.personal import KEY, Classifier

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

MANIFEST_NAME = "privacy.toml"
TODO = "TODO"


class ManifestError(ConfigError):
    """The manifest cannot be read or is not valid TOML (exit code 2)."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with the manifest's content, on one line."""

    line: int
    message: str
    category: str = ""


@dataclass
class Entry:
    """One ``[data.<category>]`` declaration."""

    category: str
    line: int
    purpose: Optional[str] = None
    basis: Optional[str] = None
    retention: Optional[str] = None
    special_condition: Optional[str] = None
    known: bool = True


@dataclass
class Manifest:
    """A parsed manifest: its declarations and what is wrong with them."""

    path: Path
    text: str
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def declares(self, category: str) -> bool:
        entry = self.entries.get(category)
        return entry is not None and entry.known


@dataclass(frozen=True)
class Rules:
    """What a valid manifest looks like (from the catalog)."""

    categories: Mapping[str, str]  # id -> sensitivity
    bases: tuple[str, ...]
    special_conditions: tuple[str, ...]
    keys: tuple[str, ...]
    classifier: Optional[Classifier] = None

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Rules:
        raw = catalog.get("categories", {})
        categories = {
            cid: str(table.get("sensitivity", "personal"))
            for cid, table in (raw.items() if isinstance(raw, Mapping) else ())
            if isinstance(table, Mapping)
        }
        return cls(
            categories=categories,
            bases=tuple(catalog.strings("manifest.bases")),
            special_conditions=tuple(catalog.strings("manifest.special-conditions")),
            keys=tuple(catalog.strings("manifest.keys")),
            classifier=Classifier(catalog.data),
        )

    def is_special(self, category: str) -> bool:
        return self.categories.get(category) == "special"

    def suggest_category(self, name: str) -> str:
        """`` (did you mean 'phone'?)`` for ``phone-number``, ``mobile`` or ``fone``."""
        close = suggest(name, self.categories)
        if close or self.classifier is None:
            return close
        meant = self.classifier.classify(name, "", KEY)
        return f" (did you mean {meant!r}?)" if meant else ""


# -- finding the manifest ---------------------------------------------------------------


def locate(config: Config, paths: Sequence[Path]) -> Optional[Path]:
    """The manifest of a run: the ``manifest`` config key, else ``privacy.toml`` beside
    the config file (the project root), else in the first checked folder."""
    if config.manifest is not None:
        if not config.manifest.is_file():
            raise ManifestError(
                f"{config.where('manifest')}: the manifest {config.manifest} does not exist"
            )
        return config.manifest
    for folder in candidate_folders(config, paths):
        candidate = folder / MANIFEST_NAME
        if candidate.is_file():
            return candidate
    return None


def candidate_folders(config: Config, paths: Sequence[Path]) -> list[Path]:
    """Where a manifest is looked for, in order; the first is where one is created:
    the project root (the config file's folder), the checked folder and, without a
    config file, the folders above it up to the root of its git work tree."""
    folders = [config.root.resolve()]
    if paths:
        first = paths[0].absolute()
        folder = (first if first.is_dir() else first.parent).resolve()
        above = [folder, *folder.parents]
        top = next((i for i, f in enumerate(above) if (f / ".git").exists()), None)
        reach = above[: top + 1] if config.path is None and top is not None else above[:1]
        folders.extend(f for f in reach if f not in folders)
    return folders


def default_path(config: Config, paths: Sequence[Path]) -> Path:
    """Where a new manifest goes."""
    if config.manifest is not None:
        return config.manifest
    return candidate_folders(config, paths)[0] / MANIFEST_NAME


# -- reading ------------------------------------------------------------------------------


def read(path: Path, rules: Rules) -> Manifest:
    """Read and validate a manifest; raises ManifestError when it is not valid TOML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ManifestError(
            f"{path}: cannot read the manifest: {error.strerror or error}"
        ) from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: the manifest is not UTF-8 text") from None
    return parse(text, path, rules)


def parse(text: str, path: Path, rules: Rules) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = toml_error_line(error, text)
        raise ManifestError(f"{path}:{line}: the manifest is not valid TOML: {error}") from None
    manifest = Manifest(path=path, text=text)
    lines = _Lines(text)
    _validate(data, lines, rules, manifest)
    return manifest


def _validate(data: Mapping[str, Any], lines: _Lines, rules: Rules, manifest: Manifest) -> None:
    problems = manifest.problems
    declared = data.get("data")
    if declared is None:
        if data:
            close = suggest("data", data)
            if close:
                first = next(iter(data))
                problems.append(
                    Problem(
                        lines.of(first),
                        f"unknown table `{first}`{close}: categories are declared as "
                        "`[data.<category>]`",
                    )
                )
        return
    if not isinstance(declared, Mapping):
        problems.append(
            Problem(lines.of("data"), "`data` must be a table of `[data.<category>]` entries")
        )
        return
    valid = sorted(rules.categories)
    for category, table in declared.items():
        line = lines.of("data", category)
        known = category in rules.categories
        entry = Entry(category=category, line=line, known=known)
        if not known:
            problems.append(
                Problem(
                    line,
                    f"unknown data category `{category}`{rules.suggest_category(category)}; "
                    f"valid: {', '.join(valid)}",
                    category,
                )
            )
        manifest.entries[category] = entry
        if not isinstance(table, Mapping):
            problems.append(
                Problem(
                    line,
                    f"`data.{category}` must be a table with `purpose` and `basis`",
                    category,
                )
            )
            continue
        entry.purpose = _text(table, "purpose", category, lines, problems)
        entry.basis = _text(table, "basis", category, lines, problems)
        entry.retention = _text(table, "retention", category, lines, problems)
        entry.special_condition = _text(table, "special-condition", category, lines, problems)
        if not known:
            continue
        _check_entry(entry, table, lines, rules, problems)


def _check_entry(
    entry: Entry,
    table: Mapping[str, Any],
    lines: _Lines,
    rules: Rules,
    problems: list[Problem],
) -> None:
    category = entry.category
    header = f"`[data.{category}]`"
    if entry.purpose is None and "purpose" not in table:
        problems.append(
            Problem(entry.line, f"{header} has no `purpose`: say why it is collected", category)
        )
    elif entry.purpose is not None and _is_todo(entry.purpose):
        problems.append(
            Problem(
                lines.of("data", category, "purpose"),
                f"the purpose of `{category}` is still a TODO",
                category,
            )
        )
    bases = ", ".join(rules.bases)
    if entry.basis is None and "basis" not in table:
        problems.append(
            Problem(entry.line, f"{header} has no legal `basis` (one of: {bases})", category)
        )
    elif entry.basis is not None and entry.basis not in rules.bases:
        line = lines.of("data", category, "basis")
        if _is_todo(entry.basis):
            message = f"the legal basis of `{category}` is still a TODO (one of: {bases})"
        else:
            message = (
                f"`basis = {entry.basis!r}` is not a legal basis of GDPR Art. 6"
                f"{suggest(entry.basis, rules.bases)}; valid: {bases}"
            )
        problems.append(Problem(line, message, category))
    condition = entry.special_condition
    if condition is not None and condition not in rules.special_conditions:
        line = lines.of("data", category, "special-condition")
        conditions = ", ".join(rules.special_conditions)
        if _is_todo(condition):
            message = (
                f"the special-condition of `{category}` is still a TODO (one of: {conditions})"
            )
        else:
            message = (
                f"`special-condition = {condition!r}` is not a condition of GDPR Art. 9(2) "
                f"or Art. 10{suggest(condition, rules.special_conditions)}; valid: {conditions}"
            )
        problems.append(Problem(line, message, category))
    for key in table:
        if key in rules.keys:
            continue
        close = suggest(key, rules.keys)
        if close:
            problems.append(
                Problem(
                    lines.of("data", category, key),
                    f"unknown key `{key}` in {header}{close}",
                    category,
                )
            )


def _text(
    table: Mapping[str, Any],
    key: str,
    category: str,
    lines: _Lines,
    problems: list[Problem],
) -> Optional[str]:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(
            Problem(
                lines.of("data", category, key),
                f"`{key}` of `[data.{category}]` must be a string",
                category,
            )
        )
        return None
    return value.strip()


def _is_todo(value: str) -> bool:
    return not value.strip() or value.strip().upper().startswith(TODO)


class _Lines:
    """Line numbers of tables and keys (tomllib does not keep them)."""

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
    _KEY = re.compile(
        r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
    )

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_string: Optional[str] = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = self._HEADER.match(line)
            if header:
                table = _split_key(header.group(1))
                self._lines.setdefault(table, number)
                continue
            key = self._KEY.match(line)
            if key:
                parts = _split_key(key.group(1))
                for end in range(1, len(parts) + 1):
                    self._lines.setdefault(table + parts[:end], number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
                    break

    def of(self, *path: str) -> int:
        """The line of ``path`` (or of its nearest enclosing table), else 1."""
        while path:
            line = self._lines.get(tuple(path))
            if line is not None:
                return line
            path = path[:-1]
        return 1


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', text)
    return tuple(next(p for p in groups if p) if any(groups) else "" for groups in parts)


# -- writing --------------------------------------------------------------------------------


HEADER = """\
# Privacy manifest: the personal data this project collects, why, and on what legal
# basis. Keys are privalint's data categories; `privalint inventory` shows where each
# one is collected, stored, logged and sent. `privalint check` reports personal data
# that is collected but not declared here.
"""


def entry_text(
    category: str, label: str, special: bool, places: Iterable[str], rules: Rules
) -> str:
    """A TODO entry for ``category``, to be completed by a person."""
    places = list(places)
    lines = ["", f"[data.{category}]"]
    if places:
        shown = ", ".join(places[:3])
        more = f" and {len(places) - 3} more" if len(places) > 3 else ""
        lines.append(f"# Collected at {shown}{more}.")
    lines.append(f'purpose = "TODO: why the {label} is collected"')
    lines.append(f'basis = "TODO: one of {", ".join(rules.bases)}"')
    lines.append('retention = "TODO: how long it is kept"')
    if special:
        lines.append(
            'special-condition = "TODO: the GDPR Art. 9(2) condition, e.g. explicit-consent"'
        )
    return "\n".join(lines) + "\n"


def add_entries(path: Path, entries: Sequence[str]) -> str:
    """The manifest's text with ``entries`` (from :func:`entry_text`) appended; the
    existing text is kept as it is. Raises ManifestError if the result would not be
    valid TOML (a manifest whose layout cannot take new tables)."""
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: cannot read the manifest: {error}") from None
    text = HEADER if existing is None else existing
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(entries)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(
            f"{path}: cannot add entries to this manifest ({error}); add them by hand"
        ) from None
    return text
