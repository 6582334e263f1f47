"""PV513 plaintext-service-setting: settings that put a remote service in clear text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Union

import libcst as cst
from privalint.rules.weak_tls.common import (
    GroupedSetting,
    group_setting,
    remote_host_of,
    setting_literal,
    text_of,
    words_of,
)

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule

Group = dict[str, GroupedSetting]


@dataclass(frozen=True)
class ServiceSettingKnowledge:
    host_words: frozenset[str]
    # Service word (`mqtt`, `broker`) -> (plaintext port, shown name) of each service
    # the word may name.
    plain_ports: dict[str, tuple[tuple[int, str], ...]]
    secure_words: frozenset[str]
    protocol_words: frozenset[str]
    plain_protocols: frozenset[str]
    # URL scheme (`ldap://`) -> shown name.
    plain_schemes: dict[str, str]
    skip_words: frozenset[str]
    dev_words: frozenset[str]
    loopback: tuple[str, ...]


def compile_service_settings(catalog: Catalog, section: str) -> ServiceSettingKnowledge:
    """The catalog's ``<section>`` (``tls.service-settings``), shared with the VoIP
    control rule's ``voip.control.port-settings``."""
    ports: dict[str, tuple[tuple[int, str], ...]] = {}
    for entry in catalog.get(f"{section}.plain-ports", []) or []:
        if isinstance(entry, dict) and isinstance(entry.get("port"), int):
            for word in entry.get("words", []):
                service = (int(entry["port"]), str(entry.get("service", word)))
                ports[str(word).lower()] = (*ports.get(str(word).lower(), ()), service)
    schemes = catalog.get(f"{section}.plain-schemes", {}) or {}
    return ServiceSettingKnowledge(
        host_words=frozenset(catalog.strings(f"{section}.host-words")),
        plain_ports=ports,
        secure_words=frozenset(catalog.strings(f"{section}.secure-words")),
        protocol_words=frozenset(catalog.strings(f"{section}.protocol-words")),
        plain_protocols=frozenset(p.lower() for p in catalog.strings(f"{section}.plain-protocols")),
        plain_schemes={str(k).lower(): str(v) for k, v in dict(schemes).items()},
        skip_words=frozenset(catalog.strings(f"{section}.skip-words")),
        dev_words=frozenset(catalog.strings("tls.settings.context.dev-words")),
        loopback=tuple(catalog.strings("tls.loopback-hosts")),
    )


class ServiceSettings:
    """The settings of a file grouped by the service they configure, and what in them
    leaves a remote service in clear text."""

    def __init__(self, ctx: Any, knowledge: ServiceSettingKnowledge) -> None:
        self.ctx = ctx
        self.knowledge = knowledge
        self.groups: dict[tuple[int, tuple[str, ...]], Group] = {}

    def add(self, node: Union[cst.Assign, cst.AnnAssign]) -> None:
        found = group_setting(self.ctx, node)
        if found is None:
            return
        key, last, setting = found
        if not self.knowledge.skip_words.isdisjoint(key[1]) and not self._plain_url(setting):
            # Mail and cookie switches are other rules'; a plaintext URL is this one's
            # (`SESSION_REDIS_URL = "redis://..."`).
            return
        owner = self.ctx.stack[-4] if len(self.ctx.stack) >= 4 else None
        if type(owner) is cst.ClassDef and not self.knowledge.dev_words.isdisjoint(
            words_of(owner.name.value)
        ):
            return  # `class TestingConfig:`
        self.groups.setdefault(key, {})[last] = setting

    def _plain_url(self, setting: GroupedSetting) -> bool:
        text = text_of(self.ctx, setting.value)
        return text is not None and any(
            text.strip().lower().startswith(scheme) for scheme in self.knowledge.plain_schemes
        )

    def _host(
        self, group: Group, key: Optional[tuple[int, tuple[str, ...]]] = None
    ) -> Optional[str]:
        """The remote host a group's host setting names; for a group named for a host
        (`TAG_BROKER_PORT` beside `TAG_BROKER`), the setting that names the group too."""
        settings = list(group.items())
        if key is not None and len(key[1]) > 1 and key[1][-1] in self.knowledge.host_words:
            named = self.groups.get((key[0], key[1][:-1]), {}).get(key[1][-1])
            if named is not None:
                settings.append((key[1][-1], named))
        for last, setting in settings:
            if last in self.knowledge.host_words:
                host = remote_host_of(text_of(self.ctx, setting.value), self.knowledge.loopback)
                if host is not None:
                    return host
        return None

    def _secure_on(self, group: Group) -> bool:
        return any(
            setting_literal(self.ctx, s.value) is True
            for last, s in group.items()
            if last in self.knowledge.secure_words
        )

    def findings(self) -> list[tuple[GroupedSetting, str, str]]:
        """``(setting, service, host)`` for each setting that leaves its service in
        clear text; none in a file that uses the setting itself (its connection is
        judged where it is made) or in development settings."""
        knowledge = self.knowledge
        out: list[tuple[GroupedSetting, str, str]] = []
        path_parts = self.ctx.path.replace("\\", "/").split("/")[-3:]
        if any(
            not knowledge.dev_words.isdisjoint(words_of(p.rsplit(".", 1)[0])) for p in path_parts
        ):
            return out
        for key, group in self.groups.items():
            for last, setting in group.items():
                found = self._judge(key, last, setting, group)
                if found is not None:
                    out.append((setting, *found))
        if out:
            source = self.ctx.module.code
            out = [
                f
                for f in out
                if len(re.findall(rf"(?<![\w\"']){re.escape(f[0].name)}(?![\w\"'])", source)) <= 1
            ]
        return out

    def _judge(
        self,
        key: tuple[int, tuple[str, ...]],
        last: str,
        setting: GroupedSetting,
        group: Group,
    ) -> Optional[tuple[str, str]]:
        knowledge = self.knowledge
        prefix = key[1]
        if last == "port":
            value = setting_literal(self.ctx, setting.value)
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            service = next(
                (
                    s
                    for w in prefix
                    for s in knowledge.plain_ports.get(w, ())
                    if s[0] == value and not isinstance(value, bool)
                ),
                None,
            )
            if service is None or self._secure_on(group):
                return None
            host = self._host(group, key)
            return (f"{service[1]} (its plaintext port {value})", host) if host else None
        if last in knowledge.secure_words:
            if setting_literal(self.ctx, setting.value) is not False or self._secure_on(group):
                return None
            host = self._host(group, key)
            shown = " ".join(prefix)
            return (f"{shown} (TLS switched off)", host) if host else None
        if last in knowledge.protocol_words:
            value = setting_literal(self.ctx, setting.value)
            if not isinstance(value, str) or value.lower() not in knowledge.plain_protocols:
                return None
            host = self._host(group, key)
            shown = " ".join(prefix)
            return (f"{shown} (`{value}`)", host) if host else None
        text = text_of(self.ctx, setting.value)
        if text is None:
            return None
        scheme, _, rest = text.strip().lower().partition("://")
        scheme += "://"
        service_name = knowledge.plain_schemes.get(scheme)
        if service_name is None or "@" in rest.split("/", 1)[0]:
            return None  # a URL with a login in it is the plaintext-login rule's
        host = remote_host_of(text.strip(), knowledge.loopback)
        return (f"{service_name} (`{scheme}`)", host) if host else None


