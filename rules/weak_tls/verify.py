"""Certificate verification switched off."""

from __future__ import annotations

from typing import Any

import libcst as cst

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule


def keyword(node: cst.Call, name: str) -> cst.Arg | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def is_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


class TlsVerifyDisabled(Rule):
    """
    ## What it does
    Flags HTTP client calls and clients that pass `verify=False`: `requests` and
    `httpx` module functions, and the methods of `Session`, `Client` and
    `AsyncClient` objects however they were created or aliased.

    ## Why is this bad?
    Without certificate checks anyone on the network path can impersonate the
    server, then read or change the traffic, including the personal data it carries.

    ## How to fix
    Remove `verify=False`. For a private certificate authority pass its bundle:
    `verify="/etc/ssl/certs/internal-ca.pem"`.
    """

    id = "PV501"
    name = "tls-verify-disabled"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 295
    title = "TLS certificate verification disabled"
    message = "`{func}` disables TLS certificate verification (`verify=False`)"
    precision = "very-high"
    triggers = (("verify",),)
    INVALID = (
        'import requests\nrequests.get("https://api.example.com", verify=False)',
        'import httpx as h\nwith h.Client(verify=False) as client:\n    client.get("https://api.example.com")',
        'from requests import Session\ns = Session()\ns.post("https://api.example.com", json={}, verify=False)',
    )
    VALID = (
        'import requests\nrequests.get("https://api.example.com", verify="/etc/ssl/certs/ca.pem")',
        'import requests\nrequests.get("https://api.example.com", verify=True)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return tuple(catalog.strings("tls.verify-modules"))

    def visit_Call(self, node: cst.Call) -> None:
        arg = keyword(node, "verify")
        if arg is None or not is_false(arg.value):
            return
        qualified = self.ctx.qualname(node.func)
        if qualified is None:
            return
        root = qualified.split(".", 1)[0]
        modules: tuple[str, ...] = self.compiled
        if root in modules or any(qualified.startswith(m + ".") for m in modules):
            self.report(arg, func=self.ctx.code(node.func, 40))


class UnverifiedSslContext(Rule):
    """
    ## What it does
    Flags `ssl._create_unverified_context()` and friends, and installing one as the
    default for `urllib` (`ssl._create_default_https_context = ...`).

    ## Why is this bad?
    The context accepts any certificate for any host, so the connection can be
    intercepted without a warning.

    ## How to fix
    Use `ssl.create_default_context()`, adding `cafile=` for a private authority.
    """

    id = "PV502"
    name = "unverified-ssl-context"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 295
    title = "SSL context without certificate verification"
    message = "`{func}` creates an SSL context that accepts any certificate"
    precision = "very-high"
    triggers = (
        ("_create_unverified_context", "_create_default_https_context", "_create_stdlib_context"),
    )
    INVALID = (
        "import ssl\nctx = ssl._create_unverified_context()",
        "import ssl\nssl._create_default_https_context = ssl._create_unverified_context",
    )
    VALID = ("import ssl\nctx = ssl.create_default_context()",)

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return frozenset(catalog.strings("tls.unverified-context"))

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ctx.qualname(node.func)
        if qualified in self.compiled:
            self.report(node, func=qualified)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if self.ctx.qualname(target.target) == "ssl._create_default_https_context" or (
                isinstance(target.target, cst.Attribute)
                and target.target.attr.value == "_create_default_https_context"
                and self.ctx.qualname(target.target.value) == "ssl"
            ):
                self.report(
                    node,
                    "`ssl._create_default_https_context` is replaced: every urllib "
                    "connection of the process stops verifying certificates",
                )
