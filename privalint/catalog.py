"""The knowledge base: ``rules/catalog/*.toml`` merged with the user's extensions.

Every file contributes top-level tables; tables merge recursively and lists
concatenate (duplicates dropped), so a user's ``[tool.privalint.catalog]`` can add a
logger, an SDK or an encrypted field type with the same schema the bundled files use.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib


class Catalog:
    """Merged catalog data with a stable content hash (part of the cache key)."""

    def __init__(self, data: Mapping[str, Any], digest: Optional[str] = None) -> None:
        self.data: dict[str, Any] = dict(data)
        # `digest` is the hash of `data` when it is already known (the result cache).
        self.hash = (
            digest
            or hashlib.sha256(
                json.dumps(self.data, sort_keys=True, default=str).encode()
            ).hexdigest()[:16]
        )

    def get(self, dotted: str, default: Any = None) -> Any:
        """``catalog.get("logging.loggers")`` -> the value at that path, or ``default``."""
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def strings(self, dotted: str) -> list[str]:
        """A list of strings at ``dotted`` (empty when absent)."""
        value = self.get(dotted, [])
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def extended(self, extension: Mapping[str, Any]) -> Catalog:
        """A new catalog with ``extension`` merged in."""
        if not extension:
            return self
        return Catalog(merge(self.data, extension))


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into a copy of ``base``: tables recurse, lists extend."""
    out: dict[str, Any] = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            out[key] = merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            out[key] = current + [v for v in value if v not in current]
        else:
            out[key] = value
    return out


@lru_cache(maxsize=1)
def bundled() -> Catalog:
    """The catalog shipped in ``privalint.rules/catalog``."""
    data: dict[str, Any] = {}
    folder = resources.files("privalint.rules").joinpath("catalog")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = merge(data, tomllib.loads(entry.read_text(encoding="utf-8")))
    return Catalog(data)
