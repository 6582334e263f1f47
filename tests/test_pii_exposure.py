"""The pii-exposure rules: catalog extensions, facts, severities and the prefilter."""

from __future__ import annotations

import textwrap
from typing import Any

from privalint.catalog import Catalog, bundled, merge
from privalint.engine import Checker, Settings
from privalint.model import FileResult, Severity
from privalint.registry import all_rules
from tests.conftest import checker

EXPOSURE_IDS = tuple(r.id for r in all_rules() if r.family.value == "pii-exposure")


def run(code: str, extension: Any = None, collect_facts: bool = False) -> FileResult:
    catalog = bundled() if extension is None else Catalog(merge(bundled().data, extension))
    settings = Settings(rule_ids=EXPOSURE_IDS, catalog=catalog, collect_facts=collect_facts)
    return Checker(settings, all_rules()).check("case.py", textwrap.dedent(code).encode())


def findings(result: FileResult) -> list[tuple[int, str]]:
    return [(f.span.start_line, f.rule_id) for f in result.findings]


def test_user_adds_an_analytics_sdk() -> None:
    code = """
        import acme_metrics

        tracker = acme_metrics.Tracker("key")

        def signed_up(user):
            tracker.emit("signup", {"email": user.email})
    """
    assert findings(run(code)) == []
    extension = {
        "exposure": {
            "analytics": {"Acme Metrics": {"modules": ["acme_metrics"], "methods": ["emit"]}}
        }
    }
    result = run(code, extension)
    assert findings(result) == [(7, "PV204")]
    assert "Acme Metrics" in result.findings[0].message


def test_user_adds_a_search_index_and_an_http_client() -> None:
    code = """
        from acme_search.client import Indexer
        import fasthttp

        app = Indexer(url="https://search.internal")

        def index(customer):
            app.put_record(schema="people", data_id=customer.pk, fields={"phone": customer.phone})
            fasthttp.fetch(f"https://api.example.com/find?email={customer.email}")
    """
    assert findings(run(code)) == []
    extension = {
        "exposure": {
            "search-index": {
                "Acme Search": {"modules": ["acme_search"], "methods": ["put_record"]}
            },
            "url": {"clients": ["fasthttp"]},
        }
    }
    assert findings(run(code, extension)) == [(8, "PV201"), (9, "PV202")]


def test_malformed_catalog_entries_are_ignored() -> None:
    extension = {
        "exposure": {
            "analytics": {"Broken": {"modules": "not-a-list", "methods": [1, 2]}, "Odd": 3},
            "url": {"positions": {"x.get": "first"}},
            "pii-options": {"Sentry": "sentry_sdk.init"},
        }
    }
    code = (
        'import analytics\n\ndef f(user):\n    analytics.track(user.pk, "x", {"email": user.email})'
    )
    assert findings(run(code, extension)) == [(4, "PV204")]


def test_sent_facts_name_the_destination_even_when_not_reported() -> None:
    code = """
        import mailchimp_marketing
        import analytics

        chimp = mailchimp_marketing.Client()

        def join(list_id, member):
            chimp.lists.add_list_member(list_id, {"email_address": member.email})
            analytics.identify(str(member.pk), {"phone": member.phone})
    """
    result = run(code, collect_facts=True)
    assert findings(result) == [(9, "PV204")]
    facts = {(f.kind, f.category, f.line, f.detail) for f in result.facts}
    assert ("sent", "email", 8, "Mailchimp") in facts
    assert ("sent", "phone", 9, "Segment") in facts


def test_severity_rises_with_sensitivity() -> None:
    code = """
        import sentry_sdk

        def tag(patient):
            sentry_sdk.set_extra("email", patient.email)
            sentry_sdk.set_extra("diagnosis", patient.diagnosis)
    """
    severities = [f.severity for f in run(code).findings]
    assert severities == [Severity.WARNING, Severity.ERROR]


def test_messages_name_data_and_destination() -> None:
    code = """
        import requests

        def lookup(customer):
            return requests.get(f"https://crm.example.com/people?phone={customer.phone}")
    """
    (finding,) = run(code).findings
    assert "phone number" in finding.message
    assert "`customer.phone`" in finding.message
    assert "crm.example.com" in finding.message


def test_files_without_sinks_are_skipped_by_the_prefilter() -> None:
    code = b"def greet(customer):\n    return f'Hello {customer.first_name}'\n"
    result = checker(EXPOSURE_IDS).check("greet.py", code)
    assert result.skipped_by_prefilter


def test_request_bodies_are_inventoried_but_not_reported() -> None:
    code = """
        import requests

        def subscribe(email):
            requests.post("https://api.mail.example.com/members", json={"email": email}, timeout=5)
    """
    result = run(code, collect_facts=True)
    assert findings(result) == []
    facts = {(f.kind, f.category, f.line, f.detail) for f in result.facts}
    assert facts == {("sent", "email", 5, "api.mail.example.com")}
