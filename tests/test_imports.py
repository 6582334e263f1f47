"""What names refer to: aliases, instances, factories and local subclasses."""

from __future__ import annotations

import textwrap
from typing import ClassVar

import libcst as cst

from privalint.catalog import bundled
from privalint.engine import Checker, Settings
from privalint.model import Family, Severity
from privalint.rule import Rule


class QualnameProbe(Rule):
    """
    ## What it does
    Test probe.

    ## Why is this bad?
    It is not.
    """

    id = "PV598"
    name = "qualname-probe"
    family = Family.WEAK_TLS
    severity = Severity.NOTE
    title = "probe"
    message = "probe"
    seen: ClassVar[list[object]] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            QualnameProbe.seen.append(self.ctx.qualname(node.args[0].value))


def qualnames(code: str) -> list[object]:
    QualnameProbe.seen = []
    settings = Settings(rule_ids=("PV598",), catalog=bundled(), prefilter=False)
    Checker(settings, [QualnameProbe]).check("case.py", textwrap.dedent(code).encode())
    return QualnameProbe.seen


def test_aliases_and_instances() -> None:
    code = """
        import requests as rq
        from httpx import AsyncClient as AC
        import urllib.request
        s = rq.Session()

        async def f(client: AC):
            probe(rq.get)
            probe(s.get)
            probe(client.post)
            probe(urllib.request.urlopen)
            with rq.Session() as inner:
                probe(inner.put)
    """
    assert qualnames(code) == [
        "requests.get",
        "requests.Session().get",
        "httpx.AsyncClient().post",
        "urllib.request.urlopen",
        "requests.Session().put",
    ]


def test_shadowing_hides_the_import() -> None:
    code = """
        import requests

        def f(requests):
            probe(requests.get)

        def g():
            probe(requests.get)
    """
    assert qualnames(code) == [None, "requests.get"]


def test_self_attributes_and_class_level_clients() -> None:
    code = """
        import logging, redis

        class Store:
            pool = redis.Redis()

            def __init__(self, client=None):
                self.log = logging.getLogger(__name__)
                self.r = client or redis.Redis.from_url("redis://x")

            def put(self):
                probe(self.log.info)
                probe(self.r.set)
                probe(self.pool.get)
    """
    assert qualnames(code) == [
        "logging.getLogger().info",
        "redis.Redis.from_url().set",
        "redis.Redis().get",
    ]


def test_factory_functions_and_local_subclasses() -> None:
    code = """
        import redis
        import requests

        def redis_client():
            client = redis.Redis(host="cache")
            return client

        def either(flag):
            if flag:
                return requests.Session()
            return None

        class ApiSession(requests.Session):
            def call(self):
                return 1

        def use():
            probe(redis_client().setex)
            probe(either(True).get)
            api = ApiSession()
            probe(api.get)
            probe(api.call)
    """
    assert qualnames(code) == [
        "redis.Redis().setex",
        "requests.Session().get",
        "requests.Session().get",
        "<local>.ApiSession().call",
    ]


def test_a_factory_returning_either_of_one_librarys_objects() -> None:
    """Returns that disagree name the library's objects when they are all of one
    library; of two libraries, the factory's result is unknown."""
    code = """
        import os
        import redis
        import requests
        from whoosh import index

        def open_index(folder):
            if not os.path.exists(folder):
                return index.create_in(folder, SCHEMA)
            return index.open_dir(folder)

        def mixed(flag):
            if flag:
                return redis.Redis()
            return requests.Session()

        def use():
            probe(open_index("ix").writer)
            probe(mixed(True).get)
    """
    assert qualnames(code) == ["whoosh.index.create_in().writer", "<local>.mixed().get"]


def test_methods_of_a_local_subclass_called_on_self_and_super() -> None:
    code = """
        import requests

        class ApiSession(requests.Session):
            def __init__(self, base):
                super().__init__()
                self.base = base

            def get(self, path, **kwargs):
                probe(super().get)
                return 1

            def find(self):
                probe(self.post)
                probe(self.get)
                probe(self.base)

        class Plain:
            def find(self):
                probe(self.post)
                probe(super().get)
    """
    assert qualnames(code) == [
        "requests.Session().get",
        "requests.Session().post",
        "<local>.get",
        None,
        None,
        None,
    ]


def test_factory_methods_and_properties_of_local_classes() -> None:
    code = """
        import functools
        import redis

        class Store:
            @property
            def conn(self):
                return redis.Redis(host="cache")

            @functools.cached_property
            def pool(self):
                return redis.Redis.from_url("redis://cache")

            def _client(self):
                return redis.StrictRedis()

            def name(self):
                return "store"

            def use(self):
                probe(self.conn.set)
                probe(self.pool.get)
                probe(self._client().setex)
                probe(self.name().upper)

        class Other:
            def use(self):
                probe(self._client().set)
    """
    assert qualnames(code) == [
        "redis.Redis().set",
        "redis.Redis.from_url().get",
        "redis.StrictRedis().setex",
        "<local>.name().upper",
        None,
    ]
