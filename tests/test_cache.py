"""The result cache: warm runs give the same results, reuse what did not change,
survive damage and sharing, and keep no source text."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from privalint.api import CheckOptions, Outcome, run_check
from privalint.cache import FOLDER, TAG_NAME
from privalint.cli import cli

LEAKY = """\
import logging
log = logging.getLogger(__name__)

def register_patron(user):
    secret_marker = "UNIQUE-LITERAL-7f3a"  # UNIQUE-COMMENT-9b1c
    log.info("new signup %s", user.email)
"""
PLAIN = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def project(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for i in range(6):
        (tmp_project / f"m{i}.py").write_text(LEAKY if i % 2 == 0 else PLAIN)
    monkeypatch.chdir(tmp_project)
    return tmp_project


def _check(**options: object) -> Outcome:
    return run_check(CheckOptions(paths=[Path(".")], jobs=2, **options))  # type: ignore[arg-type]


def _plain(outcome: Outcome) -> list[tuple]:
    findings = [dataclasses.astuple(f) for f in outcome.report.findings]
    facts = [dataclasses.astuple(f) for r in outcome.results for f in r.facts]
    return sorted(findings) + sorted(facts)


def _entries(root: Path) -> list[Path]:
    return sorted(
        p
        for p in (root / FOLDER).glob("*/*.json")
        if not p.name.startswith("project-") and p.name != "prefilter.json"
    )


def test_a_warm_run_gives_the_same_report_from_the_cache(project: Path) -> None:
    cold = _check()
    assert cold.report.cache_hits == 0
    warm = _check()
    assert warm.report.cache_hits == 6
    assert all(r.from_cache for r in warm.results)
    assert not any(r.parsed for r in warm.results)
    assert _plain(warm) == _plain(cold) == _plain(_check(use_cache=False))
    assert len(_entries(project)) == 6


def test_only_a_changed_file_is_checked_again(project: Path) -> None:
    _check()
    (project / "m1.py").write_text(LEAKY)
    outcome = _check()
    assert outcome.report.cache_hits == 5
    assert [r.path for r in outcome.results if not r.from_cache] == ["m1.py"]
    assert any(f.path == "m1.py" for f in outcome.report.findings)


def test_other_settings_never_see_these_results(project: Path) -> None:
    _check()
    tls_only = _check(select=("PV5",))
    assert tls_only.report.cache_hits == 0
    assert not tls_only.report.findings
    (project / "privalint.toml").write_text('[severity]\nPV101 = "note"\n')
    assert _check().report.cache_hits == 0


def test_entries_of_other_settings_unused_for_weeks_are_pruned(project: Path) -> None:
    _check()
    _check(select=("PV5",))
    folders = sorted(p for p in (project / FOLDER).iterdir() if p.is_dir())
    assert len(folders) == 2
    old, recent = folders
    month_ago = os.stat(old).st_mtime - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    stale_file = project / FOLDER / "rules-0000000000000000.json"
    stale_file.write_text("[]")
    os.utime(stale_file, (month_ago, month_ago))
    # A run that starts a new folder (other settings) removes what is stale, and only
    # that: the recent folder stays.
    (project / "privalint.toml").write_text('[severity]\nPV101 = "note"\n')
    _check()
    left = {p.name for p in (project / FOLDER).iterdir()}
    assert old.name not in left and stale_file.name not in left
    assert recent.name in left and TAG_NAME in left and ".gitignore" in left


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    outcome = _check(use_cache=False)
    assert outcome.report.cache_hits == 0
    assert not (project / FOLDER).exists()


def test_the_cache_folder_is_tagged_and_ignored_by_git(project: Path) -> None:
    _check()
    folder = project / FOLDER
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / TAG_NAME).read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_cache_dir_from_the_config(project: Path) -> None:
    (project / "privalint.toml").write_text('cache-dir = "build/lint-cache"\n')
    _check()
    assert (project / "build" / "lint-cache" / TAG_NAME).is_file()
    assert not (project / FOLDER).exists()
    assert _check().report.cache_hits == 6


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\x00\xff garbage",
        b'{"format": 1}',
        b'{"format": 1, "key": "%s", "skipped": false, "findings": [[1]], "facts": []}',
        b"[]",
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(project: Path, damage: bytes) -> None:
    expected = _plain(_check())
    for entry in _entries(project):
        entry.write_bytes(damage.replace(b"%s", entry.stem.encode()))
    again = _check()
    assert again.report.cache_hits == 0
    assert _plain(again) == expected
    assert _check().report.cache_hits == 6


def test_a_foreign_entry_is_ignored(project: Path) -> None:
    _check()
    entries = _entries(project)
    donor = json.loads(entries[0].read_text())
    for entry in entries[1:]:
        entry.write_text(json.dumps(donor))  # right shape, someone else's key
    assert _check().report.cache_hits == 1


def test_a_cache_that_cannot_be_written_does_not_stop_the_run(project: Path) -> None:
    # A file where the cache folder's parent should be: no one can create it.
    (project / "blocker").write_text("")
    (project / "privalint.toml").write_text('cache-dir = "blocker/cache"\n')
    expected = _plain(_check(use_cache=False))
    outcome = _check()
    assert _plain(outcome) == expected
    assert _check().report.cache_hits == 0


def test_two_runs_can_share_the_cache(project: Path) -> None:
    for i in range(6, 40):
        (project / f"m{i}.py").write_text(LEAKY if i % 2 == 0 else PLAIN)
    outcomes: list[Outcome] = []
    threads = [threading.Thread(target=lambda: outcomes.append(_check())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and _plain(outcomes[0]) == _plain(outcomes[1])
    warm = _check()
    assert warm.report.cache_hits == 40
    assert _plain(warm) == _plain(outcomes[0])
    assert not list((project / FOLDER).rglob(".tmp-*"))


def test_the_cache_keeps_no_source_text(project: Path) -> None:
    _check()
    stored = b"".join(p.read_bytes() for p in (project / FOLDER).rglob("*") if p.is_file())
    assert b"UNIQUE-LITERAL" not in stored
    assert b"UNIQUE-COMMENT" not in stored
    assert b"register_patron" not in stored


def test_clean_removes_the_cache(project: Path) -> None:
    _check()
    result = CliRunner().invoke(cli, ["clean"])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert not (project / FOLDER).exists()
    again = CliRunner().invoke(cli, ["clean"])
    assert again.exit_code == 0 and "no cache" in again.output


def test_clean_leaves_a_folder_that_is_not_a_cache_alone(project: Path) -> None:
    (project / "privalint.toml").write_text('cache-dir = "precious"\n')
    (project / "precious").mkdir()
    (project / "precious" / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["clean"])
    assert result.exit_code == 1
    assert "does not look like a privalint cache" in result.output
    assert (project / "precious" / "notes.txt").exists()


def test_the_cli_wires_no_cache(project: Path) -> None:
    result = CliRunner().invoke(cli, ["check", ".", "--no-cache", "-q"])
    assert result.exit_code == 1, result.output
    assert not (project / FOLDER).exists()


WARM_IMPORTS = """
import sys
from privalint.cli import main
try:
    main(["check", ".", "-q", "--format", "json", "-o", "out.json"])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in ("libcst", "rich")))
