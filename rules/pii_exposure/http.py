"""Outbound HTTP requests: which calls send one, and where their URL, query string and
body are. Shared by the URL rule and the analytics rule (measurement endpoints)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import (
    chain_qualname,
    contains_phrase,
    import_words,
    is_own_code,
    keyword_arg,
    last_name,
    module_of,
    phrases,
    positional_args,
    receiver_triggers,
    receiver_words,
    string_value,
)

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.imports import dotted_name
from privalint.personal import split_words

REQUEST = "request"
REDIRECT = "redirect"
BUILD = "build"


@dataclass(frozen=True)
class UrlCall:
    """A call that puts a URL on the wire: the URL argument and the kind of call."""

    kind: str  # REQUEST, REDIRECT or BUILD
    name: str  # the call, for messages: `requests.get`
    url: Optional[cst.BaseExpression]
    method: Optional[str]  # the HTTP method, when known
    # A client class or factory of the project (`PartnerClient(BASE_URL)`): a GET's
    # other keyword arguments are its query (`geocoder.get("/search", q=address)`).
    wrapper: bool = False


@dataclass(frozen=True)
class HttpKnowledge:
    clients: tuple[str, ...]
    url_first: frozenset[str]
    url_second: frozenset[str]
    positions: Mapping[str, int]
    open_calls: frozenset[str]
    redirects: frozenset[str]
    builders: frozenset[str]
    build_methods: frozenset[str]
    query_keywords: frozenset[str]
    url_keywords: tuple[str, ...]
    method_keywords: frozenset[str]
    query_methods: frozenset[str]
    control_keywords: frozenset[str]
    control_paths: tuple[str, ...]
    transport_keywords: frozenset[str]
    link_words: frozenset[str]
    body_keywords: frozenset[str]
    local_schemes: tuple[str, ...]
    dial_strings: tuple[str, ...]
    client_words: tuple[tuple[str, ...], ...]
    client_texts: tuple[str, ...]
    weak_client_words: tuple[tuple[str, ...], ...]
    generic_client_words: frozenset[str]
    # HTTP method names: `<object>.request("GET", url)` is a request whatever the
    # object is called (`pool.request("GET", GEOCODER, fields=...)`).
    http_methods: frozenset[str]
    # The last names of every call this knowledge recognises (a cheap first test).
    names: frozenset[str]
    # Top-level packages whose import makes a URL call possible.
    roots: frozenset[str]
    # The modules those calls are imported from.
    modules: frozenset[str]
    # Option setters that take the URL after an option constant
    # (`curl.setopt(pycurl.URL, url)`): call -> the constant's last name.
    option_setters: Mapping[str, str] = field(default_factory=dict)
    # Geocoding services: what a request to one asks about in its query (`q=...`) is a
    # place, most often someone's address. Known by host, or by the words of the URL's
    # name (`GEOCODER_URL`).
    geocoder_hosts: tuple[str, ...] = ()
    geocoder_words: frozenset[str] = frozenset()
    geocoder_keys: frozenset[str] = frozenset()
    geocoder_category: str = "postal-address"

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> HttpKnowledge:
        positions: dict[str, int] = {}
        table: Any = catalog.get("exposure.url.positions", {})
        if isinstance(table, Mapping):
            positions = {str(k): v for k, v in table.items() if isinstance(v, int)}
        clients = catalog.strings("exposure.url.clients")
        setters: dict[str, str] = {}
        table = catalog.get("exposure.url.option-setters", {})
        if isinstance(table, Mapping):
            setters = {str(k): str(v) for k, v in table.items()}
        calls = [
            *catalog.strings("exposure.url.calls.open"),
            *catalog.strings("exposure.url.calls.redirect"),
            *catalog.strings("exposure.url.calls.build"),
        ]
        methods = [
            *catalog.strings("exposure.url.url-first-methods"),
            *catalog.strings("exposure.url.url-second-methods"),
            *catalog.strings("exposure.url.calls.build-methods"),
            *(name.rsplit(".", 1)[-1] for name in (*calls, *positions, *setters)),
            "redirect",
        ]
        return cls(
            names=frozenset(methods),
            roots=frozenset(name.split(".", 1)[0] for name in (*clients, *calls, *setters)),
            modules=frozenset(
                [
                    *(module_of(c) for c in (*calls, *setters)),
                    *(module_of(c + ".request") for c in clients),
                ]
            ),
            option_setters=setters,
            geocoder_hosts=tuple(
                h.lower() for h in catalog.strings("exposure.url.geocoders.hosts")
            ),
            geocoder_words=frozenset(catalog.strings("exposure.url.geocoders.url-words")),
            geocoder_keys=frozenset(catalog.strings("exposure.url.geocoders.query-keys")),
            geocoder_category=str(catalog.get("exposure.url.geocoders.category", "postal-address")),
            clients=tuple(clients),
            url_first=frozenset(catalog.strings("exposure.url.url-first-methods")),
            url_second=frozenset(catalog.strings("exposure.url.url-second-methods")),
            positions=positions,
            open_calls=frozenset(catalog.strings("exposure.url.calls.open")),
            redirects=frozenset(catalog.strings("exposure.url.calls.redirect")),
            builders=frozenset(catalog.strings("exposure.url.calls.build")),
            build_methods=frozenset(catalog.strings("exposure.url.calls.build-methods")),
            query_keywords=frozenset(catalog.strings("exposure.url.settings.query-keywords")),
            url_keywords=tuple(catalog.strings("exposure.url.settings.url-keywords")),
            method_keywords=frozenset(catalog.strings("exposure.url.settings.method-keywords")),
            query_methods=frozenset(catalog.strings("exposure.url.settings.query-methods")),
            control_keywords=frozenset(catalog.strings("exposure.url.settings.control-keywords")),
            transport_keywords=frozenset(
                catalog.strings("exposure.url.settings.transport-keywords")
            ),
            body_keywords=frozenset(catalog.strings("exposure.url.settings.body-keywords")),
            local_schemes=tuple(catalog.strings("exposure.url.settings.local-schemes")),
            dial_strings=tuple(catalog.strings("exposure.url.settings.dial-strings")),
            control_paths=tuple(catalog.strings("exposure.url.settings.control-paths")),
            link_words=frozenset(
                w
                for word in catalog.strings("exposure.url.settings.link-words")
                for w in split_words(word)
            ),
            client_words=phrases(catalog.strings("exposure.url.settings.client-words")),
            client_texts=tuple(catalog.strings("exposure.url.settings.client-words")),
            weak_client_words=phrases(catalog.strings("exposure.url.settings.weak-client-words")),
            generic_client_words=frozenset(
                catalog.strings("exposure.url.settings.generic-client-words")
            ),
            http_methods=frozenset(catalog.strings("exposure.url.settings.http-methods")),
        )

    def trigger_words(self) -> tuple[str, ...]:
        """What a file with a URL call contains: an import of a client or framework,
        a redirect, a URL-building method, a client of unknown type calling a request
        method (`session.get`), or a name that holds a link."""
        words = {*import_words(self.modules), "redirect", *self.build_methods, *self.link_words}
        # A client made by a class or factory of the project (`PartnerClient(BASE_URL)`,
        # `make_session(url)`; see `ModuleStrings`).
        words.update(("client(", "session("))
        for word in self.client_texts:
            words.update(receiver_triggers(word, (*self.url_first, *self.url_second)))
        return tuple(sorted(words))

    # -- recognising calls --------------------------------------------------------------

    def _client_method(self, qualified: str) -> Optional[tuple[str, str]]:
        """(client, method) when ``qualified`` is a request method of a known client."""
        client, _, method = qualified.rpartition(".")
        if client in self.clients and (method in self.url_first or method in self.url_second):
            return client, method
        return None

    def classify_call(
        self, ctx: FileContext, call: cst.Call, strings: Optional[ModuleStrings] = None
    ) -> Optional[UrlCall]:
        """The URL call ``call`` is, if any; ``strings`` reads URLs held in names."""
        func = call.func
        method = last_name(func)
        if method not in self.names:
            return None
        qualified = chain_qualname(ctx, func)
        if method in self.build_methods and type(func) is cst.Attribute:
            return UrlCall(BUILD, method, None, None)
        if qualified is not None and not is_own_code(ctx, qualified):
            if qualified in self.redirects:
                return UrlCall(REDIRECT, qualified, self._url_arg(call, 0), None)
            if qualified in self.builders:
                return UrlCall(BUILD, qualified, self._url_arg(call, 0), None)
            option = self.option_setters.get(qualified)
            if option is not None:
                # `curl.setopt(pycurl.URL, url)`: only the URL option opens it.
                given = positional_args(call)
                if len(given) > 1 and last_name(given[0].value) == option:
                    return UrlCall(REQUEST, qualified, given[1].value, None)
                return None
            if qualified in self.open_calls:
                position = self.positions.get(qualified, 0)
                return UrlCall(REQUEST, qualified, self._url_arg(call, position), None)
            found = self._client_method(qualified)
            if found is not None:
                return self._request(call, qualified, found[1])
            if qualified.split(".", 1)[0] in self.roots:
                # A known library, but not a request (`requests.utils.quote`).
                return None
        # An object of unknown type: trust its name, and ask for a URL-looking argument.
        if method == "redirect" and qualified is None and type(func) is cst.Attribute:
            # `self.redirect(url)` in a handler class (Tornado, Django's RedirectView).
            return UrlCall(REDIRECT, "redirect", self._url_arg(call, 0), None)
        if type(func) is not cst.Attribute:
            return None
        if method not in self.url_first and method not in self.url_second:
            return None
        words = receiver_words(func)
        made = bool(strings is not None and strings.client_base(func.value))
        strong = made or contains_phrase(words, self.client_words)
        if (
            not strong
            and not contains_phrase(words, self.weak_client_words)
            and not self._method_first(call, method)
        ):
            return None
        request = self._request(call, dotted_name(func) or method, method)
        if request.url is None:
            return None
        text = strings.text(request.url) if strings is not None else literal_text(request.url)
        if not strong and text.startswith("/") and self._service_client(words):
            # `screening_client.get("/v1/screen", name=...)`: a client named for the
            # service it calls, with that service's paths, is a wrapper of the project's.
            return replace(request, wrapper=True)
        if not looks_like_url(request.url, text, absolute=not strong):
            return None
        if made:
            # A client class or factory no catalog knows: the project's own, or an SDK's.
            return replace(request, wrapper=True)
        return request

    def _method_first(self, call: cst.Call, method: str) -> bool:
        """``(method, url, ...)`` with an HTTP method name first (`pool.request("GET",
        url)`): the shape of a request, whatever the object is called (the URL must
        still be absolute)."""
        if method not in self.url_second:
            return False
        given = positional_args(call)
        literal = string_value(given[0].value) if given else None
        return literal is not None and literal in self.http_methods

    def _service_client(self, words: Sequence[str]) -> bool:
        """A client named for a service (`screening_client`, `self.geo_api`), not a
        generic one (`client`, `self.api_client`, `test_client`: often the test
        client of the application itself)."""
        if not words or (words[-1],) not in self.weak_client_words:
            return False
        return any(w not in self.generic_client_words for w in words[:-1])

    def _request(self, call: cst.Call, name: str, method: str) -> UrlCall:
        position = self.positions.get(name)
        if position is None:
            position = 1 if method in self.url_second else 0
        http_method: Optional[str] = None
        if method in self.url_second and position == 1:
            first = positional_args(call)
            literal = string_value(first[0].value) if first else None
            if literal is None:
                arg = keyword_arg(call, "method")
                literal = string_value(arg.value) if arg else None
            http_method = literal.upper() if literal else None
        elif method not in self.url_second:
            http_method = method.upper()
        return UrlCall(REQUEST, name, self._url_arg(call, position), http_method)

    def _url_arg(self, call: cst.Call, position: int) -> Optional[cst.BaseExpression]:
        arg = keyword_arg(call, *self.url_keywords)
        if arg is not None:
            return arg.value
        positional = positional_args(call)
        if position < len(positional):
            return positional[position].value
        return None


def looks_like_url(expr: cst.BaseExpression, text: str, absolute: bool = False) -> bool:
    """Whether ``expr`` (whose readable text is ``text``) is a URL: a string with a
    scheme, a path or a query, or a name that says it is a URL (``absolute``: a
    scheme, or such a name)."""
    if "://" in text:
        return True
    if not absolute and ("?" in text or "/" in text):
        return True
    for part in url_heads(expr):
        if type(part) is cst.Call:
            # `build_url(BASE, "Patient", ...)`: a function named for what it makes.
            part = part.func
        name = last_name(part) if isinstance(part, (cst.Name, cst.Attribute)) else ""
        words = phrases((name,))
        if words and any(w in _URL_WORDS for w in words[0]):
            return True
    return False


def url_heads(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The expressions a URL template starts with (`BASE_URL` in `BASE_URL + path`)."""
    if type(expr) is cst.FormattedString:
        first = expr.parts[0] if expr.parts else None
        return [first.expression] if type(first) is cst.FormattedStringExpression else []
    if type(expr) is cst.BinaryOperation:
        return url_heads(expr.left)
    if type(expr) is cst.Call and type(expr.func) is cst.Attribute:
        return url_heads(expr.func.value)
    return [expr]


