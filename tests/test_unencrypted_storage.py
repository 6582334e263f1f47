"""The unencrypted-storage rules: configuration, facts, severities and the flow and
SQL knowledge they rely on."""

from __future__ import annotations

import textwrap
from typing import Any

from privalint import sql
from privalint.catalog import bundled
from privalint.engine import Checker, Settings
from privalint.model import FileResult, Severity
from privalint.registry import all_rules
from tests.conftest import check_code

STORAGE = ("PV301", "PV302", "PV303", "PV304", "PV305")


def check(code: str, extension: dict[str, Any] | None = None) -> FileResult:
    catalog = bundled().extended(extension or {})
    settings = Settings(rule_ids=STORAGE, catalog=catalog, collect_facts=True)
    return Checker(settings, all_rules()).check("example.py", textwrap.dedent(code).encode())


def lines(result: FileResult, rule_id: str) -> list[int]:
    return [f.span.start_line for f in result.findings if f.rule_id == rule_id]


DJANGO = """\
from django.db import models
from django_cryptography.fields import encrypt

class LoginAttempt(models.Model):
    ip_address = models.GenericIPAddressField()
    email = models.EmailField()
    ssn = models.CharField(max_length=11)
    diagnosis = encrypt(models.TextField())
"""


def test_model_fields_are_reported_on_their_declaration() -> None:
    assert lines(check(DJANGO), "PV301") == [5, 6, 7]


def test_allow_list_from_config_keeps_a_field_in_clear() -> None:
    result = check(DJANGO, {"storage": {"allow": ["LoginAttempt.ip_address"]}})
    assert lines(result, "PV301") == [6, 7]
    # The fact is still recorded: the inventory lists the field.
    assert any(f.detail == "model field LoginAttempt.ip_address" for f in result.facts)


def test_severity_rises_with_sensitivity() -> None:
    by_line = {f.span.start_line: f.severity for f in check(DJANGO).findings}
    assert by_line[6] is Severity.WARNING  # an email address
    assert by_line[7] is Severity.ERROR  # a government id


def test_model_field_facts_follow_the_contract() -> None:
    facts = {(f.kind, f.category, f.detail, f.encrypted) for f in check(DJANGO).facts}
    assert ("stored", "email", "model field LoginAttempt.email", False) in facts
    assert ("collected", "email", "model field LoginAttempt.email", None) in facts
    assert ("stored", "health", "model field LoginAttempt.diagnosis", True) in facts
    assert ("collected", "health", "model field LoginAttempt.diagnosis", None) in facts


def test_user_declared_encrypted_type_is_recognised() -> None:
    code = """\
    from django.db import models
    from vault.fields import VaultField

    class Patient(models.Model):
        diagnosis = VaultField()
    """
    assert lines(check(code), "PV301") == [5]
    extension = {"storage": {"orm": {"encrypted-types": ["vault.fields.VaultField"]}}}
    assert lines(check(code, extension), "PV301") == []


def test_owner_decides_whether_a_name_is_personal() -> None:
    code = """\
    from django.db import models

    class Product(models.Model):
        name = models.CharField(max_length=80)

    class CustomerBase(models.Model):
        name = models.CharField(max_length=80)
    """
    assert lines(check(code), "PV301") == [7]


def test_field_assigned_only_hashes_is_silent() -> None:
    code = """\
    from django.contrib.auth.hashers import make_password
    from django.db import models

    class Kiosk(models.Model):
        pin = models.CharField(max_length=128)

        def set_pin(self, raw):
            self.pin = make_password(raw)
    """
    result = check(code)
    assert lines(result, "PV301") == []
    assert any(f.kind == "stored" and f.encrypted for f in result.facts)


def test_other_storage_facts_name_the_place() -> None:
    code = """\
    import json, redis
    r = redis.Redis()

    def keep(customer, response, cur):
        with open("out.json", "w") as fh:
            json.dump({"email": customer.email}, fh)
        response.set_cookie("phone", customer.phone)
        r.set("dob", customer.date_of_birth)
        cur.execute("INSERT INTO leads (postcode) VALUES (%s)", (customer.postcode,))
    """
    details = {(f.category, f.detail) for f in check(code).facts if f.kind == "stored"}
    assert ("email", "file out.json") in details
    assert ("phone", "cookie phone") in details
    assert ("date-of-birth", "cache Redis") in details
    assert ("postal-address", "table leads") in details


def test_sql_extracts_values_and_statements() -> None:
    statement = sql.parse("INSERT INTO t (email, phone) VALUES (%s, pgp_sym_encrypt(%s, %s))")
    assert statement is not None
    assert statement.values == ("%s", "pgp_sym_encrypt(%s, %s)")
    update = sql.parse("UPDATE t SET a.email = :e, phone = ? WHERE id = 1")
    assert update is not None and update.columns == ("email", "phone")
    assert update.values == (":e", "?")
    bare = sql.parse("INSERT INTO t VALUES (?, ?)")
    assert bare is not None and bare.columns == () and bare.values == ("?", "?")
    assert sql.split_statements("CREATE TABLE a (x int); INSERT INTO a VALUES ('a;b');") == [
        "CREATE TABLE a (x int)",
        "INSERT INTO a VALUES ('a;b')",
    ]


