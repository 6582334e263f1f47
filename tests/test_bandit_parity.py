"""privalint finds the weak-TLS cases Bandit finds (B312, B321, B323, B501-B504, B507),
and the HTTP client cases Bandit misses, on small files written after the kinds of
cases of Bandit's examples. ``benchmarks/bandit_tls_comparison.py`` runs both tools
on Bandit's own files.

A line marked ``# bandit: Bxxx`` is one Bandit flags; ``# more: PVxxx`` marks a case
only privalint finds. Every marked line must get a weak-tls finding, and unmarked
lines none."""

from __future__ import annotations

import re
import textwrap

import pytest

from privalint.model import Family
from privalint.registry import by_id
from tests.conftest import check_code

_MARK = re.compile(r"#\s*(bandit|more):\s*(\w+)")

CASES = {
    "requests_and_httpx": """
        import httpx
        import requests

        requests.get("https://example.com", timeout=30, verify=False)  # bandit: B501
        requests.post("https://example.com", timeout=30, verify=False)  # bandit: B501
        requests.head("https://example.com", timeout=30, verify=False)  # bandit: B501
        requests.put("https://example.com", timeout=30, verify=True)
        httpx.request("GET", "https://example.com", verify=False)  # bandit: B501
        httpx.stream("https://example.com", verify=False)  # bandit: B501
        httpx.delete("https://example.com", verify=True)
        httpx.Client(timeout=30)
        httpx.Client(timeout=30, verify=False)  # bandit: B501
        httpx.AsyncClient(timeout=30, verify=False)  # bandit: B501
    """,
    "protocol_versions": """
        import ssl
        from OpenSSL import SSL

        ssl.wrap_socket(ssl_version=ssl.PROTOCOL_SSLv2)  # bandit: B502
        ssl.wrap_socket(ssl_version=ssl.PROTOCOL_TLSv1_1)  # bandit: B502
        SSL.Context(method=SSL.SSLv3_METHOD)  # bandit: B502
        SSL.Context(method=SSL.SSLv23_METHOD)  # bandit: B502
        SSL.Context(method=SSL.TLS_CLIENT_METHOD)
        some_helper(ssl_version=ssl.PROTOCOL_TLSv1)  # bandit: B502
        some_helper(method=SSL.TLSv1_METHOD)  # bandit: B502
        ssl.wrap_socket()  # bandit: B504

        def connect(version=ssl.PROTOCOL_SSLv3):  # bandit: B503
            pass

        def connect_old(version=SSL.TLSv1_1_METHOD):  # bandit: B503
            pass

        def connect_ok(version=SSL.TLSv1_2_METHOD):
            pass
    """,
    "contexts": """
        import ssl

        good = ssl.create_default_context()
        bad = ssl._create_unverified_context()  # bandit: B323
        bad.check_hostname = False  # more: PV502
    """,
    "plaintext_clients": """
        import sys
        import ftplib
        import telnetlib

        tn = telnetlib.Telnet(sys.argv[1])  # bandit: B312
        tn.write(b"ls\\n")
        ftp = ftplib.FTP("ftp.example.org")  # bandit: B321
        ftp.login()
        secure = ftplib.FTP_TLS("ftp.example.org")
        secure.login()
        secure.prot_p()
    """,
    "ssh_host_keys": """
        from paramiko import client
        from paramiko import AutoAddPolicy, WarningPolicy

        ssh = client.SSHClient()
        ssh.set_missing_host_key_policy(client.AutoAddPolicy)  # bandit: B507
        ssh.set_missing_host_key_policy(client.WarningPolicy())  # bandit: B507
        ssh.set_missing_host_key_policy(AutoAddPolicy())  # bandit: B507
        ssh.set_missing_host_key_policy(WarningPolicy)  # bandit: B507
        ssh.set_missing_host_key_policy(client.RejectPolicy())
    """,
    "sessions_and_clients": """
        import httpx
        import requests
        import requests as rq
        from requests import Session

        def fetch(url):
            session = requests.Session()
            return session.get(url, verify=False)  # more: PV501

        def aliased(url):
            with rq.Session() as s:
                return s.post(url, json={}, verify=False)  # more: PV501

        def attribute(url):
            s = Session()
            s.verify = False  # more: PV501
            return s.get(url)

        class Partner:
            def __init__(self):
                self.http = httpx.Client(base_url="https://partner.example.com")

            def orders(self):
                return self.http.get("/orders", verify=False)  # more: PV501

            def strict(self):
                return self.http.get("/orders", verify=True)
    """,
}


def _marks(code: str) -> dict[int, str]:
    marks = {}
    for number, line in enumerate(code.splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            marks[number] = match.group(2)
    return marks


@pytest.mark.parametrize("name", sorted(CASES))
def test_privalint_finds_what_bandit_finds(name: str) -> None:
    code = textwrap.dedent(CASES[name])
    rules = by_id()
    result = check_code(code)
    found = {
        f.span.start_line
        for f in result.findings
        if rules.get(f.rule_id) is not None and rules[f.rule_id].family is Family.WEAK_TLS
    }
    expected = set(_marks(code))
    assert expected - found == set(), f"{name}: missed lines {sorted(expected - found)}"
    assert found - expected == set(), f"{name}: unexpected lines {sorted(found - expected)}"


def test_every_bandit_tls_check_is_covered() -> None:
    """The cases above exercise each of Bandit's transport-security checks."""
    marked = {mark for code in CASES.values() for mark in _marks(textwrap.dedent(code)).values()}
    assert {"B312", "B321", "B323", "B501", "B502", "B503", "B504", "B507"} <= marked
