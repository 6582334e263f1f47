"""Which lines changed since a git revision (``privalint check --diff REF``).

Changes are measured from the merge base of ``REF`` and ``HEAD`` to the working tree,
so ``--diff origin/main`` on a branch shows what the branch (and any uncommitted
work) changes, not what happened on main meanwhile. Files git does not track yet
count as new. A finding is kept when a line of its statement was added or changed,
or when lines were deleted inside the statement.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class DiffError(Exception):
    """git is missing, the folder is not a work tree, or the revision is unknown."""


@dataclass
class FileChanges:
    """Changed lines of one file, in the working tree's numbering."""

    added: set[int] = field(default_factory=set)
    # Lines were deleted between line ``n`` and ``n + 1``.
    deleted_after: set[int] = field(default_factory=set)
    new: bool = False

    def touches(self, first: int, last: int) -> bool:
        if self.new:
            return True
        if any(first <= line <= last for line in self.added):
            return True
        return any(first <= point < last for point in self.deleted_after)


@dataclass
class Changes:
    """Every change between a revision and the working tree of one repository."""

    root: Path
    base: str
    files: dict[str, FileChanges] = field(default_factory=dict)

    def for_path(self, absolute: Path) -> Optional[FileChanges]:
        try:
            relative = absolute.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None
        return self.files.get(relative)

    def touches(self, absolute: Path, first: int, last: int) -> bool:
        changes = self.for_path(absolute)
        return changes is not None and changes.touches(first, last)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise DiffError("--diff needs git, and git was not found on PATH") from None
    except OSError as error:
        raise DiffError(f"--diff could not run git: {error.strerror or error}") from None


def _stderr(process: subprocess.CompletedProcess[bytes]) -> str:
    text = process.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[0] if text else f"git exited with status {process.returncode}"


def changes_since(ref: str, where: Path) -> Changes:
    """What changed since ``ref`` in the git work tree that holds ``where``."""
    folder = where if where.is_dir() else where.parent
    folder = folder.resolve()
    if not folder.is_dir():
        raise DiffError(f"--diff: {where} does not exist")
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise DiffError(
            f"--diff needs a git repository, and {folder} is not inside one "
            "(run privalint from a clone, or leave out --diff)"
        )
    root = Path(top.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    if ref.startswith("-"):
        raise DiffError(f"--diff: `{ref}` is not a git revision")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if commit.returncode != 0:
        raise DiffError(
            f"--diff: unknown git revision `{ref}` (a branch, tag or commit of {root}; "
            "in CI, fetch enough history, e.g. actions/checkout with fetch-depth: 0)"
        )
    base = commit.stdout.decode().strip()
    merge_base = _git(["merge-base", base, "HEAD"], root)
    if merge_base.returncode == 0 and merge_base.stdout.strip():
        base = merge_base.stdout.decode().strip()
    diff = _git(
        [
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-relative",
            "--unified=0",
            "-M",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ],
        root,
    )
    if diff.returncode != 0:
        raise DiffError(f"--diff: git diff failed: {_stderr(diff)}")
    changes = Changes(root=root, base=base, files=parse_diff(diff.stdout))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    if untracked.returncode != 0:
        raise DiffError(f"--diff: git ls-files failed: {_stderr(untracked)}")
    for raw in untracked.stdout.split(b"\0"):
        if raw:
            changes.files[raw.decode("utf-8", "surrogateescape")] = FileChanges(new=True)
    return changes


def parse_diff(output: bytes) -> dict[str, FileChanges]:
    """Changed lines per file (new path) from ``git diff --unified=0`` output."""
    files: dict[str, FileChanges] = {}
    current: Optional[FileChanges] = None
    from_nothing = False
    for raw in output.split(b"\n"):
        if raw.startswith(b"diff --git "):
            current = None
            from_nothing = False
        elif raw.startswith(b"--- "):
            from_nothing = raw == b"--- /dev/null"
        elif raw.startswith(b"+++ "):
            name = _path(raw[4:])
            if name is None:  # deleted file
                current = None
                continue
            current = files.setdefault(name, FileChanges())
            current.new = current.new or from_nothing
        elif raw.startswith(b"@@") and current is not None:
            match = _HUNK.match(raw.decode("ascii", "replace"))
            if not match:
                continue
            start = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            if count == 0:
                current.deleted_after.add(start)
            else:
                current.added.update(range(start, start + count))
    return files


def _path(raw: bytes) -> Optional[str]:
    """The path of a ``+++`` line: ``b/dir/f.py``, ``"b/we\\"ird.py"`` or /dev/null."""
    if raw.startswith(b'"'):
        text = _unquote(raw)
    else:
        # git ends a name that contains a space with a tab.
        text = raw.rstrip(b"\t").decode("utf-8", "surrogateescape")
    if text == "/dev/null":
        return None
    return text[2:] if text.startswith("b/") else text


def _unquote(raw: bytes) -> str:
    """Undo git's C-style quoting of a path."""
    body = raw.strip().rstrip(b"\t")
    if body.endswith(b'"'):
        body = body[1:-1]
    else:
        body = body[1:]
    out = bytearray()
    i = 0
    while i < len(body):
        byte = body[i]
        if byte == 0x5C and i + 1 < len(body):  # backslash
            nxt = chr(body[i + 1])
            if nxt in "01234567" and i + 3 < len(body):
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, ord(nxt)))
            i += 2
            continue
        out.append(byte)
        i += 1
    return out.decode("utf-8", "surrogateescape")
