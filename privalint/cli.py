"""Command line: ``privalint check | baseline | inventory | rules | explain``.

Thin by design: parse options, call into the engine, pick the exit code
(0 no findings, 1 findings, 2 usage, configuration or internal error).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional, TypeVar

import click

from privalint import __version__
from privalint.config import Config, ConfigError, enabled_rules, resolve_selectors
from privalint.model import Family, Severity

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class _Group(click.Group):
    """Turns unexpected exceptions into a one-line message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except ConfigError as error:
            click.echo(f"privalint: error: {error}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("privalint: interrupted", err=True)
            ctx.exit(130)
        except Exception as error:
            if os.environ.get("PRIVALINT_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"privalint: internal error: {type(error).__name__}: {error} "
                "(set PRIVALINT_DEBUG=1 for a traceback, and please report it)",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


@click.group(
    cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(
    __version__, "--version", "-V", prog_name="privalint", message="%(prog)s %(version)s"
)
def cli() -> None:
    """privalint: a privacy linter for Python.

    Finds personal data written to logs, exposed or sent to third parties, stored
    unencrypted, collected without being declared, and weak transport security.
    """


def _split(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


F = TypeVar("F", bound=Callable[..., Any])


def _config_options(command: F) -> F:
    """``--config`` and ``--exclude``, shared by the commands that read a project."""
    command = click.option(
        "--exclude", multiple=True, help="Extra glob patterns of paths to skip."
    )(command)
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Use this config file.",
    )(command)


def _worker_options(command: F) -> F:
    """``--jobs`` and ``--no-cache``, shared by the commands that check files."""
    command = click.option(
        "--no-cache", is_flag=True, help="Ignore and do not write the result cache."
    )(command)
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        help="Worker processes (default: number of cores).",
    )(command)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github", "gitlab"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE.",
)
@click.option(
    "--select",
    multiple=True,
    help="Rules to run: ids, id prefixes, names or families (comma-separated).",
)
@click.option("--ignore", multiple=True, help="Rules to skip: ids, id prefixes, names or families.")
@_config_options
@click.option(
    "--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too."
)
@_worker_options
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary or progress.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note"]),
    help="Lowest severity that makes the exit code 1 (default: note, i.e. any finding).",
)
@click.option(
    "--show-suppressed",
    is_flag=True,
    help="Include suppressed findings (SARIF marks them inSource).",
)
@click.option("--sarif-category", help="SARIF automationDetails.id (GitHub's analysis category).")
@click.option(
    "--sarif-no-absolute-root",
    is_flag=True,
    help="Leave the absolute path of %SRCROOT% out of SARIF output.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings not recorded in this baseline (see `privalint baseline`).",
)
@click.option(
    "--diff",
    "diff_ref",
    metavar="REF",
    help="Report only findings on lines changed since the git revision REF (and in new files).",
)
@click.option(
    "--no-prefilter",
    is_flag=True,
    hidden=True,
    help="Parse every file (for testing the prefilter).",
)
def check(
    paths: tuple[Path, ...],
    fmt: str,
    output: Optional[Path],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Optional[Path],
    exclude: tuple[str, ...],
    force_exclude: bool,
    jobs: Optional[int],
    no_cache: bool,
    quiet: bool,
    statistics: bool,
    exit_zero: bool,
    fail_on: Optional[str],
    show_suppressed: bool,
    sarif_category: Optional[str],
    sarif_no_absolute_root: bool,
    baseline_file: Optional[Path],
    diff_ref: Optional[str],
    no_prefilter: bool,
) -> None:
    """Check PATHS (default: the current folder) for privacy problems."""
    from privalint.api import CheckOptions, run_check
    from privalint.progress import ProgressBar, wanted

    if exit_zero and fail_on:
        raise click.UsageError(
            "--exit-zero and --fail-on contradict each other (never fail, or fail from a "
            "severity); pass one of them"
        )
    if fmt != "sarif" and (sarif_category or sarif_no_absolute_root):
        raise click.UsageError(
            "--sarif-category and --sarif-no-absolute-root apply only to --format sarif"
        )

    bar = ProgressBar() if wanted(quiet) else None
    options = CheckOptions(
        paths=list(paths) or [Path(".")],
        config_file=config_file,
        select=_split(select),
        ignore=_split(ignore),
        exclude=_split(exclude),
        force_exclude=force_exclude,
        jobs=jobs,
        use_cache=not no_cache,
        prefilter=not no_prefilter,
        show_suppressed=show_suppressed,
        baseline=baseline_file,
        diff_ref=diff_ref,
        progress=bar,
    )
    try:
        outcome = _run(run_check, options)
    finally:
        if bar is not None:
            bar.close()
    report = outcome.report
    report.sarif_category = sarif_category
    report.include_absolute_root = not sarif_no_absolute_root
    report.statistics = statistics
    report.quiet = quiet
    for problem in outcome.errors:
        click.echo(f"privalint: error: {problem}", err=True)
    from privalint.output import render

    color = (
        fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    text = render(report, fmt, color=color)
    if fmt == "sarif":
        _warn_if_truncated(report)
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            click.echo(
                f"privalint: error: cannot write {output}: {error.strerror or error}", err=True
            )
            sys.exit(EXIT_ERROR)
    else:
        _print(text)
    if outcome.errors:
        sys.exit(EXIT_ERROR)
    if exit_zero:
        sys.exit(EXIT_CLEAN)
    threshold = Severity(fail_on) if fail_on else outcome.config.fail_on
    failing = [f for f in report.findings if not f.suppressed and f.severity.rank >= threshold.rank]
    # Notes (baseline entries that can go) inform; they never fail a run.
    problems = [n for n in report.notifications if n.level != "note"]
    sys.exit(EXIT_FINDINGS if failing or problems else EXIT_CLEAN)


def _run(function: Any, *args: Any) -> Any:
    """Call into the API; a bad baseline file or git revision is a usage error."""
    from privalint.baseline import BaselineError
    from privalint.diff import DiffError

    try:
        return function(*args)
    except (BaselineError, DiffError) as error:
        click.echo(f"privalint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)


def _warn_if_truncated(report: Any) -> None:
    from privalint.output.sarif import MAX_RESULTS

    shown = sum(1 for f in report.findings if report.show_suppressed or not f.suppressed)
    if shown > MAX_RESULTS:
        click.echo(
            f"privalint: warning: {shown} results; the SARIF file keeps the {MAX_RESULTS:,} most "
            "severe (GitHub code scanning rejects more per run). Narrow the paths or --select.",
            err=True,
        )


@cli.command("baseline")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".privalint-baseline.json"),
    show_default=True,
    help="Write the baseline to FILE.",
)
@click.option("--select", multiple=True, help="Rules to run: ids, id prefixes, names or families.")
@click.option("--ignore", multiple=True, help="Rules to skip: ids, id prefixes, names or families.")
@_config_options
@_worker_options
def baseline_command(
    paths: tuple[Path, ...],
    output: Path,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Optional[Path],
    exclude: tuple[str, ...],
    jobs: Optional[int],
    no_cache: bool,
) -> None:
    """Record today's findings in PATHS so that `check --baseline` reports only new ones.

    The file holds rule ids, paths and fingerprints, never code or personal data;
    commit it, and run this command again to drop entries that were fixed.
    """
    from privalint.api import CheckOptions, write_baseline

    options = CheckOptions(
        paths=list(paths) or [Path(".")],
        config_file=config_file,
        select=_split(select),
        ignore=_split(ignore),
        exclude=_split(exclude),
        jobs=jobs,
        use_cache=not no_cache,
    )
    try:
        outcome, accepted = _run(write_baseline, options, output)
    except OSError as error:
        click.echo(f"privalint: error: cannot write {output}: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)
    for problem in outcome.errors:
        click.echo(f"privalint: error: {problem}", err=True)
    if outcome.errors:
        sys.exit(EXIT_ERROR)
    count = len(accepted.entries)
    click.echo(
        f"Wrote {count} finding{'s' if count != 1 else ''} to {output}; "
        f"`privalint check --baseline {output}` now reports only new ones.",
        err=True,
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format (markdown opens with a Mermaid data-flow chart).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the inventory to FILE.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Create or update privacy.toml: add undeclared categories as TODO entries.",
)
@_config_options
@_worker_options
def inventory(
    paths: tuple[Path, ...],
    fmt: str,
    output: Optional[Path],
    write: bool,
    config_file: Optional[Path],
    exclude: tuple[str, ...],
    jobs: Optional[int],
    no_cache: bool,
) -> None:
    """List the personal data PATHS collect, store, log and send, and whether the
    privacy manifest declares it."""
    from privalint.api import CheckOptions

    if write and (output is not None or fmt != "table"):
        raise click.UsageError(
            "--write updates privacy.toml and prints no inventory; drop --output and --format"
        )
    from privalint.inventory import render, run_inventory, write_manifest

    options = CheckOptions(
        paths=list(paths) or [Path(".")],
        config_file=config_file,
        exclude=_split(exclude),
        jobs=jobs,
        use_cache=not no_cache,
    )
    run = run_inventory(options)
    for problem in run.errors:
        click.echo(f"privalint: error: {problem}", err=True)
    if run.errors:
        sys.exit(EXIT_ERROR)
    if write:
        added = write_manifest(run)
        if added:
            click.echo(
                f"privalint: added {len(added)} categor{'y' if len(added) == 1 else 'ies'} to "
                f"{run.manifest_path}: {', '.join(added)}; fill in each purpose and legal basis",
                err=True,
            )
        else:
            click.echo(
                f"privalint: {run.manifest_path} already declares every collected category",
                err=True,
            )
        return
    color = (
        fmt == "table" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    _emit(render(run.inventory, fmt, color=color), output)


def _print(text: str) -> None:
    """Write a report to standard output; a full disk or closed terminal is a plain error."""
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has gone (`privalint check | head`); the exit code still tells.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as error:
        click.echo(
            f"privalint: error: cannot write the report: {error.strerror or error}", err=True
        )
        sys.exit(EXIT_ERROR)


def _emit(text: str, output: Optional[Path]) -> None:
    if output is None:
        _print(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror or error}") from None


@cli.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--select", multiple=True, help="Only these rules (ids, prefixes, names or families)."
)
def rules_command(fmt: str, select: tuple[str, ...]) -> None:
    """List every rule with its id, name, family, severity and CWE."""
    from privalint.registry import all_rules

    rules = list(all_rules())
    if select:
        chosen = resolve_selectors(_split(select), rules, "--select")
        rules = [r for r in rules if r.id in chosen]
    if fmt == "json":
        data = [
            {
                "id": r.id,
                "name": r.name,
                "family": r.family.value,
                "severity": r.severity.value,
                "cwe": r.cwe,
                "title": r.title,
            }
            for r in rules
        ]
        click.echo(json.dumps(data, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("id", "name", "family", "severity", "cwe", "title"):
        table.add_column(column)
    for r in rules:
        table.add_row(
            r.id,
            r.name,
            r.family.value,
            r.severity.value,
            f"CWE-{r.cwe}" if r.cwe else "-",
            r.title,
        )
    console = Console(highlight=False, markup=False, soft_wrap=True, width=160)
    console.print(table)


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation with flagged and accepted examples."""
    from rich.console import Console
    from rich.markdown import Markdown

    from privalint import docs
    from privalint.registry import all_rules

    rules = list(all_rules())
    try:
        chosen = resolve_selectors([rule], rules, "explain")
    except ConfigError as error:
        raise click.UsageError(str(error).replace("explain: ", "")) from None
    matches = [r for r in rules if r.id in chosen]
    if len(matches) != 1:
        names = ", ".join(r.id for r in matches)
        raise click.UsageError(f"`{rule}` matches several rules ({names}); name one")
    console = Console(highlight=False, soft_wrap=False)
    console.print(Markdown(docs.markdown(matches[0])))


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this config file.",
)
def clean(path: Optional[Path], config_file: Optional[Path]) -> None:
    """Remove the result cache of the project at PATH (default: the current folder)."""
    from privalint.cache import cache_root
    from privalint.cache import clean as remove
    from privalint.config import load

    config = load(config_file, path or Path("."))
    folder = cache_root(config.root, config.cache_dir)
    try:
        removed = remove(folder)
    except OSError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"removed {folder}" if removed else f"no cache at {folder}")


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="privalint")


__all__ = ["Config", "Family", "cli", "enabled_rules", "main"]
