"""Personal data in the URL of a request, a redirect or a built link."""

from __future__ import annotations

import re
import string
from typing import Any, Optional, Union

import libcst as cst
from privalint.rules.pii_exposure.common import (
    HelperDestinations,
    helper_via,
    keyed,
    last_name,
    report_sent,
    string_value,
)
from privalint.rules.pii_exposure.http import (
    BUILD,
    REDIRECT,
    REQUEST,
    HttpKnowledge,
    ModuleStrings,
    UrlCall,
    host_of,
    names_url,
    own_name,
    url_heads,
)

from privalint.catalog import Catalog
from privalint.flow import Carried, union
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import KEY, split_words
from privalint.project import SENT
from privalint.rule import Rule

# `?email=`, `&phone_number=`, `;dob=` at the end of a literal: the value that follows
# is that parameter.
_QUERY_KEY = re.compile(r"[?&;]([A-Za-z_][A-Za-z0-9_.\-\[\]]*)=$")
# `email=%s` / `email=%(email)s` / `email={}` placeholders in a template.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXa]")

Values = list[tuple[cst.BaseExpression, Carried]]


class PersonalDataInUrl(Rule):
    """
    ## What it does
    Flags personal data placed in a URL: the URL, query parameters (`params=`) or
    path of an outbound request made with `requests`, `httpx`, `aiohttp`, `urllib`,
    `urllib3`, pycurl (`curl.setopt(pycurl.URL, url)`) and other HTTP clients (also clients made for a base URL by the
    project's own factories: `api = make_client("https://...")`, and clients named
    for the service they call, whose GET keywords are the query:
    `screening_client.get("/v1/screen", name=...)`); URLs made by builders of other
    modules (`build_url(BASE, "Patient", nhs=...)`, also through a variable); the
    target of a redirect (`redirect()`,
    `HttpResponseRedirect`, `RedirectResponse`); and the arguments of URL builders
    such as `url_for(..., email=...)` and `reverse(...)`; and a link kept in a
    variable (`invite_url`), or any web address whose query string carries the data
    (`share = BASE + "?guest=" + visitor.name`). The data is followed
    through f-strings, concatenation, `urlencode` and variables, and a query
    parameter's name (`"?email=" + value`) speaks for an opaque value, and what a
    geocoding service is asked to find (`params={"q": addr}` to Nominatim or to a
    `GEOCODER_URL`) is an address. The query of
    a telephony control API the project runs itself (Asterisk ARI's `/ari/` paths,
    which take the extension to dial there) is a command to its own PBX and is not
    reported (`exposure.url.settings.control-paths` in the catalog).

    ## Why is this bad?
    URLs are not secret: web servers, proxies, load balancers and CDNs write them to
    access logs, browsers keep them in history and send them to other sites in the
    `Referer` header, and monitoring tools record them. Personal data in a URL is
    copied to all of these places, beyond the reach of retention and deletion
    (CWE-598).

    ## How to fix
    Send the data in the body of a POST request over HTTPS, or refer to the person
    by an opaque identifier (`/customers/{customer.pk}`) or a short-lived token.
    """

    id = "PV202"
    name = "personal-data-in-url"
    family = Family.PII_EXPOSURE
    severity = Severity.WARNING
    cwe = 598
    title = "Personal data in a URL"
    message = "{data} {verb} put in {destination}{via}"
    provides_facts = True

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        return (HttpKnowledge.from_catalog(catalog).trigger_words(), ("@personal", "@people"))

    # A module whose functions send requests to URLs built from their parameters: it
    # matters to the modules that call them with personal data (`privalint.project`).
    join_triggers = (
        "requests", "httpx", "aiohttp", "urllib", "httplib2", "grequests", "pycurl", "niquests",
    )  # fmt: skip

    INVALID = (
        'import requests\n\ndef lookup(phone):\n    return requests.get(f"https://crm.example.com/people?phone={phone}")',
        'import httpx\n\ndef find(customer):\n    return httpx.get("https://api.example.com/search", params={"email": customer.email})',
        'from django.shortcuts import redirect\n\ndef verify(request, customer):\n    return redirect(f"/accounts/verify/?email={customer.email}")',
        'from flask import url_for\n\ndef link(user):\n    return url_for("confirm", email=user.email, _external=True)',
        'import requests\n\ndef lookup(value):\n    return requests.get(BASE + "/lookup?email=" + value)',
    )
    VALID = (
        'import requests\n\ndef subscribe(email):\n    requests.post("https://api.example.com/members", json={"email": email}, timeout=5)',
        'import requests\n\ndef order(customer):\n    return requests.get(f"https://api.example.com/customers/{customer.pk}/orders")',
        'from django.shortcuts import redirect\n\ndef done(order):\n    return redirect("shop:thanks", order_id=order.pk)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return HttpKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._helpers = HelperDestinations(compiled.roots)
        self._constants = ModuleStrings()
        # Names bound to URLs whose query parameters name opaque values.
        self._keyed: dict[str, Carried] = {}
        # Links built with personal data, by the name they are stored in; reported when
        # the function ends unless a request or redirect sends them first.
        self._links: dict[str, Values] = {}
        self._function_names: list[str] = []

    # -- tracking URLs built in variables ------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._report_links()
        self._keyed = {}
        self._function_names.append(node.name.value)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._report_links()
        self._keyed = {}
        if self._function_names:
            self._function_names.pop()

    def finish(self) -> None:
        self._report_links()

    def visit_Assign(self, node: cst.Assign) -> None:
        self._constants.note(node)
        keyed = self._keyed_values(node.value)
        built = self._built_url(node.value)
        if built.cats:
            # `url = build_url(BASE, nhs=nhs_number)`: what the builder is given.
            keyed = union((keyed, built))
        for target in node.targets:
            if type(target.target) is cst.Name:
                name = target.target.value
                if keyed.cats:
                    self._keyed[name] = keyed
                else:
                    self._keyed.pop(name, None)
                self._links.pop(name, None)
                if self._names_link(name):
                    values = self._link_values(node.value)
                else:
                    # `share = f"https://x.example/p/{t}?guest={name}"`: whatever the
                    # name, a web address whose query string carries the data.
                    values = self._link_values(node.value, query_only=True)
                if values:
                    self._links[name] = values

    def visit_Return(self, node: cst.Return) -> None:
        functions = self._function_names
        if node.value is not None and functions and self._names_link(functions[-1]):
            report_sent(self, self._link_values(node.value), "a link")

    def _names_link(self, name: str) -> bool:
        knowledge: HttpKnowledge = self.compiled
        return any(word in knowledge.link_words for word in split_words(name))

    def _link_values(self, expr: cst.BaseExpression, query_only: bool = False) -> Values:
        """Values a string template puts inside a URL (`https://x.com/verify?email={e}`);
        with ``query_only``, only those in the query string of a whole web address."""
        out: Values = []
        for part in self._template_parts(expr, query_only):
            carried = self.ctx.categories(part)
            if carried.cats:
                out.append((part, carried))
        if query_only:
            return out
        keyed = self._keyed_values(expr)
        if keyed.cats:
            out.append((expr, keyed))
        return out

    def _template_parts(
        self, expr: cst.BaseExpression, query_only: bool = False
    ) -> list[cst.BaseExpression]:
        """The expressions of a string template that fall inside a URL: after a
        `scheme://` or a `?` in the same whitespace-free token (with ``query_only``,
        after both)."""
        out: list[cst.BaseExpression] = []
        token = ""
        for piece in _pieces(expr):
            if isinstance(piece, str):
                if any(c.isspace() for c in piece):
                    token = piece.split()[-1] if piece.split() and not piece[-1].isspace() else ""
                else:
                    token += piece
                continue
            if (
                "?" in token and "://" in token and _in_web_url(token)
                if query_only
                else _in_web_url(token)
            ):
                out.append(piece)
            token += self._constants.text(piece) or "x"
        return out

    def _report_links(self) -> None:
        for values in self._links.values():
            report_sent(self, values, "a link")
        self._links = {}

    def _consume_links(self, exprs: list[cst.BaseExpression]) -> None:
        """Links that a request, redirect or helper call sends: reported there."""
        for expr in exprs:
            for name in _names_in(expr):
                self._links.pop(name, None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if type(node.target) is cst.Name and type(node.operator) is cst.AddAssign:
            keyed = self._keyed_values(node.value)
            if keyed.cats:
                previous = self._keyed.get(node.target.value)
                self._keyed[node.target.value] = (
                    union((previous, keyed)) if previous is not None else keyed
                )

    def _keyed_values(self, expr: cst.BaseExpression) -> Carried:
        """What the opaque values after `key=` in a URL template carry."""
        found: dict[str, Union[cst.CSTNode, str]] = {}
        for key, value in _keyed_parts(expr):
            carried = self.ctx.categories(value)
            if carried.cats or carried.known:
                continue
            category = self.ctx.classify(key, "", KEY)
            if category is not None:
                found.setdefault(category, value)
        if type(expr) is cst.Name and expr.value in self._keyed:
            return self._keyed[expr.value]
        return Carried(found, known=False) if found else Carried()

    # -- the data a URL call sends ---------------------------------------------------

    def _url_values(self, url: Optional[cst.BaseExpression]) -> Values:
        knowledge: HttpKnowledge = self.compiled
        if url is None:
            return []
        text = self._constants.text(url)
        if text.lower().startswith(knowledge.local_schemes) or text.startswith(
            knowledge.dial_strings
        ):
            # `mailto:` and `tel:` open a local application, and a dial string
            # (`PJSIP/2001`) names a phone: nothing is requested.
            return []
        carried = union((self.ctx.categories(url), self._keyed_values(url), self._built_url(url)))
        name = own_name(url)
        if not name:
            # `recording_url + ".wav"`, `f"{recording_url}.mp3"`: the URL it starts with.
            pieces = _pieces(url)
            if pieces and not isinstance(pieces[0], str):
                name = own_name(pieces[0])
            elif len(pieces) > 1 and pieces[0] == "" and not isinstance(pieces[1], str):
                name = own_name(pieces[1])
        if carried.cats and name and names_url(name):
            # A whole URL read from elsewhere (`event["recording_url"]`): fetching it
            # puts nothing in a query string, whatever it points at. Data added to it
            # on the way (`profile_url = f"...?email={email}"`) still counts.
            pointed = self.ctx.classify(name, "", KEY)
            # What the URL points at, named by it or by where it was read
            # (`rec_url = request.form["RecordingUrl"]`).
            rest = {
                c: o
                for c, o in carried.cats.items()
                if c != pointed
                and not (isinstance(o, cst.BaseExpression) and names_url(own_name(o)))
            }
            if len(rest) != len(carried.cats):
                carried = Carried(rest, carried.known, user_input=carried.user_input)
        return [(url, carried)] if carried.cats else []

    def _built_url(self, url: cst.BaseExpression) -> Carried:
        """What a URL made by a function of another module whose name says it makes a
        URL (`build_url(BASE, "Patient", nhs=nhs_number)`, `lookup_url(ni, dob)`) is
        given: its body is out of sight, its arguments fill the URL."""
        if type(url) is cst.Await:
            url = url.expression
        if type(url) is not cst.Call or not isinstance(url.func, (cst.Name, cst.Attribute)):
            return Carried()
        qualified = self.ctx.qualname(url.func)
        if self.ctx.is_local(qualified) or not names_url(last_name(url.func)):
            return Carried()
        knowledge: HttpKnowledge = self.compiled
        if qualified in knowledge.builders:
            return Carried()  # `httpx.URL(base, params=...)` is reported where it is built
        values = [self.ctx.categories(arg.value) for arg in url.args]
        found = [carried for carried in values if carried.cats]
        return union(found) if found else Carried()

    def _argument_values(self, call: cst.Call, found: UrlCall) -> Values:
        """Values of the other arguments that end up in the URL."""
        knowledge: HttpKnowledge = self.compiled
        out: Values = []
        if found.kind == REQUEST:
            keywords = set(knowledge.query_keywords)
            if found.method in knowledge.query_methods:
                keywords |= knowledge.method_keywords
            geocoder: Optional[bool] = None
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in keywords:
                    params = self._params(arg.value)
                    if not params and type(arg.value) is cst.Dict:
                        if geocoder is None:
                            geocoder = self._is_geocoder(found.url)
                        if geocoder:
                            params = self._geocoded(arg.value)
                    out.extend(params)
            if found.wrapper and found.method in knowledge.query_methods:
                out.extend(self._wrapper_query(call, found))
            return out
        # Redirects and URL builders: the other arguments fill the path or the query.
        for arg in call.args:
            if arg.value is found.url:
                continue
            if arg.keyword is not None and arg.keyword.value in knowledge.control_keywords:
                continue
            carried = keyed(self.ctx, self.ctx.categories(arg.value), arg.keyword)
            if carried.cats:
                out.append((arg.value, carried))
        return out

    def _wrapper_query(self, call: cst.Call, found: UrlCall) -> Values:
        """The keyword arguments a GET of a client wrapper of the project takes as its
        query (`geocoder.get("/v1/search", q=address)`): all but those that say what
        they are for (timeouts, headers, a body)."""
        knowledge: HttpKnowledge = self.compiled
        skipped = (
            knowledge.query_keywords
            | knowledge.control_keywords
            | knowledge.transport_keywords
            | knowledge.body_keywords
        )
        out: Values = []
        for arg in call.args:
            keyword = arg.keyword
            if keyword is None or arg.value is found.url or keyword.value in skipped:
                continue
            if keyword.value in knowledge.url_keywords:
                continue
            carried = keyed(self.ctx, self.ctx.categories(arg.value), keyword)
            if carried.cats:
                out.append((arg.value, carried))
        return out

    def _params(self, value: cst.BaseExpression) -> Values:
        """Query parameters: a dict (tracked per key by the flow) or a list of pairs."""
        carried = self.ctx.categories(value)
        if carried.cats:
            return [(value, carried)]
        if isinstance(value, (cst.List, cst.Tuple)):
            found: dict[str, Union[cst.CSTNode, str]] = {}
            for element in value.elements:
                pair = element.value
                if type(pair) is cst.Tuple and len(pair.elements) == 2:
                    key = string_value(pair.elements[0].value)
                    inner = self.ctx.categories(pair.elements[1].value)
                    if key is not None and not inner.cats and not inner.known:
                        category = self.ctx.classify(key, "", KEY)
                        if category is not None:
                            found.setdefault(category, pair.elements[1].value)
            if found:
                return [(value, Carried(found, known=False))]
        return []

    def _is_geocoder(self, url: Optional[cst.BaseExpression]) -> bool:
        """A request to a geocoding service: by its host, or by the name the URL is
        kept under (`settings.GEOCODER_URL`)."""
        knowledge: HttpKnowledge = self.compiled
        if url is None:
            return False
        text = self._constants.text(url).lower()
        if any(host in text for host in knowledge.geocoder_hosts):
            return True
        for head in (url, *url_heads(url)):
            name = dotted_name(head)
            if name is not None and set(split_words(name)) & knowledge.geocoder_words:
                return True
        return False

    def _geocoded(self, params: cst.Dict) -> Values:
        """The opaque values a geocoder is asked to find (`{"q": addr}`): addresses."""
        knowledge: HttpKnowledge = self.compiled
        out: Values = []
        for element in params.elements:
            if type(element) is not cst.DictElement:
                continue
            key = string_value(element.key)
            if key is None or key.lower() not in knowledge.geocoder_keys:
                continue
            carried = self.ctx.categories(element.value)
            if not carried.cats and not carried.known:
                out.append(
                    (
                        element.value,
                        Carried(
                            {knowledge.geocoder_category: element.value},
                            known=False,
                            user_input=carried.user_input,
                        ),
                    )
                )
        return out

    def _values(self, call: cst.Call, found: UrlCall) -> Values:
        return [*self._url_values(found.url), *self._argument_values(call, found)]

    def _sink_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        knowledge: HttpKnowledge = self.compiled
        found = knowledge.classify_call(self.ctx, call, self._constants)
        if found is None:
            return []
        self._helpers.noting(self._destination(found))
        exprs = [found.url] if found.url is not None else []
        if found.kind == REQUEST:
            exprs.extend(
                a.value
                for a in call.args
                if a.keyword is not None and a.keyword.value in knowledge.query_keywords
            )
        return exprs

    def _spread_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        """``**kwargs`` spread into a request: its query keywords (`params=`) go in
        the URL."""
        knowledge: HttpKnowledge = self.compiled
        found = knowledge.classify_call(self.ctx, call, self._constants)
        if found is None or found.kind != REQUEST:
            return []
        spread = [a.value for a in call.args if a.star == "**"]
        if spread:
            self._helpers.noting(self._destination(found))
        return spread

    def _through_helpers(self, call: cst.Call) -> tuple[Values, str]:
        """What a call of a local helper puts in a URL: arguments that reach a URL or a
        query keyword inside it, and query keywords (`params=`) its ``**kwargs`` hands
        on to a request."""
        knowledge: HttpKnowledge = self.compiled
        values, name = self._helpers.values(self.ctx, call, self._sink_values, self.id)
        spread, spread_name = self._helpers.values(
            self.ctx, call, self._spread_values, self.id + ":spread"
        )
        query = {
            id(a.value)
            for a in call.args
            if a.keyword is not None and a.keyword.value in knowledge.query_keywords
        }
        seen = {id(node) for node, _ in values}
        values.extend(v for v in spread if id(v[0]) in query and id(v[0]) not in seen)
        return values, name or spread_name

    def _controls_own_service(self, found: UrlCall) -> bool:
        """A request to a control API the project runs for itself (Asterisk ARI's
        `/ari/channels/{id}/continue?extension=...`): its query is a command."""
        knowledge: HttpKnowledge = self.compiled
        text = self._constants.text(found.url).lower()
        return any(path in text for path in knowledge.control_paths)

    def _destination(self, found: UrlCall) -> str:
        if found.kind == REDIRECT:
            return "a redirect URL"
        if found.kind == BUILD:
            return f"a URL built by `{found.name}`"
        host = host_of(self._constants.text(found.url))
        return f"the URL of a request to {host}" if host else f"the URL of `{found.name}`"

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: HttpKnowledge = self.compiled
        found = knowledge.classify_call(self.ctx, node, self._constants)
        if found is None:
            values, name = self._through_helpers(node)
            if values and name:
                self._consume_links([a.value for a in node.args])
                report_sent(self, values, name, via=helper_via(self.ctx, node))
                return
            for arg in node.args:
                keyword = arg.keyword
                if (
                    keyword is not None
                    and type(arg.value) is not cst.Name
                    and self._names_link(keyword.value)
                ):
                    report_sent(self, self._link_values(arg.value), "a link")
            return
        self._helpers.sink_seen()
        self.ctx.export_sink(self, self._sink_values, f"puts it in {self._destination(found)}")
        self._consume_links([a.value for a in node.args])
        if found.kind == REQUEST and self._controls_own_service(found):
            return
        report_sent(self, self._values(node, found), self._destination(found))
        if found.kind == REQUEST:
            self._body_facts(node, found)

    def _body_facts(self, call: cst.Call, found: UrlCall) -> None:
        """Personal data in a request body: not a finding, but the inventory lists it
        as sent to the host."""
        knowledge: HttpKnowledge = self.compiled
        host = host_of(self._constants.text(found.url)) or "an HTTP endpoint"
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value not in knowledge.body_keywords:
                continue
            if arg.keyword.value in knowledge.method_keywords and (
                found.method in knowledge.query_methods
            ):
                continue
            for category in self.ctx.categories(arg.value).cats:
                self.ctx.fact(SENT, category, arg.value, host)


_WEB_SCHEMES = frozenset({"http", "https", "ws", "wss"})


def _in_web_url(token: str) -> bool:
    """Whether text ending in ``token`` is inside a web URL: after `http://` (not a
    database DSN such as `postgresql://user:password@host`) or a query's `?`."""
    if "://" in token:
        scheme = token.split("://", 1)[0].lower()
        # A scheme filled in from a variable (read as "x") may be a web one.
        return scheme in _WEB_SCHEMES or not scheme.isalpha() or scheme == "x"
    return "?" in token


def _keyed_parts(expr: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    """(parameter name, value) for the values a URL template puts after `name=`:
    f-strings, `+` concatenation, `%` and `.format` templates."""
    out: list[tuple[str, cst.BaseExpression]] = []
    text = ""
    for piece in _pieces(expr):
        if isinstance(piece, str):
            text += piece
            continue
        match = _QUERY_KEY.search(text)
        if match:
            out.append((match.group(1), piece))
        text = ""
    return out


Piece = Union[str, cst.BaseExpression]


def _pieces(expr: cst.BaseExpression) -> list[Piece]:
    """A string template as literal text and the expressions put between it:
    f-strings, `+` concatenation, `%` and `.format` templates."""
    if type(expr) is cst.FormattedString:
        out: list[Piece] = []
        for part in expr.parts:
            if type(part) is cst.FormattedStringText:
                out.append(part.value)
            elif type(part) is cst.FormattedStringExpression:
                out.append(part.expression)
        return out
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        text = string_value(expr)
        return [text] if text is not None else []
    if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
        return [*_pieces(expr.left), *_pieces(expr.right)]
    if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Modulo:
        template = string_value(expr.left)
        if template is None:
            return [expr]
        right = expr.right
        values = [e.value for e in right.elements] if type(right) is cst.Tuple else [right]
        out = []
        start = 0
        for index, match in enumerate(_PERCENT.finditer(template)):
            out.append(template[start : match.start()])
            if index < len(values):
                out.append(values[index])
            start = match.end()
        out.append(template[start:])
        return out
    if type(expr) is cst.Call:
        formatted = _format_pieces(expr)
        if formatted is not None:
            return formatted
    return [expr]


def _names_in(expr: cst.BaseExpression) -> list[str]:
    """Names used directly in an expression (through strings, operators and calls)."""
    if type(expr) is cst.Name:
        return [expr.value]
    if type(expr) is cst.BinaryOperation:
        return [*_names_in(expr.left), *_names_in(expr.right)]
    if type(expr) is cst.FormattedString:
        return [
            name
            for part in expr.parts
            if type(part) is cst.FormattedStringExpression
            for name in _names_in(part.expression)
        ]
    if type(expr) is cst.Call:
        return [name for arg in expr.args for name in _names_in(arg.value)]
    return []


def _format_pieces(call: cst.Call) -> Optional[list[Piece]]:
    """`"...?email={}".format(value)` as literal text and the values put in it."""
    func = call.func
    if type(func) is not cst.Attribute or func.attr.value != "format":
        return None
    template = string_value(func.value)
    if template is None:
        return None
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    out: list[Piece] = []
    automatic = 0
    for text, field, _, _ in fields:
        out.append(text)
        if field is None:
            continue
        name = field.split(".", 1)[0].split("[", 1)[0]
        value: Optional[cst.BaseExpression]
        if name == "":
            value = positional[automatic] if automatic < len(positional) else None
            automatic += 1
        elif name.isdigit():
            value = positional[int(name)] if int(name) < len(positional) else None
        else:
            value = keywords.get(name)
        out.append(value if value is not None else "x")
    return out
