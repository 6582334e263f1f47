"""The project stage: what project rules see once every file has been checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from privalint.catalog import Catalog
from privalint.model import Fact


@dataclass
class ProjectContext:
    """Facts from all checked files plus the project's configuration."""

    root: Path
    facts: list[Fact]
    catalog: Catalog
    config: Any
    checked_paths: list[str] = field(default_factory=list)
    manifest: Optional[Any] = None
