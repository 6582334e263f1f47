"""weak-voip: settings given to a provider's API, numbers read back from a store, and
dialling helpers of other modules: what a single fixture file cannot show (the order
of a file's functions, the prefilter on files with a provider's import alone)."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import check_code, checker

# One setting each, in files that import the provider and name nothing else of VoIP.
PROVIDER_SETTINGS = [
    (
        "PV601",
        'import telnyx\ntelnyx.FQDNConnection.create(connection_name="b", transport_protocol="UDP")\n',
    ),
    (
        "PV602",
        'import telnyx\ntelnyx.CredentialConnection.create(connection_name="b", encrypted_media=None)\n',
    ),
    (
        "PV606",
        'import telnyx\ntelnyx.OutboundVoiceProfile.create(name="b", concurrent_call_limit=None)\n',
    ),
    (
        "PV608",
        'import plivo\nplivo.RestClient().endpoints.create(username="b", password="B0t-pass-2024")\n',
    ),
]


@pytest.mark.parametrize(("rule_id", "code"), PROVIDER_SETTINGS)
def test_a_setting_given_to_a_provider_api_is_found_through_the_prefilter(
    rule_id: str, code: str
) -> None:
    with_prefilter = checker((rule_id,), prefilter=True).check("carriers.py", code.encode())
    without = checker((rule_id,), prefilter=False).check("carriers.py", code.encode())
    assert [f.rule_id for f in with_prefilter.findings] == [rule_id]
    assert [f.span.start_line for f in with_prefilter.findings] == [
        f.span.start_line for f in without.findings
    ]


@pytest.mark.parametrize(("rule_id", "code"), PROVIDER_SETTINGS)
def test_the_same_setting_given_to_another_library_says_nothing(rule_id: str, code: str) -> None:
    other = code.replace("import telnyx", "import shipping as telnyx").replace(
        "import plivo", "import shipping as plivo"
    )
    assert check_code(other, (rule_id,)).findings == []


def test_a_tls_check_turned_off_in_trunk_settings_is_found_through_the_prefilter() -> None:
    code = (
        b"class TrunkSettings:\n    registrar: str = 'sips:edge.example'\n    verify_tls = False\n"
    )
    mail = (
        code.replace(b"TrunkSettings", b"MailSettings")
        .replace(b"registrar", b"relay")
        .replace(b"sips:edge", b"smtp")
    )
    assert [f.rule_id for f in checker(("PV603",)).check("trunks.py", code).findings] == ["PV603"]
    assert checker(("PV603",)).check("mail.py", mail).findings == []


STORED = """
import redis
import telnyx
from flask import request

store = redis.Redis()


def forward(call_control_id, account):
    target = store.get(f"fwd:{account}")
    telnyx.Call.retrieve(call_control_id).transfer(to=target.decode())


@app.route("/forwarding", methods=["POST"])
def save():
    store.set(f"fwd:{request.form['account']}", request.form["forward_to"])
"""


def test_a_number_saved_from_request_input_is_open_where_it_is_read_back_earlier_in_the_file() -> (
    None
):
    found = check_code(STORED, ("PV604",))
    assert [f.span.start_line for f in found.findings] == [11]
    assert "read back from `fwd:" in found.findings[0].message


def test_a_number_saved_by_an_operator_or_under_another_key_is_not_open() -> None:
    operator = STORED.replace('request.form["forward_to"]', "ROTA_NUMBER")
    other_key = STORED.replace('f"fwd:{request', 'f"rota:{request')
    assert check_code(operator, ("PV604",)).findings == []
    assert check_code(other_key, ("PV604",)).findings == []


HELPER_CALL = """
{imports}
from flask import request

from . import conference


@app.route("/dial-out", methods=["POST"])
def dial_out():
    conference.dial_out(request.form["room"], request.form["phone"])
"""


def test_a_dialling_helper_of_another_module_counts_in_a_file_that_does_telephony() -> None:
    voip = check_code(HELPER_CALL.format(imports="import telnyx"), ("PV604",))
    plain = check_code(HELPER_CALL.format(imports="import json"), ("PV604",))
    assert [f.span.start_line for f in voip.findings] == [10]
    assert "`conference.dial_out` places or forwards a call" in voip.findings[0].message
    assert plain.findings == []


def test_a_control_host_from_settings_is_left_to_the_deployment_but_a_parameter_is_not() -> None:
    code = textwrap.dedent(
        """
        import greenswitch
        from .settings import settings


        def local():
            return greenswitch.InboundESL(host=settings.esl_host, port=8021, password=settings.pw)


        def remote(host):
            return greenswitch.InboundESL(host=host, port=8021, password=settings.pw)
        """
    )
    found = check_code(code, ("PV607",))
    assert [f.span.start_line for f in found.findings] == [11]
