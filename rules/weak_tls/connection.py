"""Database and broker connections whose TLS is off, optional or unverified."""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    known_name,
    leading_text,
    literal,
    module_words,
    resolve,
    string_use,
    text_of,
    url_host,
    value_of,
)

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule

# Where a connection names its server (keywords, and keys of a settings dict).
_HOST_KEYS = ("host", "hostname", "server", "bootstrap_servers", "bootstrap.servers")
_PAIR = re.compile(r"(?:^|[?&;\s])([A-Za-z_]+)=([^&;\s'\"]+)")
_DSN_HOST = re.compile(r"(?:^|\s)host=([^\s]+)")
# A connection URL (`postgresql://...`) or a libpq key=value string (`host=... dbname=...`).
_CONNECTION_STRING = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z_]+=)")


@dataclass(frozen=True)
class PlainService:
    """A search or database client and where its configuration says "no TLS"."""

    service: str
    host_keywords: tuple[str, ...]
    host_position: Optional[int]
    node_keys: frozenset[str]
    scheme_keys: frozenset[str]
    plain_schemes: frozenset[str]
    plain_url_schemes: tuple[str, ...]
    tls_off: dict[str, tuple[Any, ...]]


def _services(catalog: Catalog) -> dict[str, PlainService]:
    found: dict[str, PlainService] = {}
    for entry in catalog.get("tls.plaintext-services", []) or []:
        if not isinstance(entry, dict):
            continue
        position = entry.get("host-position", 0)
        tls_off = entry.get("tls-off", {}) or {}
        spec = PlainService(
            service=str(entry.get("service", "database")),
            host_keywords=tuple(map(str, entry.get("host-keywords", ["host"]))),
            host_position=int(position) if isinstance(position, int) and position >= 0 else None,
            node_keys=frozenset(map(str, entry.get("node-keys", ["nodes", "hosts"]))),
            scheme_keys=frozenset(map(str, entry.get("scheme-keys", ["scheme"]))),
            plain_schemes=frozenset(
                s.lower() for s in map(str, entry.get("plain-schemes", ["http"]))
            ),
            plain_url_schemes=tuple(
                s.lower() for s in map(str, entry.get("plain-url-schemes", ["http://"]))
            ),
            tls_off={str(k): tuple(v) for k, v in tls_off.items() if isinstance(v, list)},
        )
        for name in entry.get("classes", []):
            found[str(name)] = spec
    return found


@dataclass
class _PlainNode:
    host: Optional[str]
    shown: str
    why: str


