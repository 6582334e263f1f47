"""Personal data put in a cache or key-value store (Redis, memcached, Django's cache)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.unencrypted_storage.common import (
    QualifiedNames,
    RecordKnowledge,
    ScopedStorageRule,
    StoragePolicy,
    call_text,
    capitalised,
    key_text,
    record_stored,
    report_stored,
    values_carried,
)

from privalint.catalog import Catalog
from privalint.flow import Carried
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import KEY, split_words


@dataclass(frozen=True)
class CacheKnowledge:
    clients: QualifiedNames
    client_words: frozenset[str]
    cache_words: frozenset[str]
    in_process: QualifiedNames
    methods: frozenset[str]
    wrapper_verbs: frozenset[str]
    control_keywords: frozenset[str]
    same_client: frozenset[str]
    memoizers: QualifiedNames
    labels: tuple[tuple[str, str], ...]
    protect_words: frozenset[str]
    records: RecordKnowledge
    policy: StoragePolicy

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> CacheKnowledge:
        labels = catalog.get("storage.cache.labels", {})
        return cls(
            clients=QualifiedNames(catalog.strings("storage.cache.clients")),
            client_words=frozenset(catalog.strings("storage.cache.client-words")),
            cache_words=frozenset(catalog.strings("storage.cache.cache-words")),
            in_process=QualifiedNames(catalog.strings("storage.cache.in-process")),
            methods=frozenset(catalog.strings("storage.cache.methods")),
            wrapper_verbs=frozenset(catalog.strings("storage.cache.wrapper-verbs")),
            control_keywords=frozenset(catalog.strings("storage.cache.control-keywords")),
            same_client=frozenset(catalog.strings("storage.cache.same-client-methods")),
            memoizers=QualifiedNames(catalog.strings("storage.cache.memoizers")),
            labels=tuple(
                (k, v)
                for k, v in (labels.items() if isinstance(labels, dict) else ())
                if isinstance(v, str)
            ),
            protect_words=frozenset(
                w for t in catalog.strings("storage.orm.protect-words") for w in split_words(t)
            ),
            records=RecordKnowledge.from_catalog(catalog),
            policy=StoragePolicy.from_catalog(catalog),
        )

    def label(self, qualified: Optional[str], text: str) -> str:
        """``Redis``, ``memcached``, ``Django's cache``... for messages."""
        haystack = (qualified or "") + " " + text.lower()
        for needle, label in self.labels:
            if needle in haystack:
                return label
        return "a cache"


