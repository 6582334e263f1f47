"""Library objects created in one module and used in another: `mp = Mixpanel(token)`
in `app/clients.py`, `from app.clients import mp; mp.track(...)` elsewhere. The
creating module records what its names are (`binding` facts), the calling module
which methods of imported names it passes personal data to (`helper-call` facts),
and the calling file is checked again with those names known, so that every rule
sees the call as the library's."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from privalint.api import CheckOptions, Outcome, run_check
from privalint.imports import ImportTable
from privalint.model import Fact
from privalint.project import BINDING, HELPER_CALL, binding_targets, resolve_seeds
from tests.conftest import write_tree

CLIENTS = """\
import logging

import boto3
import redis
import structlog
from google.cloud import storage
from mixpanel import Mixpanel

mp = Mixpanel("token")
kv = redis.Redis(host="cache.internal")
calls = logging.getLogger("calls")
slog = structlog.get_logger()
s3 = boto3.client("s3")


def get_store():
    return redis.Redis(host="cache.internal")


def bucket(name):
    return storage.Client().bucket(name)


class Thing:
    def track(self, *args):
        return args


thing = Thing()
"""

VIEWS = """\
from app.clients import bucket, calls, get_store, kv, s3, slog, thing

from .clients import mp as mixpanel_client


def signup(user):
    mixpanel_client.track(user.pk, "signup", {"email": user.email})
    kv.set(f"profile:{user.pk}", user.date_of_birth)
    calls.info("call from %s", user.phone_number)
    slog.info("signup", email=user.email)
    s3.put_object(Bucket="avatars", Key=user.email, Body=b"", ACL="public-read")
    get_store().set("ssn", user.ssn)


def quiet(user):
    kv.set(f"visits:{user.pk}", 3)
    calls.info("call from user %s", user.pk)
    thing.track(user.email)
    get_store().set("ssn", user.ssn)  # privalint: ignore[PV305]


def export(user):
    blob = bucket("exports").blob(f"{user.pk}.txt")
    blob.upload_from_string(user.email)
    blob.make_public()
"""

# Same names, another module: not what `views.py` imports.
OTHER = """\
import logging

