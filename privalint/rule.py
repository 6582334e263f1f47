"""The Rule base class: one class per rule, the single source of its metadata.

A rule declares its id, name, family, severity, CWE, a docstring with ``## What it
does`` and ``## Why is this bad?`` sections, and ``VALID``/``INVALID`` examples. That
one declaration renders ``privalint explain``, the SARIF rule descriptor and
``docs/rules/<ID>.md``, and the examples double as tests.

File rules implement ``visit_<Node>`` / ``leave_<Node>`` methods named after libcst
node classes; the engine calls them during its single walk of the file. Project
rules (``project = True``) implement ``check_project`` instead and run once over the
facts of all files.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from privalint.model import Family, Finding, Severity

if TYPE_CHECKING:
    import libcst as cst

    from privalint.catalog import Catalog
    from privalint.engine import FileContext
    from privalint.project import ProjectContext

_HOOK = re.compile(r"^(visit|leave)_([A-Z][A-Za-z]*)$")

# Section headings every rule docstring has, in this order.
REQUIRED_SECTIONS = ("## What it does", "## Why is this bad?")


class Rule:
    """Base class of all rules."""

    id: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[Family]
    severity: ClassVar[Severity]
    cwe: ClassVar[Optional[int]] = None
    # One line, shown as the SARIF shortDescription and in `privalint rules`.
    title: ClassVar[str]
    # Default message; `{placeholders}` are filled from `report(**fields)`.
    message: ClassVar[str]
    precision: ClassVar[str] = "high"
    # Prefilter: the rule can only fire on a file whose text contains, for every
    # group, at least one of the group's words (case-insensitive). A group written
    # as "@personal" stands for the personal-data vocabulary of the catalog,
    # "@people" for a word that names people (`customers`, `"patients.csv"`); a word
    # written "import:name" is looked for in the file's import statements only, one
    # written "name:word" among the words of the file's identifiers and keys.
    # An empty tuple means the rule may fire on any file.
    triggers: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Words with which a rule that provides facts can still record, on a file its
    # `triggers` skip, facts that only matter joined with other files' facts about a
    # class (an endpoint that takes `SignupRequest` as its body, a model that
    # includes another). Such a file is deferred: it is checked only when a fact of
    # another file names a class it mentions (see `privalint.runner`). A rule that
    # offers helpers to other modules (`FileContext.export_sink`) lists its sink words
    # here: a helper module without personal data is checked when a call names it.
    join_triggers: ClassVar[tuple[str, ...]] = ()
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[str]] = ()
    # Opt-in rules run only when selected by id or name, never through `ALL`, a
    # family or a prefix: they flag what many teams accept.
    default_enabled: ClassVar[bool] = True
    # Project rules see all files' facts instead of walking one file.
    project: ClassVar[bool] = False
    # The rule records facts (what is collected, stored, logged or sent) that the
    # project stage needs: it runs whenever a project rule does, even when it is not
    # selected itself (its findings are then dropped).
    provides_facts: ClassVar[bool] = False

    def __init__(self, ctx: FileContext, compiled: Any = None) -> None:
        self.ctx = ctx
        self.compiled = compiled

    @classmethod
    def join_words(cls, catalog: Catalog) -> tuple[str, ...]:
        """The rule's `join_triggers`, for rules that derive them from the catalog."""
        return cls.join_triggers

    # -- declaration helpers -----------------------------------------------------------

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        """Prepare catalog-derived data once per catalog (sets, tables). Available to
        every instance as ``self.compiled``."""
        return None

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        """The prefilter vocabulary; by default the ``triggers`` attribute."""
        return cls.triggers

    @classmethod
    def hooks(cls) -> dict[str, list[str]]:
        """``{"visit_Call": [...], ...}``: the node hooks this class implements."""
        found: dict[str, list[str]] = {}
        for attr, _ in inspect.getmembers(cls, inspect.isfunction):
            match = _HOOK.match(attr)
            if match:
                found.setdefault(attr, []).append(match.group(2))
        return found

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    # -- reporting ------------------------------------------------------------------

    def report(
        self,
        node: cst.CSTNode,
        message: Optional[str] = None,
        *,
        severity: Optional[Severity] = None,
        categories: Sequence[str] = (),
        line_offset: int = 0,
        **fields: Any,
    ) -> None:
        """Report ``node`` (the narrowest node that shows the problem). For a node that
        spans lines, such as configuration text in a string, ``line_offset`` is the line
        of the node (counted from its first, 0) that holds the problem."""
        text = (message or self.message).format(**fields) if fields else (message or self.message)
        self.ctx.report(self, node, text, severity or self.severity, tuple(categories), line_offset)

    def finish(self) -> None:
        """Called once after the walk of the file."""

    # -- project rules ---------------------------------------------------------------

    def check_project(self, project: ProjectContext) -> list[Finding]:
        """Project rules: findings from the facts of all files."""
        return []


def severity_for(
    categories: Sequence[str], sensitivities: Mapping[str, str], base: Severity
) -> Severity:
    """Severity that rises with sensitivity: special categories and credentials are
    errors, other personal data keeps the rule's ``base`` severity."""
    if any(sensitivities.get(c) in ("special", "credential") for c in categories):
        return Severity.ERROR
    return base
