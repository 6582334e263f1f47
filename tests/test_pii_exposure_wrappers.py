"""The project's own language-model and indexing functions, imported from other
modules."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import checker


def _lines(code: str, prefilter: bool = True) -> list[tuple[int, str]]:
    result = checker(("PV207",), prefilter=prefilter).check(
        "case.py", textwrap.dedent(code).encode()
    )
    return sorted((f.span.start_line, f.rule_id) for f in result.findings)


@pytest.mark.parametrize(
    ("imports", "call", "expected"),
    [
        ("from app.ai import summarise_ticket", "summarise_ticket(ticket.pk, customer.email)", 5),
        ("from .ai import complete", 'complete(f"Reply to {customer.full_name}")', 5),
        ("from common.llm import ask", "ask(customer.phone)", 5),
        ("from common.helpers import ask_llm", "ask_llm(customer.phone)", 5),
        ("import app.ai as ai", "ai.classify(customer.email)", 5),
        # Not a sending verb, not a model's module, or a class.
        ("from app.ai import build_prompt", "build_prompt(customer.email)", None),
        ("from app.mail import send", "send(customer.email)", None),
        ("from app.ai import PromptBook", "PromptBook(customer.email)", None),
        ("from app.ai import summarise_ticket", "summarise_ticket(ticket.pk)", None),
    ],
)
def test_model_functions_of_other_modules(imports: str, call: str, expected: object) -> None:
    code = f"""
        {imports}

        def reply(ticket, customer):
            {call}
    """
    want = [(expected, "PV207")] if expected else []
    assert _lines(code) == _lines(code, prefilter=False) == want


@pytest.mark.parametrize(
    ("imports", "call", "expected"),
    [
        ("from app.search import index_customer", "index_customer(c.pk, {'email': c.email})", 5),
        ("from app.utils import algolia_sync", "algolia_sync({'phone': c.phone})", 5),
        ("from app.search import search_customers", "search_customers(c.email)", None),
        ("from app.utils import save", "save(c.email)", None),
    ],
)
def test_indexing_functions_of_other_modules(imports: str, call: str, expected: object) -> None:
    code = f"""
        {imports}

        def joined(c):
            {call}
    """
    result = checker(("PV201",), prefilter=True).check("case.py", textwrap.dedent(code).encode())
    unfiltered = checker(("PV201",), prefilter=False).check(
        "case.py", textwrap.dedent(code).encode()
    )
    lines = [(f.span.start_line, f.rule_id) for f in result.findings]
    assert lines == [(f.span.start_line, f.rule_id) for f in unfiltered.findings]
    assert lines == ([(expected, "PV201")] if expected else [])
