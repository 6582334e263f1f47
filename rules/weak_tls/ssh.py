"""SSH clients that accept any host key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    argument,
    constant_name,
    matches_module,
    resolve,
    value_of,
)

from privalint.catalog import Catalog
from privalint.model import Family, Severity
from privalint.rule import Rule


@dataclass(frozen=True)
class UnverifiedCall:
    modules: tuple[str, ...]
    keywords: frozenset[str]
    insecure: tuple[Any, ...]
    insecure_none: bool


@dataclass(frozen=True)
class SshKnowledge:
    policy_methods: frozenset[str]
    insecure_policies: frozenset[str]
    policy_modules: tuple[str, ...]
    calls: tuple[UnverifiedCall, ...]
    attributes: tuple[tuple[tuple[str, ...], str], ...]


class SshHostKeyUnverified(Rule):
    """
    ## What it does
    Flags SSH clients that accept unknown host keys: paramiko's
    `set_missing_host_key_policy(AutoAddPolicy())` or `WarningPolicy` (class or
    instance), `asyncssh.connect(..., known_hosts=None)` and pysftp's
    `cnopts.hostkeys = None`.

    ## Why is this bad?
    The host key is what authenticates the server. Accepting whatever key is offered
    lets anyone on the path pose as the server and collect the password, the commands
    and the files sent over the connection.

    ## How to fix
    Load the known hosts (`client.load_system_host_keys()` or
    `load_host_keys(path)`) and keep the default `RejectPolicy`; pin the server's key
    for automated jobs.
    """

    id = "PV504"
    name = "ssh-host-key-unverified"
    family = Family.WEAK_TLS
    severity = Severity.ERROR
    cwe = 295
    title = "SSH host key not verified"
    message = "`{code}` accepts any SSH host key: the server is not authenticated"
    precision = "very-high"
    triggers = (("AutoAddPolicy", "WarningPolicy", "known_hosts", "hostkeys"),)
    INVALID = (
        "import paramiko\nclient = paramiko.SSHClient()\nclient.set_missing_host_key_policy(paramiko.AutoAddPolicy())",
        "from paramiko import client\nssh = client.SSHClient()\nssh.set_missing_host_key_policy(client.WarningPolicy)",
        "import asyncssh\nasync def run(host):\n    return await asyncssh.connect(host, known_hosts=None)",
    )
    VALID = (
        "import paramiko\nclient = paramiko.SSHClient()\nclient.load_system_host_keys()\nclient.set_missing_host_key_policy(paramiko.RejectPolicy())",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        calls = []
        for entry in catalog.get("tls.ssh.unverified-calls", []) or []:
            if isinstance(entry, dict):
                calls.append(
                    UnverifiedCall(
                        modules=tuple(map(str, entry.get("modules", []))),
                        keywords=frozenset(map(str, entry.get("keywords", []))),
                        insecure=tuple(entry.get("insecure", [])),
                        insecure_none=bool(entry.get("insecure-none", False)),
                    )
                )
        attributes = []
        for entry in catalog.get("tls.ssh.unverified-attributes", []) or []:
            if isinstance(entry, dict) and isinstance(entry.get("attribute"), str):
                attributes.append((tuple(map(str, entry.get("modules", []))), entry["attribute"]))
        return SshKnowledge(
            policy_methods=frozenset(catalog.strings("tls.ssh.policy-methods")),
            insecure_policies=frozenset(catalog.strings("tls.ssh.insecure-policies")),
            policy_modules=tuple(catalog.strings("tls.ssh.policy-modules")),
            calls=tuple(calls),
            attributes=tuple(attributes),
        )

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: SshKnowledge = self.compiled
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in knowledge.policy_methods:
            policy = argument(node, 0, "policy")
            if policy is None:
                return
            value = resolve(self.ctx, policy.value)
            if type(value) is cst.Call:
                value = value.func
            qualified = self.ctx.qualname(value)
            name = constant_name(self.ctx, value)
            if name in knowledge.insecure_policies and (
                qualified is None or matches_module(qualified, knowledge.policy_modules)
            ):
                self.report(node, code=self.ctx.code(node, 60))
            return
        qualified = self.ctx.qualname(func)
        for call in knowledge.calls:
            if not matches_module(qualified, call.modules):
                continue
            for arg in node.args:
                if arg.keyword is None or arg.keyword.value not in call.keywords:
                    continue
                value = value_of(self.ctx, arg.value)
                if value is NOT_LITERAL:
                    continue
                if (value is None and call.insecure_none) or any(
                    type(value) is type(v) and value == v for v in call.insecure
                ):
                    self.report(arg, code=f"{self.ctx.code(func, 40)}({self.ctx.code(arg, 30)})")

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: SshKnowledge = self.compiled
        if value_of(self.ctx, node.value) is not None:
            return
        for target in node.targets:
            expr = target.target
            if type(expr) is not cst.Attribute:
                continue
            receiver = self.ctx.qualname(expr.value)
            for modules, attribute in knowledge.attributes:
                if expr.attr.value == attribute and matches_module(receiver, modules):
                    self.report(node, code=self.ctx.code(node, 60))
