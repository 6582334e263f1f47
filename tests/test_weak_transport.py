"""Transport rules (weak-tls, weak-voip): behaviour that a single fixture file cannot
show (file names, where a finding moves to, fingerprints)."""

from __future__ import annotations

from tests.conftest import check_code

INSECURE_SETTINGS = """
SESSION_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
"""


def test_framework_defaults_file_is_not_a_project_setting() -> None:
    project = check_code(INSECURE_SETTINGS, ("PV510",), path="shop/settings.py")
    defaults = check_code(INSECURE_SETTINGS, ("PV510",), path="django/conf/global_settings.py")
    assert len(project.findings) == 2
    assert defaults.findings == []


HELPER = """
import poplib
import ssl


def quick_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
"""


def test_unverified_context_stays_where_it_is_weakened_and_is_reported_where_used() -> None:
    alone = check_code(HELPER, ("PV502",))
    used = check_code(
        HELPER + "\n\nbox = poplib.POP3_SSL(HOST, context=quick_context())\n", ("PV502",)
    )
    assert [f.span.start_line for f in alone.findings] == [8, 9]
    assert [f.span.start_line for f in used.findings] == [8, 9, 13]
    assert "quick_context()" in used.findings[-1].message


def test_unused_helper_keeps_the_fingerprints_of_a_plain_report() -> None:
    """A weakening that stays reported has the identity (fingerprint) of one in a
    function that returns nothing: baselines keep matching."""
    returning = check_code(HELPER, ("PV502",))
    plain = check_code(HELPER.replace("return ctx", "return None"), ("PV502",))
    assert len(returning.findings) == 2
    assert [f.fingerprint for f in returning.findings] == [f.fingerprint for f in plain.findings]


def test_a_format_only_pattern_lets_any_number_through() -> None:
    from privalint.rules.weak_voip.forwarding import format_only

    assert format_only(r"^\+[1-9]\d{7,14}$", 7)
    assert format_only(r"\d+", 7)
    assert format_only(r"^\+?[0-9 ()-]{8,20}$", 7)
    # A country prefix, a domain or a short extension restricts the destination.
    assert not format_only(r"^\+44\d{10}$", 7)
    assert not format_only(r"^sip:[a-z]+@pbx\.example\.com$", 7)
    assert not format_only(r"^\d{3,4}$", 7)
    # An invalid pattern is taken for a real check.
    assert not format_only(r"^(\d+$", 7)


PARAM_HELPER = """
from xml.etree import ElementTree as ET


def _param(parent, name, value):
    return ET.SubElement(parent, "param", name=name, value=value)


def embed(obj):
    _param(obj, "movie", "intro.swf")
    _param(obj, "password", "Sw0rdfish-2024")
"""


def test_a_param_password_is_a_voip_secret_only_where_the_file_builds_sofia_config() -> None:
    alone = check_code(PARAM_HELPER, ("PV608",))
    gateway = check_code(
        PARAM_HELPER + '\n\ndef gateway(gw):\n    _param(gw, "register-transport", "tls")\n',
        ("PV608",),
    )
    assert alone.findings == []
    assert [f.span.start_line for f in gateway.findings] == [11]


PJSIP_DICTS = """
def endpoints(cfg):
    cfg["carrier"] = {"type": "endpoint", "transport": "transport-edge", "aors": "carrier"}


def transports(cfg):
    cfg["transport-edge"] = {"type": "transport", "protocol": "udp", "bind": "0.0.0.0:5060"}
"""


def test_an_endpoint_bound_to_a_transport_defined_further_down_is_judged_by_it() -> None:
    # The plain transport is reported where it is defined, and the endpoint that uses
    # it where it names it: the transport is defined after the endpoint.
    plain = check_code(PJSIP_DICTS, ("PV601",))
    assert [f.span.start_line for f in plain.findings] == [3, 7]
    tls = check_code(PJSIP_DICTS.replace('"udp"', '"tls"'), ("PV601",))
    assert tls.findings == []
    # A transport defined elsewhere is judged by its name.
    elsewhere = PJSIP_DICTS.replace("transport-edge", "transport-udp-edge").split("\n\n\n")[0]
    assert [f.span.start_line for f in check_code(elsewhere, ("PV601",)).findings] == [3]


def test_section_dicts_need_a_key_only_asterisk_uses_somewhere_in_the_file() -> None:
    generic = 'HOSTS = {"relay": {"type": "transport", "protocol": "udp", "bind": "0.0.0.0:9"}}\n'
    assert check_code(generic, ("PV601",)).findings == []
    asterisk = generic + 'ENDPOINTS = {"desk": {"type": "endpoint", "aors": "desk"}}\n'
    assert [f.span.start_line for f in check_code(asterisk, ("PV601",)).findings] == [1]
