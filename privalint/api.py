"""One ``privalint check`` run, as a function: the CLI and tests call this.

paths -> config -> discovery -> runner (per file) -> project stage -> filters -> Report
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from privalint import baseline as fingerprints
from privalint.baseline import Baseline, Comparison
from privalint.catalog import Catalog, bundled
from privalint.config import (
    Config,
    ConfigError,
    enabled_rules,
    load,
    nothing_selected,
    path_matches,
    resolve_selectors,
)
from privalint.diff import Changes, changes_since
from privalint.discovery import discover, display_path
from privalint.model import Fact, FileResult, Finding, Severity, Span
from privalint.output import Notification, Report
from privalint.personal import CatalogError, Classifier
from privalint.registry import all_rules
from privalint.rule import Rule
from privalint.runner import (
    PARSE_ERROR,
    RULE_ERROR,
    Job,
    Reporter,
    default_workers,
    recheck_seeded,
    run,
)
from privalint.settings import Settings

if TYPE_CHECKING:
    from privalint.cache import Cache
    from privalint.project import ProjectContext


@dataclass
class CheckOptions:
    """Everything a run can be told from the command line."""

    paths: list[Path]
    config_file: Optional[Path] = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    jobs: Optional[int] = None
    use_cache: bool = True
    prefilter: bool = True
    show_suppressed: bool = False
    # Report only findings that are not in this baseline file.
    baseline: Optional[Path] = None
    # Report only findings on lines changed since this git revision.
    diff_ref: Optional[str] = None
    # Called as files are done (the CLI's progress bar).
    progress: Optional[Reporter] = None


@dataclass
class Outcome:
    """The report of a run plus what went wrong with its input."""

    report: Report
    config: Config
    results: list[FileResult]
    # One-line problems that make the exit code 2 (a path that does not exist).
    errors: list[str] = field(default_factory=list)
    # The folder fingerprint paths are relative to, and each displayed path under it.
    root: Optional[Path] = None
    root_paths: dict[str, str] = field(default_factory=dict)
    baseline: Optional[Comparison] = None


def build_catalog(config: Config, base: Optional[Catalog] = None) -> Catalog:
    """The bundled catalog (or ``base``) with the user's extensions, validated."""
    if not config.catalog_extension:
        return base or bundled()  # the bundled catalog is checked by the test suite
    catalog = (base or bundled()).extended(config.catalog_extension)
    try:
        Classifier(catalog.data)
    except CatalogError as error:
        raise ConfigError(f"{config.where('personal-data')}: {error}") from None
    return catalog


def srcroot_for(files: list[Path], cwd: Path) -> Path:
    """The folder results are relative to: the working folder when it holds every
    file, else the files' common ancestor."""
    if all(_under(f, cwd) for f in files):
        return cwd
    return Path(os.path.commonpath([str(f.parent) for f in files])) if files else cwd


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


@dataclass
class _Setup:
    """A run's configuration and the files it checks."""

    config: Config
    rules: Sequence[type[Rule]]
    rule_ids: tuple[str, ...]
    catalog: Catalog
    files: list[Path]
    srcroot: Path
    errors: list[str]
    notifications: list[Notification]
    cache: Optional[Cache]


def _setup(options: CheckOptions) -> _Setup:
    config = load(options.config_file, options.paths[0])
    cache = _open_cache(config) if options.use_cache else None
    # From the cache, the rules' metadata comes without importing any rule (or libcst).
    rules = cache.rule_classes(all_rules) if cache is not None else all_rules()
    rule_ids = enabled_rules(config, rules, options.select, options.ignore)
    catalog = build_catalog(config, cache.bundled_catalog() if cache is not None else None)
    cwd = Path.cwd().resolve()
    found = discover(
        [p.absolute() for p in options.paths],
        (*config.excludes, *options.exclude),
        config.root,
        force_exclude=options.force_exclude,
    )
    srcroot = srcroot_for(found.files, cwd)
    errors: list[str] = []
    notifications: list[Notification] = []
    for path, message in found.problems:
        shown = display_path(path.absolute(), srcroot)
        if message == "no such file or folder":
            errors.append(f"{shown}: {message}")
        else:
            notifications.append(Notification(message, shown))
    return _Setup(
        config, rules, rule_ids, catalog, found.files, srcroot, errors, notifications, cache
    )


def _open_cache(config: Config) -> Cache:
    from privalint.cache import Cache, cache_root, code_stamp

    return Cache(cache_root(config.root, config.cache_dir), code_stamp())


