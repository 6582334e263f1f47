"""Which files a run checks."""

from __future__ import annotations

from pathlib import Path

from privalint.config import DEFAULT_EXCLUDE
from privalint.discovery import discover


def _tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _names(
    root: Path, paths: list[Path], excludes: tuple[str, ...] = DEFAULT_EXCLUDE, force: bool = False
) -> list[str]:
    found = discover(paths, excludes, root, force_exclude=force)
    return [f.relative_to(root).as_posix() for f in found.files]


def test_default_excludes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "app/main.py",
            "app/stubs.pyi",
            "app/notes.txt",
            ".hidden/x.py",
            "node_modules/pkg/x.py",
            "build/lib/x.py",
            "dist/x.py",
            "app/__pycache__/x.py",
            "lib/site-packages/x.py",
            ".tox/py39/x.py",
            "myenv/lib/x.py",
        ],
    )
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    assert _names(tmp_path, [tmp_path]) == ["app/main.py", "app/stubs.pyi"]


def test_configured_excludes_and_explicit_files(tmp_path: Path) -> None:
    _tree(
        tmp_path, ["app/main.py", "app/migrations/0001.py", "scripts/legacy_a.py", "scripts/new.py"]
    )
    excludes = (*DEFAULT_EXCLUDE, "migrations", "scripts/legacy_*.py")
    assert _names(tmp_path, [tmp_path], excludes) == ["app/main.py", "scripts/new.py"]
    explicit = [tmp_path / "app/migrations/0001.py"]
    assert _names(tmp_path, explicit, excludes) == ["app/migrations/0001.py"]
    assert _names(tmp_path, explicit, excludes, force=True) == []


def test_an_explicit_folder_is_checked_even_if_excluded(tmp_path: Path) -> None:
    _tree(tmp_path, ["fixtures/a.py", "fixtures/sub/b.py", "fixtures/.cache/c.py"])
    excludes = (*DEFAULT_EXCLUDE, "fixtures")
    assert _names(tmp_path, [tmp_path], excludes) == []
    assert _names(tmp_path, [tmp_path / "fixtures"], excludes) == [
        "fixtures/a.py",
        "fixtures/sub/b.py",
    ]


def test_order_is_deterministic_and_duplicates_collapse(tmp_path: Path) -> None:
    _tree(tmp_path, ["b.py", "a.py", "c/d.py"])
    paths = [tmp_path / "c", tmp_path, tmp_path / "a.py"]
    assert _names(tmp_path, paths) == ["a.py", "b.py", "c/d.py"]


def test_missing_paths_and_symlink_loops(tmp_path: Path) -> None:
    _tree(tmp_path, ["pkg/a.py"])
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")
    found = discover([tmp_path, tmp_path / "nope.py"], DEFAULT_EXCLUDE, tmp_path)
    assert [f.name for f in found.files] == ["a.py"]
    assert [(p.name, m) for p, m in found.problems] == [("nope.py", "no such file or folder")]


def test_paths_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    _tree(tmp_path, ["my app/données.py"])
    assert _names(tmp_path, [tmp_path]) == ["my app/données.py"]


def test_test_code_is_excluded_by_default_unless_named(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "app/main.py",
            "app/testing_tools.py",
            "app/contest.py",
            "app/test_views.py",
            "app/views_test.py",
            "app/conftest.py",
            "tests/helpers.py",
            "test/data.py",
        ],
    )
    assert _names(tmp_path, [tmp_path]) == ["app/contest.py", "app/main.py", "app/testing_tools.py"]
    named = tmp_path / "app" / "test_views.py"
    assert _names(tmp_path, [named]) == ["app/test_views.py"]
    assert _names(tmp_path, [named], force=True) == []
