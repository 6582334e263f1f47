"""The rule declarations: unique, complete, consistent, and their examples behave."""

from __future__ import annotations

import pytest

from privalint.model import Family
from privalint.registry import all_rules, validate
from privalint.rule import Rule
from tests.conftest import check_code

RULES = all_rules()
EXAMPLE_RULES = [r for r in RULES if r.family is not Family.NOTICE and not r.project]


def test_registry_loads_and_is_valid() -> None:
    assert RULES, "no rules found"
    for rule in RULES:
        assert validate(rule) == []


def test_ids_and_names_are_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_id_digit_matches_family() -> None:
    for rule in RULES:
        assert rule.id[2] == rule.family.digit, rule.id


def test_validate_catches_a_bad_rule() -> None:
    class Broken(Rule):
        """No sections."""

        id = "PV9"
        name = "Bad Name"
        family = Family.WEAK_TLS
        title = ""
        message = ""

    problems = " ".join(validate(Broken))
    for expected in ("id", "kebab-case", "severity", "title", "What it does", "VALID", "INVALID"):
        assert expected in problems


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda r: r.id)
def test_invalid_examples_fire(rule: type[Rule]) -> None:
    for example in rule.INVALID:
        result = check_code(example, (rule.id,))
        assert any(f.rule_id == rule.id for f in result.findings), (
            f"{rule.id} INVALID example is silent:\n{example}"
        )


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda r: r.id)
def test_valid_examples_are_silent(rule: type[Rule]) -> None:
    for example in rule.VALID:
        result = check_code(example, (rule.id,))
        fired = [f.message for f in result.findings if f.rule_id == rule.id]
        assert not fired, f"{rule.id} VALID example fires {fired}:\n{example}"