def _run_jobs(
    jobs: list[Job],
    settings: Settings,
    options: CheckOptions,
    config: Config,
    cache: Optional[Cache],
    srcroot: Path,
) -> tuple[list[FileResult], Optional[list[Fact]]]:
    """The per-file checks of ``privalint check`` and ``privalint inventory``, and the
    joining facts of the project's files the run did not check (``unchecked_facts``;
    ``None`` when not needed)."""
    if cache is not None:
        cache.bind(settings)
    workers = options.jobs or default_workers()
    results = run(
        jobs,
        settings,
        workers,
        max_file_size=config.max_file_size,
        timeout=config.timeout,
        max_memory=config.max_memory,
        cache=cache,
        report=options.progress,
        # Over whole folders every class a file could join is in the run; a run on
        # some files by name checks each of them in full.
        defer=options.prefilter and all(p.is_dir() for p in options.paths),
    )
    from privalint.project import CLASS_USE, CONSTANT_USE, HELPER_CALL

    seeding = (HELPER_CALL, CLASS_USE, CONSTANT_USE)
    if not any(f.kind in seeding for result in results for f in result.facts):
        return results, None
    others: list[Fact] = []
    if cache is not None:
        others = unchecked_facts(config, results, srcroot, options.paths, cache, settings)
    # Methods of objects that other modules create (`from app.clients import mp`).
    results = recheck_seeded(
        jobs,
        results,
        settings,
        workers,
        others,
        max_file_size=config.max_file_size,
        timeout=config.timeout,
        cache=cache,
        max_memory=config.max_memory,
    )
    return results, others


def run_check(options: CheckOptions) -> Outcome:
    setup = _setup(options)
    rules = setup.rules
    if not setup.rule_ids:
        raise ConfigError(nothing_selected(setup.config, options.select, options.ignore))
    config, rule_ids, catalog, srcroot = setup.config, setup.rule_ids, setup.catalog, setup.srcroot
    errors, notifications = setup.errors, setup.notifications
    settings = Settings(
        rule_ids=rule_ids,
        catalog=catalog,
        severity_overrides=dict(config.severity),
        prefilter=options.prefilter,
    )
    changes = changes_since(options.diff_ref, options.paths[0]) if options.diff_ref else None
    accepted = Baseline.load(options.baseline) if options.baseline else None
    files = setup.files
    if changes is not None and not any(r.project and r.id in rule_ids for r in rules):
        # Without project rules, unchanged files cannot contribute a finding.
        files = [f for f in files if changes.for_path(f) is not None]
    jobs = [Job(str(f), display_path(f, srcroot)) for f in files]
    results, others = _run_jobs(jobs, settings, options, config, setup.cache, srcroot)
    findings: list[Finding] = []
    for result in results:
        findings.extend(result.findings)
    findings.extend(
        _project_findings(
            config,
            catalog,
            rules,
            rule_ids,
            results,
            srcroot,
            options.paths,
            setup.cache,
            settings,
            others,
        )
    )
    findings = _apply_per_file_ignores(findings, config, rules, srcroot)
    findings.sort(key=lambda f: (f.path, f.span.start_line, f.span.start_col, f.rule_id))
    locate = {job.display: Path(job.path) for job in jobs}
    for finding in findings:
        if finding.path not in locate:
            locate[finding.path] = srcroot / finding.path
    root = fingerprints.project_root(config.root)
    root_paths = fingerprints.assign(findings, root, locate)
    comparison = None
    if accepted is not None:
        checked = [root_paths.get(job.display) or _relative(Path(job.path), root) for job in jobs]
        comparison = accepted.compare(findings, checked, root, rule_ids)
        findings = comparison.new
        notifications.extend(_stale_notes(comparison))
    if changes is not None:
        findings = [f for f in findings if _changed(f, changes, locate[f.path])]
    report = Report(
        findings=findings,
        rules=rules,
        srcroot=srcroot,
        files_checked=len(results),
        files_skipped=sum(1 for r in results if r.skipped_by_prefilter),
        cache_hits=sum(1 for r in results if r.from_cache),
        notifications=notifications,
        sources={job.display: Path(job.path) for job in jobs},
        show_suppressed=options.show_suppressed,
    )
    return Outcome(
        report=report,
        config=config,
        results=results,
        errors=errors,
        root=root,
        root_paths=root_paths,
        baseline=comparison,
    )


def _relative(path: Path, root: Path) -> str:
    return fingerprints.relative_to_root(path, root) or path.as_posix()


def _changed(finding: Finding, changes: Changes, absolute: Path) -> bool:
    """Whether ``finding``'s statement was touched (a file that no longer parses is
    reported whenever it changed)."""
    if finding.rule_id == PARSE_ERROR:
        return changes.for_path(absolute) is not None
    return changes.touches(absolute, *finding.statement_lines)


