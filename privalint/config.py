"""Configuration: ``[tool.privalint]`` in ``pyproject.toml``, or ``privalint.toml``.

The nearest file walking up from the checked path wins (``privalint.toml`` before
``pyproject.toml`` in the same folder; a ``pyproject.toml`` without a
``[tool.privalint]`` table is passed over). ``--config FILE`` names one directly.
Every key is validated: a mistake is a :class:`ConfigError` that names the file, the
line, the key and what would be valid.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from privalint.model import Family, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

CONFIG_NAMES = ("privalint.toml", ".privalint.toml", "pyproject.toml")
DEFAULT_EXCLUDE = (
    ".*",
    "__pycache__",
    "node_modules",
    "site-packages",
    "dist-packages",
    "build",
    "dist",
    "venv",
    "*.egg-info",
    "__pypackages__",
    "_build",
    "buck-out",
    # Test code: synthetic people and local test servers, not production data flows.
    "tests",
    "test",
    "test_*.py",
    "*_test.py",
    "conftest.py",
)

# key -> (expected type description, checker)
_KEYS = {
    "select": "a list of rule ids, names, families or id prefixes",
    "ignore": "a list of rule ids, names, families or id prefixes",
    "extend-select": "a list of rule ids, names, families or id prefixes",
    "exclude": "a list of glob patterns",
    "extend-exclude": "a list of glob patterns",
    "per-file-ignores": "a table of glob pattern = list of rule selectors",
    "severity": 'a table of rule id = "error" | "warning" | "note"',
    "personal-data": "a table (categories, ignore, sanitizers)",
    "catalog": "a table merged into the bundled catalog",
    "manifest": "a path to the privacy manifest (privacy.toml)",
    "timeout": "seconds one file may take (a number > 0)",
    "max-file-size": "largest file to check, in bytes (an integer > 0)",
    "max-memory": "memory one worker process may add, in MiB (an integer >= 0; 0: no limit)",
    "fail-on": '"error", "warning" or "note"',
    "cache-dir": "a folder path for the result cache",
}
_PERSONAL_KEYS = {
    "categories": "a table of category id = {include, ambiguous, qualifiers, exclude}",
    "ignore": "a list of identifiers that are never personal data",
    "sanitizers": "a list of qualified function names whose results are safe",
    "sanitizer-words": "a list of words that mark a function as a sanitizer",
    "person-words": "a list of words that name a person (customer, patient, ...)",
}
_CATEGORY_KEYS = (
    "label",
    "sensitivity",
    "include",
    "ambiguous",
    "qualifiers",
    "exclude",
    "examples",
    "context-imports",
    "person-qualifies",
)


class ConfigError(Exception):
    """A configuration mistake; the message is one line for people."""


def suggest(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``value`` is close to one of ``choices``."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _line_of(text: str, key: str) -> Optional[int]:
    pattern = re.compile(r'^[ \t]*(?:"|\')?' + re.escape(key) + r'(?:"|\')?[ \t]*=', re.MULTILINE)
    match = pattern.search(text)
    if match is None:
        header = re.compile(r"^[ \t]*\[[^\]\n]*" + re.escape(key) + r"[^\]\n]*\]", re.MULTILINE)
        match = header.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1


@dataclass
class Config:
    """The effective configuration of one run."""

    path: Optional[Path] = None
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    catalog_extension: dict[str, Any] = field(default_factory=dict)
    manifest: Optional[Path] = None
    timeout: float = 60.0
    max_file_size: int = 5_000_000
    max_memory: int = 2048
    fail_on: Severity = Severity.NOTE
    cache_dir: Optional[Path] = None

    @property
    def excludes(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    def where(self, key: str) -> str:
        """``pyproject.toml:12`` style location of ``key`` for messages."""
        if self.path is None:
            return "command line"
        try:
            line = _line_of(self.path.read_text(encoding="utf-8"), key)
        except OSError:
            line = None
        return f"{self.path}:{line}" if line else str(self.path)

    def ignored_for(self, relative_path: str) -> tuple[str, ...]:
        """Rule selectors ignored for one file by ``per-file-ignores``."""
        out: list[str] = []
        for pattern, selectors in self.per_file_ignores.items():
            if path_matches(relative_path, pattern):
                out.extend(selectors)
        return tuple(out)


def path_matches(relative_path: str, pattern: str) -> bool:
    """Glob match against the whole relative path or any of its trailing parts."""
    pattern = pattern.rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if fnmatch.fnmatchcase(relative_path, pattern):
        return True
    parts = relative_path.split("/")
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    return any(fnmatch.fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts)))


def find_config(start: Path) -> Optional[tuple[Path, dict[str, Any]]]:
    """The nearest config file above ``start`` and its privalint table."""
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for candidate_dir in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if not candidate.is_file():
                continue
            data = _read_toml(candidate)
            if name == "pyproject.toml":
                tool = data.get("tool", {})
                if isinstance(tool, dict) and "privalint" in tool:
                    table = tool["privalint"]
                    if not isinstance(table, dict):
                        raise ConfigError(
                            f"{_at(candidate, 'privalint')}: [tool.privalint] must be a table"
                        )
                    return candidate, table
                continue
            return candidate, data
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}:{toml_error_line(error, text)}: invalid TOML: {error}") from None


def toml_error_line(error: Exception, text: str) -> int:
    """The line a TOML parse error points at ("at end of document": the last line)."""
    line = re.search(r"line (\d+)", str(error))
    if line:
        return int(line.group(1))
    return max(1, len(text.rstrip("\n").split("\n")))


def load(config_file: Optional[Path], start: Path) -> Config:
    """The configuration for a run: ``config_file`` if given, else the nearest one."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: config file not found")
        data = _read_toml(config_file)
        if config_file.name == "pyproject.toml":
            tool = data.get("tool", {})
            data = tool.get("privalint", {}) if isinstance(tool, dict) else {}
        found: Optional[tuple[Path, dict[str, Any]]] = (config_file, data)
    else:
        found = find_config(start)
    if found is None:
        return Config(root=(start if start.is_dir() else start.parent).resolve())
    path, table = found
    return from_table(table, path.resolve())


