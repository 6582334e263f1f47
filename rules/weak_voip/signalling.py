"""SIP signalling and media without encryption, and SIP TLS without peer checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional, Union

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    UNKNOWN_PART,
    StringNode,
    arg_code,
    argument,
    constant_name,
    imports_any,
    is_loopback,
    keyword,
    known_name,
    last_name,
    leading_text,
    literal,
    matches_module,
    module_words,
    positional,
    resolve,
    string_use,
    strip_calls,
    text_of,
    uri_host,
    url_host,
    value_of,
    words_of,
)
from privalint.rules.weak_voip.config import (
    Setting,
    assigned_settings,
    dict_settings,
    keyword_settings,
    library_call,
    library_member,
    setting_value,
    settings_module,
    stored_under,
    telephony_context,
)
from privalint.rules.weak_voip.lines import (
    Entry,
    Line,
    LineLists,
    rendered,
    sections,
    source_line,
    space_settings,
)
from privalint.rules.weak_voip.pbx_config import (
    General,
    Param,
    ParamReader,
    SectionDict,
    Sections,
    Untyped,
)

from privalint.catalog import Catalog
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.rule import Rule

# A SIP URI, also as a display name's `<sip:...>` or a Kamailio dispatcher line
# (`1 sip:10.0.0.5:5060`: set id, then the destination).
_SIP_URI = re.compile(r"^\s*(?:\d+\s+)?(?:[^<>\s]*\s*<)?\s*sip:", re.IGNORECASE)


_XML_PARAM = re.compile(
    r"<param\s+name\s*=\s*[\"']([\w.-]+)[\"']\s+value\s*=\s*[\"']([^\"']*)[\"']",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ProfileKnowledge:
    """FreeSWITCH sofia profile parameters (see ``[voip.freeswitch-profile]``)."""

    keys: frozenset[str]
    tls_keys: frozenset[str]
    off_values: frozenset[str]
    srtp_keys: frozenset[str]
    verify_keys: frozenset[str] = frozenset()
    verify_off: frozenset[str] = frozenset()
    verify_flags: frozenset[str] = frozenset()
    gateway_keys: frozenset[str] = frozenset()
    transport_keys: frozenset[str] = frozenset()
    plain_transports: frozenset[str] = frozenset()
    secret_keys: frozenset[str] = frozenset()
    # Parameters that list the TLS versions allowed, and the obsolete ones among them.
    version_keys: frozenset[str] = frozenset()
    old_versions: frozenset[str] = frozenset()

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ProfileKnowledge:
        section = "voip.freeswitch-profile"

        def lowered(key: str) -> frozenset[str]:
            return frozenset(k.lower() for k in catalog.strings(f"{section}.{key}"))

        return cls(
            keys=lowered("keys"),
            tls_keys=lowered("tls-keys"),
            off_values=lowered("off-values"),
            srtp_keys=lowered("srtp-keys"),
            verify_keys=lowered("verify-keys"),
            verify_off=lowered("verify-off"),
            verify_flags=lowered("verify-flags"),
            gateway_keys=lowered("gateway-keys"),
            transport_keys=lowered("transport-keys"),
            plain_transports=lowered("plain-transports"),
            secret_keys=lowered("secret-keys"),
            version_keys=lowered("version-keys"),
            old_versions=lowered("old-versions"),
        )

    def obsolete(self, key: str, value: str) -> bool:
        """A version list (``tls-version=tlsv1,tlsv1.2``) that allows an obsolete one."""
        return key in self.version_keys and any(
            v.strip() in self.old_versions for v in value.split(",")
        )

    @property
    def markers(self) -> frozenset[str]:
        """Parameters that only sofia profiles and gateways have."""
        return (
            self.keys
            | self.srtp_keys
            | self.verify_keys
            | self.verify_flags
            | self.gateway_keys
            | self.transport_keys
        )

    @property
    def followed(self) -> frozenset[str]:
        """Parameter names worth following into the helpers that make ``<param>``s."""
        return self.markers | self.tls_keys | self.secret_keys

    def unverified(self, key: str, value: str) -> bool:
        return (key in self.verify_keys and value in self.verify_off) or (
            key in self.verify_flags and value in self.off_values
        )

    def words(self) -> tuple[str, ...]:
        """Prefilter words: the parameter names that only sofia profiles use."""
        return tuple(sorted(k for k in self.markers if "-" in k))


def profile_params(ctx: Any, profile: ProfileKnowledge, node: cst.CSTNode) -> list[Param]:
    """The literal parameters of a sofia profile or gateway: the elements of a dict
    holding a profile key, the pairs of a list or tuple of (name, value) pairs holding
    one (`[("sip-port", "5080"), ("tls", "false")]`, looped over to make `<param>`s),
    or the ``<param>`` elements of XML text. (Calls that make ``<param>`` elements are
    read by a ``ParamReader``.)"""
    found: list[Param] = []
    pairs: list[tuple[cst.CSTNode, cst.BaseExpression, cst.BaseExpression]] = []
    if type(node) is cst.Dict:
        pairs = [(e, e.key, e.value) for e in node.elements if type(e) is cst.DictElement]
    elif isinstance(node, (cst.List, cst.Tuple)):
        lines: list[Param] = []
        for element in node.elements:
            pair = element.value
            if type(pair) is cst.Tuple and len(pair.elements) == 2:
                pairs.append((pair, pair.elements[0].value, pair.elements[1].value))
            elif type(pair) is cst.SimpleString:
                lines.extend(xml_params(pair))
        # XML written a line per string, to be joined (`"\n".join(['<profile ...>',
        # '<param name="tls" value="false"/>', ...])`).
        if lines and {param.key for param in lines} & profile.markers:
            return lines
    for where, name, expr in pairs:
        key = literal(name)
        if isinstance(key, str):
            value = value_of(ctx, expr)
            shown = str(value).lower() if isinstance(value, (str, bool)) else ""
            found.append(Param(where, key.lower(), shown, expr))
    if found:
        return found if {param.key for param in found} & profile.markers else []
    if type(node) is cst.SimpleString:
        params = xml_params(node)
        if {param.key for param in params} & profile.markers:
            return params
    return found


def xml_params(node: cst.SimpleString) -> list[Param]:
    """The ``<param name=... value=...>`` elements of XML text."""
    text = literal(node)
    if not isinstance(text, str) or "<param" not in text:
        return []
    return [
        Param(node, m.group(1).lower(), m.group(2).lower(), None) for m in _XML_PARAM.finditer(text)
    ]


def xml_param_line(node: cst.CSTNode, key: str) -> int:
    """The source line (from the string's first, 0) of the ``<param>`` named ``key``
    in XML text; 0 for a node that is no string."""
    if type(node) is not cst.SimpleString:
        return 0
    text = literal(node)
    if not isinstance(text, str):
        return 0
    for match in _XML_PARAM.finditer(text):
        if match.group(1).lower() == key:
            return source_line(node, text.count("\n", 0, match.start()))
    return 0


@dataclass(frozen=True)
class ServerConfigKnowledge:
    """Kamailio/OpenSIPS configuration text (see ``[voip.sip-server-config]``)."""

    listen: re.Pattern[str]
    unverified: re.Pattern[str]
    words: tuple[str, ...]
    # A socket kept as a value (`udp:0.0.0.0:5060`), the words of the names that hold
    # one, and the protocols such a value is looked for with (`udp:`).
    socket_value: re.Pattern[str] = re.compile("(?!)")
    directives: frozenset[str] = frozenset()
    plain_protocols: tuple[str, ...] = ()
    client_section: str = "client:"
    client_verify: frozenset[str] = frozenset()
    off_values: frozenset[str] = frozenset()
    core_verify: frozenset[str] = frozenset()
    profile_sections: tuple[str, ...] = ()
    method_params: frozenset[str] = frozenset()
    weak_methods: frozenset[str] = frozenset()
    # `modparam("tls_mgm", "tls_method", "TLSv1")`: an old TLS version.
    weak_modparam_method: re.Pattern[str] = re.compile("(?!)")
    # `modparam("tls_mgm", "verify_cert", "0")`: the peer's certificate is not checked.
    unverified_peer: re.Pattern[str] = re.compile("(?!)")
    # Parameters of the TLS module, kept in a dict that is written out as `modparam`
    # lines (`{"method": "TLSv1", "verify_certificate": "0"}`).
    dict_params: frozenset[str] = frozenset()
    # baresip `config` lines (see ``[voip.baresip]``).
    space_transport_keys: frozenset[str] = frozenset()
    space_plain: frozenset[str] = frozenset()
    space_verify_keys: frozenset[str] = frozenset()
    space_verify_off: frozenset[str] = frozenset()

    def space_lines(self, node: StringNode) -> list[tuple[int, str, str]]:
        """The baresip ``key value`` lines of a string with a key this knows, as (source
        line from the string's first, key, value)."""
        text = config_text(node)
        if text is None:
            return []
        keys = self.space_transport_keys | self.space_verify_keys
        return [
            (source_line(node, index), key, value)
            for index, key, value in space_settings(text, keys)
        ]

    def profile_entries(self, lines: list[Line]) -> list[tuple[Entry, str]]:
        """The lines of `tls.cfg` profiles that weaken TLS: (entry, why) for a client
        profile that accepts any server certificate, or a profile with an old
        `method`."""
        found = []
        for entry in sections(lines, comment="#"):
            if not entry.section.startswith(self.profile_sections):
                continue
            if entry.key in self.method_params and entry.value in self.weak_methods:
                found.append((entry, "method"))
            elif (
                entry.section.startswith(self.client_section)
                and entry.key in self.client_verify
                and entry.value in self.off_values
            ):
                found.append((entry, "verify"))
        return found

    def weak_method(self, text: str) -> Optional[str]:
        """The line of a `tls.cfg` profile with an old `method` (`method = TLSv1+`)."""
        if not any(f"[{s}" in text.lower() for s in self.profile_sections):
            return None
        lines = [Line(raw, cst.Name("_"), True) for raw in text.splitlines()]
        for entry, why in self.profile_entries(lines):
            if why == "method":
                return f"[{entry.section}] {entry.key} = {entry.value}"
        return None

    def unverified_core(self, text: str) -> Optional[str]:
        """A core parameter that turns the server's certificate check off
        (``tls_verify_server = 0``)."""
        for raw in text.splitlines():
            key, equals, value = raw.split("#", 1)[0].partition("=")
            if (
                equals
                and key.strip().lower() in self.core_verify
                and value.strip().strip("\"'").lower() in self.off_values
            ):
                return f"{key.strip()} = {value.strip()}"
        return None

    def unverified_client(self, text: str) -> Optional[str]:
        """The line of a Kamailio ``tls.cfg`` client profile that turns the server's
        certificate check off (``verify_certificate = no`` under ``[client:default]``)."""
        section = ""
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip().lower()
                continue
            if not section.startswith(self.client_section) or "=" not in line:
                continue
            key, _, value = line.partition("=")
            if key.strip().lower() in self.client_verify and (
                value.strip().strip("\"'").lower() in self.off_values
            ):
                return f"[{section}] {key.strip()} = {value.strip()}"
        return None

    def weak_params(self, entries: dict[str, Any]) -> Optional[tuple[str, str]]:
        """A dict of TLS module parameters (two or more of `dict-params`) that turns
        the peer's certificate check off or allows an old TLS version: (the setting,
        "verify" or "method")."""
        if len(entries.keys() & self.dict_params) < 2:
            return None
        found = None
        for key, value in entries.items():
            text = str(value).lower() if isinstance(value, (str, int)) else None
            if text is None:
                continue
            if key in self.client_verify and text in self.off_values:
                return f"{key}={value}", "verify"
            if key in self.method_params and text in self.weak_methods and found is None:
                found = (f"{key}={value}", "method")
        return found

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ServerConfigKnowledge:
        section = "voip.sip-server-config"

        def alternatives(key: str) -> str:
            return "|".join(re.escape(w) for w in catalog.strings(f"{section}.{key}")) or "(?!)"

        listen = re.compile(
            rf"^[ \t]*(?:{alternatives('listen-directives')})[ \t]*=[ \t]*"
            rf"(?:{alternatives('plain-protocols')}):([^\s:#]+)",
            re.IGNORECASE | re.MULTILINE,
        )
        unverified = re.compile(
            rf"modparam\(\s*[\"'](?:{alternatives('tls-modules')})[\"']\s*,\s*"
            rf"[\"'](?:{alternatives('verify-params')})[\"']\s*,\s*[\"']?(?:\[[^\]]*\])?0[\"']?\s*\)",
            re.IGNORECASE,
        )
        unverified_peer = re.compile(
            rf"modparam\(\s*[\"'](?:{alternatives('tls-modules')})[\"']\s*,\s*"
            rf"[\"'](?:{alternatives('client-verify-params')})[\"']\s*,\s*[\"']?(?:\[[^\]]*\])?0[\"']?\s*\)",
            re.IGNORECASE,
        )
        weak_modparam_method = re.compile(
            rf"modparam\(\s*[\"'](?:{alternatives('tls-modules')})[\"']\s*,\s*"
            rf"[\"'](?:{alternatives('modparam-method-params')})[\"']\s*,\s*[\"']"
            rf"(?:\[[^\]]*\])?(?:{alternatives('weak-methods')})[\"']\s*\)",
            re.IGNORECASE,
        )
        # Not `ws:` (a part of `rows:`, too common a prefilter word).
        protocols = [p.lower() for p in catalog.strings(f"{section}.plain-protocols") if len(p) > 2]
        socket_value = re.compile(
            rf"^\s*({'|'.join(map(re.escape, protocols)) or '(?!)'}):"
            rf"(\[[^\]]*\]|[^\s:/\[\]]+)(?::\d+)?\s*$",
            re.IGNORECASE,
        )
        space_transport = frozenset(catalog.strings("voip.baresip.transport-keys"))
        space_verify = frozenset(catalog.strings("voip.baresip.verify-keys"))
        return cls(
            listen,
            unverified,
            (
                *catalog.strings(f"{section}.trigger-words"),
                *sorted(space_transport | space_verify),
            ),
            socket_value=socket_value,
            directives=frozenset(
                w.lower() for w in catalog.strings(f"{section}.listen-directives")
            ),
            plain_protocols=tuple(f"{p}:" for p in protocols),
            client_section=str(catalog.get(f"{section}.client-section", "client:")).lower(),
            client_verify=frozenset(
                p.lower() for p in catalog.strings(f"{section}.client-verify-params")
            ),
            off_values=frozenset(v.lower() for v in catalog.strings(f"{section}.off-values")),
            core_verify=frozenset(
                p.lower() for p in catalog.strings(f"{section}.core-verify-params")
            ),
            profile_sections=tuple(
                s.lower() for s in catalog.strings(f"{section}.profile-sections")
            ),
            method_params=frozenset(p.lower() for p in catalog.strings(f"{section}.method-params")),
            weak_methods=frozenset(m.lower() for m in catalog.strings(f"{section}.weak-methods")),
            weak_modparam_method=weak_modparam_method,
            unverified_peer=unverified_peer,
            dict_params=frozenset(p.lower() for p in catalog.strings(f"{section}.dict-params")),
            space_transport_keys=space_transport,
            space_plain=frozenset(
                v.lower() for v in catalog.strings("voip.baresip.plain-transports")
            ),
            space_verify_keys=space_verify,
            space_verify_off=frozenset(
                v.lower() for v in catalog.strings("voip.baresip.verify-off")
            ),
        )


class AsteriskSection(NamedTuple):
    """A typed section of Asterisk configuration text."""

    name: str
    values: dict[str, str]
    # Lowercased key -> the line of the text it is set on (from 0).
    rows: dict[str, int]


@dataclass(frozen=True)
class AsteriskKnowledge:
    """Asterisk ``pjsip.conf``/``sip.conf`` text (see ``[voip.asterisk-config]``)."""

    section_types: frozenset[str]
    transport_keys: tuple[str, ...]
    plain_protocols: frozenset[str]
    bind_keys: tuple[str, ...]
    weak_media: dict[str, frozenset[str]]
    weak_verify: dict[str, frozenset[str]]
    method_keys: tuple[str, ...]
    weak_methods: frozenset[str]
    words: tuple[str, ...]
    dict_keys: frozenset[str] = frozenset()
    dict_triggers: tuple[str, ...] = ()
    transport_section: str = "transport"
    secret_keys: frozenset[str] = frozenset()
    # chan_sip's global section, and its switches that turn TLS off (`tlsenable=no`).
    general: Optional[General] = None
    tls_switches: dict[str, frozenset[str]] = field(default_factory=dict)
    # Section dicts without a `type`, stored under a section name.
    untyped: Optional[Untyped] = None

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> AsteriskKnowledge:
        section = "voip.asterisk-config"

        def table(key: str) -> dict[str, frozenset[str]]:
            found = catalog.get(f"{section}.{key}", {}) or {}
            return {
                str(k).lower(): frozenset(str(v).lower() for v in values)
                for k, values in found.items()
                if isinstance(values, list)
            }

        def lowered(key: str) -> tuple[str, ...]:
            return tuple(v.lower() for v in catalog.strings(f"{section}.{key}"))

        return cls(
            section_types=frozenset(lowered("section-types")),
            transport_keys=lowered("transport-keys"),
            plain_protocols=frozenset(lowered("plain-protocols")),
            bind_keys=lowered("bind-keys"),
            weak_media=table("weak-media"),
            weak_verify=table("weak-verify"),
            method_keys=lowered("method-keys"),
            weak_methods=frozenset(lowered("weak-methods")),
            words=tuple(catalog.strings(f"{section}.trigger-words")),
            dict_keys=frozenset(lowered("dict-keys")),
            dict_triggers=tuple(catalog.strings(f"{section}.dict-trigger-words")),
            transport_section=str(catalog.get(f"{section}.transport-section", "transport")),
            secret_keys=frozenset(lowered("secret-keys")),
            general=General(
                frozenset(lowered("general-sections")), frozenset(lowered("general-keys"))
            ),
            tls_switches=table("tls-switches"),
            untyped=Untyped(
                tuple(
                    (kind, frozenset(keys))
                    for kind, keys in table("untyped-sections").items()
                    if kind in lowered("section-types")
                ),
                str(catalog.get(f"{section}.untyped-default", "")).lower() or None,
            ),
        )

    def sections_of(self, ctx: Any) -> Sections:
        """A collector of the Asterisk sections a file builds."""
        return Sections(ctx, self.section_types, self.dict_keys, self.general, self.untyped)

    def plain(self, text: Optional[str]) -> bool:
        """Whether a `protocol`/`transport` value names only clear-text protocols."""
        protocols = {p.strip() for p in (text or "").split(",")}
        return bool(text) and protocols <= self.plain_protocols

    def sections(self, text: str) -> list[AsteriskSection]:
        """The sections of Asterisk configuration text that have a known ``type``:
        name, lowercased key -> lowercased value, and the line of the text each key
        is set on."""
        if "[" not in text or ("type" not in text and not self._general_in(text)):
            return []
        found: list[AsteriskSection] = []
        name: Optional[str] = None
        values: dict[str, str] = {}
        rows: dict[str, int] = {}
        for row, raw in enumerate((*text.split("\n"), "[]")):
            line = raw.split(";", 1)[0].strip()
            if line.startswith("["):
                if name is not None and (
                    values.get("type") in self.section_types
                    or ("type" not in values and self.general and self.general.holds(name, values))
                ):
                    found.append(AsteriskSection(name, values, rows))
                name = line[1 : line.find("]")].strip() if "]" in line else ""
                values, rows = {}, {}
                continue
            if name is None:
                continue
            key, equals, value = line.replace("=>", "=").partition("=")
            if equals:
                key = key.strip().lower()
                values[key] = value.strip().lower()
                rows[key] = row
        return found

    @property
    def general_keys(self) -> frozenset[str]:
        return self.general.keys if self.general is not None else frozenset()

    def _general_in(self, text: str) -> bool:
        lowered = text.lower()
        return self.general is not None and any(f"[{n}]" in lowered for n in self.general.names)

    def weak(self, values: dict[str, str], table: dict[str, frozenset[str]]) -> Optional[str]:
        key = self.weak_key(values, table)
        return f"{key}={values[key]}" if key is not None else None

    @staticmethod
    def weak_key(values: dict[str, str], table: dict[str, frozenset[str]]) -> Optional[str]:
        """The first key of ``table`` set to one of its weak values."""
        for key, bad in table.items():
            if values.get(key) in bad:
                return key
        return None


def _typed_section(ctx: Any, node: cst.CSTNode, types: frozenset[str]) -> bool:
    """A dict (or ``dict(...)`` call) with a ``type`` of an Asterisk section: read as
    a section, not as a trunk's settings."""
    if type(node) is cst.Dict:
        for element in node.elements:
            if type(element) is cst.DictElement and literal(element.key) == "type":
                kind = value_of(ctx, element.value)
                return isinstance(kind, str) and kind.lower() in types
        return False
    if type(node) is cst.Call:
        kind_arg = keyword(node, "type")
        kind = value_of(ctx, kind_arg.value) if kind_arg is not None else None
        return isinstance(kind, str) and kind.lower() in types
    return False


def _lookup_default(ctx: Any, expr: cst.BaseExpression) -> Any:
    """The literal a lookup falls back to when its key is missing
    (``station.get("verify", False)``, ``getattr(cfg, "verify", False)``), else
    ``NOT_LITERAL``."""
    if type(expr) is not cst.Call or len(expr.args) < 2:
        return NOT_LITERAL
    func = expr.func
    method = func.attr.value if type(func) is cst.Attribute else None
    name = func.value if type(func) is cst.Name else None
    if method == "get" and len(expr.args) == 2:
        return value_of(ctx, expr.args[1].value)
    if name == "getattr" and len(expr.args) == 3:
        return value_of(ctx, expr.args[2].value)
    return NOT_LITERAL


def config_text(node: StringNode) -> Optional[str]:
    """The text of a string literal or f-string (fields as ``UNKNOWN_PART``)."""
    if type(node) is cst.SimpleString:
        text = literal(node)
        return text if isinstance(text, str) else None
    text = "".join(
        p.value if type(p) is cst.FormattedStringText else UNKNOWN_PART for p in node.parts
    )
    # An f-string's text keeps its escapes.
    return text.replace("\\n", "\n").replace('\\"', '"').replace("\\'", "'")


_OLD_TLS = "the SIP-TLS profile allows an obsolete protocol version; use TLS 1.2 or newer"
_ANY_CERTIFICATE = (
    "SIP-TLS connections made with this profile accept any server certificate; anyone on "
    "the path can pose as the peer"
)

# What separates the flags of a media relay in its configuration text.
_RELAY_TOKEN = re.compile(r"[\s\"'(),;=\[\]{}]+")


def _documentation(ctx: Any) -> bool:
    """Whether the string being visited is a docstring or another bare expression."""
    _, user, _ = string_use(ctx.stack)
    return type(user) is cst.Expr


@dataclass(frozen=True)
class SipClient:
    keywords: frozenset[str]
    secure: frozenset[str]
    server: tuple[str, ...]
    server_position: int
    library: str


@dataclass(frozen=True)
class SignallingKnowledge:
    transport_methods: frozenset[str]
    plain_transports: frozenset[str]
    transport_modules: tuple[str, ...]
    secure_params: tuple[str, ...]
    ignored_methods: frozenset[str]
    list_words: frozenset[str]
    clients: dict[str, SipClient]
    loopback: tuple[str, ...]
    profile: ProfileKnowledge
    server_config: ServerConfigKnowledge
    asterisk: Optional[AsteriskKnowledge] = None
    transport_settings: frozenset[str] = frozenset()
    plain_transport_values: frozenset[str] = frozenset()
    class_words: frozenset[str] = frozenset()
    voip_modules: tuple[str, ...] = ()
    # (modules, methods) of calls whose SIP URI names a registered endpoint.
    identity_calls: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = ()


def _read_configuration(rule: Any, node: cst.Call) -> None:
    """What a call adds to the configuration a rule judges: FreeSWITCH profile
    parameters, Asterisk sections, settings passed as keywords (unless the call builds a
    section), and lines joined into configuration text. ``rule`` has ``_params``,
    ``_sections`` and ``_lines`` readers and ``_profile``, ``_setting`` and
    ``_joined_lines`` judges."""
    rule._profile(rule._params.call(node))
    rule._sections.observe(node)
    if not _typed_section(rule.ctx, node, rule._sections.types):
        settings = keyword_settings(node)
        for setting in settings:
            rule._setting(setting)
        for filled in template_lines(rule.ctx, settings):
            rule._rendered_lines(filled)
    lines = rule._lines.call(node)
    if lines is not None:
        rule._joined_lines(lines)


def _read_dict(rule: Any, node: cst.Dict) -> None:
    """What a dict adds to the configuration a rule judges: an Asterisk section, or
    settings (and the templates they fill), as for :func:`_read_configuration`."""
    rule._sections.observe(node)
    if not _typed_section(rule.ctx, node, rule._sections.types):
        settings = dict_settings(rule.ctx, node)
        for setting in settings:
            rule._setting(setting)
        for filled in template_lines(rule.ctx, settings):
            rule._rendered_lines(filled)


def template_lines(ctx: Any, settings: list[Setting]) -> list[list[Line]]:
    """The module's configuration templates filled with these settings (see
    ``lines.rendered``)."""
    return rendered(ctx, [(s.name, s.value, s.node) for s in settings])


def _string_text(ctx: Any, node: cst.BaseExpression) -> Optional[str]:
    """``text_of``, also for strings written side by side over lines, f-strings among
    them (``(f"<sip:{unit}@{domain};transport=udp>" ";regint=600")``)."""
    if type(node) is cst.ConcatenatedString:
        left = _string_text(ctx, node.left)
        right = _string_text(ctx, node.right)
        if left is None:
            return None
        return left + (right if right is not None else UNKNOWN_PART)
    return text_of(ctx, node)


# A literal that is one word or identifier (``connectSip``, ``sip-trunk``), not text.
_IDENTIFIER = re.compile(r"[A-Za-z][\w-]{0,40}")


class _SipConfigurationRule(Rule):
    """A rule that judges SIP configuration however a module writes it: settings
    assigned in Python (``_setting``), FreeSWITCH parameters as (name, value) pairs
    (``_profile``) and configuration text built line by line, joined here or returned
    for the caller to join (``_joined_lines``)."""

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        profile: Optional[ProfileKnowledge] = compiled.profile
        self._params = ParamReader(ctx, profile.followed if profile is not None else frozenset())
        self._sections: Sections = compiled.asterisk.sections_of(ctx)
        self._lines = LineLists(ctx)
        self._judged: set[tuple[int, str]] = set()

    def _setting(self, setting: Setting) -> None:
        raise NotImplementedError

    def _profile(self, params: list[Param]) -> None:
        """Judge each parameter once, however many ways it was read (a `<param>` string
        is read alone and as a line of the list it is joined from)."""
        fresh = [p for p in params if (id(p.node), p.key) not in self._judged]
        self._judged.update((id(p.node), p.key) for p in fresh)
        if fresh:
            self._judge_profile(fresh)

    def _judge_profile(self, params: list[Param]) -> None:
        raise NotImplementedError

    def _joined_lines(self, lines: list[Line]) -> None:
        raise NotImplementedError

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._lines.augmented(node)

    def visit_Return(self, node: cst.Return) -> None:
        lines = self._lines.returned(node)
        if lines is not None:
            self._joined_lines(lines)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)

    # (name, value) pairs of sofia parameters, looped over to make `<param>`s.

    def visit_List(self, node: cst.List) -> None:
        self._pairs(node)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._pairs(node)

    def _pairs(self, node: Union[cst.List, cst.Tuple, cst.Dict]) -> None:
        profile: Optional[ProfileKnowledge] = self.compiled.profile
        if profile is not None:
            self._profile(profile_params(self.ctx, profile, node))


class SipWithoutTls(_SipConfigurationRule):
    """
    ## What it does
    Flags SIP signalling that is not protected by TLS: pjsua2 transports created as
    `PJSIP_TRANSPORT_UDP`/`TCP`, `sip:` URIs of remote registrars, proxies, trunks
    and identities (rather than `sips:` or `;transport=tls`), pyVoIP phones without
    `TransportMode.TLS` (pyVoIP 1.x only speaks UDP), aiosip connections over UDP
    or TCP, and FreeSWITCH sofia profiles built in Python (a dict, `<param>`
    elements or XML text) with `tls` set to `false`, and Kamailio/OpenSIPS
    configuration text that listens on `udp:`/`tcp:` sockets, and Asterisk
    transports or peers written as configuration text (`pjsip.conf`, `sip.conf`) with
    `protocol=udp`/`tcp` or `transport=udp`, or built for `configparser` as dicts
    (`cfg["transport-udp"] = {"type": "transport", "protocol": "udp", ...}`) or key by
    key (`cfg.set("transport-udp", "protocol", "udp")`), and
    endpoints bound to such a transport (`"transport": "transport-udp"`), defined in
    the same file (reported there too) or in another one (judged by its name). FreeSWITCH
    gateways registering over `udp`/`tcp` (`register-transport`) count too. Sofia
    parameters are read from dicts, lists of (name, value) pairs, XML text and
    `<param>` elements made with ElementTree, lxml or minidom directly, with `.set()`,
    or through a helper of the same module (`_param(gateway, "register-transport",
    "udp")`); and transport settings of SIP trunks and accounts kept in Python
    (`transport: str = "udp"` in a `SipTrunk` dataclass, `Trunk(transport="tcp")`) or
    given to a provider's API (`telnyx.FQDNConnection.create(transport_protocol="UDP")`).
    Listening sockets kept as values, for a YAML or JSON configuration
    (`{"socket": ["udp:0.0.0.0:5060"]}`), count like those in configuration text, and
    so do Asterisk sections rendered line by line (`body.append("transport=transport-udp")`
    then `"\n".join(body)`, or a list of lines a function returns for its caller to
    join), where the offending line is reported (a `sip:` proxy or URI among them too),
    chan_sip's `[general]` section (known by its own keys) with `transport=udp` or
    `tlsenable=no`, and configuration
    templates of the module (`Template("...protocol={{ protocol }}...")`) filled from a
    dict or `render()` keywords, where the value that fills the line is reported.
    Settings modules count too: `SIP_TRANSPORT = os.environ.get("SIP_TRANSPORT",
    "udp")` beside other telephony constants, the fallback being what runs. baresip's
    `sip_trans_def udp`, Kamailio dispatcher lines (`1 sip:10.0.0.5:5060`) and dicts
    whose kind names SIP (`{"name": "connectSip", "transport": "UDP"}`) as well.
    URIs and servers on loopback addresses are not flagged, nor the SIP identities of
    endpoints registered with a provider (Plivo XML `<User>sip:alice@phone.plivo.com`).

    ## Why is this bad?
    SIP messages carry who calls whom, when, the digest credentials and the media
    keys. In clear text they can be read, and calls can be hijacked or redirected by
    anyone on the path.

    ## How to fix
    Create a TLS transport (`PJSIP_TRANSPORT_TLS` with `verifyServer = True`), use
    `sips:` URIs or `;transport=tls`, and `TransportMode.TLS` for pyVoIP 2.x.
    """

    id = "PV601"
    name = "sip-without-tls"
    family = Family.WEAK_VOIP
    severity = Severity.WARNING
    cwe = 319
    title = "SIP signalling without TLS"
    message = "{what} sends SIP signalling unencrypted{where}; use {instead}"
    precision = "high"
    triggers = (("sip:", "transportCreate", "VoIPPhone", "aiosip"),)
    INVALID = (
        "import pjsua2 as pj\nep = pj.Endpoint()\nep.transportCreate(pj.PJSIP_TRANSPORT_UDP, pj.TransportConfig())",
        'import pjsua2 as pj\nacfg = pj.AccountConfig()\nacfg.regConfig.registrarUri = "sip:pbx.example.com;transport=udp"',
        'def render(cfg):\n    cfg["transport-udp"] = {"type": "transport", "protocol": "udp", "bind": "0.0.0.0:5060"}\n    cfg["trunk"] = {"type": "endpoint", "transport": "transport-udp", "aors": "trunk"}',
    )
    VALID = (
        'import pjsua2 as pj\nacfg = pj.AccountConfig()\nacfg.regConfig.registrarUri = "sips:pbx.example.com"',
        'def render(cfg):\n    cfg["transport-tls"] = {"type": "transport", "protocol": "tls", "bind": "0.0.0.0:5061"}\n    cfg["trunk"] = {"type": "endpoint", "transport": "transport-tls", "aors": "trunk"}',
        'import pjsua2 as pj\nacfg = pj.AccountConfig()\nacfg.idUri = "sip:4410@pbx.example.com;transport=tls"',
        'import pjsua2 as pj\nacfg = pj.AccountConfig()\nacfg.idUri = "sip:test@127.0.0.1:5060"',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        clients: dict[str, SipClient] = {}
        for entry in catalog.get("voip.signalling.clients", []) or []:
            if not isinstance(entry, dict):
                continue
            client = SipClient(
                keywords=frozenset(map(str, entry.get("keywords", []))),
                secure=frozenset(map(str, entry.get("secure", []))),
                server=tuple(map(str, entry.get("server", []))),
                server_position=int(entry.get("server-position", -1)),
                library=str(entry.get("library", "the SIP client")),
            )
            for name in entry.get("classes", []):
                clients[str(name)] = client
        return SignallingKnowledge(
            transport_methods=frozenset(catalog.strings("voip.signalling.transport-methods")),
            plain_transports=frozenset(catalog.strings("voip.signalling.plain-transports")),
            transport_modules=tuple(catalog.strings("voip.signalling.transport-modules")),
            secure_params=tuple(
                p.lower() for p in catalog.strings("voip.signalling.secure-uri-params")
            ),
            ignored_methods=frozenset(catalog.strings("voip.signalling.ignored-methods")),
            list_words=frozenset(catalog.strings("voip.signalling.list-words")),
            clients=clients,
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
            profile=ProfileKnowledge.from_catalog(catalog),
            server_config=ServerConfigKnowledge.from_catalog(catalog),
            asterisk=AsteriskKnowledge.from_catalog(catalog),
            transport_settings=frozenset(catalog.strings("voip.signalling.transport-settings")),
            plain_transport_values=frozenset(
                v.lower() for v in catalog.strings("voip.signalling.plain-transport-values")
            ),
            class_words=frozenset(
                w.lower() for w in catalog.strings("voip.secrets.config.class-words")
            ),
            voip_modules=tuple(catalog.strings("voip.modules")),
            identity_calls=tuple(
                (
                    tuple(map(str, entry.get("modules", []))),
                    frozenset(map(str, entry.get("methods", []))),
                )
                for entry in catalog.get("voip.signalling.identity-calls", []) or []
                if isinstance(entry, dict)
            ),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        profile = ProfileKnowledge.from_catalog(catalog)
        server = ServerConfigKnowledge.from_catalog(catalog)
        asterisk = AsteriskKnowledge.from_catalog(catalog)
        return (
            (
                *cls.triggers[0],
                *profile.words(),
                *server.words,
                *asterisk.words,
                *asterisk.dict_triggers,
                # chan_sip's global section.
                *sorted(asterisk.general_keys),
                *catalog.strings("voip.secrets.config.class-words"),
                # Transport settings passed to a provider's API.
                *module_words(catalog.strings("voip.modules")),
                # Sockets kept as values.
                *server.plain_protocols,
            ),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._reported: set[int] = set()

    def _joined_lines(self, lines: list[Line]) -> None:
        """Asterisk transports on UDP/TCP, and endpoints bound to one, rendered line by
        line (``body.append("transport=transport-udp")``)."""
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        if asterisk is None:
            return
        entries = sections(lines)
        binds: dict[int, str] = {
            e.index: e.value for e in entries if e.key in asterisk.bind_keys and e.value
        }
        for entry in entries:
            if entry.kind in asterisk.section_types and entry.value.startswith("sip:"):
                self._line_uri(entry)
                continue
            if entry.key not in asterisk.transport_keys or entry.kind not in asterisk.section_types:
                continue
            if entry.kind == asterisk.transport_section:
                host = binds.get(entry.index, "").rsplit(":", 1)[0].strip("[]")
                plain = asterisk.plain(entry.value) and not self._bound_to_host(host)
            else:
                plain = bool(set(words_of(entry.value)) & asterisk.plain_protocols)
            if plain:
                self._report_plain(
                    entry.node,
                    what=f"Asterisk `[{entry.section}]` with `{entry.key}={entry.value}`",
                    instead="a `tls` transport (port 5061) and `sips:` for peers outside the host",
                )

    def _line_uri(self, entry: Entry) -> None:
        """``outbound_proxy=sip:sbc.example.net`` in a section rendered line by line:
        a remote peer reached without TLS."""
        uri = entry.value
        host = uri_host(uri)
        if (
            id(entry.node) in self._reported
            or any(p in uri for p in self.compiled.secure_params)
            or not host
            or is_loopback(host, self.compiled.loopback)
        ):
            return
        self._reported.add(id(entry.node))
        self._report_plain(
            entry.node,
            what=f"Asterisk `[{entry.section}]` with `{entry.key}={uri[:50]}`",
            instead="`sips:` or `;transport=tls`",
        )

    def _server_config(self, node: StringNode) -> None:
        """``listen=udp:<public address>:5060`` in Kamailio/OpenSIPS text, and Asterisk
        transports and peers on UDP/TCP."""
        text = config_text(node)
        if text is None or "=" not in text or _documentation(self.ctx):
            return
        if self._asterisk(node, text):
            return
        for match in self.compiled.server_config.listen.finditer(text):
            host = match.group(1)
            if self._bound_to_host(host):
                continue
            self._report_plain(
                node,
                what=f"SIP server socket `{match.group(0).strip()[:40]}`",
                instead="a `tls:` socket (port 5061) for clients outside the host",
                line_offset=source_line(node, text.count("\n", 0, match.start(1))),
            )
            return

    def _asterisk(self, node: StringNode, text: str) -> bool:
        asterisk = self.compiled.asterisk
        if asterisk is None:
            return False
        for name, values, rows in asterisk.sections(text):
            switch = asterisk.weak_key(values, asterisk.tls_switches)
            if switch is not None:
                self._report_plain(
                    node,
                    what=f"Asterisk `[{name}]` with `{switch}={values[switch]}`",
                    instead="`tlsenable=yes` with a `tls` transport and `sips:` for peers",
                    line_offset=source_line(node, rows[switch]),
                )
            protocol_key = next((k for k in asterisk.transport_keys if k in values), None)
            if protocol_key is None:
                continue
            protocol = values[protocol_key]
            protocols = {p.strip() for p in protocol.split(",")}
            if not protocols or not protocols <= asterisk.plain_protocols:
                continue
            bind = next((values[k] for k in asterisk.bind_keys if k in values), None)
            host = bind.rsplit(":", 1)[0].strip("[]") if bind else None
            if self._bound_to_host(host):
                continue
            self._report_plain(
                node,
                what=f"Asterisk `[{name}]` with `{protocol}`",
                instead="a `tls` transport (port 5061) and `sips:` for peers outside the host",
                line_offset=source_line(node, rows[protocol_key]),
            )
            return True
        return False

    # Transport settings of SIP accounts and trunks kept in Python.

    def _sip_named(self, setting: Setting) -> bool:
        """Whether another entry of a dict names SIP as its kind by a literal word
        (``{"name": "connectSip", "transport": "UDP"}``, ``{"type": "sip", ...}``)."""
        if type(setting.node) is not cst.DictElement:
            return False
        words: frozenset[str] = self.compiled.class_words
        for sibling in setting.siblings:
            if type(sibling) is cst.SimpleString:
                text = literal(sibling)
                if (
                    isinstance(text, str)
                    and _IDENTIFIER.fullmatch(text)
                    and set(words_of(text)) & words
                ):
                    return True
        return False

    def _setting(self, setting: Setting) -> None:
        knowledge: SignallingKnowledge = self.compiled
        if setting.key not in knowledge.transport_settings:
            return
        value = setting_value(self.ctx, setting.value)
        if not isinstance(value, str):
            # A provider's enum member: `transport=api.SIPTransport.SIP_TRANSPORT_UDP`.
            words = library_member(self.ctx, setting.value, knowledge.voip_modules)
            if not any(w in knowledge.plain_transport_values for w in words):
                return
            shown = f"`{setting.name}={self.ctx.code(setting.value, 60)}`"
        elif value.lower() not in knowledge.plain_transport_values:
            return
        else:
            shown = f"`{setting.name}={value!r}`"
        if not (
            telephony_context(setting, knowledge.class_words)
            or settings_module(setting, knowledge.class_words)
            or library_call(self.ctx, setting, knowledge.voip_modules)
            or self._sip_named(setting)
        ):
            return
        for sibling in setting.siblings:
            text = text_of(self.ctx, sibling)
            if not text:
                continue
            lowered = text.lower().lstrip()
            if lowered.startswith(("sip:", "sips:")):
                host = uri_host(lowered)
            elif "://" in lowered:
                host = url_host(lowered)
            else:
                host = lowered
            if is_loopback(host, knowledge.loopback):
                return
        self._report_plain(
            setting.node,
            what=shown,
            instead="`tls` with `sips:` URIs",
        )

    # Asterisk sections built as dicts.

    def visit_Dict(self, node: cst.Dict) -> None:
        self._pairs(node)
        _read_dict(self, node)

    def _rendered_lines(self, lines: list[Line]) -> None:
        """A configuration template filled with a context: Asterisk sections, and
        Kamailio/OpenSIPS sockets (``socket={{ proto }}:...`` with ``proto="udp"``)."""
        self._joined_lines(lines)
        for line in lines:
            match = self.compiled.server_config.listen.search(line.text) if line.own else None
            if match is None:
                continue
            host = match.group(1)
            if self._bound_to_host(host):
                continue
            self._report_plain(
                line.node,
                what=f"SIP server socket `{match.group(0).strip()[:40]}`",
                instead="a `tls:` socket (port 5061) for clients outside the host",
            )

    def visit_Assign(self, node: cst.Assign) -> None:
        self._sections.observe(node)
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)

    def finish(self) -> None:
        """Transports and peers on UDP/TCP, and endpoints bound to such a transport
        (sections may come in any order, so they are judged at the end)."""
        asterisk: AsteriskKnowledge = self.compiled.asterisk
        sections = self._sections.sections()
        transports = {
            s.name: s for s in sections if s.kind == asterisk.transport_section and s.name
        }
        for section in sections:
            for switch, off in asterisk.tls_switches.items():
                if section.text(switch) in off:
                    self._report_plain(
                        section.entries[switch][0],
                        what=f"Asterisk `[{section.shown}]` with `{switch}={section.text(switch)}`",
                        instead="`tlsenable=yes` with a `tls` transport and `sips:` for peers",
                    )
            key, text = self._transport(asterisk, section)
            if text is None:
                continue
            element = section.entries[key][0]
            if asterisk.plain(text):
                if not self._bound_locally(asterisk, section):
                    self._report_plain(
                        element,
                        what=f"Asterisk `[{section.shown}]` with `{key}={text}`",
                        instead="a `tls` transport (port 5061) and `sips:` for peers outside "
                        "the host",
                    )
                continue
            if section.kind == asterisk.transport_section:
                continue
            # A pjsip endpoint, aor or registration names the transport section it uses:
            # one defined in this file says itself whether it is plain (and reached from
            # outside the host); another is judged by its name (`transport-udp`).
            used = transports.get(text)
            if used is not None:
                _, protocol = self._transport(asterisk, used)
                plain = (
                    protocol is not None
                    and asterisk.plain(protocol)
                    and not self._bound_locally(asterisk, used)
                )
            else:
                plain = bool(set(words_of(text)) & asterisk.plain_protocols)
            if plain:
                self._report_plain(
                    element,
                    what=f"Asterisk `[{section.shown}]` bound to the transport `{text}`",
                    instead="a `tls` transport (port 5061) and `sips:` for peers outside the host",
                )

    @staticmethod
    def _transport(asterisk: AsteriskKnowledge, section: SectionDict) -> tuple[str, Optional[str]]:
        for key in asterisk.transport_keys:
            text = section.text(key)
            if text is not None:
                return key, text
        return "", None

    def _report_plain(self, node: cst.CSTNode, what: str, instead: str, **extra: Any) -> None:
        """Report a plain channel the file itself sets up (no separate "where"); parts
        filled in at run time show as `…`."""
        self.report(node, what=what.replace(UNKNOWN_PART, "…"), where="", instead=instead, **extra)

    def _bound_to_host(self, host: Optional[str]) -> bool:
        """A socket bound to this host only (a loopback address), not to every address
        (`0.0.0.0`, `::`, `*`) or to one filled in at run time."""
        return bool(
            host
            and UNKNOWN_PART not in host
            and host not in ("0.0.0.0", "::", "*")
            and is_loopback(host, self.compiled.loopback)
        )

    def _bound_locally(self, asterisk: AsteriskKnowledge, section: SectionDict) -> bool:
        bind = next((t for k in asterisk.bind_keys if (t := section.text(k))), None)
        host = bind.rsplit(":", 1)[0].strip("[]") if bind else None
        return self._bound_to_host(host)

    # FreeSWITCH sofia profiles and gateways.

    def _judge_profile(self, params: list[Param]) -> None:
        profile: ProfileKnowledge = self.compiled.profile
        for where, key, value, _ in params:
            if key in profile.tls_keys and value in profile.off_values:
                self._report_plain(
                    where,
                    what=f"FreeSWITCH profile parameter `{key}={value}`",
                    instead="`tls` (and `tls-only`) set to `true` with `sips:` URIs",
                )
            elif key in profile.transport_keys and value in profile.plain_transports:
                self._report_plain(
                    where,
                    what=f"FreeSWITCH gateway parameter `{key}={value}`",
                    instead="`tls` with a `sips:` proxy",
                )

    # Transports and clients.

    def visit_Call(self, node: cst.Call) -> None:
        _read_configuration(self, node)
        knowledge: SignallingKnowledge = self.compiled
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in knowledge.transport_methods:
            kind = argument(node, 0, "type")
            name = constant_name(self.ctx, kind.value) if kind is not None else None
            if name in knowledge.plain_transports:
                self._report_plain(
                    node,
                    what=f"`{name}` transport",
                    instead="`PJSIP_TRANSPORT_TLS` with `verifyServer = True`",
                )
            return
        name = known_name(self.ctx, func, knowledge.clients)
        client = knowledge.clients[name] if name is not None else self._by_mode(node)
        if client is None:
            return
        mode = keyword(node, *client.keywords)
        if mode is not None and constant_name(self.ctx, mode.value) in client.secure:
            return
        server = argument(
            node, client.server_position if client.server_position >= 0 else None, *client.server
        )
        if server is not None and self._is_local(server.value):
            return
        shown = (
            f"`{arg_code(self.ctx, mode)}`" if mode is not None else "the default transport (UDP)"
        )
        self._report_plain(
            node,
            what=f"{client.library} with {shown}",
            instead="a TLS transport",
        )

    def _by_mode(self, node: cst.Call) -> Optional[SipClient]:
        """A SIP client object of unknown type (a parameter, an attribute) called with
        one of its library's own transport constants: `app.connect(addr,
        protocol=aiosip.UDP)`."""
        knowledge: SignallingKnowledge = self.compiled
        func = node.func
        if type(func) is not cst.Attribute:
            return None
        for name, client in knowledge.clients.items():
            if name.rsplit(".", 1)[-1] != func.attr.value:
                continue
            mode = keyword(node, *client.keywords)
            qualified = self.ctx.qualname(mode.value) if mode is not None else None
            if qualified is not None and qualified.startswith(client.library + "."):
                return client
        return None

    def _is_local(self, expr: cst.BaseExpression) -> bool:
        value = resolve(self.ctx, expr)
        if type(value) is cst.Tuple and value.elements:
            value = value.elements[0].value
        text = text_of(self.ctx, value)
        if text is None or UNKNOWN_PART in text:
            return False
        host = text.split(":", 1)[0].strip()
        # A server listening on every interface (`0.0.0.0`) is reachable from outside.
        return host not in ("0.0.0.0", "::", "") and is_loopback(host, self.compiled.loopback)

    # sip: URIs.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if ":" in node.value:
            self._string(node)
            self._server_config(node)
            head = node.value[:10].lower()
            if any(p in head for p in self.compiled.server_config.plain_protocols):
                self._socket_value(node)
        elif "type" in node.value:
            self._server_config(node)
        if "<param" in node.value:
            self._profile(profile_params(self.ctx, self.compiled.profile, node))
        if "sip_" in node.value:
            self._space_config(node)

    def _space_config(self, node: cst.SimpleString) -> None:
        """``sip_trans_def udp`` in baresip's ``config``."""
        server: ServerConfigKnowledge = self.compiled.server_config
        for line, key, value in server.space_lines(node):
            if key in server.space_transport_keys and value in server.space_plain:
                self._report_plain(
                    node,
                    what=f"baresip `{key} {value}`",
                    instead="`sip_trans_def tls` and `sips:` account URIs",
                    line_offset=line,
                )
                return

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._string(node)
        self._server_config(node)
        self._socket_value(node)

    def _socket_value(self, node: StringNode) -> None:
        """``{"socket": ["udp:0.0.0.0:5060"]}``: a SIP server's listening socket kept as
        a value (for a YAML or JSON configuration), with a plain protocol."""
        server: ServerConfigKnowledge = self.compiled.server_config
        text = config_text(node)
        match = server.socket_value.match(text) if text else None
        if match is None:
            return
        host = match.group(2).strip("[]")
        if self._bound_to_host(host):
            return
        if not any(set(words_of(name)) & server.directives for name in stored_under(self.ctx)):
            return
        self._report_plain(
            node,
            what=f"SIP server socket `{match.group(0).strip()[:40]}`",
            instead="a `tls:` socket (port 5061) for clients outside the host",
        )

    def _string(self, node: StringNode) -> None:
        text = leading_text(node)
        if text is None or not _SIP_URI.match(text):
            return
        stack = self.ctx.stack
        top, user, index = string_use(stack)
        if id(top) in self._reported or not self._used_for_signalling(user, index):
            return
        full = _string_text(self.ctx, top)
        if full is None:
            return
        lowered = full.lower()
        start = lowered.find("sip:")
        uri = full[start:]
        if lowered.strip() == "sip:" or any(p in lowered for p in self.compiled.secure_params):
            return
        host = uri_host(uri)
        if is_loopback(host, self.compiled.loopback):
            return
        self._reported.add(id(top))
        shown = uri.replace(UNKNOWN_PART, "…")
        self.report(
            top,
            what=f"`{shown[:50]}`",
            where=f" to `{host}`" if host else "",
            instead="`sips:` or `;transport=tls`",
        )

    def _used_for_signalling(self, user: Optional[cst.CSTNode], index: int) -> bool:
        """Whether the string is a value the program uses (not a docstring, a test of
        another value, a log message, or a dict key)."""
        if user is None or isinstance(
            user, (cst.Expr, cst.Comparison, cst.ComparisonTarget, cst.SubscriptElement, cst.Index)
        ):
            return False
        if type(user) is cst.DictElement:
            return user.key is not self.ctx.stack[index + 1]
        if type(user) is cst.Arg and index > 0:
            call = self.ctx.stack[index - 1]
            if type(call) is cst.Call:
                method = last_name(call.func)
                if method in self.compiled.ignored_methods:
                    return False
                for modules, methods in self.compiled.identity_calls:
                    if method in methods and matches_module(self.ctx.qualname(call.func), modules):
                        return False
        if type(user) is cst.Element and index > 1:
            # A list of URIs: an allowlist or examples are compared against, not called.
            holder = self.ctx.stack[index - 2]
            if isinstance(holder, (cst.Assign, cst.AnnAssign)):
                targets = (
                    [t.target for t in holder.targets]
                    if type(holder) is cst.Assign
                    else [holder.target]
                )
                for target in targets:
                    name = dotted_name(target) or ""
                    if set(words_of(name)) & self.compiled.list_words:
                        return False
        return True


@dataclass(frozen=True)
class MediaKnowledge:
    srtp_attributes: frozenset[str]
    weak_srtp: frozenset[str]
    weak_srtp_numbers: tuple[int, ...]
    signalling_attributes: frozenset[str]
    weak_signalling_numbers: tuple[int, ...]
    fs_variable: str
    fs_weak: frozenset[str]
    voip_modules: tuple[str, ...]
    uri_params: tuple[tuple[tuple[str, ...], frozenset[str], str], ...]
    secure_flags: tuple[
        tuple[tuple[str, ...], tuple[str, ...], str, frozenset[str], frozenset[str]], ...
    ]
    profile: ProfileKnowledge
    srtp_settings: frozenset[str] = frozenset()
    weak_srtp_values: frozenset[str] = frozenset()
    asterisk: Optional[AsteriskKnowledge] = None
    library_srtp_settings: frozenset[str] = frozenset()
    plain_profiles: frozenset[str] = frozenset()
    relay_words: tuple[str, ...] = ()
    relay_keys: frozenset[str] = frozenset()
    relay_flags: frozenset[str] = frozenset()
    # `name="rtp_secure_media" value="` before a field of FreeSWITCH XML text.
    fs_xml_field: Optional[re.Pattern[str]] = None


class SrtpNotEnforced(_SipConfigurationRule):
    """
    ## What it does
    Flags call media that may flow unencrypted: pjsua2 `srtpUse` set to
    `PJMEDIA_SRTP_DISABLED` or `PJMEDIA_SRTP_OPTIONAL` and `srtpSecureSignaling = 0`,
    FreeSWITCH `rtp_secure_media=forbidden|optional` (also the `rtp-secure-media`
    parameter of sofia profiles built as dicts or XML), Twilio SIP URIs without
    `secure=true` and SIP domains or trunks created without `secure=True`, Vonage
    SIP endpoints without `;media=srtp`, and trunk or endpoint settings kept in Python
    (dataclass and pydantic defaults, constructor keywords, dict entries) that leave
    SRTP off or optional: `srtp: str = "optional"`, `media_encryption="no"`,
    `use_srtp=False`; and Asterisk endpoints or peers written as configuration text
    or built as dicts for `configparser` with `media_encryption=no` (or
    `media_encryption_optimistic=yes`, `encryption=no`). FreeSWITCH `<param>` elements
    made through a helper (`_param(settings, "rtp-secure-media", "optional")`) count,
    and so do SRTP settings given to a provider's API, where `None` leaves SRTP off too
    (`telnyx.CredentialConnection.create(encrypted_media=None)`), and media relays told
    to offer plain RTP (`rtpengine_offer("RTP/AVP ...")` in Kamailio/OpenSIPS text, an
    rtpengine `flags_offer` setting or an NG `transport-protocol` of `RTP/AVP`).
    Asterisk endpoints rendered line by line (`body.append("media_encryption=no")`)
    or filled into a Jinja template of the module (`{"media_encryption": "no"}` passed
    to `render()`) count too, and so do SRTP settings of settings modules read from the
    environment with a weak fallback (`os.environ.get("SRTP_POLICY", "optional")`) and
    linphone's `media_encryption_mandatory` set to `0`.
    Provider URIs need their SRTP parameter only when they are `sip:` URIs: a `sips:`
    URI is already TLS end to end.

    ## Why is this bad?
    Without SRTP the audio of the call (the conversation itself, card numbers read
    out, health details) travels as plain RTP that anyone on the path can record.
    "Optional" SRTP falls back to plain RTP whenever a peer, or an attacker, does not
    offer it.

    ## How to fix
    Make SRTP mandatory (`PJMEDIA_SRTP_MANDATORY` with `srtpSecureSignaling = 1` or
    more, `rtp_secure_media=mandatory`, `secure=True`) and carry the signalling over
    TLS so the keys stay secret.
    """

    id = "PV602"
    name = "srtp-not-enforced"
    family = Family.WEAK_VOIP
    severity = Severity.WARNING
    cwe = 319
    title = "Call media without mandatory SRTP"
    message = "`{code}`: call audio may travel as plain RTP; {fix}"
    precision = "high"
    triggers = (("srtp", "rtp_secure_media", "sip:", "twilio", "signalwire"),)
    INVALID = (
        "import pjsua2 as pj\nacfg = pj.AccountConfig()\nacfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_OPTIONAL",
        'import greenswitch\ndef bridge(con, uuid):\n    con.api(f"uuid_setvar {uuid} rtp_secure_media=forbidden")',
    )
    VALID = (
        "import pjsua2 as pj\nacfg = pj.AccountConfig()\nacfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_MANDATORY",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        uri_params = []
        for entry in catalog.get("voip.media.uri-params", []) or []:
            if isinstance(entry, dict):
                uri_params.append(
                    (
                        tuple(map(str, entry.get("modules", []))),
                        frozenset(map(str, entry.get("methods", []))),
                        str(entry.get("required", "")).lower(),
                    )
                )
        flags = []
        for entry in catalog.get("voip.media.secure-flags", []) or []:
            if isinstance(entry, dict):
                flags.append(
                    (
                        tuple(map(str, entry.get("modules", []))),
                        tuple(map(str, entry.get("paths", []))),
                        str(entry.get("keyword", "secure")),
                        frozenset(map(str, entry.get("creating", []))),
                        frozenset(map(str, entry.get("updating", []))),
                    )
                )
        return MediaKnowledge(
            srtp_attributes=frozenset(catalog.strings("voip.media.srtp-attributes")),
            weak_srtp=frozenset(catalog.strings("voip.media.weak-srtp")),
            weak_srtp_numbers=tuple(catalog.get("voip.media.weak-srtp-numbers", []) or []),
            signalling_attributes=frozenset(catalog.strings("voip.media.signalling-attributes")),
            weak_signalling_numbers=tuple(
                catalog.get("voip.media.weak-signalling-numbers", []) or []
            ),
            fs_variable=str(catalog.get("voip.media.freeswitch-variable", "rtp_secure_media")),
            fs_weak=frozenset(v.lower() for v in catalog.strings("voip.media.freeswitch-weak")),
            voip_modules=tuple(catalog.strings("voip.modules")),
            uri_params=tuple(uri_params),
            secure_flags=tuple(flags),
            profile=ProfileKnowledge.from_catalog(catalog),
            srtp_settings=frozenset(catalog.strings("voip.media.srtp-settings")),
            weak_srtp_values=frozenset(
                v.lower() for v in catalog.strings("voip.media.weak-srtp-values")
            ),
            asterisk=AsteriskKnowledge.from_catalog(catalog),
            library_srtp_settings=frozenset(catalog.strings("voip.media.library-srtp-settings")),
            plain_profiles=frozenset(
                p.upper() for p in catalog.strings("voip.media.plain-rtp-profiles")
            ),
            relay_words=tuple(w.lower() for w in catalog.strings("voip.media.relay-words")),
            relay_keys=frozenset(
                k.lower() for k in catalog.strings("voip.media.relay-profile-keys")
            ),
            relay_flags=frozenset(f.upper() for f in catalog.strings("voip.media.relay-flags")),
            fs_xml_field=re.compile(
                r"name\s*=\s*[\"']"
                + re.escape(str(catalog.get("voip.media.freeswitch-variable", "rtp_secure_media")))
                + r"[\"']\s+value\s*=\s*[\"']$"
            ),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        profile = ProfileKnowledge.from_catalog(catalog)
        settings = (
            *catalog.strings("voip.media.srtp-settings"),
            *catalog.strings("voip.media.library-srtp-settings"),
        )
        asterisk = AsteriskKnowledge.from_catalog(catalog)
        return (
            (
                *cls.triggers[0],
                *profile.words(),
                *settings,
                *sorted(asterisk.weak_media),
                *catalog.strings("voip.media.plain-rtp-profiles"),
            ),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._reported: set[int] = set()

    # SRTP settings of trunks and endpoints kept in Python.

    def _setting(self, setting: Setting) -> None:
        knowledge: MediaKnowledge = self.compiled
        general = setting.key in knowledge.srtp_settings
        if not general and setting.key not in knowledge.library_srtp_settings:
            return
        library = setting.call is not None and library_call(
            self.ctx, setting, knowledge.voip_modules
        )
        if not (general or library):
            return
        value = setting_value(self.ctx, setting.value)
        code = f"{setting.name}={value!r}"
        # A provider's enum member: `api.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW`.
        member = value is NOT_LITERAL and bool(
            set(library_member(self.ctx, setting.value, knowledge.voip_modules))
            & knowledge.weak_srtp_values
        )
        if member:
            code = f"{setting.name}={self.ctx.code(setting.value, 60)}"
        if (
            value is False
            or member
            or (value is None and library)
            or (isinstance(value, str) and value.lower() in knowledge.weak_srtp_values)
        ):
            self.report(
                setting.node,
                code=code,
                fix="make SRTP mandatory",
            )

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: MediaKnowledge = self.compiled
        self._sections.observe(node)
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)
        for target in node.targets:
            expr = target.target
            if type(expr) is not cst.Attribute:
                continue
            attr = expr.attr.value
            value = value_of(self.ctx, node.value)
            code = f"{self.ctx.code(expr, 40)} = {self.ctx.code(node.value, 40)}"
            if attr in knowledge.srtp_attributes:
                weak = constant_name(self.ctx, node.value) in knowledge.weak_srtp or (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and value in knowledge.weak_srtp_numbers
                )
                if weak:
                    self.report(node, code=code, fix="use `PJMEDIA_SRTP_MANDATORY`")
            elif attr in knowledge.signalling_attributes and (
                isinstance(value, int) and value in knowledge.weak_signalling_numbers
            ):
                self.report(
                    node,
                    code=code,
                    fix="SRTP keys may then be exchanged over unencrypted signalling; require "
                    "TLS (`srtpSecureSignaling = 1`)",
                )

    # FreeSWITCH channel variables.

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "rtp_secure_media" in node.value:
            self._freeswitch_text(node)
        if "<param" in node.value:
            self._profile(profile_params(self.ctx, self.compiled.profile, node))
        if "encryption" in node.value:
            self._asterisk(node)
        if "/AVP" in node.value or "/avp" in node.value:
            self._relay_profile(node)

    def _relay_profile(self, node: StringNode) -> None:
        """``rtpengine_offer("RTP/AVP ...")``, ``{"rtpengine": {"flags_offer": "RTP/AVP"}}``:
        a media relay told to offer plain RTP."""
        knowledge: MediaKnowledge = self.compiled
        text = config_text(node)
        if text is None or _documentation(self.ctx):
            return
        tokens = {t.upper() for t in _RELAY_TOKEN.split(text)}
        profile = next((p for p in sorted(knowledge.plain_profiles) if p in tokens), None)
        if profile is None:
            return
        lowered = text.lower()
        names = [n.lower() for n in stored_under(self.ctx)]
        if not (
            any(w in lowered or any(w in n for n in names) for w in knowledge.relay_words)
            or (names and names[0] in knowledge.relay_keys)
            or not tokens.isdisjoint(knowledge.relay_flags)
        ):
            return
        row, line = next(
            (
                (row, raw.strip())
                for row, raw in enumerate(text.split("\n"))
                if profile in {t.upper() for t in _RELAY_TOKEN.split(raw)}
            ),
            (0, profile),
        )
        self.report(
            node,
            line_offset=source_line(node, row),
            code=line.replace(UNKNOWN_PART, "…")[:60],
            fix=f"the media relay offers `{profile}` (plain RTP); offer `RTP/SAVP` (or "
            "`UDP/TLS/RTP/SAVPF`) so the call leg keeps SRTP",
        )

    def _asterisk(self, node: StringNode) -> None:
        """Asterisk endpoints and peers whose media keys leave SRTP off or optional
        (``media_encryption=no``)."""
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        text = config_text(node)
        if asterisk is None or text is None or _documentation(self.ctx):
            return
        for name, values, rows in asterisk.sections(text):
            key = asterisk.weak_key(values, asterisk.weak_media)
            if key is not None:
                self.report(
                    node,
                    code=f"[{name}] {key}={values[key]}".replace(UNKNOWN_PART, "…"),
                    fix="set `media_encryption` to `sdes` or `dtls`",
                    line_offset=source_line(node, rows[key]),
                )
                return

    def finish(self) -> None:
        """Asterisk endpoints and peers built as dicts whose media keys leave SRTP off
        or optional (`"media_encryption_optimistic": "yes"`)."""
        knowledge: MediaKnowledge = self.compiled
        asterisk = knowledge.asterisk
        if asterisk is None:
            return
        for section in self._sections.sections():
            for key, bad in asterisk.weak_media.items():
                text = section.text(key)
                # Settings named like `media_encryption` are judged on their own.
                if text in bad and key not in knowledge.srtp_settings:
                    self.report(
                        section.entries[key][0],
                        code=f"[{section.shown}] {key}={text}",
                        fix="set `media_encryption` to `sdes` or `dtls`, not optimistic",
                    )

    def _judge_profile(self, params: list[Param]) -> None:
        """`rtp-secure-media` of a FreeSWITCH sofia profile."""
        knowledge: MediaKnowledge = self.compiled
        profile = knowledge.profile
        for where, key, value, _ in params:
            mode = value.split(":", 1)[0].strip()
            if key in profile.srtp_keys and mode in knowledge.fs_weak:
                self.report(
                    where,
                    line_offset=xml_param_line(where, key),
                    code=f"{key}={value}"[:60],
                    fix=f"set `{key}` to `mandatory`",
                )

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._freeswitch_text(node)
        self._freeswitch_xml_field(node)
        self._asterisk(node)
        self._relay_profile(node)

    def _freeswitch_xml_field(self, node: cst.FormattedString) -> None:
        """``<variable name="rtp_secure_media" value="{srtp}"/>`` in FreeSWITCH XML (a
        directory or dialplan served to `mod_xml_curl`) filled with a value that leaves
        SRTP optional or off: reported where that value is written
        (``srtp = "mandatory" if secure else "optional"``)."""
        knowledge: MediaKnowledge = self.compiled
        marker = knowledge.fs_xml_field
        if marker is None:
            return
        parts = node.parts
        for index, part in enumerate(parts[:-1]):
            following = parts[index + 1]
            if (
                type(part) is not cst.FormattedStringText
                or type(following) is not cst.FormattedStringExpression
                or knowledge.fs_variable not in part.value
                or not marker.search(part.value.replace('\\"', '"'))
            ):
                continue
            value = resolve(self.ctx, following.expression)
            choices = (value.body, value.orelse) if type(value) is cst.IfExp else (value,)
            for choice in choices:
                found = value_of(self.ctx, choice)
                if isinstance(found, str) and found.lower() in knowledge.fs_weak:
                    at = resolve(self.ctx, choice)
                    self.report(
                        at if type(at) is cst.SimpleString else node,
                        code=f"{knowledge.fs_variable}={found}",
                        fix="set `rtp_secure_media=mandatory`",
                    )
                    return

    def _freeswitch_text(self, node: StringNode) -> None:
        knowledge: MediaKnowledge = self.compiled
        if type(node) is cst.SimpleString:
            text = literal(node)
            if not isinstance(text, str):
                return
        else:
            text = "".join(
                p.value if type(p) is cst.FormattedStringText else UNKNOWN_PART for p in node.parts
            )
        # `rtp_secure_media=optional` (dialplan, channel variables), or the variable and
        # its value as arguments of a command (`uuid_setvar <uuid> rtp_secure_media no`).
        found = re.search(
            re.escape(knowledge.fs_variable) + r"(?:\s*=\s*|[ \t]+)([^,}\s;'\"]*)", text
        )
        if found is None or not imports_any(self.ctx, knowledge.voip_modules):
            return
        start, value = found.start(), found.group(1)
        marker = knowledge.fs_variable + "="
        if value.lower() in knowledge.fs_weak:
            self.report(
                node,
                line_offset=source_line(
                    node,
                    text.count("\n", 0, start)
                    + (text.count("\\n", 0, start) if type(node) is cst.FormattedString else 0),
                ),
                code=f"{marker}{value}",
                fix="set `rtp_secure_media=mandatory`",
            )

    def _joined_lines(self, lines: list[Line]) -> None:
        """Asterisk endpoints without SRTP in configuration rendered line by line or
        from a template."""
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        if asterisk is None:
            return
        for entry in sections(lines):
            bad = asterisk.weak_media.get(entry.key, frozenset())
            if entry.value in bad and entry.kind in asterisk.section_types:
                self.report(
                    entry.node,
                    code=f"[{entry.section}] {entry.key}={entry.value}".replace(UNKNOWN_PART, "…"),
                    fix="set `media_encryption` to `sdes` or `dtls`",
                )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: MediaKnowledge = self.compiled
        settings = keyword_settings(node)
        for setting in settings:
            self._setting(setting)
        for filled in template_lines(self.ctx, settings):
            self._joined_lines(filled)
        self._profile(self._params.call(node))
        self._sections.observe(node)
        lines = self._lines.call(node)
        if lines is not None:
            self._joined_lines(lines)
        name = positional(node, 0)
        value = positional(node, 1)
        if (
            name is not None
            and value is not None
            and value_of(self.ctx, name.value) == (knowledge.fs_variable)
        ):
            found = value_of(self.ctx, value.value)
            if isinstance(found, str) and found.lower() in knowledge.fs_weak:
                self.report(
                    node,
                    code=self.ctx.code(node, 60),
                    fix="set `rtp_secure_media` to `mandatory`",
                )
                return
        qualified = self.ctx.qualname(node.func)
        if qualified is None:
            return
        stripped = strip_calls(qualified)
        self._provider_uri(node, qualified)
        for modules, paths, flag, creating, updating in knowledge.secure_flags:
            if not matches_module(qualified, modules):
                continue
            head, _, method = stripped.rpartition(".")
            if not any(head.endswith("." + p) or head == p for p in paths):
                continue
            arg = keyword(node, flag)
            found = value_of(self.ctx, arg.value) if arg is not None else NOT_LITERAL
            if method in creating and (arg is None or found is False):
                self.report(
                    node,
                    code=self.ctx.code(node.func, 50) + "(...)",
                    fix=f"pass `{flag}=True` so the provider requires SRTP",
                )
            elif method in updating and found is False:
                self.report(
                    arg or node,
                    code=self.ctx.code(node.func, 50) + "(...)",
                    fix=f"keep `{flag}=True`",
                )

    def _provider_uri(self, node: cst.Call, qualified: str) -> None:
        knowledge: MediaKnowledge = self.compiled
        func = node.func
        method = last_name(func) or ""
        for modules, methods, required in knowledge.uri_params:
            if method not in methods or not matches_module(qualified, modules):
                continue
            arg = argument(node, 0, "sip_url", "uri")
            if arg is None:
                continue
            text = text_of(self.ctx, arg.value)
            # A `sips:` URI already asks for TLS end to end, and the provider then
            # negotiates SRTP: the URI parameter is only needed on `sip:` URIs.
            if text is None or not text.lower().lstrip().startswith("sip:"):
                continue
            if required not in text.lower():
                self.report(
                    arg,
                    code=text.replace(UNKNOWN_PART, "…")[:50],
                    fix=f"add `;{required}` to the URI",
                )

    def visit_Dict(self, node: cst.Dict) -> None:
        """Vonage-style endpoints: ``{"type": "sip", "uri": "sip:..."}``, and sofia
        profiles."""
        knowledge: MediaKnowledge = self.compiled
        self._pairs(node)
        self._sections.observe(node)
        settings = dict_settings(self.ctx, node)
        for setting in settings:
            self._setting(setting)
        for filled in template_lines(self.ctx, settings):
            self._joined_lines(filled)
        values: dict[str, cst.BaseExpression] = {}
        for element in node.elements:
            if type(element) is cst.DictElement:
                key = literal(element.key)
                if isinstance(key, str):
                    values[key] = element.value
        if value_of(self.ctx, values.get("type", cst.Name("None"))) != "sip" or "uri" not in values:
            return
        imported = self.ctx.imports.imported_modules
        for modules, methods, required in knowledge.uri_params:
            if methods or not any(
                m == module or m.startswith(module + ".") for m in imported for module in modules
            ):
                continue
            text = text_of(self.ctx, values["uri"])
            if (
                text is not None
                and not text.lower().lstrip().startswith("sips:")
                and required not in text.lower()
            ):
                self.report(
                    values["uri"],
                    code=text.replace(UNKNOWN_PART, "…")[:50],
                    fix=f"add `;{required}` to the SIP endpoint URI",
                )


@dataclass(frozen=True)
class PeerKnowledge:
    verify_attributes: frozenset[str]
    client_cert_attributes: frozenset[str]
    tls_config_words: frozenset[str]
    method_attributes: frozenset[str]
    weak_methods: frozenset[str]
    proto_attributes: frozenset[str]
    weak_protos: frozenset[str]
    transport_configs: frozenset[str]
    transport_methods: frozenset[str]
    tls_transports: frozenset[str]
    security_functions: frozenset[str]
    insecure_security: frozenset[str]
    server_config: ServerConfigKnowledge
    asterisk: Optional[AsteriskKnowledge] = None
    profile: Optional[ProfileKnowledge] = None
    settings: Optional[VerifySettings] = None


@dataclass(frozen=True)
class VerifySettings:
    """Settings of SIP trunks and PBX connections that turn the TLS peer check off."""

    verify_words: frozenset[str]
    tls_words: frozenset[str]
    insecure_words: frozenset[str]
    off_values: frozenset[str]
    exclusions: frozenset[str]
    context_words: frozenset[str]
    voip_modules: tuple[str, ...]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> VerifySettings:
        def words(key: str) -> frozenset[str]:
            return frozenset(w.lower() for w in catalog.strings(key))

        return cls(
            verify_words=words("voip.peer.setting-verify-words"),
            tls_words=words("voip.peer.setting-tls-words"),
            insecure_words=words("voip.peer.setting-insecure-words"),
            off_values=words("voip.peer.setting-off-values"),
            exclusions=words("voip.peer.setting-exclusions"),
            context_words=words("voip.limits.context-words")
            | words("voip.secrets.config.class-words"),
            voip_modules=tuple(catalog.strings("voip.modules")),
        )

    def weak(self, name: str, value: Any) -> bool:
        """Whether ``name = value`` turns the check off, by the name alone."""
        words = set(words_of(name))
        if not words & self.tls_words or words & self.exclusions:
            return False
        if words & self.insecure_words:
            return value is True
        if not words & self.verify_words:
            return False
        if isinstance(value, str):
            return value.strip().lower() in self.off_values
        return value is False or (type(value) is int and value == 0)


class SipTlsUnverified(_SipConfigurationRule):
    """
    ## What it does
    Flags SIP over TLS that does not authenticate the peer or uses an old TLS
    version: pjsua2 `tlsConfig.verifyServer` set to `False`, a TLS
    transport created from a config whose `verifyServer` was never turned on (its
    default is off), `tlsConfig.method` or `proto` below
    TLS 1.2, pyVoIP's `set_tls_security(ssl.CERT_NONE)`, Kamailio/OpenSIPS
    configuration text with `modparam("tls", "verify_certificate", 0)`, and Kamailio
    `tls.cfg` text whose client profile (`[client:default]`) sets
    `verify_certificate = no` (or the older core parameter `tls_verify_server = 0`),
    Asterisk TLS transports written as configuration text
    with `verify_server=no` or `method=tlsv1` (also as dicts for `configparser`), and
    FreeSWITCH profiles with `tls-verify-policy` `none` or `tls-verify-peer` `false`, or
    a `tls-version` list that allows TLS 1.0 or 1.1
    (as dicts, XML text or `<param>` elements, also made through a helper), and
    settings of trunks, carriers and PBX connections kept in Python that turn the
    check off (`verify_carrier_tls: bool = False` beside `esl_host` settings,
    `SipTrunk(tls_insecure=True)`, `{"tls_verify_server": "no"}` in a trunk dict).
    Kamailio `tls.cfg` profiles with an old `method` (`TLSv1+` allows TLS 1.0) count, also
    when the file is rendered line by line (`["[client:default]", "method = TLSv1+"]`
    joined with newlines), as do Asterisk transports rendered that way, OpenSIPS
    `modparam("tls_mgm", "tls_method", "TLSv1")` (also when the TLS module's parameters
    are kept in a dict the file writes out as `modparam` lines:
    `dict(TLS_DEFAULTS, method="TLSv1", verify_certificate="0")`), baresip's
    `sip_verify_server no`,
    and such settings filled into a Jinja template of the module
    (`EDGE.render(**{"verify_cert": "0", ...})`), reported on the value that fills it.

    ## Why is this bad?
    TLS without certificate checks encrypts the signalling to whoever answers:
    anyone on the path can pose as the carrier or the PBX, read the credentials and
    the SRTP keys, and redirect calls.

    ## How to fix
    Set `tlsConfig.verifyServer = True` (and `verifyClient`/`requireClientCert` on
    servers that rely on client certificates), load the CA list (`CaListFile`), and use
    `PJSIP_TLSV1_2_METHOD` or newer.
    """

    id = "PV603"
    name = "sip-tls-unverified"
    family = Family.WEAK_VOIP
    severity = Severity.ERROR
    cwe = 295
    title = "SIP TLS without peer verification or with an old TLS version"
    message = "`{code}`: {why}"
    precision = "high"
    triggers = (
        (
            "verifyServer",
            "verifyClient",
            "requireClientCert",
            "tlsConfig",
            "PJSIP_TRANSPORT_TLS",
            "set_tls_security",
        ),
    )
    INVALID = (
        "import pjsua2 as pj\ncfg = pj.TransportConfig()\ncfg.tlsConfig.verifyServer = False",
        "import pjsua2 as pj\ndef start(ep):\n    cfg = pj.TransportConfig()\n    cfg.port = 5061\n    ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, cfg)",
    )
    VALID = (
        "import pjsua2 as pj\ndef start(ep):\n    cfg = pj.TransportConfig()\n    cfg.tlsConfig.verifyServer = True\n    cfg.tlsConfig.method = pj.PJSIP_TLSV1_2_METHOD\n    ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, cfg)",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return PeerKnowledge(
            verify_attributes=frozenset(catalog.strings("voip.peer.verify-attributes")),
            client_cert_attributes=frozenset(catalog.strings("voip.peer.client-cert-attributes")),
            tls_config_words=frozenset(
                w.lower() for w in catalog.strings("voip.peer.tls-config-words")
            ),
            method_attributes=frozenset(catalog.strings("voip.peer.method-attributes")),
            weak_methods=frozenset(catalog.strings("voip.peer.weak-methods")),
            proto_attributes=frozenset(catalog.strings("voip.peer.proto-attributes")),
            weak_protos=frozenset(catalog.strings("voip.peer.weak-protos")),
            transport_configs=frozenset(catalog.strings("voip.peer.transport-configs")),
            transport_methods=frozenset(catalog.strings("voip.signalling.transport-methods")),
            tls_transports=frozenset(catalog.strings("voip.signalling.tls-transports")),
            security_functions=frozenset(catalog.strings("voip.peer.security-functions")),
            insecure_security=frozenset(catalog.strings("voip.peer.insecure-security")),
            server_config=ServerConfigKnowledge.from_catalog(catalog),
            asterisk=AsteriskKnowledge.from_catalog(catalog),
            profile=ProfileKnowledge.from_catalog(catalog),
            settings=VerifySettings.from_catalog(catalog),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        section = str(catalog.get("voip.sip-server-config.client-section", "client:"))
        asterisk = AsteriskKnowledge.from_catalog(catalog)
        profile = ProfileKnowledge.from_catalog(catalog)
        settings = VerifySettings.from_catalog(catalog)
        known = (
            *cls.triggers[0],
            "modparam",
            f"[{section}",
            *(f"[{s}" for s in catalog.strings("voip.sip-server-config.profile-sections")),
            *catalog.strings("voip.sip-server-config.core-verify-params"),
            *catalog.strings("voip.baresip.verify-keys"),
            *asterisk.words,
            *asterisk.dict_triggers,
            *sorted(asterisk.weak_verify),
            *sorted(profile.verify_keys),
            *sorted(profile.verify_flags),
        )
        # A setting needs a word of its name and a telephony word around it.
        return (
            (
                *known,
                *(f"name:{w}" for w in sorted(settings.verify_words | settings.insecure_words)),
            ),
            (
                *known,
                *(f"name:{w}" for w in sorted(settings.context_words)),
                *module_words(settings.voip_modules),
            ),
        )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        profile: Optional[ProfileKnowledge] = self.compiled.profile
        if profile is not None and "<param" in node.value and not _documentation(self.ctx):
            self._profile(profile_params(self.ctx, profile, node))
        server: ServerConfigKnowledge = self.compiled.server_config
        if "modparam" in node.value:
            self._modparam = True
        if (
            "modparam" in node.value
            or "type" in node.value
            or "verify" in node.value
            or any(s in node.value for s in server.profile_sections)
        ):
            self._server_config(node)
        if "sip_" in node.value:
            for line, key, value in server.space_lines(node):
                if key in server.space_verify_keys and value in server.space_verify_off:
                    self.report(
                        node,
                        code=f"{key} {value}",
                        why="baresip accepts any certificate from the SIP server; anyone on "
                        "the path can pose as the PBX",
                        line_offset=line,
                    )
                    break

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if not self._modparam:
            self._modparam = any(
                type(p) is cst.FormattedStringText and "modparam" in p.value for p in node.parts
            )
        self._server_config(node)

    def _param_dict(self, node: Union[cst.Dict, cst.Call]) -> None:
        """A dict of Kamailio/OpenSIPS TLS module parameters (a literal, or
        ``dict(BASE, method="TLSv1")``) that turns the check off or pins an old TLS."""
        server: ServerConfigKnowledge = self.compiled.server_config
        if not server.dict_params:
            return
        entries: dict[str, Any] = {}
        nodes: dict[str, cst.CSTNode] = {}
        if type(node) is cst.Dict:
            for element in node.elements:
                if type(element) is cst.DictElement:
                    key = literal(element.key)
                    if isinstance(key, str):
                        entries[key.lower()] = value_of(self.ctx, element.value)
                        nodes[key.lower()] = element
        else:
            for arg in node.args:
                if arg.keyword is not None:
                    entries[arg.keyword.value.lower()] = value_of(self.ctx, arg.value)
                    nodes[arg.keyword.value.lower()] = arg
        found = server.weak_params(entries)
        if found is not None:
            code, kind = found
            key = code.split("=", 1)[0]
            self._param_dicts.append((nodes[key], code, kind, tuple(map(id, nodes.values()))))

    def _server_config(self, node: StringNode) -> None:
        """``modparam("tls", "verify_certificate", 0)`` in Kamailio/OpenSIPS text, and
        ``verify_certificate = no`` in a client profile of Kamailio's ``tls.cfg``."""
        server: ServerConfigKnowledge = self.compiled.server_config
        text = config_text(node)
        if text is None or _documentation(self.ctx):
            return
        if "modparam" in text:
            match = server.unverified.search(text)
            if match is not None:
                self.report(
                    node,
                    code=match.group(0),
                    why="the SIP server accepts TLS peers without checking their certificates",
                    line_offset=source_line(node, text.count("\n", 0, match.start())),
                )
                return
            match = server.weak_modparam_method.search(text)
            if match is not None:
                self.report(
                    node,
                    code=match.group(0),
                    why=_OLD_TLS,
                    line_offset=source_line(node, text.count("\n", 0, match.start())),
                )
                return
        if f"[{server.client_section}" in text.lower():
            line = server.unverified_client(text)
            if line is not None:
                self.report(
                    node,
                    code=line,
                    why="SIP-TLS connections made with this profile accept any server "
                    "certificate; anyone on the path can pose as the peer",
                )
                return
        line = server.unverified_core(text) if server.core_verify else None
        if line is not None:
            self.report(
                node,
                code=line,
                why="SIP-TLS connections accept any server certificate; anyone on the "
                "path can pose as the peer",
            )
            return
        line = server.weak_method(text) if server.weak_methods else None
        if line is not None:
            self.report(node, code=line, why=_OLD_TLS)
            return
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        for name, values, rows in asterisk.sections(text) if asterisk is not None else ():
            assert asterisk is not None
            key = asterisk.weak_key(values, asterisk.weak_verify)
            if key is not None:
                self.report(
                    node,
                    code=f"[{name}] {key}={values[key]}",
                    why="the SIP-TLS transport accepts any server certificate; anyone on "
                    "the path can pose as the peer",
                    line_offset=source_line(node, rows[key]),
                )
                return
            key = next((k for k in asterisk.method_keys if k in values), None)
            if key is not None and values[key] in asterisk.weak_methods:
                self.report(
                    node,
                    code=f"[{name}] method={values[key]}",
                    why="the SIP-TLS transport allows an obsolete protocol version; use "
                    "TLS 1.2 or newer",
                    line_offset=source_line(node, rows[key]),
                )
                return

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # (function, config name) -> verifyServer state: None unset, True, False.
        self._configs: dict[tuple[int, str], Optional[bool]] = {}
        profile: Optional[ProfileKnowledge] = compiled.profile
        asterisk: Optional[AsteriskKnowledge] = compiled.asterisk
        # Settings reported by name, not again as the template line they fill.
        self._reported_settings: set[int] = set()
        # Dicts of TLS module parameters that weaken TLS, reported when the file writes
        # `modparam` lines; whether it does.
        self._param_dicts: list[tuple[cst.CSTNode, str, str, tuple[int, ...]]] = []
        self._modparam = False
        self._own_keys = frozenset(
            (
                *compiled.verify_attributes,
                *(profile.verify_keys | profile.verify_flags if profile else ()),
                *(asterisk.weak_verify if asterisk else ()),
            )
        )

    def _function(self) -> int:
        for node in reversed(self.ctx.stack):
            if type(node) is cst.FunctionDef:
                return id(node)
        return id(self.ctx.module)

    def _on_tls_config(self, receiver: cst.BaseExpression) -> bool:
        name = dotted_name(receiver)
        return (
            name is not None and name.rsplit(".", 1)[-1].lower() in self.compiled.tls_config_words
        )

    # Configuration rendered line by line: `tls.cfg` profiles and Asterisk transports.

    def _joined_lines(self, lines: list[Line]) -> None:
        knowledge: PeerKnowledge = self.compiled
        for entry, why in knowledge.server_config.profile_entries(lines):
            self.report(
                entry.node,
                code=f"[{entry.section}] {entry.key} = {entry.value}".replace(UNKNOWN_PART, "…"),
                why=_OLD_TLS if why == "method" else _ANY_CERTIFICATE,
            )
        asterisk = knowledge.asterisk
        for entry in sections(lines) if asterisk is not None else ():
            assert asterisk is not None
            if entry.kind != asterisk.transport_section:
                continue
            shown = f"[{entry.section}] {entry.key}={entry.value}".replace(UNKNOWN_PART, "…")
            if entry.value in asterisk.weak_verify.get(entry.key, ()):
                self.report(
                    entry.node,
                    code=shown,
                    why="the SIP-TLS transport accepts any server certificate; anyone on "
                    "the path can pose as the peer",
                )
            elif entry.key in asterisk.method_keys and entry.value in asterisk.weak_methods:
                self.report(
                    entry.node,
                    code=shown,
                    why="the SIP-TLS transport allows an obsolete protocol version; use "
                    "TLS 1.2 or newer",
                )

    # TLS checks of trunks and PBX connections kept in Python.

    def _setting(self, setting: Setting) -> None:
        knowledge: PeerKnowledge = self.compiled
        settings = knowledge.settings
        if settings is None or (
            setting.name in self._own_keys and type(setting.node) is cst.DictElement
        ):
            # pjsua2's `tlsConfig.verifyServer`, sofia and Asterisk parameters are
            # judged on their own.
            return
        value = setting_value(self.ctx, setting.value)
        if not settings.weak(setting.name, value):
            return
        if not (
            telephony_context(setting, settings.context_words)
            or library_call(self.ctx, setting, settings.voip_modules)
        ):
            return
        self._reported_settings.add(id(setting.node))
        self.report(
            setting.node,
            code=f"{setting.name}={value!r}",
            why="SIP-TLS connections made with this setting accept any certificate; anyone "
            "on the path can pose as the carrier or the PBX",
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: PeerKnowledge = self.compiled
        self._sections.observe(node)
        for setting in assigned_settings(self.ctx, node):
            self._setting(setting)
        config = (
            known_name(self.ctx, node.value.func, knowledge.transport_configs)
            if type(node.value) is cst.Call
            else None
        )
        for target in node.targets:
            expr = target.target
            if type(expr) is cst.Name:
                if config is not None:
                    self._configs[(self._function(), expr.value)] = None
                continue
            if type(expr) is not cst.Attribute:
                continue
            attr = expr.attr.value
            code = f"{self.ctx.code(expr, 40)} = {self.ctx.code(node.value, 30)}"
            value = value_of(self.ctx, node.value)
            if attr in knowledge.verify_attributes:
                base = dotted_name(expr.value) or ""
                config = base.split(".", 1)[0]
                key = (self._function(), config)
                if key in self._configs and attr == "verifyServer":
                    self._configs[key] = bool(value) if value is not NOT_LITERAL else True
                unless = ""
                if value is NOT_LITERAL:
                    value = _lookup_default(self.ctx, node.value)
                    unless = " unless the setting is given"
                if value is not NOT_LITERAL and not value:
                    who = "server" if attr == "verifyServer" else "client"
                    self.report(
                        node,
                        code=code,
                        why=f"the SIP {who}'s certificate is not verified{unless}; anyone on the "
                        "path can pose as it",
                    )
            elif (
                attr in knowledge.client_cert_attributes and value is not NOT_LITERAL and not value
            ):
                self.report(
                    node,
                    code=code,
                    why="SIP clients connect over TLS without presenting a certificate",
                    severity=Severity.WARNING,
                )
            elif attr in knowledge.method_attributes and self._on_tls_config(expr.value):
                if constant_name(self.ctx, node.value) in knowledge.weak_methods:
                    self.report(node, code=code, why="SIP TLS allows an obsolete protocol version")
            elif attr in knowledge.proto_attributes and self._on_tls_config(expr.value):
                weak = [f for f in self._flags(node.value) if f in knowledge.weak_protos]
                if weak:
                    self.report(node, code=code, why="SIP TLS allows an obsolete protocol version")

    def _flags(self, expr: cst.BaseExpression) -> list[str]:
        if type(expr) is cst.BinaryOperation:
            return self._flags(expr.left) + self._flags(expr.right)
        name = constant_name(self.ctx, expr)
        return [name] if name else []

    # FreeSWITCH sofia profiles: `tls-verify-policy` `none`.

    def visit_Dict(self, node: cst.Dict) -> None:
        self._pairs(node)
        _read_dict(self, node)
        self._param_dict(node)

    def _rendered_lines(self, lines: list[Line]) -> None:
        """A configuration template filled with a context: Asterisk transports, and
        Kamailio/OpenSIPS ``modparam`` lines that turn the check off or pin an old TLS."""
        self._joined_lines(lines)
        server: ServerConfigKnowledge = self.compiled.server_config
        for line in lines:
            if (
                not line.own
                or "modparam" not in line.text
                or id(line.node) in self._reported_settings
            ):
                continue
            # Not `require_cert`: a server need not ask its clients for certificates.
            match = server.unverified_peer.search(line.text)
            if match is not None:
                self._reported_settings.add(id(line.node))
                self.report(
                    line.node,
                    code=match.group(0),
                    why="the SIP server accepts TLS peers without checking their certificates",
                )
                continue
            match = server.weak_modparam_method.search(line.text)
            if match is not None:
                self._reported_settings.add(id(line.node))
                self.report(line.node, code=match.group(0), why=_OLD_TLS)

    def finish(self) -> None:
        """Asterisk TLS transports built as dicts that do not verify the server or
        allow an old TLS version."""
        if self._modparam:
            for node, code, kind, members in self._param_dicts:
                # Settings filled into a template are reported where they fill it.
                if not self._reported_settings.isdisjoint(members):
                    continue
                self.report(
                    node,
                    code=code,
                    why="the SIP server's TLS module accepts peers without checking their "
                    "certificates"
                    if kind == "verify"
                    else _OLD_TLS,
                )
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        if asterisk is None:
            return
        for section in self._sections.sections():
            for key, bad in asterisk.weak_verify.items():
                if section.text(key) in bad:
                    self.report(
                        section.entries[key][0],
                        code=f"[{section.shown}] {key}={section.text(key)}",
                        why="the SIP-TLS transport accepts any server certificate; anyone on "
                        "the path can pose as the peer",
                    )
            for key in asterisk.method_keys:
                if section.text(key) in asterisk.weak_methods:
                    self.report(
                        section.entries[key][0],
                        code=f"[{section.shown}] {key}={section.text(key)}",
                        why="the SIP-TLS transport allows an obsolete protocol version; use "
                        "TLS 1.2 or newer",
                    )

    def _judge_profile(self, params: list[Param]) -> None:
        profile: Optional[ProfileKnowledge] = self.compiled.profile
        if profile is None:
            return
        for where, key, value, _ in params:
            if profile.unverified(key, value):
                why = (
                    "the SIP-TLS profile accepts any peer certificate; anyone on the path can "
                    "pose as the peer"
                )
            elif profile.obsolete(key, value):
                why = (
                    "the SIP-TLS profile allows an obsolete protocol version; use TLS 1.2 or newer"
                )
            else:
                continue
            self.report(
                where, line_offset=xml_param_line(where, key), code=f"{key}={value}", why=why
            )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: PeerKnowledge = self.compiled
        _read_configuration(self, node)
        func = node.func
        if type(func) is cst.Name and func.value == "dict":
            self._param_dict(node)
        if type(func) is cst.Attribute and func.attr.value in knowledge.transport_methods:
            kind = argument(node, 0, "type")
            config = argument(node, 1, "cfg")
            if kind is None or config is None or type(config.value) is not cst.Name:
                return
            if constant_name(self.ctx, kind.value) not in knowledge.tls_transports:
                return
            key = (self._function(), config.value.value)
            if key in self._configs and self._configs[key] is None:
                self.report(
                    node,
                    code=self.ctx.code(node, 60),
                    why="the TLS transport keeps pjsua2's default `verifyServer = False`: the "
                    "server certificate is not checked",
                )
            return
        if known_name(self.ctx, func, knowledge.security_functions) is not None:
            arg = argument(node, 0, "verify_mode")
            if (
                arg is not None
                and constant_name(self.ctx, arg.value) in knowledge.insecure_security
            ):
                self.report(
                    node,
                    code=self.ctx.code(node, 60),
                    why="SIP TLS certificates are no longer verified",
                )