class PersonalDataInCache(ScopedStorageRule):
    """
    ## What it does
    Flags personal data stored in a cache or key-value store in clear, as a key or as
    a value: Redis (`set`, `setex`, `hset`, `lpush`, `sadd`, pipelines, RedisJSON,
    Sentinel, `redis.asyncio`), Django's cache framework, Flask-Caching, memcached
    clients (pymemcache, python-memcached, pylibmc) and disk caches. Clients are recognised through their
    imports, through `self.` attributes, and by name (`redis_client`, `self.cache`)
    when their type is not visible; helper functions that pass their arguments to a
    cache are followed, and functions of the project's other modules named for
    caching (`cache_put(key, value)`, `store_in_redis(...)`) store their arguments.
    A function memoised on disk or in a shared cache (joblib's `@memory.cache`,
    diskcache's `@cache.memoize()`, Flask-Caching, cachier) stores what it returns.
    A value the code knows nothing about counts by the key it is stored under: a key
    that ends with a name of personal data (`user:…:email`), or a namespace naming a
    special category (`convictions:…`), unless the value is sealed or hashed first.

    ## Why is this bad?
    Caches are copied to replicas, persisted to disk (RDB/AOF snapshots), shared by
    many services and rarely access-controlled per key; a key such as
    `otp:+4915112345678` is visible to anyone who can run `KEYS *`. Data in a cache
    also escapes the deletion and retention rules of the main database (CWE-312).

    ## How to fix
    Key caches by an internal id (`profile:{customer.pk}`), cache only what is not
    personal, or encrypt the value before caching it.
    """

    id = "PV305"
    name = "personal-data-in-cache"
    family = Family.UNENCRYPTED_STORAGE
    severity = Severity.WARNING
    cwe = 312
    title = "Personal data stored in a cache in clear"
    message = "{data} {verb} stored in {store}{role} by `{call}`; key the cache by an internal id, or encrypt the value before caching it"
    provides_facts = True
    phrase = "stores it in a cache in clear"
    triggers = (
        ("set", "push", "add", "append", "replace", "cas", "cache", "redis", "memoize", "cachier"),
        ("@personal", "@people"),
    )
    # A function of the file may hand its parameters to the sink: the file matters to
    # other modules that call it with personal data (`privalint.project`).
    join_triggers = ("cache", "redis", "memcache", "pylibmc", "walrus", "valkey", "keydb")
    INVALID = (
        'import json, redis\nr = redis.Redis()\n\ndef warm(customer):\n    r.setex(f"profile:{customer.pk}", 3600, json.dumps({"email": customer.email}))',
        'from django.core.cache import cache\n\ndef remember(phone, code):\n    cache.set(f"otp:{phone}", code, timeout=300)',
    )
    VALID = (
        'import redis\nr = redis.Redis()\n\ndef warm(customer):\n    r.setex(f"profile-exists:{customer.pk}", 3600, 1)',
        'def remember(settings, email):\n    settings.set("notify", True)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return CacheKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: CacheKnowledge = compiled
        # Names bound to a cache client, per function.
        self._aliases = self.scoped()
        # Per enclosing function: the decorator that memoises its result in a store
        # (reported once, at the first return of personal data), else None.
        self._memoised: list[Optional[cst.Decorator]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        found = None
        for decorator in node.decorators:
            expr = decorator.decorator
            if type(expr) is cst.Call:
                expr = expr.func
            if self.ctx.qualname(expr) in self.k.memoizers:
                found = decorator
                break
        self._memoised.append(found)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(node)
        self._memoised.pop()

    def visit_Return(self, node: cst.Return) -> None:
        decorator = self._memoised[-1] if self._memoised else None
        if decorator is None or node.value is None:
            return
        carried = self.ctx.categories(node.value)
        if not carried.cats:
            return
        self._memoised[-1] = None
        expr = decorator.decorator
        qualified = self.ctx.qualname(expr.func if type(expr) is cst.Call else expr)
        store = self.k.label(qualified, self.ctx.code(expr, 40))
        report_stored(
            self,
            self.k.policy,
            node,
            carried,
            f"cache {store}",
            store=store,
            role=" as the memoised result",
            call=f"@{self.ctx.code(expr, 40)}",
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.records.bind(target.target, node.value)
            path = dotted_name(target.target)
            if path is not None:
                # `sessions = caches["sessions"]`, `self.store = make_cache()`.
                store = self._client(node.value)
                if store is not None:
                    self._aliases.set(path, store)
                else:
                    self._aliases.forget(path)

    def _client(self, receiver: cst.BaseExpression) -> Optional[str]:
        """The store ``receiver`` is (its label), or None when it is no cache."""
        path = dotted_name(receiver)
        if path is not None:
            known, store = self._aliases.find(path)
            if known:
                return store  # type: ignore[no-any-return]
        qualified = self.ctx.qualname(receiver)
        if qualified in self.k.in_process:
            return None
        if qualified in self.k.clients:
            return self.k.label(qualified, "")
        if (
            type(receiver) is cst.Call
            and type(receiver.func) is cst.Attribute
            and receiver.func.attr.value in self.k.same_client
        ):
            # `r.pipeline()`, `r.json()` keep the client's store.
            inner = self._client(receiver.func.value)
            if inner is not None:
                return inner
        if type(receiver) is cst.Subscript:
            # `caches["default"]`
            return self._client(receiver.value)
        if qualified is not None and not self.ctx.is_local(qualified):
            # A known object: a cache only if its own name says so (`app.cache`,
            # `extensions.redis_client`), never a builtin set or dict.
            return self._named_cache(qualified)
        text = dotted_name(receiver)
        if text is None and type(receiver) is cst.Call:
            text = dotted_name(receiver.func)
        if text is None:
            return None
        return self._named_cache(text)

    def _named_cache(self, text: str) -> Optional[str]:
        last = text.rstrip("()").rsplit(".", 1)[-1]
        words = split_words(last)
        if not words:
            return None
        if any(w in self.k.client_words for w in words) or words[-1] in self.k.cache_words:
            return self.k.label(None, last)
        return None

    def _sink(self, node: cst.Call) -> Optional[tuple[str, list[cst.BaseExpression], int]]:
        func = node.func
        if type(func) is not cst.Attribute or func.attr.value not in self.k.methods:
            return None
        store = self._client(func.value)
        if store is None:
            return None
        exprs: list[cst.BaseExpression] = []
        keys = 0
        for index, arg in enumerate(node.args):
            if arg.keyword is not None and arg.keyword.value in self.k.control_keywords:
                continue
            exprs.append(arg.value)
            if index == 0 and arg.keyword is None:
                keys = 1
        return store, exprs, keys

    def _wrapper(self, node: cst.Call) -> Optional[tuple[str, list[cst.BaseExpression], int]]:
        """`cache_put(key, value)`, `store_in_redis(...)` imported from another module of
        the project: a function named for putting something in a cache."""
        qualified = self.ctx.qualname(node.func)
        if qualified is None or "()" in qualified or self.ctx.is_local(qualified):
            return None
        words = split_words(qualified.rsplit(".", 1)[-1])
        if not (words and set(words) & self.k.wrapper_verbs):
            return None
        store = None
        for word in words:
            if word in self.k.client_words or word in self.k.cache_words:
                store = self.k.label(None, word)
        if store is None:
            return None
        exprs = [
            a.value
            for a in node.args
            if not a.star
            and not (a.keyword is not None and a.keyword.value in self.k.control_keywords)
        ]
        keys = 1 if node.args and node.args[0].keyword is None and not node.args[0].star else 0
        return store, exprs, keys

    def visit_Call(self, node: cst.Call) -> None:
        sink = self._sink(node)
        if sink is None:
            values = self.helpers.reaching(self.ctx, node, self.id)
            if values:
                self._report(node, [v for _, v in values], "a cache", "", node)
                return
            sink = self._wrapper(node)
        if sink is None:
            return
        store, exprs, keys = sink
        self.helpers.add(node, exprs)
        first, carried = values_carried(self.ctx, exprs)
        if first is not None:
            in_key = bool(keys) and bool(self.ctx.categories(exprs[0]).cats)
            in_value = any(self.ctx.categories(e).cats for e in exprs[keys:])
            role = " as part of the key" if in_key and not in_value else ""
            if in_key and in_value:
                role = " (in the key and the value)"
            self._report(node, [carried], store, role, node)
            return
        named = self._named_by_key(exprs)
        if named is not None:
            self._report(node, [named], store, "", node)
            return
        for expr in exprs[keys:]:
            people = self.records.stored(expr)
            if people is not None:
                self.report(
                    node,
                    data=f"Records of {people} (`{self.ctx.code(expr, 30)}`)",
                    verb="are",
                    store=store,
                    role="",
                    call=call_text(self.ctx, node),
                )
                return

    def _named_by_key(self, exprs: list[cst.BaseExpression]) -> Optional[Carried]:
        """`cache.set(f"user:{uid}:email", value)`, `r.hset(key, "phone", value)`: an
        opaque value stored under a key that names personal data."""
        opaque = [e for e in exprs if not self.ctx.categories(e).known and not self._protected(e)]
        if not opaque:
            return None
        for expr in exprs:
            text = key_text(expr)
            if text is None:
                continue
            if expr in opaque and len(opaque) == 1:
                continue
            segments = re.split(r"[:/.|#]", text.strip(":/.|# "))
            last = segments[-1]
            category = self.ctx.classify(last, "", KEY) if last else None
            if category is None:
                # `f"convictions:{client_id}"`: a namespace naming a special category
                # says what every value under it is; whose it is, the key's id says
                # (`f"face:{resident_id}"`).
                owner = _first_interpolated(expr)
                for segment in segments[:-1]:
                    found = self.ctx.classify(segment, owner, KEY) if "…" not in segment else None
                    if found is not None and self.ctx.classifier.categories[found].special:
                        category = found
                        break
            if category is not None:
                return Carried({category: opaque[-1]}, False)
        return None

    def _protected(self, expr: cst.BaseExpression) -> bool:
        """`seal(json.dumps(record))`, `fernet.encrypt(raw)`: a value encrypted or hashed
        by a function of the project."""
        while type(expr) is cst.Await:
            expr = expr.expression
        if type(expr) is not cst.Call:
            return False
        name = dotted_name(expr.func) or ""
        return any(w in self.k.protect_words for w in split_words(name.rsplit(".", 1)[-1]))

    def _report(
        self, node: cst.CSTNode, carried: list[Carried], store: str, role: str, call: cst.Call
    ) -> None:
        cats: dict[str, Any] = {}
        for value in carried:
            for cat, origin in value.cats.items():
                cats.setdefault(cat, origin)
        merged = Carried(cats, False)
        record_stored(self.ctx, cats, node, f"cache {store}")
        self.report(
            node,
            severity=self.k.policy.severity(self.ctx, cats, self.severity),
            categories=merged.categories,
            data=capitalised(self.ctx.describe(merged)),
            verb=self.ctx.verb(merged),
            store=store,
            role=role,
            call=call_text(self.ctx, call),
        )


def _first_interpolated(expr: cst.BaseExpression) -> str:
    """Whose id is first put into an f-string key (`resident` for
    `f"face:{resident_id}"`, `resident.pk`)."""
    if type(expr) is cst.FormattedString:
        for part in expr.parts:
            if type(part) is cst.FormattedStringExpression:
                words = list(split_words(dotted_name(part.expression) or ""))
                while words and words[-1] in _ID_WORDS:
                    words.pop()
                return "_".join(words)
    return ""


_ID_WORDS = frozenset({"id", "ids", "pk", "uuid", "uid", "key", "no", "number"})
