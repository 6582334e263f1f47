"""The wheel ships everything: build it, install it in a fresh virtual environment
and run privalint from there."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from privalint.registry import all_rules
from tests.conftest import REPO


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=600)


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        tmp_path,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("privalint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "privalint/rules/catalog/categories.toml" in names
    assert "privalint/rules/pii_in_logs/logging_call.py" in names
    assert not any(n.startswith("rules/") for n in names), "rules must ship as privalint.rules"
    catalog_files = sorted(p.name for p in (REPO / "rules" / "catalog").glob("*.toml"))
    assert (
        sorted(Path(n).name for n in names if n.startswith("privalint/rules/catalog/"))
        == catalog_files
    )
    rule_dirs = sorted(p.parent.name for p in (REPO / "rules").glob("*/__init__.py"))
    shipped = sorted(
        {n.split("/")[2] for n in names if n.startswith("privalint/rules/") and n.count("/") == 3}
    )
    assert [d for d in rule_dirs if d not in shipped] == []

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    installed = _run([str(python), "-m", "pip", "install", "-q", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr
    listed = _run([str(env / "bin" / "privalint"), "rules", "--format", "json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == [r.id for r in all_rules()]
    (tmp_path / "demo.py").write_text('import requests\nrequests.get("https://x", verify=False)\n')
    checked = _run([str(env / "bin" / "privalint"), "check", "demo.py"], tmp_path)
    assert checked.returncode == 1 and "PV501" in checked.stdout, checked.stdout + checked.stderr


def test_pyproject_lists_every_rule_package() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for init in (REPO / "rules").glob("*/__init__.py"):
        assert f'"privalint.rules.{init.parent.name}"' in text, (
            f"{init.parent.name} missing from [tool.setuptools] packages"
        )