_ENV_READ = re.compile(r"(os\.)?(environ\.get|getenv)")

_URL_WORDS = frozenset({"url", "uri", "endpoint", "link", "href", "base"})


def own_name(expr: cst.BaseExpression) -> str:
    """The name a value is read from: ``recording_url`` for ``recording_url``,
    ``call.recording_url``, ``event["recording_url"]`` and
    ``event.get("recording_url")``; else ``""``."""
    if isinstance(expr, (cst.Name, cst.Attribute)):
        return last_name(expr)
    if type(expr) is cst.Subscript and len(expr.slice) == 1:
        element = expr.slice[0].slice
        if type(element) is cst.Index:
            return string_value(element.value) or ""
    if (
        type(expr) is cst.Call
        and type(expr.func) is cst.Attribute
        and expr.args
        and expr.func.attr.value == "get"
    ):
        return string_value(expr.args[0].value) or ""
    if type(expr) is cst.Await:
        return own_name(expr.expression)
    return ""


def names_url(name: str) -> bool:
    """Whether a value's name says it is a URL (`recording_url`, `avatar_link`)."""
    return any(w in _URL_WORDS for w in split_words(name))


def literal_text(expr: cst.BaseExpression) -> str:
    """The literal text of a string, f-string or concatenation (expressions left out)."""
    if type(expr) is cst.SimpleString:
        return string_value(expr) or ""
    if type(expr) is cst.FormattedString:
        return "".join(p.value for p in expr.parts if type(p) is cst.FormattedStringText)
    if type(expr) is cst.ConcatenatedString:
        return literal_text(expr.left) + literal_text(expr.right)
    return ""


