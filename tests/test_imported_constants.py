"""Constants of one module read in another: `PARTNER_URL = "http://..."` in
`app/settings.py`, `requests.post(settings.PARTNER_URL, ...)` elsewhere. The defining
module offers its constants with an insecure scheme (`binding` facts), the reading
module records which such names it reads (`constant-use` facts), and the reading file
is checked again with their literals known."""

from __future__ import annotations

from pathlib import Path

import pytest

from privalint.api import CheckOptions, run_check
from privalint.model import Fact
from privalint.project import BINDING, CONSTANT, CONSTANT_USE, binding_detail, resolve_seeds
from tests.conftest import write_tree

SETTINGS = """\
DEBUG = False
PARTNER_URL = "http://partner.example/api/v1"
SECURE_URL = "https://partner.example/api/v1"
"""

CONFIG = """\
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    registry_url: str = "http://registry.example/api"
    billing_url: str = "https://billing.example/api"


settings = Settings()
"""

TASKS = """\
import requests
from django.conf import settings as django_settings

from app import settings
from app.config import settings as config
from app.settings import PARTNER_URL, SECURE_URL


def sync(client):
    requests.post(PARTNER_URL, json={"dob": client.date_of_birth.isoformat()})
    requests.post(settings.PARTNER_URL, json={"email": client.email})
    requests.post(SECURE_URL, json={"email": client.email})
    lookup = config.registry_url + "/search"
    requests.get(lookup, params={"surname": client.last_name})
    requests.get(config.billing_url, params={"surname": client.last_name})
    requests.post(django_settings.PARTNER_URL, json={"email": client.email})
    requests.post(django_settings.DEBUG_URL, json={"email": client.email})
"""


@pytest.fixture
def project(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_project,
        {
            "app/__init__.py": "",
            "app/settings.py": SETTINGS,
            "app/config.py": CONFIG,
            "app/tasks.py": TASKS,
        },
    )
    monkeypatch.chdir(tmp_project)
    return tmp_project


def _plain_http(paths: list[Path], **options: object) -> list[int]:
    outcome = run_check(CheckOptions(paths=paths, jobs=1, **options))  # type: ignore[arg-type]
    return sorted(
        f.span.start_line
        for f in outcome.report.findings
        if f.path == "app/tasks.py" and f.rule_id == "PV508"
    )


def test_an_insecure_url_read_from_another_module_is_judged_where_it_is_used(
    project: Path,
) -> None:
    # Module constants by name and as attributes of the module, a field default of
    # the one instance of a settings class, and Django's settings object; not the
    # https:// ones, nor a name no settings module defines.
    assert _plain_http([Path(".")], use_cache=False) == [10, 11, 14, 16]


def test_the_cache_and_a_run_on_the_reading_file_alone_agree(project: Path) -> None:
    assert _plain_http([Path(".")]) == [10, 11, 14, 16]
    assert _plain_http([Path("app/tasks.py")]) == [10, 11, 14, 16]


def _fact(kind: str, path: str, detail: str) -> Fact:
    return Fact(kind=kind, category="", path=path, line=1, detail=detail)


def test_constants_join_by_module_path() -> None:
    url = CONSTANT + repr("http://x.example")
    facts = [
        _fact(BINDING, "app/settings.py", binding_detail("API_URL", url)),
        _fact(BINDING, "app/config.py", binding_detail("settings.api_url", url)),
        _fact(BINDING, "other/settings.py", binding_detail("OTHER_URL", url)),
        _fact(CONSTANT_USE, "app/views.py", "app.settings.API_URL"),
        _fact(CONSTANT_USE, "app/views.py", "app.config.settings.api_url"),
        _fact(CONSTANT_USE, "app/views.py", "django.conf.settings.OTHER_URL"),
        # another module's name of the same spelling is not it
        _fact(CONSTANT_USE, "app/views.py", "app.client.API_URL"),
    ]
    assert resolve_seeds(facts, (), ["django.conf.settings"]) == {
        "app/views.py": {
            "app.settings.API_URL": url,
            "app.config.settings.api_url": url,
            "django.conf.settings.OTHER_URL": url,
        }
    }


PBX_SETTINGS = """\
ARI_LOCAL = "http://127.0.0.1:8088/ari"
AMI_HOST = "127.0.0.1"
ESL_HOST = "fs1.pbx.example.com"
ESL_PORT_NOTE = "see fs1.pbx.example.com docs"
VERSION = "1.2.3"
"""

PBX_CLIENTS = """\
import ari
import greenswitch
from panoramisk import Manager

from pbx import settings

stats = Manager(host=settings.AMI_HOST, port=5038, username="stats", secret="stats-only")
esl = greenswitch.InboundESL(host=settings.ESL_HOST, port=8021, password=settings.ESL_PASSWORD)
local = ari.connect(settings.ARI_LOCAL, "stats", "st4ts-Pass")
"""


def test_a_bare_host_constant_is_offered_to_the_modules_that_read_it() -> None:
    import libcst as cst

    from privalint.imports import ImportTable

    table = ImportTable()
    table.learn_constants(cst.parse_module(PBX_SETTINGS), ("http://",))
    # Host names and addresses; not text that mentions one, nor a version.
    assert table.module_bindings() == [
        ("AMI_HOST", CONSTANT + repr("127.0.0.1")),
        ("ARI_LOCAL", CONSTANT + repr("http://127.0.0.1:8088/ari")),
        ("ESL_HOST", CONSTANT + repr("fs1.pbx.example.com")),
    ]


