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

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

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


@lru_cache(maxsize=64)
def _any_of(patterns: tuple[str, ...]) -> Optional[re.Pattern[str]]:
    """One regex for several glob patterns (as ``fnmatch.fnmatchcase`` reads them)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


class _FileExcludes:
    """``_excluded`` for the entries of one folder, without re-matching the folder's
    parts for every entry: a pattern without ``/`` matches an entry's path when it
    matches the whole path, a part of the folder's path, or the entry's name."""

    def __init__(self, folder: str, patterns: Sequence[str]) -> None:
        self.sliced: list[str] = []
        self.names: list[str] = []
        folder_parts = [] if folder in (".", "") else folder.split("/")
        self.folder_hit = False
        for raw in patterns:
            pattern = raw.rstrip("/")
            if pattern.startswith("./"):
                pattern = pattern[2:]
            if "/" in pattern:
                self.sliced.append(raw)
            elif any(fnmatch.fnmatchcase(part, pattern) for part in folder_parts):
                self.folder_hit = True
            else:
                self.names.append(pattern)
        self.names_pattern = _any_of(tuple(self.names))

    def __call__(self, relative: str, name: str) -> bool:
        if self.folder_hit:
            return True
        names = self.names_pattern
        if names is not None and (names.match(name) or names.match(relative)):
            return True
        return _excluded(relative, self.sliced)


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
        folder_relative = relative(folder)
        prefix = "" if folder_relative in (".", "") else folder_relative + "/"
        excluded = _FileExcludes(folder_relative, excludes)
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                found.problems.append((Path(entry.path), "cannot stat path: not checked"))
                continue
            if is_dir:
                if excluded(prefix + name, name):
                    continue
                entry_path = Path(entry.path)
                if (entry_path / "pyvenv.cfg").exists():
                    continue
                walk(entry_path, excludes)
            elif not name.endswith(SUFFIXES) or excluded(prefix + name, name):
                continue
            elif is_file:
                add(Path(entry.path))
            elif entry.is_symlink():
                found.problems.append((Path(entry.path), "broken symbolic link: not checked"))

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
