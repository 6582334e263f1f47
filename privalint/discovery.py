"""Which files to check.

Folders are walked for ``*.py`` and ``*.pyi`` files, skipping excluded names
(hidden folders, ``__pycache__``, ``build``, ``dist``, ``node_modules``,
``site-packages``, any folder that holds a ``pyvenv.cfg`` and the user's
``exclude``/``extend-exclude`` patterns). A file named on the command line is always
checked, unless ``force_exclude`` is set. Symlinked folders are followed once (loops
are cut), unreadable folders are reported, and the result is sorted so output order
never depends on the file system.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from privalint.config import path_matches

SUFFIXES = (".py", ".pyi")


@dataclass
class Discovered:
    """Files to check (absolute paths, sorted) and problems met on the way."""

    files: list[Path] = field(default_factory=list)
    # (path, message) for paths that could not be read or do not exist.
    problems: list[tuple[Path, str]] = field(default_factory=list)


def display_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` in POSIX form when under it, else absolute.

    Bytes of a file name that are not valid UTF-8 show as ``\\xff``, so every name can
    be printed and written into JSON and SARIF.
    """
    try:
        shown = path.relative_to(base).as_posix()
    except ValueError:
        shown = path.as_posix()
    if shown.isascii() or shown.isprintable():
        return shown
    return os.fsencode(shown).decode("utf-8", "backslashreplace")


def _excluded(relative: str, patterns: Sequence[str]) -> bool:
    return any(path_matches(relative, pattern) for pattern in patterns)


def discover(
    paths: Sequence[Path],
    excludes: Sequence[str],
    root: Path,
    force_exclude: bool = False,
) -> Discovered:
    """Files under ``paths``; exclude patterns match paths relative to ``root``."""
    found = Discovered()
    seen: set[Path] = set()
    visited_dirs: set[str] = set()
    all_excludes = excludes

    def add(path: Path) -> None:
        resolved = path.absolute()
        if resolved not in seen:
            seen.add(resolved)
            found.files.append(resolved)

    def relative(path: Path) -> str:
        return display_path(path.absolute(), root)

    def walk(folder: Path, excludes: Sequence[str]) -> None:
        try:
            real = os.path.realpath(folder)
        except OSError:
            real = str(folder)
        if real in visited_dirs:
            return
        visited_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except PermissionError:
            found.problems.append((folder, "permission denied: folder not checked"))
            return
        except OSError as error:
            found.problems.append((folder, f"cannot read folder: {error.strerror or error}"))
            return
        for entry in entries:
            entry_path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                found.problems.append((entry_path, "cannot stat path: not checked"))
                continue
            if is_dir:
                if _excluded(relative(entry_path), excludes):
                    continue
                if (entry_path / "pyvenv.cfg").exists():
                    continue
                walk(entry_path, excludes)
            elif not entry.name.endswith(SUFFIXES) or _excluded(relative(entry_path), excludes):
                continue
            elif is_file:
                add(entry_path)
            elif entry.is_symlink():
                found.problems.append((entry_path, "broken symbolic link: not checked"))

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            if path.is_symlink():
                found.problems.append((path, "broken symbolic link: not checked"))
            else:
                found.problems.append((path, "no such file or folder"))
            continue
        if path.is_dir():
            # A folder named on the command line is checked even if an exclude
            # pattern covers it; patterns still apply below it.
            own = relative(path)
            parts = own.split("/")
            covering = (
                {
                    pattern
                    for pattern in excludes
                    if any(
                        _excluded("/".join(parts[: i + 1]), [pattern]) for i in range(len(parts))
                    )
                }
                if own not in (".", "") and not own.startswith("/")
                else set()
            )
            walk(path, [p for p in excludes if p not in covering])
        elif force_exclude and _excluded(relative(path), all_excludes):
            continue
        elif not path.is_file():
            # A named pipe or a device: reading it could block forever.
            found.problems.append((path, "not a regular file: not checked"))
        else:
            add(path)
    found.files.sort(key=lambda p: p.as_posix())
    return found