calls = logging.getLogger("other")
"""

EXPECTED = [
    (7, "PV204"),
    (8, "PV305"),
    (9, "PV101"),
    (10, "PV101"),
    (11, "PV203"),
    (12, "PV305"),
    (25, "PV203"),
]


@pytest.fixture
def project(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_project,
        {
            "app/__init__.py": "",
            "app/clients.py": CLIENTS,
            "app/views.py": VIEWS,
            "tools/clients.py": OTHER,
        },
    )
    monkeypatch.chdir(tmp_project)
    return tmp_project


def _check(paths: tuple[str, ...] = (".",), **options: object) -> Outcome:
    return run_check(
        CheckOptions(paths=[Path(p) for p in paths], jobs=2, **options)  # type: ignore[arg-type]
    )


def _found(outcome: Outcome) -> list[tuple[int, str]]:
    return sorted(
        (f.span.start_line, f.rule_id)
        for f in outcome.report.findings
        if f.path == "app/views.py" and not f.suppressed
    )


def test_methods_of_objects_created_in_another_module_are_the_librarys(project: Path) -> None:
    outcome = _check(use_cache=False)
    assert _found(outcome) == EXPECTED
    messages = {f.span.start_line: f.message for f in outcome.report.findings}
    assert "is sent to Mixpanel" in messages[7]
    assert "is stored in Redis by `get_store().set(…)`" in messages[12]


def test_a_suppression_in_the_calling_file_still_holds(project: Path) -> None:
    silenced = [
        (f.span.start_line, f.rule_id)
        for f in _check(use_cache=False).report.findings
        if f.suppressed
    ]
    assert silenced == [(19, "PV305")]


def test_the_prefilter_and_the_cache_change_nothing(project: Path) -> None:
    assert _found(_check(use_cache=False, prefilter=False)) == EXPECTED
    assert _found(_check()) == EXPECTED
    warm = _check()
    assert _found(warm) == EXPECTED
    assert all(r.from_cache for r in warm.results)


def test_a_run_on_the_calling_file_alone_uses_the_cached_module(project: Path) -> None:
    _check()
    assert _found(_check(paths=("app/views.py",))) == EXPECTED


@pytest.mark.parametrize("used", [True, False])
def test_the_creating_module_is_parsed_only_when_its_objects_are_used(
    project: Path, used: bool
) -> None:
    (project / "app" / "clients.py").write_text(OTHER)
    call = "calls.info('from %s', user.phone_number)" if used else "return user"
    (project / "app" / "views.py").write_text(
        f"from app.clients import calls\n\n\ndef f(user):\n    {call}\n"
    )
    outcome = _check(use_cache=False)
    clients = next(r for r in outcome.results if r.path == "app/clients.py")
    assert clients.parsed is used
    assert clients.deferred is not used
    assert _found(outcome) == ([(5, "PV101")] if used else [])


def _fact(kind: str, path: str, detail: str) -> Fact:
    return Fact(kind=kind, category="email", path=path, line=3, detail=detail)


@pytest.mark.parametrize(
    ("called", "seeded"),
    [
        ("app.clients.mp.track", {"app.clients.mp": "mixpanel.Mixpanel()"}),
        (".clients.mp.track", {".clients.mp": "mixpanel.Mixpanel()"}),
        ("clients.mp.track", {"clients.mp": "mixpanel.Mixpanel()"}),
        ("other.clients.mp.track", None),
        ("..clients.mp.track", None),
        ("app.clients.get_store().set", {"app.clients.get_store()": "redis.Redis()"}),
        (
            "app.clients.get_store().pipeline().set",
            {"app.clients.get_store()": "redis.Redis()"},
        ),
        ("app.clients.get_store.set", None),  # the function itself, not what it returns
        ("app.clients.track", None),  # a function of the module, not an object's method
    ],
)
def test_calls_join_bindings_by_module_path(called: str, seeded: object) -> None:
    bindings = [
        _fact(BINDING, "src/app/clients.py", "mp\x1fmixpanel.Mixpanel()"),
        _fact(BINDING, "src/app/clients.py", "get_store()\x1fredis.Redis()"),
    ]
    call = _fact(HELPER_CALL, "src/app/views.py", f"{called}\x1f0\x1femail\x1fis\x1femail")
    assert resolve_seeds([*bindings, call]).get("src/app/views.py") == seeded
    # The same bindings known only from other files (a run on the caller alone).
    assert resolve_seeds([call], bindings).get("src/app/views.py") == seeded


def test_the_modules_of_used_objects_are_the_targets_of_deferred_files() -> None:
    call = _fact(HELPER_CALL, "app/views.py", ".clients.get_store().set\x1f0\x1fe\x1fis\x1femail")
    assert binding_targets([call]) == {("app", "clients"): {"get_store"}}


def _table(source: str, seeds: dict[str, str]) -> ImportTable:
    table = ImportTable(seeds=seeds)
    for stmt in cst.parse_module(source).body:
        assert isinstance(stmt, cst.SimpleStatementLine)
        small = stmt.body[0]
        assert isinstance(small, (cst.Import, cst.ImportFrom))
        table.bind_import(small)
    return table


def test_seeded_names_resolve_to_the_library_objects() -> None:
    table = _table(
        "from app.clients import mp as client, get_store\nfrom app import clients\n",
        {"app.clients.mp": "mixpanel.Mixpanel()", "app.clients.get_store()": "redis.Redis()"},
    )
    assert table.qualname(cst.parse_expression("client.track")) == "mixpanel.Mixpanel().track"
    assert table.qualname(cst.parse_expression("clients.mp.track")) == ("mixpanel.Mixpanel().track")
    assert table.qualname(cst.parse_expression("get_store().set")) == "redis.Redis().set"
    assert table.qualname(cst.parse_expression("get_store.cache_info")) == (
        "app.clients.get_store.cache_info"
    )


def _learn(table: ImportTable, module: cst.Module) -> None:
    """What ``table`` knows after reading ``module``'s imports and definitions."""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            small = stmt.body[0]
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                table.bind_import(small)
    table.learn_definitions(module)


