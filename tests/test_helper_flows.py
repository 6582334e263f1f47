"""Personal data passed to the project's own helpers in other modules: the helper's
module records which parameters reach a sink (`helper-sink`), the caller which
arguments carry personal data (`helper-call`), and the project stage reports the
call with the rule of the sink."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from privalint.api import CheckOptions, Outcome, run_check
from privalint.model import Fact
from privalint.project import HELPER_CALL, HELPER_SINK, resolve_helper_calls
from tests.conftest import write_tree

LOGUTIL = """\
import logging

log = logging.getLogger("audit")


def trace(logger, message, *args):
    logger.debug("[trace] " + message, *args)


def note(event, **fields):
    log.info("%s %s", event, fields)


def length_only(value):
    log.info("value of %d characters", len(value))


def masked(value):
    log.info("value %s", value[-4:])


def remember(key, value):
    with open("/var/lib/app/notes.txt", "a") as fh:
        fh.write(f"{key}={value}\\n")
"""

VIEWS = """\
import logging

from app import logutil
from app.logutil import note, remember, trace

logger = logging.getLogger(__name__)


def signup(user):
    trace(logger, "new user %s", user.email)
    note("signup", phone=user.phone_number)
    remember("dob", user.date_of_birth)
    logutil.trace(logger, "again %s", user.email)


def quiet(user):
    trace(logger, "new user %s", user.pk)
    logutil.length_only(user.email)
    logutil.masked(user.email)
    trace(logger, "skipped %s", user.email)  # privalint: ignore[PV101]
"""

RELATIVE = """\
from .logutil import trace


def audit(logger, patient):
    trace(logger, "patient %s", patient.full_name)
"""

OTHER = """\
def trace(logger, message, *args):
    logger.debug(message, *args)
"""

CALLER_OF_OTHER = """\
import logging
from vendor.tracing import trace


def run(user):
    trace(logging.getLogger(), "x %s", user.email)