def test_insert_without_columns_uses_the_create_table_of_the_file() -> None:
    code = """\
    def init(conn, form):
        conn.execute("CREATE TABLE pets (id INTEGER, kind TEXT, age INTEGER)")
        conn.execute("INSERT INTO pets VALUES (?, ?, ?)", (1, form["kind"], 3))
        conn.execute("CREATE TABLE owners (id INTEGER, ssn BLOB, phone TEXT)")
        conn.execute("INSERT INTO owners VALUES (?, ?, ?)", (1, b"x", form["mobile"]))
    """
    # The table made and filled in the same function is reported once, at the write.
    assert lines(check(code), "PV302") == [5]
    alone = """    def init(conn):
        conn.execute("CREATE TABLE owners (id INTEGER, ssn BLOB, phone TEXT)")
    """
    assert lines(check(alone), "PV302") == [2]


def test_flow_follows_frames_and_wrapped_queries() -> None:
    code = """\
    import pandas as pd
    from sqlalchemy import text

    QUERY = text("SELECT id, email FROM users")

    def export(session, engine):
        rows = session.execute(QUERY).fetchall()
        pd.DataFrame(rows).to_csv("users.csv")
        frame = pd.read_sql(QUERY, engine)
        frame[["id"]].to_csv("ids.csv")
        frame[["id", "email"]].to_csv("emails.csv")
    """
    assert lines(check(code), "PV303") == [8, 11]


def test_collections_named_after_people_are_their_records() -> None:
    code = """\
    import json, pickle
    import pandas as pd

    def dump(path):
        raw = load_patients(path)
        raw.to_csv("/tmp/raw.csv")
        pd.read_csv("exports/customers_2024.csv").to_json("/tmp/c.json")
        stats = pd.read_csv("exports/daily_stats.csv")
        stats.to_json("/tmp/s.json")
        with open("n.json", "w") as fh:
            json.dump({"n": len(raw)}, fh)
    """
    assert lines(check(code), "PV303") == [6, 7]


def test_cookie_session_on_the_server_is_silent() -> None:
    code = """\
    from flask import session
    from flask_session import Session

    def login(user):
        session["email"] = user.email
    """
    assert check_code(code, ("PV304",)).findings == []


def test_sqlmodel_base_classes_are_stored_through_their_tables() -> None:
    code = """\
    from typing import Optional
    from sqlmodel import Field, SQLModel

    class PatientBase(SQLModel):
        full_name: str
        diagnosis: Optional[str] = None

    class PatientCreate(PatientBase):
        phone: str

    class SignupForm(SQLModel):
        email: str
    """
    # `PatientBase` is shared with a table model, by convention declared elsewhere;
    # request models (`PatientCreate`, `SignupForm`) are not stored.
    assert lines(check(code), "PV301") == [5, 6]


def test_helpers_that_write_their_arguments_are_followed() -> None:
    code = """\
    import csv
    from shop.models import Customer

    def export(rows, path):
        with open(path, "w") as f:
            csv.writer(f).writerows(rows)

    def remember(response, name, value):
        response.set_cookie(name, value)

    def main(response, user):
        export(Customer.objects.values_list("email", "phone"), "out.csv")
        export([(1, 2)], "numbers.csv")
        remember(response, "who", user.email)
        remember(response, "theme", "dark")
    """
    result = check(code)
    # The file helper writes once: its write is reported, where the data lands; the
    # cookie is reported at the call that hands it personal data.
    assert lines(result, "PV303") == [6]
    assert lines(result, "PV304") == [14]


def test_a_file_helper_with_several_writes_is_reported_at_its_callers() -> None:
    code = """\
    import json

    def save_both(stem, payload):
        with open(stem + ".json", "w") as f:
            json.dump(payload, f)
        with open(stem + ".bak", "w") as f:
            json.dump(payload, f)

    def main(customer):
        save_both("/srv/out/last", {"phone": customer.phone})
        save_both("/srv/out/count", {"count": 3})
    """
    result = check(code)
    assert lines(result, "PV303") == [10]


def test_cache_keys_and_cookie_headers_that_name_the_data() -> None:
    code = """\
    import redis
    from http.cookies import SimpleCookie
    r = redis.Redis()

    def keep(uid, value, response, user):
        r.set(f"user:{uid}:email", value)
        r.set(f"user:{uid}:email_verified", True)
        r.hset(f"user:{uid}", "orders", value)
        response.headers["Set-Cookie"] = f"phone={user.phone}"
        jar = SimpleCookie()
        jar["dob"] = user.date_of_birth.isoformat()
        jar["theme"] = "dark"
    """
    result = check(code)
    assert lines(result, "PV305") == [6]
    assert lines(result, "PV304") == [9, 11]


