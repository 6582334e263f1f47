"""SIP trunks, endpoints and profiles that take calls from anyone: an allowed source of
every address, or calls accepted without authentication."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    literal,
    string_use,
    value_of,
    words_of,
)
from privalint.rules.weak_voip.config import (
    Setting,
    assigned_settings,
    dict_settings,
    keyword_settings,
    library_call,
    telephony_context,
)
from privalint.rules.weak_voip.lines import source_line
from privalint.rules.weak_voip.pbx_config import ParamReader

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule


@dataclass(frozen=True)
class InboundKnowledge:
    any_addresses: frozenset[str]
    source_words: frozenset[str]
    cidr_keys: frozenset[str]
    allow_values: frozenset[str]
    acl_elements: frozenset[str]
    auth_keys: frozenset[str]
    off_values: frozenset[str]
    insecure_keys: frozenset[str]
    insecure_values: frozenset[str]
    context_words: frozenset[str]
    voip_modules: tuple[str, ...]
    text: re.Pattern[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> InboundKnowledge:
        def lowered(key: str) -> frozenset[str]:
            return frozenset(s.lower() for s in catalog.strings(f"voip.inbound.{key}"))

        patterns = catalog.strings("voip.inbound.text-patterns")
        return cls(
            any_addresses=lowered("any-addresses"),
            source_words=lowered("source-words"),
            cidr_keys=lowered("cidr-keys"),
            allow_values=lowered("allow-values"),
            acl_elements=frozenset(catalog.strings("voip.inbound.acl-elements")),
            auth_keys=lowered("auth-keys"),
            off_values=lowered("off-values"),
            insecure_keys=lowered("insecure-keys"),
            insecure_values=lowered("insecure-values"),
            context_words=frozenset(catalog.strings("voip.limits.context-words"))
            | lowered("context-words"),
            voip_modules=tuple(catalog.strings("voip.modules")),
            text=re.compile(
                "|".join(f"(?:{p})" for p in patterns) or "(?!)", re.IGNORECASE | re.MULTILINE
            ),
        )


class OpenInboundSip(Rule):
    """
    ## What it does
    Flags SIP trunks, endpoints and profiles that take calls from anyone: a list of
    allowed sources that holds every address (LiveKit's
    `SIPInboundTrunkInfo(allowed_addresses=["0.0.0.0/0"])`, Asterisk's
    `permit=0.0.0.0/0.0.0.0`, a FreeSWITCH ACL node `type="allow" cidr="0.0.0.0/0"`),
    in Python settings of telephony code or in configuration text; and calls accepted
    without authentication (a FreeSWITCH sofia profile's `auth-calls` set to `false`,
    chan_sip's `insecure=invite`), as `param` elements, dict entries or text.

    ## Why is this bad?
    Scanners sweep the internet for SIP services around the clock. A trunk or
    profile that answers INVITEs from any address, or without a challenge, lets
    anyone place calls through it: toll fraud to premium-rate numbers, spoofed
    caller IDs, and calls into the services behind it (an IVR, a booking line, an AI
    agent) that read out the callers' data.

    ## How to fix
    List only the carrier's or the PBX's own addresses as allowed sources (and deny
    the rest), and keep digest authentication on for calls (`auth-calls` true, no
    `insecure=invite`); where a carrier cannot authenticate, restrict the profile
    with an ACL of its addresses.
    """

    id = "PV609"
    name = "open-inbound-sip"
    family = Family.WEAK_VOIP
    severity = Severity.WARNING
    cwe = 306
    title = "SIP trunk or endpoint open to calls from any address"
    message = "{what}"
    precision = "high"
    INVALID = (
        'from livekit import api\ntrunk = api.SIPInboundTrunkInfo(name="in", allowed_addresses=["0.0.0.0/0"])',
        'import xml.etree.ElementTree as ET\nsettings = ET.Element("settings")\nET.SubElement(settings, "param", name="auth-calls", value="false")',
    )
    VALID = (
        'from livekit import api\ntrunk = api.SIPInboundTrunkInfo(name="in", allowed_addresses=["203.0.113.0/24"])',
        'import xml.etree.ElementTree as ET\nsettings = ET.Element("settings")\nET.SubElement(settings, "param", name="auth-calls", value="true")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return InboundKnowledge.from_catalog(catalog)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        k = InboundKnowledge.from_catalog(catalog)
        # A short network (`0/0`) counts only as a whole string's value, which may start
        # with blanks: looked for with what starts it (`15/10/06` in a date has it).
        addresses = [
            spelt
            for a in sorted(k.any_addresses)
            for spelt in ([f"{s}{a}" for s in ('"', "'", " ", "\t")] if len(a) < 4 else [a])
        ]
        return ((*addresses, *sorted(k.auth_keys), *sorted(k.insecure_keys)),)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: InboundKnowledge = compiled
        self._params = ParamReader(ctx, self.k.auth_keys | self.k.insecure_keys)

    # -- settings kept in Python ---------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        for setting in keyword_settings(node):
            self._setting(setting)
        for param in self._params.call(node):
            self._auth(param.node, param.key, param.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        for setting in dict_settings(self.ctx, node):
            self._setting(setting)

    def visit_Assign(self, node: cst.Assign) -> None:
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)

    def _setting(self, setting: Setting) -> None:
        key = setting.name.lower()
        if key in self.k.auth_keys or key in self.k.insecure_keys:
            value = value_of(self.ctx, setting.value)
            if isinstance(value, (str, bool)):
                self._auth(setting.node, key, str(value).lower())
            return
        any_address = self._any_address(setting.value)
        if any_address is None:
            return
        if key in self.k.cidr_keys:
            # A FreeSWITCH ACL node: `{"type": "allow", "cidr": "0.0.0.0/0"}` (a `deny`
            # node of every address is the safe default).
            if not any(
                isinstance(v := literal(s), str) and v.lower() in self.k.allow_values
                for s in setting.siblings
            ):
                return
            if self._acl_element():
                self._open(setting, any_address)
                return
        elif not set(words_of(setting.name)) & self.k.source_words:
            return
        if not (
            telephony_context(setting, self.k.context_words)
            or library_call(self.ctx, setting, self.k.voip_modules)
            or (setting.constant and self._voip_file())
        ):
            return
        self._open(setting, any_address)

    def _open(self, setting: Setting, any_address: str) -> None:
        self.report(
            setting.node,
            what=f"`{setting.name}` allows `{any_address}`: the trunk or endpoint takes "
            "calls from any address on the internet, so anyone can place calls through it",
        )

    def _acl_element(self) -> bool:
        """Whether the dict being visited is the attributes of an ACL ``node`` element
        (``SubElement(acl, "node", {"type": "allow", "cidr": ...})``)."""
        for node in reversed(self.ctx.stack):
            if type(node) is cst.Call:
                return any(
                    a.keyword is None and literal(a.value) in self.k.acl_elements for a in node.args
                )
            if isinstance(node, (cst.BaseStatement, cst.BaseSmallStatement)):
                return False
        return False

    def _voip_file(self) -> bool:
        heads = {m.lstrip(".").split(".", 1)[0] for m in self.ctx.imports.imported_modules}
        return any(m.split(".", 1)[0] in heads for m in self.k.voip_modules)

    def _any_address(self, expr: cst.BaseExpression) -> Optional[str]:
        """``"0.0.0.0/0"`` or a list holding it."""
        values: list[Any] = []
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            values = [value_of(self.ctx, e.value) for e in expr.elements]
        else:
            value = value_of(self.ctx, expr)
            if isinstance(value, str):
                values = [part.strip() for part in value.split(",")]
        for value in values:
            if isinstance(value, str) and value.strip().lower() in self.k.any_addresses:
                return value.strip()
        return None

    def _auth(self, node: cst.CSTNode, key: str, value: str) -> None:
        if key in self.k.auth_keys and value in self.k.off_values:
            self.report(
                node,
                what=f"`{key}` is `{value}`: the SIP profile takes calls without "
                "authenticating them, so anyone who reaches it can place calls through it",
            )
        elif key in self.k.insecure_keys and self.k.insecure_values & set(
            v.strip() for v in value.split(",")
        ):
            self.report(
                node,
                what=f"`{key}={value}` accepts INVITEs without authentication: anyone who "
                "reaches the peer can place calls through it",
            )

    # -- configuration text --------------------------------------------------------------

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._text(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._text(node)

    def _text(self, node: cst.BaseString) -> None:
        if type(node) is cst.SimpleString:
            raw = node.value
        elif type(node) is cst.FormattedString:
            raw = "".join(
                p.value if type(p) is cst.FormattedStringText else "\x00" for p in node.parts
            )
        else:
            return
        lowered = raw.lower()
        if not any(a in lowered for a in self.k.any_addresses) and not any(
            w in lowered for w in self.k.auth_keys | self.k.insecure_keys
        ):
            return
        if type(string_use(self.ctx.stack)[1]) is cst.Expr:
            return  # a docstring or a bare string: not configuration
        text = literal(node) if type(node) is cst.SimpleString else raw
        if not isinstance(text, str):
            return
        match = self.k.text.search(text)
        if match is None:
            return
        self.report(
            node,
            what=f"`{match.group(0).strip()}` in SIP configuration text takes calls from "
            "anyone: any address may place calls through the trunk or profile",
            line_offset=source_line(node, text.count("\n", 0, match.start())),
        )
