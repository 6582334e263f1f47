"""Old TLS versions, weak cipher suites and the legacy `ssl.wrap_socket`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Union

import libcst as cst
from privalint.rules.weak_tls.common import (
    UNKNOWN_PART,
    arg_code,
    argument,
    constant_name,
    keyword,
    literal,
    resolve,
    target_name,
    text_of,
    words_of,
)

from privalint.catalog import Catalog
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.nodes import string_value
from privalint.rule import Rule

# Nodes under which a protocol constant is used rather than tested.
_USES = (
    cst.Arg,
    cst.Param,
    cst.Assign,
    cst.AnnAssign,
    cst.DictElement,
    cst.Element,
    cst.Return,
    cst.IfExp,
    cst.BooleanOperation,
    cst.Yield,
)
_TESTS = (cst.Comparison, cst.ComparisonTarget, cst.If, cst.While, cst.Assert)
# Where the search for an enclosing test stops: the statement holding the constant.
_BLOCKS = (
    cst.IndentedBlock,
    cst.SimpleStatementLine,
    cst.SimpleStatementSuite,
    cst.FunctionDef,
    cst.Module,
)


@dataclass(frozen=True)
class ProtocolKnowledge:
    insecure: frozenset[str]
    flexible: frozenset[str]
    labels: dict[str, str]
    weak_minimum: frozenset[str]
    weak_maximum: frozenset[str]
    minimum_attributes: frozenset[str]
    maximum_attributes: frozenset[str]
    minimum_keywords: frozenset[str]
    maximum_keywords: frozenset[str]
    protocol_options: frozenset[str]
    options_attributes: frozenset[str]
    # Settings named for a protocol version (`tls_versions`, `ssl_protocols`) given
    # obsolete versions as text (`["tlsv1"]`, `"TLSv1 TLSv1.1"`).
    setting_objects: frozenset[str] = frozenset()
    setting_words: frozenset[str] = frozenset()
    setting_excluded: frozenset[str] = frozenset()
    weak_texts: Optional[re.Pattern[str]] = None

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def names_version(self, name: str) -> bool:
        words = set(words_of(name))
        return (
            not words.isdisjoint(self.setting_objects)
            and not words.isdisjoint(self.setting_words)
            and words.isdisjoint(self.setting_excluded)
        )


class InsecureTlsVersion(Rule):
    """
    ## What it does
    Flags code that selects or allows SSL 2/3, TLS 1.0 or TLS 1.1: the protocol
    constants (`ssl.PROTOCOL_TLSv1`, pyOpenSSL's `SSL.TLSv1_METHOD`, ...) wherever they
    are passed, assigned or used as a parameter default; `minimum_version` below
    `TLSVersion.TLSv1_2`; `maximum_version` at TLS 1.1 or lower; clearing an
    `OP_NO_*` protocol flag from a context's `options`; and settings named for a
    protocol version that name an obsolete one as text (`tls_versions=["tlsv1"]`,
    `"ssl_protocols": "TLSv1 TLSv1.2"`, `MIN_TLS_VERSION = "TLSv1.1"`), as brokers,
    proxies and servers configured from Python take them.

    ## Why is this bad?
    These protocol versions have known attacks (POODLE, BEAST, downgrade attacks) and
    weak primitives; the IETF deprecated them (RFC 8996). Traffic protected by them,
    with the personal data it carries, can be decrypted or altered.

    ## How to fix
    Use `ssl.create_default_context()` (or `ssl.PROTOCOL_TLS_CLIENT` /
    `PROTOCOL_TLS_SERVER`) and set `context.minimum_version = ssl.TLSVersion.TLSv1_2`.
    """

    id = "PV505"
    name = "insecure-tls-version"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 327
    title = "Obsolete SSL/TLS protocol version"
    message = "`{code}` selects {label}, an obsolete protocol version"
    precision = "very-high"
    triggers = (
        (
            "PROTOCOL_SSLv",
            "PROTOCOL_TLSv1",
            "TLSv1",
            "TLS1",
            "SSLv2",
            "SSLv3",
            "minimum_version",
            "maximum_version",
            "OP_NO_",
        ),
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge = cls.compile(catalog)
        words = {*cls.triggers[0], *knowledge.insecure, *knowledge.flexible}
        for group in (
            knowledge.minimum_attributes,
            knowledge.maximum_attributes,
            knowledge.minimum_keywords,
            knowledge.maximum_keywords,
            knowledge.protocol_options,
        ):
            words |= group
        return (tuple(sorted(words)),)

    INVALID = (
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)",
        "from OpenSSL import SSL\nctx = SSL.Context(SSL.SSLv3_METHOD)",
        "import ssl\nctx = ssl.create_default_context()\nctx.minimum_version = ssl.TLSVersion.TLSv1",
        "import ssl\nctx = ssl.create_default_context()\nctx.options &= ~ssl.OP_NO_TLSv1",
        "import ssl\ndef connect(host, version=ssl.PROTOCOL_SSLv3):\n    pass",
    )
    VALID = (
        "import ssl\nctx = ssl.create_default_context()\nctx.minimum_version = ssl.TLSVersion.TLSv1_2",
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)",
        "import ssl\nif ctx.protocol == ssl.PROTOCOL_TLSv1:\n    raise ValueError('TLS 1.0 refused')",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        labels = catalog.get("tls.protocols.labels", {}) or {}
        return ProtocolKnowledge(
            insecure=frozenset(catalog.strings("tls.protocols.insecure")),
            flexible=frozenset(catalog.strings("tls.protocols.flexible")),
            labels={str(k): str(v) for k, v in labels.items()},
            weak_minimum=frozenset(catalog.strings("tls.versions.weak-minimum")),
            weak_maximum=frozenset(catalog.strings("tls.versions.weak-maximum")),
            minimum_attributes=frozenset(catalog.strings("tls.versions.minimum-attributes")),
            maximum_attributes=frozenset(catalog.strings("tls.versions.maximum-attributes")),
            minimum_keywords=frozenset(catalog.strings("tls.versions.minimum-keywords")),
            maximum_keywords=frozenset(catalog.strings("tls.versions.maximum-keywords")),
            protocol_options=frozenset(catalog.strings("tls.versions.protocol-options")),
            options_attributes=frozenset(catalog.strings("tls.versions.options-attributes")),
            setting_objects=frozenset(catalog.strings("tls.versions.settings.objects")),
            setting_words=frozenset(catalog.strings("tls.versions.settings.words")),
            setting_excluded=frozenset(catalog.strings("tls.versions.settings.excluded")),
            weak_texts=re.compile(
                "|".join(f"(?:{p})" for p in catalog.strings("tls.versions.settings.weak"))
                or "(?!)",
                re.IGNORECASE,
            ),
        )

    # Protocol constants.

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = node.attr.value
        knowledge: ProtocolKnowledge = self.compiled
        if name in knowledge.insecure or name in knowledge.flexible:
            self._constant(node, name)

    def visit_Name(self, node: cst.Name) -> None:
        knowledge: ProtocolKnowledge = self.compiled
        name = node.value
        if name not in knowledge.insecure and name not in knowledge.flexible:
            return
        parent = self.ctx.parent
        if type(parent) is cst.Attribute and parent.attr is node:
            return
        if type(parent) is cst.Param and parent.name is node:
            return
        self._constant(node, name)

    def _constant(self, node: Union[cst.Attribute, cst.Name], name: str) -> None:
        parent = self.ctx.parent
        if not isinstance(parent, _USES):
            return
        if isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = (
                [t.target for t in parent.targets]
                if type(parent) is cst.Assign
                else [parent.target]
            )
            if parent.value is not node or any(self._defines(t, name) for t in targets):
                return
        if type(parent) is cst.DictElement and (
            parent.value is not node
            or not isinstance(parent.key, (cst.SimpleString, cst.ConcatenatedString))
        ):
            # A table from one set of constants to another translates, it does not select.
            return
        for ancestor in reversed(self.ctx.stack[:-1]):
            if isinstance(ancestor, _TESTS):
                return
            if isinstance(ancestor, _BLOCKS):
                break
        knowledge: ProtocolKnowledge = self.compiled
        if name in knowledge.flexible:
            self.report(
                node,
                "`{code}` negotiates down to {label} unless `OP_NO_SSLv2`/`OP_NO_SSLv3` are "
                "set; prefer `TLS_CLIENT_METHOD` with a TLS 1.2 minimum",
                severity=Severity.WARNING,
                code=self.ctx.code(node, 40),
                label=knowledge.label(name),
            )
        else:
            self.report(node, code=self.ctx.code(node, 40), label=knowledge.label(name))

    @staticmethod
    def _defines(target: cst.BaseExpression, name: str) -> bool:
        """``PROTOCOL_TLSv1 = _SSLMethod.PROTOCOL_TLSv1`` (a stub or a re-export), or
        ``versions[ssl.PROTOCOL_TLSv1] = ...`` (a translation table)."""
        if type(target) is cst.Subscript:
            return not all(
                type(e.slice) is cst.Index
                and isinstance(e.slice.value, (cst.SimpleString, cst.ConcatenatedString))
                for e in target.slice
            )
        return target_name(target) == name

    # minimum_version / maximum_version.

    def _version(self, expr: cst.BaseExpression) -> Optional[str]:
        value = resolve(self.ctx, expr)
        text = self.ctx.qualname(value) or dotted_name(value) or ""
        if "TLSVersion" not in text:
            return None
        return text.rsplit(".", 1)[-1]

    def _check_version(
        self, node: cst.CSTNode, what: str, value: cst.BaseExpression, floor: bool
    ) -> None:
        knowledge: ProtocolKnowledge = self.compiled
        version = self._version(value)
        if version is None:
            return
        weak = knowledge.weak_minimum if floor else knowledge.weak_maximum
        if version in weak:
            self.report(
                node,
                "`{what}` {verb} {label}: obsolete protocol versions stay enabled",
                what=what,
                verb="allows down to" if floor else "caps the connection at",
                label=knowledge.label(version),
            )

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: ProtocolKnowledge = self.compiled
        for target in node.targets:
            expr = target.target
            name = target_name(expr)
            if name is not None:
                self._version_setting(node, name, node.value)
            if type(expr) is not cst.Attribute:
                continue
            attr = expr.attr.value
            if attr in knowledge.minimum_attributes or attr in knowledge.maximum_attributes:
                self._check_version(
                    node,
                    f"{self.ctx.code(expr, 40)} = {self.ctx.code(node.value, 40)}",
                    node.value,
                    attr in knowledge.minimum_attributes,
                )
            elif (
                attr in knowledge.options_attributes
                and type(node.value) is cst.BinaryOperation
                and type(node.value.operator) is cst.BitAnd
            ):
                self._cleared(node, node.value.right, self.ctx.code(node, 60))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        knowledge: ProtocolKnowledge = self.compiled
        target = node.target
        if type(target) is not cst.Attribute or target.attr.value not in (
            knowledge.options_attributes
        ):
            return
        if type(node.operator) is cst.BitAndAssign:
            self._cleared(node, node.value, self.ctx.code(node, 60))
        elif type(node.operator) is cst.BitXorAssign:
            self._cleared(
                node, cst.UnaryOperation(cst.BitInvert(), node.value), self.ctx.code(node, 60)
            )

    def _cleared(self, node: cst.CSTNode, mask: cst.BaseExpression, code: str) -> None:
        """``options &= ~(OP_NO_TLSv1 | ...)``: the inverted flags are cleared."""
        if type(mask) is not cst.UnaryOperation or type(mask.operator) is not cst.BitInvert:
            return
        knowledge: ProtocolKnowledge = self.compiled
        cleared = [f for f in self._flags(mask.expression) if f in knowledge.protocol_options]
        if cleared:
            versions = ", ".join(f.replace("OP_NO_", "") for f in cleared)
            self.report(
                node,
                "`{code}` re-enables {versions}: obsolete protocol versions become negotiable",
                code=code,
                versions=versions,
            )

    def _flags(self, expr: cst.BaseExpression) -> list[str]:
        if type(expr) is cst.BinaryOperation:
            return self._flags(expr.left) + self._flags(expr.right)
        name = constant_name(self.ctx, expr)
        return [name] if name else []

    # Versions given as text to a setting named for them.

    def _version_texts(self, value: cst.BaseExpression) -> list[str]:
        """The obsolete versions ``value`` names: a string (``"TLSv1 TLSv1.1"``) or a
        list, tuple or set of them; excluded elements (``!TLSv1``) are not."""
        knowledge: ProtocolKnowledge = self.compiled
        found = resolve(self.ctx, value)
        items = (
            [e.value for e in found.elements]
            if isinstance(found, (cst.List, cst.Tuple, cst.Set))
            else [found]
        )
        weak: list[str] = []
        for item in items:
            text = literal(resolve(self.ctx, item))
            if not isinstance(text, str) or knowledge.weak_texts is None:
                continue
            for token in re.split(r"[\s,:;]+", text):
                if knowledge.weak_texts.fullmatch(token):
                    weak.append(token)
        return weak

    def _version_setting(self, node: cst.CSTNode, name: str, value: cst.BaseExpression) -> None:
        knowledge: ProtocolKnowledge = self.compiled
        if not knowledge.names_version(name):
            return
        weak = self._version_texts(value)
        if weak:
            self.report(
                node,
                "`{name}` enables {versions}, obsolete protocol versions",
                name=name,
                versions=", ".join(dict.fromkeys(weak)),
            )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = literal(node.key)
        if isinstance(key, str):
            self._version_setting(node, key, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = target_name(node.target)
        if name is not None and node.value is not None:
            self._version_setting(node, name, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: ProtocolKnowledge = self.compiled
        for arg in node.args:
            if arg.keyword is None:
                continue
            key = arg.keyword.value
            self._version_setting(arg, key, arg.value)
            if key in knowledge.minimum_keywords or key in knowledge.maximum_keywords:
                self._check_version(
                    arg,
                    arg_code(self.ctx, arg),
                    arg.value,
                    key in knowledge.minimum_keywords,
                )


@dataclass(frozen=True)
class CipherKnowledge:
    methods: frozenset[str]
    keywords: frozenset[str]
    names: frozenset[str]
    weak_parts: frozenset[str]
    catch_all: frozenset[str]
    needs_excluded: frozenset[str]
    weak_levels: frozenset[int]


_SEPARATORS = re.compile(r"[:,\s]+")
_PARTS = re.compile(r"[-+]")
_SECURITY_LEVEL = re.compile(r"@SECLEVEL=(\d+)$", re.IGNORECASE)


def weak_ciphers(text: str, knowledge: CipherKnowledge) -> list[str]:
    """The elements of an OpenSSL cipher string that enable weak suites."""
    elements = [e for e in _SEPARATORS.split(text) if e and UNKNOWN_PART not in e]
    excluded = {e[1:].upper() for e in elements if e[0] in "!-"}
    weak: list[str] = []
    for element in elements:
        level = _SECURITY_LEVEL.search(element)
        if level is not None and int(level.group(1)) in knowledge.weak_levels:
            weak.append(f"{level.group(0)} accepts weak ciphers and short keys")
            continue
        if element[0] in "!-+@":
            continue
        upper = element.upper()
        if upper in knowledge.catch_all:
            if not knowledge.needs_excluded <= excluded and "NULL" not in excluded:
                weak.append(element)
            continue
        parts = {p for p in _PARTS.split(upper) if p}
        if parts & knowledge.weak_parts and upper not in excluded:
            weak.append(element)
    return weak


class WeakTlsCiphers(Rule):
    """
    ## What it does
    Flags cipher strings that enable broken or unauthenticated suites: `NULL`/`eNULL`
    (no encryption), `aNULL`/`ADH` (no authentication), `EXPORT`, `LOW`, `RC4`, `DES`,
    `3DES`, `MD5`, `ALL` without excluding `aNULL` and `eNULL`, and OpenSSL security
    levels 0 and 1 (`@SECLEVEL=0`), which accept them and short keys again. It reads
    `set_ciphers(...)`, pyOpenSSL's `set_cipher_list(...)`, `ciphers=` arguments and
    assignments to `DEFAULT_CIPHERS`.

    ## Why is this bad?
    A server or client that offers these suites can be downgraded to them; the
    traffic, with the personal data it carries, can then be decrypted or read in the
    clear.

    ## How to fix
    Leave the defaults of `ssl.create_default_context()`, or name AEAD suites only
    (`"ECDHE+AESGCM:ECDHE+CHACHA20"`).
    """

    id = "PV506"
    name = "weak-tls-ciphers"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 327
    title = "Weak TLS cipher suites enabled"
    message = "cipher string {ciphers!r} enables weak suites ({weak})"
    precision = "very-high"
    triggers = (("cipher",),)
    INVALID = (
        'import ssl\nctx = ssl.create_default_context()\nctx.set_ciphers("RC4-SHA:DES-CBC3-SHA")',
        'import ssl\nsock = ssl.wrap_socket(s, ciphers="ALL")',
        'from OpenSSL import SSL\nctx = SSL.Context(SSL.TLS_METHOD)\nctx.set_cipher_list(b"EXPORT:NULL")',
        'import ssl\nctx = ssl.create_default_context()\nctx.set_ciphers("DEFAULT:@SECLEVEL=0")',
    )
    VALID = (
        'import ssl\nctx = ssl.create_default_context()\nctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")',
        'import ssl\nctx = ssl.create_default_context()\nctx.set_ciphers("HIGH:!aNULL:!eNULL:!RC4:!3DES:!MD5")',
        'import ssl\nctx = ssl.create_default_context()\nctx.set_ciphers("ECDHE+AESGCM:@SECLEVEL=2")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return CipherKnowledge(
            methods=frozenset(catalog.strings("tls.ciphers.methods")),
            keywords=frozenset(catalog.strings("tls.ciphers.keywords")),
            names=frozenset(catalog.strings("tls.ciphers.names")),
            weak_parts=frozenset(p.upper() for p in catalog.strings("tls.ciphers.weak-parts")),
            catch_all=frozenset(p.upper() for p in catalog.strings("tls.ciphers.catch-all")),
            needs_excluded=frozenset(
                p.upper() for p in catalog.strings("tls.ciphers.catch-all-needs-excluded")
            ),
            weak_levels=frozenset(
                int(v)
                for v in catalog.get("tls.ciphers.weak-security-levels", []) or []
                if isinstance(v, int)
            ),
        )

    def _check(self, node: cst.CSTNode, value: cst.BaseExpression) -> None:
        text = text_of(self.ctx, value)
        if not text:
            return
        weak = weak_ciphers(text, self.compiled)
        if weak:
            shown = text.replace(UNKNOWN_PART, "…")
            self.report(
                node,
                ciphers=shown if len(shown) <= 60 else shown[:59] + "…",
                weak=", ".join(dict.fromkeys(weak)),
            )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: CipherKnowledge = self.compiled
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in knowledge.methods:
            arg = argument(node, 0, "cipherlist", "ciphers", "cipher_list")
            if arg is not None:
                self._check(arg.value, arg.value)
        found = keyword(node, *knowledge.keywords)
        if found is not None:
            self._check(found.value, found.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = node.key
        if type(key) is cst.SimpleString:
            text = string_value(key)
            if text is None:
                return
            if text in self.compiled.keywords:
                self._check(node.value, node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if target_name(target.target) in self.compiled.names:
                self._check(node.value, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if target_name(node.target) in self.compiled.names:
            self._check(node.value, node.value)


class SslWrapSocket(Rule):
    """
    ## What it does
    Flags `ssl.wrap_socket(...)`, the legacy module-level function.

    ## Why is this bad?
    Unless told otherwise it does not verify the peer's certificate
    (`cert_reqs=CERT_NONE`), it never checks that the certificate names the host, and
    it may negotiate obsolete protocol versions. It was deprecated in Python 3.7 and
    removed in 3.12.

    ## How to fix
    `ssl.create_default_context().wrap_socket(sock, server_hostname=host)`.
    """

    id = "PV507"
    name = "ssl-wrap-socket"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 295
    title = "Legacy ssl.wrap_socket without certificate checks"
    message = (
        "`ssl.wrap_socket` does not verify the server certificate{detail} and never checks "
        "the host name; use `ssl.create_default_context().wrap_socket(...)`"
    )
    precision = "very-high"
    triggers = (("wrap_socket",),)
    INVALID = ("import ssl\nsock = ssl.wrap_socket(raw)",)
    VALID = (
        'import ssl\nctx = ssl.create_default_context()\nsock = ctx.wrap_socket(raw, server_hostname="db.example.com")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return frozenset(catalog.strings("tls.wrap-socket.functions"))

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.qualname(node.func) not in self.compiled:
            return
        mode = keyword(node, "cert_reqs")
        name = constant_name(self.ctx, mode.value) if mode is not None else None
        if name == "CERT_REQUIRED":
            self.report(node, detail=" by default", severity=Severity.WARNING)
        else:
            self.report(node, detail="")
