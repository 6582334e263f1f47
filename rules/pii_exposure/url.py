"""Personal data in the URL of a request, a redirect or a built link."""

from __future__ import annotations

import re
from typing import Any, Optional, Union

import libcst as cst
from privalint.rules.pii_exposure.common import (
    HelperDestinations,
    helper_via,
    positional_args,
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
)

from privalint.catalog import Catalog
from privalint.flow import Carried, union
from privalint.model import Family, Severity
from privalint.personal import KEY
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
    `urllib3` and other HTTP clients; the target of a redirect (`redirect()`,
    `HttpResponseRedirect`, `RedirectResponse`); and the arguments of URL builders
    such as `url_for(..., email=...)` and `reverse(...)`. The data is followed
    through f-strings, concatenation, `urlencode` and variables, and a query
    parameter's name (`"?email=" + value`) speaks for an opaque value.

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
    triggers = (
        ("http", "url", "redirect", "reverse", "urlopen", "webbrowser", "request"),
        ("@personal",),
    )
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
        self._helpers = HelperDestinations()
        self._constants = ModuleStrings()
        # Names bound to URLs whose query parameters name opaque values.
        self._keyed: dict[str, Carried] = {}

    # -- tracking URLs built in variables ------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._keyed = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        self._constants.note(node)
        keyed = self._keyed_values(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if keyed.cats:
                    self._keyed[target.target.value] = keyed
                else:
                    self._keyed.pop(target.target.value, None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and isinstance(node.operator, cst.AddAssign):
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
        if isinstance(expr, cst.Name) and expr.value in self._keyed:
            return self._keyed[expr.value]
        return Carried(found, known=False) if found else Carried()

    # -- the data a URL call sends ---------------------------------------------------

    def _url_values(self, url: Optional[cst.BaseExpression]) -> Values:
        if url is None:
            return []
        carried = union((self.ctx.categories(url), self._keyed_values(url)))
        return [(url, carried)] if carried.cats else []

    def _argument_values(self, call: cst.Call, found: UrlCall) -> Values:
        """Values of the other arguments that end up in the URL."""
        knowledge: HttpKnowledge = self.compiled
        out: Values = []
        if found.kind == REQUEST:
            keywords = set(knowledge.query_keywords)
            if found.method in knowledge.query_methods:
                keywords |= knowledge.method_keywords
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in keywords:
                    out.extend(self._params(arg.value))
            return out
        # Redirects and URL builders: the other arguments fill the path or the query.
        positional = positional_args(call)
        first = positional[0].value if positional else None
        for arg in call.args:
            if arg.value is first or arg.value is found.url:
                continue
            if arg.keyword is not None and arg.keyword.value in knowledge.control_keywords:
                continue
            carried = self.ctx.categories(arg.value)
            if not carried.cats and not carried.known and arg.keyword is not None:
                category = self.ctx.classify(arg.keyword.value, "", KEY)
                if category is not None:
                    carried = Carried({category: arg.keyword.value}, known=False)
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
                if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                    key = string_value(pair.elements[0].value)
                    inner = self.ctx.categories(pair.elements[1].value)
                    if key is not None and not inner.cats and not inner.known:
                        category = self.ctx.classify(key, "", KEY)
                        if category is not None:
                            found.setdefault(category, pair.elements[1].value)
            if found:
                return [(value, Carried(found, known=False))]
        return []

    def _values(self, call: cst.Call, found: UrlCall) -> Values:
        return [*self._url_values(found.url), *self._argument_values(call, found)]

    def _sink_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        knowledge: HttpKnowledge = self.compiled
        found = knowledge.classify_call(self.ctx, call)
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

    def _destination(self, found: UrlCall) -> str:
        if found.kind == REDIRECT:
            return "a redirect URL"
        if found.kind == BUILD:
            return f"a URL built by `{found.name}`"
        host = host_of(self._constants.text(found.url))
        return f"the URL of a request to {host}" if host else f"the URL of `{found.name}`"

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: HttpKnowledge = self.compiled
        found = knowledge.classify_call(self.ctx, node)
        if found is None:
            values, name = self._helpers.values(self.ctx, node, self._sink_values, self.id)
            if values and name:
                report_sent(self, values, name, via=helper_via(self.ctx, node))
            return
        report_sent(self, self._values(node, found), self._destination(found))


def _keyed_parts(expr: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    """(parameter name, value) for the values a URL template puts after `name=`:
    f-strings, `+` concatenation and `%` formatting."""
    if isinstance(expr, cst.FormattedString):
        out: list[tuple[str, cst.BaseExpression]] = []
        text = ""
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                text += part.value
                continue
            if not isinstance(part, cst.FormattedStringExpression):
                continue
            match = _QUERY_KEY.search(text)
            if match:
                out.append((match.group(1), part.expression))
            text = ""
        return out
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Add):
            operands = _flatten_add(expr)
            out = []
            for before, after in zip(operands, operands[1:]):
                text = _text(before)
                match = _QUERY_KEY.search(text) if text else None
                if match and _text(after) == "":
                    out.append((match.group(1), after))
            for operand in operands:
                if isinstance(operand, cst.FormattedString):
                    out.extend(_keyed_parts(operand))
            return out
        if isinstance(expr.operator, cst.Modulo):
            template = string_value(expr.left)
            if template is None:
                return []
            right = expr.right
            values = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
            out = []
            for index, match in enumerate(_PERCENT.finditer(template)):
                if index >= len(values):
                    break
                key = _QUERY_KEY.search(template[: match.start()])
                if key:
                    out.append((key.group(1), values[index]))
            return out
    return []


def _flatten_add(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return [*_flatten_add(expr.left), *_flatten_add(expr.right)]
    return [expr]


def _text(expr: cst.BaseExpression) -> str:
    value = string_value(expr)
    if value is not None:
        return value
    if isinstance(expr, cst.FormattedString) and expr.parts:
        last = expr.parts[-1]
        return last.value if isinstance(last, cst.FormattedStringText) else ""
    return ""
