"""Database and broker connections whose TLS is off, optional or unverified."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    UNKNOWN_PART,
    StringNode,
    argument,
    constant_name,
    env_default,
    host_text,
    is_loopback,
    known_name,
    last_name,
    leading_text,
    literal,
    module_words,
    resolve,
    string_use,
    target_name,
    text_of,
    url_host,
    value_of,
    words_of,
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
    # The part of the call that says so (`"protocol": "http"`, the `http://` URL), when
    # it is written in the call itself rather than in a name it refers to.
    at: Optional[cst.CSTNode] = None


@dataclass(frozen=True)
class LoginScheme:
    """A server protocol whose login travels in clear text without TLS."""

    protocol: str
    sends: str
    fix: str


@dataclass(frozen=True)
class LoginClient:
    """A client that takes its server and its password as separate arguments."""

    scheme: str
    server_keywords: tuple[str, ...]
    server_position: Optional[int]
    credential_keywords: frozenset[str]


# Values of a TLS switch that leave TLS off.
_OFF_TEXTS = frozenset({"", "false", "0", "no", "off"})


@dataclass(frozen=True)
class PlainLogins:
    """Servers that receive a login in clear text unless the connection uses TLS."""

    schemes: dict[str, LoginScheme]
    prefixes: tuple[str, ...]
    clients: dict[str, LoginClient]
    # Calls that connect with the URL they are given (the clients among them).
    connections: frozenset[str]
    tls_keywords: frozenset[str]
    tls_prefixes: tuple[str, ...]
    tls_settings: frozenset[str]
    opaque_keywords: frozenset[str]
    credential_keywords: frozenset[str]
    any_credential_keyword: frozenset[str]
    placeholder_passwords: frozenset[str]
    placeholder_marks: tuple[str, ...]
    dev_path_words: frozenset[str]
    dev_words: frozenset[str]

    def is_tls_key(self, key: str) -> bool:
        key = key.lower()
        return key in self.tls_keywords or key.startswith(self.tls_prefixes)

    def placeholder(self, text: str) -> bool:
        """A template field or a stand-in (`${PASSWORD}`, `<password>`), not a secret."""
        known = text.replace(UNKNOWN_PART, "")
        return known.lower() in self.placeholder_passwords or any(
            mark in known for mark in self.placeholder_marks
        )


def _logins(catalog: Catalog) -> PlainLogins:
    section = catalog.get("tls.plaintext-logins", {}) or {}
    schemes: dict[str, LoginScheme] = {}
    for name, entry in (section.get("schemes", {}) or {}).items():
        if isinstance(entry, dict):
            schemes[str(name).lower()] = LoginScheme(
                protocol=str(entry.get("protocol", name)),
                sends=str(entry.get("sends", "its credentials")),
                fix=str(entry.get("fix", "TLS")),
            )
    credential = frozenset(catalog.strings("tls.plaintext-logins.credential-keywords"))
    clients: dict[str, LoginClient] = {}
    every_credential = set(credential)
    for entry in section.get("clients", []) or []:
        if not isinstance(entry, dict):
            continue
        position = entry.get("server-position", 0)
        keywords = entry.get("credential-keywords")
        client = LoginClient(
            scheme=str(entry.get("scheme", "")).lower(),
            server_keywords=tuple(map(str, entry.get("server-keywords", ["host"]))),
            server_position=position if isinstance(position, int) and position >= 0 else None,
            credential_keywords=frozenset(map(str, keywords)) if keywords else credential,
        )
        every_credential |= client.credential_keywords
        for name in entry.get("classes", []):
            clients[str(name)] = client
    return PlainLogins(
        schemes=schemes,
        prefixes=tuple(f"{name}://" for name in sorted(schemes)),
        clients=clients,
        connections=frozenset(
            [*clients, *catalog.strings("tls.plaintext-logins.connection-functions")]
        ),
        tls_keywords=frozenset(
            k.lower() for k in catalog.strings("tls.plaintext-logins.tls-keywords")
        ),
        tls_prefixes=tuple(k.lower() for k in catalog.strings("tls.plaintext-logins.tls-prefixes")),
        tls_settings=frozenset(
            k.lower() for k in catalog.strings("tls.plaintext-logins.tls-settings")
        ),
        opaque_keywords=frozenset(catalog.strings("tls.plaintext-logins.opaque-keywords")),
        credential_keywords=credential,
        any_credential_keyword=frozenset(every_credential),
        placeholder_passwords=frozenset(
            k.lower() for k in catalog.strings("tls.plaintext-logins.placeholder-passwords")
        ),
        placeholder_marks=tuple(catalog.strings("tls.plaintext-logins.placeholder-marks")),
        dev_path_words=frozenset(catalog.strings("tls.settings.context.dev-path-words")),
        dev_words=frozenset(catalog.strings("tls.settings.context.dev-words")),
    )


@dataclass
class _LoginUrl:
    scheme: str
    # The password of `user:password@` (None: none); unknown parts stay as placeholders.
    password: Optional[str]
    host: Optional[str]
    # A URL parameter switches TLS on (`?ssl=true`, `?tls=true`).
    tls: bool


def _login_url(text: str, logins: PlainLogins) -> Optional[_LoginUrl]:
    """The parts of a connection URL with one of the catalog's plaintext schemes."""
    head, sep, rest = text.strip().partition("://")
    scheme = head.lower()
    if not sep or scheme not in logins.schemes:
        return None
    authority = rest
    for stop in "/?#":
        authority = authority.split(stop, 1)[0]
    userinfo, at, _ = authority.rpartition("@")
    password: Optional[str] = None
    if at:
        _, colon, secret = userinfo.partition(":")
        if colon and secret:
            password = secret
    tls = False
    if "?" in rest:
        for pair in re.split(r"[&;]", rest.split("?", 1)[1].split("#", 1)[0]):
            key, _, value = pair.partition("=")
            if logins.is_tls_key(key.strip()) and value.strip().lower() not in _OFF_TEXTS:
                tls = True
    return _LoginUrl(scheme, password, url_host(text.strip()), tls)


