"""Generate a folder of nasty inputs, run privalint over it and print the outcome per input.

    python benchmarks/nasty_inputs.py [--folder DIR] [--jobs N] [--timeout SECONDS]

Every input is a file (or a link, or a folder) that has broken a linter somewhere:
Python 2 code, half-written files, odd encodings and newlines, enormous and deeply
nested modules (libcst's native parser crashes on some of them), binary files, links
that loop, unreadable files, hostile names, modules that must never be imported. The
run must finish, account for every input (a finding, a PV000 notice or a run-level
notification; never silence), exit with 1, and give the same results from a cache
that was corrupted in between.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

LOG = b"import logging\n\n\ndef f(user):\n    logging.info(user.email)\n"


@dataclass
class Input:
    name: str
    what: str
    # "finding": a normal PV101 finding; "notice": a PV000 notice; "note": a run-level
    # notification; "checked": checked (any or no result is fine); "skip": not a file
    # privalint should check.
    expect: str


def _deep(opening: bytes, closing: bytes, depth: int, inner: bytes = b"user.email") -> bytes:
    return b"import logging\nx = " + opening * depth + inner + closing * depth + b"\n"


def build(folder: Path, markers: Path) -> list[Input]:
    """Write every nasty input under ``folder``; return what each one is."""
    rng = random.Random(10)
    inputs: list[Input] = []

    def add(name: str, data: bytes, what: str, expect: str) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        inputs.append(Input(name, what, expect))

    # Valid Python 3 in unusual clothes: the finding must survive.
    add("bom.py", b"\xef\xbb\xbf" + LOG, "UTF-8 byte-order mark", "finding")
    add("crlf.py", LOG.replace(b"\n", b"\r\n"), "Windows newlines", "finding")
    add("cr_only.py", LOG.replace(b"\n", b"\r"), "old Mac newlines", "finding")
    add(
        "mixed_newlines.py",
        b"import logging\r\n\n\rdef f(user):\r\n    logging.info(user.email)\r",
        "\\r\\n, \\n and \\r mixed",
        "finding",
    )
    add(
        "latin1_cookie.py",
        b"# -*- coding: latin-1 -*-\nimport logging\nCAFE = 'caf\xe9'\n\n"
        b"def f(user):\n    logging.info(user.email)\n",
        "PEP 263 latin-1 cookie",
        "finding",
    )
    add(
        "form_feeds.py",
        b"\x0cimport logging\n\x0c\n\ndef f(user):\n\tlogging.info(user.email)\n",
        "form feeds and tab indentation",
        "finding",
    )
    add(
        "control_chars.py",
        b"import logging\nX = '\x1b[2J\x1b]0;owned\x07 \xe2\x80\xae'  # [bold]x[/bold]\n\n"
        b"def f(user):\n    logging.info(user.email)\n",
        "ANSI escapes, bidi override, markup in the source",
        "finding",
    )
    add(
        "long_line.py",
        b"import logging\n\n\ndef f(user):\n    logging.info(user.email, '"
        + b"x" * 2_000_000
        + b"')\n",
        "a finding on a 2 MB line",
        "finding",
    )
    add(
        "many_lines.py",
        b"import logging\n" + b"\n" * 100_000 + b"def f(user):\n    logging.info(user.email)\n",
        "100,000 lines",
        "finding",
    )
    add("empty.py", b"", "empty file", "checked")
    add("only_bom.py", b"\xef\xbb\xbf", "only a byte-order mark", "checked")

    # Not Python 3: one PV000 notice each.
    add(
        "python2_print.py",
        b"import logging\nprint 'hello', user.email\n",
        "Python 2 print",
        "notice",
    )
    add(
        "python2_exec.py",
        b"import logging\nexec 'x = 1'\ny = `user.email`\n",
        "Python 2 exec",
        "notice",
    )
    add(
        "half_written.py",
        b"import logging\n\ndef f(user):\n    logging.info(user.email\n",
        "a file half-written in an editor",
        "notice",
    )
    add("unterminated.py", b"import logging\nx = '''user.email\n", "unterminated string", "notice")
    add("null_byte.py", b"import logging\nlogging.info(user.email)\x00\n", "a NUL byte", "notice")
    add("binary.py", rng.randbytes(65536), "64 KB of random bytes named .py", "notice")
    add(
        "binary_no_nul.py",
        bytes(range(1, 256)) * 64 + b"logging user.email",
        "binary without NUL bytes",
        "notice",
    )
    add(
        "undecodable.py",
        b"import logging\nx = '\xff\xfe'\nlogging.info(user.email)\n",
        "bytes that are not UTF-8",
        "notice",
    )
    add(
        "unknown_cookie.py",
        b"# coding: klingon\nimport logging\nlogging.info(user.email)\n",
        "unknown encoding cookie",
        "notice",
    )
    add(
        "bom_and_latin1_cookie.py",
        b"\xef\xbb\xbf# coding: latin-1\nimport logging\nlogging.info(user.email)\n",
        "BOM contradicting its cookie",
        "notice",
    )
    add("utf16.py", LOG.decode().encode("utf-16"), "UTF-16 file", "notice")
    add(
        "ten_megabytes.py",
        b"import logging\n" + b"x = 'personal email address data'\n" * 320_000,
        "10 MB file (over max-file-size)",
        "notice",
    )

    # Deep and huge: these crash or stall libcst.
    add(
        "deep_parens_3000.py",
        _deep(b"(", b")", 3000),
        "expression nested 3,000 deep (libcst segfaults)",
        "notice",
    )
    add(
        "deep_lambda_5000.py",
        b"import logging\nx = " + b"lambda: " * 5000 + b"logging.info(user.email)\n",
        "5,000 nested lambdas",
        "notice",
    )
    add(
        "deep_boolop_4000.py",
        b"import logging\nlogging.info(" + b"a and " * 4000 + b"user.email)\n",
        "4,000 chained `and` (recursion limit)",
        "notice",
    )
    add(
        "deep_calls_1200.py",
        _deep(b"f(", b")", 1200),
        "calls nested 1,200 deep (parser is slow: over the time budget)",
        "notice",
    )
    add(
        "long_elif_chain.py",
        b"import logging\nif a:\n    pass\n"
        + b"elif a:\n    pass\n" * 2500
        + b"else:\n    logging.info(user.email)\n",
        "2,500 elif branches",
        "notice",
    )
    literal = ", ".join(f"'k{i}': [{i}, {i + 1}, 'v{i}']" for i in range(60_000))
    add(
        "generated_literal.py",
        f"import logging\nDATA = {{{literal}}}\nlogging.info(user.email)\n".encode(),
        "a 1.9 MB one-line generated literal",
        "checked",
    )

    # Names.
    for name, what in (
        ("name with spaces.py", "spaces in the name"),
        ("ünïcödé_名前.py", "non-ASCII name"),
        ("[bold red]markup.py", "rich markup in the name"),
        ("esc\x1b[31mred.py", "ANSI escape in the name"),
        ("new\nline.py", "newline in the name"),
        ("props,line=1::x.py", "GitHub command syntax in the name"),
    ):
        add(name, LOG, what, "finding")
    raw = os.fsencode(folder) + b"/bad_\xff_name.py"
    with open(raw, "wb") as handle:
        handle.write(LOG)
    inputs.append(Input("bad_\\xff_name.py", "file name that is not UTF-8", "finding"))
    add("dir with space/ünï/nested.py", LOG, "nested folders with odd names", "finding")

    # Links and permissions.
    (folder / "loops").mkdir()
    add("loops/real.py", LOG, "a file behind link loops", "finding")
    os.symlink("..", folder / "loops" / "parent")
    os.symlink(".", folder / "loops" / "self")
    inputs.append(Input("loops/parent", "link to the parent folder (a loop)", "skip"))
    os.symlink("self_link.py", folder / "self_link.py")
    inputs.append(Input("self_link.py", "file link pointing at itself", "note"))
    os.symlink("missing.py", folder / "dangling.py")
    inputs.append(Input("dangling.py", "link to nothing", "note"))
    add("unreadable.py", LOG, "file without read permission", "notice")
    (folder / "unreadable.py").chmod(0)
    add("closed/inside.py", LOG, "file in a folder without permission", "checked")
    (folder / "closed").chmod(0)
    inputs.append(Input("closed", "folder without permission", "note"))
    os.mkfifo(folder / "pipe.py")
    inputs.append(Input("pipe.py", "a named pipe called .py (never read)", "skip"))

    # Static only: importing any of these leaves a marker.
    for module in ("json", "logging", "email", "conftest", "setup", "__init__"):
        add(
            f"{module}.py",
            f"open({str(markers / module)!r}, 'w').close()\nraise SystemExit('imported')\n"
            "import logging\n\n\ndef f(user):\n    logging.info(user.email)\n".encode(),
            "imports would leave a mark",
            "finding",
        )
    return inputs


def run_privalint(folder: Path, jobs: int, cache: bool) -> tuple[int, dict, float, str]:
    command = [sys.executable, "-m", "privalint", "check", ".", "--format", "json", "-j", str(jobs)]
    if not cache:
        command.append("--no-cache")
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=folder, capture_output=True, timeout=1800)
    elapsed = time.perf_counter() - start
    stdout = proc.stdout.decode("utf-8", "replace")
    try:
        document = json.loads(stdout)
    except json.JSONDecodeError:
        document = {"findings": [], "notifications": [], "invalid": stdout[-500:]}
    return proc.returncode, document, elapsed, proc.stderr.decode("utf-8", "replace")


def _shown(path: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in path)


def outcomes(document: dict) -> dict[str, list[str]]:
    by_path: dict[str, list[str]] = {}
    for f in document.get("findings", []):
        text = f"{f['rule']} at {f['start_line']}"
        if f["rule"] == "PV000":
            text += ": " + f["message"]
        by_path.setdefault(f["path"], []).append(text)
    for note in document.get("notifications", []):
        by_path.setdefault(note.get("path") or "", []).append(f"notification: {note['message']}")
    return by_path


def _matches(expect: str, results: list[str]) -> bool:
    if expect == "finding":
        return any(r.startswith("PV101") for r in results)
    if expect == "notice":
        return any(r.startswith("PV000") for r in results)
    if expect == "note":
        return any(r.startswith("notification") for r in results)
    return True


def report(inputs: list[Input], document: dict, root: bool) -> int:
    found = outcomes(document)
    width = max(len(_shown(i.name)) for i in inputs) + 2
    failures = 0
    print(f"{'input':<{width}} {'what':<62} outcome")
    for item in inputs:
        results = found.pop(item.name, [])
        if item.expect == "skip":
            verdict = "ok"
        elif root and item.name in ("unreadable.py", "closed"):
            verdict = "ok (root reads everything)"
        else:
            verdict = "ok" if _matches(item.expect, results) else "UNEXPECTED"
        failures += verdict == "UNEXPECTED"
        outcome = "; ".join(results) or ("-" if item.expect in ("skip", "checked") else "nothing")
        print(f"{_shown(item.name):<{width}} {item.what:<62} {outcome[:110]}  [{verdict}]")
    for path, results in sorted(found.items()):
        print(f"{_shown(path):<{width}} {'(not generated here)':<62} {'; '.join(results)[:110]}")
    return failures


def _corrupt_cache(folder: Path) -> int:
    count = 0
    for path in folder.rglob("*"):
        if path.is_file() and ".privalint_cache" in path.parts and path.name != ".gitignore":
            path.write_bytes(b"\x80\x04garbage" if count % 2 else b"")
            count += 1
    return count


def _comparable(document: dict) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    for f in document.get("findings", []):
        out.setdefault(f["path"], []).append((f["start_line"], f["rule"], f["message"]))
    return {path: sorted(items) for path, items in out.items()}


def _differences(*documents: dict) -> tuple[list[str], list[str]]:
    """Paths whose results differ between runs: (explained by the time budget, others).
    How long a file takes depends on the machine's load, so a file near the budget may
    be checked in one run and over it in the next."""
    runs = [_comparable(d) for d in documents]
    timing, other = [], []
    for path in sorted(set().union(*runs)):
        results = [run.get(path, []) for run in runs]
        if all(r == results[0] for r in results):
            continue
        over_budget = any("time budget" in m for r in results for _, _, m in r)
        (timing if over_budget else other).append(_shown(path))
    return timing, other


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="where to generate (default: a temp folder)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="per-file time budget")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = parser.parse_args(argv)

    base = Path(args.folder or tempfile.mkdtemp(prefix="privalint-nasty-")).resolve()
    folder = base / "project"
    markers = base / "markers"
    for path in (folder, markers):
        if path.exists():
            _make_removable(path)
            shutil.rmtree(path)
        path.mkdir(parents=True)
    (folder / "privalint.toml").write_text(f"timeout = {args.timeout}\n")
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    try:
        inputs = build(folder, markers)
        print(f"{len(inputs)} nasty inputs in {folder}\n")
        code, document, elapsed, stderr = run_privalint(folder, args.jobs, cache=False)
        failures = report(inputs, document, root)
        print()
        print(f"exit code {code} (expected 1); {elapsed:.1f} s with {args.jobs} jobs")
        if "invalid" in document:
            print(f"output was not JSON: {document['invalid']!r}")
            failures += 1
        if stderr.strip():
            print("stderr:", stderr.strip()[:500])
        imported = sorted(p.name for p in markers.iterdir())
        print(f"modules of the checked code imported: {', '.join(imported) or 'none'}")
        failures += bool(imported) + (code != 1)

        # The same results from a cache, and from a cache that was corrupted.
        _, cold, _, _ = run_privalint(folder, args.jobs, cache=True)
        corrupted = _corrupt_cache(folder)
        _, warm, warm_time, _ = run_privalint(folder, 1, cache=True)
        timing, other = _differences(document, cold, warm)
        print(
            f"cache: {corrupted} entries corrupted between runs; results identical without, "
            f"with and after corrupting the cache: {'no: ' + ', '.join(other) if other else 'yes'}"
            f" (last run {warm_time:.1f} s)"
        )
        if timing:
            print(f"  (near the time budget, over it in some runs only: {', '.join(timing)})")
        failures += bool(other)
        print(f"\n{'all inputs accounted for' if not failures else f'{failures} problem(s)'}")
        return 1 if failures else 0
    finally:
        if not args.keep and args.folder is None:
            _make_removable(base)
            shutil.rmtree(base, ignore_errors=True)


def _make_removable(path: Path) -> None:
    for entry in _walk(path):
        try:
            if entry.is_dir() and not entry.is_symlink():
                entry.chmod(0o755)
            elif entry.is_file() and not entry.is_symlink():
                entry.chmod(0o644)
        except OSError:
            pass


def _walk(path: Path) -> Iterator[Path]:
    yield path
    if path.is_dir() and not path.is_symlink():
        try:
            path.chmod(0o755)
            children = list(path.iterdir())
        except OSError:
            return
        for child in children:
            yield from _walk(child)


if __name__ == "__main__":
    sys.exit(main())
