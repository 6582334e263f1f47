"""The result cache: a file that has not changed is not checked again.

Per-file results (findings and facts, never source text) are stored in
``.privalint_cache/`` at the project root (or the config's ``cache-dir``), one JSON
entry per file, keyed by the file's path and content hash. Entries live in a folder
named after everything else a result depends on: the cache format, the privalint
version and its installed code, the enabled rules, severities and the effective
catalog (``Settings.key()``). Change any of those and the run starts afresh.

- Writes are atomic (a temporary file renamed into place), so two runs can share
  the cache: they write identical entries for identical input.
- An entry that cannot be read, does not parse or belongs to another key is ignored
  and rewritten.
- The folder carries its own ``.gitignore`` and a ``CACHEDIR.TAG``; ``privalint
  clean`` removes it, and only a folder carrying that tag.

A run answered entirely from the cache must not import the engine (and libcst):
the rule metadata the report needs is cached too (:func:`rule_classes`), and the
real rule classes are imported only when some file has to be checked or a project
rule has to run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional, Union

from privalint import __version__
from privalint.catalog import Catalog
from privalint.model import Fact, Family, FileResult, Finding, Severity, Span
from privalint.rule import Rule
from privalint.settings import Settings

FOLDER = ".privalint_cache"
# Entries of other privalint code or settings unused for this long are removed.
STALE_DAYS = 14
FORMAT = 1
TAG_NAME = "CACHEDIR.TAG"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by privalint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def cache_root(root: Path, cache_dir: Optional[Path]) -> Path:
    """Where a project's cache lives: ``cache-dir`` or ``<root>/.privalint_cache``."""
    return cache_dir if cache_dir is not None else root / FOLDER


def code_stamp() -> str:
    """Identifies the installed privalint code (version, and every module's size and
    modification time, so an edited rule invalidates the cache without a release)."""
    import privalint
    import privalint.rules

    digest = hashlib.sha256(f"{FORMAT}|{__version__}".encode())
    for package in (privalint, privalint.rules):
        for folder in package.__path__:
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
                for name in sorted(filenames):
                    if name.endswith((".py", ".toml")):
                        try:
                            stat = os.stat(os.path.join(dirpath, name))
                        except OSError:
                            continue
                        entry = f"{dirpath}/{name}|{stat.st_size}|{stat.st_mtime_ns}"
                        digest.update(entry.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]


def clean(folder: Path) -> bool:
    """Remove a cache folder; False when there is none. A folder without privalint's
    cache tag is left alone (``cache-dir`` may point anywhere)."""
    if not folder.is_dir():
        return False
    if not (folder / TAG_NAME).is_file():
        raise OSError(f"{folder} does not look like a privalint cache (no {TAG_NAME}); not removed")
    shutil.rmtree(folder)
    return True


