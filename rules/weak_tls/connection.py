"""Database and broker connections whose TLS is off, optional or unverified."""

from __future__ import annotations

import re
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    UNKNOWN_PART,
    StringNode,
    argument,
    constant_name,
    host_text,
    is_loopback,
    leading_text,
    literal,
    string_use,
    text_of,
    url_host,
    value_of,
)

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule

_PAIR = re.compile(r"(?:^|[?&;\s])([A-Za-z_]+)=([^&;\s'\"]+)")
_DSN_HOST = re.compile(r"(?:^|\s)host=([^\s]+)")
# A connection URL (`postgresql://...`) or a libpq key=value string (`host=... dbname=...`).
_CONNECTION_STRING = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z_]+=)")


class InsecureConnectionOption(Rule):
    """
    ## What it does
    Flags database and message-broker connections configured without verified TLS:
    `sslmode` `disable`, `allow`, `prefer` or `require` (PostgreSQL), `ssl_mode`
    `DISABLED`/`PREFERRED`/`REQUIRED` (MySQL), `ssl_disabled=True`,
    `ssl_cert_reqs=none`, `tlsInsecure=true` and the like, whether passed as keyword
    arguments, as keys of an options dict (Django's `DATABASES[...]["OPTIONS"]`) or
    as parameters of a connection string (`postgresql://...?sslmode=disable`).
    Connections to loopback hosts are not flagged.

    ## Why is this bad?
    The database holds the personal data. Without TLS every query and result crosses
    the network in clear text; TLS without certificate verification (`require`)
    encrypts to whoever answers, so anyone on the path can intercept it.

    ## How to fix
    Use `sslmode=verify-full` (PostgreSQL), `ssl_mode=VERIFY_IDENTITY` (MySQL) or the
    driver's equivalent, with the server's CA certificate.
    """

    id = "PV512"
    name = "insecure-connection-option"
    family = Family.WEAK_TLS
    severity = Severity.WARNING
    cwe = 319
    title = "Database or broker connection without verified TLS"
    message = "`{option}={value}` {meaning}{where}"
    precision = "high"
    INVALID = (
        'import psycopg2\nconn = psycopg2.connect(host="db.example.com", dbname="shop", sslmode="disable")',
        'from sqlalchemy import create_engine\nengine = create_engine("postgresql://app@db.example.com/shop?sslmode=require")',
    )
    VALID = (
        'import psycopg2\nconn = psycopg2.connect(host="db.example.com", dbname="shop", sslmode="verify-full")',
        'import psycopg2\nconn = psycopg2.connect(host="localhost", dbname="shop", sslmode="disable")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        options = catalog.get("tls.connection-options", {}) or {}
        table: dict[str, dict[str, str]] = {}
        for option, values in options.items():
            if isinstance(values, dict):
                table[str(option).lower()] = {str(k).lower(): str(v) for k, v in values.items()}
        return table, tuple(catalog.strings("tls.loopback-hosts"))

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        table, _ = cls.compile(catalog)
        return (tuple(sorted(table)),)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._reported: set[int] = set()

    def _meaning(self, option: str, value: Any) -> Optional[str]:
        table, _ = self.compiled
        values = table.get(option.lower())
        if values is None:
            return None
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, str):
            text = value.lower()
        else:
            return None
        return values.get(text)

    def _value(self, expr: cst.BaseExpression) -> Any:
        value = value_of(self.ctx, expr)
        if value is NOT_LITERAL:
            name = constant_name(self.ctx, expr)
            return name if name == "CERT_NONE" else NOT_LITERAL
        return value

    def visit_Call(self, node: cst.Call) -> None:
        _, loopback = self.compiled
        for arg in node.args:
            if arg.keyword is None:
                continue
            value = self._value(arg.value)
            meaning = self._meaning(arg.keyword.value, value)
            if meaning is None:
                continue
            host_arg = argument(node, None, "host", "hostname", "server")
            host = host_text(self.ctx, host_arg.value) if host_arg is not None else None
            if is_loopback(host, loopback):
                return
            self.report(
                arg,
                option=arg.keyword.value,
                value=value,
                meaning=meaning,
                where=f" (connection to `{host}`)" if host else "",
            )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = literal(node.key)
        if not isinstance(key, str):
            return
        value = self._value(node.value)
        meaning = self._meaning(key, value)
        if meaning is not None:
            self.report(node, option=key, value=value, meaning=meaning, where="")

    # Connection strings.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "=" in node.value:
            self._connection_string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._connection_string(node)

    def _connection_string(self, node: StringNode) -> None:
        _, loopback = self.compiled
        start = (
            leading_text(node)
            if isinstance(node, cst.SimpleString)
            else "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
        )
        if not start or not _CONNECTION_STRING.match(start):
            return
        top, user, _ = string_use(self.ctx.stack)
        if id(top) in self._reported or isinstance(user, cst.DictElement):
            return
        text = text_of(self.ctx, top)
        if text is None:
            return
        for option, value in _PAIR.findall(text):
            meaning = self._meaning(option, value)
            if meaning is None or UNKNOWN_PART in value:
                continue
            if "://" in text:
                host = url_host(text)
            else:
                match = _DSN_HOST.search(text)
                host = match.group(1) if match else None
            if is_loopback(host, loopback):
                return
            self._reported.add(id(top))
            self.report(
                top,
                option=option,
                value=value,
                meaning=meaning,
                where=f" (connection to `{host}`)" if host else "",
            )
            return
