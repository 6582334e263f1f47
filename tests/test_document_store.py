"""personal-data-in-document-store (PV306): collection writes, the keys that name
what they store, encrypted clients, and the prefilter's view of them."""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any

import pytest

from privalint.catalog import bundled
from privalint.engine import Checker, Settings
from privalint.model import FileResult
from privalint.registry import all_rules


def check(code: str, prefilter: bool = True, extension: Any = None) -> FileResult:
    catalog = bundled().extended(extension or {})
    settings = Settings(
        rule_ids=("PV306",), catalog=catalog, prefilter=prefilter, collect_facts=True
    )
    return Checker(settings, all_rules()).check("example.py", textwrap.dedent(code).encode())


# Each stores personal data that only the key and the collection's name reveal.
NAMED_BY_KEY = [
    'async def save(db, n):\n    await db.patients.insert_one({"name": n, "ward": 3})\n',
    'def save(db, a):\n    db["shipping"].insert_one({"address": a})\n',
    'def save(db, t):\n    db.chat_messages.update_one({"_id": 1}, {"$set": {"text": t}})\n',
    'def save(db, rows):\n    db.employees.insert_many([{"name": r[0]} for r in rows])\n',
]


@pytest.mark.parametrize("code", NAMED_BY_KEY)
def test_keys_named_for_the_collections_records_are_stored_personal_data(code: str) -> None:
    with_prefilter = check(code)
    without = check(code, prefilter=False)
    assert [f.rule_id for f in with_prefilter.findings] == ["PV306"]
    assert [dataclasses.astuple(f) for f in with_prefilter.findings] == [
        dataclasses.astuple(f) for f in without.findings
    ]


@pytest.mark.parametrize(
    "code",
    [
        # A key that names nothing personal in that collection.
        'def save(db, n):\n    db.wards.insert_one({"name": n, "beds": 3})\n',
        # The filter is a query, not what is stored.
        'def touch(db, email):\n    db.users.update_one({"email": email}, {"$set": {"seen": 1}})\n',
        # mongoengine's queryset update takes keywords: the model's fields are judged.
        "def move(Profile, uid, lat):\n    Profile.objects(user_id=uid).update_one(set__lat=lat)\n",
        # Not a collection: `insert` of a list, `update` of a dict.
        "def add(names, customer):\n    names.insert(0, customer.full_name)\n",
    ],
)
def test_what_stores_no_personal_data_in_a_collection_is_not_reported(code: str) -> None:
    assert check(code).findings == []


def test_a_client_with_automatic_encryption_stores_ciphertext() -> None:
    code = """\
        from pymongo import MongoClient

        secure = MongoClient(URI, auto_encryption_opts=OPTS)
        vault = secure.kyc
        plain = MongoClient(URI).kyc

        def store(customer):
            vault.documents.insert_one({"passport_number": customer.passport_number})
            MongoClient(URI, auto_encryption_opts=OPTS).kyc.documents.insert_one({"ssn": customer.ssn})
            plain.documents.insert_one({"passport_number": customer.passport_number})
        """
    result = check(code)
    assert [f.span.start_line for f in result.findings] == [10]


def test_a_stored_fact_names_the_collection() -> None:
    code = 'def save(db, customer):\n    db.customers.insert_one({"email": customer.email})\n'
    facts = check(code).facts
    assert [(f.kind, f.category, f.detail, f.encrypted) for f in facts] == [
        ("stored", "email", "document store MongoDB collection customers", False)
    ]


def test_users_add_document_store_methods_from_config() -> None:
    code = "def save(table, customer):\n    table.put_document(customer.email)\n"
    assert check(code).findings == []
    extension = {
        "storage": {
            "documents": {
                "stores": {
                    "acme": {
                        "label": "Acme DB",
                        "anywhere": ["put_document"],
                        "methods": {"put_document": {"position": 0, "keywords": ["doc"]}},
                    }
                }
            }
        }
    }
    assert [f.rule_id for f in check(code, extension=extension).findings] == ["PV306"]


WAREHOUSE_WRITES = [
    (
        "from google.cloud import bigquery\nbq = bigquery.Client()\n\n"
        'def load(rows):\n    bq.insert_rows_json("proj.marts.contacts", [{"email": r["email"]} for r in rows])\n',
        "BigQuery table `contacts`",
    ),
    (
        "import clickhouse_connect\nch = clickhouse_connect.get_client(host='h')\n\n"
        'def point(trip, lat, lon):\n    ch.insert("trip_points", [[trip, lat, lon]])\n',
        "ClickHouse table `trip_points`",
    ),
    (
        "from supabase import create_client\nsb = create_client('u', 'k')\n\n"
        'def audit(body):\n    sb.table("payouts").insert({"iban": body["iban"]}).execute()\n',
        "Supabase table `payouts`",
    ),
]


@pytest.mark.parametrize(("code", "place"), WAREHOUSE_WRITES)
def test_warehouse_and_supabase_rows_are_stored_in_the_named_table(code: str, place: str) -> None:
    for prefilter in (True, False):
        found = check(code, prefilter=prefilter).findings
        assert [f.rule_id for f in found] == ["PV306"]
        assert place in found[0].message


def test_rows_without_personal_data_and_other_inserts_are_not_stored() -> None:
    code = (
        "from google.cloud import bigquery\nbq = bigquery.Client()\n\n"
        'def counts(rows):\n    bq.insert_rows_json("p.d.regions", [{"region": r, "n": n} for r, n in rows])\n\n'
        "def queue(items, email):\n    items.insert(0, email)\n"
    )
    assert check(code).findings == []