def _stale_notes(comparison: Comparison) -> list[Notification]:
    return [
        Notification(
            f"baseline entry {entry.rule} {entry.fingerprint} matches no finding any more "
            "(fixed or changed); `privalint baseline` rewrites the file without it",
            entry.path,
            level="note",
        )
        for entry in comparison.stale
    ]


def write_baseline(options: CheckOptions, output: Path) -> tuple[Outcome, Baseline]:
    """Check like ``run_check`` and write every unsuppressed finding to ``output``."""
    outcome = run_check(options)
    accepted = Baseline.from_findings(outcome.report.findings, outcome.root_paths)
    if not outcome.errors:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(accepted.dumps(), encoding="utf-8")
    return outcome, accepted


@dataclass
class CollectedFacts:
    """The facts of a run's files (for ``privalint inventory``)."""

    config: Config
    catalog: Catalog
    results: list[FileResult]
    srcroot: Path
    errors: list[str]


def collect_facts(options: CheckOptions) -> CollectedFacts:
    """Walk the files with only the rules that record facts; no findings."""
    setup = _setup(options)
    settings = Settings(
        rule_ids=(),
        catalog=setup.catalog,
        prefilter=options.prefilter,
        collect_facts=True,
    )
    jobs = [Job(str(f), display_path(f, setup.srcroot)) for f in setup.files]
    results, _ = _run_jobs(jobs, settings, options, setup.config, setup.cache, setup.srcroot)
    return CollectedFacts(setup.config, setup.catalog, results, setup.srcroot, setup.errors)


def project_context(
    config: Config,
    catalog: Catalog,
    results: list[FileResult],
    srcroot: Path,
    paths: list[Path],
    context_facts: Sequence[Fact] = (),
) -> ProjectContext:
    """The facts of all files with the project's manifest (read and validated)."""
    from privalint import manifest
    from privalint.project import ProjectContext

    rules = manifest.Rules.from_catalog(catalog)
    located = manifest.locate(config, paths)
    loaded = manifest.read(located, rules) if located is not None else None
    where = located if located is not None else manifest.default_path(config, paths)
    return ProjectContext(
        root=config.root,
        facts=[fact for result in results for fact in result.facts],
        catalog=catalog,
        config=config,
        checked_paths=[r.path for r in results],
        manifest=loaded,
        manifest_display=display_path(where, srcroot),
        whole_project=_whole_project(where.parent.resolve(), paths),
        context_facts=list(context_facts),
    )


def _whole_project(folder: Path, paths: Sequence[Path]) -> bool:
    """Whether the run checks the project's folder (that of the manifest) whole."""
    return any(_under(folder, p.absolute().resolve()) for p in paths)


def unchecked_facts(
    config: Config,
    results: list[FileResult],
    srcroot: Path,
    paths: list[Path],
    cache: Cache,
    settings: Optional[Settings] = None,
) -> list[Fact]:
    """The joining facts (request models, schemas, request bodies) of the project's
    files that a run on some of them did not check, from the cache of an earlier run
    with the same settings: `privalint check` on the changed files (pre-commit) then
    still joins a request model declared in an unchanged file. A file without a cache
    entry for its current content (never checked, or changed since) is left out."""
    from privalint import manifest
    from privalint.project import JOINING

    where = manifest.locate(config, paths) or manifest.default_path(config, paths)
    folder = where.parent.resolve()
    if _whole_project(folder, paths):
        return []
    checked = {result.path for result in results}
    facts: list[Fact] = []
    deferred: dict[str, tuple[Path, bytes]] = {}
    for path in discover([folder], config.excludes, config.root).files:
        shown = display_path(path, srcroot)
        if shown in checked:
            continue
        try:
            if path.stat().st_size > config.max_file_size:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        stored = cache.get(cache.key(shown, data), shown)
        if stored is not None and stored.deferred:
            # Never parsed: the full run found nothing it joins with; the files
            # checked now may give it something.
            deferred[shown] = (path, data)
        elif stored is not None:
            facts.extend(fact for fact in stored.facts if fact.kind in JOINING)
    if deferred and settings is not None:
        facts.extend(_deferred_facts(deferred, results, facts, settings, cache))
    return facts


