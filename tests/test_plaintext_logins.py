"""PV512 on logins sent in clear text to caches, brokers and document stores: what a
single fixture cannot show (one report per connection across a file, settings that
put a URL under TLS from elsewhere, file names, messages)."""

from __future__ import annotations

import textwrap

import pytest

from privalint.model import Severity
from tests.conftest import check_code


def _lines(code: str, path: str = "app/connections.py") -> list[int]:
    return [f.span.start_line for f in check_code(code, ("PV512",), path=path).findings]


def test_a_url_constant_is_reported_where_it_connects_else_where_it_is_written() -> None:
    code = """
    import pika
    import redis

    CACHE_URL = "redis://:hunter2@cache.prod.example:6379/0"
    BROKER_URL = os.environ.get("BROKER_URL", "amqp://app:hunter2@mq.prod.example:5672//")
    sessions = redis.from_url(CACHE_URL)
    counters = redis.Redis.from_url(CACHE_URL, decode_responses=True)
    parsed = urlparse(BROKER_URL)
    """
    code = textwrap.dedent(code)
    assert _lines(code) == [6, 7, 8]
    connected = code + "params = pika.URLParameters(BROKER_URL)\n"
    assert _lines(connected) == [7, 8, 10]
    # A connection made by test code does not hide the constant.
    tested = code + "def test_broker():\n    pika.URLParameters(BROKER_URL)\n"
    assert _lines(tested) == [6, 7, 8]


@pytest.mark.parametrize(
    "call",
    [
        "kombu.Connection(BROKER_URL, ssl=True)",
        'kombu.Connection(BROKER_URL, ssl={"ca_certs": "/etc/ssl/ca.pem"})',
        "Celery('app', broker=BROKER_URL, broker_use_ssl=SSL_OPTIONS)",
    ],
)
def test_a_url_given_to_a_call_with_tls_options_is_not_reported(call: str) -> None:
    """The call may come after the constant or before it (in a function)."""
    before = f"""
    import kombu
    from celery import Celery

    def connect():
        return {call}

    BROKER_URL = os.environ.get("BROKER_URL", "amqp://app:s3cret@mq.prod.example:5672//")
    """
    after = f"""
    import kombu
    from celery import Celery

    BROKER_URL = "amqp://app:s3cret@mq.prod.example:5672//"
    connection = {call}
    """
    assert _lines(before) == []
    assert _lines(after) == []
    # Without TLS, the connection that uses the constant is reported.
    assert _lines(after.replace(call, "kombu.Connection(BROKER_URL)")) == [6]


@pytest.mark.parametrize(
    "setting",
    [
        "app.conf.broker_use_ssl = {'cert_reqs': ssl.CERT_REQUIRED}",
        "CELERY_BROKER_USE_SSL = True",
        "app.conf.update(broker_use_ssl=True)",
        "CONFIG = {'broker_use_ssl': {'ca_certs': '/etc/ssl/ca.pem'}}",
    ],
)
def test_celery_tls_settings_put_a_plain_broker_url_under_tls(setting: str) -> None:
    code = f"""
    from celery import Celery

    BROKER_URL = "amqp://app:s3cret@mq.prod.example:5672//"
    app = Celery("app", broker=BROKER_URL)
    {setting}
    """
    assert _lines(code) == []
    assert _lines(code.replace(setting, "app.conf.broker_use_ssl = False")) == [5]


def test_test_and_development_code_is_not_reported() -> None:
    code = """
    BROKER_URL = "amqp://app:s3cret@mq.staging.example:5672//"
    """
    assert _lines(code, "app/settings.py") == [2]
    assert _lines(code, "tests/test_broker.py") == []
    assert _lines(code, "app/settings/dev.py") == []
    in_block = """
    if DEBUG:
        BROKER_URL = "amqp://app:s3cret@mq.staging.example:5672//"
    if not DEBUG:
        BROKER_URL = "amqp://app:s3cret@mq.prod.example:5672//"


    class TestingConfig:
        CACHE_URL = "redis://:s3cret@cache.staging.example:6379/0"
    """
    assert _lines(in_block) == [5]


def test_a_multi_line_call_is_reported_on_its_first_line() -> None:
    code = """
    import os
    import redis

    cache = redis.Redis(
        host="cache.prod.example",
        port=6379,
        password=os.environ["REDIS_PASSWORD"],
    )
    """
    assert _lines(code) == [5]


def test_a_client_switched_to_plaintext_is_reported_once() -> None:
    """`ssl=False` already says "no TLS": the password does not add a second report."""
    code = """
    import os
    import pymongo
    import redis

    cache = redis.Redis(host="cache.prod.example", password=os.environ["PW"], ssl=False)
    PROFILES = "mongodb://app:s3cret@mongo.prod.example:27017/profiles"
    profiles = pymongo.MongoClient(PROFILES, tls=False)
    """
    result = check_code(code, ("PV512",), path="app/stores.py")
    assert [f.span.start_line for f in result.findings] == [6, 8]
    assert all("client talks to" in f.message for f in result.findings)