print(sorted(m for m in sys.modules if m.startswith("privalint.rules.")))
"""


def _imports_of_a_run() -> list[str]:
    """The libcst/rich modules and the rule modules a run of the CLI imported."""
    done = subprocess.run(
        [sys.executable, "-c", WARM_IMPORTS],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CI": "1"},
    )
    return done.stdout.splitlines()


def test_a_warm_run_imports_neither_libcst_nor_the_rules(project: Path) -> None:
    cold = _imports_of_a_run()
    assert "libcst" in cold[0]
    assert _imports_of_a_run() == ["[]", "[]"]


def test_a_changed_file_no_rule_could_match_is_screened_without_the_engine(
    project: Path,
) -> None:
    """After an edit to a file the prefilter skips, the run imports no rule and no
    libcst: the main process screens it with the prefilter the cache describes."""
    run = _imports_of_a_run
    run()
    before = json.loads((project / "out.json").read_text())
    with (project / "m1.py").open("a") as handle:
        handle.write("\n# an edit\n")
    assert run() == ["[]", "[]"]
    after = json.loads((project / "out.json").read_text())
    assert after["findings"] == before["findings"]
    assert after["summary"]["files_skipped_by_prefilter"] == 3
    # An edit that needs the engine still gets it.
    (project / "m1.py").write_text(LEAKY)
    assert "libcst" in run()[0]
    assert any(
        f["path"] == "m1.py" for f in json.loads((project / "out.json").read_text())["findings"]
    )


def test_rule_stand_ins_carry_every_piece_of_metadata(project: Path) -> None:
    from privalint.cache import Cache, code_stamp
    from privalint.docs import markdown
    from privalint.registry import all_rules

    cache = Cache(project / FOLDER, code_stamp())
    real = cache.rule_classes(all_rules)  # builds the index
    stand_ins = cache.rule_classes(all_rules)
    assert [r.id for r in real] == [r.id for r in stand_ins] == [r.id for r in all_rules()]
    for rule, stand_in in zip(real, stand_ins):
        assert getattr(stand_in, "_stand_in", False)
        for name in dir(rule):
            value = getattr(rule, name)
            if name.startswith("_") or callable(value):
                continue
            if isinstance(value, (str, int, float, bool, tuple, list)) or value is None:
                assert getattr(stand_in, name) == (
                    tuple(value) if isinstance(value, list) else value
                ), (rule.id, name)
        assert markdown(stand_in) == markdown(rule)


def test_project_rules_see_a_changed_manifest_on_a_warm_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tests.conftest import FIXTURES

    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "projects" / "shop", project)
    monkeypatch.chdir(project)
    cold = _check()
    warm = _check()
    assert warm.report.cache_hits == len(warm.results)
    assert _plain(warm) == _plain(cold)
    manifest = project / "privacy.toml"
    manifest.write_text(manifest.read_text().replace("[data.health]", "[data.genetic]"))
    changed = _check()
    assert changed.report.cache_hits == len(changed.results)  # the files did not change
    assert _plain(changed) == _plain(_check(use_cache=False)) != _plain(cold)
