"""privalint's own notices: files it could not check, suppressions, rule failures.

These rules are reported by the engine itself, never by a walk of the code.
"""

from __future__ import annotations

from privalint.model import Family, Severity
from privalint.rule import Rule


class ParseError(Rule):
    """
    ## What it does
    Reports a file privalint could not check: a syntax error (Python 2 code, a
    half-written file), bytes that do not decode, a file too large or too deeply
    nested to parse, or a file that took longer than the per-file time budget.

    ## Why is this bad?
    A file that is not checked can hide any of the problems privalint looks for.
    The notice makes the gap visible instead of silently passing the file.

    ## How to fix
    Fix the syntax error, or exclude the file (``extend-exclude``) if it is not
    Python 3 source, such as a template or generated code.
    """

    id = "PV000"
    name = "parse-error"
    family = Family.NOTICE
    severity = Severity.ERROR
    title = "File could not be checked"
    message = "file could not be checked"


class BlanketSuppression(Rule):
    """
    ## What it does
    Flags `# privalint: ignore` comments that name no rule.

    ## Why is this bad?
    A blanket suppression silences every rule on the statement, including problems
    introduced later that nobody reviewed.

    ## How to fix
    Name the rules: `# privalint: ignore[PV101]`.
    """

    id = "PV001"
    name = "blanket-suppression"
    family = Family.NOTICE
    severity = Severity.WARNING
    title = "Suppression comment names no rule"
    message = "blanket suppression"


class UnusedSuppression(Rule):
    """
    ## What it does
    Flags suppression comments that suppress nothing: the rule no longer fires on
    that statement, or the id is misspelt.

    ## Why is this bad?
    Stale suppressions hide future findings on the same statement and mislead
    reviewers about what was accepted.

    ## How to fix
    Remove the comment, or the ids in it that no longer apply.
    """

    id = "PV002"
    name = "unused-suppression"
    family = Family.NOTICE
    severity = Severity.WARNING
    title = "Suppression comment suppresses nothing"
    message = "unused suppression"


class RuleError(Rule):
    """
    ## What it does
    Reports an internal error of one rule on one file. The rule is skipped for the
    rest of that file; every other rule and file is still checked.

    ## Why is this bad?
    The failing rule may have missed problems in that file.

    ## How to fix
    Report the notice (with the file, if you can share it) to the privalint
    developers. Suppress it meanwhile with `# privalint: ignore[PV003]` or
    `per-file-ignores`.
    """

    id = "PV003"
    name = "rule-error"
    family = Family.NOTICE
    severity = Severity.WARNING
    title = "A rule failed on this file"
    message = "internal rule error"
