"""Web-framework settings that weaken HTTPS, and session cookies without `Secure`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.weak_tls.common import (
    NOT_LITERAL,
    arg_code,
    argument,
    enclosing_class,
    host_text,
    is_loopback,
    keyword,
    literal,
    resolve,
    scope_names,
    scope_values,
    setting_literal,
    target_name,
    value_of,
    words_of,
)

from privalint.catalog import Catalog
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.rule import Rule

_PATH_PARTS = re.compile(r"[\\/]")


@dataclass(frozen=True)
class SettingsKnowledge:
    insecure: dict[str, tuple[Any, ...]]
    messages: dict[str, str]
    proxy_header: frozenset[str]
    calls: tuple[tuple[frozenset[str], dict[str, tuple[Any, ...]]], ...]
    dev_path_words: frozenset[str]
    defaults_files: frozenset[str]
    dev_words: frozenset[str]
    config_methods: frozenset[str]
    config_attributes: frozenset[str]
    loopback: tuple[str, ...]
    # setting -> (the mail host setting, every TLS setting of that group)
    mail: dict[str, tuple[str, tuple[str, ...]]]
    # Words of a cookie or session setting (`tools.sessions.secure`, `cookie_secure`)
    # and of its Secure flag: such a setting set to False sends the cookie over HTTP.
    cookie_words: frozenset[str] = frozenset()
    secure_words: frozenset[str] = frozenset()
    # Settings whose positive values below a minimum are too weak (`SECURE_HSTS_SECONDS`).
    minimum: Optional[dict[str, int]] = None
    # Wrappers that take a middleware class and its options (`Middleware(cls, **options)`).
    middleware_wrappers: frozenset[str] = frozenset()
    # Words of other mail settings: a flag named for mail and TLS (`smtp_starttls`), and
    # the words of the mail host setting beside it.
    mail_words: frozenset[str] = frozenset()
    mail_tls_words: frozenset[str] = frozenset()
    mail_host_words: frozenset[str] = frozenset()
    mail_skip_words: frozenset[str] = frozenset()


def _same(value: Any, options: tuple[Any, ...]) -> bool:
    return any(type(value) is type(v) and value == v for v in options)


def _number(ctx: Any, expr: cst.BaseExpression, depth: int = 4) -> Optional[int]:
    """An integer literal or a product of them (`60 * 60 * 24`), after following names."""
    expr = resolve(ctx, expr)
    if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Multiply and depth:
        left, right = _number(ctx, expr.left, depth - 1), _number(ctx, expr.right, depth - 1)
        return left * right if left is not None and right is not None else None
    found = literal(expr)
    return found if type(found) is int else None


class InsecureHttpsSetting(Rule):
    """
    ## What it does
    Flags Django and Flask settings that weaken HTTPS: `SESSION_COOKIE_SECURE`,
    `CSRF_COOKIE_SECURE`, `REMEMBER_COOKIE_SECURE` or `SECURE_SSL_REDIRECT` set to
    `False`, `SECURE_HSTS_SECONDS = 0` or an HSTS max-age shorter than a day
    (`SECURE_HSTS_SECONDS = 300`), a `SECURE_PROXY_SSL_HEADER` that treats a
    non-`https` value as secure, the same keys in `app.config[...]`,
    `app.config.update(...)` and `from_mapping(...)`, and the equivalent options of
    Flask-Talisman and Starlette's `SessionMiddleware` (also given through
    `Middleware(SessionMiddleware, https_only=False)`). Other frameworks' settings
    named for a session or cookie `Secure` flag count too when set to `False`
    (CherryPy's `"tools.sessions.secure": False`, `session_cookie_secure = False` in
    a settings class). So do mail settings that leave TLS off: `EMAIL_USE_TLS = False`
    with a remote `EMAIL_HOST`, or a flag named for mail and TLS
    (`smtp_starttls: bool = False`) unless another such flag beside it is on or the mail
    host is this machine. Settings files, classes and
    `if DEBUG:` blocks for development and tests are not flagged.

    ## Why is this bad?
    A session cookie without `Secure` is sent over plain HTTP too, where anyone on
    the path can take over the session; without the redirect and HSTS, users keep
    landing on plain HTTP pages whose content and form data can be read or changed.

    ## How to fix
    Set the cookies `Secure`, redirect to HTTPS and enable HSTS in production
    (`SECURE_HSTS_SECONDS = 31536000`); keep the relaxed values in development
    settings only.
    """

    id = "PV510"
    name = "insecure-https-setting"
    family = Family.WEAK_TLS
    severity = Severity.WARNING
    cwe = 614
    title = "Web framework setting that weakens HTTPS"
    message = "`{code}`: {why}"
    precision = "high"
    triggers = (
        (
            "_SECURE",
            "SECURE_",
            ".secure",
            "SSL_REDIRECT",
            "HSTS",
            "force_https",
            "https_only",
            "strict_transport_security",
            "WTF_CSRF_SSL_STRICT",
            "_USE_TLS",
            "starttls",
            "smtp_tls",
            "smtp_ssl",
            "mail_tls",
            "mail_ssl",
        ),
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge: SettingsKnowledge = cls.compile(catalog)
        words = {*cls.triggers[0], *knowledge.insecure, *knowledge.proxy_header, *knowledge.mail}
        for _, options in knowledge.calls:
            words |= set(options)
        return (tuple(sorted(words)),)

    INVALID = (
        "SESSION_COOKIE_SECURE = False",
        "SECURE_HSTS_SECONDS = 0",
        'from flask import Flask\napp = Flask(__name__)\napp.config["SESSION_COOKIE_SECURE"] = False',
        "from flask import Flask\napp = Flask(__name__)\napp.config.update(REMEMBER_COOKIE_SECURE=False)",
    )
    VALID = (
        "SESSION_COOKIE_SECURE = True\nSECURE_HSTS_SECONDS = 31536000",
        "DEBUG = True\nif DEBUG:\n    SESSION_COOKIE_SECURE = False",
        'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        insecure = catalog.get("tls.settings.insecure", {}) or {}
        messages = catalog.get("tls.settings.messages", {}) or {}
        calls = []
        for entry in catalog.get("tls.settings.calls", []) or []:
            if isinstance(entry, dict):
                options = entry.get("insecure", {}) or {}
                calls.append(
                    (
                        frozenset(map(str, entry.get("classes", []))),
                        {str(k): tuple(v) for k, v in options.items() if isinstance(v, list)},
                    )
                )
        mail: dict[str, tuple[str, tuple[str, ...]]] = {}
        for entry in catalog.get("tls.settings.mail", []) or []:
            if isinstance(entry, dict) and isinstance(entry.get("host"), str):
                group = tuple(map(str, entry.get("tls", [])))
                for name in group:
                    mail[name] = (entry["host"], group)
        return SettingsKnowledge(
            mail=mail,
            loopback=tuple(catalog.strings("tls.loopback-hosts")),
            insecure={str(k): tuple(v) for k, v in insecure.items() if isinstance(v, list)},
            messages={str(k): str(v) for k, v in messages.items()},
            proxy_header=frozenset(catalog.strings("tls.settings.proxy-ssl-header")),
            calls=tuple(calls),
            dev_path_words=frozenset(catalog.strings("tls.settings.context.dev-path-words")),
            defaults_files=frozenset(catalog.strings("tls.settings.context.defaults-files")),
            dev_words=frozenset(catalog.strings("tls.settings.context.dev-words")),
            config_methods=frozenset(catalog.strings("tls.settings.context.config-methods")),
            config_attributes=frozenset(catalog.strings("tls.settings.context.config-attributes")),
            cookie_words=frozenset(catalog.strings("tls.settings.cookie-flags.cookie-words")),
            secure_words=frozenset(catalog.strings("tls.settings.cookie-flags.secure-words")),
            minimum={
                str(k): v
                for k, v in (catalog.get("tls.settings.minimum", {}) or {}).items()
                if type(v) is int
            },
            middleware_wrappers=frozenset(catalog.strings("tls.settings.middleware-wrappers")),
            mail_words=frozenset(catalog.strings("tls.settings.mail-flags.mail-words")),
            mail_tls_words=frozenset(
                w for t in catalog.strings("tls.settings.mail-flags.tls-words") for w in words_of(t)
            ),
            mail_skip_words=frozenset(
                w
                for t in catalog.strings("tls.settings.mail-flags.skip-words")
                for w in words_of(t)
            ),
            mail_host_words=frozenset(catalog.strings("tls.settings.mail-flags.host-words")),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self._dev_file: Optional[bool] = None

    # Development and test contexts.

    def _in_dev_context(self) -> bool:
        knowledge: SettingsKnowledge = self.compiled
        if self._dev_file is None:
            parts = [p for p in _PATH_PARTS.split(self.ctx.path) if p][-3:]
            if parts:
                parts[-1] = parts[-1].rsplit(".", 1)[0]
            self._dev_file = any(
                word in knowledge.dev_path_words for part in parts for word in words_of(part)
            ) or bool(parts and parts[-1] in knowledge.defaults_files)
        if self._dev_file:
            return True
        stack = self.ctx.stack
        for index in range(len(stack) - 1, 0, -1):
            node, child = stack[index - 1], stack[index]
            if type(node) is cst.ClassDef:
                if set(words_of(node.name.value)) & knowledge.dev_words:
                    return True
            elif type(node) is cst.If and child is node.body:
                test = node.test
                if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
                    continue
                if set(words_of(self.ctx.code(test, 200))) & knowledge.dev_words:
                    return True
        return False

    # Checking one setting.

    def _check(self, node: cst.CSTNode, name: str, value: cst.BaseExpression, code: str) -> None:
        knowledge: SettingsKnowledge = self.compiled
        if name in knowledge.proxy_header:
            self._proxy_header(node, value, code)
            return
        if name in knowledge.mail:
            self._mail(node, name, value, code)
            return
        least = (knowledge.minimum or {}).get(name)
        if least is not None:
            seconds = _number(self.ctx, value)
            if seconds is not None and 0 < seconds < least and not self._in_dev_context():
                self.report(
                    node,
                    code=code,
                    why=f"{seconds} seconds is too short to protect later visits "
                    f"(use at least {least}, ideally a year)",
                )
                return
        options = knowledge.insecure.get(name)
        why = knowledge.messages.get(name, "HTTPS is weakened")
        if options is None and self._mail_flag(name):
            self._other_mail(node, name, value, code)
            return
        if options is None:
            words = set(words_of(name))
            if words.isdisjoint(knowledge.secure_words) or words.isdisjoint(knowledge.cookie_words):
                return
            # Another framework's cookie flag (`"tools.sessions.secure": False`).
            options = (False,)
            why = "the cookie is also sent over plain HTTP"
        # Read from the environment, the fallback is what runs unless someone sets it
        # (`env.bool("CSRF_COOKIE_SECURE", default=False)`).
        found = setting_literal(self.ctx, value)
        if found is NOT_LITERAL or not _same(found, options):
            return
        if self._in_dev_context():
            return
        self.report(node, code=code, why=why)

    def _mail(self, node: cst.CSTNode, name: str, value: cst.BaseExpression, code: str) -> None:
        """`EMAIL_USE_TLS = False` matters when the mail server is another machine and
        the other TLS setting of the group is not on."""
        if value_of(self.ctx, value) is not False or type(node) is not cst.Assign:
            return
        knowledge: SettingsKnowledge = self.compiled
        host_setting, group = knowledge.mail[name]
        scope = enclosing_class(self.ctx) or self.ctx.module
        for other in group:
            if other != name and any(
                v is not None and value_of(self.ctx, v) is True
                for v in scope_values(self.ctx, other, scope)
            ):
                return
        hosts = [v for v in scope_values(self.ctx, host_setting, scope) if v is not None]
        host = host_text(self.ctx, hosts[-1]) if hosts else None
        if host is None or is_loopback(host, knowledge.loopback) or self._in_dev_context():
            return
        self.report(node, code=code, why=f"mail to `{host}` is sent without TLS")

    def _mail_flag(self, name: str) -> bool:
        """A setting named for mail and TLS (`SMTP_STARTTLS`, `smtp_use_tls`)."""
        knowledge: SettingsKnowledge = self.compiled
        words = set(words_of(name))
        return (
            not words.isdisjoint(knowledge.mail_words)
            and not words.isdisjoint(knowledge.mail_tls_words)
            and words.isdisjoint(knowledge.mail_skip_words)
        )

    def _other_mail(
        self, node: cst.CSTNode, name: str, value: cst.BaseExpression, code: str
    ) -> None:
        """`smtp_starttls: bool = False` in a settings class, `SMTP_USE_TLS = False`: off,
        unless another mail TLS setting beside it is on or the mail host is this
        machine."""
        if value_of(self.ctx, value) is not False or type(node) not in (cst.Assign, cst.AnnAssign):
            return
        knowledge: SettingsKnowledge = self.compiled
        scope = enclosing_class(self.ctx) or self.ctx.module
        host = None
        for other in scope_names(self.ctx, scope):
            if other == name:
                continue
            values = [v for v in scope_values(self.ctx, other, scope) if v is not None]
            if self._mail_flag(other) and any(value_of(self.ctx, v) is True for v in values):
                return
            words = set(words_of(other))
            if (
                values
                and not words.isdisjoint(knowledge.mail_words)
                and not words.isdisjoint(knowledge.mail_host_words)
            ):
                host = host_text(self.ctx, values[-1])
                if host is not None and is_loopback(host, knowledge.loopback):
                    return
        if self._in_dev_context():
            return
        where = f" to `{host}`" if host else ""
        self.report(node, code=code, why=f"mail{where} is sent without TLS")

    def _proxy_header(self, node: cst.CSTNode, value: cst.BaseExpression, code: str) -> None:
        value = resolve(self.ctx, value)
        if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != 2:
            return
        marker = literal(value.elements[1].value)
        if isinstance(marker, str) and marker.lower() != "https" and not self._in_dev_context():
            self.report(
                node,
                code=code,
                why=f"requests whose proxy header says {marker!r} are treated as HTTPS",
            )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            expr = target.target
            if type(expr) is cst.Name:
                if self._setting_scope():
                    self._check(node, expr.value, node.value, self._code(expr.value, node.value))
            elif type(expr) is cst.Subscript:
                name = target_name(expr)
                if name is not None and name.isupper():
                    self._check(node, name, node.value, self._code(name, node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if type(node.target) is cst.Name and node.value is not None and self._setting_scope():
            self._check(
                node, node.target.value, node.value, self._code(node.target.value, node.value)
            )

    def _setting_scope(self) -> bool:
        """Module level or a class body (settings classes), never a function's locals."""
        return not any(type(n) is cst.FunctionDef for n in self.ctx.stack)

    def _code(self, name: str, value: cst.BaseExpression) -> str:
        return f"{name} = {self.ctx.code(value, 40)}"

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: SettingsKnowledge = self.compiled
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in knowledge.config_methods:
            owner = dotted_name(func.value)
            if owner is not None and owner.rsplit(".", 1)[-1] in knowledge.config_attributes:
                self._config_call(node)
                return
        if (
            type(func) is cst.Attribute and func.attr.value == "add_middleware"
        ) or self.ctx.qualname(func) in knowledge.middleware_wrappers:
            # Starlette: add_middleware(SessionMiddleware, https_only=False),
            # Middleware(SessionMiddleware, https_only=False).
            first = argument(node, 0, "middleware_class", "cls")
            if first is not None:
                self._options(node, self.ctx.qualname(first.value), first.value)
            return
        self._options(node, self.ctx.qualname(func), func)

    def _options(self, node: cst.Call, qualified: Optional[str], what: cst.CSTNode) -> None:
        """Keyword options of a security middleware that turn HTTPS enforcement off."""
        if qualified is None:
            return
        knowledge: SettingsKnowledge = self.compiled
        for classes, options in knowledge.calls:
            if qualified not in classes:
                continue
            for arg in node.args:
                if arg.keyword is None or arg.keyword.value not in options:
                    continue
                found = value_of(self.ctx, arg.value)
                if (
                    found is not NOT_LITERAL
                    and _same(found, options[arg.keyword.value])
                    and not self._in_dev_context()
                ):
                    cookie = "secure" in arg.keyword.value or arg.keyword.value == "https_only"
                    self.report(
                        arg,
                        code=arg_code(self.ctx, arg),
                        why=f"`{self.ctx.code(what, 30)}` "
                        + (
                            "also sends its cookie over plain HTTP"
                            if cookie
                            else "stops enforcing HTTPS"
                        ),
                    )

    def _config_call(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is not None:
                name = arg.keyword.value
                self._check(arg, name, arg.value, self._code(name, arg.value))
            else:
                mapping = resolve(self.ctx, arg.value)
                if type(mapping) is cst.Dict:
                    for element in mapping.elements:
                        if type(element) is cst.DictElement:
                            key = literal(element.key)
                            if isinstance(key, str):
                                self._check(
                                    element, key, element.value, self._code(key, element.value)
                                )


class InsecureSessionCookie(Rule):
    """
    ## What it does
    Flags `set_cookie(..., secure=False)` (Sanic's `add_cookie` too), and cookie objects
    made with `secure=False` (Litestar's `Cookie(key=..., value=..., secure=False)`),
    for cookies that hold a session, a login token or a CSRF token (judged by the cookie's name), or
    whose value carries personal data (an e-mail address, a name).

    ## Why is this bad?
    A cookie without `Secure` is also sent over plain HTTP, where anyone on the path
    can copy it and take over the account it authenticates, or read the personal data
    it holds.

    ## How to fix
    Pass `secure=True` (and `httponly=True`, `samesite="Lax"`) for such cookies.
    """

    id = "PV511"
    name = "insecure-session-cookie"
    family = Family.WEAK_TLS
    severity = Severity.WARNING
    cwe = 614
    title = "Session cookie set without Secure"
    message = "cookie `{cookie}` carries a session or token but is set with `secure=False`"
    precision = "high"
    triggers = (("set_cookie", "set_signed_cookie", "add_cookie"), ("secure",))

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        classes = catalog.strings("tls.cookies.classes")
        roots = sorted({name.split(".", 1)[0] for name in classes})
        return ((*cls.triggers[0], *roots), cls.triggers[1])

    INVALID = (
        'def login(response, token):\n    response.set_cookie("session_token", token, secure=False)',
        'def remember(response, user):\n    response.add_cookie("last", user.email, secure=False)',
    )
    VALID = (
        'def login(response, token):\n    response.set_cookie("session_token", token, secure=True, httponly=True)',
        'def theme(response):\n    response.set_cookie("theme", "dark", secure=False)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return (
            frozenset(catalog.strings("tls.cookies.methods")),
            frozenset(catalog.strings("tls.cookies.session-words")),
            frozenset(catalog.strings("tls.cookies.classes")),
        )

    def visit_Call(self, node: cst.Call) -> None:
        methods, words, classes = self.compiled
        func = node.func
        method = type(func) is cst.Attribute and func.attr.value in methods
        if not method and (not classes or self.ctx.qualname(func) not in classes):
            return
        secure = keyword(node, "secure")
        if secure is None or value_of(self.ctx, secure.value) is not False:
            return
        name_arg = argument(node, 0, "key", "name")
        if name_arg is None:
            return
        value = value_of(self.ctx, name_arg.value)
        if isinstance(value, str):
            cookie = value
        else:
            cookie = dotted_name(name_arg.value) or ""
        if set(words_of(cookie)) & words:
            self.report(secure, cookie=cookie)
            return
        value_arg = argument(node, 1, "value")
        if value_arg is None:
            return
        carried = self.ctx.categories(value_arg.value)
        if not carried.cats:
            return
        categories = carried.categories
        self.report(
            secure,
            "cookie `{cookie}` holds {data} but is set with `secure=False`: it is also "
            "sent over plain HTTP",
            cookie=cookie,
            data=self.ctx.describe(carried),
            severity=self.ctx.severity_for(categories, self.severity),
            categories=categories,
        )
