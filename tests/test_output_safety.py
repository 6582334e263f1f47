"""Output safety: scanned file names and source text cannot drive the terminal, inject
rich markup or break JSON, SARIF, GitLab or GitHub-command output; reports, baselines
and the cache never repeat personal data found in the code.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import lzma
import os
import pickle
import re
import zlib
from pathlib import Path

import jsonschema
import libcst as cst
import pytest
from click.testing import CliRunner

from privalint import api
from privalint.api import CheckOptions, run_check
from privalint.cli import cli
from privalint.inventory import render as render_inventory
from privalint.inventory import run_inventory
from privalint.model import Family, Severity
from privalint.output import FORMATS, render
from privalint.output.sources import json_text, safe, source_lines
from privalint.output.text import FRAME_WIDTH
from privalint.registry import all_rules
from privalint.rule import Rule

HERE = Path(__file__).parent
SARIF_SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

LOG = b"import logging\n\n\ndef f(user):\n    logging.info(user.email)\n"

# File names that try to style, move the cursor, retitle the terminal, reorder text,
# split a line or add GitHub command properties.
HOSTILE_NAMES = [
    "[bold red]styled[/bold red]",  # a folder and a file: the closing tag spans them
    "[link=evil]click",
    "esc\x1b[2Jclear",
    "osc\x1b]0;retitled\x07",
    "newline\nname",
    "return\rname",
    "csi\u009b2J",
    "bidi\u202egnp.exe",
    "isolate\u2066x\u2069",
    "separator\u2028line",
    "tab\tname",
    "del\x7fname",
    "bell\x07",
    "%0A%25encoded",
    "props,line=1,title=pwned::x",
    "quote\"'back\\slash",
]

# Code whose text reaches messages (through a rule that quotes it).
HOSTILE_SOURCE = (
    "import logging\n\n\n"
    "def f(user):\n"
    '    quote("email \x1b[2J\x1b]0;owned\x07 \u009b31m \u202e [bold]x[/bold] %0A ::error::")\n'
    "    logging.info(user.email)\n"
)

# Characters no output may carry raw (newline separates lines; nothing else).
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SGR = re.compile("\x1b\\[[0-9;]*m")


def unsafe_characters(text: str) -> list[str]:
    return sorted({repr(ch) for ch in _UNSAFE.findall(text)})


class QuotingRule(Rule):
    """
    ## What it does
    Quotes the code of every `quote(...)` call in its message (a test rule).

    ## Why is this bad?
    It carries source text into every output format.
    """

    id = "PV198"
    name = "quoting-rule"
    family = Family.PII_IN_LOGS
    severity = Severity.WARNING
    title = "Quotes code"
    message = "quoted {code}"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "quote":
            self.report(node, code=self.ctx.code(node, limit=200))
            raise ValueError(f"cannot handle {self.ctx.code(node.args[0])}")


@pytest.fixture
def hostile_project(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for i, name in enumerate(HOSTILE_NAMES):
        if name.startswith("[bold red]styled"):
            folder = tmp_project / "[bold red]styled["
            folder.mkdir()
            (folder / "bold red].py").write_bytes(LOG)
        else:
            (tmp_project / f"{i:02d}_{name}.py").write_bytes(LOG)
    (tmp_project / "source.py").write_text(HOSTILE_SOURCE, encoding="utf-8")
    (tmp_project / "undecodable_\udcff.py").write_bytes(LOG)
    (tmp_project / "broken\x1b[2J.py").write_bytes(b"print 'python 2'\n")
    os.symlink("nowhere", tmp_project / "dangling\x1b]0;x\x07.py")
    rules = (*all_rules(), QuotingRule)
    monkeypatch.setattr("privalint.runner.all_rules", lambda: rules)
    monkeypatch.setattr(api, "all_rules", lambda: rules)
    monkeypatch.chdir(tmp_project)
    return tmp_project


def _outcome(folder: Path) -> api.Outcome:
    return run_check(CheckOptions(paths=[folder], jobs=1, use_cache=False, prefilter=False))


def test_the_hostile_project_reaches_every_reporter(hostile_project: Path) -> None:
    outcome = _outcome(hostile_project)
    paths = {f.path for f in outcome.report.findings}
    assert len(paths) == len(HOSTILE_NAMES) + 3
    rules = {f.rule_id for f in outcome.report.findings}
    assert {"PV101", "PV198", "PV003", "PV000"} <= rules
    assert any("\x1b" in f.message for f in outcome.report.findings)
    assert any("\x1b" in f.path for f in outcome.report.findings)
    assert any("dangling" in (n.path or "") for n in outcome.report.notifications)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_passes_control_characters_through(hostile_project: Path, fmt: str) -> None:
    outcome = _outcome(hostile_project)
    text = render(outcome.report, fmt)
    assert unsafe_characters(text) == []
    text.encode("utf-8")


def test_colour_output_carries_only_its_own_escape_sequences(hostile_project: Path) -> None:
    outcome = _outcome(hostile_project)
    text = render(outcome.report, "text", color=True)
    assert _SGR.search(text), "expected colour"
    assert unsafe_characters(_SGR.sub("", text)) == []


def test_text_output_shows_markup_literally(hostile_project: Path) -> None:
    outcome = _outcome(hostile_project)
    for color in (False, True):
        text = _SGR.sub("", render(outcome.report, "text", color=color))
        assert "[bold red]styled[/bold red].py:5:" in text
        assert "[link=evil]click.py:5:" in text
        assert "[bold]x[/bold]" in text
        assert "esc\\x1b[2Jclear.py:5:" in text


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab"])
def test_json_formats_round_trip_every_name_and_message(hostile_project: Path, fmt: str) -> None:
    outcome = _outcome(hostile_project)
    document = json.loads(render(outcome.report, fmt))
    shown = {f.path for f in outcome.report.findings if not f.suppressed}
    messages = {f.message for f in outcome.report.findings if not f.suppressed}
    if fmt == "json":
        assert {f["path"] for f in document["findings"]} == shown
        assert {f["message"] for f in document["findings"]} == messages
    elif fmt == "gitlab":
        assert {i["location"]["path"] for i in document} >= shown
        descriptions = " ".join(i["description"] for i in document)
        assert all(message in descriptions for message in messages)
    else:
        assert jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).is_valid(document)
        results = document["runs"][0]["results"]
        assert {r["message"]["text"] for r in results} == messages
        for result in results:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert re.fullmatch(r"[A-Za-z0-9\-._~%!$&'()*+,;=:@/]+", uri), uri


_GITHUB_LINE = re.compile(r"::(error|warning|notice)(?: ([^:]*))?::(.*)")
_GITHUB_PROPERTIES = {"file", "line", "col", "endLine", "endColumn", "title"}


def test_github_commands_stay_one_per_line_with_their_own_properties(
    hostile_project: Path,
) -> None:
    outcome = _outcome(hostile_project)
    text = render(outcome.report, "github")
    lines = text.splitlines()
    visible = [f for f in outcome.report.findings if not f.suppressed]
    assert len(lines) == len(visible) + len(outcome.report.notifications)
    for line in lines:
        match = _GITHUB_LINE.fullmatch(line)
        assert match, line
        properties = match.group(2) or ""
        keys = [part.split("=", 1)[0] for part in properties.split(",") if part]
        assert set(keys) <= _GITHUB_PROPERTIES and len(keys) == len(set(keys)), line
        assert "::" not in properties


def test_safe_escapes_what_can_drive_a_terminal() -> None:
    assert safe("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert safe("\u009b\u202e\u2028\x7f") == "\\x9b\\u202e\\u2028\\x7f"
    assert safe("\udcff") == "\\udcff"
    assert safe("héllo 名前 [b]") == "héllo 名前 [b]"


def test_json_text_escapes_unsafe_characters_but_keeps_the_value() -> None:
    value = {"path": "a\x1b\u009b\u202e\u2028\udcffb é 名", "n": 1}
    text = json_text(value)
    assert unsafe_characters(text) == []
    assert json.loads(text) == value
    assert "é 名" in text


def test_source_lines_count_lines_as_python_does() -> None:
    text = "a\x0cb\nc\x1cd\re\u2028f\r\ng\x85h\n"
    assert source_lines(text) == ["a\x0cb", "c\x1cd", "e\u2028f", "g\x85h"]


def test_code_frames_point_at_the_right_line_after_form_feeds(tmp_project: Path) -> None:
    (tmp_project / "ff.py").write_bytes(
        b"import logging\n\x0c\n# \x1c\xc2\x85 separators\n\ndef f(user):\n"
        b"    logging.info(user.email)\n"
    )
    outcome = run_check(CheckOptions(paths=[tmp_project], jobs=1, use_cache=False))
    text = render(outcome.report, "text")
    assert "6 |     logging.info(user.email)" in text


def test_code_frames_of_very_long_lines_are_clipped(tmp_project: Path) -> None:
    padding = "x" * 300_000
    (tmp_project / "long.py").write_text(
        f"import logging\n\n\ndef f(user):\n    logging.info('{padding}', user.email, '{padding}')\n"
    )
    outcome = run_check(CheckOptions(paths=[tmp_project], jobs=1, use_cache=False))
    [finding] = outcome.report.findings
    text = render(outcome.report, "text")
    assert len(text) < 2_000
    frame = [line for line in text.splitlines() if line.startswith("5 | ")]
    assert len(frame) == 1 and "user.email" in frame[0]
    assert len(frame[0]) <= FRAME_WIDTH + 10
    caret = next(line for line in text.splitlines() if "^" in line)
    assert caret.index("^") == frame[0].index("user.email")
    assert finding.span.start_col == len("    logging.info('") + 300_000 + len("', ") + 1


# -- inventory ----------------------------------------------------------------------------


COLLECTING = (
    "from flask import request\n\n\n"
    "def signup():\n"
    '    email = request.form["email"]\n'
    "    return email\n"
)


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_inventory_output_is_safe(tmp_project: Path, fmt: str) -> None:
    for i, name in enumerate(HOSTILE_NAMES):
        if name.startswith("[bold red]styled"):
            folder = tmp_project / "[bold red]styled["
            folder.mkdir()
            (folder / "bold red].py").write_text(COLLECTING)
        else:
            (tmp_project / f"{i:02d}_{name}.py").write_text(COLLECTING)
    run = run_inventory(CheckOptions(paths=[tmp_project], jobs=1, use_cache=False))
    assert run.inventory.categories
    for color in (False, True):
        text = render_inventory(run.inventory, fmt, color=color)
        assert unsafe_characters(_SGR.sub("", text)) == []
        if fmt == "json":
            json.loads(text)


def test_inventory_table_shows_markup_literally(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_project)
    (tmp_project / "x[").mkdir()
    (tmp_project / "x[" / "b].py").write_text(COLLECTING)
    run = run_inventory(CheckOptions(paths=[tmp_project], jobs=1, use_cache=False))
    for color in (False, True):
        assert "x[/b].py:5" in _SGR.sub("", render_inventory(run.inventory, "table", color=color))


# -- no personal data stored ---------------------------------------------------------------

# Values that are personal data by themselves, planted in code that gets reported.
PLANTED = ("4111111111111111", "4111 1111 1111 1111", "DE89370400440532013000")
PLANTED_CODE = (
    "import logging\n"
    "import requests\n\n"
    "log = logging.getLogger(__name__)\n"
    'CUSTOMER = {"card_number": "4111111111111111", "iban": "DE89370400440532013000"}\n\n\n'
    "def f(user):\n"
    '    log.info("card 4111 1111 1111 1111")\n'
    "    log.info(CUSTOMER)\n"
    '    log.info("iban %s", "DE89370400440532013000")\n'
    '    requests.post("http://api.example.com/u", data={"card": "4111111111111111"})\n'
    "    print(user.email)\n"
)


def _contains_planted(data: bytes) -> list[str]:
    views = [data]
    for decompress in (zlib.decompress, gzip.decompress, lzma.decompress):
        with contextlib.suppress(Exception):
            views.append(decompress(data))
    found = []
    for view in views:
        for value in PLANTED:
            for encoded in (value.encode(), value.encode("utf-16-le")):
                if encoded in view:
                    found.append(value)
    return found


def test_reports_baselines_and_the_cache_store_no_personal_values(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_project / "app.py").write_text(PLANTED_CODE)
    monkeypatch.chdir(tmp_project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=True))
    assert len(outcome.report.findings) >= 3
    for result in outcome.results:
        assert _contains_planted(pickle.dumps(result)) == []
    for fmt in FORMATS:
        text = render(outcome.report, fmt)
        if fmt == "text":  # code frames quote the source, as every linter's do
            text = "\n".join(line for line in text.splitlines() if " | " not in line)
        assert _contains_planted(text.encode()) == [], fmt
    baseline = tmp_project / "baseline.json"
    result = CliRunner().invoke(cli, ["baseline", ".", "-o", str(baseline), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert json.loads(baseline.read_text())["findings"]
    assert _contains_planted(baseline.read_bytes()) == []
    stored = [p for p in tmp_project.rglob("*") if p.is_file() and p.name != "app.py"]
    for path in stored:
        assert _contains_planted(path.read_bytes()) == [], path
