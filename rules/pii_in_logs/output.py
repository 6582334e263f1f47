"""Personal data printed to a terminal or standard stream, or raised in an exception."""

from __future__ import annotations

from typing import Any

import libcst as cst
from privalint.rules.pii_in_logs.common import (
    Labels,
    combined,
    record_logged,
    sink_arguments,
    template_labels,
    through_helper,
    written_values,
)

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule

_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})


class PersonalDataPrinted(Rule):
    """
    ## What it does
    Flags personal data written to standard output or error: `print`,
    `sys.stdout.write`/`sys.stderr.write`, `click.echo`, `rich` console printing,
    `pprint`, `tqdm.write` and `warnings.warn`, and the Asterisk console of an AGI
    script (`agi.verbose(...)`).

    ## Why is this bad?
    In services, standard streams are collected into the same log pipelines as
    logging output; in scripts and jobs they end up in CI logs, cron mail and
    terminal scrollback. Either way the data leaves the controls the application
    applies to it.

    ## How to fix
    Print a pseudonymous identifier or a masked value, or write the data to its
    intended, protected destination instead.
    """

    id = "PV102"
    name = "personal-data-printed"
    family = Family.PII_IN_LOGS
    severity = Severity.WARNING
    cwe = 532
    title = "Personal data printed to a standard stream"
    message = "{data} {verb} printed to {stream}"
    provides_facts = True
    triggers = (("print", "write", "echo", "warn", "console", "ic("), ("@personal", "@people"))
    # A function of the file may hand its parameters to the sink: the file matters to
    # other modules that call it with personal data (`privalint.project`).
    join_triggers = ("print", "echo", "stdout", "stderr")
    INVALID = (
        'def notify(customer):\n    print("sending receipt to", customer.email)',
        'import sys\n\ndef fail(phone):\n    sys.stderr.write(f"cannot reach {phone}\\n")',
        'import warnings\n\ndef check(patient):\n    warnings.warn(f"{patient.full_name} has no insurance")',
    )
    VALID = (
        'def notify(customer):\n    print("sending receipt to customer", customer.pk)',
        'def export(rows, out):\n    print(rows[0]["email"], file=out)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return (
            frozenset(catalog.strings("output.calls")),
            frozenset(catalog.strings("output.control-keywords")),
            Labels.from_catalog(catalog),
            {str(k): str(v) for k, v in (catalog.get("output.streams") or {}).items()},
        )

    def _is_output(self, node: cst.Call) -> bool:
        calls = self.compiled[0]
        qualified = self.ctx.qualname(node.func)
        if qualified not in calls:
            return self._stream_write(node)
        if qualified in ("print", "builtins.print"):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == "file":
                    # A file, not a terminal: the storage rules look at it.
                    return self.ctx.qualname(arg.value) in _STREAMS
        return True

    def _stream_write(self, node: cst.Call) -> bool:
        """``self.stdout.write(...)`` (Django management commands) and other writes to
        an attribute named like a standard stream."""
        func = node.func
        if type(func) is not cst.Attribute or func.attr.value not in ("write", "writelines"):
            return False
        receiver = func.value
        return type(receiver) is cst.Attribute and receiver.attr.value in (
            "stdout",
            "stderr",
        )

    def _sink_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        if not self._is_output(call):
            return []
        return sink_arguments(self.ctx, call, self.compiled[1])

    def visit_Call(self, node: cst.Call) -> None:
        control = self.compiled[1]
        if not self._is_output(node):
            values = through_helper(self.ctx, node, self._sink_values, self.id)
            if values:
                carried = combined(values)
                assert carried is not None
                record_logged(self.ctx, values[0][0], carried, f"`{self.ctx.code(node.func, 40)}`")
                self.report(
                    values[0][0],
                    severity=self.ctx.severity_for(carried.cats, self.severity),
                    categories=carried.categories,
                    data=self.ctx.describe(carried),
                    verb=self.ctx.verb(carried),
                    stream=f"standard output by `{self.ctx.code(node.func, 30)}()`",
                )
            return
        self.ctx.export_sink(self, self._sink_values, "writes it to standard output")
        qualified = self.ctx.qualname(node.func) or ""
        values = list(written_values(self.ctx, node, control))
        if not values:
            values = list(template_labels(self.ctx, node, self.compiled[2]))
        carried = combined(values)
        if carried is None:
            return
        record_logged(self.ctx, values[0][0], carried, f"`{self.ctx.code(node.func, 40)}`")
        stream = self.compiled[3].get(qualified) or (
            "a warning" if qualified.startswith("warnings.") else "standard output"
        )
        if (
            "stderr" in qualified
            or "stderr" in self.ctx.code(node.func)
            or any(
                a.keyword is not None
                and a.keyword.value in ("file", "err")
                and "stderr" in self.ctx.code(a.value)
                for a in node.args
            )
        ):
            stream = "standard error"
        self.report(
            values[0][0],
            severity=self.ctx.severity_for(carried.cats, self.severity),
            categories=carried.categories,
            data=self.ctx.describe(carried),
            verb=self.ctx.verb(carried),
            stream=stream,
        )


class PersonalDataInException(Rule):
    """
    ## What it does
    Flags personal data in the message of an exception that is raised.

    This rule is opt-in: enable it with `extend-select = ["PV103"]` (or
    `--select PV103`). Many codebases deliberately put the offending value in
    validation errors shown back to the person who entered it.

    Redirect responses raised as exceptions (`raise HTTPFound(url)`) carry a URL,
    not a message: the URL rule looks at them.

    ## Why is this bad?
    Exception messages end up in tracebacks, log files, error trackers (Sentry,
    Rollbar) and sometimes in HTTP error pages, far from the code that had a reason
    to see the data.

    ## How to fix
    Put an identifier in the message (`f"no account for user {user.pk}"`) and keep
    the personal value out of it.
    """

    id = "PV103"
    name = "personal-data-in-exception"
    family = Family.PII_IN_LOGS
    severity = Severity.NOTE
    cwe = 209
    default_enabled = False
    title = "Personal data in an exception message"
    message = "{data} {verb} put in the message of a raised exception"
    triggers = (("raise",), ("@personal", "@people"))
    INVALID = ('def lookup(email):\n    raise LookupError(f"no account for {email}")',)
    VALID = (
        'def lookup(user):\n    raise LookupError(f"no account for user {user.pk}")',
        "def lookup(email):\n    raise LookupError(email_not_found_message())",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        # Redirect responses raised as exceptions carry a URL, not a message (their
        # query strings are the URL rule's).
        return frozenset(
            (*catalog.strings("exceptions.ignore"), *catalog.strings("exposure.url.calls.redirect"))
        )

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if type(exc) is not cst.Call or self.ctx.qualname(exc.func) in self.compiled:
            return
        values = list(written_values(self.ctx, exc, frozenset()))
        carried = combined(values)
        if carried is None:
            return
        severity = (
            Severity.WARNING
            if self.ctx.severity_for(carried.cats, self.severity) is Severity.ERROR
            else self.severity
        )
        self.report(
            values[0][0],
            severity=severity,
            categories=carried.categories,
            data=self.ctx.describe(carried),
            verb=self.ctx.verb(carried),
        )