def test_a_host_read_from_settings_decides_whether_control_traffic_leaves_the_machine(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_project,
        {"pbx/__init__.py": "", "pbx/settings.py": PBX_SETTINGS, "pbx/clients.py": PBX_CLIENTS},
    )
    monkeypatch.chdir(tmp_project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    found = sorted(
        (f.span.start_line, f.rule_id)
        for f in outcome.report.findings
        if f.path == "pbx/clients.py"
    )
    # The event socket on another machine is in clear text; the manager and ARI on the
    # loopback address are not, and their logins there are no secrets worth reporting.
    assert found == [(8, "PV607")]


ENV_SETTINGS = """\
import os
from os import getenv

import environ
from decouple import config
from environs import Env

env = Env()
denv = environ.Env()

AMI_HOST = os.environ.get("AMI_HOST", "pbx-1.contact.example.net")
AMI_LOCAL = getenv("AMI_LOCAL", "127.0.0.1")
ESL_HOST = env.str("ESL_HOST", default="fs1.contact.example.net")
REDIS_HOST = denv.str("REDIS_HOST", "cache.contact.example.net")
ARI_HOST = config("ARI_HOST", default="ari.contact.example.net:8088")
ARI_URL = config("ARI_URL", default="http://ari.contact.example.net:8088/ari")
AMI_SECRET = os.environ.get("AMI_SECRET", "changeme")
ESL_PORT = os.environ.get("ESL_PORT", "8021")
SIP_HOST = os.environ.get("SIP_HOST")
DB_HOST = os.environ["DB_HOST"]
CAST_HOST = config("CAST_HOST", str)
"""


def test_an_environment_default_is_offered_as_the_lookup_that_reads_it() -> None:
    import libcst as cst

    from privalint.catalog import bundled
    from privalint.imports import EnvReaders, ImportTable

    catalog = bundled()
    readers = EnvReaders(
        functions=frozenset(catalog.strings("imports.env-readers")),
        configs=frozenset(catalog.strings("imports.config-readers")),
        objects=frozenset(catalog.strings("imports.env-reader-objects")),
    )
    module = cst.parse_module(ENV_SETTINGS)
    table = ImportTable()
    for stmt in module.body:
        for small in getattr(stmt, "body", ()):
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                table.bind_import(small)
            elif isinstance(small, cst.Assign):
                table.bind_target(small.targets[0].target, table.instance_of(small.value))
    table.learn_constants(module, ("http://", "redis://"), readers)
    # Lookups whose fallback is a host, spelt as the one lookup every reader knows;
    # not a URL (reported where it is written), a secret, a port, a lookup without a
    # fallback, nor a positional argument a reader takes as its cast.
    offered = [(n, v) for n, v in table.module_bindings() if v.startswith(CONSTANT)]
    assert offered == [
        ("AMI_HOST", CONSTANT + "os.environ.get('AMI_HOST', 'pbx-1.contact.example.net')"),
        ("AMI_LOCAL", CONSTANT + "os.environ.get('AMI_LOCAL', '127.0.0.1')"),
        ("ARI_HOST", CONSTANT + "os.environ.get('ARI_HOST', 'ari.contact.example.net:8088')"),
        ("ESL_HOST", CONSTANT + "os.environ.get('ESL_HOST', 'fs1.contact.example.net')"),
        ("REDIS_HOST", CONSTANT + "os.environ.get('REDIS_HOST', 'cache.contact.example.net')"),
    ]


ENV_PBX_SETTINGS = """\
import os

AMI_HOST = os.environ.get("CC_AMI_HOST", "pbx-1.contact.example.net")
AMI_LOCAL = os.getenv("CC_AMI_LOCAL", "127.0.0.1")
ESL_HOST = os.environ.get("CC_ESL_HOST", "localhost")
"""

ENV_PBX_CLIENTS = """\
import greenswitch
from panoramisk import Manager

from contact import settings
from contact.settings import AMI_LOCAL, ESL_HOST

manager = Manager(host=settings.AMI_HOST, port=5038, username="monitor", secret=settings.AMI_SECRET)
stats = Manager(host=AMI_LOCAL, port=5038, username="stats", secret=settings.AMI_SECRET)
esl = greenswitch.InboundESL(host=ESL_HOST, port=8021, password=settings.ESL_PASSWORD)
"""


def test_a_host_read_from_the_environment_in_settings_is_judged_by_its_default(
    tmp_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_project,
        {
            "contact/__init__.py": "",
            "contact/settings.py": ENV_PBX_SETTINGS,
            "contact/monitor.py": ENV_PBX_CLIENTS,
        },
    )
    monkeypatch.chdir(tmp_project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    found = sorted(
        (f.span.start_line, f.rule_id)
        for f in outcome.report.findings
        if f.path == "contact/monitor.py"
    )
    # The manager falls back to a PBX on another machine: clear text, as when the
    # lookup is in the file itself; the loopback fallbacks stay silent.
    assert found == [(7, "PV607")]
