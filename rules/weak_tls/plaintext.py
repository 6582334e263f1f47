"""Personal data and credentials sent over plaintext channels: http:// URLs, Telnet,
FTP, and mail protocols without STARTTLS."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    UNKNOWN_PART,
    argument,
    constant_name,
    forwarded_arguments,
    host_text,
    instance_of,
    is_loopback,
    keyword,
    known_name,
    literal,
    local_definition,
    matches_module,
    module_words,
    positional,
    qualname,
    resolve,
    small_statements,
    text_of,
    url_host,
    value_of,
    words_of,
)

from privalint.catalog import Catalog
from privalint.flow import Carried, union
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.rule import Rule


@dataclass(frozen=True)
class HttpKnowledge:
    modules: tuple[str, ...]
    data_keywords: frozenset[str]
    url_position: dict[str, int]
    data_position: dict[str, int]
    loopback: tuple[str, ...]
    http_methods: frozenset[str]
    client_words: frozenset[str]
    credential_keywords: frozenset[str]
    credential_headers: frozenset[str]
    connections: frozenset[str]
    connection_methods: frozenset[str]
    channels: dict[str, ChannelKind]
    credential_query_keys: frozenset[str] = frozenset()
    # Keywords that give a service the URL it calls back (`answer_url`,
    # `status_callback`): words of the keyword, and words one of which it must have.
    callback_words: frozenset[str] = frozenset()
    callback_url_words: frozenset[str] = frozenset()
    callback_keywords: frozenset[str] = frozenset()
    # Settings that name a remote service's endpoint (`COURT_FILING_URL`,
    # `partner_webhook_url: str = ...`): words one of which the name must have, words
    # that make it a link for people rather than a service, hosts of XML namespaces,
    # and the words of development files and classes.
    endpoint_words: frozenset[str] = frozenset()
    endpoint_skip_words: frozenset[str] = frozenset()
    namespace_hosts: tuple[str, ...] = ()
    dev_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ChannelKind:
    """A message channel (WebSocket, MQTT) and how it is opened, secured and used."""

    protocol: str
    url_keywords: tuple[str, ...]
    url_position: Optional[int]
    plain_prefixes: tuple[str, ...]
    secure_prefixes: tuple[str, ...]
    tls_keywords: frozenset[str]
    connect_methods: frozenset[str]
    upgrades: frozenset[str]
    send_methods: dict[str, int]
    data_keywords: frozenset[str]
    sends_at_once: bool
    credential_keywords: frozenset[str] = frozenset()
    credential_methods: tuple[tuple[str, int, str], ...] = ()
    credential_header_keywords: frozenset[str] = frozenset()
    # Personal data sent over the channel is reported where the channel is opened:
    # one finding per connection, however many sends follow.
    report_at_open: bool = False
    # Keywords whose value says whether TLS is on (Kafka's `security_protocol`): one of
    # the listed values (lowercased) turns it on; a value the code does not spell out
    # may too. Without the keyword the channel is in clear text.
    tls_values: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass
class _Channel:
    kind: ChannelKind
    host: Optional[str]
    shown: str
    secure: bool
    opened: bool
    # Credentials given to the client before it connects (`username_pw_set`).
    credentials: Optional[cst.BaseExpression] = None
    # Reported where it was opened: its sends are the same problem.
    reported: bool = False
    # The call that opened it (connection or `connect()`).
    opening: Optional[cst.CSTNode] = None


def _channels(catalog: Catalog) -> dict[str, ChannelKind]:
    found: dict[str, ChannelKind] = {}
    for entry in catalog.get("tls.plaintext-channels", []) or []:
        if not isinstance(entry, dict):
            continue
        position = entry.get("url-position", 0)
        sends = entry.get("send-methods", {}) or {}
        kind = ChannelKind(
            protocol=str(entry.get("protocol", "a plaintext channel")),
            url_keywords=tuple(map(str, entry.get("url-keywords", ["url"]))),
            url_position=int(position) if isinstance(position, int) and position >= 0 else None,
            plain_prefixes=tuple(p.lower() for p in map(str, entry.get("plain-prefixes", []))),
            secure_prefixes=tuple(p.lower() for p in map(str, entry.get("secure-prefixes", []))),
            tls_keywords=frozenset(map(str, entry.get("tls-keywords", []))),
            connect_methods=frozenset(map(str, entry.get("connect-methods", []))),
            upgrades=frozenset(map(str, entry.get("upgrades", []))),
            send_methods={str(k): int(v) for k, v in sends.items() if isinstance(v, int)},
            data_keywords=frozenset(map(str, entry.get("data-keywords", []))),
            sends_at_once=bool(entry.get("sends-at-once", False)),
            report_at_open=str(entry.get("report", "")) == "opened",
            tls_values=tuple(
                (str(k), frozenset(str(v).lower() for v in values))
                for k, values in (entry.get("tls-values", {}) or {}).items()
                if isinstance(values, list)
            ),
            credential_keywords=frozenset(map(str, entry.get("credential-keywords", []))),
            credential_header_keywords=frozenset(
                map(str, entry.get("credential-header-keywords", []))
            ),
            credential_methods=tuple(
                (str(m), int(spec.get("position", -1)), str(spec.get("keyword", "")))
                for m, spec in (entry.get("credential-methods", {}) or {}).items()
                if isinstance(spec, dict)
            ),
        )
        for name in entry.get("classes", []):
            found[str(name)] = kind
    return found


_CREDENTIALS = "credentials"
_SETTINGS_WORDS = frozenset({"setting", "config", "configuration", "conf", "option"})


def _settings_class(node: cst.ClassDef) -> bool:
    """A settings class: named so, or derived from one (`BaseSettings`)."""
    names = [node.name.value]
    for base in node.bases:
        shown = dotted_name(base.value)
        if shown is not None:
            names.append(shown.rsplit(".", 1)[-1])
    return any(not _SETTINGS_WORDS.isdisjoint(words_of(n)) for n in names)


class PlaintextHttpPersonalData(Rule):
    """
    ## What it does
    Flags HTTP requests to an `http://` URL on another host that carry personal data
    or credentials: in the body (`json=`, `data=`, `files=`), the query (`params=`),
    the headers, `auth=`, or the URL itself. It follows URLs kept in constants and
    helpers of the same module that pass their arguments on to the request. Personal
    data sent over a `ws://` WebSocket, over MQTT without TLS (no `tls_set()`, gmqtt's
    `connect(host, 1883, ssl=False)`), over
    plain CoAP (`coap://`) or NATS is flagged once, where the connection is opened;
    sent to a Kafka producer without `security_protocol` `SSL`/`SASL_SSL` (also one
    the module makes once for its functions), where it is sent;
    through an XML-RPC proxy on an `http://` URL, where it is sent. A channel whose URL
    carries personal data or a credential
    (`ws://host/feed?token=...`), or an MQTT client given a password
    (`username_pw_set(user, password)`), is flagged where it connects, since those
    cross the network as it does. A service told to call back a plain-HTTP
    URL (`answer_url="http://..."`, `status_callback="http://..."` given to a
    telephony, messaging or payment API) is flagged there: it posts its events, with
    the numbers, addresses and messages they hold, in clear text; so is such a key in
    a call-control document (`{"action": "record", "eventUrl": ["http://..."]}`). A
    setting that names a remote service's endpoint (`COURT_FILING_URL`,
    `partner_webhook_url` in a settings class) with an `http://` value or default is
    flagged where it is set when the file does not use it itself: the code that sends
    data there is elsewhere.

    ## Why is this bad?
    Plain HTTP is readable and changeable by everyone on the path: Wi-Fi neighbours,
    proxies, the networks in between. Personal data must be encrypted in transit
    (GDPR Art. 32).

    ## How to fix
    Use `https://` and `wss://` (and keep certificate verification on), and MQTT over
    TLS (`tls_set()` before connecting, port 8883). Loopback addresses are not flagged.
    """

    id = "PV508"
    name = "plaintext-http-personal-data"
    family = Family.WEAK_TLS
    severity = Severity.WARNING
    cwe = 319
    title = "Personal data sent over plain HTTP, WebSocket or MQTT"
    message = "{data} {verb} sent over plain HTTP to `{host}`"
    precision = "high"
    triggers = (("http://", "HTTP://"),)
    INVALID = (
        'import requests\ndef sync(customer):\n    requests.post("http://crm.example.com/api", json={"email": customer.email})',
        'import httpx\nAPI = "http://partner.example.com/users"\ndef lookup(phone):\n    return httpx.get(API, params={"phone": phone})',
    )
    VALID = (
        'import requests\ndef sync(customer):\n    requests.post("https://crm.example.com/api", json={"email": customer.email})',
        'import requests\ndef health():\n    return requests.get("http://localhost:8000/healthz")',
        'import requests\ndef ping(order_id):\n    return requests.post("http://erp.example.com/ping", json={"order": order_id})',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        url_position = catalog.get("tls.plaintext-http.url-position", {}) or {}
        data_position = catalog.get("tls.plaintext-http.data-position", {}) or {}
        return HttpKnowledge(
            modules=tuple(catalog.strings("tls.plaintext-http.modules")),
            data_keywords=frozenset(catalog.strings("tls.plaintext-http.data-keywords")),
            url_position={str(k): int(v) for k, v in url_position.items()},
            data_position={str(k): int(v) for k, v in data_position.items()},
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
            http_methods=frozenset(catalog.strings("tls.http-methods")),
            client_words=frozenset(catalog.strings("tls.http-client-words")),
            credential_keywords=frozenset(
                catalog.strings("tls.plaintext-http.credential-keywords")
            ),
            credential_headers=frozenset(
                h.lower() for h in catalog.strings("tls.plaintext-http.credential-headers")
            ),
            connections=frozenset(catalog.strings("tls.plaintext-http.connections")),
            connection_methods=frozenset(catalog.strings("tls.plaintext-http.connection-methods")),
            channels=_channels(catalog),
            credential_query_keys=frozenset(
                k.lower() for k in catalog.strings("tls.plaintext-http.credential-query-keys")
            ),
            callback_words=frozenset(catalog.strings("tls.plaintext-http.callbacks.words")),
            callback_url_words=frozenset(catalog.strings("tls.plaintext-http.callbacks.url-words")),
            callback_keywords=frozenset(catalog.strings("tls.plaintext-http.callbacks.keywords")),
            endpoint_words=frozenset(catalog.strings("tls.plaintext-http.endpoint-settings.words")),
            endpoint_skip_words=frozenset(
                catalog.strings("tls.plaintext-http.endpoint-settings.skip-words")
            ),
            namespace_hosts=tuple(
                catalog.strings("tls.plaintext-http.endpoint-settings.namespace-hosts")
            ),
            dev_words=frozenset(
                (
                    *catalog.strings("tls.settings.context.dev-path-words"),
                    *catalog.strings("tls.settings.context.dev-words"),
                )
            ),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge: HttpKnowledge = cls.compile(catalog)
        return ((*cls.triggers[0], *module_words(knowledge.channels)),)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._channels: dict[tuple[int, str], _Channel] = {}
        # Hosts of the plain-HTTP requests found while looking into a helper.
        self._fixed_hosts: dict[int, str] = {}
        self._helper_hosts: dict[int, set[str]] = {}
        # Endpoint settings over plain HTTP: (name, node, host), reported at the end
        # when the file does not use them itself.
        self._endpoints: list[tuple[str, cst.CSTNode, str]] = []

    # What a request call sends where.

    def _is_request(self, call: cst.Call, qualified: Optional[str]) -> Optional[str]:
        """The method name when ``call`` sends an HTTP request, else None."""
        knowledge: HttpKnowledge = self.compiled
        func = call.func
        if matches_module(qualified, knowledge.modules):
            assert qualified is not None
            return qualified.rsplit(".", 1)[-1]
        if qualified is None and type(func) is cst.Attribute:
            name = dotted_name(func.value)
            words = words_of(name.rsplit(".", 1)[-1]) if name else ()
            if (
                func.attr.value in knowledge.http_methods
                and words
                and words[-1] in (knowledge.client_words)
            ):
                return func.attr.value
        return None

    def _position(self, table: dict[str, int], qualified: Optional[str], method: str) -> int:
        if qualified is not None and qualified in table:
            return table[qualified]
        return table.get(method, 0 if table is self.compiled.url_position else -1)

    def _full_url(self, url: cst.BaseExpression, call: cst.Call) -> Optional[str]:
        """The URL's text; a path relative to the client's `base_url` is joined to it."""
        text = text_of(self.ctx, url)
        if text is None or not text.startswith("/"):
            return text
        if type(call.func) is not cst.Attribute:
            return text
        client = resolve(self.ctx, call.func.value)
        base = argument(client, None, "base_url") if type(client) is cst.Call else None
        base_text = text_of(self.ctx, base.value) if base is not None else None
        return base_text.rstrip("/") + text if base_text else text

    def _url(self, call: cst.Call, qualified: Optional[str], method: str) -> Optional[cst.Arg]:
        return argument(call, self._position(self.compiled.url_position, qualified, method), "url")

    def _data(self, call: cst.Call, qualified: Optional[str], method: str) -> list[cst.Arg]:
        knowledge: HttpKnowledge = self.compiled
        found = [
            a
            for a in call.args
            if a.keyword is not None and a.keyword.value in knowledge.data_keywords
        ]
        index = self._position(knowledge.data_position, qualified, method)
        if index >= 0:
            arg = positional(call, index)
            if arg is not None:
                found.append(arg)
        return found

    def _plain_host(self, url: cst.BaseExpression, call: cst.Call) -> Optional[str]:
        """The host of a plain-HTTP URL on another machine (``"?"`` when unknown) that
        ``call`` sends to."""
        text = self._full_url(url, call)
        if text is None or not text.lstrip().lower().startswith("http://"):
            return None
        host = url_host(text.strip())
        if is_loopback(host, self.compiled.loopback):
            return None
        return host or text.split("://", 1)[1].split("/", 1)[0].replace(UNKNOWN_PART, "…")

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ctx.qualname(node.func)
        channel = known_name(self.ctx, node.func, self.compiled.channels)
        if channel is not None:
            self._channel_opened(node, self.compiled.channels[channel])
            return
        if type(node.func) is cst.Attribute and self._channels:
            self._channel_used(node, node.func)
        method = self._is_request(node, qualified)
        if method is None:
            if self.ctx.is_local(qualified):
                self._helper(node)
            else:
                self._connection_request(node)
                self._callbacks(node)
            return
        url = self._url(node, qualified, method)
        if url is None:
            return
        host = self._plain_host(url.value, node)
        if host is None:
            return
        self._report(node, self._carried(url.value, self._data(node, qualified, method)), host)

    def _is_callback_name(self, name: str) -> bool:
        knowledge: HttpKnowledge = self.compiled
        if name in knowledge.callback_keywords:
            return True
        words = set(words_of(name))
        return not words.isdisjoint(knowledge.callback_words) and not words.isdisjoint(
            knowledge.callback_url_words
        )

    def _plain_remote(self, expr: cst.BaseExpression) -> Optional[str]:
        """The host (or the shown URL) of a plain-HTTP URL to another machine."""
        knowledge: HttpKnowledge = self.compiled
        if isinstance(expr, (cst.List, cst.Tuple)) and len(expr.elements) == 1:
            expr = expr.elements[0].value
        text = text_of(self.ctx, expr)
        if text is None or not text.lstrip().lower().startswith("http://"):
            return None
        host = url_host(text.strip())
        if is_loopback(host, knowledge.loopback):
            return None
        return host or text.replace(UNKNOWN_PART, "…")[:40]

    def visit_DictElement(self, node: cst.DictElement) -> None:
        """``{"action": "record", "eventUrl": ["http://hooks.example.com/rec"]}``: a
        call-control or webhook document that tells a service where to post events."""
        key = literal(node.key)
        if not isinstance(key, str) or not self._is_callback_name(key):
            return
        host = self._plain_remote(node.value)
        if host is not None:
            self.report(
                node,
                "`{key}` tells the service to call back `{host}` over plain HTTP: the "
                "events it posts there, with the personal data they hold, travel in "
                "clear text",
                key=key,
                host=host,
            )

    # Endpoint settings read by other modules.

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
            self._endpoint_setting(node, node.targets[0].target.value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if type(node.target) is cst.Name and node.value is not None:
            self._endpoint_setting(node, node.target.value, node.value)

    def _endpoint_setting(self, node: cst.CSTNode, name: str, value: cst.BaseExpression) -> None:
        """``COURT_FILING_URL = config("...", default="http://efiling.example.org")``,
        ``partner_webhook_url: str = "http://..."`` in a settings class: the endpoint of
        a remote service, configured for plain HTTP where the code that calls it
        cannot be seen (a request in the same file is judged where it is made)."""
        knowledge: HttpKnowledge = self.compiled
        words = set(words_of(name))
        if words.isdisjoint(knowledge.endpoint_words) or not words.isdisjoint(
            knowledge.endpoint_skip_words
        ):
            return
        stack = self.ctx.stack
        if any(type(n) in (cst.FunctionDef, cst.Lambda) for n in stack):
            return
        classes = [n for n in stack if type(n) is cst.ClassDef]
        if classes:
            if not _settings_class(classes[-1]):
                return
        elif not name.isupper():
            return
        host = self._plain_remote(value)
        if host is None or "." not in host or host.endswith(knowledge.namespace_hosts):
            return
        names = [c.name.value for c in classes]
        parts = self.ctx.path.replace("\\", "/").split("/")[-3:]
        parts[-1] = parts[-1].rsplit(".", 1)[0]
        if any(not knowledge.dev_words.isdisjoint(words_of(n)) for n in names + parts):
            return
        self._endpoints.append((name, node, host))

    def finish(self) -> None:
        if not self._endpoints:
            return
        source = self.ctx.module.code
        for name, node, host in self._endpoints:
            if len(re.findall(rf"(?<![\w\"']){re.escape(name)}(?![\w\"'])", source)) > 1:
                continue  # used here: its requests are judged where they are made
            self.report(
                node,
                "setting `{name}` points at `{host}` over plain HTTP: whatever the code "
                "sends to it crosses the network in clear text",
                name=name,
                host=host,
                severity=Severity.WARNING,
            )

    def _callbacks(self, node: cst.Call) -> None:
        """``calls.create(to=number, answer_url="http://hooks.example.com/answer")``: a
        service told to call back a plain-HTTP URL sends its events (the numbers,
        addresses and messages they hold) there in clear text."""
        knowledge: HttpKnowledge = self.compiled
        for arg in node.args:
            if arg.keyword is None:
                continue
            name = arg.keyword.value
            if not self._is_callback_name(name):
                continue
            text = text_of(self.ctx, arg.value)
            if text is None or not text.lstrip().lower().startswith("http://"):
                continue
            host = url_host(text.strip())
            if is_loopback(host, knowledge.loopback):
                continue
            self.report(
                arg,
                "`{keyword}` tells `{func}` to call back `{host}` over plain HTTP: the "
                "events it posts there, with the personal data they hold, travel in "
                "clear text",
                keyword=name,
                func=self.ctx.code(node.func, 40),
                host=host or text.replace(UNKNOWN_PART, "…")[:40],
            )

    def _carried(self, url: cst.BaseExpression, data: Sequence[cst.Arg]) -> Carried:
        """What a request carries: the data, the URL (with any `user:password@`), and
        credentials in `auth=` and in authorization headers."""
        knowledge: HttpKnowledge = self.compiled
        parts = [self.ctx.categories(url)] + [self.ctx.categories(a.value) for a in data]
        text = text_of(self.ctx, url) or ""
        if self._url_credentials(text):
            parts.append(Carried({_CREDENTIALS: url}, False))
        for arg in data:
            if arg.keyword is None:
                continue
            if (
                arg.keyword.value in knowledge.credential_keywords
                and literal(arg.value) is not None
            ) or (arg.keyword.value == "headers" and self._credential_header(arg.value)):
                parts.append(Carried({_CREDENTIALS: arg.value}, False))
        return union(parts)

    def _url_credentials(self, text: str) -> bool:
        """A URL with ``user:password@`` or a credential in its query (``?token=...``)."""
        userinfo = text.split("://", 1)[-1].split("/", 1)[0]
        if "@" in userinfo and ":" in userinfo.split("@", 1)[0]:
            return True
        if "?" not in text:
            return False
        keys: frozenset[str] = self.compiled.credential_query_keys
        for pair in text.split("?", 1)[1].split("#", 1)[0].split("&"):
            key, equals, value = pair.partition("=")
            if equals and value and key.strip().lower() in keys:
                return True
        return False

    def _credential_header(self, expr: cst.BaseExpression) -> bool:
        headers = resolve(self.ctx, expr)
        if type(headers) is not cst.Dict:
            return False
        knowledge: HttpKnowledge = self.compiled
        for element in headers.elements:
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if isinstance(key, str) and key.lower() in knowledge.credential_headers:
                    return True
        return False

    def _connection_request(self, node: cst.Call) -> None:
        """``http.client.HTTPConnection(host)`` used to send a request."""
        knowledge: HttpKnowledge = self.compiled
        func = node.func
        if type(func) is not cst.Attribute or func.attr.value not in knowledge.connection_methods:
            return
        if instance_of(self.ctx, func.value, knowledge.connections) is None:
            return
        created = resolve(self.ctx, func.value)
        host_arg = argument(created, 0, "host") if type(created) is cst.Call else None
        host = host_text(self.ctx, host_arg.value) if host_arg is not None else None
        if is_loopback(host, knowledge.loopback):
            return
        url = argument(node, 1, "url")
        data = [
            a for a in (argument(node, 2, "body"), argument(node, 3, "headers")) if a is not None
        ]
        carried = (
            self._carried(url.value, data)
            if url is not None
            else union(self.ctx.categories(a.value) for a in data)
        )
        shown = host or (self.ctx.code(host_arg.value, 30) if host_arg is not None else "?")
        self._report(node, carried, shown)

    def _report(self, node: cst.CSTNode, carried: Carried, host: str) -> None:
        if not carried.cats:
            return
        categories = carried.categories
        self.report(
            node,
            data=self.ctx.describe(carried),
            verb=self.ctx.verb(carried),
            host=host,
            severity=self.ctx.severity_for(categories, self.severity),
            categories=categories,
        )

    # Message channels: WebSocket (`ws://`) and MQTT without TLS.

    def _channel_opened(self, node: cst.Call, kind: ChannelKind) -> None:
        url = argument(node, kind.url_position, *kind.url_keywords)
        secure = False
        for tls_keyword in kind.tls_keywords:
            switch = keyword(node, tls_keyword)
            if switch is not None and value_of(self.ctx, switch.value) not in (None, False):
                secure = True
        for tls_keyword, values in kind.tls_values:
            switch = keyword(node, tls_keyword)
            chosen = value_of(self.ctx, switch.value) if switch is not None else None
            if chosen is NOT_LITERAL or (isinstance(chosen, str) and chosen.lower() in values):
                secure = True
        host: Optional[str] = None
        shown = "its server"
        address = url.value if url is not None else None
        listed = resolve(self.ctx, address) if address is not None else None
        if type(listed) in (cst.List, cst.Tuple) and listed.elements:  # type: ignore[union-attr]
            # `servers=["nats://a:4222", "nats://b:4222"]`: the first server tells.
            address = listed.elements[0].value  # type: ignore[union-attr]
        if address is not None:
            text = text_of(self.ctx, address)
            if text is None and kind.plain_prefixes:
                # A URL we cannot read may well be `wss://`.
                return
            if text is None:
                shown = self.ctx.code(address, 30)
            else:
                lowered = text.lower().lstrip()
                if lowered.startswith(kind.secure_prefixes):
                    secure = True
                elif kind.plain_prefixes and not lowered.startswith(kind.plain_prefixes):
                    return
                host = url_host(text) if "://" in text else host_text(self.ctx, address)
                shown = host or text.replace(UNKNOWN_PART, "…")[:40]
        opened = url is not None
        channel = _Channel(kind, host, shown, secure, opened, opening=node if opened else None)
        for arg in node.args:
            if arg.keyword is None:
                continue
            if (
                arg.keyword.value in kind.credential_keywords and literal(arg.value) is not None
            ) or (
                arg.keyword.value in kind.credential_header_keywords
                and self._credential_header(arg.value)
            ):
                channel.credentials = arg.value
        if kind.sends_at_once:
            self._channel_send(node, channel, kind.send_methods.get("", 1))
            return
        if opened:
            self._channel_open(node, channel, url.value if url is not None else None)
        bound = _bound_name(self.ctx.stack)
        if bound is not None:
            self._channels[self._channel_key(bound)] = channel

    def _channel_key(self, name: str) -> tuple[int, str]:
        """Channels are kept per function, and per class for ``self.`` attributes (set
        up in ``__init__``, used in the other methods)."""
        scope = cst.ClassDef if name.startswith("self.") else cst.FunctionDef
        for node in reversed(self.ctx.stack):
            if type(node) is scope:
                return (id(node), name)
        return (id(self.ctx.module), name)

    def _channel_used(self, node: cst.Call, func: cst.Attribute) -> None:
        name = dotted_name(func.value)
        if name is None:
            return
        # A channel of this function (or class), else one the module opens for all.
        channel = self._channels.get(self._channel_key(name)) or self._channels.get(
            (id(self.ctx.module), name)
        )
        if channel is None:
            return
        method = func.attr.value
        kind = channel.kind
        if method in kind.upgrades:
            channel.secure = True
        elif method in kind.connect_methods:
            host_arg = argument(node, 0, *kind.url_keywords)
            channel.opened = True
            channel.opening = node
            # gmqtt's `client.connect(host, 1883, ssl=context)`.
            for tls_keyword in kind.tls_keywords:
                switch = keyword(node, tls_keyword)
                if switch is not None and value_of(self.ctx, switch.value) not in (None, False):
                    channel.secure = True
            if host_arg is not None:
                channel.host = host_text(self.ctx, host_arg.value)
                channel.shown = channel.host or self.ctx.code(host_arg.value, 30)
            self._channel_open(node, channel, None)
        elif method in kind.send_methods:
            self._channel_send(node, channel, kind.send_methods[method])
        elif any(method == name for name, _, _ in kind.credential_methods):
            for name, position, key in kind.credential_methods:
                if method == name:
                    secret = argument(node, position if position >= 0 else None, key)
                    if secret is not None and literal(secret.value) is not None:
                        channel.credentials = secret.value
        elif "*" in kind.send_methods:
            # A remote-procedure proxy: every method call sends its arguments.
            self._channel_send(node, channel, kind.send_methods["*"])

    def _channel_open(
        self, node: cst.Call, channel: _Channel, url: Optional[cst.BaseExpression]
    ) -> None:
        """A channel opened in clear text with personal data or credentials in its URL
        (``ws://host/feed?token=...``) or after credentials were given to the client:
        they cross the network as it connects."""
        if channel.secure or is_loopback(channel.host, self.compiled.loopback):
            return
        parts = [self.ctx.categories(url)] if url is not None else []
        text = text_of(self.ctx, url) if url is not None else None
        if text is not None and url is not None and self._url_credentials(text):
            parts.append(Carried({_CREDENTIALS: url}, False))
        if channel.credentials is not None:
            parts.append(Carried({_CREDENTIALS: channel.credentials}, False))
        carried = union(parts)
        if not carried.cats:
            return
        channel.reported = True
        self._report_channel(node, channel, carried)

    def _report_channel(self, node: cst.CSTNode, channel: _Channel, carried: Carried) -> None:
        categories = carried.categories
        self.report(
            node,
            "{data} {verb} sent over {protocol} in clear text to {host}",
            data=self.ctx.describe(carried),
            verb=self.ctx.verb(carried),
            protocol=channel.kind.protocol,
            host=f"`{channel.shown}`" if channel.shown != "its server" else channel.shown,
            severity=self.ctx.severity_for(categories, self.severity),
            categories=categories,
        )

    def _channel_send(self, node: cst.Call, channel: _Channel, position: int) -> None:
        kind = channel.kind
        if channel.secure or not channel.opened or channel.reported:
            return
        if is_loopback(channel.host, self.compiled.loopback):
            return
        data = [
            a for a in node.args if a.keyword is not None and a.keyword.value in kind.data_keywords
        ]
        if position < 0:
            data.extend(a for a in node.args if a.keyword is None and not a.star)
        else:
            arg = positional(node, position)
            if arg is not None:
                data.append(arg)
        carried = union(self.ctx.categories(a.value) for a in data)
        if not carried.cats:
            return
        if kind.report_at_open and channel.opening is not None:
            # The connection is the problem: reported once, where it is opened.
            channel.reported = True
            self._report_channel(channel.opening, channel, carried)
            return
        self._report_channel(node, channel, carried)

    # Helpers of this module that send their arguments.

    def _sink_parts(self, call: cst.Call, part: str) -> Sequence[cst.BaseExpression]:
        qualified = qualname(self.ctx, call.func)
        method = self._is_request(call, qualified)
        if method is None:
            return []
        url = self._url(call, qualified, method)
        if part == "url":
            return [url.value] if url is not None else []
        if part == "fixed":
            host = self._plain_host(url.value, call) if url is not None else None
            if host is None:
                return []
            self._fixed_hosts[id(call)] = host
        return [a.value for a in self._data(call, qualified, method)]

    def _helper(self, node: cst.Call) -> None:
        if not any(self.ctx.categories(a.value).cats for a in node.args):
            return
        self._fixed_hosts = {}
        fixed = [
            arg
            for _, arg in forwarded_arguments(
                self.ctx, node, lambda c: self._sink_parts(c, "fixed"), "plain-http-fixed"
            )
        ]
        carried = union(self.ctx.categories(a) for a in fixed)
        if carried.cats:
            definition = local_definition(self.ctx, node.func)
            key = id(definition)
            if self._fixed_hosts:
                self._helper_hosts[key] = set(self._fixed_hosts.values())
            known = self._helper_hosts.get(key, set())
            shown = next(iter(known)) if len(known) == 1 else self._helper_host(definition)
            self._report(node, carried, shown)
            return
        hosts = [
            self._plain_host(arg, node)
            for _, arg in forwarded_arguments(
                self.ctx, node, lambda c: self._sink_parts(c, "url"), "plain-http-url"
            )
        ]
        host = next((h for h in hosts if h is not None), None)
        if host is None:
            return
        data = forwarded_arguments(
            self.ctx, node, lambda c: self._sink_parts(c, "data"), "plain-http-data"
        )
        self._report(node, union(self.ctx.categories(a) for _, a in data), host)

    @staticmethod
    def _helper_host(definition: Optional[cst.FunctionDef]) -> str:
        return f"the URL in {definition.name.value}()" if definition is not None else "?"


def _bound_name(stack: list[cst.CSTNode]) -> Optional[str]:
    """The name the value of the current call is stored under (assignment or
    ``with ... as``), through ``await``."""
    index = len(stack) - 2
    while index >= 0 and isinstance(stack[index], cst.Await):
        index -= 1
    parent = stack[index] if index >= 0 else None
    if type(parent) is cst.Assign and len(parent.targets) == 1:
        return dotted_name(parent.targets[0].target)
    if type(parent) is cst.AnnAssign:
        return dotted_name(parent.target)
    if type(parent) is cst.WithItem and parent.asname is not None:
        return dotted_name(parent.asname.name)
    return None


@dataclass(frozen=True)
class ClientKind:
    protocol: str
    instead: str
    always: bool
    uses: frozenset[str]
    upgrades: frozenset[str]
    secure_prefixes: tuple[str, ...]
    message: Optional[str] = None
    server_classes: frozenset[str] = frozenset()
    server_secure_keywords: frozenset[str] = frozenset()
    bind_keywords: frozenset[str] = frozenset()
    bind_insecure: tuple[Any, ...] = ()
    # Keywords that turn TLS on when True (`use_tls=True`), and keywords that, when given
    # and False, keep a client that upgrades by itself in clear text (`start_tls=False`).
    tls_keywords: frozenset[str] = frozenset()
    plain_switches: frozenset[str] = frozenset()


@dataclass
class _Client:
    kind: ClientKind
    node: cst.Call
    host: str
    upgraded: bool = False
    reported: bool = False


class PlaintextProtocolClient(Rule):
    """
    ## What it does
    Flags clients of plaintext protocols, where they are created: `telnetlib.Telnet`
    and `ftplib.FTP` always, `smtplib.SMTP` when it logs in or sends mail before
    `starttls()` (also when a helper of the file creates it and another function
    uses it) and `aiosmtplib.SMTP` told `start_tls=False`, `imaplib.IMAP4` / `poplib.POP3` when they log in before upgrading,
    `ftplib.FTP_TLS` when it transfers files before `prot_p()`, gRPC insecure
    channels, and LDAP (python-ldap, ldap3) binding without TLS. Connections to
    loopback addresses are not flagged.

    ## Why is this bad?
    These protocols send passwords, commands, files and mail in clear text: anyone
    on the path can read the credentials and the personal data, or change them.

    ## How to fix
    SSH instead of Telnet; `ftplib.FTP_TLS` (with `prot_p()`) or SFTP instead of FTP;
    `SMTP_SSL`/`IMAP4_SSL`/`POP3_SSL`, or `starttls()` (`stls()` for POP3) before
    logging in or sending.
    """

    id = "PV509"
    name = "plaintext-protocol-client"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 319
    title = "Plaintext protocol client (Telnet, FTP, SMTP/IMAP/POP3 without TLS)"
    message = "{protocol} client talks to {host} in clear text{detail}; use {instead}"
    precision = "high"
    triggers = (("telnet", "ftp", "smtp", "imap", "pop3", "lmtp"),)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        kinds, _ = cls.compile(catalog)
        words = {*cls.triggers[0], *(name.split(".", 1)[0] for name in kinds)}
        return (tuple(sorted(words)),)

    INVALID = (
        'import telnetlib\ntn = telnetlib.Telnet("switch.example.com")',
        'from ftplib import FTP\nftp = FTP("ftp.example.com")\nftp.login("user", "secret")',
        'import smtplib\nwith smtplib.SMTP("smtp.example.com", 587) as s:\n    s.login("user", "secret")\n    s.send_message(msg)',
    )
    VALID = (
        'import smtplib\nwith smtplib.SMTP("smtp.example.com", 587) as s:\n    s.starttls()\n    s.login("user", "secret")',
        'from ftplib import FTP_TLS\nftp = FTP_TLS("ftp.example.com")\nftp.login("user", "secret")\nftp.prot_p()',
        'import smtplib\nwith smtplib.SMTP("localhost") as s:\n    s.send_message(msg)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        kinds: dict[str, ClientKind] = {}
        for entry in catalog.get("tls.plaintext-clients", []) or []:
            if not isinstance(entry, dict):
                continue
            message = entry.get("message")
            kind = ClientKind(
                protocol=str(entry.get("protocol", "plaintext")),
                instead=str(entry.get("instead", "an encrypted variant")),
                always=entry.get("report", "always") == "always",
                uses=frozenset(map(str, entry.get("uses", []))),
                upgrades=frozenset(map(str, entry.get("upgrades", []))),
                secure_prefixes=tuple(
                    p.lower() for p in map(str, entry.get("secure-prefixes", []))
                ),
                message=str(message) if message is not None else None,
                server_classes=frozenset(map(str, entry.get("server-classes", []))),
                server_secure_keywords=frozenset(map(str, entry.get("server-secure-keywords", []))),
                bind_keywords=frozenset(map(str, entry.get("bind-keywords", []))),
                bind_insecure=tuple(entry.get("bind-insecure", [])),
                tls_keywords=frozenset(map(str, entry.get("tls-keywords", []))),
                plain_switches=frozenset(map(str, entry.get("plain-switches", []))),
            )
            for name in entry.get("classes", []):
                kinds[str(name)] = kind
        return (kinds, tuple(catalog.strings("tls.loopback-hosts")))

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._clients: dict[tuple[int, str], _Client] = {}
        # Helpers of this file that create and return a client (by id): the client
        # as the helper leaves it, or None.
        self._made: dict[int, Optional[_Client]] = {}
        self._reported: set[int] = set()

    def _scope_key(self, name: str) -> tuple[int, str]:
        if name.startswith(("self.", "cls.")):
            for node in reversed(self.ctx.stack):
                if type(node) is cst.ClassDef:
                    return (id(node), name)
        for node in reversed(self.ctx.stack):
            if type(node) is cst.FunctionDef:
                return (id(node), name)
        return (id(self.ctx.module), name)

    def _binding(self, node: cst.Call) -> Optional[str]:
        """The name the created client is stored under (assignment or ``with``)."""
        stack = self.ctx.stack
        index = len(stack) - 2
        while index >= 0 and isinstance(stack[index], cst.Await):
            index -= 1
        parent = stack[index] if index >= 0 else None
        if type(parent) is cst.Assign and len(parent.targets) == 1:
            return dotted_name(parent.targets[0].target)
        if type(parent) is cst.AnnAssign:
            return dotted_name(parent.target)
        if type(parent) is cst.WithItem and parent.asname is not None:
            return dotted_name(parent.asname.name)
        return None

    def visit_Call(self, node: cst.Call) -> None:
        kinds, loopback = self.compiled
        func = node.func
        qualified = self.ctx.qualname(func)
        kind = kinds.get(qualified) if qualified is not None else None
        if kind is not None:
            self._created(node, kind, loopback)
            return
        if qualified is None or self.ctx.is_local(qualified):
            # `smtp = _connect()`, `self._connect()`: a helper of this file made the client.
            made = self._from_helper(node)
            name = self._binding(node) if made is not None else None
            if made is not None and name is not None:
                self._clients[self._scope_key(name)] = made
        if type(func) is not cst.Attribute:
            return
        method = func.attr.value
        receiver = func.value
        if type(receiver) is cst.Call:
            # `smtplib.SMTP(host).sendmail(...)`: used at once, never upgraded.
            inner = self.ctx.qualname(receiver.func)
            inner_kind = kinds.get(inner) if inner is not None else None
            if inner_kind is not None and not inner_kind.always and method in inner_kind.uses:
                host = self._host(receiver)
                if not is_loopback(host, loopback):
                    self._report(receiver, inner_kind, self._shown_host(receiver, host), method)
            elif inner is None or self.ctx.is_local(inner):
                made = self._from_helper(receiver)
                if made is not None and not made.upgraded and method in made.kind.uses:
                    self._report(made.node, made.kind, made.host, method)
            return
        name = dotted_name(receiver)
        if name is None:
            return
        client = self._clients.get(self._scope_key(name))
        if client is None or client.reported:
            return
        if method in client.kind.upgrades:
            client.upgraded = True
        elif method == "connect":
            host = host_text(self.ctx, (argument(node, 0, "host") or _NO_ARG).value)
            if is_loopback(host, loopback):
                client.upgraded = True
        elif method in client.kind.uses and not client.upgraded:
            client.reported = True
            self._report(client.node, client.kind, client.host, method)

    def _from_helper(self, call: cst.Call) -> Optional[_Client]:
        """A fresh record of the client a helper of this file creates and returns
        (`def _connect(): smtp = smtplib.SMTP(HOST); return smtp`), as the helper
        leaves it (upgraded or not)."""
        definition = local_definition(self.ctx, call.func)
        if definition is None:
            return None
        key = id(definition)
        if key not in self._made:
            self._made[key] = self._made_by(definition)
        made = self._made[key]
        if made is None:
            return None
        return _Client(made.kind, made.node, made.host, made.upgraded)

    def _made_by(self, definition: cst.FunctionDef) -> Optional[_Client]:
        kinds, loopback = self.compiled
        body = definition.body.body if type(definition.body) is cst.IndentedBlock else ()
        created: dict[str, cst.Call] = {}
        upgraded: set[str] = set()
        returned: Optional[cst.Call] = None
        returned_name: Optional[str] = None
        for small in small_statements(body):
            value = None
            if type(small) is cst.Assign and len(small.targets) == 1:
                value = small.value
                target = small.targets[0].target
                if type(value) is cst.Await:
                    value = value.expression
                if (
                    type(target) is cst.Name
                    and type(value) is cst.Call
                    and self.ctx.qualname(value.func) in kinds
                ):
                    created[target.value] = value
            elif type(small) is cst.Return and small.value is not None:
                value = small.value
                if type(value) is cst.Name and value.value in created:
                    returned, returned_name = created[value.value], value.value
                elif type(value) is cst.Call and self.ctx.qualname(value.func) in kinds:
                    returned = value
            elif (
                type(small) is cst.Expr
                and type(small.value) is cst.Call
                and type(small.value.func) is cst.Attribute
                and type(small.value.func.value) is cst.Name
            ):
                upgraded.add(f"{small.value.func.value.value}.{small.value.func.attr.value}")
        if returned is None:
            return None
        kind = kinds[self.ctx.qualname(returned.func)]
        host = self._host(returned)
        if kind.always or is_loopback(host, loopback):
            return None
        is_upgraded = returned_name is not None and any(
            f"{returned_name}.{method}" in upgraded for method in kind.upgrades
        )
        return _Client(kind, returned, self._shown_host(returned, host), is_upgraded)

    def _host(self, node: cst.Call) -> Optional[str]:
        arg = argument(node, 0, "host", "uri", "target", "hostname")
        return host_text(self.ctx, arg.value) if arg is not None else None

    def _shown_host(self, node: cst.Call, host: Optional[str]) -> str:
        """The host for messages: its name, or the expression that holds it."""
        if host:
            return host
        arg = argument(node, 0, "host", "hostname")
        return self.ctx.code(arg.value, 30) if arg is not None else "its server"

    def _created(self, node: cst.Call, kind: ClientKind, loopback: tuple[str, ...]) -> None:
        server = node
        # Where the finding goes: the client, or the server object that turns TLS off
        # in so many words (`Server(host, use_ssl=False)`).
        at = node
        if kind.server_classes:
            # `Connection(Server("ldap.example.com", use_ssl=True), ...)`
            arg = argument(node, 0, "server")
            value = resolve(self.ctx, arg.value) if arg is not None else None
            if type(value) is cst.Call and known_name(self.ctx, value.func, kind.server_classes):
                server = value
                for secure in kind.server_secure_keywords:
                    switch = keyword(value, secure)
                    found = value_of(self.ctx, switch.value) if switch is not None else None
                    if found is True:
                        return
                    if found is False:
                        at = value
        if kind.secure_prefixes:
            arg = argument(server, 0, "uri", "host", "server")
            text = text_of(self.ctx, arg.value) if arg is not None else None
            if text is not None and text.lower().startswith(kind.secure_prefixes):
                return
        if kind.tls_keywords or kind.plain_switches:
            switches = {
                a.keyword.value: value_of(self.ctx, a.value)
                for a in node.args
                if a.keyword is not None
            }
            if any(switches.get(k) is True for k in kind.tls_keywords):
                return
            if kind.plain_switches and not any(
                switches.get(k) is False for k in kind.plain_switches
            ):
                return
        host = self._host(server)
        if is_loopback(host, loopback):
            return
        if kind.always:
            self._report(at, kind, self._shown_host(server, host), None)
            return
        bind = keyword(node, *kind.bind_keywords) if kind.bind_keywords else None
        if bind is not None and self._binds_in_clear(bind.value, kind):
            # `Connection(server, user, password, auto_bind=True)` logs in at once.
            self._report(at, kind, self._shown_host(server, host), bind.keyword.value)
            return
        name = self._binding(node)
        if name is not None:
            self._clients[self._scope_key(name)] = _Client(kind, at, self._shown_host(server, host))

    def _binds_in_clear(self, expr: cst.BaseExpression, kind: ClientKind) -> bool:
        value = value_of(self.ctx, expr)
        if value is NOT_LITERAL:
            value = constant_name(self.ctx, expr)
        return any(type(value) is type(v) and value == v for v in kind.bind_insecure)

    def _report(self, node: cst.Call, kind: ClientKind, host: str, method: Optional[str]) -> None:
        if id(node) in self._reported:
            return
        self._reported.add(id(node))
        if method is None:
            detail = ""
        elif method in ("send_message", "sendmail"):
            detail = f" and `{method}` sends the mail unencrypted"
        else:
            detail = f" and `{method}` sends the credentials unencrypted"
        self.report(
            node,
            kind.message,
            protocol=kind.protocol,
            host=f"`{host}`" if not host.startswith("its ") else host,
            detail=detail,
            instead=kind.instead,
            method=method or "",
        )


_NO_ARG = cst.Arg(value=cst.Name("None"))
