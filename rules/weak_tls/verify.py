"""Certificate verification switched off: in HTTP clients, SSL contexts and warnings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    arg_code,
    argument,
    class_named,
    constant_name,
    enclosing_class,
    env_default,
    forwarded_arguments,
    imports_any,
    is_loopback,
    is_super_init,
    last_name,
    library_base,
    literal,
    local_definition,
    matches_module,
    method_of,
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
from privalint.flow import Flow
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.nodes import iter_nodes
from privalint.rule import Rule


@dataclass(frozen=True)
class Switch:
    """A keyword of some client libraries that turns verification off."""

    modules: tuple[str, ...]
    keywords: frozenset[str]
    insecure: tuple[Any, ...]
    insecure_names: frozenset[str]


@dataclass(frozen=True)
class VerifyKnowledge:
    switches: dict[str, tuple[Switch, ...]]
    client_modules: tuple[str, ...]
    http_methods: frozenset[str]
    client_words: frozenset[str]
    verify_attributes: frozenset[str]
    environment: dict[str, tuple[str, ...]]
    loopback: tuple[str, ...]
    # Switches grouped by their insecure values (for following helpers).
    groups: tuple[tuple[str, tuple[Switch, ...]], ...]
    insecure_literals: frozenset[Any]
    insecure_names: frozenset[str]
    partials: frozenset[str]
    option_methods: frozenset[str]
    option_modules: tuple[str, ...]
    insecure_options: dict[str, tuple[Any, ...]]
    # Words of a keyword that names a verification switch (`verify_tls`).
    named_verbs: frozenset[str] = frozenset()
    named_objects: frozenset[str] = frozenset()
    # Keywords that switch TLS verification on any library's client class
    # (`pysolr.Solr(url, verify=False)`), except in modules where they mean
    # something else (`jwt`).
    client_keywords: frozenset[str] = frozenset()
    not_tls_modules: tuple[str, ...] = ()
    not_tls_words: frozenset[str] = frozenset()
    # Lines of configuration text and command lines that turn checks off.
    insecure_texts: Optional[re.Pattern[str]] = None
    insecure_arguments: frozenset[str] = frozenset()
    tools: frozenset[str] = frozenset()
    # Words that invert a switch's name (`TLS_INSECURE`, `SKIP_SSL_VERIFY`).
    negations: frozenset[str] = frozenset()
    # Words of test and development files and classes, where such a default is expected.
    dev_words: frozenset[str] = frozenset()
    # Words of SIP and PBX settings, whose TLS checks weak-voip reports.
    telephony_words: frozenset[str] = frozenset()

    def names_setting(self, name: str) -> Optional[bool]:
        """The value that turns checks off for a setting named ``name``: False for
        `VERIFY_SSL`, True for `TLS_INSECURE`; None for other names."""
        words = set(words_of(name))
        if words.isdisjoint(self.named_objects):
            return None
        if not words.isdisjoint(self.negations):
            if "insecure" in words or not words.isdisjoint(self.named_verbs):
                return True
            return None
        return False if self.names_switch(name) else None

    # Methods whose first argument turns a check off (`tls_insecure_set(True)`).
    insecure_setters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    setter_modules: tuple[str, ...] = ()

    def names_switch(self, keyword: str) -> bool:
        """Whether ``keyword`` says it switches TLS verification (`verify_tls`,
        `validate_certs`), whatever library takes it."""
        words = set(words_of(keyword))
        return not words.isdisjoint(self.named_verbs) and not words.isdisjoint(self.named_objects)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> VerifyKnowledge:
        by_keyword: dict[str, list[Switch]] = {}
        client_modules: list[str] = []
        for entry in catalog.get("tls.verify-switches", []) or []:
            if not isinstance(entry, dict):
                continue
            switch = Switch(
                modules=tuple(str(m) for m in entry.get("modules", [])),
                keywords=frozenset(str(k) for k in entry.get("keywords", [])),
                insecure=(
                    *entry.get("insecure", []),
                    *((None,) if entry.get("insecure-none") else ()),
                ),
                insecure_names=frozenset(str(n) for n in entry.get("insecure-names", [])),
            )
            for key in switch.keywords:
                by_keyword.setdefault(key, []).append(switch)
            if False in switch.insecure and "*" not in switch.modules:
                client_modules.extend(switch.modules)
        environment = catalog.get("tls.insecure-environment", {}) or {}
        groups: dict[str, list[Switch]] = {}
        for switches in by_keyword.values():
            for switch in switches:
                key = repr((switch.insecure, sorted(switch.insecure_names)))
                if switch not in groups.setdefault(key, []):
                    groups[key].append(switch)
        return cls(
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
            switches={k: tuple(v) for k, v in by_keyword.items()},
            client_modules=tuple(dict.fromkeys(client_modules)),
            http_methods=frozenset(catalog.strings("tls.http-methods")),
            client_words=frozenset(catalog.strings("tls.http-client-words")),
            verify_attributes=frozenset(catalog.strings("tls.verify-attributes")),
            environment={
                str(k): tuple(str(v) for v in values)
                for k, values in environment.items()
                if isinstance(values, list)
            },
            groups=tuple((k, tuple(v)) for k, v in groups.items()),
            insecure_literals=frozenset(
                v
                for ss in by_keyword.values()
                for s in ss
                for v in s.insecure
                if isinstance(v, str)
            ),
            insecure_names=frozenset(
                n for ss in by_keyword.values() for s in ss for n in s.insecure_names
            ),
            partials=frozenset(catalog.strings("tls.partial-functions")),
            option_methods=frozenset(catalog.strings("tls.verify-options.methods")),
            option_modules=tuple(catalog.strings("tls.verify-options.modules")),
            insecure_options={
                str(k): tuple(v)
                for k, v in (catalog.get("tls.verify-options.insecure", {}) or {}).items()
                if isinstance(v, list)
            },
            named_verbs=frozenset(catalog.strings("tls.named-switches.verbs")),
            named_objects=frozenset(catalog.strings("tls.named-switches.objects")),
            client_keywords=frozenset(catalog.strings("tls.named-switches.client-keywords")),
            not_tls_modules=tuple(catalog.strings("tls.named-switches.not-tls-modules")),
            not_tls_words=frozenset(catalog.strings("tls.named-switches.not-tls-words")),
            negations=frozenset(catalog.strings("tls.named-switches.negations")),
            telephony_words=frozenset(catalog.strings("tls.named-switches.telephony-words")),
            insecure_texts=re.compile(
                "|".join(f"(?:{p})" for p in catalog.strings("tls.insecure-texts.lines")) or "(?!)",
                re.IGNORECASE | re.MULTILINE,
            ),
            insecure_arguments=frozenset(
                a.lower() for a in catalog.strings("tls.insecure-texts.arguments")
            ),
            tools=frozenset(catalog.strings("tls.insecure-texts.tools")),
            dev_words=frozenset(
                catalog.strings("tls.settings.context.dev-words")
                + catalog.strings("tls.settings.context.dev-path-words")
            ),
            insecure_setters={
                str(k): tuple(v)
                for k, v in (catalog.get("tls.insecure-setters.methods", {}) or {}).items()
                if isinstance(v, list)
            },
            setter_modules=tuple(catalog.strings("tls.insecure-setters.modules")),
        )


# The insecure value of a switch known only by its name.
_FALSE = Switch(modules=("*",), keywords=frozenset(), insecure=(False,), insecure_names=frozenset())


def is_insecure(ctx: Any, expr: cst.BaseExpression, switch: Switch) -> bool:
    """Whether ``expr`` (after following names) is one of the switch's insecure values,
    or an environment lookup that falls back to one; a conditional
    (``False if insecure else CA_BUNDLE``) when one of its branches is."""
    if type(expr) is cst.IfExp:
        return is_insecure(ctx, expr.body, switch) or is_insecure(ctx, expr.orelse, switch)
    value = value_of(ctx, expr)
    if value is NOT_LITERAL:
        fallback = env_default(ctx, resolve(ctx, expr))
        if fallback is not None:
            value = value_of(ctx, fallback)
    if value is not NOT_LITERAL:
        return any(type(value) is type(v) and value == v for v in switch.insecure)
    if type(expr) is cst.Dict or isinstance(resolve(ctx, expr), cst.Dict):
        found = resolve(ctx, expr)
        assert type(found) is cst.Dict
        for element in found.elements:
            if type(element) is cst.DictElement:
                name = constant_name(ctx, element.value)
                if name is not None and name in switch.insecure_names:
                    return True
        return False
    name = constant_name(ctx, expr)
    return name is not None and name in switch.insecure_names


def _named_like_client(knowledge: VerifyKnowledge, receiver: cst.BaseExpression) -> bool:
    name = dotted_name(receiver)
    if name is None:
        return False
    words = words_of(name.rsplit(".", 1)[-1])
    return bool(words) and words[-1] in knowledge.client_words


class TlsVerifyDisabled(Rule):
    """
    ## What it does
    Flags HTTP and API clients told not to verify certificates: `verify=False` on
    `requests` and `httpx` calls and on the methods of `Session`, `Client` and
    `AsyncClient` objects however they were created or aliased, `ssl=False` for
    `aiohttp`, `cert_reqs="CERT_NONE"` (or its value `0`) for `urllib3` pools, `session.verify = False`,
    Tornado's `validate_cert=False`, the same switches of other client libraries
    listed in the catalog, helpers whose `verify` parameter defaults to `False`,
    wrapper classes whose constructor argument ends up as the switch
    (`ApiSession(url, verify_tls=False)` with `self.verify = verify_tls`), a
    keyword that says it verifies TLS set to `False` on a client imported from
    elsewhere (`make_pool(url, validate_certs=False)`), a switch a flag can turn off
    (`verify=False if insecure else CA_BUNDLE`), `check_hostname: False` in any
    options dict, option setters such as `curl.setopt(pycurl.SSL_VERIFYPEER, 0)`,
    `ldap.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_NEVER)` and paho-mqtt's
    `tls_insecure_set(True)`, and emptying `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE`.
    `verify=False` counts on the client class of any library (`pysolr.Solr(url,
    verify=False)`) except token and signature checks (`jwt`). A module constant or
    settings-class field named for TLS verification whose default turns it off
    (`VERIFY_SSL = False`, `verify_partner_tls: bool = False`, `TLS_INSECURE = True`,
    also as the fallback of an environment or configuration lookup such as Starlette's
    `config("VERIFY_SSL", cast=bool, default=False)`) is flagged where it is set, unless a switch it reaches in the file is flagged.
    Configuration text and command lines written from Python count too: a broker
    configuration with `bridge_insecure true`, a kubeconfig with
    `insecure-skip-tls-verify: true`, `curl --insecure` or `wget --no-check-certificate`.

    ## Why is this bad?
    Without certificate checks anyone on the network path can impersonate the
    server, then read or change the traffic, including the personal data and the
    credentials it carries.

    ## How to fix
    Remove the switch. For a private certificate authority pass its bundle:
    `verify="/etc/ssl/certs/internal-ca.pem"`.
    """

    id = "PV501"
    name = "tls-verify-disabled"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 295
    title = "TLS certificate verification disabled"
    message = "`{func}` disables TLS certificate verification (`{setting}`)"
    precision = "very-high"
    triggers = (
        (
            "verify",
            "ssl",
            "cert_reqs",
            "CA_BUNDLE",
            "HTTPSVERIFY",
            "tls",
            "hostname",
            "insecure",
            "check-certificate",
            "reqcert",
        ),
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge = VerifyKnowledge.from_catalog(catalog)
        words = {*cls.triggers[0], *knowledge.environment, *knowledge.verify_attributes}
        for keyword, switches in knowledge.switches.items():
            values = [v for s in switches for v in s.insecure]
            if values and all(isinstance(v, str) for v in values):
                # Off only with a named value (`validate=ssl.CERT_NONE`): the file
                # writes that value, and `validate` alone is any validator's word.
                words.update(values)
                words.update(n for s in switches for n in s.insecure_names)
            else:
                words.add(keyword)
        # A keyword or setting named for the check (`validate_certs`, `VERIFY_SSL`)
        # has a word of its object.
        words.update(f"name:{o}" for o in knowledge.named_objects)
        return (tuple(sorted(words)),)

    INVALID = (
        'import requests\nrequests.get("https://api.example.com", verify=False)',
        'import httpx as h\nwith h.Client(verify=False) as client:\n    client.get("https://api.example.com")',
        'from requests import Session\ns = Session()\ns.post("https://api.example.com", json={}, verify=False)',
        "import requests\nsession = requests.Session()\nsession.verify = False",
        'import urllib3\npool = urllib3.PoolManager(cert_reqs="CERT_NONE")',
        "import aiohttp\nasync def f(url):\n    async with aiohttp.ClientSession() as s:\n        await s.get(url, ssl=False)",
    )
    VALID = (
        'import requests\nrequests.get("https://api.example.com", verify="/etc/ssl/certs/ca.pem")',
        'import requests\nrequests.get("https://api.example.com", verify=True)',
        "import jwt\njwt.decode(token, verify=False)",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return VerifyKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # Module and class settings that default to no verification, reported at the
        # end unless a switch they reach was reported (`verify=VERIFY_SSL`).
        self._settings: list[tuple[str, cst.CSTNode, str]] = []
        self._reported_names: set[str] = set()
        self._spread_memo: dict[tuple[int, int], bool] = {}
        self._constructor_memo: dict[int, dict[int, tuple[Switch, ...]]] = {}
        # Keyword arguments reported: the options dict they hold is not reported again.
        self._reported_args: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: VerifyKnowledge = self.compiled
        qualified = self.ctx.qualname(node.func)
        if qualified in knowledge.partials and node.args and node.args[0].keyword is None:
            # `functools.partial(requests.get, verify=False)`: the call it prepares.
            target = node.args[0].value
            node = node.with_changes(func=target, args=node.args[1:])
            qualified = self.ctx.qualname(target)
        self._option_setter(node)
        for arg in node.args:
            if arg.star == "**":
                self._spread(node, qualified, arg)
                continue
            if arg.keyword is None:
                continue
            for switch in knowledge.switches.get(arg.keyword.value, ()):
                if not self._applies(node, qualified, switch) or not is_insecure(
                    self.ctx, arg.value, switch
                ):
                    continue
                if self._to_loopback(node):
                    return
                self._reported_args.add(id(arg))
                self.report(
                    arg,
                    func=self.ctx.code(node.func, 40),
                    setting=arg_code(self.ctx, arg),
                )
                break
            else:
                if not self.ctx.is_local(qualified) and self._named_switch_off(
                    node, qualified, arg
                ):
                    self.report(
                        arg,
                        func=self.ctx.code(node.func, 40),
                        setting=arg_code(self.ctx, arg),
                    )
        self._environment_call(node, qualified)
        if self.ctx.is_local(qualified):
            assert qualified is not None
            if not self._constructor(node, qualified):
                self._helper(node)

    def _named_switch_off(self, node: cst.Call, qualified: Optional[str], arg: cst.Arg) -> bool:
        """``ApiSession(url, verify_tls=False)``: a keyword that says it verifies TLS,
        set to ``False``, on a call no switch of the catalog covers; ``verify=False``
        on a call named for a client (``PartnerClient(...)``, ``make_client(...)``) or
        on the constructor of a library's class (``pysolr.Solr(url, verify=False)``)."""
        knowledge: VerifyKnowledge = self.compiled
        assert arg.keyword is not None
        keyword = arg.keyword.value
        if keyword in knowledge.switches:
            # `PartnerClient(url, verify=False)`, `make_session(verify=False)`: the
            # libraries' own switch, handed to a client class or factory of the project,
            # or to a client class of a library the catalog does not list.
            if keyword not in knowledge.client_keywords or not (
                _named_like_client(knowledge, node.func) or self._library_class(qualified)
            ):
                return False
        elif not knowledge.names_switch(keyword):
            return False
        return is_insecure(self.ctx, arg.value, _FALSE) and not self._to_loopback(node)

    def _library_class(self, qualified: Optional[str]) -> bool:
        """Whether ``qualified`` names a class of an imported library in which
        ``verify`` means TLS verification (``pysolr.Solr``; not ``jwt.PyJWT``)."""
        knowledge: VerifyKnowledge = self.compiled
        if qualified is None or matches_module(qualified, knowledge.not_tls_modules):
            return False
        tail = qualified.rsplit(".", 1)[-1]
        return (
            "." in qualified
            and tail[:1].isupper()
            and not tail.isupper()
            and knowledge.not_tls_words.isdisjoint(words_of(tail))
        )

    def _spread(self, node: cst.Call, qualified: Optional[str], arg: cst.Arg) -> None:
        """``requests.get(url, **OPTIONS)`` with ``OPTIONS = {"verify": False}``."""
        knowledge: VerifyKnowledge = self.compiled
        mapping = resolve(self.ctx, arg.value)
        items: list[tuple[Any, cst.BaseExpression]] = []
        if type(mapping) is cst.Dict:
            items = [
                (literal(e.key), e.value) for e in mapping.elements if type(e) is cst.DictElement
            ]
        elif type(mapping) is cst.Call and last_name(mapping.func) == "dict":
            items = [(a.keyword.value, a.value) for a in mapping.args if a.keyword is not None]
        for key, value in items:
            if not isinstance(key, str):
                continue
            for switch in knowledge.switches.get(key, ()):
                if (
                    "*" not in switch.modules
                    and self._applies(node, qualified, switch)
                    and is_insecure(self.ctx, value, switch)
                    and not self._to_loopback(node)
                ):
                    self.report(
                        arg,
                        func=self.ctx.code(node.func, 40),
                        setting=f"{self.ctx.code(arg.value, 30)}[{key!r}] = "
                        f"{self.ctx.code(value, 20)}",
                    )
                    return

    def _option_setter(self, node: cst.Call) -> None:
        """``curl.setopt(pycurl.SSL_VERIFYPEER, 0)``, ``client.tls_insecure_set(True)``."""
        knowledge: VerifyKnowledge = self.compiled
        func = node.func
        if (
            type(func) is cst.Attribute
            and func.attr.value in knowledge.insecure_setters
            and imports_any(self.ctx, knowledge.setter_modules)
        ):
            first = positional(node, 0)
            found = value_of(self.ctx, first.value) if first is not None else NOT_LITERAL
            if any(
                type(found) is type(v) and found == v
                for v in knowledge.insecure_setters[func.attr.value]
            ):
                assert first is not None
                self.report(
                    node,
                    func=self.ctx.code(func, 40),
                    setting=self.ctx.code(first.value, 20),
                )
            return
        if (
            type(func) is not cst.Attribute
            or func.attr.value not in knowledge.option_methods
            or not imports_any(self.ctx, knowledge.option_modules)
        ):
            return
        option, value = positional(node, 0), positional(node, 1)
        if option is None or value is None:
            return
        name = constant_name(self.ctx, option.value)
        insecure = knowledge.insecure_options.get(name or "")
        if insecure is None:
            return
        found = value_of(self.ctx, value.value)
        if found is NOT_LITERAL:
            found = constant_name(self.ctx, value.value)
        if any(type(found) is type(v) and found == v for v in insecure):
            self.report(
                node,
                func=self.ctx.code(func, 40),
                setting=f"{name} = {self.ctx.code(value.value, 20)}",
            )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        """Options dicts (`ssl_options={"cert_reqs": ssl.CERT_NONE}`): only switches that
        mean the same in every library."""
        knowledge: VerifyKnowledge = self.compiled
        key = literal(node.key)
        if not isinstance(key, str):
            return
        if any(id(n) in self._reported_args for n in self.ctx.stack):
            # `sslopt={"cert_reqs": ssl.CERT_NONE}`: reported with its keyword.
            return
        for switch in knowledge.switches.get(key, ()):
            if "*" in switch.modules and is_insecure(self.ctx, node.value, switch):
                self.report(
                    node,
                    "options dict sets `{key}` to `{value}`: {what}",
                    key=key,
                    value=self.ctx.code(node.value, 30),
                    what="the certificate's host name is not checked"
                    if "hostname" in key.lower()
                    else "certificates are not verified",
                )
                return

    # Configuration text and command lines written from Python.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if type(self.ctx.parent) is not cst.Expr:
            # Not a docstring.
            value = literal(node)
            if isinstance(value, str):
                self._text(node, value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        parent = self.ctx.parent
        self._text(parent if parent is not None else node, node.value)

    def _text(self, node: cst.CSTNode, text: str) -> None:
        """``"bridge_insecure true"`` in a rendered broker configuration,
        ``["curl", "--insecure", url]``: text that turns certificate checks off."""
        knowledge: VerifyKnowledge = self.compiled
        if text.strip().lower() in knowledge.insecure_arguments and self._tool_argument():
            self.report(
                node,
                "command-line option `{option}` turns TLS certificate verification off",
                option=text.strip(),
            )
            return
        found = knowledge.insecure_texts.search(text) if knowledge.insecure_texts else None
        if found is not None:
            self.report(
                node,
                "`{line}` in this configuration or command text turns TLS certificate "
                "verification off",
                line=found.group(0).strip()[:60],
            )

    def _tool_argument(self) -> bool:
        """Whether the current string is an element of an argument list that runs one
        of the catalog's TLS clients (``["curl", "--insecure", url]``), not an option
        a program defines for itself (``add_argument("--insecure")``)."""
        knowledge: VerifyKnowledge = self.compiled
        stack = self.ctx.stack
        if len(stack) < 3 or not isinstance(stack[-3], (cst.List, cst.Tuple)):
            return False
        for element in stack[-3].elements:  # type: ignore[attr-defined]
            value = literal(element.value)
            if isinstance(value, str) and value.rsplit("/", 1)[-1] in knowledge.tools:
                return True
        return False

    def report(
        self,
        node: cst.CSTNode,
        message: Optional[str] = None,
        *,
        severity: Optional[Severity] = None,
        categories: Sequence[str] = (),
        **fields: Any,
    ) -> None:
        if type(node) is cst.Arg and type(node.value) is cst.Name:
            # `verify=VERIFY_SSL`: the setting is reported with the switch it reaches.
            self._reported_names.add(node.value.value)
        super().report(node, message, severity=severity, categories=categories, **fields)

    # Settings whose default turns verification off.

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._setting(node, node.target, node.value)

    def _setting(
        self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression
    ) -> None:
        """``VERIFY_SSL = False`` at module level, ``verify_partner_tls: bool = False``
        in a settings class: a setting named for TLS verification whose default turns
        it off."""
        if type(target) is not cst.Name or any(
            type(n) in (cst.FunctionDef, cst.Lambda) for n in self.ctx.stack
        ):
            return
        knowledge: VerifyKnowledge = self.compiled
        off = knowledge.names_setting(target.value)
        if off is not None:
            telephony = self._telephony(target.value)
        elif self._service_verify(target.value):
            # The group names the service: a settings class may hold a PBX's too.
            off = False
            telephony = not knowledge.telephony_words.isdisjoint(words_of(target.value))
        else:
            return
        if telephony or self._development():
            return
        if type(value) is cst.Call and last_name(value.func) in ("Field", "field", "attrib", "ib"):
            # `verify_tls: bool = Field(False, ...)`
            default = argument(value, 0, "default")
            if default is None:
                return
            value = default.value
        switch = Switch(
            modules=("*",), keywords=frozenset(), insecure=(off,), insecure_names=frozenset()
        )
        if is_insecure(self.ctx, value, switch):
            self._settings.append((target.value, node, self.ctx.code(value, 30)))

    def _service_verify(self, name: str) -> bool:
        """`open_banking_verify: bool` beside `open_banking_url = "https://..."`: the
        `verify` switch of the client of the HTTPS service named like it (a setting
        of the same group: the same name without its last word)."""
        knowledge: VerifyKnowledge = self.compiled
        words = words_of(name)
        if len(words) < 2 or words[-1] not in knowledge.named_verbs:
            return False
        cls = enclosing_class(self.ctx)
        if cls is not None:
            body: Sequence[cst.BaseStatement] = (
                cls.body.body if type(cls.body) is cst.IndentedBlock else ()
            )
        else:
            body = self.ctx.module.body
        for small in small_statements(body):
            if type(small) is cst.AnnAssign and small.value is not None:
                targets: Sequence[cst.BaseExpression] = (small.target,)
            elif type(small) is cst.Assign:
                targets = tuple(t.target for t in small.targets)
            else:
                continue
            for other in targets:
                if type(other) is not cst.Name or words_of(other.value)[:-1] != words[:-1]:
                    continue
                text = text_of(self.ctx, small.value) if small.value is not None else None
                if isinstance(text, str) and text.lower().startswith("https://"):
                    return True
        return False

    def _telephony(self, name: str) -> bool:
        """A SIP trunk's or PBX link's setting (`SIP_TLS_VERIFY`, a field of
        `SipTrunk`, or of a class with an `esl_host` field): weak-voip's finding."""
        knowledge: VerifyKnowledge = self.compiled
        names = [name]
        cls = enclosing_class(self.ctx)
        if cls is not None:
            names.append(cls.name.value)
            body = cls.body.body if type(cls.body) is cst.IndentedBlock else ()
            for small in small_statements(body):
                if type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                    names.append(small.target.value)
                elif type(small) is cst.Assign:
                    names.extend(
                        t.target.value for t in small.targets if type(t.target) is cst.Name
                    )
        return any(not knowledge.telephony_words.isdisjoint(words_of(n)) for n in names)

    def _development(self) -> bool:
        """In a test or development file, or a class such as `TestingConfig`."""
        knowledge: VerifyKnowledge = self.compiled
        names = [n.name.value for n in self.ctx.stack if type(n) is cst.ClassDef]
        parts = self.ctx.path.replace("\\", "/").split("/")[-3:]
        parts[-1] = parts[-1].rsplit(".", 1)[0]
        return any(not knowledge.dev_words.isdisjoint(words_of(n)) for n in names + parts)

    def finish(self) -> None:
        for name, node, value in self._settings:
            if name not in self._reported_names:
                self.ctx.report(
                    self,
                    node,
                    f"setting `{name}` defaults to `{value}`: TLS certificates are not "
                    "verified unless it is changed",
                    self.severity,
                    (),
                )

    def _to_loopback(self, node: cst.Call) -> bool:
        """A request to this very machine (a local dev server, a health check)."""
        knowledge: VerifyKnowledge = self.compiled
        url = argument(node, 0, "url")
        if url is not None and literal(url.value) in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            url = argument(node, 1, "url")
        text = text_of(self.ctx, url.value) if url is not None else None
        return (
            text is not None and "://" in text and is_loopback(url_host(text), knowledge.loopback)
        )

    def _applies(self, node: cst.Call, qualified: Optional[str], switch: Switch) -> bool:
        if "*" in switch.modules or matches_module(qualified, switch.modules):
            return True
        knowledge: VerifyKnowledge = self.compiled
        func = node.func
        # An object of unknown type, named like an HTTP client, called like one.
        return (
            (qualified is None or self.ctx.is_local(qualified))
            and type(func) is cst.Attribute
            and func.attr.value in knowledge.http_methods
            and _named_like_client(knowledge, func.value)
            and not self.ctx.is_local(self.ctx.qualname(resolve(self.ctx, func.value)))
        )

    def _helper(self, node: cst.Call) -> None:
        """A helper of this module that passes its parameter on as a verify switch."""
        knowledge: VerifyKnowledge = self.compiled
        candidates = [a.value for a in node.args if self._suspicious(a.value)]
        if not candidates:
            return
        if self._through_kwargs(node):
            return
        for key, group in knowledge.groups:
            # Only a call that passes an insecure value is worth following.
            if not any(is_insecure(self.ctx, v, switch) for v in candidates for switch in group):
                continue

            def sink_values(
                call: cst.Call, group: tuple[Switch, ...] = group
            ) -> Sequence[cst.BaseExpression]:
                qualified = qualname(self.ctx, call.func)
                return [
                    arg.value
                    for arg in call.args
                    if arg.keyword is not None
                    and any(
                        arg.keyword.value in s.keywords and self._applies(call, qualified, s)
                        for s in group
                    )
                ]

            for _, arg in forwarded_arguments(self.ctx, node, sink_values, "tls-verify" + key):
                if any(is_insecure(self.ctx, arg, switch) for switch in group):
                    self.report(
                        arg,
                        "`{func}` passes `{value}` on as a TLS verification switch: "
                        "certificates are not checked",
                        func=self.ctx.code(node.func, 40),
                        value=self.ctx.code(arg, 30),
                    )
                    return

    # Wrapper classes whose constructor hands a parameter on as a verify switch:
    # `self.verify = verify_tls` in a `requests.Session` subclass,
    # `super().__init__(verify=verify)`, `self.client = httpx.Client(verify=verify)`.

    def _constructor(self, node: cst.Call, qualified: str) -> bool:
        """Report a construction of a local wrapper class that switches verification
        off through its constructor; whether it was one."""
        name = qualified.split(".", 1)[1]
        if name.endswith("()") or "." in name:
            return False
        cls = class_named(self.ctx, name)
        init = method_of(cls, "__init__") if cls is not None else None
        if cls is None or init is None:
            return False
        reach = self._constructor_switches(cls, init)
        if not reach:
            return False
        params = Flow.parameters(init, bound_method=True)
        for index, switches in sorted(reach.items()):
            arg = argument(node, index, params[index]) if index < len(params) else None
            if arg is None or arg.star:
                continue
            if any(is_insecure(self.ctx, arg.value, s) for s in switches):
                self.report(
                    arg,
                    "`{func}` passes `{value}` on as a TLS verification switch: "
                    "certificates are not checked",
                    func=name,
                    value=arg_code(self.ctx, arg),
                )
                return True
        return False

    def _constructor_switches(
        self, cls: cst.ClassDef, init: cst.FunctionDef
    ) -> dict[int, tuple[Switch, ...]]:
        """Constructor parameters (index without `self`) that end up as a verify
        switch, with the switches they set."""
        memo = self._constructor_memo.get(id(init))
        if memo is not None:
            return memo
        knowledge: VerifyKnowledge = self.compiled
        base = library_base(self.ctx, cls)
        params = Flow.parameters(init, bound_method=True)
        found: dict[int, set[Switch]] = {}
        self.ctx.imports.push_class(cls.name.value)
        try:
            body = init.body.body if type(init.body) is cst.IndentedBlock else ()
            for small in small_statements(body):
                if type(small) is not cst.Assign or type(small.value) is not cst.Name:
                    continue
                if small.value.value not in params:
                    continue
                for target in small.targets:
                    expr = target.target
                    if (
                        type(expr) is not cst.Attribute
                        or expr.attr.value not in knowledge.verify_attributes
                    ):
                        continue
                    is_self = type(expr.value) is cst.Name and expr.value.value == "self"
                    owner = base if is_self else self.ctx.qualname(expr.value)
                    if not matches_module(owner, knowledge.client_modules):
                        continue
                    switches = [
                        s
                        for s in knowledge.switches.get(expr.attr.value, ())
                        if matches_module(owner, s.modules)
                    ]
                    found.setdefault(params.index(small.value.value), set()).update(switches)
        finally:
            self.ctx.imports.pop_class()
        for key, group in knowledge.groups:

            def sink_values(
                call: cst.Call, group: tuple[Switch, ...] = group
            ) -> Sequence[cst.BaseExpression]:
                qualified = base if is_super_init(call.func) else self.ctx.qualname(call.func)
                if qualified is None:
                    return []
                return [
                    arg.value
                    for arg in call.args
                    if arg.keyword is not None
                    and any(
                        arg.keyword.value in s.keywords and self._applies(call, qualified, s)
                        for s in group
                    )
                ]

            for index in self.ctx.flow.reaching_params(init, sink_values, "tls-verify-init" + key):
                if 0 <= index < len(params):
                    found.setdefault(index, set()).update(group)
        result = {index: tuple(switches) for index, switches in found.items()}
        self._constructor_memo[id(init)] = result
        return result

    def _through_kwargs(self, node: cst.Call) -> bool:
        """``request(url, verify=False)`` where the helper hands its ``**kwargs`` on to
        an HTTP client call."""
        knowledge: VerifyKnowledge = self.compiled
        definition = local_definition(self.ctx, node.func)
        if definition is None or type(definition.params.star_kwarg) is not cst.Param:
            return False
        params = definition.params
        named = {
            p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        }
        spread = definition.params.star_kwarg.name.value
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value in named:
                continue
            for switch in knowledge.switches.get(arg.keyword.value, ()):
                if is_insecure(self.ctx, arg.value, switch) and self._spreads(
                    definition, spread, switch
                ):
                    self.report(
                        arg,
                        func=self.ctx.code(node.func, 40),
                        setting=arg_code(self.ctx, arg),
                    )
                    return True
        return False

    def _spreads(self, definition: cst.FunctionDef, name: str, switch: Switch) -> bool:
        key = (id(definition), id(switch))
        found = self._spread_memo.get(key)
        if found is None:
            found = any(
                any(
                    a.star == "**" and type(a.value) is cst.Name and a.value.value == name
                    for a in call.args
                )
                and self._applies(call, self.ctx.qualname(call.func), switch)
                for call in iter_nodes(definition.body, cst.Call)
                if type(call) is cst.Call
            )
            self._spread_memo[key] = found
        return found

    def _suspicious(self, expr: cst.BaseExpression) -> bool:
        """A cheap test before looking into a helper: an insecure-looking literal, an
        insecure constant, or a module constant (`VERIFY_TLS`)."""
        knowledge: VerifyKnowledge = self.compiled
        value = literal(expr)
        if value is not NOT_LITERAL:
            return isinstance(value, bool) or value in knowledge.insecure_literals
        name = last_name(expr)
        if name is None:
            return False
        return name in knowledge.insecure_names or (type(expr) is cst.Name and name.isupper())

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: VerifyKnowledge = self.compiled
        for target in node.targets:
            expr = target.target
            if type(expr) is cst.Attribute and expr.attr.value in knowledge.verify_attributes:
                if value_of(self.ctx, node.value) is not False:
                    continue
                receiver = self.ctx.qualname(expr.value)
                shown = self.ctx.code(expr.value, 40)
                cls = enclosing_class(self.ctx)
                if receiver is None and shown == "self" and cls is not None:
                    # A method of a client subclass (`class Api(requests.Session)`).
                    receiver = library_base(self.ctx, cls)
                    shown = cls.name.value
                if matches_module(receiver, knowledge.client_modules) or (
                    receiver is None and _named_like_client(knowledge, expr.value)
                ):
                    self.report(
                        node,
                        func=shown,
                        setting=f"{expr.attr.value} = False",
                    )
            elif type(expr) is cst.Subscript:
                self._environment_item(node, expr)
            elif len(node.targets) == 1:
                self._setting(node, expr, node.value)

    # Environment variables that make requests (or urllib) skip verification.

    def _environment_item(self, node: cst.Assign, target: cst.Subscript) -> None:
        if self.ctx.qualname(target.value) != "os.environ" or len(target.slice) != 1:
            return
        element = target.slice[0].slice
        if type(element) is cst.Index:
            self._environment(node, element.value, node.value)

    def _environment_call(self, node: cst.Call, qualified: Optional[str]) -> None:
        if qualified in ("os.environ.setdefault", "os.putenv"):
            name, value = positional(node, 0), positional(node, 1)
            if name is not None and value is not None:
                self._environment(node, name.value, value.value)
        elif qualified == "os.environ.update":
            for arg in node.args:
                if arg.keyword is not None:
                    self._environment(node, arg.keyword, arg.value)
                elif type(arg.value) is cst.Dict:
                    for element in arg.value.elements:
                        if type(element) is cst.DictElement:
                            self._environment(node, element.key, element.value)

    def _environment(
        self, node: cst.CSTNode, name_expr: cst.BaseExpression, value_expr: cst.BaseExpression
    ) -> None:
        knowledge: VerifyKnowledge = self.compiled
        if type(name_expr) is cst.Name:
            name: Any = name_expr.value
        else:
            name = value_of(self.ctx, name_expr)
        if not isinstance(name, str) or name not in knowledge.environment:
            return
        value = value_of(self.ctx, value_expr)
        if isinstance(value, str) and value in knowledge.environment[name]:
            self.report(
                node,
                "setting `{name}` to {value!r} switches off certificate verification for every "
                "HTTPS request of the process",
                name=name,
                value=value,
            )


@dataclass(frozen=True)
class ContextKnowledge:
    factories: frozenset[str]
    switches: dict[str, tuple[Any, ...]]
    methods: dict[str, tuple[str, ...]]
    context_keywords: frozenset[str]
    wrapping_methods: frozenset[str]


class UnverifiedSslContext(Rule):
    """
    ## What it does
    Flags SSL contexts that accept any certificate: `ssl._create_unverified_context()`,
    installing one as the default for `urllib`
    (`ssl._create_default_https_context = ...`), `context.verify_mode = ssl.CERT_NONE`,
    `context.check_hostname = False` and pyOpenSSL's `set_verify(VERIFY_NONE, ...)`.
    A context weakened in a helper that returns it is reported where it is weakened
    and again where the file hands it to a client
    (`poplib.POP3_SSL(host, context=quick_context())`): the first is what to fix, the
    second the connection that can be intercepted.

    ## Why is this bad?
    The context accepts any certificate for any host, so the connection can be
    intercepted without a warning, and everything sent over it read.

    ## How to fix
    Use `ssl.create_default_context()`, adding `cafile=` for a private authority. Keep
    `check_hostname` on and `verify_mode` at `CERT_REQUIRED`.
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
        (
            "_create_unverified_context",
            "_create_default_https_context",
            "_create_stdlib_context",
            "verify_mode",
            "check_hostname",
            "set_verify",
        ),
    )
    INVALID = (
        "import ssl\nctx = ssl._create_unverified_context()",
        "import ssl\nssl._create_default_https_context = ssl._create_unverified_context",
        "import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE",
        "import poplib, ssl\ndef lax():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False\n    ctx.verify_mode = ssl.CERT_NONE\n    return ctx\nbox = poplib.POP3_SSL(HOST, context=lax())",
    )
    VALID = (
        "import ssl\nctx = ssl.create_default_context()",
        "import ssl\nctx = ssl.create_default_context()\nctx.verify_mode = ssl.CERT_REQUIRED",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        switches = catalog.get("tls.context-switches", {}) or {}
        methods = catalog.get("tls.context-methods", {}) or {}
        return ContextKnowledge(
            factories=frozenset(catalog.strings("tls.unverified-context")),
            switches={str(k): tuple(v) for k, v in switches.items() if isinstance(v, list)},
            methods={str(k): tuple(map(str, v)) for k, v in methods.items() if isinstance(v, list)},
            context_keywords=frozenset(catalog.strings("tls.context-keywords")),
            wrapping_methods=frozenset(catalog.strings("tls.context-wrapping-methods")),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # Helpers (by id) -> what weakens the context they return, or None.
        self._helpers: dict[int, Optional[str]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: ContextKnowledge = self.compiled
        qualified = self.ctx.qualname(node.func)
        if qualified in knowledge.factories:
            self.report(node, func=qualified)
            return
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in knowledge.methods:
            mode = positional(node, 0) or argument(node, None, "mode")
            name = constant_name(self.ctx, mode.value) if mode is not None else None
            if name in knowledge.methods[func.attr.value]:
                self.report(
                    node,
                    "`{call}` turns peer certificate verification off",
                    call=self.ctx.code(node, 50),
                )
                return
        self._use(node)

    # Contexts made by a helper of this file and handed to a client.

    def _use(self, node: cst.Call) -> None:
        knowledge: ContextKnowledge = self.compiled
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in knowledge.wrapping_methods:
            # `quick_context().wrap_socket(sock)`
            helper = self._unverified_helper(func.value)
            if helper is not None:
                self._report_use(node, func.value, helper)
            return
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in knowledge.context_keywords:
                continue
            helper = self._unverified_helper(arg.value)
            if helper is not None:
                self._report_use(arg, arg.value, helper)
                return

    def _report_use(
        self, node: cst.CSTNode, value: cst.BaseExpression, helper: tuple[cst.FunctionDef, str]
    ) -> None:
        definition, how = helper
        shown = self.ctx.code(value, 30)
        made = f"`{definition.name.value}()`"
        self.report(
            node,
            "the SSL context {context} accepts any certificate (`{how}`): the connection can "
            "be intercepted",
            context=f"from {made}" if shown == made.strip("`") else f"`{shown}` (from {made})",
            how=how,
        )

    def _unverified_helper(self, expr: cst.BaseExpression) -> Optional[tuple[cst.FunctionDef, str]]:
        """The local helper whose unverified context ``expr`` holds, and how it is
        weakened."""
        value = resolve(self.ctx, expr)
        if type(value) is cst.Await:
            value = value.expression
        if type(value) is not cst.Call:
            return None
        definition = local_definition(self.ctx, value.func)
        if definition is None:
            return None
        key = id(definition)
        if key not in self._helpers:
            self._helpers[key] = self._weakened_return(definition)
        how = self._helpers[key]
        return (definition, how) if how is not None else None

    def _weakened_return(self, definition: cst.FunctionDef) -> Optional[str]:
        """How the context a function returns is weakened, if it is."""
        knowledge: ContextKnowledge = self.compiled
        body = definition.body.body if type(definition.body) is cst.IndentedBlock else ()
        weakened: dict[str, str] = {}
        returned: list[cst.BaseExpression] = []
        for small in small_statements(body):
            if type(small) is cst.Return and small.value is not None:
                returned.append(small.value)
            elif type(small) is cst.Assign:
                value = small.value
                for target in small.targets:
                    expr = target.target
                    if type(expr) is cst.Name and type(value) is cst.Call:
                        factory = self.ctx.qualname(value.func)
                        if factory in knowledge.factories:
                            weakened[expr.value] = f"{factory}()"
                    elif (
                        type(expr) is cst.Attribute
                        and type(expr.value) is cst.Name
                        and expr.attr.value in knowledge.switches
                        and self._insecure(value, knowledge.switches[expr.attr.value])
                    ):
                        weakened.setdefault(
                            expr.value.value,
                            f"{expr.attr.value} = {self.ctx.code(value, 30)}",
                        )
            elif (
                type(small) is cst.Expr
                and type(small.value) is cst.Call
                and type(small.value.func) is cst.Attribute
                and type(small.value.func.value) is cst.Name
                and small.value.func.attr.value in knowledge.methods
            ):
                call = small.value
                mode = positional(call, 0) or argument(call, None, "mode")
                name = constant_name(self.ctx, mode.value) if mode is not None else None
                assert type(call.func) is cst.Attribute
                if name in knowledge.methods[call.func.attr.value]:
                    assert type(call.func.value) is cst.Name
                    weakened.setdefault(call.func.value.value, self.ctx.code(call, 40))
        for value in returned:
            if type(value) is cst.Name and value.value in weakened:
                return weakened[value.value]
            if type(value) is cst.Call:
                factory = self.ctx.qualname(value.func)
                if factory in knowledge.factories:
                    return f"{factory}()"
        return None

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: ContextKnowledge = self.compiled
        for target in node.targets:
            expr = target.target
            if self.ctx.qualname(expr) == "ssl._create_default_https_context" or (
                type(expr) is cst.Attribute
                and expr.attr.value == "_create_default_https_context"
                and self.ctx.qualname(expr.value) == "ssl"
            ):
                self.report(
                    node,
                    "`ssl._create_default_https_context` is replaced: every urllib "
                    "connection of the process stops verifying certificates",
                )
            elif (
                type(expr) is cst.Attribute
                and expr.attr.value in knowledge.switches
                and not (type(expr.value) is cst.Name and expr.value.value in ("self", "cls"))
            ):
                # `self.verify_mode = ...` belongs to a context class's own code.
                self._switch(node, expr, knowledge.switches[expr.attr.value])

    def _insecure(self, expr: cst.BaseExpression, insecure: tuple[Any, ...]) -> bool:
        value = value_of(self.ctx, expr)
        if value is NOT_LITERAL:
            name = constant_name(self.ctx, expr)
            return name is not None and name in insecure
        return any(type(value) is type(v) and value == v for v in insecure)

    def _switch(self, node: cst.Assign, target: cst.Attribute, insecure: tuple[Any, ...]) -> None:
        if not self._insecure(node.value, insecure):
            return
        what = (
            "no longer checks that the certificate names the host"
            if target.attr.value == "check_hostname"
            else "accepts any certificate"
        )
        self.report(
            node,
            "`{target} = {value}`: the SSL context {what}",
            target=self.ctx.code(target, 40),
            value=self.ctx.code(node.value, 30),
            what=what,
        )


@dataclass(frozen=True)
class WarningKnowledge:
    silencers: frozenset[str]
    filters: frozenset[str]
    classes: frozenset[str]
    messages: tuple[str, ...]


class TlsWarningsSilenced(Rule):
    """
    ## What it does
    Flags code that silences the warnings about unverified HTTPS requests:
    `urllib3.disable_warnings()` (with no argument or with `InsecureRequestWarning`)
    and `warnings.filterwarnings("ignore", category=InsecureRequestWarning)`.

    ## Why is this bad?
    The warning is the only sign left that some request skips certificate checks.
    Silencing it process-wide hides every such request, including ones added later.

    This holds also beside the statement that turns verification off
    (`session.verify = False` just below it): the silence outlives that statement
    and covers every request of the process.

    ## How to fix
    Fix the requests that trigger the warning (verify certificates, or pass the
    private CA bundle) and remove the silencing.
    """

    id = "PV503"
    name = "tls-warnings-silenced"
    family = Family.WEAK_TLS
    severity = Severity.WARNING
    cwe = 295
    title = "Warnings about unverified HTTPS silenced"
    message = "`{call}` silences the warnings about HTTPS requests without certificate checks"
    precision = "very-high"
    triggers = (
        (
            "disable_warnings",
            "InsecureRequestWarning",
            "InsecurePlatformWarning",
            "Unverified HTTPS",
        ),
    )
    INVALID = (
        "import urllib3\nurllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)",
        "import requests\nrequests.packages.urllib3.disable_warnings()",
        'import warnings\nfrom urllib3.exceptions import InsecureRequestWarning\nwarnings.filterwarnings("ignore", category=InsecureRequestWarning)',
    )
    VALID = (
        'import warnings\nwarnings.filterwarnings("ignore", category=DeprecationWarning)',
        "import urllib3\nurllib3.disable_warnings(urllib3.exceptions.DependencyWarning)",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return WarningKnowledge(
            silencers=frozenset(catalog.strings("tls.warnings.silencers")),
            filters=frozenset(catalog.strings("tls.warnings.filters")),
            classes=frozenset(catalog.strings("tls.warnings.classes")),
            messages=tuple(m.lower() for m in catalog.strings("tls.warnings.messages")),
        )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: WarningKnowledge = self.compiled
        qualified = self.ctx.qualname(node.func)
        if qualified is None:
            return
        if qualified in knowledge.silencers:
            category = argument(node, 0, "category")
            if category is None or self._is_tls_warning(category.value):
                self.report(node, call=self.ctx.code(node, 60))
        elif qualified in knowledge.filters:
            action = argument(node, 0, "action")
            if action is None or value_of(self.ctx, action.value) != "ignore":
                return
            index = 2 if qualified.endswith("filterwarnings") else 1
            category = argument(node, index, "category")
            message = argument(node, 1, "message") if qualified.endswith("filterwarnings") else None
            text = value_of(self.ctx, message.value) if message is not None else None
            if (category is not None and self._is_tls_warning(category.value)) or (
                isinstance(text, str) and any(m in text.lower() for m in knowledge.messages)
            ):
                self.report(node, call=self.ctx.code(node, 60))

    def _is_tls_warning(self, expr: cst.BaseExpression) -> bool:
        knowledge: WarningKnowledge = self.compiled
        name = constant_name(self.ctx, expr)
        return name is not None and name in knowledge.classes
