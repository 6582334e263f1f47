"""PBX control channels in clear text, and VoIP credentials written into the code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    UNKNOWN_PART,
    StringNode,
    argument,
    binding,
    env_default,
    host_text,
    instance_of,
    is_loopback,
    keyword,
    known_name,
    last_name,
    leading_text,
    literal,
    module_words,
    positional,
    resolve,
    string_use,
    target_name,
    text_of,
    url_host,
    value_of,
    words_of,
)
from privalint.rules.weak_tls.service_settings import (
    ServiceSettingKnowledge,
    ServiceSettings,
    compile_service_settings,
)
from privalint.rules.weak_voip.config import (
    AssignNode,
    Setting,
    assigned_settings,
    field_default,
    keyword_settings,
    library_call,
)
from privalint.rules.weak_voip.lines import Line, LineLists, sections, source_line
from privalint.rules.weak_voip.pbx_config import ParamReader, Sections
from privalint.rules.weak_voip.signalling import (
    AsteriskKnowledge,
    ProfileKnowledge,
    config_text,
    profile_params,
    xml_params,
)

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule

_PLAIN_URL = re.compile(r"^\s*(http|ws)://", re.IGNORECASE)
# Letters and digits a password template must fix to be predictable
# (`Agent{name}2024!`, not `{prefix}-{suffix}`).
_PREDICTABLE = 4
# A replacement field of a `str.format` template: `{password}`, `{0}`, `{cfg[secret]}`.
_FORMAT_FIELD = re.compile(r"\{[a-z_0-9][\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}")
# An environment variable's name, not a secret (`SIP_PASSWORD_VAR = "SIP_PASSWORD"`).
_IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Two or more lower-case words joined by `-` or `_`, nothing else.
_NAMED_PLACEHOLDER = re.compile(r"[a-z]+(?:[-_][a-z]+)+")
_AMI_SECRET = re.compile(
    r"action:\s*login\b.*?\bsecret:[ \t]*([^\r\n]*)", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class ControlClient:
    protocol: str
    host_keywords: tuple[str, ...]
    host_position: int
    default_host: Optional[str]
    tls_keywords: tuple[str, ...]


@dataclass(frozen=True)
class ControlKnowledge:
    ari_connect: frozenset[str]
    ari_path: str
    clients: dict[str, ControlClient]
    loopback: tuple[str, ...]
    socket_calls: frozenset[str]
    ports: dict[int, str]
    ari_ports: frozenset[int] = frozenset()
    url_setting_words: frozenset[str] = frozenset()
    # Media-server and call-control APIs reached by URL (LiveKit, Janus): their
    # clients (qualified name -> service) and the words of settings named for them.
    url_clients: dict[str, str] = field(default_factory=dict)
    service_words: dict[str, str] = field(default_factory=dict)
    # Port settings of a control interface beside its remote host (`AMI_PORT = 5038`).
    port_settings: Optional[ServiceSettingKnowledge] = None


def _url_port(url: str) -> Optional[int]:
    """The explicit port of ``scheme://host:port/...``."""
    rest = url.split("://", 1)[1] if "://" in url else url
    for stop in "/?#":
        rest = rest.split(stop, 1)[0]
    rest = rest.rsplit("@", 1)[-1].rsplit("]", 1)[-1]
    _, _, port = rest.rpartition(":")
    return int(port) if port.isdigit() else None


def _caller_chosen(ctx: Any, expr: cst.BaseExpression) -> bool:
    """Whether a host the code does not spell out is chosen by the caller of the
    function (a parameter, an attribute of ``self``), rather than by the deployment
    (``settings.esl_host``, an environment variable), which usually keeps a control
    interface on the loopback address."""
    params: set[str] = set()
    for node in ctx.stack:
        if type(node) is cst.FunctionDef:
            every = node.params
            params.update(
                p.name.value for p in (*every.posonly_params, *every.params, *every.kwonly_params)
            )
    if not params:
        return False
    values = [expr]
    if type(expr) is cst.Name:
        bound = binding(ctx, expr)
        if bound is not None:
            values.append(bound)
    for value in values:
        parts = (
            [p.expression for p in value.parts if type(p) is cst.FormattedStringExpression]
            if type(value) is cst.FormattedString
            else [value]
        )
        for part in parts:
            depth = 0
            while isinstance(part, (cst.Attribute, cst.Subscript)):
                part, depth = part.value, depth + 1
            if type(part) is not cst.Name or part.value not in params:
                continue
            # `self.host` was given to the object; `self.settings.ami_host` is settings.
            if part.value not in ("self", "cls") or depth == 1:
                return True
    return False