class InsecureConnectionOption(Rule):
    """
    ## What it does
    Flags database and message-broker connections configured without verified TLS:
    `sslmode` `disable`, `allow`, `prefer` or `require` (PostgreSQL), `ssl_mode`
    `DISABLED`/`PREFERRED`/`REQUIRED` (MySQL), `ssl_disabled=True`,
    `ssl_cert_reqs=none`, `tlsInsecure=true` and the like, whether passed as keyword
    arguments, as keys of an options dict (Django's `DATABASES[...]["OPTIONS"]`) or
    as parameters of a connection string (`postgresql://...?sslmode=disable`); and
    search and database clients configured for clear text: `http://` nodes or
    `scheme="http"` for Elasticsearch, OpenSearch, Typesense (`"protocol": "http"`),
    Meilisearch and Solr, `use_ssl=False`, and `tls=False`/`ssl=False` for MongoDB
    and Redis (the catalog lists the clients). Connections to loopback hosts are not
    flagged.

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
    title = "Database, search or broker connection without verified TLS"
    message = "`{option}={value}` {meaning}{where}"
    precision = "high"
    INVALID = (
        'import psycopg2\nconn = psycopg2.connect(host="db.example.com", dbname="shop", sslmode="disable")',
        'from sqlalchemy import create_engine\nengine = create_engine("postgresql://app@db.example.com/shop?sslmode=require")',
        'from elasticsearch import Elasticsearch\nes = Elasticsearch("http://es.internal.example.com:9200")',
    )
    VALID = (
        'import psycopg2\nconn = psycopg2.connect(host="db.example.com", dbname="shop", sslmode="verify-full")',
        'import psycopg2\nconn = psycopg2.connect(host="localhost", dbname="shop", sslmode="disable")',
        'from elasticsearch import Elasticsearch\nes = Elasticsearch("https://es.internal.example.com:9200")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        options = catalog.get("tls.connection-options", {}) or {}
        table: dict[str, dict[str, str]] = {}
        for option, values in options.items():
            if isinstance(values, dict):
                table[str(option).lower()] = {str(k).lower(): str(v) for k, v in values.items()}
        return table, tuple(catalog.strings("tls.loopback-hosts")), _services(catalog)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        table, _, services = cls.compile(catalog)
        return ((*sorted(table), *module_words(services)),)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._reported: set[int] = set()

    def _meaning(self, option: str, value: Any) -> Optional[str]:
        table, _, _ = self.compiled
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
        _, loopback, services = self.compiled
        service = known_name(self.ctx, node.func, services)
        if service is not None:
            self._service(node, services[service])
        for arg in node.args:
            if arg.keyword is None:
                continue
            value = self._value(arg.value)
            meaning = self._meaning(arg.keyword.value, value)
            if meaning is None:
                continue
            host_arg = argument(node, None, *_HOST_KEYS)
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
        if meaning is not None and not self._local_settings():
            self.report(node, option=key, value=value, meaning=meaning, where="")

    def _local_settings(self) -> bool:
        """Whether the settings dict holding the current key (or the one holding that,
        as in Django's `DATABASES`) names a loopback server."""
        _, loopback, _ = self.compiled
        levels = 0
        for parent in reversed(self.ctx.stack[:-1]):
            if type(parent) is not cst.Dict:
                continue
            levels += 1
            for element in parent.elements:
                if type(element) is not cst.DictElement:
                    continue
                key = literal(element.key)
                if isinstance(key, str) and key.lower() in _HOST_KEYS:
                    return is_loopback(host_text(self.ctx, element.value), loopback)
            if levels == 2:
                break
        return False

    # Connection strings.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "=" in node.value:
            self._connection_string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._connection_string(node)

    def _connection_string(self, node: StringNode) -> None:
        _, loopback, _ = self.compiled
        start = (
            leading_text(node)
            if type(node) is cst.SimpleString
            else "".join(p.value for p in node.parts if type(p) is cst.FormattedStringText)
        )
        if not start or not _CONNECTION_STRING.match(start):
            return
        top, user, _ = string_use(self.ctx.stack)
        if id(top) in self._reported or type(user) is cst.DictElement:
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

    # Search and database clients configured for plain HTTP or without TLS.

    def _service(self, node: cst.Call, spec: PlainService) -> None:
        _, loopback, _ = self.compiled
        found: list[_PlainNode] = []
        hosts: list[cst.BaseExpression] = []
        arg = argument(node, spec.host_position, *spec.host_keywords)
        if arg is not None and not arg.star:
            hosts = self._nodes(arg.value, spec)
        for host in hosts:
            plain = self._plain_node(host, spec)
            if plain is not None:
                found.append(plain)
        # Switches of the whole client: `use_ssl=False`, `scheme="http"`.
        for call_arg in node.args:
            if call_arg.keyword is None:
                continue
            why = self._switch_off(call_arg.keyword.value, call_arg.value, spec)
            if why is None:
                continue
            named = [self._host_of(h) for h in hosts] or [(None, "its server")]
            found.extend(_PlainNode(host, shown, why) for host, shown in named)
        remote = [f for f in found if not is_loopback(f.host, loopback)]
        if not remote:
            return
        first = remote[0]
        self.report(
            node,
            "{service} client talks to {host} without TLS ({why}): the data it holds, and "
            "its credentials, cross the network in clear text",
            service=spec.service,
            host=f"`{first.shown}`" if first.shown != "its server" else first.shown,
            why=first.why,
            severity=Severity.WARNING if first.host is None else Severity.ERROR,
        )

    def _nodes(self, expr: cst.BaseExpression, spec: PlainService) -> list[cst.BaseExpression]:
        """The server entries of a client's host argument: URLs, host dicts, or the
        entries under `nodes` of a configuration dict."""
        value = resolve(self.ctx, expr)
        if isinstance(value, (cst.List, cst.Tuple)):
            out: list[cst.BaseExpression] = []
            for element in value.elements:
                if type(element) is cst.Element:
                    out.extend(self._nodes(element.value, spec))
            return out
        if type(value) is cst.Dict:
            for item in value.elements:
                if type(item) is cst.DictElement and literal(item.key) in spec.node_keys:
                    return self._nodes(item.value, spec)
        return [value]

    def _host_of(self, entry: cst.BaseExpression) -> tuple[Optional[str], str]:
        if type(entry) is cst.Dict:
            host_value = _dict_value(entry, ("host", "hostname"))
            if host_value is None:
                return None, "its server"
            host = host_text(self.ctx, host_value)
            return host, host or self.ctx.code(host_value, 30)
        text = text_of(self.ctx, entry)
        host = host_text(self.ctx, entry) if text is not None else None
        return host, host or self.ctx.code(entry, 30)

    def _plain_node(self, entry: cst.BaseExpression, spec: PlainService) -> Optional[_PlainNode]:
        if type(entry) is cst.Dict:
            for element in entry.elements:
                if type(element) is not cst.DictElement:
                    continue
                key = literal(element.key)
                if not isinstance(key, str):
                    continue
                why = self._switch_off(key, element.value, spec)
                if why is not None:
                    host, shown = self._host_of(entry)
                    return _PlainNode(host, shown, why)
            return None
        text = text_of(self.ctx, entry)
        if text is None or not text.lower().lstrip().startswith(spec.plain_url_schemes):
            return None
        host = url_host(text.strip())
        shown = host or text.replace(UNKNOWN_PART, "…")[:40]
        return _PlainNode(host, shown, f"`{text.split('://', 1)[0].strip()}://` URL")

    def _switch_off(self, key: str, value: cst.BaseExpression, spec: PlainService) -> Optional[str]:
        """Why a keyword or key leaves TLS off (`scheme="http"`, `use_ssl=False`)."""
        found = value_of(self.ctx, value)
        if found is NOT_LITERAL:
            return None
        if key in spec.scheme_keys:
            if isinstance(found, str) and found.lower() in spec.plain_schemes:
                return f"`{key}={found!r}`".replace("'", '"')
            return None
        insecure = spec.tls_off.get(key)
        if insecure is not None and any(type(found) is type(v) and found == v for v in insecure):
            return f"`{key}={found!r}`"
        return None


def _dict_value(node: cst.Dict, keys: tuple[str, ...]) -> Optional[cst.BaseExpression]:
    for element in node.elements:
        if type(element) is cst.DictElement and literal(element.key) in keys:
            return element.value
    return None
