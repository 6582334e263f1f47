"""privalint is static: it parses the code it checks and never imports or runs it.

The checked project is full of modules that would leave a mark and stop the process if
anything imported them: package ``__init__`` files, ``conftest.py``, ``setup.py``, and
modules named like the standard library and privalint's own dependencies (which
shadow them whenever the project folder is on ``sys.path``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from privalint.api import CheckOptions, run_check
from privalint.inventory import run_inventory

REPO = Path(__file__).resolve().parent.parent

# Imported lazily by privalint, its dependencies or multiprocessing workers.
SHADOWING = (
    "logging",
    "json",
    "email",
    "tomllib",
    "tomli",
    "pickle",
    "hashlib",
    "concurrent",
    "multiprocessing",
    "dataclasses",
    "difflib",
    "fnmatch",
    "textwrap",
    "tokenize",
    "inspect",
    "pkgutil",
    "importlib_metadata",
    "rich",
    "click",
    "libcst",
    "yaml",
    "sitecustomize",
    "usercustomize",
)
PROJECT_MODULES = ("__init__", "conftest", "setup", "manage", "__main__", "app")


def _trap(marker: Path, name: str) -> str:
    return (
        "import logging\n"
        f"open({str(marker / name)!r}, 'w').close()\n"
        f"raise SystemExit('privalint imported {name}')\n\n\n"
        "def f(user):\n"
        "    logging.info(user.email)\n"
    )


@pytest.fixture
def trapped(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose every module leaves a mark in ``markers`` when imported."""
    project = tmp_path / "project"
    markers = tmp_path / "markers"
    markers.mkdir()
    package = project / "pkg"
    package.mkdir(parents=True)
    # Test code (`conftest.py`) is excluded by default; here every module is checked.
    (project / "privalint.toml").write_text('exclude = [".*"]\n')
    for name in SHADOWING:
        (project / f"{name}.py").write_text(_trap(markers, name))
    for name in PROJECT_MODULES:
        (package / f"{name}.py").write_text(_trap(markers, f"pkg.{name}"))
        (project / f"{name}.py").write_text(_trap(markers, name))
    # A package folder named like a dependency, too.
    (project / "click").mkdir()
    (project / "click" / "__init__.py").write_text(_trap(markers, "click-package"))
    return project, markers


def _expected_files(project: Path) -> int:
    return sum(1 for _ in project.rglob("*.py"))


def test_checking_in_process_imports_nothing(
    trapped: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, markers = trapped
    monkeypatch.chdir(project)
    before = set(sys.modules)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    run_inventory(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False))
    assert list(markers.iterdir()) == []
    new = set(sys.modules) - before
    planted = [
        name
        for name in new
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(project))
    ]
    assert planted == []
    # Every trap is a file with a finding: all were read and checked.
    logged = {f.path for f in outcome.report.findings if f.rule_id == "PV101"}
    assert len(logged) == _expected_files(project)


@pytest.mark.parametrize(
    "launcher, jobs",
    [("script", "1"), ("script", "2"), ("module", "1"), ("module", "2")],
)
def test_checking_from_inside_the_project_imports_nothing(
    trapped: tuple[Path, Path], launcher: str, jobs: str
) -> None:
    project, markers = trapped
    script = Path(sys.executable).parent / "privalint"
    command = (
        [str(script)]
        if launcher == "script" and script.exists()
        else [sys.executable, "-m", "privalint"]
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    proc = subprocess.run(
        [*command, "check", ".", "--no-cache", "-j", jobs, "--format", "json", "-q"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert sorted(p.name for p in markers.iterdir()) == [], proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "privalint imported" not in proc.stdout + proc.stderr


FORBIDDEN_CALLS = {"eval", "exec", "__import__", "execfile", "run_path", "run_module"}
FORBIDDEN_ATTRIBUTES = {
    "spec_from_file_location",
    "module_from_spec",
    "SourceFileLoader",
    "exec_module",
    "load_module",
}


def _called_names(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            out.append((node.lineno, name))
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            out.append((node.lineno, node.attr))
    return out


def test_no_code_path_can_run_checked_code() -> None:
    """Nothing in privalint evaluates, executes or loads a module from a file; the only
    dynamic import is the registry's, of privalint's own rule modules; ``compile`` is
    only ever asked for a syntax tree."""
    problems = []
    sources = [*(REPO / "privalint").rglob("*.py"), *(REPO / "rules").rglob("*.py")]
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = path.relative_to(REPO).as_posix()
        for line, name in _called_names(tree):
            if name in FORBIDDEN_CALLS or name in FORBIDDEN_ATTRIBUTES:
                problems.append(f"{relative}:{line}: {name}")
            if name == "import_module" and relative != "privalint/registry.py":
                problems.append(f"{relative}:{line}: {name}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "compile"
            ):
                flags = ast.unparse(node)
                if "PyCF_ONLY_AST" not in flags:
                    problems.append(f"{relative}:{node.lineno}: compile without PyCF_ONLY_AST")
    assert problems == []
