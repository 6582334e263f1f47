"""Personal data passed to a logger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_in_logs.common import (
    Labels,
    combined,
    mapping_placeholders,
    record_logged,
    sink_arguments,
    template_labels,
    through_helper,
    written_values,
)

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.imports import LOCAL, dotted_name
from privalint.model import Family, Severity
from privalint.nodes import string_value
from privalint.personal import split_words
from privalint.rule import Rule


@dataclass(frozen=True)
class LoggerKnowledge:
    methods: frozenset[str]
    loggers: frozenset[str]
    chain_methods: frozenset[str]
    control_keywords: frozenset[str]
    labels: Labels
    logger_words: frozenset[str]
    binding_methods: frozenset[str]
    adapters: frozenset[str]
    function_words: frozenset[str]
    writer_verbs: frozenset[str]
    not_logging_modules: frozenset[str]
    setup_verbs: frozenset[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> LoggerKnowledge:
        return cls(
            methods=frozenset(catalog.strings("logging.methods")),
            loggers=frozenset(catalog.strings("logging.loggers")),
            chain_methods=frozenset(catalog.strings("logging.chain-methods")),
            control_keywords=frozenset(catalog.strings("logging.control-keywords")),
            labels=Labels.from_catalog(catalog),
            logger_words=frozenset(catalog.strings("logging.logger-words")),
            binding_methods=frozenset(catalog.strings("logging.binding-methods")),
            adapters=frozenset(catalog.strings("logging.adapters")),
            function_words=frozenset(catalog.strings("logging.function-words")),
            writer_verbs=frozenset(catalog.strings("logging.writer-verbs")),
            not_logging_modules=frozenset(catalog.strings("logging.not-logging-modules")),
            setup_verbs=frozenset(catalog.strings("logging.setup-verbs")),
        )

    def _strip_chain(self, qualified: str) -> str:
        changed = True
        while changed:
            changed = False
            for method in self.chain_methods:
                suffix = f".{method}()"
                if qualified.endswith(suffix):
                    qualified = qualified[: -len(suffix)]
                    changed = True
        return qualified

    def _named_like_logger(self, text: str) -> bool:
        words = split_words(text.rstrip("()").rsplit(".", 1)[-1])
        return bool(words) and words[-1] in self.logger_words

    def _log_helper(self, ctx: FileContext, call: cst.Call, qualified: Optional[str]) -> bool:
        """A logging helper whose body privalint cannot see (defined in another
        module): ``audit("login", email=...)``, ``log_event(...)``, ``self.audit(...)``.
        Its name says what it does; helpers of this module are followed instead."""
        func = call.func
        name = func.attr.value if type(func) is cst.Attribute else getattr(func, "value", "")
        module_says_log = False
        if qualified is not None:
            root = qualified.split(".", 1)[0]
            if root in self.not_logging_modules or ctx.is_local(qualified) or root in self.loggers:
                return False
            module, _, name = qualified.rstrip("()").rpartition(".")
            # `from app.logs import note`: a function of a logging module logs.
            module_says_log = any(
                split_words(part)[-1:] and split_words(part)[-1] in self.logger_words
                for part in module.split(".")
            )
        words = split_words(name) if isinstance(name, str) else ()
        if not words or words[-1] in self.logger_words or words[0] in self.setup_verbs:
            return False  # a logger factory or configuration, not a record
        if ctx.flow.settings.is_sanitizer(qualified, name):
            return False  # `mask_phone`, `fingerprint` next to the log helpers
        writes = words[0] in self.function_words or (
            # `write_audit_entry(...)`, `emit_log(...)`: a writing verb, then the word.
            len(words) > 1 and words[0] in self.writer_verbs and words[1] in self.function_words
        )
        if not writes and not module_says_log:
            return False
        return ctx.flow.resolve_local(func) is None

    @property
    def logger_classes(self) -> frozenset[str]:
        """Classes whose instances are loggers (`logging.LoggerAdapter`): a class of the
        project that subclasses one makes loggers too."""
        return frozenset(
            name[:-2] for name in self.loggers if name.endswith("()") and "(" not in name[:-2]
        )

    def is_logger(
        self,
        ctx: FileContext,
        receiver: cst.BaseExpression,
        local_loggers: frozenset[str] = frozenset(),
    ) -> bool:
        """Whether ``receiver`` is a logger: a known logger API or object, an instance
        of a class of this module that subclasses a logger class (``local_loggers``),
        or a value named like one (``audit_log``, ``self._logger``, ``get_logger()``)."""
        while (
            type(receiver) is cst.Call
            and type(receiver.func) is cst.Attribute
            and receiver.func.attr.value in self.chain_methods
        ):
            receiver = receiver.func.value
        qualified = ctx.qualname(receiver)
        if qualified is not None:
            stripped = self._strip_chain(qualified)
            if (
                stripped in self.loggers
                or stripped in local_loggers
                or self._named_like_logger(stripped)
            ):
                return True
            if not ctx.is_local(stripped) and "." in stripped:
                return False
        name = dotted_name(receiver)
        if name is not None and self._named_like_logger(name):
            return True
        if type(receiver) is cst.Call:
            inner = dotted_name(receiver.func)
            return inner is not None and self._named_like_logger(inner)
        if type(receiver) is cst.Subscript and len(receiver.slice) == 1:
            # `ctx.obj["log"]`, `services["audit_logger"]`: a logger kept under a key.
            index = receiver.slice[0].slice
            key = string_value(index.value) if type(index) is cst.Index else None
            return key is not None and self._named_like_logger(key)
        return False

    def _dynamic_level(
        self, ctx: FileContext, func: cst.Call, local_loggers: frozenset[str]
    ) -> bool:
        """``getattr(log, level)(...)``: a log method of a logger, chosen by name."""
        args = [a.value for a in func.args if a.keyword is None and not a.star]
        if len(args) < 2 or ctx.qualname(func.func) not in ("getattr", "builtins.getattr"):
            return False
        method = string_value(args[1])
        if method is not None and method not in self.methods:
            return False
        return self.is_logger(ctx, args[0], local_loggers)

    def written_by(
        self, ctx: FileContext, call: cst.Call, local_loggers: frozenset[str] = frozenset()
    ) -> Optional[int]:
        """How many leading positional arguments to pass over when ``call`` puts its
        arguments into log records, or None when it does not. Log records are written
        by a log method on a logger, a context binding on one
        (``log.bind(email=...)``: its values go into every later record), and an
        adapter such as ``LoggerAdapter(logger, extra)`` (the logger is passed over)."""
        qualified = ctx.qualname(call.func)
        if qualified in self.adapters:
            return 1 if qualified == "logging.LoggerAdapter" else 0
        if qualified is not None and qualified + "()" in local_loggers:
            # `AuditAdapter(logger, {"user": email})`: the project's own adapter.
            return 1
        func = call.func
        if type(func) is cst.Attribute:
            method = func.attr.value
            logs = method in self.methods or method in self.binding_methods
            if logs and self.is_logger(ctx, func.value, local_loggers):
                return 0
            if qualified is None or "." not in qualified:
                return None
            # `self.say = log.info` in `__init__`: a bound log method kept on an object.
        elif self._log_helper(ctx, call, qualified) or (
            type(func) is cst.Call and self._dynamic_level(ctx, func, local_loggers)
        ):
            return 0
        # `from logging import info`, `emit = logger.warning`: a bound log method.
        if qualified is not None and "." in qualified:
            owner, _, method = qualified.rpartition(".")
            stripped = self._strip_chain(owner)
            if method in self.methods and (
                stripped in self.loggers
                or stripped in local_loggers
                or self._named_like_logger(stripped)
            ):
                return 0
        return None


class PersonalDataInLog(Rule):
    """
    ## What it does
    Flags personal data passed to a logger: the standard `logging` module and its
    loggers (however created, aliased, stored on `self` or wrapped in an adapter,
    instances of the project's own `logging.LoggerAdapter` subclasses included),
    `structlog`, `loguru`, `logbook`, Logfire, `syslog`, the systemd journal and
    Kamailio's KEMI (`KSR.info(...)`, with pseudo-variables such as `$fU` read as
    the numbers they hold), and any object named like a logger; log methods are followed when aliased
    (`warn = log.warning`, `self.say = log.info`) or chosen by name
    (`getattr(log, level)(...)`). The
    message, its `%`-arguments, `extra=` dicts and structured key-value pairs are
    all checked, and the data is followed through variables, f-strings, `.format`
    and helper functions of the same module. A value whose name says nothing is
    known by the message's words just before it (`"caller keyed DOB %s", digits`),
    alone or qualifying the value's own name (`"dialled %s", number`, `"call to %s",
    number`), and so is a
    field read by a vague name (`"caller name for %s is %s", sid, lookup.get("name")`).

    ## Why is this bad?
    Logs are copied to aggregators, retained for months and read by many people and
    vendors who have no need for the data. A personal value in a log escapes the
    access controls, retention and deletion the application applies elsewhere
    (GDPR Art. 5(1)(c), 5(1)(f); CWE-532).

    ## How to fix
    Log a pseudonymous identifier (`user.pk`) instead, or mask the value first
    (`mask_email(email)`). Declare project-specific masking helpers as sanitizers in
    `[tool.privalint.personal-data] sanitizers` if their names do not say so.
    """

    id = "PV101"
    name = "personal-data-in-log"
    family = Family.PII_IN_LOGS
    severity = Severity.WARNING
    cwe = 532
    title = "Personal data written to a log"
    message = "{data} {verb} written to the log{via}"
    triggers = (("log", "journal", "KSR."), ("@personal", "@people"))
    # A function of the file may hand its parameters to the sink: the file matters to
    # other modules that call it with personal data (`privalint.project`).
    join_triggers = triggers[0]
    provides_facts = True
    INVALID = (
        'import logging\nlogger = logging.getLogger(__name__)\n\ndef signup(user):\n    logger.info("new signup %s", user.email)',
        'import structlog\nlog = structlog.get_logger()\n\ndef charge(card_number):\n    log.info("charge", card=card_number)',
        'from loguru import logger\n\ndef update(phone):\n    logger.info(f"phone changed to {phone}")',
    )
    VALID = (
        'import logging\nlogger = logging.getLogger(__name__)\n\ndef signup(user):\n    logger.info("new signup %s", user.pk)',
        'import logging\nlogger = logging.getLogger(__name__)\n\ndef signup(email):\n    logger.info("signup, %d characters", len(email))',
        'import logging\n\ndef render(email_template):\n    logging.debug("rendering %s", email_template)',
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        # A function named as a log writer (`audit_payout(...)`) logs too.
        words = {*cls.triggers[0], *catalog.strings("logging.function-words")}
        return (tuple(sorted(words)), *cls.triggers[1:])

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return LoggerKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # Instances (`<local>.AuditAdapter()`) of this module's subclasses of logger
        # classes (`class AuditAdapter(logging.LoggerAdapter)`).
        self._local_loggers: frozenset[str] = frozenset()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        knowledge: LoggerKnowledge = self.compiled
        classes = knowledge.logger_classes
        for base in node.bases:
            qualified = self.ctx.qualname(base.value)
            if qualified is not None and (
                qualified in classes or qualified + "()" in self._local_loggers
            ):
                self._local_loggers |= {f"{LOCAL}.{node.name.value}()"}
                return

    def _sink_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        knowledge: LoggerKnowledge = self.compiled
        skip = knowledge.written_by(self.ctx, call, self._local_loggers)
        if skip is None:
            return []
        return sink_arguments(self.ctx, call, knowledge.control_keywords)[skip:]

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: LoggerKnowledge = self.compiled
        skip = knowledge.written_by(self.ctx, node, self._local_loggers)
        if skip is not None:
            self.ctx.export_sink(self, self._sink_values, "writes it to the log")
            values = list(
                written_values(self.ctx, node, knowledge.control_keywords, skip_first=skip)
            )
            values.extend(mapping_placeholders(self.ctx, node))
            if not values:
                values.extend(template_labels(self.ctx, node, knowledge.labels, skip))
            via: Optional[str] = ""
        else:
            values = through_helper(self.ctx, node, self._sink_values, self.id)
            via = None  # named only when reported
        carried = combined(values)
        if carried is None:
            return
        if via is None:
            via = f" by `{self.ctx.code(node.func, 30)}()`"
        record_logged(self.ctx, values[0][0], carried, f"`{self.ctx.code(node.func, 40)}`")
        self.report(
            values[0][0],
            severity=self.ctx.severity_for(carried.cats, self.severity),
            categories=carried.categories,
            data=self.ctx.describe(carried),
            verb=self.ctx.verb(carried),
            via=via,
        )
