"""Compare privalint's weak-tls family with Bandit on Bandit's own example files.

Bandit's source distribution ships example files under ``examples/``. This script
runs both tools on the transport-security ones (plus a small file of HTTP client
cases written for this comparison: ``Session``/``Client`` objects, aliases and
attribute switches) and prints a side-by-side table: each weak-TLS finding of Bandit,
whether privalint reports the same case, and what privalint finds beyond it.

    python benchmarks/bandit_tls_comparison.py                    # downloads the sdist
    python benchmarks/bandit_tls_comparison.py --examples PATH    # a folder or an sdist

Downloading uses ``pip download --no-deps --no-binary :all: bandit``; Bandit itself
must be importable (``pip install bandit``). The exit status is 0 when privalint
finds every case Bandit finds, 1 when it misses one, 2 when the comparison cannot
run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

EXAMPLES = (
    "requests-ssl-verify-disabled.py",
    "ssl-insecure-version.py",
    "unverified_context.py",
    "telnetlib.py",
    "ftplib.py",
    "no_host_key_verification.py",
)
# Bandit tests about transport security.
TLS_TESTS = {
    "B312": "telnetlib call",
    "B321": "ftplib call",
    "B323": "unverified context",
    "B401": "import telnetlib",
    "B402": "import ftplib",
    "B501": "request without cert validation",
    "B502": "ssl with bad version",
    "B503": "ssl with bad defaults",
    "B504": "ssl with no version",
    "B507": "ssh without host key verification",
}
# Import-level warnings: privalint reports the client where it is created instead.
IMPORT_TESTS = {"B401": "PV509", "B402": "PV509"}

# HTTP client cases that module-level matching misses (written for this comparison).
CLIENT_CASES = """\
import ssl

import httpx
import requests
import requests as rq
import urllib3
from requests import Session


def session_method(url):
    session = requests.Session()
    return session.get(url, verify=False)


def aliased_session(url):
    with rq.Session() as s:
        return s.post(url, json={}, verify=False)


def session_attribute(url):
    s = Session()
    s.verify = False
    return s.get(url)


class Partner:
    def __init__(self):
        self.http = httpx.Client(base_url="https://partner.example.com")

    def orders(self):
        return self.http.get("/orders", verify=False)


def pool():
    return urllib3.PoolManager(cert_reqs="CERT_NONE")


def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
"""


@dataclass
class Finding:
    tool: str
    path: str
    line: int
    end_line: int
    rule: str
    text: str


def locate_examples(source: Optional[str], workdir: Path) -> Path:
    """A folder holding the example files: given, extracted from an sdist, or
    downloaded."""
    if source is not None:
        path = Path(source)
        if path.is_dir():
            return path / "examples" if (path / "examples").is_dir() else path
        if path.is_file():
            return extract(path, workdir)
        raise SystemExit(f"error: {source} is neither a folder nor a file")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "bandit",
            "-d",
            str(workdir),
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    archives = sorted(workdir.glob("bandit-*.tar.gz"))
    if result.returncode != 0 or not archives:
        raise SystemExit(
            "error: could not download the bandit sdist "
            f"({result.stderr.strip() or 'no archive'}); pass --examples PATH"
        )
    return extract(archives[-1], workdir)


def extract(archive: Path, workdir: Path) -> Path:
    target = workdir / "examples"
    target.mkdir(exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if len(parts) >= 3 and parts[-2] == "examples" and parts[-1] in EXAMPLES:
                source = tar.extractfile(member)
                if source is not None:
                    (target / parts[-1]).write_bytes(source.read())
    return target


def run_bandit(folder: Path, files: list[str]) -> list[Finding]:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-f", "json", "-q", *files],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if not result.stdout.strip():
        raise SystemExit(
            f"error: bandit did not run ({result.stderr.strip()[:200]}); pip install bandit"
        )
    data = json.loads(result.stdout)
    found = []
    for item in data.get("results", []):
        if item["test_id"] not in TLS_TESTS:
            continue
        lines = item.get("line_range") or [item["line_number"]]
        found.append(
            Finding(
                "bandit",
                Path(item["filename"]).name,
                item["line_number"],
                max(lines),
                item["test_id"],
                TLS_TESTS[item["test_id"]],
            )
        )
    return found


def run_privalint(folder: Path, files: list[str]) -> list[Finding]:
    result = subprocess.run(
        [sys.executable, "-m", "privalint", "check", *files, "--format", "json", "--no-cache"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"error: privalint failed: {result.stderr.strip()[:300]}")
    data = json.loads(result.stdout)
    return [
        Finding(
            "privalint",
            Path(item["path"]).name,
            item["start_line"],
            item["end_line"],
            item["rule"],
            item["name"],
        )
        for item in data["findings"]
        if item["family"] == "weak-tls" and not item.get("suppressed")
    ]


def matches(bandit: Finding, ours: Finding) -> bool:
    if bandit.path != ours.path:
        return False
    if bandit.rule in IMPORT_TESTS:
        return ours.rule == IMPORT_TESTS[bandit.rule]
    return ours.line <= bandit.end_line and bandit.line <= ours.end_line


def compare(bandit: list[Finding], ours: list[Finding]) -> tuple[list[str], int, int]:
    rows = []
    missed = 0
    used: set[int] = set()
    for b in sorted(bandit, key=lambda f: (f.path, f.line)):
        hits = [o for o in ours if matches(b, o)]
        used.update(id(o) for o in hits if b.rule not in IMPORT_TESTS)
        if not hits:
            missed += 1
            verdict, ours_text = "MISSED", "-"
        elif b.rule in IMPORT_TESTS:
            verdict = "found"
            ours_text = f"{hits[0].rule} at L{hits[0].line} (where the client is created)"
        else:
            verdict = "found"
            ours_text = ", ".join(sorted({o.rule for o in hits}))
        rows.append(f"{b.path:32} {b.line:>4}  {b.rule} {b.text:34} {ours_text:44} {verdict}")
    extra = [o for o in ours if id(o) not in used and not any(matches(b, o) for b in bandit)]
    for o in sorted(extra, key=lambda f: (f.path, f.line)):
        rows.append(
            f"{o.path:32} {o.line:>4}  {'-':4} {'(not flagged)':34} {o.rule + ' ' + o.text:44} privalint only"
        )
    return rows, missed, len(extra)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", help="Bandit's examples folder or its sdist (.tar.gz)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bandit-tls-") as tmp:
        workdir = Path(tmp)
        examples = locate_examples(args.examples, workdir)
        folder = workdir / "cases"
        folder.mkdir()
        files = []
        for name in EXAMPLES:
            source = examples / name
            if not source.is_file():
                print(f"error: {name} not found in {examples}", file=sys.stderr)
                return 2
            (folder / name).write_bytes(source.read_bytes())
            files.append(name)
        (folder / "session-client-cases.py").write_text(CLIENT_CASES, encoding="utf-8")
        files.append("session-client-cases.py")
        bandit = run_bandit(folder, files)
        ours = run_privalint(folder, files)
    rows, missed, extra = compare(bandit, ours)
    header = f"{'file':32} {'line':>4}  {'Bandit':39} {'privalint':44} verdict"
    print(header)
    print("-" * len(header))
    print("\n".join(rows))
    print()
    print(
        f"Bandit weak-TLS findings: {len(bandit)}; found by privalint: {len(bandit) - missed}; "
        f"missed: {missed}; privalint-only findings: {extra}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
