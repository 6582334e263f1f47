"""What every file of a run is checked with.

Kept apart from the engine so that the runner and the cache can use it without
importing the engine (and libcst): a run answered from the cache stays light.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from privalint.catalog import Catalog
from privalint.model import Severity


@dataclass
class Settings:
    """What every file is checked with: picklable, and part of the cache key."""

    rule_ids: tuple[str, ...]
    catalog: Catalog
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    prefilter: bool = True
    # Run fact-providing rules even without an enabled project rule (inventory).
    collect_facts: bool = False

    def key(self) -> str:
        text = "|".join(
            [
                ",".join(self.rule_ids),
                self.catalog.hash,
                ",".join(f"{k}={v.value}" for k, v in sorted(self.severity_overrides.items())),
                str(self.prefilter),
                str(self.collect_facts),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]
