"""Personal data kept on the client: in cookies, and in Flask's cookie session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.unencrypted_storage.common import (
    HelperSinks,
    QualifiedNames,
    StoragePolicy,
    argument,
    call_text,
    report_stored,
    string_value,
)

from privalint.catalog import Catalog
from privalint.flow import Carried, union
from privalint.model import Family, Severity
from privalint.personal import KEY
from privalint.rule import Rule


@dataclass(frozen=True)
class ClientKnowledge:
    cookie_methods: frozenset[str]
    cookie_jars: frozenset[str]
    cookie_objects: frozenset[str]
    cookie_constructors: QualifiedNames
    client_sessions: QualifiedNames
    server_session_modules: frozenset[str]
    session_methods: frozenset[str]
    policy: StoragePolicy

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ClientKnowledge:
        return cls(
            cookie_methods=frozenset(catalog.strings("storage.client.cookie-methods")),
            cookie_jars=frozenset(catalog.strings("storage.client.cookie-jars")),
            cookie_objects=frozenset(catalog.strings("storage.client.cookie-objects")),
            cookie_constructors=QualifiedNames(
                catalog.strings("storage.client.cookie-constructors")
            ),
            client_sessions=QualifiedNames(catalog.strings("storage.client.client-sessions")),
            server_session_modules=frozenset(
                catalog.strings("storage.client.server-session-modules")
            ),
            session_methods=frozenset(catalog.strings("storage.client.session-methods")),
            policy=StoragePolicy.from_catalog(catalog),
        )


_SESSION = "the session cookie (signed, not encrypted)"


class PersonalDataInCookie(Rule):
    """
    ## What it does
    Flags personal data stored on the client: as the name or value of a cookie
    (`set_cookie`/`set_signed_cookie` in Django, Flask, Starlette/FastAPI, aiohttp,
    Bottle; `response.cookies["k"] = v`), and in Flask's default `session` (or
    Starlette's `request.session`), which is a cookie that is signed but not
    encrypted. Sessions kept on the server (Flask-Session, Django's database
    sessions) are not reported.

    ## Why is this bad?
    A cookie is stored in clear in the browser profile, sent with every request,
    visible to browser extensions, proxies and anyone using the device, and often
    copied into access logs. Signing (`set_signed_cookie`, Flask's session) stops
    tampering, not reading: the payload is only base64-encoded (CWE-315, CWE-539).

    ## How to fix
    Put an opaque identifier in the cookie and keep the personal data on the server
    (a database row or a server-side session), or encrypt the value with a key the
    client does not have.
    """

    id = "PV304"
    name = "personal-data-in-cookie"
    family = Family.UNENCRYPTED_STORAGE
    severity = Severity.WARNING
    cwe = 315
    title = "Personal data stored in a cookie"
    message = "{data} {verb} stored on the client in {where}; {suggestion}"
    provides_facts = True
    triggers = (("cookie", "session"), ("@personal", "@people"))
    # A function of the file may hand its parameters to the sink: the file matters to
    # other modules that call it with personal data (`privalint.project`).
    join_triggers = triggers[0]
    INVALID = (
        'def remember(request, customer, response):\n    response.set_cookie("remembered_email", customer.email, max_age=86400)',
        'from flask import session\n\ndef login(user):\n    session["phone"] = user.phone',
    )
    VALID = (
        'def remember(request, response):\n    response.set_cookie("cart_id", str(request.session.get("cart_id", "")))',
        'from flask import session\n\ndef login(user):\n    session["user_id"] = user.id',
        'from flask import session\nfrom flask_session import Session\n\ndef login(user):\n    session["phone"] = user.phone',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return ClientKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: ClientKnowledge = compiled
        self._server_sessions: Optional[bool] = None
        self.helpers = HelperSinks(self, "stores it in a cookie in clear")

    def _sessions_on_server(self) -> bool:
        if self._server_sessions is None:
            heads = {m.lstrip(".").split(".", 1)[0] for m in self.ctx.imports.imported_modules}
            self._server_sessions = bool(heads & self.k.server_session_modules)
        return self._server_sessions

    def _stored(
        self, key: Optional[cst.BaseExpression], value: Optional[cst.BaseExpression]
    ) -> tuple[Optional[cst.BaseExpression], Carried]:
        """What a (key, value) pair puts on the client: the value's data, the key's,
        or, for an opaque value under a telling key (`"email"`), the key's category."""
        parts: list[Carried] = []
        first: Optional[cst.BaseExpression] = None
        for expr in (value, key):
            if expr is None:
                continue
            carried = self.ctx.categories(expr)
            if carried.cats:
                parts.append(carried)
                first = first or expr
        if not parts and key is not None and value is not None:
            name = string_value(key)
            carried = self.ctx.categories(value)
            if name is not None and not (carried.known and not carried.cats):
                category = self.ctx.classify(name, "", KEY)
                if category is not None:
                    parts.append(Carried({category: value}, False))
                    first = value
        return first, union(parts)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if type(func) is cst.Attribute else ""
        key: Optional[cst.BaseExpression] = None
        value: Optional[cst.BaseExpression] = None
        where = "a cookie"
        if name in self.k.cookie_methods:
            key = argument(node, 0, ("key", "name"))
            value = argument(node, 1, ("value",))
            label = string_value(key) if key is not None else None
            where = f"cookie `{label}`" if label else "a cookie"
            self._check(key, value, where, "cookie " + (label or ""), node)
        elif name not in self.k.cookie_methods and self._is_cookie_constructor(func):
            # Litestar `Cookie(key="k", value=v)` handed to a response.
            key = argument(node, 0, ("key",))
            value = argument(node, 1, ("value",))
            label = string_value(key) if key is not None else None
            where = f"cookie `{label}`" if label else "a cookie"
            self._check(key, value, where, "cookie " + (label or ""), node)
        elif self._is_set_cookie_header(argument(node, 0, ("name", "key", "_key"))):
            # `response.headers.add("Set-Cookie", f"email={email}")`
            value = argument(node, 1, ("value", "_value"))
            self._check(None, value, where, "cookie", node)
        elif (
            type(func) is cst.Attribute
            and name in self.k.session_methods
            and self._is_client_session(func.value)
        ):
            where = _SESSION
            if name == "update" and node.args:
                value = node.args[0].value
            elif len(node.args) >= 2:
                key, value = node.args[0].value, node.args[1].value
            self._check(key, value, where, "cookie session", node)
        else:
            # A helper of this module that puts its arguments in a cookie.
            reached = self.helpers.reaching(self.ctx, node, self.id)
            if reached:
                carried = union(c for _, c in reached)
                self._report(
                    reached[0][0], carried, f"a cookie by `{call_text(self.ctx, node)}`", "cookie"
                )
            return
        self.helpers.add(node, [e for e in (key, value) if e is not None])

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            subscript = target.target
            if type(subscript) is not cst.Subscript or len(subscript.slice) != 1:
                continue
            element = subscript.slice[0].slice
            key = element.value if type(element) is cst.Index else None
            base = subscript.value
            if self._is_set_cookie_header(key):
                self._check(None, node.value, "a cookie", "cookie", subscript)
            elif self.ctx.qualname(base) in self.k.cookie_objects:
                label = string_value(key) if key is not None else None
                where = f"cookie `{label}`" if label else "a cookie"
                self._check(key, node.value, where, "cookie " + (label or ""), subscript)
            elif self._is_client_session(base):
                self._check(key, node.value, _SESSION, "cookie session", subscript)
            elif type(base) is cst.Attribute and base.attr.value in self.k.cookie_jars:
                if self.ctx.flow.is_request_read(base):
                    continue
                label = string_value(key) if key is not None else None
                where = f"cookie `{label}`" if label else "a cookie"
                self._check(key, node.value, where, "cookie " + (label or ""), subscript)

    def _is_cookie_constructor(self, func: cst.BaseExpression) -> bool:
        if type(func) is cst.Name:
            if func.value != "Cookie":
                return False
        elif type(func) is not cst.Attribute or func.attr.value != "Cookie":
            return False
        return self.ctx.qualname(func) in self.k.cookie_constructors

    @staticmethod
    def _is_set_cookie_header(expr: Optional[cst.BaseExpression]) -> bool:
        text = string_value(expr) if expr is not None else None
        return text is not None and text.lower() == "set-cookie"

    def _is_client_session(self, expr: cst.BaseExpression) -> bool:
        if self._sessions_on_server():
            return False
        return self.ctx.qualname(expr) in self.k.client_sessions

    def _check(
        self,
        key: Optional[cst.BaseExpression],
        value: Optional[cst.BaseExpression],
        where: str,
        detail: str,
        node: cst.CSTNode,
    ) -> None:
        first, carried = self._stored(key, value)
        if first is None or not carried.cats:
            return
        self._report(first, carried, where, detail)

    def _report(self, first: cst.CSTNode, carried: Carried, where: str, detail: str) -> None:
        suggestion = (
            "keep only an id in the session and the data on the server (Flask-Session), or encrypt it"
            if "session" in where
            else "put an opaque id in the cookie and keep the data on the server, or encrypt it"
        )
        report_stored(
            self,
            self.k.policy,
            first,
            carried,
            detail.strip(),
            where=where,
            suggestion=suggestion,
        )