def test_a_module_offers_its_library_objects_and_factories() -> None:
    module = cst.parse_module(CLIENTS)
    table = ImportTable()
    _learn(table, module)
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Assign):
            assign = stmt.body[0]
            table.bind_target(assign.targets[0].target, table.instance_of(assign.value))
    assert table.module_bindings() == [
        ("bucket()", "google.cloud.storage.Client().bucket()"),
        ("calls", "logging.getLogger()"),
        ("get_store()", "redis.Redis()"),
        ("kv", "redis.Redis()"),
        ("mp", "mixpanel.Mixpanel()"),
        ("s3", "boto3.client()"),
        ("slog", "structlog.get_logger()"),
    ]


SCHEMAS = """\
from dataclasses import dataclass, field

import attr
from pydantic import BaseModel


@attr.s(auto_attribs=True)
class BookingRequest:
    visitor_name: str
    visitor_email: str
    slot_id: int


@dataclass
class Quiet:
    slot: str
    phone: str = field(repr=False)


class JoinRequest(BaseModel):
    full_name: str
    iban: str
    employer: str


class Plain:
    email: str
"""

BOOKINGS = """\
import logging

from app.schemas import BookingRequest, JoinRequest, Plain, Quiet

log = logging.getLogger(__name__)


def book(body):
    booking = BookingRequest(visitor_name=body["name"], visitor_email=body["mail"], slot_id=1)
    log.info("booking received %s", booking)
    log.info("slot %s", booking.slot_id)
    quiet = Quiet(slot="x", phone=body["phone"])
    log.info("quiet %s", quiet)


def join(req: JoinRequest, plain: Plain):
    log.info("join payload %s", req.dict())
    log.info("join %s", req)
    log.info("employer %s", req.employer)
    log.info("plain %s", plain)
"""


def test_instances_of_classes_of_another_module_whose_text_lists_their_fields(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_project,
        {"app/__init__.py": "", "app/schemas.py": SCHEMAS, "app/bookings.py": BOOKINGS},
    )
    monkeypatch.chdir(tmp_project)
    outcome = _check(use_cache=False)
    found = sorted(
        (f.span.start_line, f.rule_id)
        for f in outcome.report.findings
        if f.path == "app/bookings.py"
    )
    assert found == [(10, "PV101"), (17, "PV101"), (18, "PV101")]
    messages = {f.span.start_line: f.message for f in outcome.report.findings}
    assert "person name from `JoinRequest.full_name`" in messages[18]
    assert _check().report.findings == outcome.report.findings
    assert run_check(CheckOptions(paths=[Path("app/bookings.py")], jobs=1)).report.findings == [
        f for f in outcome.report.findings if f.path == "app/bookings.py"
    ]


def test_a_module_offers_its_logger_subclasses_as_their_library_base() -> None:
    """`class RequestAdapter(logging.LoggerAdapter)` stands for a logger adapter in the
    modules that import it; a model class is offered as nothing."""
    module = cst.parse_module(
        "import logging\n"
        "from django.db import models\n"
        "class RequestAdapter(logging.LoggerAdapter):\n    pass\n"
        "class Patient(models.Model):\n    pass\n"
    )
    table = ImportTable(offered_bases=frozenset({"logging.LoggerAdapter"}))
    _learn(table, module)
    assert table.module_bindings() == [("RequestAdapter", "logging.LoggerAdapter")]
    importer = _table(
        "from shared.logutil import RequestAdapter\n",
        {"shared.logutil.RequestAdapter": "logging.LoggerAdapter"},
    )
    assert importer.qualname(cst.parse_expression("RequestAdapter(base, {}).warning")) == (
        "logging.LoggerAdapter().warning"
    )
