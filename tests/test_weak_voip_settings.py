"""Telephony settings kept in plain Python modules, call-control actions written as
dicts, and where such findings are placed."""

from __future__ import annotations

from collections import Counter

from tests.conftest import check_code, ids_by_line


def voip_findings(code: str) -> Counter[tuple[int, str]]:
    found = ids_by_line(check_code(code))
    return Counter({k: n for k, n in found.items() if k[1].startswith("PV6")})


def test_limits_in_a_module_without_telephony_constants_stay_silent() -> None:
    code = """\
        import os

        HTTP_POOL_SIZE = 10
        MAX_CONCURRENT_CALLS = int(os.environ.get("MAX_CONCURRENT_CALLS", "0"))
        MAX_CALL_DURATION_SECONDS = None
        TRANSPORT = os.environ.get("TRANSPORT", "udp")
    """
    assert voip_findings(code) == Counter()


def test_limits_beside_telephony_constants_are_reported() -> None:
    code = """\
        import os

        TRUNK_HOST = "trunk.carrier.example"
        MAX_CONCURRENT_CALLS = int(os.environ.get("MAX_CONCURRENT_CALLS", "0"))
        MAX_CALL_DURATION_SECONDS = None
        TRANSPORT = os.environ.get("TRANSPORT", "udp")
    """
    assert voip_findings(code) == Counter({(4, "PV606"): 1, (5, "PV606"): 1, (6, "PV601"): 1})


def test_environment_value_that_is_no_number_is_not_judged() -> None:
    code = """\
        import os

        SIP_DOMAIN = "sip.example.net"
        MAX_CONCURRENT_CALLS = int(os.environ.get("MAX_CONCURRENT_CALLS", "unlimited"))
        MAX_CHANNELS = int(os.environ["MAX_CHANNELS"])
    """
    assert voip_findings(code) == Counter()


def test_ari_url_setting_is_reported_on_the_connection_that_uses_it() -> None:
    code = """\
        import ari

        ARI_URL = "http://pbx.example.net:8088"
        client = ari.connect(ARI_URL, "app", "secret")
    """
    found = voip_findings(code)
    assert (4, "PV607") in found
    assert (3, "PV607") not in found


def test_ari_url_setting_used_elsewhere_is_reported_on_the_setting() -> None:
    code = """\
        PBX = "pbx.example.net"
        ARI_URL = f"http://{PBX}:8088/ari"
        ARI_SECURE_URL = f"https://{PBX}:8089/ari"
        ARI_LOOPBACK_URL = "http://localhost:8088/ari"
    """
    assert voip_findings(code) == Counter({(2, "PV607"): 1})


def test_verify_keyword_of_a_sip_profile_is_reported() -> None:
    code = """\
        from dataclasses import dataclass

        @dataclass
        class SipProfile:
            domain: str
            verify_server: bool = True

        CARRIER = SipProfile(domain="trunk.example.net", verify_server=False)
        SECURE = SipProfile(domain="trunk.example.net", verify_server=True)
        OTHER = {"verify_server": "no", "url": "https://api.example.net"}
    """
    assert voip_findings(code) == Counter({(8, "PV603"): 1})


def test_sinch_svaml_actions() -> None:
    code = """\
        from flask import Flask, jsonify, request

        app = Flask(__name__)

        @app.post("/sinch/ice")
        def ice():
            event = request.get_json()
            custom = event.get("custom") or {}
            if custom.get("mode") == "direct":
                return jsonify({
                    "action": {
                        "name": "connectPstn",
                        "number": custom.get("destination"),
                    },
                })
            if custom.get("mode") == "fixed":
                return jsonify({"action": {"name": "connectPstn", "number": "+442079460000"}})
            return jsonify({
                "action": {
                    "name": "connectSip",
                    "destination": {"type": "Sip", "endpoint": "desk@pbx.example.net"},
                    "transport": "UDP",
                },
            })
    """
    assert voip_findings(code) == Counter({(13, "PV604"): 1, (22, "PV601"): 1})


def test_transport_beside_an_unrelated_kind_stays_silent() -> None:
    code = """\
        QUEUE = {"name": "billing", "transport": "udp"}
        LOGGER = {"type": "syslog", "transport": "udp", "host": "logs.example.net"}
    """
    assert voip_findings(code) == Counter()


