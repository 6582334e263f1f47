"""weak-tls behaviour that a fixture file cannot show: file names, suppressions of a
finding that moved to where a connection opens, catalog extensions."""

from __future__ import annotations

import textwrap

from privalint.catalog import bundled
from privalint.engine import Checker
from privalint.registry import all_rules
from privalint.settings import Settings
from tests.conftest import check_code

VERIFY_DEFAULT = """
VERIFY_PARTNER_SSL = False
"""


def test_a_verification_default_is_a_finding_in_production_code_only() -> None:
    production = check_code(VERIFY_DEFAULT, ("PV501",), path="partners/settings.py")
    tests = check_code(VERIFY_DEFAULT, ("PV501",), path="tests/settings.py")
    development = check_code(VERIFY_DEFAULT, ("PV501",), path="partners/settings_dev.py")
    assert [f.span.start_line for f in production.findings] == [2]
    assert "VERIFY_PARTNER_SSL" in production.findings[0].message
    assert tests.findings == []
    assert development.findings == []


CHANNEL = """
import json
import websockets


async def stream(patient):
    async with websockets.connect("ws://console.acme-example.com/feed") as ws:
        await ws.send(json.dumps({"email": patient.email}))  # privalint: ignore[PV508]
"""


def test_a_suppression_on_the_send_covers_the_finding_moved_to_the_connection() -> None:
    found = check_code(CHANNEL.replace("  # privalint: ignore[PV508]", ""), ("PV508",))
    silenced = check_code(CHANNEL, ("PV508",))
    assert [f.span.start_line for f in found.findings] == [7]
    assert [(f.span.start_line, f.suppressed) for f in silenced.findings] == [(7, True)]


CUSTOM_CHANNEL = """
import json
import acmebus


def publish(customer):
    bus = acmebus.connect("bus://events.acme-example.com")
    bus.emit(json.dumps({"email": customer.email}))
"""


def _with_catalog(extension: dict, code: str) -> list[tuple[int, str]]:
    catalog = bundled().extended(extension)
    checker = Checker(Settings(rule_ids=("PV508",), catalog=catalog), all_rules())
    result = checker.check("bus.py", textwrap.dedent(code).encode())
    return [(f.span.start_line, f.rule_id) for f in result.findings]


def test_a_channel_added_to_the_catalog_is_reported_where_the_catalog_says() -> None:
    channel = {
        "protocol": "AcmeBus",
        "classes": ["acmebus.connect"],
        "plain-prefixes": ["bus://"],
        "secure-prefixes": ["buss://"],
        "send-methods": {"emit": 0},
    }
    at_send = _with_catalog({"tls": {"plaintext-channels": [channel]}}, CUSTOM_CHANNEL)
    at_open = _with_catalog(
        {"tls": {"plaintext-channels": [{**channel, "report": "opened"}]}}, CUSTOM_CHANNEL
    )
    secure = _with_catalog(
        {"tls": {"plaintext-channels": [{**channel, "report": "opened"}]}},
        CUSTOM_CHANNEL.replace("bus://", "buss://"),
    )
    assert at_send == [(8, "PV508")]
    assert at_open == [(7, "PV508")]
    assert secure == []


TELEPHONY_SETTINGS = """
SIP_TLS_VERIFY = False


class ConferenceSettings:
    esl_host: str = "10.0.0.5"
    verify_carrier_tls: bool = False


class CrmSettings:
    crm_url: str = "https://crm.acme-example.com"
    verify_crm_tls: bool = False
"""


def test_a_sip_or_pbx_verification_default_is_left_to_weak_voip() -> None:
    result = check_code(TELEPHONY_SETTINGS, ("PV501",), path="app/settings.py")
    assert [f.span.start_line for f in result.findings] == [12]