"""


@pytest.fixture
def project(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_project,
        {
            "app/__init__.py": "",
            "app/logutil.py": LOGUTIL,
            "app/views.py": VIEWS,
            "app/records.py": RELATIVE,
            # A function of the same name in another module: not the one imported.
            "tools/tracing.py": OTHER,
            "tools/jobs.py": CALLER_OF_OTHER,
        },
    )
    monkeypatch.chdir(tmp_project)
    return tmp_project


def _check(**options: object) -> Outcome:
    return run_check(CheckOptions(paths=[Path(".")], jobs=2, **options))  # type: ignore[arg-type]


def _joined(outcome: Outcome) -> list[tuple[str, int, str]]:
    return sorted(
        (f.path, f.span.start_line, f.rule_id)
        for f in outcome.report.findings
        if "passed to" in f.message and not f.suppressed
    )


EXPECTED = [
    ("app/records.py", 5, "PV101"),
    ("app/views.py", 10, "PV101"),
    ("app/views.py", 11, "PV101"),
    ("app/views.py", 12, "PV303"),
    ("app/views.py", 13, "PV101"),
]


def test_calls_that_pass_personal_data_to_a_helper_of_another_module_are_reported(
    project: Path,
) -> None:
    outcome = _check(use_cache=False)
    assert _joined(outcome) == EXPECTED
    by_line = {f.span.start_line: f for f in outcome.report.findings if f.path == "app/views.py"}
    assert by_line[10].message == (
        "email address from `user.email` is passed to `trace()` (app/logutil.py:6), "
        "which writes it to the log"
    )
    assert "which writes it to a file in clear" in by_line[12].message
    assert by_line[12].categories == ("date-of-birth",)


def test_a_suppression_at_the_call_silences_the_finding(project: Path) -> None:
    outcome = _check(use_cache=False)
    silenced = [f for f in outcome.report.findings if f.path == "app/views.py" and f.suppressed]
    assert [(f.span.start_line, f.rule_id) for f in silenced] == [(20, "PV101")]


def test_a_disabled_rule_reports_nothing_through_helpers(project: Path) -> None:
    outcome = _check(use_cache=False, ignore=("PV101",))
    assert _joined(outcome) == [("app/views.py", 12, "PV303")]


def test_the_prefilter_and_the_cache_change_nothing(project: Path) -> None:
    unfiltered = _joined(_check(use_cache=False, prefilter=False))
    assert unfiltered == EXPECTED
    assert _joined(_check()) == EXPECTED
    warm = _check()
    assert warm.report.cache_hits == 6
    assert _joined(warm) == EXPECTED


def test_the_helper_module_without_personal_data_is_checked_only_when_called(
    project: Path,
) -> None:
    (project / "app" / "views.py").write_text("def nothing():\n    return 1\n")
    (project / "app" / "records.py").write_text("")
    (project / "tools" / "jobs.py").write_text("")
    outcome = _check(use_cache=False)
    helper = next(r for r in outcome.results if r.path == "app/logutil.py")
    assert helper.deferred and not helper.parsed


def test_a_run_on_the_caller_alone_joins_the_cached_helper(project: Path) -> None:
    _check()
    (project / "app" / "views.py").write_text(
        VIEWS + "\n\ndef more(user):\n    trace(logger, 'x %s', user.email)\n"
    )
    outcome = run_check(CheckOptions(paths=[Path("app/views.py")], jobs=1))
    assert ("app/views.py", 24, "PV101") in _joined(outcome)


def _fact(kind: str, path: str, detail: str, category: str = "") -> Fact:
    return Fact(kind=kind, category=category, path=path, line=3, detail=detail)


@pytest.mark.parametrize(
    ("called", "slot", "joined"),
    [
        ("app.logutil.trace", "2", True),
        ("app.logutil.trace", "3", True),  # through `*args`
        ("app.logutil.trace", "0", False),  # the logger, not written
        ("app.logutil.trace", "=message", True),
        ("app.logutil.trace", "=other", False),
        ("logutil.trace", "1", True),  # the module's own folder as the root
        ("other.logutil.trace", "1", False),
        (".logutil.trace", "1", True),  # relative to the caller's folder
        ("..logutil.trace", "1", False),
    ],
)
def test_calls_join_by_module_path_and_argument(called: str, slot: str, joined: bool) -> None:
    sink = _fact(
        HELPER_SINK, "src/app/logutil.py", "trace\x1fPV101\x1fwrites it\x1f1 2 3\x1flogger message"
    )
    call = _fact(
        HELPER_CALL, "src/app/views.py", f"{called}\x1f{slot}\x1femail\x1fis\x1femail", "email"
    )
    flows = resolve_helper_calls([sink, call])
    assert bool(flows) is joined


def test_keywords_reach_a_helper_through_its_extra_keywords() -> None:
    sink = _fact(HELPER_SINK, "app/logutil.py", "note\x1fPV101\x1fwrites it\x1f**\x1fevent")
    taken = _fact(HELPER_CALL, "app/v.py", "app.logutil.note\x1f=phone\x1fphone\x1fis\x1fphone")
    named = _fact(HELPER_CALL, "app/v.py", "app.logutil.note\x1f=event\x1fphone\x1fis\x1fphone")
    assert [f.call for f in resolve_helper_calls([sink, taken, named])] == [taken]


def test_helper_facts_are_plain_data(project: Path) -> None:
    outcome = _check(use_cache=False)
    kinds = {f.kind for r in outcome.results for f in r.facts}
    assert {HELPER_SINK, HELPER_CALL} <= kinds
    for result in outcome.results:
        for fact in result.facts:
            assert dataclasses.replace(fact) == fact


TRACKING = """\
import mixpanel
import requests

mp = mixpanel.Mixpanel("token")


def note_signup(distinct_id, properties):
    mp.track(distinct_id, "signup", properties)


def lookup(value):
    return requests.get("https://crm.example.com/find?q=" + value, timeout=5)
"""

SIGNUP = """\
from app.tracking import lookup, note_signup


def signup(user):
    note_signup(user.pk, {"email": user.email})
    lookup(user.phone_number)
    note_signup(user.pk, {"plan": user.plan})
"""


def test_analytics_and_url_helpers_of_another_module(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_project,
        {"app/__init__.py": "", "app/tracking.py": TRACKING, "app/views.py": SIGNUP},
    )
    monkeypatch.chdir(tmp_project)
    outcome = _check(use_cache=False)
    assert _joined(outcome) == [("app/views.py", 5, "PV204"), ("app/views.py", 6, "PV202")]
    messages = [f.message for f in outcome.report.findings if "passed to" in f.message]
    assert "which sends it to Mixpanel" in messages[0]
    assert "which puts it in the URL of a request to crm.example.com" in messages[1]
    assert _joined(_check(use_cache=False, prefilter=False)) == _joined(outcome)