class Cache:
    """Per-file results of one configuration, in one cache folder."""

    def __init__(self, folder: Path, stamp: str) -> None:
        self.folder = folder
        self.stamp = stamp
        self._entries: Optional[Path] = None
        self._writable = True

    # -- the folder ------------------------------------------------------------------

    def _prepare(self) -> bool:
        """Create the folder with its .gitignore and tag; False when it cannot be."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, text in ((".gitignore", "# Created by privalint.\n*\n"), (TAG_NAME, TAG)):
                if not (self.folder / name).exists():
                    _write_atomic(self.folder / name, text.encode())
        except OSError:
            return False
        return True

    def bind(self, settings: Settings) -> None:
        """Use the entries made with ``settings``."""
        self._entries = self.folder / f"{self.stamp}-{settings.key()}"
        # Marks the folder as in use, so that pruning keeps it.
        with contextlib.suppress(OSError):
            os.utime(self._entries)

    def prune(self, max_age_days: float = STALE_DAYS) -> int:
        """Remove the entries of other privalint code or settings that no run has used
        for ``max_age_days`` (an upgrade or a config change leaves them behind); how
        many were removed. Done when a run starts a new entries folder."""
        limit = time.time() - max_age_days * 86400
        removed = 0
        try:
            children = list(self.folder.iterdir())
        except OSError:
            return 0
        keep = {".gitignore", TAG_NAME, f"catalog-{self.stamp}.json", f"rules-{self.stamp}.json"}
        for child in children:
            if child == self._entries or child.name in keep:
                continue
            try:
                if child.stat().st_mtime >= limit:
                    continue
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
                removed += 1
            except OSError:
                continue
        return removed

    # -- entries ---------------------------------------------------------------------

    @staticmethod
    def key(display: str, data: bytes, seeds: Sequence[tuple[str, str]] = ()) -> str:
        """Identity of one file's input: its path (as shown), its bytes and what names
        imported from other modules were seeded with (``privalint.imports``)."""
        digest = hashlib.blake2b(display.encode("utf-8", "surrogateescape"), digest_size=20)
        digest.update(b"\0")
        digest.update(data)
        for name, qualified in seeds:
            digest.update(f"\0{name}\0{qualified}".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def get(self, key: str, display: str) -> Optional[FileResult]:
        """The stored result for ``key``, or None (missing, unreadable or foreign)."""
        assert self._entries is not None, "bind() the cache to the run's settings first"
        try:
            raw = (self._entries / f"{key}.json").read_bytes()
            entry = json.loads(raw)
            if entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            return _result_from(entry, display)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        """Store ``result`` under ``key``; a cache that cannot be written is skipped."""
        self._put(f"{key}.json", _entry_of(key, result))

    def _put(self, name: str, entry: dict[str, Any]) -> None:
        assert self._entries is not None, "bind() the cache to the run's settings first"
        if not self._writable:
            return
        try:
            if not self._entries.is_dir():
                if not self._prepare():
                    self._writable = False
                    return
                self._entries.mkdir(exist_ok=True)
                self.prune()
            data = json.dumps(entry, separators=(",", ":")).encode()
            _write_atomic(self._entries / name, data)
        except OSError:
            self._writable = False

    # -- the prefilter ------------------------------------------------------------------

    def get_prefilter(self) -> Any:
        """What the engine's prefilter was built from for these settings
        (``Prefilter.spec``), or None: the main process screens a few files with it
        without importing the engine."""
        assert self._entries is not None, "bind() the cache to the run's settings first"
        try:
            entry = json.loads((self._entries / "prefilter.json").read_bytes())
            if entry.get("format") != FORMAT:
                return None
            return entry["spec"]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def put_prefilter(self, spec: Any) -> None:
        self._put("prefilter.json", {"format": FORMAT, "spec": spec})

    # -- the project stage -------------------------------------------------------------

    @staticmethod
    def project_key(*inputs: Any) -> str:
        """Identity of the project stage's input (facts, manifest, config...)."""
        text = json.dumps(inputs, default=repr, sort_keys=True)
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()

    def get_project(self, key: str) -> Optional[list[Finding]]:
        """The project rules' findings stored for ``key``, or None."""
        assert self._entries is not None, "bind() the cache to the run's settings first"
        try:
            entry = json.loads((self._entries / f"project-{key}.json").read_bytes())
            if entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            return [_from_fields(Finding, f, f.pop("path")) for f in entry["findings"]]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def put_project(self, key: str, findings: list[Finding]) -> None:
        records = []
        for finding in findings:
            record = _fields_of(finding)
            record["path"] = finding.path
            records.append(record)
        self._put(f"project-{key}.json", {"format": FORMAT, "key": key, "findings": records})

    # -- the bundled catalog -----------------------------------------------------------

    def bundled_catalog(self) -> Catalog:
        """The bundled catalog, read back as JSON when the code is unchanged (much
        quicker than its TOML files)."""
        from privalint.catalog import bundled

        path = self.folder / f"catalog-{self.stamp}.json"
        try:
            record = json.loads(path.read_bytes())
            if isinstance(record.get("data"), dict) and isinstance(record.get("hash"), str):
                return Catalog(record["data"], digest=record["hash"])
        except (OSError, ValueError, AttributeError):
            pass
        catalog = bundled()
        if self._prepare():
            with contextlib.suppress(OSError, TypeError, ValueError):
                text = json.dumps({"data": catalog.data, "hash": catalog.hash})
                _write_atomic(path, text.encode())
        return catalog

    # -- rule metadata -----------------------------------------------------------------

    def rule_classes(self, load: Callable[[], Sequence[type[Rule]]]) -> Sequence[type[Rule]]:
        """The rules ``load`` gives: stand-ins built from cached metadata when the code
        is unchanged (no rule module is imported), else the real classes (whose
        metadata is then cached)."""
        index = self.folder / f"rules-{self.stamp}.json"
        try:
            records = json.loads(index.read_bytes())
            if isinstance(records, list) and records:
                return tuple(_stand_in(record) for record in records)
        except (OSError, ValueError, TypeError, KeyError):
            pass
        rules = load()
        if self._prepare():
            with contextlib.suppress(OSError):
                _write_atomic(index, json.dumps([_describe(r) for r in rules]).encode())
        return rules


