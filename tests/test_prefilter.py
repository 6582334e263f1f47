"""The prefilter: skipping files no rule can match never changes the results."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import libcst as cst
import pytest

from privalint.catalog import bundled
from privalint.engine import Checker, Settings
from privalint.model import Family, Severity
from privalint.rule import Rule
from tests.conftest import FIXTURES, checker, ids_by_line

ALL_FIXTURES = sorted(p for p in FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_results_are_the_same_with_and_without_prefilter(fixture: Path) -> None:
    data = fixture.read_bytes()
    with_filter = checker(prefilter=True).check(fixture.name, data)
    without = checker(prefilter=False).check(fixture.name, data)
    assert ids_by_line(with_filter) == ids_by_line(without)


class ImportTriggered(Rule):
    """
    ## What it does
    Test rule.

    ## Why is this bad?
    It is not.
    """

    id = "PV298"
    name = "import-triggered"
    family = Family.PII_EXPOSURE
    severity = Severity.NOTE
    title = "test"
    message = "test"
    triggers: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("import:acme_sdk", "AcmeClient"),
        ("track",),
    )

    def visit_Module(self, node: cst.Module) -> None:
        self.report(node)


def _selected(code: str) -> bool:
    settings = Settings(rule_ids=("PV298",), catalog=bundled())
    return bool(Checker(settings, [ImportTriggered]).rules_for(code.encode()))


@pytest.mark.parametrize(
    ("code", "selected"),
    [
        ("import acme_sdk\nacme_sdk.track(1)", True),
        ("from acme_sdk.client import Client\nClient().track(1)", True),
        ("    from ACME_SDK import x  # indented, upper case\nx.track()", True),
        ("client = AcmeClient()\nclient.TRACK(1)", True),
        # the module's name outside an import statement does not count
        ("# see acme_sdk docs\nclient.track(1)", False),
        # every group needs a word
        ("import acme_sdk\nacme_sdk.send(1)", False),
    ],
)
def test_import_triggers_look_at_import_statements(code: str, selected: bool) -> None:
    assert _selected(code) is selected
