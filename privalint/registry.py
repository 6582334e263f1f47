"""Finds the rule classes under ``privalint.rules`` and checks their declarations."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from privalint.model import Family, Severity
from privalint.rule import REQUIRED_SECTIONS, Rule

_ID = re.compile(r"^PV([0-6])\d\d$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PRECISIONS = ("very-high", "high", "medium", "low")


class RegistryError(Exception):
    """A rule declaration is invalid (a bug in privalint, caught by its tests)."""


def _rule_classes() -> list[type[Rule]]:
    import privalint.rules as package

    found: list[type[Rule]] = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and "id" in vars(value)
            ):
                found.append(value)
    return found


def validate(rule: type[Rule]) -> list[str]:
    """Problems with one rule's declaration (empty when it is well formed)."""
    problems: list[str] = []
    where = f"{rule.__module__}.{rule.__name__}"
    match = _ID.match(getattr(rule, "id", ""))
    if not match:
        problems.append(f"{where}: id {getattr(rule, 'id', None)!r} is not PV + 3 digits")
    family = getattr(rule, "family", None)
    if not isinstance(family, Family):
        problems.append(f"{where}: family must be a Family")
    elif match and match.group(1) != family.digit:
        problems.append(
            f"{where}: id {rule.id} does not carry the {family.value} digit {family.digit}"
        )
    if not _NAME.match(getattr(rule, "name", "")):
        problems.append(f"{where}: name {getattr(rule, 'name', None)!r} is not kebab-case")
    if not isinstance(getattr(rule, "severity", None), Severity):
        problems.append(f"{where}: severity must be a Severity")
    if not getattr(rule, "title", ""):
        problems.append(f"{where}: title is missing")
    if not getattr(rule, "message", ""):
        problems.append(f"{where}: message is missing")
    if rule.precision not in PRECISIONS:
        problems.append(f"{where}: precision must be one of {', '.join(PRECISIONS)}")
    doc = rule.doc()
    for section in REQUIRED_SECTIONS:
        if section not in doc:
            problems.append(f"{where}: docstring lacks {section!r}")
    if family is not Family.NOTICE and not rule.project:
        if not rule.VALID:
            problems.append(f"{where}: needs at least one VALID example")
        if not rule.INVALID:
            problems.append(f"{where}: needs at least one INVALID example")
    return problems


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, sorted by id; raises RegistryError on a bad declaration."""
    rules = sorted(_rule_classes(), key=lambda r: r.id)
    problems = [p for r in rules for p in validate(r)]
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for r in rules:
        if r.id in seen_ids:
            problems.append(f"duplicate id {r.id}: {seen_ids[r.id]} and {r.__name__}")
        if r.name in seen_names:
            problems.append(f"duplicate name {r.name}: {seen_names[r.name]} and {r.__name__}")
        seen_ids[r.id] = r.__name__
        seen_names[r.name] = r.__name__
    if problems:
        raise RegistryError("; ".join(problems))
    return tuple(rules)


def rule_class(rule_id: str, module: str, qualname: str) -> type[Rule]:
    """The rule ``rule_id``, imported from ``module`` alone when that is one of
    privalint's own rule modules (a project rule without the rest of the registry),
    else looked up in the whole registry."""
    import privalint.rules as package

    if module.startswith(package.__name__ + "."):
        try:
            found: object = importlib.import_module(module)
            for part in qualname.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError):
            found = None
        if isinstance(found, type) and issubclass(found, Rule) and found.id == rule_id:
            return found
    return by_id()[rule_id]


def by_id() -> dict[str, type[Rule]]:
    return {r.id: r for r in all_rules()}


def by_name() -> dict[str, type[Rule]]:
    return {r.name: r for r in all_rules()}