class PlaintextServiceSetting(Rule):
    """
    ## What it does
    Flags settings (upper-case constants of a module, fields of a settings class) that
    configure a service on another host in clear text: a `ldap://` or `redis://` URL to
    a remote server (one with a login in it is `insecure-connection-option`'s); a port setting on
    the service's plaintext port (`MQTT_PORT = 1883`) beside a host setting naming a
    remote machine (`MQTT_HOST`, or the broker's own setting for `TAG_BROKER_PORT`); a
    TLS switch turned off (`MINIO_SECURE = False`) or a protocol of
    `http` (`typesense_protocol = "http"`) beside the service's remote host or
    endpoint. Settings are grouped by their name without its last word (`MQTT_HOST`
    and `MQTT_PORT` configure `mqtt`), and read through an environment lookup's
    fallback. A setting the file itself uses is judged where
    the connection is made; development settings are left alone.

    ## Why is this bad?
    The clients that read these settings connect in clear text: directory binds send
    staff passwords, brokers carry device events and lock codes, object stores and
    search clusters carry people's files and profiles, all readable and changeable by
    anyone on the path.

    ## How to fix
    Use the service's TLS scheme or port (`ldaps://`, `rediss://`, MQTT on 8883 with a
    CA), turn its
    TLS switch on (`MINIO_SECURE = True`) and use `https`.
    """

    id = "PV513"
    name = "plaintext-service-setting"
    family = Family.WEAK_TLS
    severity = Severity.WARNING
    cwe = 319
    title = "Setting that puts a remote service in clear text"
    message = "setting `{name}` leaves {what} at `{host}` unencrypted: {why}"
    precision = "medium"
    triggers = (("_port", "_secure", "_ssl", "_tls", "_https", "_protocol", "_scheme"),)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        schemes = [
            str(k) for k in dict(catalog.get("tls.service-settings.plain-schemes", {}) or {})
        ]
        # A port, switch or protocol is judged beside a host setting of its group; a
        # plaintext URL is judged alone.
        hosts = catalog.strings("tls.service-settings.host-words")
        return ((*cls.triggers[0], *schemes), (*hosts, *schemes))

    INVALID = (
        'LDAP_URL = "ldap://dc1.corp.example.com:389"',
        'MQTT_BROKER = "mqtt.example.com"\nMQTT_PORT = 1883',
        'MINIO_ENDPOINT = "minio.example.com:9000"\nMINIO_SECURE = False',
        'class Settings(BaseSettings):\n    search_host: str = "search.example.com"\n    search_protocol: str = "http"',
    )
    VALID = (
        'LDAP_URL = "ldaps://dc1.corp.example.com:636"',
        'MQTT_BROKER = "127.0.0.1"\nMQTT_PORT = 1883',
        'MQTT_BROKER = "mqtt.example.com"\nMQTT_PORT = 8883',
        'MINIO_ENDPOINT = "minio.example.com:9000"\nMINIO_SECURE = True',
        'LDAP_URL = "ldap://dc1.corp.example.com"\nserver = Server(LDAP_URL)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return compile_service_settings(catalog, "tls.service-settings")

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._settings = ServiceSettings(ctx, self.compiled)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._settings.add(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._settings.add(node)

    def finish(self) -> None:
        for setting, what, host in self._settings.findings():
            self.report(
                setting.node,
                name=setting.name,
                what=what,
                host=host,
                why="the clients that read it send their logins and data in clear text",
            )
