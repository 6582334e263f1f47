"""CI runs exactly the README's test command."""

from __future__ import annotations

import re

from tests.conftest import REPO


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"# Install the test dependencies and run the whole test suite:\n(.+)\n", readme
    )
    assert match, "README lacks the test command"
    command = match.group(1)
    install, _, test = command.rpartition(" && ")
    assert install.endswith('pip install -e ".[test]"') and test == "python -m pytest"
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]"' in script
    assert script.rstrip().endswith("python -m pytest")