def test_validators_that_encrypt_and_owners_that_rule_out_a_field() -> None:
    code = """\
    from django.db import models
    from sqlalchemy import Column, String
    from sqlalchemy.orm import validates
    from app.crypto import fernet

    class Patient(Base):
        ssn = Column(String(200))
        phone = Column(String(40))

        @validates("ssn")
        def _seal(self, key, value):
            return fernet.encrypt(value.encode())

    class Server(models.Model):
        ip_address = models.GenericIPAddressField()
    """
    assert lines(check(code), "PV301") == [8]


def test_aliases_factories_and_less_common_libraries() -> None:
    code = """\
    import xlsxwriter
    from django.db import models
    from redis_om import Field, HashModel
    from app.extensions import db

    Col = db.Column

    def pii_text(**kwargs):
        return models.TextField(blank=True, **kwargs)

    class Patient(models.Model):
        allergies = pii_text()
        nickname = pii_text()

    class Customer(db.Model):
        phone = Col(db.String(20))

    class Lead(HashModel):
        email: str = Field(index=True)
        source: str

    def export(leads):
        sheet = xlsxwriter.Workbook("leads.xlsx").add_worksheet()
        for row, lead in enumerate(leads):
            sheet.write(row, 0, lead.email)
            sheet.write(row, 1, lead.source)
    """
    result = check(code)
    assert lines(result, "PV301") == [12, 16, 19]
    assert lines(result, "PV303") == [25]


def test_typed_geo_fields_and_owners_that_are_places() -> None:
    code = """\
    import mongoengine as me
    from django.db import models

    class CourierPing(me.Document):
        where = me.PointField()
        seen = me.GeoPointField()

    class Depot(me.Document):
        where = me.PointField()

    class ShippingLabel(models.Model):
        address = models.TextField()

    class Warehouse(models.Model):
        address = models.TextField()
    """
    result = check(code)
    assert lines(result, "PV301") == [5, 6, 12]
    assert {f.categories for f in result.findings} == {("geolocation",), ("postal-address",)}


def test_summaries_of_records_are_not_records() -> None:
    code = """\
    import pandas as pd

    def report(conn):
        df = pd.read_sql("SELECT * FROM patients", conn)
        counts = df.groupby(["ward", "diagnosis"]).size().rename("patients").reset_index()
        counts.to_csv("/tmp/ward_counts.csv", index=False)
        df.pivot_table(index="ward", aggfunc="count").to_csv("/tmp/pivot.csv")
        df.groupby("ward").head(5).to_csv("/tmp/sample.csv")
    """
    assert lines(check(code), "PV303") == [8]
    extension = {"storage": {"record-summaries": ["head"]}}
    assert lines(check(code, extension), "PV303") == []


def test_serializer_and_schema_dumps_are_records_of_their_model() -> None:
    code = """\
    import json
    from pathlib import Path
    from app.serializers import CustomerSchema, PatientSerializer, ReportSettingsSerializer

    def export(p, settings, out: Path):
        out.write_text(json.dumps(PatientSerializer(p).data))
        serializer = ReportSettingsSerializer(settings)
        out.write_text(json.dumps(serializer.data))
        json.dump(CustomerSchema(many=True).dump(p.customers), out.open("w"))
    """
    result = check(code)
    assert lines(result, "PV303") == [6, 9]
    messages = [f.message for f in result.findings]
    assert messages[0].startswith("Records of patients")
    assert messages[1].startswith("Records of customers")


def test_named_file_writers_of_other_modules_need_a_path() -> None:
    code = """\
    from app.io import save_json, export_report
    from app import storage

    def run(customers, args):
        rows = [{"email": c.email} for c in customers]
        save_json(rows, "exports/customers.json")
        storage.dump_pickle(customers, args.output)
        export_report(rows, "weekly")
        storage.save_json(rows)
    """
    assert lines(check(code), "PV303") == [6, 7]


def test_a_table_created_from_a_query_holds_the_selected_columns() -> None:
    created = sql.parse(
        "CREATE TABLE IF NOT EXISTS contacts AS SELECT holder_name, email AS mail "
        "FROM read_parquet('/srv/accounts.parquet')"
    )
    assert created == sql.Statement("create", "contacts", ("holder_name", "mail"), ("", ""))
    everything = sql.parse("CREATE OR REPLACE TABLE voters AS SELECT * FROM m")
    assert everything is not None and everything.columns == ()
    result = check_code(
        """
        import duckdb

        def snapshot():
            con = duckdb.connect("/srv/analytics/adhoc.duckdb")
            con.execute("CREATE TABLE contacts AS SELECT holder_name, email FROM accounts")
            con.execute("CREATE TABLE usage AS SELECT meter_id, kwh FROM readings")
        """,
        ("PV302",),
    )
    assert [(f.rule_id, f.span.start_line) for f in result.findings] == [("PV302", 6)]