def real_rules(rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The real classes of ``rules``: a stand-in is replaced by importing its module
    (only that one, so a project rule does not pull in the engine)."""
    from privalint.registry import rule_class

    return [
        rule_class(r.id, r.__module__, r.__qualname__) if getattr(r, "_stand_in", False) else r
        for r in rules
    ]


# -- rule stand-ins ------------------------------------------------------------------------

_ENUMS = {"Family": Family, "Severity": Severity}


def _encode(value: Any) -> Any:
    """``value`` as JSON, or ``_SKIP`` for what is not plain metadata (methods)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (Family, Severity)):
        return {"enum": type(value).__name__, "value": value.value}
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        items = [_encode(v) for v in value]
        return _SKIP if any(i is _SKIP for i in items) else {"tuple": items}
    return _SKIP


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "enum" in value:
            return _ENUMS[value["enum"]](value["value"])
        return tuple(_decode(v) for v in value["tuple"])
    return value


_SKIP = object()


def _describe(rule: type[Rule]) -> dict[str, Any]:
    """Every piece of a rule's metadata (its public class attributes that are data)."""
    attrs = {}
    for name in dir(rule):
        if name.startswith("_"):
            continue
        encoded = _encode(getattr(rule, name))
        if encoded is not _SKIP:
            attrs[name] = encoded
    return {
        "module": rule.__module__,
        "qualname": rule.__qualname__,
        "doc": rule.__doc__ or "",
        "attrs": attrs,
    }


def _stand_in(record: dict[str, Any]) -> type[Rule]:
    """A class with a rule's metadata and none of its code."""
    attrs: dict[str, Any] = {name: _decode(value) for name, value in record["attrs"].items()}
    attrs.update(
        __module__=record["module"],
        __qualname__=record["qualname"],
        __doc__=record["doc"],
        _stand_in=True,
    )
    return type(record["qualname"].rsplit(".", 1)[-1], (Rule,), attrs)


# -- entries ---------------------------------------------------------------------------------


def _entry_of(key: str, result: FileResult) -> dict[str, Any]:
    # Every field of every finding and fact, whatever fields the model grows; the
    # path is left out (the key holds it) and restored on reading.
    return {
        "format": FORMAT,
        "key": key,
        "skipped": result.skipped_by_prefilter,
        "deferred": result.deferred,
        "findings": [_fields_of(f) for f in result.findings],
        "facts": [_fields_of(f) for f in result.facts],
    }


def _fields_of(record: Union[Finding, Fact]) -> dict[str, Any]:
    out = {}
    for item in dataclasses.fields(record):
        if item.name == "path":
            continue
        value = getattr(record, item.name)
        if isinstance(value, Span):
            out[item.name] = {"span": dataclasses.astuple(value)}
        else:
            encoded = _encode(value)
            if encoded is _SKIP:
                raise TypeError(f"cannot cache {type(record).__name__}.{item.name}")
            out[item.name] = encoded
    return out


def _from_fields(kind: type[Any], values: dict[str, Any], display: str) -> Any:
    decoded = {}
    for name, value in values.items():
        if isinstance(value, dict) and "span" in value:
            decoded[name] = Span(*(int(n) for n in value["span"]))
        else:
            decoded[name] = _decode(value)
    return kind(path=display, **decoded)


def _result_from(entry: dict[str, Any], display: str) -> FileResult:
    result = FileResult(path=display, from_cache=True)
    result.skipped_by_prefilter = bool(entry["skipped"])
    result.deferred = bool(entry.get("deferred", False))
    result.findings = [_from_fields(Finding, f, display) for f in entry["findings"]]
    result.facts = [_from_fields(Fact, f, display) for f in entry["facts"]]
    return result


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, whole."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
