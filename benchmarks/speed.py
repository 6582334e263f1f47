"""privalint against Bandit on real code: cold, warm, one file changed, pre-commit.

    python benchmarks/speed.py --corpora DIR [--build] [--runs 5] [--corpus medium]

DIR holds ``small/``, ``medium/`` and ``large/`` (pinned releases of requests, flask
and click; Django 5.2; Django, SQLAlchemy, sentry-sdk and Celery). ``--build``
creates them with the project's ``corpus.sh`` (``--corpus-script``, default
``../shared/bench/corpus.sh`` beside the repository).

Every round runs, one after the other on the same machine state:

  bandit      ``bandit -q -r CORPUS -f json -o /dev/null``
  cold        ``privalint check CORPUS --no-cache --format sarif -o /dev/null``
  warm        the same with the cache, nothing changed since the last run
  one changed the same after appending a comment to one file
  pre-commit  ``privalint check F1 ... F10 --no-cache`` (ten files by name)

and prints medians, ratios to Bandit's median and the peak RSS of any process of
the run (privalint's workers included). The cache lives in a temporary folder
(``cache-dir`` of a temporary config), so the corpus is never written to.
Progress bars are off (``CI=1``); bytecode is written and used, as after an
install. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("bandit", "cold", "warm", "one changed", "pre-commit")


def run(argv: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Wall time and the largest RSS of the process or any of its children."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with exit code {code}:\n{stderr[-2000:]}")
    # ru_maxrss of wait4 covers the process and its waited-for descendants (KiB).
    return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def corpus_stats(root: Path) -> tuple[list[Path], int]:
    files = sorted(p for p in root.rglob("*.py") if ".privalint_cache" not in p.parts)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return files, lines


def precommit_files(files: list[Path], count: int = 10) -> list[Path]:
    """Ten files spread evenly over the corpus (a commit touches files anywhere)."""
    step = max(1, len(files) // count)
    return files[::step][:count]


def bench_corpus(
    name: str, root: Path, runs: int, privalint: list[str], bandit: list[str], env: dict[str, str]
) -> dict[str, Any]:
    files, lines = corpus_stats(root)
    with tempfile.TemporaryDirectory(prefix="privalint-bench-") as temp:
        work = Path(temp)
        config = work / "privalint.toml"
        config.write_text(f'cache-dir = "{(work / "cache").as_posix()}"\n')
        changed = work / "corpus"
        shutil.copytree(root, changed)  # only the copy's files are touched
        changed_files = sorted(changed.rglob("*.py"))
        victim = changed_files[len(changed_files) // 2]
        out = ["--format", "sarif", "-o", os.devnull, "--config", str(config)]
        commands = {
            "bandit": [*bandit, "-q", "-r", str(changed), "-f", "json", "-o", os.devnull],
            "cold": [*privalint, "check", str(changed), "--no-cache", *out],
            "warm": [*privalint, "check", str(changed), *out],
            "one changed": [*privalint, "check", str(changed), *out],
            "pre-commit": [
                *privalint,
                "check",
                *map(str, precommit_files(changed_files)),
                "--no-cache",
                *out,
            ],
        }
        results: dict[str, list[dict[str, Any]]] = {s: [] for s in SCENARIOS}
        # Warm-up: bytecode, page cache, and the cache the warm runs start from.
        run(commands["cold"], env, work)
        run(commands["warm"], env, work)
        for index in range(runs):
            for scenario in SCENARIOS:
                if scenario == "one changed":
                    with victim.open("a") as handle:
                        handle.write(f"\n# benchmark edit {index}\n")
                result = run(commands[scenario], env, work)
                results[scenario].append(result)
                print(
                    f"  {name:6} {scenario:12} run {index + 1}/{runs}  {result['wall']:7.3f} s"
                    f"  {result['rss_mib']:6.1f} MiB",
                    file=sys.stderr,
                )
                if scenario == "one changed":
                    run(commands["warm"], env, work)  # the next edit starts warm again
    summary: dict[str, Any] = {"files": len(files), "lines": lines, "scenarios": {}}
    bandit_median = statistics.median(r["wall"] for r in results["bandit"])
    for scenario, rows in results.items():
        walls = [r["wall"] for r in rows]
        median = statistics.median(walls)
        summary["scenarios"][scenario] = {
            "median": median,
            "min": min(walls),
            "max": max(walls),
            "ratio": median / bandit_median,
            "rss_mib": max(r["rss_mib"] for r in rows),
            "cpu": statistics.median(r["cpu"] for r in rows),
        }
    return summary


def interpreter_start(python: str, env: dict[str, str]) -> float:
    walls = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([python, "-c", "pass"], env=env, check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def table(summaries: dict[str, dict[str, Any]], start: float) -> str:
    rows = [
        "| corpus | scenario | median wall | min - max | x Bandit | CPU | peak RSS |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, summary in summaries.items():
        for scenario, s in summary["scenarios"].items():
            rows.append(
                f"| {name} ({summary['files']} files, {summary['lines']:,} lines) | {scenario} "
                f"| {s['median']:.2f} s | {s['min']:.2f} - {s['max']:.2f} s "
                f"| {s['ratio']:.3f} | {s['cpu']:.1f} s | {s['rss_mib']:.0f} MiB |"
            )
    notes = [f"Interpreter start (`python -c pass`): {start:.3f} s."]
    if "medium" in summaries and "large" in summaries:
        per_line = {
            n: summaries[n]["scenarios"]["cold"]["cpu"] / summaries[n]["lines"] * 1e6
            for n in ("medium", "large")
        }
        notes.append(
            f"Cold CPU time per million lines: medium {per_line['medium']:.1f} s, large "
            f"{per_line['large']:.1f} s ({per_line['large'] / per_line['medium'] - 1:+.0%})."
        )
    return "\n".join(rows) + "\n\n" + "\n".join(notes)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpora", type=Path, required=True, help="folder of the corpora")
    parser.add_argument("--corpus", action="append", help="small, medium or large (repeatable)")
    parser.add_argument("--build", action="store_true", help="build the corpora first")
    parser.add_argument(
        "--corpus-script", type=Path, default=REPO.parent / "shared" / "bench" / "corpus.sh"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--privalint", default=f"{sys.executable} -m privalint", help="command to run privalint"
    )
    parser.add_argument("--bandit", default="bandit", help="command to run Bandit")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.build:
        subprocess.run(["bash", str(args.corpus_script), str(args.corpora)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["CI"] = "1"
    privalint = args.privalint.split()
    bandit = args.bandit.split()
    summaries = {}
    for name in args.corpus or ["small", "medium", "large"]:
        root = args.corpora / name
        if not root.is_dir():
            raise SystemExit(f"{root}: no such corpus (use --build)")
        summaries[name] = bench_corpus(name, root, args.runs, privalint, bandit, env)
    start = interpreter_start(privalint[0], env)
    print(f"Date: {datetime.date.today().isoformat()}. Machine: {machine()}.\n")
    print(table(summaries, start))
    if args.json:
        args.json.write_text(json.dumps({"start": start, "corpora": summaries}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
