"""Rule documentation rendered from the rule classes (the single source).

Feeds ``privalint explain``, the SARIF rule descriptors and ``docs/rules/*.md``.
"""

from __future__ import annotations

import re

from privalint.model import Family
from privalint.rule import Rule

DOCS_URL = "https://github.com/privalint/privalint/blob/main/docs/rules/{id}.md"
HOMEPAGE = "https://github.com/privalint/privalint"

FAMILY_TITLES = {
    Family.NOTICE: "privalint notices",
    Family.PII_IN_LOGS: "Personal data in logs and output",
    Family.PII_EXPOSURE: "Personal data exposed or sent to third parties",
    Family.UNENCRYPTED_STORAGE: "Personal data stored unencrypted",
    Family.UNDECLARED_COLLECTION: "Personal data collected but not declared",
    Family.WEAK_TLS: "Weak transport security",
    Family.WEAK_VOIP: "Weak voice-over-IP security",
}


def help_uri(rule: type[Rule]) -> str:
    return DOCS_URL.format(id=rule.id)


def section(rule: type[Rule], heading: str) -> str:
    """The text under ``## heading`` in the rule's docstring."""
    doc = rule.doc()
    match = re.search(r"^## " + re.escape(heading) + r"\s*$(.*?)(?=^## |\Z)", doc, re.S | re.M)
    return match.group(1).strip() if match else ""


def full_description(rule: type[Rule]) -> str:
    """One paragraph: what the rule does and why it matters."""
    what = " ".join(section(rule, "What it does").split())
    why = " ".join(section(rule, "Why is this bad?").split())
    return f"{what} {why}".strip()


def _code_block(code: str) -> str:
    return "```python\n" + code.strip("\n") + "\n```"


def markdown(rule: type[Rule], heading_level: int = 1) -> str:
    """The rule's page: metadata, docstring sections and the examples."""
    h = "#" * heading_level
    cwe = (
        f"[CWE-{rule.cwe}](https://cwe.mitre.org/data/definitions/{rule.cwe}.html)"
        if rule.cwe
        else "none"
    )
    lines = [
        f"{h} {rule.id} {rule.name}",
        "",
        f"{rule.title}.",
        "",
        f"- Family: `{rule.family.value}` ({FAMILY_TITLES[rule.family]})",
        f"- Default severity: `{rule.severity.value}`",
        f"- CWE: {cwe}",
        f"- Precision: {rule.precision}",
        "",
    ]
    doc = rule.doc()
    body = doc[doc.find("## ") :] if "## " in doc else doc
    # Re-level the docstring's headings under the page title.
    body = re.sub(r"^## ", "#" * (heading_level + 1) + " ", body, flags=re.M)
    lines.append(body.strip())
    sub = "#" * (heading_level + 1)
    if rule.INVALID:
        lines += ["", f"{sub} Example", "", "Flagged:", ""]
        for example in rule.INVALID:
            lines += [_code_block(example), ""]
    if rule.VALID:
        lines += (
            ["", "Not flagged:", ""]
            if rule.INVALID
            else ["", f"{sub} Example", "", "Not flagged:", ""]
        )
        for example in rule.VALID:
            lines += [_code_block(example), ""]
    lines += [
        "",
        f"Suppress one occurrence with `# privalint: ignore[{rule.id}]` on the flagged statement.",
        "",
    ]
    return "\n".join(lines).replace("\n\n\n", "\n\n").rstrip() + "\n"


def plain_text(rule: type[Rule]) -> str:
    """The page as plain text (SARIF ``help.text``)."""
    text = markdown(rule)
    text = re.sub(r"^#+ ", "", text, flags=re.M)
    text = text.replace("```python\n", "").replace("```\n", "").replace("```", "")
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return text