def _strings(value: Any, path: Path, key: str, line_key: str = "") -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{_at(path, line_key, dotted=False) if line_key else _at(path, key)}: `{key}` must "
            f"be {_KEYS.get(key, 'a list of strings')}"
        )
    return tuple(value)


def _at(path: Path, key: str, dotted: bool = True) -> str:
    try:
        line = _line_of(path.read_text(encoding="utf-8"), key.split(".")[-1] if dotted else key)
    except (OSError, UnicodeDecodeError):
        line = None
    return f"{path}:{line}" if line else str(path)


def from_table(table: Mapping[str, Any], path: Path) -> Config:
    """Validate a ``[tool.privalint]`` table read from ``path``."""
    config = Config(path=path, root=path.parent)
    for key in table:
        if key not in _KEYS:
            raise ConfigError(
                f"{_at(path, key)}: unknown key `{key}`{suggest(key, _KEYS)}; "
                f"valid keys: {', '.join(sorted(_KEYS))}"
            )
    if "select" in table:
        config.select = _strings(table["select"], path, "select")
    if "extend-select" in table:
        config.extend_select = _strings(table["extend-select"], path, "extend-select")
    if "ignore" in table:
        config.ignore = _strings(table["ignore"], path, "ignore")
    if "exclude" in table:
        config.exclude = _strings(table["exclude"], path, "exclude")
    if "extend-exclude" in table:
        config.extend_exclude = _strings(table["extend-exclude"], path, "extend-exclude")
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise ConfigError(
                f"{_at(path, 'per-file-ignores')}: `per-file-ignores` must be {_KEYS['per-file-ignores']}"
            )
        config.per_file_ignores = {
            pattern: _strings(selectors, path, f"per-file-ignores.{pattern}", line_key=pattern)
            for pattern, selectors in value.items()
        }
    if "severity" in table:
        value = table["severity"]
        if not isinstance(value, dict):
            raise ConfigError(f"{_at(path, 'severity')}: `severity` must be {_KEYS['severity']}")
        levels = {s.value: s for s in Severity}
        for rule_id, level in value.items():
            if level not in levels:
                raise ConfigError(
                    f"{_at(path, rule_id)}: severity.{rule_id} is {level!r}; valid: error, warning, note"
                    f"{suggest(str(level), levels)}"
                )
            config.severity[rule_id.upper()] = levels[level]
    if "personal-data" in table:
        config.catalog_extension = _personal_data(table["personal-data"], path)
    if "catalog" in table:
        value = table["catalog"]
        if not isinstance(value, dict):
            raise ConfigError(f"{_at(path, 'catalog')}: `catalog` must be a table")
        from privalint.catalog import bundled, merge

        known = bundled().data
        for section in value:
            if section not in known:
                raise ConfigError(
                    f"{_at(path, section)}: unknown catalog section `{section}`{suggest(section, known)}; "
                    f"valid: {', '.join(sorted(known))}"
                )
        _check_catalog(value, known, path, "catalog")
        config.catalog_extension = merge(config.catalog_extension, value)
    if "manifest" in table:
        value = table["manifest"]
        if not isinstance(value, str):
            raise ConfigError(f"{_at(path, 'manifest')}: `manifest` must be {_KEYS['manifest']}")
        config.manifest = (path.parent / value).resolve()
    if "timeout" in table:
        value = table["timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{_at(path, 'timeout')}: `timeout` must be {_KEYS['timeout']}")
        config.timeout = float(value)
    if "max-file-size" in table:
        value = table["max-file-size"]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(
                f"{_at(path, 'max-file-size')}: `max-file-size` must be {_KEYS['max-file-size']}"
            )
        config.max_file_size = value
    if "max-memory" in table:
        value = table["max-memory"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(
                f"{_at(path, 'max-memory')}: `max-memory` must be {_KEYS['max-memory']}"
            )
        config.max_memory = value
    if "fail-on" in table:
        value = table["fail-on"]
        levels = {s.value: s for s in Severity}
        if value not in levels:
            raise ConfigError(
                f"{_at(path, 'fail-on')}: `fail-on` is {value!r}; valid: error, warning, note"
            )
        config.fail_on = levels[value]
    if "cache-dir" in table:
        value = table["cache-dir"]
        if not isinstance(value, str):
            raise ConfigError(f"{_at(path, 'cache-dir')}: `cache-dir` must be {_KEYS['cache-dir']}")
        config.cache_dir = (path.parent / value).resolve()
    return config


def _kind(value: Any) -> str:
    """What a catalog value is, in words for messages."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        kinds = {_kind(v) for v in value}
        if kinds == {"a string"}:
            return "a list of strings"
        if kinds == {"a table"}:
            return "a list of tables"
        if kinds == {"true or false"}:
            return "a list of true/false values"
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "a string"
    return "a number"


def _fits(value: Any, reference: Any) -> bool:
    expected, actual = _kind(reference), _kind(value)
    if expected == "a list":  # empty or mixed in the bundled catalog: any list will do
        return isinstance(value, list)
    return actual == expected or (isinstance(value, list) and not value and expected != "a table")


def _check_catalog(
    extension: Mapping[str, Any], known: Mapping[str, Any], path: Path, dotted: str
) -> None:
    """The user's catalog extension has the bundled catalog's shape: the same kind of value
    under every key they share. Tables of named entries (categories, providers: every
    value of the same kind) take new entries shaped like their siblings; in other
    tables an unknown key is a mistake (it would silently do nothing)."""
    depth = dotted.count(".")
    kinds = {_kind(v) for v in known.values()}
    named_entries = dotted == "catalog.categories" or (depth >= 2 and len(kinds) == 1)
    for key, value in extension.items():
        where = f"{dotted}.{key}"
        if key in known:
            reference = known[key]
        elif depth == 0:
            continue  # sections were checked by name already
        elif not named_entries:
            raise ConfigError(
                f"{_at(path, key, dotted=False)}: unknown key `{where}`{suggest(key, known)}; "
                f"valid: {', '.join(sorted(known))}"
            )
        else:
            reference = _union(list(known.values()))
        if not _fits(value, reference):
            raise ConfigError(
                f"{_at(path, key, dotted=False)}: `{where}` must be {_kind(reference)}, "
                f"not {_kind(value)}"
            )
        if isinstance(value, Mapping):
            _check_catalog(value, reference, path, where)
        elif _kind(reference) == "a list of tables":
            shape = _union(reference)
            for item in value:
                _check_catalog(item, shape, path, f"{where}[]")


def _union(samples: Sequence[Any]) -> Any:
    """The shape of a new entry: every key any sibling table has (or the first sibling
    when they are not tables)."""
    if not samples or not all(isinstance(s, Mapping) for s in samples):
        return samples[0] if samples else []
    union: dict[str, Any] = {}
    for sample in samples:
        for name, item in sample.items():
            union.setdefault(name, item)
    return union


def _personal_data(value: Any, path: Path) -> dict[str, Any]:
    from privalint.catalog import bundled

    if not isinstance(value, dict):
        raise ConfigError(
            f"{_at(path, 'personal-data')}: `personal-data` must be {_KEYS['personal-data']}"
        )
    for key in value:
        if key not in _PERSONAL_KEYS:
            raise ConfigError(
                f"{_at(path, key)}: unknown key `personal-data.{key}`{suggest(key, _PERSONAL_KEYS)}; "
                f"valid: {', '.join(sorted(_PERSONAL_KEYS))}"
            )
    extension: dict[str, Any] = {}
    known_categories = bundled().get("categories", {})
    categories = value.get("categories", {})
    if not isinstance(categories, dict):
        raise ConfigError(
            f"{_at(path, 'categories')}: `personal-data.categories` must be {_PERSONAL_KEYS['categories']}"
        )
    for cid, table in categories.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{_at(path, cid)}: `personal-data.categories.{cid}` must be a table")
        if cid not in known_categories and not {"label", "sensitivity"} <= set(table):
            raise ConfigError(
                f"{_at(path, cid)}: unknown category `{cid}`{suggest(cid, known_categories)}; a new "
                "category needs `label` and `sensitivity`"
            )
        for key, item in table.items():
            if key not in _CATEGORY_KEYS:
                raise ConfigError(
                    f"{_at(path, key)}: unknown key `personal-data.categories.{cid}.{key}`"
                    f"{suggest(key, _CATEGORY_KEYS)}; valid: {', '.join(_CATEGORY_KEYS)}"
                )
            if key in ("label", "sensitivity"):
                if not isinstance(item, str):
                    raise ConfigError(
                        f"{_at(path, key)}: `personal-data.categories.{cid}.{key}` must be a string"
                    )
                if key == "sensitivity" and item not in ("personal", "special", "credential"):
                    raise ConfigError(
                        f"{_at(path, key)}: sensitivity {item!r} of `{cid}`; valid: personal, special, credential"
                    )
            elif key == "person-qualifies":
                if not isinstance(item, bool):
                    raise ConfigError(
                        f"{_at(path, key)}: `personal-data.categories.{cid}.person-qualifies` must be true or false"
                    )
            elif any(not phrase.strip() for phrase in _strings(item, path, key)):
                raise ConfigError(
                    f"{_at(path, key)}: `personal-data.categories.{cid}.{key}` has an empty "
                    "phrase; every entry needs at least one word"
                )
    if categories:
        extension["categories"] = categories
    personal: dict[str, Any] = {}
    if "ignore" in value:
        personal["ignore"] = list(_strings(value["ignore"], path, "ignore"))
    if "person-words" in value:
        personal["person-words"] = list(_strings(value["person-words"], path, "person-words"))
    if personal:
        extension["personal-data"] = personal
    flow: dict[str, Any] = {}
    if "sanitizers" in value:
        flow["sanitizers"] = list(_strings(value["sanitizers"], path, "sanitizers"))
    if "sanitizer-words" in value:
        flow["sanitizer-words"] = list(_strings(value["sanitizer-words"], path, "sanitizer-words"))
    if flow:
        extension["flow"] = flow
    return extension


# -- rule selection ----------------------------------------------------------------------


def resolve_selectors(
    selectors: Sequence[str], rules: Sequence[Any], where: str, selecting: bool = False
) -> set[str]:
    """Rule ids matched by selectors: ``ALL``, ids, id prefixes, names, family tags.

    When ``selecting``, group selectors (``ALL``, a family, a prefix) leave out the
    opt-in rules (``default_enabled = False``): those run only when named by id or name.
    """
    ids = {r.id for r in rules}
    names = {r.name: r.id for r in rules}
    families = {f.value for f in Family}
    grouped = {r.id for r in rules if r.default_enabled or not selecting}
    out: set[str] = set()
    for raw in selectors:
        selector = raw.strip()
        upper = selector.upper()
        if upper == "ALL":
            out |= grouped
        elif upper in ids:
            out.add(upper)
        elif selector in names:
            out.add(names[selector])
        elif selector in families:
            out |= {r.id for r in rules if r.family.value == selector} & grouped
        elif upper.startswith("PV") and any(i.startswith(upper) for i in ids):
            out |= {i for i in ids if i.startswith(upper)} & grouped
        else:
            choices = sorted(ids | set(names) | families)
            raise ConfigError(
                f"{where}: unknown rule selector `{selector}`{suggest(selector, choices)}; use a rule "
                "id (PV501), an id prefix (PV5), a rule name or a family "
                f"({', '.join(sorted(families - {'notice'}))})"
            )
    return out


def nothing_selected(config: Config, cli_select: Sequence[str], cli_ignore: Sequence[str]) -> str:
    """The message for a selection that leaves no rule to run."""
    select = cli_select or config.select
    ignore = (*config.ignore, *cli_ignore)
    if cli_select or cli_ignore:
        where = "--select/--ignore"
    else:
        where = config.where("ignore" if config.ignore else "select")
    return (
        f"{where}: no rule is left to run (select: {', '.join(select) or 'nothing'}; "
        f"ignore: {', '.join(ignore) or 'nothing'}); nothing would be checked"
    )


def enabled_rules(
    config: Config,
    rules: Sequence[Any],
    cli_select: Sequence[str] = (),
    cli_ignore: Sequence[str] = (),
) -> tuple[str, ...]:
    """The ids of the rules a run enables."""
    select = cli_select or config.select
    where_select = "--select" if cli_select else config.where("select")
    chosen = resolve_selectors(select, rules, where_select, selecting=True)
    chosen |= resolve_selectors(
        config.extend_select, rules, config.where("extend-select"), selecting=True
    )
    chosen -= resolve_selectors(config.ignore, rules, config.where("ignore"))
    chosen -= resolve_selectors(cli_ignore, rules, "--ignore")
    for rule_id in config.severity:
        if rule_id not in {r.id for r in rules}:
            raise ConfigError(
                f"{config.where(rule_id)}: severity for unknown rule `{rule_id}`"
                f"{suggest(rule_id, [r.id for r in rules])}"
            )
    for pattern, selectors in config.per_file_ignores.items():
        resolve_selectors(selectors, rules, config.where(pattern))
    return tuple(sorted(chosen))
