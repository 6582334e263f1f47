"""``privalint inventory``: the data map built from facts, its formats and ``--write``.

The JSON of the clinic fixture project is a golden file; regenerate it with
``PRIVALINT_UPDATE_GOLDEN=1 python -m pytest tests/test_inventory.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from privalint.api import CheckOptions, collect_facts, run_check
from privalint.cli import cli
from privalint.inventory import run_inventory
from tests.conftest import FIXTURES, REPO

SHOP = FIXTURES / "projects" / "shop"
CLINIC = FIXTURES / "projects" / "clinic"
GOLDEN = REPO / "tests" / "golden" / "inventory-clinic.json"
UPDATE = bool(os.environ.get("PRIVALINT_UPDATE_GOLDEN"))


def _invoke(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["inventory", *args, "--no-cache", "-j", "1"])
    return result.exit_code, result.stdout, result.stderr


def test_json_matches_the_golden_file(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _invoke(CLINIC, monkeypatch, "--format", "json")
    assert code == 0, err
    if UPDATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(out, encoding="utf-8")
    assert json.loads(out) == json.loads(GOLDEN.read_text(encoding="utf-8")), (
        "inventory JSON changed: PRIVALINT_UPDATE_GOLDEN=1 python -m pytest tests/test_inventory.py"
    )


def test_stored_logged_and_sent_places_come_from_the_other_families(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, out, _ = _invoke(CLINIC, monkeypatch, "--format", "json")
    by_id = {c["category"]: c for c in json.loads(out)["categories"]}
    email = by_id["email"]
    assert email["stored"] == [
        {
            "path": "clinic/models.py",
            "line": 9,
            "detail": "model field Patient.email",
            "encrypted": False,
        }
    ]
    assert email["sent"] == [{"path": "clinic/views.py", "line": 20, "detail": "Segment"}]
    government = by_id["government-id"]
    assert government["declared"] is False
    # The NI number in an encrypted field, the passport number encrypted before it is
    # saved (`passport_number_enc`): both kept, both collected.
    assert [p["encrypted"] for p in government["stored"]] == [True, True]
    assert [p["line"] for p in government["collected"]] == [12, 17]
    assert [p["line"] for p in by_id["person-name"]["logged"]] == [28]
    assert by_id["health"]["special_condition"] == "health-or-social-care"


def test_json_lists_every_collected_category_with_its_places(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, out, _ = _invoke(SHOP, monkeypatch, "--format", "json")
    data = json.loads(out)
    by_id = {c["category"]: c for c in data["categories"]}
    assert data["manifest"] == "privacy.toml"
    phone = by_id["phone"]
    assert phone["declared"] is False and phone["label"] == "phone number"
    assert {"path": "shop/views.py", "line": 46, "detail": '`query.get("phone")`'} in phone[
        "collected"
    ]
    assert phone["logged"] == [{"path": "shop/views.py", "line": 49, "detail": "`log.info`"}]
    email = by_id["email"]
    assert email["declared"] is True and email["purpose"].startswith("Sign-in")
    # declared and never collected: listed, with nothing collected
    assert by_id["payment-card"]["collected"] == [] and by_id["payment-card"]["declared"]
    assert set(data["undeclared"]) == {
        c for c, v in by_id.items() if v["collected"] and not v["declared"]
    }
    assert "phone-number" not in by_id
    assert any("phone-number" in p["message"] for p in data["manifest_problems"])


def test_markdown_opens_with_a_mermaid_flowchart_highlighting_undeclared_categories(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = _invoke(SHOP, monkeypatch, "--format", "markdown")
    assert code == 0
    assert out.startswith("# Personal data inventory\n")
    chart = out.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert chart.startswith("flowchart LR\n")
    lines = chart.splitlines()
    phone = next(line.split("(")[0].strip() for line in lines if '"phone number"' in line)
    email = next(line.split("(")[0].strip() for line in lines if '"email address"' in line)
    highlighted = next(line for line in lines if line.strip().startswith("class ")).split()[1]
    assert phone in highlighted.split(",") and email not in highlighted.split(",")
    assert any(line.strip().endswith(f"--> {phone}") for line in lines)
    assert "## phone number (`phone`)" in out and "**Not declared in the privacy manifest.**" in out


def test_table_shows_each_category_and_its_status(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _invoke(SHOP, monkeypatch)
    assert code == 0
    assert "NOT DECLARED" in out and "declared" in out
    assert "shop/api.py:23" in out and "more)" in out
    assert "collected but not declared (privacy.toml)" in out


def test_inventory_walks_each_file_once_and_reports_no_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(SHOP)
    options = CheckOptions(paths=[Path(".")], jobs=1, use_cache=False)
    parsed = [r for r in collect_facts(options).results if r.parsed]
    python_files = len(list(SHOP.rglob("*.py")))
    assert 0 < len(parsed) <= python_files
    assert not any(f for r in parsed for f in r.findings)
    run = run_inventory(options)
    assert run.inventory.categories


def _copy_shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    return target


def test_write_appends_undeclared_categories_and_keeps_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _copy_shop(tmp_path)
    before = (project / "privacy.toml").read_text(encoding="utf-8")
    code, _, err = _invoke(project, monkeypatch, "--write")
    assert code == 0 and "fill in each purpose and legal basis" in err
    after = (project / "privacy.toml").read_text(encoding="utf-8")
    assert after.startswith(before)
    added = after[len(before) :]
    assert "[data.phone]" in added and "[data.email]" not in added
    assert "[data.religion]" in added and "special-condition" in added
    # The code is now declared: no undeclared collection left, TODOs to fill in instead.
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, select=("PV4",)))
    rules = {f.rule_id for f in outcome.report.findings}
    assert "PV401" not in rules and "PV404" in rules
    todo = [f for f in outcome.report.findings if "still a TODO" in f.message]
    assert todo and all(f.path == "privacy.toml" for f in todo)
    # A second run has nothing to add.
    code, _, err = _invoke(project, monkeypatch, "--write")
    assert code == 0 and "already declares every collected category" in err
    assert (project / "privacy.toml").read_text(encoding="utf-8") == after


def test_write_creates_a_manifest_when_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "privalint.toml").write_text("")
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """\
            from flask import request

            @app.post("/signup")
            def signup():
                return request.form["email"], request.form.get("phone")
            """
        )
    )
    code, _, err = _invoke(tmp_path, monkeypatch, "--write")
    assert code == 0 and "added 2 categories" in err
    text = (tmp_path / "privacy.toml").read_text(encoding="utf-8")
    assert text.startswith("# Privacy manifest")
    assert text.index("[data.email]") < text.index("[data.phone]")
    assert "# Collected at app.py:5." in text


def test_output_file_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports" / "inventory.md"
    code, stdout, _ = _invoke(SHOP, monkeypatch, "--format", "markdown", "-o", str(out))
    assert code == 0 and stdout == ""
    assert out.read_text(encoding="utf-8").startswith("# Personal data inventory")
    code, _, err = _invoke(SHOP, monkeypatch, "no/such/folder")
    assert code == 2 and "no such file or folder" in err


def test_an_empty_project_has_an_empty_inventory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "privalint.toml").write_text("")
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    code, out, _ = _invoke(tmp_path, monkeypatch, "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "schema_version": 1,
        "manifest": None,
        "manifest_problems": [],
        "categories": [],
        "undeclared": [],
    }
    code, out, _ = _invoke(tmp_path, monkeypatch)
    assert "No personal data found." in out


def test_a_broken_manifest_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "privalint.toml").write_text("")
    (tmp_path / "privacy.toml").write_text("[data.email\n")
    (tmp_path / "app.py").write_text("def f():\n    return 1\n")
    code, out, err = _invoke(tmp_path, monkeypatch, "--write")
    assert code == 2 and out == ""
    assert "privacy.toml:1: the manifest is not valid TOML" in err
    assert (tmp_path / "privacy.toml").read_text() == "[data.email\n"


def test_write_keeps_the_file_mode_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _copy_shop(tmp_path)
    manifest = project / "privacy.toml"
    manifest.chmod(0o640)
    code, _, _ = _invoke(project, monkeypatch, "--write")
    assert code == 0
    assert manifest.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in project.iterdir() if p.name.startswith("privacy")) == [
        "privacy.toml"
    ]