@dataclass(frozen=True)
class _Knowledge:
    options: dict[str, dict[str, str]]
    loopback: tuple[str, ...]
    services: dict[str, PlainService]
    logins: PlainLogins
    # URL schemes that accept any certificate (`neo4j+ssc://`) -> what they do.
    schemes: dict[str, str] = field(default_factory=dict)
    # Plaintext URL schemes the settings rule reports where a setting holds them
    # (`tls.service-settings.plain-schemes`).
    setting_schemes: tuple[str, ...] = ()


class InsecureConnectionOption(Rule):
    """
    ## What it does
    Flags database and message-broker connections configured without verified TLS:
    `sslmode` `disable`, `allow` or `prefer` (PostgreSQL; not `require`, which libpq
    verifies against a root certificate when one is installed), `ssl_mode`
    `DISABLED`/`PREFERRED`/`REQUIRED` (MySQL), `ssl_disabled=True`,
    `ssl_cert_reqs=none`, `tlsInsecure=true` and the like, whether passed as keyword
    arguments, as keys of an options dict (Django's `DATABASES[...]["OPTIONS"]`) or
    as parameters of a connection string (`postgresql://...?sslmode=disable`), or as
    the value (or environment-lookup fallback) of a setting named after the option
    (`KAFKA_SECURITY_PROTOCOL = os.environ.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")`);
    Kafka clients told not to check the broker certificate or host name
    (`enable.ssl.certificate.verification`, `ssl.endpoint.identification.algorithm`); and
    search and database clients configured for clear text: `http://` nodes or
    `scheme="http"` for Elasticsearch, OpenSearch, Typesense (`"protocol": "http"`),
    Meilisearch and Solr, an `http://` account URL for Azure Storage clients,
    ClickHouse on its plain HTTP port (`port=8123`),
    `use_ssl=False`, and `tls=False`/`ssl=False` for MongoDB and Redis, a `redis://`
    URL for Redis clients made from one (`from_url`, Dramatiq's `RedisBroker`; a URL
    setting of another module is reported where it is set), all as the catalog lists
    the clients, and URL schemes that encrypt but accept any certificate (Neo4j's
    `neo4j+ssc://`, `bolt+ssc://`). Connections to loopback hosts and to single-label
    hosts (container names) are not flagged.

    It also flags logins sent in clear text: a `redis://`, `amqp://`, `mongodb://` or
    `nats://` URL with a password (`amqp://app:secret@mq.example.com//`), wherever it is
    written (a constant, an `os.environ.get` default, an argument, a Django `CACHES`
    entry whose `OPTIONS` hold the password), and a Redis, AMQP or MongoDB client
    (redis-py, pika, aio-pika, pymongo, motor, ...) given a remote host and a password
    (`password=`, pika's `credentials=`) without a TLS option (`ssl=True`,
    `ssl_options=`, `tls=True`, `ssl_*`/`tls*` settings, `?ssl=true` in the URL,
    Celery's `broker_use_ssl`). Each connection is reported once: at the client call
    that connects with the URL (or adds the password), else where the URL is written.
    Loopback hosts, single-label
    hosts (container names such as `redis`), `rediss://`, `amqps://` and
    `mongodb+srv://` URLs, placeholders (`${PASSWORD}`, `<password>`, template fields)
    and test or development code are not flagged.

    ## Why is this bad?
    The database holds the personal data. Without TLS every query and result crosses
    the network in clear text; TLS without certificate verification (`REQUIRED`)
    encrypts to whoever answers, so anyone on the path can intercept it. Redis `AUTH`
    and AMQP `PLAIN` logins carry the password itself: whoever sees one connection
    can log in to the cache or broker, and read the sessions and task payloads it
    holds.

    ## How to fix
    Use `sslmode=verify-full` (PostgreSQL), `ssl_mode=VERIFY_IDENTITY` (MySQL) or the
    driver's equivalent, with the server's CA certificate. For caches and brokers use
    `rediss://` (or `ssl=True`), `amqps://` on port 5671 (pika's `ssl_options=`,
    Celery's `broker_use_ssl`) and `tls=true` for MongoDB.
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
        'from sqlalchemy import create_engine\nengine = create_engine("postgresql://app@db.example.com/shop?sslmode=prefer")',
        'from elasticsearch import Elasticsearch\nes = Elasticsearch("http://es.internal.example.com:9200")',
        'import os\nimport redis\ncache = redis.Redis(host="cache.example.com", password=os.environ["REDIS_PASSWORD"])',
        'CELERY_BROKER_URL = "amqp://app:secret@mq.example.com:5672//"',
    )
    VALID = (
        'import psycopg2\nconn = psycopg2.connect(host="db.example.com", dbname="shop", sslmode="verify-full")',
        'import psycopg2\nconn = psycopg2.connect(host="localhost", dbname="shop", sslmode="disable")',
        'from elasticsearch import Elasticsearch\nes = Elasticsearch("https://es.internal.example.com:9200")',
        'import os\nimport redis\ncache = redis.Redis(host="cache.example.com", password=os.environ["REDIS_PASSWORD"], ssl=True)',
        'CELERY_BROKER_URL = "amqps://app:secret@mq.example.com:5671//"',
        'CELERY_BROKER_URL = "amqp://guest:guest@rabbitmq:5672//"',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        options = catalog.get("tls.connection-options", {}) or {}
        table: dict[str, dict[str, str]] = {}
        for option, values in options.items():
            if isinstance(values, dict):
                table[str(option).lower()] = {str(k).lower(): str(v) for k, v in values.items()}
        return _Knowledge(
            options=table,
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
            services=_services(catalog),
            logins=_logins(catalog),
            schemes={
                str(k).lower(): str(v)
                for k, v in (catalog.get("tls.unverified-schemes", {}) or {}).items()
            },
            setting_schemes=tuple(
                str(k).lower()
                for k in (catalog.get("tls.service-settings.plain-schemes", {}) or {})
            ),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        known: _Knowledge = cls.compile(catalog)
        return (
            (
                *sorted(known.options),
                *module_words(known.services),
                *known.logins.prefixes,
                *(f"{scheme}://" for scheme in sorted(known.schemes)),
                # A client is known only through an import of its package.
                *sorted({f"import:{name.split('.', 1)[0]}" for name in known.logins.clients}),
            ),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._reported: set[int] = set()
        # Clear-text logins: URLs seen, URLs waiting for the end of the file (a call
        # or a setting may still put them under TLS), values handed to TLS connections.
        self._login_seen: set[int] = set()
        self._login_pending: dict[int, tuple[cst.CSTNode, str, str]] = {}
        self._login_tls: set[int] = set()
        # URL values -> the connections made with them (reported there instead).
        self._login_uses: dict[int, list[cst.Call]] = {}
        self._file_tls = False
        self._dev_file: Optional[bool] = None

    def _meaning(self, option: str, value: Any) -> Optional[str]:
        values = self.compiled.options.get(option.lower())
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
        known: _Knowledge = self.compiled
        loopback, services = known.loopback, known.services
        service = known_name(self.ctx, node.func, services)
        if service is not None and self._service(node, services[service]):
            # One report per connection: not the URL it was given as well.
            self._mark_tls(node)
        else:
            self._login_call(node)
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
        logins: PlainLogins = self.compiled.logins
        if key.lower() in logins.tls_settings and self._switched_on(node.value):
            self._file_tls = True

    def _local_settings(self) -> bool:
        """Whether the settings dict holding the current key (or the one holding that,
        as in Django's `DATABASES`) names a loopback server."""
        loopback = self.compiled.loopback
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
        if "://" in node.value:
            self._login_string(node)
            if "+" in node.value:
                self._unverified_scheme(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._connection_string(node)
        self._login_string(node)
        self._unverified_scheme(node)

    def _unverified_scheme(self, node: StringNode) -> None:
        """``neo4j+ssc://graph.example.com``: a URL whose scheme turns TLS on but accepts
        any certificate."""
        schemes: dict[str, str] = self.compiled.schemes
        start = leading_text(node)
        scheme = start.split("://", 1)[0].strip().lower() if start and "://" in start else ""
        meaning = schemes.get(scheme)
        if meaning is None:
            return
        top, user, _ = string_use(self.ctx.stack)
        if id(top) in self._reported or user is None or type(user) is cst.Expr:
            return
        text = text_of(self.ctx, top) or start or ""
        host = url_host(text)
        if is_loopback(host, self.compiled.loopback):
            return
        self._reported.add(id(top))
        self.report(
            top,
            f"`{scheme}://` {meaning}{f' (connection to `{host}`)' if host else ''}",
        )

    def _connection_string(self, node: StringNode) -> None:
        loopback = self.compiled.loopback
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

    # Logins sent in clear text: `redis://:secret@cache.example.com`, or a client given
    # a remote host and a password without TLS.

    def _login_string(self, node: StringNode) -> None:
        logins: PlainLogins = self.compiled.logins
        start = leading_text(node)
        if not start or not start.lstrip().lower().startswith(logins.prefixes):
            return
        top, user, index = string_use(self.ctx.stack)
        if id(top) in self._login_seen:
            return
        self._login_seen.add(id(top))
        if user is None or type(user) in (cst.Expr, cst.Comparison, cst.ComparisonTarget):
            # A docstring, a bare string, a comparison with a URL.
            return
        text = text_of(self.ctx, top)
        url = _login_url(text, logins) if text is not None else None
        if url is None or url.tls or url.host is None or not self._remote(url.host):
            return
        password = url.password is not None and not logins.placeholder(url.password)
        if type(user) is cst.DictElement and index > 0:
            # A settings dict: `{"LOCATION": "redis://...", "OPTIONS": {"PASSWORD": ...}}`.
            holder = self.ctx.stack[index - 1]
            if type(holder) is cst.Dict:
                has_password, tls = self._settings_login(holder, 3)
                if tls:
                    return
                password = password or (url.password is None and has_password)
        if not password or self._dev_context():
            return
        self._login_pending[id(top)] = (top, url.scheme, url.host)

    def _settings_login(self, mapping: cst.Dict, depth: int) -> tuple[bool, bool]:
        """Whether a settings dict (or a dict in it) holds a password, and whether it
        switches TLS on."""
        logins: PlainLogins = self.compiled.logins
        password = tls = False
        for element in mapping.elements:
            if type(element) is not cst.DictElement:
                if type(element) is cst.StarredDictElement:
                    tls = True  # options merged from elsewhere
                continue
            key = literal(element.key)
            if not isinstance(key, str):
                continue
            if logins.is_tls_key(key) or key.lower() in logins.opaque_keywords:
                tls = tls or self._switched_on(element.value)
            elif key.lower() in logins.credential_keywords:
                password = password or self._secret(element.value)
            elif depth > 1 and type(element.value) is cst.Dict:
                inner_password, inner_tls = self._settings_login(element.value, depth - 1)
                password, tls = password or inner_password, tls or inner_tls
        return password, tls

    def _login_call(self, node: cst.Call) -> None:
        """A client given a remote server and a password, without TLS."""
        logins: PlainLogins = self.compiled.logins
        connects = self.ctx.qualname(node.func) in logins.connections
        arguments = self._call_arguments(node)
        if arguments is None:
            # Options we cannot see: they may hold the TLS settings.
            if connects:
                self._mark_tls(node)
            return
        positional, keywords = arguments
        credential: Optional[cst.BaseExpression] = None
        credential_name = ""
        tls = False
        for name, value in keywords:
            if logins.is_tls_key(name) or name in logins.opaque_keywords:
                tls = tls or self._switched_on(value)
                if name.lower() in logins.tls_settings:
                    self._file_tls = self._file_tls or self._switched_on(value)
            elif credential is None and name in logins.any_credential_keyword:
                credential, credential_name = value, name
        if tls:
            self._mark_tls(node)
            return
        if connects and not self._dev_context():
            for key in self._given(node):
                self._login_uses.setdefault(key, []).append(node)
        if credential is None:
            return
        found = known_name(self.ctx, node.func, logins.clients)
        client = logins.clients[found] if found is not None else None
        allowed = client.credential_keywords if client else logins.credential_keywords
        if credential_name not in allowed or not self._secret(credential):
            return
        scheme: Optional[str] = None
        text: Optional[str] = None
        if client is not None:
            scheme = client.scheme
            server = next((v for k, v in keywords if k in client.server_keywords), None)
            position = client.server_position
            if server is None and position is not None and position < len(positional):
                server = positional[position]
            text = self._server_text(server) if server is not None else None
        else:
            # Any other call: a plaintext URL among its arguments.
            for value in (*positional, *(v for _, v in keywords)):
                if value is credential:
                    continue
                candidate = self._server_text(value)
                if candidate is not None and candidate.lstrip().lower().startswith(logins.prefixes):
                    text = candidate
                    break
        if text is None:
            return
        if "://" in text:
            url = _login_url(text, logins)
            if url is None or url.tls or url.password is not None:
                # Another protocol, TLS, or a URL with its own password (reported there).
                return
            scheme, host = url.scheme, url.host
        else:
            host = text.split(":", 1)[0].strip().lower()
            if not host or UNKNOWN_PART in host:
                return
        if scheme not in logins.schemes or host is None or not self._remote(host):
            return
        if not self._dev_context():
            self._login_report(node, scheme, host)

    def _call_arguments(
        self, node: cst.Call
    ) -> Optional[tuple[list[cst.BaseExpression], list[tuple[str, cst.BaseExpression]]]]:
        """The positional and keyword arguments of a call, with the keys of a `**`
        spread of a dict written in this file (`redis.Redis(**REDIS_SETTINGS)`); None
        when a spread cannot be read."""
        positional: list[cst.BaseExpression] = []
        keywords: list[tuple[str, cst.BaseExpression]] = []
        for arg in node.args:
            if arg.star == "*":
                return None
            if arg.star == "**":
                mapping = resolve(self.ctx, arg.value)
                if type(mapping) is cst.Dict:
                    for element in mapping.elements:
                        if type(element) is not cst.DictElement:
                            return None
                        key = literal(element.key)
                        if not isinstance(key, str):
                            return None
                        keywords.append((key, element.value))
                elif type(mapping) is cst.Call and last_name(mapping.func) == "dict":
                    for inner in mapping.args:
                        if inner.keyword is None:
                            return None
                        keywords.append((inner.keyword.value, inner.value))
                else:
                    return None
            elif arg.keyword is not None:
                keywords.append((arg.keyword.value, arg.value))
            else:
                positional.append(arg.value)
        return positional, keywords

    def _server_text(self, expr: cst.BaseExpression) -> Optional[str]:
        """The text of a server argument: a URL or `host[:port]`, or the first of a
        list of them, or the host of a `(host, port)` pair."""
        value = resolve(self.ctx, expr)
        for _ in range(2):
            if not isinstance(value, (cst.Tuple, cst.List)):
                break
            if not value.elements or type(value.elements[0]) is not cst.Element:
                return None
            value = resolve(self.ctx, value.elements[0].value)
        return text_of(self.ctx, value)

    def _mark_tls(self, node: cst.Call) -> None:
        """The URLs a call under TLS is given are not clear-text logins."""
        self._login_tls.update(self._given(node))

    def _given(self, node: cst.Call) -> list[int]:
        """The values a call is given, as the keys of the URLs seen: what its
        arguments name, and the defaults of environment lookups."""
        keys = []
        for arg in node.args:
            value = resolve(self.ctx, arg.value)
            keys.append(id(value))
            default = env_default(self.ctx, value)
            if default is not None:
                keys.append(id(resolve(self.ctx, default)))
        return keys

    def _switched_on(self, value: cst.BaseExpression) -> bool:
        """A TLS switch that is not off (a value we cannot read counts as on)."""
        found = value_of(self.ctx, value)
        if found is NOT_LITERAL:
            return True
        if isinstance(found, str):
            return found.strip().lower() not in _OFF_TEXTS
        return bool(found)

    def _secret(self, value: cst.BaseExpression) -> bool:
        """A password that is there: not None or empty, not a placeholder."""
        found = value_of(self.ctx, value)
        if found is NOT_LITERAL:
            return True
        if isinstance(found, bytes):
            found = found.decode("latin-1")
        if isinstance(found, str):
            return bool(found) and not self.compiled.logins.placeholder(found)
        return False

    def _login_given(self, node: cst.Call, arg: Optional[cst.Arg]) -> bool:
        """Whether a client call carries a password: in its server URL or as a keyword."""
        logins: PlainLogins = self.compiled.logins
        if any(
            a.keyword is not None and a.keyword.value in logins.any_credential_keyword
            for a in node.args
        ):
            return True
        text = self._server_text(arg.value) if arg is not None and not arg.star else None
        login = _login_url(text, logins) if text and "://" in text else None
        return login is not None and login.password is not None

    def _reported_at_setting(self, expr: cst.BaseExpression) -> bool:
        """A URL setting of another module (`settings.CACHE_URL = "redis://..."`) that
        the settings rule reports where it is set."""
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return False
        setting = self.ctx.imports.constant(expr)
        text = literal(setting) if setting is not None else None
        known: _Knowledge = self.compiled
        return isinstance(text, str) and text.strip().lower().startswith(known.setting_schemes)

    def _remote(self, host: str) -> bool:
        """A host of another machine: not loopback, not a single-label name (a
        container or service name on the same private network)."""
        known: _Knowledge = self.compiled
        if any(mark in host for mark in known.logins.placeholder_marks):
            return False
        if is_loopback(host, known.loopback):
            return False
        return "." in host or ":" in host

    def _dev_context(self) -> bool:
        """Test or development code: a file, class, function or `if DEBUG:` block
        named for it."""
        logins: PlainLogins = self.compiled.logins
        if self._dev_file is None:
            parts = [p for p in re.split(r"[\\/]", self.ctx.path) if p][-3:]
            if parts:
                parts[-1] = parts[-1].rsplit(".", 1)[0]
            self._dev_file = any(
                word in logins.dev_path_words for part in parts for word in words_of(part)
            )
        if self._dev_file:
            return True
        stack = self.ctx.stack
        for index in range(len(stack) - 1, 0, -1):
            parent, child = stack[index - 1], stack[index]
            if isinstance(parent, (cst.ClassDef, cst.FunctionDef)):
                if set(words_of(parent.name.value)) & logins.dev_words:
                    return True
            elif (
                type(parent) is cst.If
                and child is parent.body
                and not (
                    type(parent.test) is cst.UnaryOperation
                    and type(parent.test.operator) is cst.Not
                )
                and set(words_of(self.ctx.code(parent.test, 200))) & logins.dev_words
            ):
                return True
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._tls_setting(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._tls_setting(node.target, node.value)

    def _tls_setting(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`BROKER_USE_SSL = {...}`, `app.conf.broker_use_ssl = True`."""
        name = target_name(target)
        if name is None:
            return
        if name.lower() in self.compiled.logins.tls_settings:
            self._file_tls = self._file_tls or self._switched_on(value)
        self._option_setting(name, value)

    def _option_setting(self, name: str, value: cst.BaseExpression) -> None:
        """A setting named after a connection option, given an insecure value directly
        or as the fallback of an environment lookup:
        `KAFKA_SECURITY_PROTOCOL = os.environ.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")`,
        `DB_SSLMODE = "disable"`."""
        lowered = name.lower()
        options = self.compiled.options
        option = lowered if lowered in options else None
        if option is None and "_" in lowered:
            # The option is the end of the setting's name (`KAFKA_` + `SECURITY_PROTOCOL`).
            parts = lowered.split("_")
            for start in range(1, len(parts)):
                tail = "_".join(parts[start:])
                if tail in options:
                    option = tail
                    break
        if option is None:
            return
        fallback = env_default(self.ctx, value)
        shown = self._value(fallback if fallback is not None else value)
        meaning = self._meaning(option, shown)
        if meaning is None or self._dev_context():
            return
        self.report(
            value,
            option=name,
            value=shown,
            meaning=meaning,
            where=" (the default when the environment does not set it)"
            if fallback is not None
            else "",
        )

    def _login_report(self, node: cst.CSTNode, scheme: str, host: str) -> None:
        found = self.compiled.logins.schemes[scheme]
        self.report(
            node,
            "{protocol} connection to `{host}` sends {sends} in clear text (no TLS); use {fix}",
            protocol=found.protocol,
            host=host,
            sends=found.sends,
            fix=found.fix,
            severity=self.ctx.severity_for(("credentials",), Severity.WARNING),
            categories=("credentials",),
        )

    def finish(self) -> None:
        if self._file_tls:
            return
        for key, (node, scheme, host) in self._login_pending.items():
            if key in self._login_tls:
                continue
            # A URL kept in a constant is reported where it connects.
            for made in self._login_uses.get(key) or [node]:
                self._login_report(made, scheme, host)

    # Search and database clients configured for plain HTTP or without TLS.

    def _service(self, node: cst.Call, spec: PlainService) -> bool:
        loopback = self.compiled.loopback
        found: list[_PlainNode] = []
        hosts: list[tuple[cst.BaseExpression, bool]] = []
        switched = False
        arg = argument(node, spec.host_position, *spec.host_keywords)
        if arg is not None and not arg.star and self._reported_at_setting(arg.value):
            return False
        if arg is not None and not arg.star:
            hosts = self._nodes(arg.value, spec, True)
        for host, direct in hosts:
            plain = self._plain_node(host, spec, direct)
            if plain is not None:
                found.append(plain)
        # Switches of the whole client: `use_ssl=False`, `scheme="http"`.
        for call_arg in node.args:
            if call_arg.keyword is None:
                continue
            why = self._switch_off(call_arg.keyword.value, call_arg.value, spec)
            if why is None:
                continue
            named = [self._host_of(h) for h, _ in hosts] or [(None, "its server")]
            found.extend(_PlainNode(host, shown, why, call_arg) for host, shown in named)
            switched = True
        if found and not switched and self._login_given(node, arg):
            # Clear text by the URL's scheme alone, with a password: reported as a
            # login sent in clear text.
            return False
        # Not loopback; a single-label name (`redis`, `elasticsearch`) is a container on
        # the same private network.
        remote = [
            f
            for f in found
            if not is_loopback(f.host, loopback) and (f.host is None or self._remote(f.host))
        ]
        if not remote:
            return False
        first = remote[0]
        self.report(
            first.at if first.at is not None else node,
            "{service} client talks to {host} without TLS ({why}): the data it holds, and "
            "its credentials, cross the network in clear text",
            service=spec.service,
            host=f"`{first.shown}`" if first.shown != "its server" else first.shown,
            why=first.why,
            severity=Severity.WARNING if first.host is None else Severity.ERROR,
        )
        return True

    def _nodes(
        self, expr: cst.BaseExpression, spec: PlainService, direct: bool
    ) -> list[tuple[cst.BaseExpression, bool]]:
        """The server entries of a client's host argument: URLs, host dicts, or the
        entries under `nodes` of a configuration dict; each with whether it is written
        in the call itself."""
        value = resolve(self.ctx, expr)
        direct = direct and value is expr
        if isinstance(value, (cst.List, cst.Tuple)):
            out: list[tuple[cst.BaseExpression, bool]] = []
            for element in value.elements:
                if type(element) is cst.Element:
                    out.extend(self._nodes(element.value, spec, direct))
            return out
        if type(value) is cst.Dict:
            for item in value.elements:
                if type(item) is cst.DictElement and literal(item.key) in spec.node_keys:
                    return self._nodes(item.value, spec, direct)
        return [(value, direct)]

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

    def _plain_node(
        self, entry: cst.BaseExpression, spec: PlainService, direct: bool = False
    ) -> Optional[_PlainNode]:
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
                    return _PlainNode(host, shown, why, element if direct else None)
            return None
        text = text_of(self.ctx, entry)
        if text is None or not text.lower().lstrip().startswith(spec.plain_url_schemes):
            return None
        host = url_host(text.strip())
        shown = host or text.replace(UNKNOWN_PART, "…")[:40]
        return _PlainNode(
            host, shown, f"`{text.split('://', 1)[0].strip()}://` URL", entry if direct else None
        )

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