def _deferred_facts(
    deferred: dict[str, tuple[Path, bytes]],
    results: list[FileResult],
    facts: list[Fact],
    settings: Settings,
    cache: Cache,
) -> list[Fact]:
    """The joining facts of unchecked deferred files that mention a class the facts
    known so far could join with, checked now (and again until no class turns up)."""
    from privalint.project import JOINING, helper_names, join_names
    from privalint.runner import mentions

    known = [fact for result in results for fact in result.facts] + facts
    found: list[Fact] = []
    while deferred:
        names = join_names(known)
        helpers = helper_names(known)
        needed = [shown for shown, (_, data) in deferred.items() if mentions(data, names, helpers)]
        if not needed:
            break
        jobs = [Job(str(deferred.pop(shown)[0]), shown) for shown in needed]
        for result in run(jobs, settings, 1, cache=cache):
            new = [fact for fact in result.facts if fact.kind in JOINING]
            found.extend(new)
            known.extend(new)
    return found


def _project_findings(
    config: Config,
    catalog: Catalog,
    rules: Sequence[type[Rule]],
    rule_ids: tuple[str, ...],
    results: list[FileResult],
    srcroot: Path,
    paths: list[Path],
    cache: Optional[Cache] = None,
    settings: Optional[Settings] = None,
    others: Optional[list[Fact]] = None,
) -> list[Finding]:
    from privalint.cache import real_rules
    from privalint.project import HELPER_CALL, helper_findings, resolve_helper_calls

    chosen = [r for r in rules if r.project and r.id in rule_ids]
    calls = any(fact.kind == HELPER_CALL for result in results for fact in result.facts)
    if not chosen and not calls:
        return []
    if others is None:
        others = []
        if cache is not None:
            others = unchecked_facts(config, results, srcroot, paths, cache, settings)
    findings: list[Finding] = []
    if calls:
        # Personal data passed to the project's helpers of other modules: reported by
        # the rule whose sink the helper reaches.
        flows = resolve_helper_calls([f for r in results for f in r.facts], others)
        enabled = [r for r in rules if r.id in rule_ids and not r.project]
        # A call the file's own check reported already (a wrapper known by its name).
        reported = {(f.rule_id, f.path, f.span.start_line) for r in results for f in r.findings}
        findings.extend(
            f
            for f in helper_findings(flows, enabled, catalog, dict(config.severity))
            if (f.rule_id, f.path, f.span.start_line) not in reported
        )
    if not chosen:
        return findings
    key = None
    if cache is not None:
        # Same facts, manifest and config as a run before: the same findings, without
        # importing the project rules (some pull in the engine).
        key = _project_key(cache, config, chosen, results, srcroot, paths, others)
        stored = cache.get_project(key)
        if stored is not None:
            return findings + stored
    context = project_context(config, catalog, results, srcroot, paths, others)
    joined = len(findings)
    for rule in real_rules(chosen):
        try:
            findings.extend(rule(None, None).check_project(context))  # type: ignore[arg-type]
        except Exception as error:
            # A broken project rule is a notice, never a traceback or a lost run.
            text = " ".join(str(error).split())[:200]
            findings.append(
                Finding(
                    rule_id=RULE_ERROR,
                    path=context.manifest_display,
                    message=f"internal error in project rule {rule.id} ({rule.name}); it was "
                    f"skipped: {type(error).__name__}: {text}",
                    severity=Severity.WARNING,
                    span=Span(1, 1, 1, 1),
                    statement_lines=(1, 1),
                )
            )
    if cache is not None and key is not None:
        cache.put_project(key, findings[joined:])
    return findings


def _project_key(
    cache: Cache,
    config: Config,
    chosen: Sequence[type[Rule]],
    results: list[FileResult],
    srcroot: Path,
    paths: list[Path],
    others: Sequence[Fact],
) -> str:
    from privalint import manifest

    located = manifest.locate(config, paths)
    try:
        text = located.read_bytes().hex() if located is not None else None
    except OSError:
        text = None
    return cache.project_key(
        [r.id for r in chosen],
        [[r.path, [list(vars(f).values()) for f in r.facts]] for r in results],
        [list(vars(f).values()) for f in others],
        str(located),
        text,
        repr(config),
        str(srcroot),
        [str(p.absolute()) for p in paths],
    )


def _apply_per_file_ignores(
    findings: list[Finding], config: Config, rules: Sequence[type[Rule]], srcroot: Path
) -> list[Finding]:
    if not config.per_file_ignores:
        return findings
    cache: dict[str, set[str]] = {}
    kept = []
    for finding in findings:
        if finding.path not in cache:
            absolute = (srcroot / finding.path).resolve()
            relative = display_path(absolute, config.root)
            ignored: set[str] = set()
            for pattern, selectors in config.per_file_ignores.items():
                if path_matches(relative, pattern):
                    ignored |= resolve_selectors(selectors, rules, config.where(pattern))
            cache[finding.path] = ignored
        if finding.rule_id not in cache[finding.path]:
            kept.append(finding)
    return kept