def test_the_message_names_the_protocol_the_host_and_what_travels_in_clear() -> None:
    code = """
    import redis.asyncio as aioredis

    cache = aioredis.from_url("redis://sessions.game.example:6379/0", password="hunter2")
    BROKER_URL = "amqp://courier:Dispatch2024@rabbit.courier.example:5672//"
    """
    result = check_code(code, ("PV512",), path="game/app.py")
    messages = [f.message for f in result.findings]
    assert messages[0].startswith(
        "Redis connection to `sessions.game.example` sends its password in clear text (no TLS)"
    )
    assert messages[1].startswith(
        "AMQP connection to `rabbit.courier.example` sends its credentials in clear text"
    )
    assert {f.severity for f in result.findings} == {Severity.ERROR}
    assert all(f.categories == ("credentials",) for f in result.findings)


@pytest.mark.parametrize(
    "url",
    [
        "amqp://app:${RABBITMQ_PASSWORD}@mq.prod.example//",
        "amqp://app:{password}@mq.prod.example//",
        "redis://:<password>@cache.prod.example:6379",
        "redis://:password@cache.prod.example:6379",
        "redis://:%(password)s@cache.prod.example:6379",
        "amqp://app:****@mq.prod.example//",
        "redis://:hunter2@<host>:6379",
        "redis://:hunter2@redis:6379",
        "redis://:hunter2@127.0.0.2:6379",
        "amqp://app:hunter2@[::1]:5672//",
        "redis://:hunter2@host.docker.internal:6379",
        "redis://app@cache.prod.example:6379",
        "redis://:@cache.prod.example:6379",
        "rediss://:hunter2@cache.prod.example:6380",
        "amqps://app:hunter2@mq.prod.example:5671//",
        "mongodb+srv://app:hunter2@cluster0.example.mongodb.net/app",
        "mongodb://app:hunter2@mongo.prod.example/app?tls=true",
        "mongodb://app:hunter2@mongo.prod.example/app?ssl=true&authSource=admin",
        "postgresql://app:hunter2@db.prod.example/app",
    ],
)
def test_near_misses_stay_silent(url: str) -> None:
    assert _lines(f'URL = "{url}"') == []


@pytest.mark.parametrize(
    "code",
    [
        'URL = "redis://:" + os.environ["PW"] + "@cache.prod.example:6379/0"',
        "URL = f\"amqp://app:{os.environ['PW']}@mq.prod.example:5672//\"",
        'URL = "amqp://%s:%s@mq.prod.example:5672//" % (user, password)',
        'URL = "mongodb://{}:{}@mongo.prod.example/app".format(user, password)',
        'URL = "nats://app:hunter2@nats.prod.example:4222"',
        'URL = "amqp://app:hunter2@10.20.0.15:5672//?ssl=false"',
    ],
)
def test_passwords_filled_in_at_run_time_count(code: str) -> None:
    assert _lines(f"import os\n{code}\n") == [2]


def test_any_call_given_a_plaintext_url_and_a_password_counts() -> None:
    """A wrapper or a less common client: the URL says which protocol it speaks."""
    code = """
    import os
    from acme.cache import CacheClient

    BASE = "redis://cache.prod.example:6379/0"
    cache = CacheClient(BASE, password=os.environ["CACHE_PASSWORD"])
    nothing = CacheClient(BASE)
    local = CacheClient("redis://localhost:6379/0", password="x1")
    """
    assert _lines(code) == [6]


def test_a_docstring_or_a_comparison_is_not_a_connection() -> None:
    code = '''
    def connect(url):
        """Connect, e.g. to redis://:hunter2@cache.prod.example:6379/0."""
        if url == "redis://:hunter2@cache.prod.example:6379/0":
            return None
    '''
    assert _lines(code) == []


def test_settings_spread_into_a_client_count_as_its_keywords() -> None:
    code = """
    import os
    import redis

    PLAIN = {"host": "cache.prod.example", "port": 6379, "password": os.environ["PW"]}
    SECURE = {"host": "cache.prod.example", "password": os.environ["PW"], "ssl": True}
    cache = redis.Redis(**PLAIN)
    secure = redis.Redis(**SECURE)
    unknown = redis.Redis(host="cache.prod.example", password=os.environ["PW"], **load())
    """
    assert _lines(code) == [7]


def test_the_first_of_a_list_of_servers_names_the_host() -> None:
    code = """
    import os
    import nats
    import pymongo

    replicas = pymongo.MongoClient(["mongo1.prod.example:27017"], password=os.environ["PW"])
    bus = nats.connect(servers=["nats://nats.prod.example:4222"], password=os.environ["PW"])
    secure_bus = nats.connect(servers=["tls://nats.prod.example:4222"], password="x1")
    """
    assert _lines(code) == [6, 7]