class ModuleStrings:
    """Strings assigned to names (``CRM_URL = "https://..."``, ``url = BASE + path``),
    so that a URL passed by name can be read."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        # Names (`_api`, `self.vendor`) bound to an HTTP client made for a base URL by a
        # factory of unknown type (`make_client("https://api.example.com")`) -> that URL.
        self._clients: dict[str, str] = {}

    def note(self, node: cst.Assign) -> None:
        text = self.text(node.value)
        base = self._client_base(node.value)
        for target in node.targets:
            if type(target.target) is cst.Name:
                if text:
                    self._values[target.target.value] = text
                else:
                    self._values.pop(target.target.value, None)
            name = dotted_name(target.target)
            if name is not None:
                if base:
                    self._clients[name] = base
                else:
                    self._clients.pop(name, None)

    def _client_base(self, value: cst.BaseExpression) -> str:
        """The base URL of a client made by a call named for one (`make_client(url)`,
        `build_session(base_url=...)`) with an absolute URL as its first or URL argument."""
        if type(value) is not cst.Call:
            return ""
        words = split_words(last_name(value.func))
        if not {"client", "session"} & set(words):
            return ""
        for arg in value.args:
            if arg.keyword is None or arg.keyword.value in ("base_url", "url", "base", "endpoint"):
                text = self.text(arg.value)
                if "://" in text:
                    return text
                # `PartnerClient(GEOCODER_URL, token)`: a name that says it is a URL.
                if isinstance(arg.value, (cst.Name, cst.Attribute)) and names_url(
                    last_name(arg.value)
                ):
                    return last_name(arg.value)
            if arg.keyword is None:
                break
        return ""

    def client_base(self, receiver: cst.BaseExpression) -> str:
        """The base URL of the client ``receiver`` names, if it was made for one."""
        name = dotted_name(receiver)
        return self._clients.get(name, "") if name is not None else ""

    def text(self, expr: Optional[cst.BaseExpression]) -> str:
        """The literal text of a URL expression: literals, f-strings, concatenations and
        module constants; the parts we cannot read are left out."""
        if expr is None:
            return ""
        if type(expr) is cst.Name:
            return self._values.get(expr.value, "")
        if type(expr) is cst.FormattedString:
            return "".join(
                p.value
                if type(p) is cst.FormattedStringText
                else self.text(p.expression)
                if type(p) is cst.FormattedStringExpression
                else ""
                for p in expr.parts
            )
        if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
            return self.text(expr.left) + self.text(expr.right)
        if (
            type(expr) is cst.Call
            and type(expr.func) is cst.Attribute
            and expr.func.attr.value == "format"
        ):
            return self.text(expr.func.value)
        if type(expr) is cst.Call and _ENV_READ.fullmatch(dotted_name(expr.func) or ""):
            # `os.environ.get("HOOK_URL", "https://hooks.example.com/...")`: the default.
            default = positional_args(expr)[1:2]
            return self.text(default[0].value) if default else ""
        return literal_text(expr)


def host_of(url_text: str) -> str:
    """``api.example.com`` for ``https://api.example.com/v1?x=1``, else ``""``."""
    _, sep, rest = url_text.partition("://")
    if not sep:
        return ""
    host = rest.split("/", 1)[0].split("?", 1)[0]
    return host.rsplit("@", 1)[-1]