class VoipControlPlaintext(Rule):
    """
    ## What it does
    Flags connections to a PBX's control interface that are not encrypted: Asterisk
    ARI over `http://` or `ws://` (also an HTTP client's plain base URL on Asterisk's
    port 8088 in a file that calls `/ari/...` paths), the Asterisk Manager Interface (panoramisk,
    pyst2) without TLS, and FreeSWITCH's event socket (greenswitch, ESL), to hosts
    other than the loopback address. A host the code does not spell out counts when
    the caller chooses it (a parameter, `self.host`), not when the deployment does
    (`settings.esl_host`, an environment variable): control interfaces usually stay on
    the loopback address there, unless the code turns TLS off in so many words
    (`Manager(host=PBX_HOST, ssl=False)`). Plain ARI URLs kept in settings (`ARI_URL =
    "http://pbx.example.com:8088"`) count where they are defined when no connection of
    the file is made with them; so do port settings on AMI's or the event socket's
    port beside a host setting naming another machine (`AMI_HOST = "10.0.0.5"`,
    `AMI_PORT = 5038`). ARI called over HTTPS with `verify=False`
    (`requests.get(f"{ARI_URL}/ari/recordings/stored", verify=False)`) counts too: any
    certificate answers for the PBX. Media servers reached by URL count too: a LiveKit
    API client given a plain `http://` URL, or a setting named for LiveKit or Janus
    holding a plain `http://`/`ws://` URL (`JANUS_WS = "ws://janus.example.com:8188/"`),
    to a host other than loopback.

    ## Why is this bad?
    These interfaces control every call of the PBX: they originate and redirect
    calls, listen in on channels and read caller data. Their login (username and
    secret) and all events, including the callers' numbers, travel in clear text.

    ## How to fix
    Keep AMI and the event socket on the loopback interface (or tunnel them over
    SSH/TLS); serve ARI over HTTPS (`https://`, `wss://`), or panoramisk with
    `ssl=` a verifying context.
    """

    id = "PV607"
    name = "voip-control-plaintext"
    family = Family.WEAK_VOIP
    severity = Severity.ERROR
    cwe = 319
    title = "PBX control interface (ARI, AMI, event socket) in clear text"
    message = "{protocol} connection to `{host}` is not encrypted: call control and its credentials travel in clear text"
    precision = "high"
    triggers = (("/ari", "5038", "8021"),)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge: ControlKnowledge = cls.compile(catalog)
        words = module_words((*knowledge.ari_connect, *knowledge.clients, *knowledge.url_clients))
        # A control URL kept in settings (`ARI_URL = "http://pbx:8088"`), by its name.
        named = (
            f"name:{w}" for w in sorted({*knowledge.url_setting_words, *knowledge.service_words})
        )
        return ((*cls.triggers[0], *words, *named),)

    INVALID = (
        'import ari\nclient = ari.connect("http://pbx.example.com:8088", "app", "secret")',
        'from panoramisk import Manager\nmanager = Manager(host="pbx.example.com", port=5038, username="app", secret="s")',
    )
    VALID = (
        'import ari\nclient = ari.connect("https://pbx.example.com:8089", "app", "secret")',
        'from panoramisk import Manager\nmanager = Manager(host="127.0.0.1", port=5038, username="app", secret="s")',
        "import greenswitch\nfs = greenswitch.InboundESL(host='127.0.0.1', port=8021, password='x')",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        clients: dict[str, ControlClient] = {}
        for entry in catalog.get("voip.control.clients", []) or []:
            if not isinstance(entry, dict):
                continue
            client = ControlClient(
                protocol=str(entry.get("protocol", "PBX control")),
                host_keywords=tuple(map(str, entry.get("host-keywords", ["host"]))),
                host_position=int(entry.get("host-position", -1)),
                default_host=entry.get("default-host"),
                tls_keywords=tuple(map(str, entry.get("tls-keywords", []))),
            )
            for name in entry.get("classes", []):
                clients[str(name)] = client
        return ControlKnowledge(
            port_settings=compile_service_settings(catalog, "voip.control.port-settings"),
            ari_connect=frozenset(catalog.strings("voip.control.ari-connect")),
            ari_path=str(catalog.get("voip.control.ari-path", "/ari")),
            clients=clients,
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
            socket_calls=frozenset(catalog.strings("voip.control.socket-calls")),
            ari_ports=frozenset(
                int(p) for p in catalog.get("voip.control.ari-ports", []) or [] if str(p).isdigit()
            ),
            ports={
                int(k): str(v)
                for k, v in (catalog.get("voip.control.ports", {}) or {}).items()
                if str(k).isdigit()
            },
            url_setting_words=frozenset(
                w.lower() for w in catalog.strings("voip.control.url-setting-words")
            ),
            url_clients={
                str(name): str(entry.get("service", "media server"))
                for entry in catalog.get("voip.control.url-services", []) or []
                if isinstance(entry, dict)
                for name in entry.get("classes", [])
            },
            service_words={
                str(word).lower(): str(entry.get("service", "media server"))
                for entry in catalog.get("voip.control.url-services", []) or []
                if isinstance(entry, dict)
                for word in entry.get("setting-words", [])
            },
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # Plain base URLs on Asterisk's HTTP port, reported when the file calls ARI paths.
        self._port_urls: list[tuple[cst.Call, str, str]] = []
        self._ari_paths = False
        # Plain ARI URLs kept in settings (`ARI_URL = "http://pbx:8088"`), by name:
        # reported at the end unless a connection of this file is made with them (the
        # connection is reported then).
        self._url_settings: dict[str, tuple[cst.CSTNode, str, str, str]] = {}
        port_settings = self.compiled.port_settings
        assert port_settings is not None
        self._port_settings = ServiceSettings(ctx, port_settings)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._url_setting(node)
        self._port_settings.add(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._url_setting(node)
        self._port_settings.add(node)

    def _url_setting(self, node: AssignNode) -> None:
        knowledge: ControlKnowledge = self.compiled
        for setting in assigned_settings(self.ctx, node):
            words = set(words_of(setting.name))
            service = next(
                (knowledge.service_words[w] for w in words if w in knowledge.service_words),
                None,
            )
            if not words & knowledge.url_setting_words and service is None:
                continue
            text = text_of(self.ctx, field_default(self.ctx, setting.value))
            if text is None or not _PLAIN_URL.match(text):
                continue
            host = url_host(text)
            if host is None or UNKNOWN_PART in host or is_loopback(host, knowledge.loopback):
                continue
            if service is not None:
                # A media server's API or signalling URL: any plain one is in clear.
                scheme = text.split(":", 1)[0].lower()
                self._url_settings[setting.name] = (
                    setting.node,
                    text,
                    host,
                    f"{service} ({scheme}://)",
                )
                continue
            path = text.split("://", 1)[1]
            path = path[path.find("/") :] if "/" in path else ""
            if _url_port(text) not in knowledge.ari_ports and not (
                path == knowledge.ari_path or path.startswith(knowledge.ari_path + "/")
            ):
                continue
            self._url_settings[setting.name] = (
                setting.node,
                text,
                host,
                f"ARI ({text.split(':', 1)[0].lower()}://)",
            )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if not self._ari_paths and self.compiled.ari_path + "/" in node.value:
            self._ari_paths = True

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if not self._ari_paths and self.compiled.ari_path + "/" in node.value:
            self._ari_paths = True

    def finish(self) -> None:
        for node, _text, host, protocol in self._url_settings.values():
            self.report(node, protocol=protocol, host=host)
        for setting, what, host in self._port_settings.findings():
            self.report(setting.node, protocol=what, host=host)
        if not self._ari_paths:
            return
        for node, text, host in self._port_urls:
            self.report(node, protocol=f"ARI ({text.split(':', 1)[0].lower()}://)", host=host)

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: ControlKnowledge = self.compiled
        client = known_name(self.ctx, node.func, knowledge.clients)
        if client is not None:
            self._client(node, knowledge.clients[client])
            return
        service = known_name(self.ctx, node.func, knowledge.url_clients)
        if service is not None:
            self._service_client(node, knowledge.url_clients[service])
            return
        if last_name(node.func) in knowledge.socket_calls:
            self._socket(node)
        url = argument(node, 0, "url", "base_url")
        if url is None:
            return
        if type(url.value) is cst.Name:
            # Reported here, or not at all (a loopback check, say), not at the setting.
            self._url_settings.pop(url.value.value, None)
        text = text_of(self.ctx, url.value)
        if text is not None and not _PLAIN_URL.match(text):
            self._unverified_ari(node, url.value, text)
        if text is None or not _PLAIN_URL.match(text):
            return
        is_ari = known_name(self.ctx, node.func, knowledge.ari_connect) is not None
        if not is_ari:
            path = text.split("://", 1)[1]
            path = path[path.find("/") :] if "/" in path else ""
            is_ari = path == knowledge.ari_path or path.startswith(
                (knowledge.ari_path + "/", knowledge.ari_path + "?")
            )
        if not is_ari:
            host = url_host(text)
            if host is not None and not is_loopback(host, knowledge.loopback):
                port = _url_port(text)
                if port is not None and port in knowledge.ari_ports:
                    self._port_urls.append((node, text, host))
            return
        host = url_host(text)
        if is_loopback(host, knowledge.loopback):
            return
        self.report(
            node,
            protocol=f"ARI ({text.split(':', 1)[0].lower()}://)",
            host=host or text.replace(UNKNOWN_PART, "…")[:40],
            severity=Severity.ERROR if host else Severity.WARNING,
        )

    def _service_client(self, node: cst.Call, service: str) -> None:
        """``LiveKitAPI("http://livekit.example.com:7880", key, secret)``: a media
        server's API client given a plain URL to another host."""
        url = argument(node, 0, "url", "base_url", "host")
        if url is None:
            return
        if type(url.value) is cst.Name:
            self._url_settings.pop(url.value.value, None)
        text = text_of(self.ctx, url.value)
        if text is None or not _PLAIN_URL.match(text):
            return
        host = url_host(text)
        if host is None or is_loopback(host, self.compiled.loopback):
            return
        self.report(node, protocol=f"{service} ({text.split(':', 1)[0].lower()}://)", host=host)

    def _unverified_ari(self, node: cst.Call, url: cst.BaseExpression, text: str) -> None:
        """An HTTP client's call of an ARI path (``f"{ARI_URL}/ari/recordings"``) with
        ``verify=False``: TLS that any certificate answers, call control's credentials
        included."""
        knowledge: ControlKnowledge = self.compiled
        verify = keyword(node, "verify")
        if verify is None or value_of(self.ctx, verify.value) is not False:
            return
        if "://" in text:
            rest = text.split("://", 1)[1]
            path = rest[rest.find("/") :] if "/" in rest else ""
        else:
            # A base URL filled in at run time (`f"{ARI_URL}/ari/..."`).
            path = text.lstrip(UNKNOWN_PART)
        if not path.startswith(knowledge.ari_path + "/"):
            return
        host = url_host(text) if "://" in text else None
        if is_loopback(host, knowledge.loopback):
            return
        shown = host or self.ctx.code(url, 40)
        self.report(
            node,
            f"ARI connection to `{shown}` does not verify the server's certificate "
            "(`verify=False`): anyone on the path can pose as the PBX and take call control "
            "and its credentials",
        )

    def _socket(self, node: cst.Call) -> None:
        """A raw connection to a well-known control port (AMI 5038, ESL 8021)."""
        knowledge: ControlKnowledge = self.compiled
        first = argument(node, 0, "address", "host")
        if first is None:
            return
        address = resolve(self.ctx, first.value)
        if type(address) is cst.Tuple and len(address.elements) >= 2:
            host_expr: cst.BaseExpression = address.elements[0].value
            port_expr: Optional[cst.BaseExpression] = address.elements[1].value
        else:
            host_expr = first.value
            port = argument(node, 1, "port")
            port_expr = port.value if port is not None else None
        port_value = value_of(self.ctx, port_expr) if port_expr is not None else None
        if isinstance(port_value, str) and port_value.isdigit():
            port_value = int(port_value)
        protocol = knowledge.ports.get(port_value) if isinstance(port_value, int) else None
        if protocol is None:
            return
        host = host_text(self.ctx, host_expr)
        if is_loopback(host, knowledge.loopback) or (
            host is None and not _caller_chosen(self.ctx, host_expr)
        ):
            return
        self.report(
            node,
            protocol=f"{protocol} (port {port_value})",
            host=host or self.ctx.code(host_expr, 30),
            severity=Severity.ERROR if host else Severity.WARNING,
        )

    def _client(self, node: cst.Call, client: ControlClient) -> None:
        knowledge: ControlKnowledge = self.compiled
        # TLS turned off in so many words (`ssl=False`): the host matters, not who picks it.
        switched_off = False
        for name in client.tls_keywords:
            arg = keyword(node, name)
            if arg is not None:
                value = value_of(self.ctx, arg.value)
                if value not in (False, None, 0):
                    return
                switched_off = value is False or value == 0
        position = client.host_position if client.host_position >= 0 else None
        arg = argument(node, position, *client.host_keywords)
        if arg is None:
            host: Optional[str] = client.default_host
            shown = host or "?"
        else:
            host = host_text(self.ctx, arg.value)
            shown = host or self.ctx.code(arg.value, 30)
            if host is None and not switched_off and not _caller_chosen(self.ctx, arg.value):
                return
        if is_loopback(host, knowledge.loopback):
            return
        self.report(
            node,
            protocol=client.protocol,
            host=shown,
            severity=Severity.ERROR if host else Severity.WARNING,
        )


@dataclass(frozen=True)
class SecretCall:
    keywords: tuple[str, ...]
    positions: tuple[int, ...]
    what: str
    # Where the call names the host it logs in to (a keyword, or a position; -1 for
    # none): a control interface on the loopback address is reached only from the
    # machine itself.
    host_keywords: tuple[str, ...] = ()
    host_position: int = -1


@dataclass(frozen=True)
class SecretKnowledge:
    calls: dict[str, SecretCall]
    attributes: dict[str, tuple[frozenset[str], str]]
    defaults: dict[str, str]
    placeholders: frozenset[str]
    markers: tuple[str, ...]
    # Last words of values that only name what they stand in for (`"vonage-secret"`).
    named_words: frozenset[str]
    config_secret_keys: frozenset[str]
    config_words: frozenset[str]
    config_keys: frozenset[str]
    secret_name_words: frozenset[str]
    secret_name_exclusions: frozenset[str]
    profile: Optional[ProfileKnowledge] = None
    asterisk: Optional[AsteriskKnowledge] = None
    class_words: frozenset[str] = frozenset()
    voip_modules: tuple[str, ...] = ()
    directory_markers: tuple[str, ...] = ()
    loopback: tuple[str, ...] = ()


# `<param name="password" value="1234"/>` (the value's text).
_DIRECTORY_PARAM = re.compile(
    r"<param\s+name\s*=\s*[\"']([\w.-]+)[\"']\s+value\s*=\s*[\"']([^\"']*)[\"']",
    re.IGNORECASE,
)


class HardcodedVoipSecret(Rule):
    """
    ## What it does
    Flags SIP, AMI, ARI and FreeSWITCH event-socket passwords, and telephony API
    secrets, written as literals into the code: `AuthCredInfo(..., "secret")`,
    `Manager(secret="...")`, `ari.connect(url, user, "...")`,
    `InboundESL(password="ClueCon")` (FreeSWITCH's well-known default), passwords in
    configuration dicts of SIP trunks, accounts and PBX connections
    (`SIP_TRUNKS = {"backup": {"uri": "sip:...", "password": "..."}}`), of Asterisk
    sections built as dicts (`cfg["trunk-auth"] = {"type": "auth", "password": "..."}`)
    and FreeSWITCH gateways (a sofia dict, or `<param name="password">` elements in
    XML text or made with ElementTree, also through a helper, or given as a literal to
    a function of the module that makes the gateway: `gateway("carrier", realm, user,
    "Fs-Carrier-9!")`), users of FreeSWITCH
    directory XML (`<user id="1000"><params><param name="password" value="1234"/>`,
    served to `mod_xml_curl`), password fields and keywords of trunk or
    account classes (`password: str = "..."` in a `SipTrunk` dataclass,
    `SipAccount(password="...")`), SIP credentials created at a provider through its
    API (`telnyx.CredentialConnection.create(password="...")`, a Plivo client's
    `endpoints.create(password="...")`), passwords of Asterisk `auth` sections and
    `secret`s of `sip.conf` peers written as configuration text or rendered line by
    line, also a template that fills a name into a fixed password
    (`"password=Agent" + name + "2024!"`) and a SIP password built around a fixed text
    (`AuthCredInfo(..., "Stat10n-" + ext)`), literals
    assigned to names that say they hold such a secret (`AMI_SECRET = "..."`), and
    literals kept in a constant of the same module or a class attribute (reported
    where the constant is defined), and fallbacks of environment lookups whose variable
    names such a secret (`os.environ.get("WH_SIP_PASSWORD", "Warehouse#2019")`),
    wherever the lookup is used. Logins to a control interface on the loopback address
    (`Manager(host="127.0.0.1", secret="...")`, `ari.connect("http://localhost:8088",
    ...)`) are not flagged: only the machine itself reaches them.

    ## Why is this bad?
    Anyone who can read the repository, a build artefact or a stack trace can
    register as your extension or take control of the PBX and place calls at your
    cost; rotating the secret needs a code change.

    ## How to fix
    Read the secret from the environment or a secret store
    (`os.environ["SIP_PASSWORD"]`) and change default passwords.
    """

    id = "PV608"
    name = "hardcoded-voip-secret"
    family = Family.WEAK_VOIP
    severity = Severity.ERROR
    cwe = 798
    title = "Hard-coded SIP, AMI, ARI or event-socket password"
    message = (
        "{what} is written into the code{detail}; read it from the environment or a secret store"
    )
    precision = "high"
    INVALID = (
        'import pjsua2 as pj\ncred = pj.AuthCredInfo("digest", "*", "4410", 0, "Wint3r-2023!")',
        "import greenswitch\nfs = greenswitch.InboundESL(host='10.0.0.5', port=8021, password='ClueCon')",
    )
    VALID = (
        'import os\nimport pjsua2 as pj\ncred = pj.AuthCredInfo("digest", "*", "4410", 0, os.environ["SIP_PASSWORD"])',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        calls: dict[str, SecretCall] = {}
        for entry in catalog.get("voip.secrets.calls", []) or []:
            if not isinstance(entry, dict):
                continue
            spec = SecretCall(
                keywords=tuple(map(str, entry.get("keywords", []))),
                positions=tuple(int(p) for p in entry.get("positions", [])),
                what=str(entry.get("what", "VoIP secret")),
                host_keywords=tuple(map(str, entry.get("host-keywords", []))),
                host_position=int(entry.get("host-position", -1)),
            )
            for name in entry.get("classes", []):
                calls[str(name)] = spec
        attributes: dict[str, tuple[frozenset[str], str]] = {}
        for entry in catalog.get("voip.secrets.attributes", []) or []:
            if isinstance(entry, dict):
                for name in entry.get("classes", []):
                    attributes[str(name)] = (
                        frozenset(map(str, entry.get("attributes", []))),
                        str(entry.get("what", "VoIP secret")),
                    )
        defaults = catalog.get("voip.secrets.defaults", {}) or {}
        return SecretKnowledge(
            calls=calls,
            attributes=attributes,
            defaults={str(k): str(v) for k, v in defaults.items()},
            placeholders=frozenset(catalog.strings("voip.secrets.placeholders.exact")),
            markers=tuple(catalog.strings("voip.secrets.placeholders.markers")),
            named_words=frozenset(
                w.lower() for w in catalog.strings("voip.secrets.placeholders.named-words")
            ),
            config_secret_keys=frozenset(
                k.lower() for k in catalog.strings("voip.secrets.config.secret-keys")
            ),
            config_words=frozenset(w.lower() for w in catalog.strings("voip.secrets.config.words")),
            config_keys=frozenset(k.lower() for k in catalog.strings("voip.secrets.config.keys")),
            secret_name_words=frozenset(catalog.strings("voip.secrets.names.secret-words")),
            secret_name_exclusions=frozenset(catalog.strings("voip.secrets.names.exclusions")),
            profile=ProfileKnowledge.from_catalog(catalog),
            asterisk=AsteriskKnowledge.from_catalog(catalog),
            class_words=frozenset(
                w.lower() for w in catalog.strings("voip.secrets.config.class-words")
            ),
            voip_modules=tuple(catalog.strings("voip.modules")),
            directory_markers=tuple(catalog.strings("voip.secrets.directory.markers")),
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge: SecretKnowledge = cls.compile(catalog)
        words = module_words((*knowledge.calls, *knowledge.attributes, *knowledge.voip_modules))
        names = (f"{w}_" for w in sorted(knowledge.config_words) if len(w) > 2)
        profile = knowledge.profile.words() if knowledge.profile else ()
        asterisk = (
            (*knowledge.asterisk.dict_triggers, *knowledge.asterisk.words)
            if knowledge.asterisk
            else ()
        )
        return (
            (
                *words,
                "action: login",
                "sip:",
                "sips:",
                *names,
                *profile,
                *asterisk,
                *sorted(knowledge.class_words),
            ),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._reported: set[int] = set()
        profile: Optional[ProfileKnowledge] = compiled.profile
        self._params = ParamReader(ctx, profile.followed if profile else frozenset())
        # Passwords of `<param>` elements and of Asterisk section dicts, reported at the
        # end when the file turns out to build sofia or Asterisk configuration.
        self._sofia = False
        self._param_secrets: list[cst.BaseExpression] = []
        self._text_secrets: list[cst.SimpleString] = []
        # Passwords of `<param>` elements that are a parameter of the function making
        # them (`def gateway(name, password)`): (that function, the parameter's name),
        # judged at the calls of the function that pass a literal.
        self._secret_params: list[tuple[cst.FunctionDef, str]] = []
        # Calls of this module's functions that pass a literal, by function.
        self._literal_calls: dict[int, list[cst.Call]] = {}
        asterisk: Optional[AsteriskKnowledge] = compiled.asterisk
        self._sections: Optional[Sections] = asterisk.sections_of(ctx) if asterisk else None
        self._lines = LineLists(ctx)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._lines.augmented(node)

    def visit_Return(self, node: cst.Return) -> None:
        lines = self._lines.returned(node)
        if lines is not None:
            self._line_secrets(lines)

    def _line_secrets(self, lines: list[Line]) -> None:
        """Passwords of Asterisk sections rendered line by line."""
        for entry in sections(lines):
            found = self._section_secret(entry.kind, entry.key, entry.value)
            if found is not None and id(entry.node) not in self._reported:
                self._reported.add(id(entry.node))
                self.report(entry.node, what="password of an Asterisk section", detail=found)

    def _secret_parameter(self, expr: cst.BaseExpression) -> None:
        """Note a password that is a positional parameter of the function being walked."""
        if type(expr) is not cst.Name:
            return
        definition = next((n for n in reversed(self.ctx.stack) if type(n) is cst.FunctionDef), None)
        if definition is None:
            return
        if expr.value in self.ctx.flow.parameters(definition, False):
            self._secret_params.append((definition, expr.value))

    def finish(self) -> None:
        if self._sofia:
            for secret in self._param_secrets:
                self._report_secret(secret, "FreeSWITCH gateway password")
            # `gateway("carrier", realm, "fs-user", "Fs-Carrier-9!")`: the literal a call
            # passes for the password parameter of a function that makes the `<param>`.
            for definition, name in self._secret_params:
                for call in self._literal_calls.get(id(definition), ()):
                    names = self.ctx.flow.parameters(definition, type(call.func) is cst.Attribute)
                    if name not in names:
                        continue
                    arg = self.ctx.flow.argument_for(call, definition, names.index(name))
                    if type(arg) is cst.SimpleString:
                        self._report_secret(arg, "FreeSWITCH gateway password")
            for node in self._text_secrets:
                if id(node) in self._reported:
                    continue
                self.report(node, what="FreeSWITCH gateway password", detail=" (in XML text)")
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        if self._sections is None or asterisk is None:
            return
        for section in self._sections.sections():
            for key in asterisk.secret_keys:
                expr = section.expr(key)
                if expr is not None:
                    self._report_secret(expr, "password of an Asterisk section")

    def _secret(self, expr: cst.BaseExpression) -> Optional[tuple[cst.CSTNode, str, str]]:
        """(node to report, the literal, how it got there: "" inline, "constant", or
        "fallback" of an environment lookup)."""
        node: cst.CSTNode = expr
        how = ""
        value = literal(expr)
        if value is NOT_LITERAL and isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript)):
            bound = binding(self.ctx, expr)
            if bound is not None:
                node, how = bound, "constant"
                expr = bound
                value = literal(bound)
        if value is NOT_LITERAL:
            fallback = env_default(self.ctx, expr)
            if fallback is not None:
                value = literal(fallback)
                node, how = fallback, "fallback"
        if value is NOT_LITERAL:
            stem = self._stem(expr)
            if stem is not None:
                value, how = stem, "stem"
        if not isinstance(value, str) or self._placeholder(value):
            return None
        return node, value, how

    # The shortest hard-coded part that makes a password built around it predictable.
    _STEM = 4

    def _stem(self, expr: cst.BaseExpression) -> Optional[str]:
        """The literal text a password is built around (``"Stat10n-" + ext``,
        ``f"Desk{ext}!"``) when the other parts are not secrets themselves: whoever
        reads the code can work out every such password."""
        if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
            parts: list[cst.BaseExpression] = [expr.left, expr.right]
            text = "".join(p for p in map(literal, parts) if isinstance(p, str))
            others = [p for p in parts if not isinstance(literal(p), str)]
        elif type(expr) is cst.FormattedString:
            text = "".join(p.value for p in expr.parts if type(p) is cst.FormattedStringText)
            others = [p.expression for p in expr.parts if type(p) is cst.FormattedStringExpression]
        else:
            return None
        if len(text.strip()) < self._STEM or not others:
            return None
        knowledge: SecretKnowledge = self.compiled
        for other in others:
            if isinstance(other, (cst.BinaryOperation, cst.FormattedString)):
                return None
            # A value fetched at run time (`vault.read("sip")`) may be the secret.
            if type(other) is cst.Call and last_name(other.func) not in ("str", "format"):
                return None
            name = self.ctx.code(other, 60)
            if set(words_of(name)) & knowledge.secret_name_words:
                return None
        return text

    def _placeholder(self, value: str, folded: bool = False) -> bool:
        """A placeholder, not a secret; ``folded`` values were lowercased."""
        knowledge: SecretKnowledge = self.compiled
        return (
            value.strip() in knowledge.placeholders
            or any((m.lower() if folded else m) in value for m in knowledge.markers)
            or self._names_itself(value)
        )

    def _names_itself(self, value: str) -> bool:
        """A value of lower-case words that ends by saying what it stands in for
        (`"vonage-secret"`, `"crm_api_key"`): a placeholder, not a secret."""
        if not _NAMED_PLACEHOLDER.fullmatch(value):
            return False
        knowledge: SecretKnowledge = self.compiled
        return re.split(r"[-_]", value)[-1] in knowledge.named_words

    def _report_secret(self, expr: cst.BaseExpression, what: str) -> None:
        found = self._secret(expr)
        if found is None:
            return
        node, value, how = found
        if id(node) in self._reported:
            return
        self._reported.add(id(node))
        knowledge: SecretKnowledge = self.compiled
        detail = ""
        if value in knowledge.defaults:
            detail = f" (`{value}` is {knowledge.defaults[value]})"
        elif how == "constant":
            detail = f" (constant `{self.ctx.code(expr, 30)}`)"
        elif how == "fallback":
            detail = " (as the fallback of an environment lookup)"
        elif how == "stem":
            detail = f" (built around the fixed text `{value}`, so it can be guessed)"
        self.report(node, what=what, detail=detail)

    def _setting_secret(self, setting: Setting) -> None:
        """``password: str = "..."`` in a ``SipTrunk`` dataclass,
        ``SipAccount(registrar=..., password="...")``."""
        knowledge: SecretKnowledge = self.compiled
        if setting.constant:
            return
        if setting.name.lower() in knowledge.config_secret_keys and any(
            set(words_of(name)) & knowledge.class_words for name in setting.around
        ):
            self._report_secret(field_default(self.ctx, setting.value), "SIP/PBX password")
        elif self._secret_name(setting.name) and library_call(
            self.ctx, setting, knowledge.voip_modules
        ):
            # `telnyx.CredentialConnection.create(password=...)`, a Plivo client's
            # `endpoints.create(password=...)`: a SIP credential made at the provider.
            assert setting.call is not None
            self._report_secret(
                setting.value,
                f"SIP credential given to `{self.ctx.code(setting.call.func, 40)}`",
            )

    def _secret_name(self, name: str) -> bool:
        """A keyword that holds a secret: `password`, `sip_auth_password`,
        `voice_basic_auth_password` (not `password_min_length`)."""
        knowledge: SecretKnowledge = self.compiled
        if name.lower() in knowledge.config_secret_keys:
            return True
        words = set(words_of(name))
        return bool(
            words & knowledge.secret_name_words and not words & knowledge.secret_name_exclusions
        )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: SecretKnowledge = self.compiled
        profile = knowledge.profile
        for param in self._params.call(node) if profile is not None else ():
            assert profile is not None
            if param.key in profile.markers:
                self._sofia = True
            elif param.key in profile.secret_keys and param.expr is not None:
                self._param_secrets.append(param.expr)
                self._secret_parameter(param.expr)
        if any(type(a.value) is cst.SimpleString for a in node.args):
            definition = self.ctx.flow.resolve_local(node.func)
            if definition is not None:
                self._literal_calls.setdefault(id(definition), []).append(node)
        if self._sections is not None:
            self._sections.observe(node)
        lines = self._lines.call(node)
        if lines is not None:
            self._line_secrets(lines)
        name = known_name(self.ctx, node.func, knowledge.calls)
        if name is None:
            for setting in keyword_settings(node):
                self._setting_secret(setting)
            self._env_secret(node)
            return
        spec = knowledge.calls[name]
        if self._on_loopback(node, spec):
            return
        for name in spec.keywords:
            arg = keyword(node, name)
            if arg is not None:
                self._report_secret(arg.value, spec.what)
                return
        for index in spec.positions:
            arg = positional(node, index)
            if arg is not None:
                self._report_secret(arg.value, spec.what)

    def _on_loopback(self, node: cst.Call, spec: SecretCall) -> bool:
        """Whether the login goes to the loopback address (``host="127.0.0.1"``,
        ``"http://localhost:8088"``, a setting holding one)."""
        if not spec.host_keywords and spec.host_position < 0:
            return False
        arg = argument(
            node, spec.host_position if spec.host_position >= 0 else None, *spec.host_keywords
        )
        text = text_of(self.ctx, arg.value) if arg is not None else None
        if text is None:
            return False
        host = url_host(text) if "://" in text else text.split(":", 1)[0]
        return is_loopback(host, self.compiled.loopback)

    # AMI logins written as protocol text: "Action: Login\r\nUsername: ...\r\nSecret: ...".

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "ecret" in node.value or "ECRET" in node.value:
            self._login_text(node)
        if "<param" in node.value:
            self._param_text(node)
            self._directory_text(node)
        if "type" in node.value:
            self._asterisk_text(node)

    # Asterisk sections written as text (`pjsip.conf`, `sip.conf`).

    def _section_secret(self, kind: str, key: str, value: str) -> Optional[str]:
        """How a section's secret is written into the code: " (in configuration
        text)" for a literal, " (a predictable template)" for a literal with a
        name filled in (`password=Agent{name}2024!`); ``None`` when it is not."""
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        if (
            asterisk is None
            or kind not in asterisk.section_types
            or key not in asterisk.secret_keys
        ):
            return None
        if not value or self._placeholder(value, folded=True):
            return None
        # A `str.format` field of a template (`password={password}`) is filled later.
        value = _FORMAT_FIELD.sub(UNKNOWN_PART, value)
        if UNKNOWN_PART not in value:
            return " (in configuration text)"
        fixed = sum(c.isalnum() for c in value.replace(UNKNOWN_PART, ""))
        return " (a predictable template)" if fixed >= _PREDICTABLE else None

    def _asterisk_text(self, node: StringNode) -> None:
        asterisk: Optional[AsteriskKnowledge] = self.compiled.asterisk
        _, user, _ = string_use(self.ctx.stack)
        if asterisk is None or type(user) is cst.Expr:
            return
        text = config_text(node)
        if text is None or ("password" not in text.lower() and "secret" not in text.lower()):
            return
        for _, values, rows in asterisk.sections(text):
            for key in asterisk.secret_keys:
                found = self._section_secret(values.get("type", ""), key, values.get(key, ""))
                if found is not None and id(node) not in self._reported:
                    self._reported.add(id(node))
                    self.report(
                        node,
                        what="password of an Asterisk section",
                        detail=found,
                        line_offset=source_line(node, rows[key]),
                    )
                    return

    def _param_text(self, node: cst.SimpleString) -> None:
        """``<param name="password" value="..."/>`` in sofia XML text."""
        knowledge: SecretKnowledge = self.compiled
        profile = knowledge.profile
        _, user, _ = string_use(self.ctx.stack)
        if profile is None or type(user) is cst.Expr:
            return
        for param in xml_params(node):
            if param.key in profile.markers:
                self._sofia = True
            elif param.key in profile.secret_keys and not self._placeholder(param.value, True):
                self._text_secrets.append(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._login_text(node)
        self._asterisk_text(node)
        self._directory_text(node)

    def _directory_text(self, node: StringNode) -> None:
        """``<user id="1000"><params><param name="password" value="1234"/>`` in FreeSWITCH
        directory XML (served to `mod_xml_curl` or written to a file): the SIP password
        every phone registering as that user needs."""
        knowledge: SecretKnowledge = self.compiled
        profile = knowledge.profile
        if profile is None or id(node) in self._reported:
            return
        text = config_text(node)
        if text is None or not any(m in text for m in knowledge.directory_markers):
            return
        _, user, _ = string_use(self.ctx.stack)
        if type(user) is cst.Expr:
            return
        for match in _DIRECTORY_PARAM.finditer(text):
            key, value = match.group(1).lower(), match.group(2)
            if (
                key not in profile.secret_keys
                or not value.strip()
                or UNKNOWN_PART in value
                or self._placeholder(value)
            ):
                continue
            self._reported.add(id(node))
            self.report(
                node,
                what="SIP password of a FreeSWITCH directory user",
                detail=" (in XML text)",
                line_offset=source_line(node, text.count("\n", 0, match.start())),
            )
            return

    def _login_text(self, node: StringNode) -> None:
        text = (
            leading_text(node)
            if type(node) is cst.SimpleString
            else "".join(p.value for p in node.parts if type(p) is cst.FormattedStringText)
        )
        if not text or "secret:" not in text.lower():
            return
        top, _, _ = string_use(self.ctx.stack)
        if id(top) in self._reported:
            return
        full = text_of(self.ctx, top) or ""
        match = _AMI_SECRET.search(full)
        if match is None or UNKNOWN_PART in match.group(1):
            return
        value = match.group(1).strip()
        knowledge: SecretKnowledge = self.compiled
        if (
            not value
            or value in knowledge.placeholders
            or any(m in value for m in knowledge.markers)
        ):
            return
        self._reported.add(id(top))
        self.report(top, what="AMI secret", detail=" (in the login action text)")

    # Configuration dicts of SIP accounts, trunks and PBX connections:
    # `{"uri": "sip:trunk.example.net", "username": "acme", "password": "..."}`.

    # (name, value) pairs of sofia parameters, looped over to make `<param>`s.

    def visit_List(self, node: cst.List) -> None:
        self._pairs(node)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._pairs(node)

    def _pairs(self, node: cst.CSTNode) -> None:
        profile: Optional[ProfileKnowledge] = self.compiled.profile
        params = profile_params(self.ctx, profile, node) if profile is not None else []
        if params:
            self._sofia = True
        for param in params:
            assert profile is not None
            if param.key in profile.secret_keys and param.expr is not None:
                self._param_secrets.append(param.expr)

    def visit_Dict(self, node: cst.Dict) -> None:
        knowledge: SecretKnowledge = self.compiled
        secrets: list[cst.BaseExpression] = []
        keys: list[str] = []
        values: list[cst.BaseExpression] = []
        for element in node.elements:
            if type(element) is not cst.DictElement:
                continue
            key = literal(element.key)
            if not isinstance(key, str):
                continue
            keys.append(key.lower())
            if key.lower() in knowledge.config_secret_keys:
                secrets.append(element.value)
            else:
                values.append(element.value)
        if self._sections is not None:
            self._sections.observe(node)
        if secrets and self._voip_config(keys, values):
            for secret in secrets:
                self._report_secret(secret, "password in a SIP/PBX configuration")

    def _voip_config(self, keys: list[str], values: list[cst.BaseExpression]) -> bool:
        """Whether a dict configures a SIP account, trunk or PBX connection: a `sip:`
        URI among its values, keys such as `registrar`, or words such as `sip` or
        `trunk` in its keys or in the names and keys it is stored under."""
        knowledge: SecretKnowledge = self.compiled
        if any(k in knowledge.config_keys for k in keys):
            return True
        # A sofia gateway: `{"username": ..., "password": ..., "register-transport": ...}`.
        if knowledge.profile is not None and set(keys) & knowledge.profile.markers:
            return True
        for key in keys:
            if set(words_of(key)) & knowledge.config_words:
                return True
        for value in values:
            if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                text = text_of(self.ctx, value)
                if text is not None and text.lower().lstrip().startswith(("sip:", "sips:")):
                    return True
        # Where the dict is kept: `SIP_TRUNKS = {"backup": {...}}`.
        for parent in reversed(self.ctx.stack[:-1]):
            name: Optional[str] = None
            if type(parent) is cst.DictElement:
                key = literal(parent.key)
                name = key if isinstance(key, str) else None
            elif isinstance(parent, (cst.Assign, cst.AnnAssign)):
                targets = (
                    [t.target for t in parent.targets]
                    if type(parent) is cst.Assign
                    else [parent.target]
                )
                return any(
                    set(words_of(target_name(t) or "")) & knowledge.config_words for t in targets
                )
            elif type(parent) is cst.Arg and parent.keyword is not None:
                name = parent.keyword.value
            elif not isinstance(parent, (cst.Dict, cst.List, cst.Tuple, cst.Element)):
                return False
            if name is not None and set(words_of(name)) & knowledge.config_words:
                return True
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: SecretKnowledge = self.compiled
        if self._sections is not None:
            self._sections.observe(node)
        for setting in assigned_settings(self.ctx, node):
            self._setting_secret(setting)
        for target in node.targets:
            expr = target.target
            self._named_secret(expr, node.value)
            if type(expr) is not cst.Attribute:
                continue
            owner = instance_of(self.ctx, expr.value, knowledge.attributes)
            spec = knowledge.attributes.get(owner) if owner is not None else None
            if spec is not None and expr.attr.value in spec[0]:
                self._report_secret(node.value, spec[1])

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._named_secret(node.target, node.value)
        for setting in assigned_settings(self.ctx, node):
            self._setting_secret(setting)

    def _env_secret(self, node: cst.Call) -> None:
        """``os.environ.get("WAREHOUSE_SIP_PASSWORD", "Warehouse#2019")``: the variable's
        name says it holds a SIP/PBX password, and the code carries one as its fallback,
        wherever the lookup is used."""
        if not node.args or env_default(self.ctx, node) is None:
            return
        variable = literal(node.args[0].value)
        if isinstance(variable, str) and self._voip_secret_name(variable):
            found = self._secret(node)
            if found is not None and not _IDENTIFIER.match(found[1]):
                self._report_secret(node, "SIP/PBX password")

    def _voip_secret_name(self, name: str) -> bool:
        """A name that says it holds a SIP/PBX password (`WH_SIP_PASSWORD`)."""
        knowledge: SecretKnowledge = self.compiled
        words = set(words_of(name))
        return bool(
            words & knowledge.secret_name_words
            and words & knowledge.config_words
            and not words & knowledge.secret_name_exclusions
        )

    def _named_secret(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`SIP_PASSWORD = "..."`, `self.ami_secret = "..."`: a name that says it holds
        the password of a SIP account or a PBX interface."""
        knowledge: SecretKnowledge = self.compiled
        name = target_name(target)
        if name is None or type(target) is cst.Subscript:
            return
        words = set(words_of(name))
        if not (
            words & knowledge.secret_name_words
            and words & knowledge.config_words
            and not words & knowledge.secret_name_exclusions
        ):
            return
        found = self._secret(value)
        if found is not None and not _IDENTIFIER.match(found[1]):
            self._report_secret(value, "SIP/PBX password")
