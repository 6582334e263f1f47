"""Checks of the privacy manifest itself, against the facts of the whole project."""

from __future__ import annotations

from privalint.rules.undeclared_collection.common import (
    numbered,
    places,
    project_finding,
    sites,
)

from privalint.model import Family, Finding, Severity
from privalint.project import COLLECTED, LOGGED, SENT, STORED, ProjectContext
from privalint.rule import Rule


class SpecialCategoryWithoutCondition(Rule):
    """
    ## What it does
    Flags a special category of personal data (health, biometric, genetic, ethnic
    origin, religion, political opinion, sexual orientation, trade-union membership,
    criminal record) that the privacy manifest declares without a
    `special-condition`. The finding is on the manifest entry and names the places
    that collect the data.

    ## Why is this bad?
    Processing special categories is forbidden unless one of the conditions of GDPR
    Art. 9(2) (or Art. 10 for criminal records) applies, in addition to a legal basis
    of Art. 6. Without it, collecting the data is unlawful however good the purpose.

    ## How to fix
    Name the condition that applies, for example explicit consent:

    ```toml
    [data.health]
    purpose = "Dietary requirements for event catering"
    basis = "consent"
    special-condition = "explicit-consent"
    ```
    """

    id = "PV402"
    name = "special-category-without-condition"
    family = Family.UNDECLARED_COLLECTION
    severity = Severity.ERROR
    cwe = 359
    title = "Special category of personal data declared without a GDPR Art. 9 condition"
    message = (
        "{data} is a special category of personal data (GDPR Art. 9/10){where}; "
        "`[data.{category}]` needs a `special-condition` such as `explicit-consent`"
    )
    project = True

    def check_project(self, project: ProjectContext) -> list[Finding]:
        manifest = project.manifest
        if manifest is None:
            return []
        rules = project.manifest_rules
        collected = sites(project.collected)
        findings: list[Finding] = []
        for entry in manifest.entries.values():
            if not entry.known or not rules.is_special(entry.category):
                continue
            if entry.special_condition is not None:
                continue
            at = [f for f in collected if f.category == entry.category]
            where = f" collected at {places(at)}" if at else ""
            message = self.message.format(
                data=project.label(entry.category), where=where, category=entry.category
            )
            findings.append(
                project_finding(
                    self,
                    project.manifest_display,
                    entry.line,
                    message,
                    self.severity,
                    (entry.category,),
                    identity=entry.category,
                )
            )
        return numbered(findings)


class MissingManifest(Rule):
    """
    ## What it does
    Reports, once, a project that collects personal data but has no privacy manifest
    (`privacy.toml` beside the project's configuration, or the file named by the
    `manifest` setting). The finding sits at the first place that collects personal
    data and says which categories were found.

    ## Why is this bad?
    Without a manifest nobody has written down which personal data the application
    collects, why, and on what legal basis: the record of processing (GDPR Art. 30)
    and the privacy notice are guesses that drift from the code.

    ## How to fix
    Run `privalint inventory --write` to create `privacy.toml` with a TODO entry for
    every category the code collects, then fill in each purpose and legal basis.
    """

    id = "PV403"
    name = "missing-manifest"
    family = Family.UNDECLARED_COLLECTION
    severity = Severity.WARNING
    cwe = 359
    title = "Personal data collected but the project has no privacy manifest"
    message = (
        "the project collects personal data ({categories}; at {count}) but has no privacy "
        "manifest: run `privalint inventory --write` to create {manifest} and declare why "
        "each category is collected"
    )
    project = True

    def check_project(self, project: ProjectContext) -> list[Finding]:
        if project.manifest is not None:
            return []
        collected = sites(project.collected)
        if not collected:
            return []
        categories = sorted({f.category for f in collected})
        first = collected[0]
        count = f"{len(collected)} place" + ("s" if len(collected) > 1 else "")
        message = self.message.format(
            categories=", ".join(categories), count=count, manifest=project.manifest_display
        )
        return numbered(
            [
                project_finding(
                    self,
                    first.path,
                    first.line,
                    message,
                    self.severity,
                    tuple(categories),
                    column=first.column,
                    identity="missing-manifest",
                    suppressed=first.suppressed,
                )
            ]
        )


class InvalidManifest(Rule):
    """
    ## What it does
    Checks the content of the privacy manifest: every `[data.<category>]` key must be
    a category of the taxonomy (a close match is suggested), every entry needs a
    `purpose` and a `basis` that is one of the legal bases of GDPR Art. 6
    (`consent`, `contract`, `legal-obligation`, `vital-interests`, `public-task`,
    `legitimate-interests`), a `special-condition` must be a condition of Art. 9(2)
    or Art. 10, and TODO placeholders left by `privalint inventory --write` must be
    filled in.

    ## Why is this bad?
    A declaration with a misspelt category declares nothing (the code that collects
    the data is then reported as undeclared), and one without a purpose or a legal
    basis is exactly the gap the manifest exists to close.

    ## How to fix
    Correct the line the finding points to.
    """

    id = "PV404"
    name = "invalid-manifest"
    family = Family.UNDECLARED_COLLECTION
    severity = Severity.WARNING
    cwe = 359
    title = "Privacy manifest entry is invalid or incomplete"
    message = "{problem}"
    project = True

    def check_project(self, project: ProjectContext) -> list[Finding]:
        manifest = project.manifest
        if manifest is None:
            return []
        findings = [
            project_finding(
                self,
                project.manifest_display,
                problem.line,
                problem.message,
                self.severity,
                (problem.category,) if problem.category else (),
                identity=problem.message,
            )
            for problem in manifest.problems
        ]
        return numbered(findings)


class DeclaredNotCollected(Rule):
    """
    ## What it does
    Notes a category that the privacy manifest declares but that no checked code
    collects, stores, logs or sends. It is only reported when the whole project is
    checked (the folder that holds the manifest or the configuration), never when
    privalint runs on a few files.

    ## Why is this bad?
    A declaration without collection is either stale (the feature is gone and the
    privacy notice still promises or admits to something that no longer happens) or
    points at collection privalint cannot see. Data minimisation (GDPR Art. 5(1)(c))
    starts with an accurate list.

    ## How to fix
    Remove the entry if the data is no longer collected. If it is collected in a way
    privalint does not recognise, keep the entry and suppress the note for the
    manifest with `per-file-ignores = { "privacy.toml" = ["PV405"] }`.
    """

    id = "PV405"
    name = "declared-not-collected"
    family = Family.UNDECLARED_COLLECTION
    severity = Severity.NOTE
    cwe = None
    title = "Category declared in the privacy manifest but never collected"
    message = (
        "`{category}` ({data}) is declared but no checked code collects, stores, logs or "
        "sends it: remove the entry if the data is no longer collected"
    )
    project = True

    def check_project(self, project: ProjectContext) -> list[Finding]:
        manifest = project.manifest
        if manifest is None or not project.whole_project:
            return []
        used = {f.category for f in project.collected}
        used.update(
            f.category for f in project.facts if f.kind in (COLLECTED, STORED, LOGGED, SENT)
        )
        findings = [
            project_finding(
                self,
                project.manifest_display,
                entry.line,
                self.message.format(category=entry.category, data=project.label(entry.category)),
                self.severity,
                (entry.category,),
                identity=entry.category,
            )
            for entry in manifest.entries.values()
            if entry.known and entry.category not in used
        ]
        return numbered(findings)