def test_ncco_finding_is_on_the_destination_line() -> None:
    code = """\
        import vonage
        from flask import Flask, jsonify, request

        app = Flask(__name__)

        @app.get("/webhooks/forward")
        def forward():
            dest = request.args["forward_to"]
            ncco = [{
                "action": "connect",
                "from": "+442079460000",
                "endpoint": [{"type": "phone", "number": dest}],
            }]
            return jsonify(ncco)
    """
    assert voip_findings(code) == Counter({(12, "PV604"): 1})


def test_dialplan_finding_is_on_the_extension_line() -> None:
    code = '''\
        EXTENSIONS = """
        [residents]
        exten => _1XXX,1,Dial(PJSIP/${EXTEN},30)

        [door-panels]
        exten => _X.,1,Dial(PJSIP/${EXTEN}@carrier-trunk)
        """
    '''
    assert voip_findings(code) == Counter({(6, "PV604"): 1})


def test_digits_collected_into_a_channel_variable_are_caller_input() -> None:
    code = """\
        from . import settings

        ARI = settings.ARI_BASE

        async def on_dtmf(http, event):
            chan_id = event["channel"]["id"]
            digits = event["channel"].get("channelvars", {}).get("COLLECTED_DIGITS", "")
            if event["digit"] == "#" and digits:
                await http.post(
                    f"{ARI}/channels/{chan_id}/redirect",
                    params={"endpoint": f"PJSIP/{digits}@carrier"},
                )

        async def on_menu(http, event):
            chan_id = event["channel"]["id"]
            queue = event["channel"].get("channelvars", {}).get("QUEUE_NAME", "")
            await http.post(
                f"{ARI}/channels/{chan_id}/redirect",
                params={"endpoint": f"PJSIP/{queue}@agents"},
            )
    """
    assert voip_findings(code) == Counter({(9, "PV604"): 1})


def test_sip_password_as_the_fallback_of_an_environment_lookup() -> None:
    code = """\
        import os

        PROFILES = {
            "hq": {"user": "agent-hq", "password": os.environ.get("HQ_SIP_PASSWORD", "")},
            "wh": {"user": "agent-wh", "password": os.environ.get("WH_SIP_PASSWORD", "Wh#2019")},
            "db": {"user": "app", "password": os.environ.get("DB_PASSWORD", "postgres")},
            "x": {"user": "x", "password": os.environ.get("SIP_PASSWORD_FILE", "/run/s")},
        }
    """
    assert voip_findings(code) == Counter({(5, "PV608"): 1})


def test_dialplan_in_a_format_template() -> None:
    code = '''\
        DIALPLAN = """
        [tenant-{tenant}]
        exten => _1XXX,1,Dial(PJSIP/${{EXTEN}},30)
        exten => _X.,1,Dial(PJSIP/${{EXTEN}}@{trunk})
        """

        def render(tenant, trunk):
            return DIALPLAN.format(tenant=tenant, trunk=trunk)
    '''
    assert voip_findings(code) == Counter({(4, "PV604"): 1})


def test_ami_originate_over_http() -> None:
    code = """\
        import cherrypy
        import requests

        AMI_HTTP = "https://pbx.example.net:8089/rawman"

        class Forwarding:
            @cherrypy.expose
            def follow_me(self, extension, target):
                requests.post(
                    AMI_HTTP,
                    data={"action": "Originate", "channel": f"PJSIP/{target}@carrier"},
                )

            @cherrypy.expose
            def ring_reception(self):
                requests.post(
                    AMI_HTTP,
                    data={"action": "Originate", "channel": "PJSIP/2100"},
                )

            @cherrypy.expose
            def status(self, target):
                requests.post(AMI_HTTP, data={"action": "Status", "channel": target})
    """
    assert voip_findings(code) == Counter({(9, "PV604"): 1})


def test_call_limits_of_a_voice_policy() -> None:
    code = """\
        from dataclasses import dataclass

        @dataclass
        class VoicePolicy:
            tenant_id: int
            max_concurrent_calls: int = 30

        OPEN = VoicePolicy(tenant_id=0, max_concurrent_calls=None)
        CAPPED = VoicePolicy(tenant_id=0, max_concurrent_calls=5)
    """
    assert voip_findings(code) == Counter({(8, "PV606"): 1})


def test_freeswitch_limit_without_a_maximum() -> None:
    code = """\
        import ESL

        def bridge(con, uuid):
            con.execute("limit", "hash outbound carrier -1", uuid)
            con.execute("limit", "hash outbound carrier 20", uuid)
            con.execute("limit", "hash outbound carrier 5/1", uuid)
            con.execute("set", "limit_max=-1", uuid)
    """
    assert voip_findings(code) == Counter({(4, "PV606"): 1})
