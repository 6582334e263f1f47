"""What the personal-data classifier and flow add to parsing and walking a file.

    python benchmarks/flow_overhead.py CORPUS_DIR [--limit N] [--repeat R]

Times, over the same files in one process (best of R repeats):
  parse   libcst.parse_module
  walk    privalint's walk with import tracking only (flow hooks stubbed out)
  flow    the same walk with the flow updated at every assignment, branch and call
  rules   the walk with flow plus the pii-in-logs rules (classification at sinks)
and prints the overhead of flow + classification relative to parse + walk.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import libcst as cst

from privalint import flow as flow_module
from privalint.catalog import bundled
from privalint.engine import Checker, FileContext, Settings
from privalint.registry import all_rules

_HOOKS = (
    "assign",
    "named_expr",
    "enter_for",
    "enter_with_item",
    "enter_except",
    "enter_if",
    "switch_branch",
    "leave_branching",
    "call_effects",
)


@contextmanager
def flow_disabled() -> Iterator[None]:
    saved = {name: getattr(flow_module.Flow, name) for name in _HOOKS}
    try:
        for name in _HOOKS:
            setattr(flow_module.Flow, name, lambda self, *args, **kwargs: None)
        yield
    finally:
        for name, value in saved.items():
            setattr(flow_module.Flow, name, value)


def walk_all(checker: Checker, modules: list[tuple[str, cst.Module]]) -> float:
    start = time.perf_counter()
    for path, module in modules:
        ctx = FileContext(path, module, checker)
        rules = [r(ctx, checker.compiled[r.id]) for r in checker.rules]
        checker._walk_module(ctx, module, rules)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(args.corpus.rglob("*.py"))
    if args.limit:
        files = files[: args.limit]
    sources = [(str(f), f.read_bytes()) for f in files]
    parse_times = []
    modules: list[tuple[str, cst.Module]] = []
    for _ in range(args.repeat):
        modules = []
        start = time.perf_counter()
        for path, data in sources:
            try:
                modules.append((path, cst.parse_module(data)))
            except Exception:
                continue
        parse_times.append(time.perf_counter() - start)
    catalog = bundled()
    rules = all_rules()
    bare = Checker(Settings(rule_ids=(), catalog=catalog, prefilter=False), rules)
    pii = Checker(
        Settings(
            rule_ids=tuple(r.id for r in rules if r.id.startswith("PV1")),
            catalog=catalog,
            prefilter=False,
        ),
        rules,
    )
    walk, flowed, ruled = [], [], []
    for _ in range(args.repeat):
        with flow_disabled():
            walk.append(walk_all(bare, modules))
        flowed.append(walk_all(bare, modules))
        ruled.append(walk_all(pii, modules))
    t_parse, t_walk, t_flow, t_rules = min(parse_times), min(walk), min(flowed), min(ruled)
    lines = sum(data.count(b"\n") for _, data in sources)
    print(f"files {len(modules)}, lines {lines}")
    print(f"parse            {t_parse:7.2f} s")
    print(f"walk             {t_walk:7.2f} s")
    print(f"walk + flow      {t_flow:7.2f} s")
    print(f"walk + flow + pii-in-logs rules {t_rules:7.2f} s")
    base = t_parse + t_walk
    print(
        f"flow adds {100 * (t_flow - t_walk) / base:.1f}% to parse + walk; "
        f"flow + classification at sinks add {100 * (t_rules - t_walk) / base:.1f}%"
    )


if __name__ == "__main__":
    main()
