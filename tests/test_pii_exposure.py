"""The pii-exposure rules: catalog extensions, facts, severities and the prefilter."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from privalint.catalog import Catalog, bundled, merge
from privalint.engine import Checker, Settings
from privalint.model import FileResult, Severity
from privalint.registry import all_rules
from tests.conftest import checker

EXPOSURE_IDS = tuple(r.id for r in all_rules() if r.family.value == "pii-exposure")


def run(code: str, extension: Any = None, collect_facts: bool = False) -> FileResult:
    catalog = bundled() if extension is None else Catalog(merge(bundled().data, extension))
    settings = Settings(rule_ids=EXPOSURE_IDS, catalog=catalog, collect_facts=collect_facts)
    return Checker(settings, all_rules()).check("case.py", textwrap.dedent(code).encode())


def findings(result: FileResult) -> list[tuple[int, str]]:
    return [(f.span.start_line, f.rule_id) for f in result.findings]


def test_user_adds_an_analytics_sdk() -> None:
    code = """
        import acme_metrics

        tracker = acme_metrics.Tracker("key")

        def signed_up(user):
            tracker.emit("signup", {"email": user.email})
    """
    assert findings(run(code)) == []
    extension = {
        "exposure": {
            "analytics": {"Acme Metrics": {"modules": ["acme_metrics"], "methods": ["emit"]}}
        }
    }
    result = run(code, extension)
    assert findings(result) == [(7, "PV204")]
    assert "Acme Metrics" in result.findings[0].message


def test_user_adds_a_search_index_and_an_http_client() -> None:
    code = """
        from acme_search.client import Indexer
        import fasthttp

        app = Indexer(url="https://search.internal")

        def index(customer):
            app.put_record(schema="people", data_id=customer.pk, fields={"phone": customer.phone})
            fasthttp.fetch(f"https://api.example.com/find?email={customer.email}")
    """
    assert findings(run(code)) == []
    extension = {
        "exposure": {
            "search-index": {
                "Acme Search": {"modules": ["acme_search"], "methods": ["put_record"]}
            },
            "url": {"clients": ["fasthttp"]},
        }
    }
    assert findings(run(code, extension)) == [(8, "PV201"), (9, "PV202")]


def test_malformed_catalog_entries_are_ignored() -> None:
    extension = {
        "exposure": {
            "analytics": {"Broken": {"modules": "not-a-list", "methods": [1, 2]}, "Odd": 3},
            "url": {"positions": {"x.get": "first"}},
            "pii-options": {"Sentry": "sentry_sdk.init"},
        }
    }
    code = (
        'import analytics\n\ndef f(user):\n    analytics.track(user.pk, "x", {"email": user.email})'
    )
    assert findings(run(code, extension)) == [(4, "PV204")]


def test_sent_facts_name_the_destination_even_when_not_reported() -> None:
    code = """
        import mailchimp_marketing
        import analytics

        chimp = mailchimp_marketing.Client()

        def join(list_id, member):
            chimp.lists.add_list_member(list_id, {"email_address": member.email})
            analytics.identify(str(member.pk), {"phone": member.phone})
    """
    result = run(code, collect_facts=True)
    assert findings(result) == [(9, "PV204")]
    facts = {(f.kind, f.category, f.line, f.detail) for f in result.facts}
    assert ("sent", "email", 8, "Mailchimp") in facts
    assert ("sent", "phone", 9, "Segment") in facts


def test_severity_rises_with_sensitivity() -> None:
    code = """
        import sentry_sdk

        def tag(patient):
            sentry_sdk.set_extra("email", patient.email)
            sentry_sdk.set_extra("diagnosis", patient.diagnosis)
    """
    severities = [f.severity for f in run(code).findings]
    assert severities == [Severity.WARNING, Severity.ERROR]


def test_messages_name_data_and_destination() -> None:
    code = """
        import requests

        def lookup(customer):
            return requests.get(f"https://crm.example.com/people?phone={customer.phone}")
    """
    (finding,) = run(code).findings
    assert "phone number" in finding.message
    assert "`customer.phone`" in finding.message
    assert "crm.example.com" in finding.message


def test_files_without_sinks_are_skipped_by_the_prefilter() -> None:
    code = b"def greet(customer):\n    return f'Hello {customer.first_name}'\n"
    result = checker(EXPOSURE_IDS).check("greet.py", code)
    assert result.skipped_by_prefilter


def test_request_bodies_are_inventoried_but_not_reported() -> None:
    code = """
        import requests

        def subscribe(email):
            requests.post("https://api.mail.example.com/members", json={"email": email}, timeout=5)
    """
    result = run(code, collect_facts=True)
    assert findings(result) == []
    # (A `helper-call` fact is recorded too, for the project stage to join with a
    # helper of another module; it names the function called, not a destination.)
    facts = {(f.kind, f.category, f.line, f.detail) for f in result.facts if f.kind == "sent"}
    assert facts == {("sent", "email", 5, "api.mail.example.com")}


def test_tracking_wrappers_need_the_shape_of_an_analytics_call() -> None:
    code = """
        from app.tracking import track, identify_user

        def signed_up(user, customers):
            track(str(user.pk), "Signed Up", {"email": user.email})
            track(user.email)
            track(str(user.pk), "/signup/?x=1", {"email": user.email})
            for customer in track(customers, description="Exporting customers"):
                print(customer)
            identify_user(str(user.pk), traits={"phone": user.phone})
            track(str(user.pk), "Signed Up", {"plan": user.plan})
    """
    assert findings(run(code)) == [(5, "PV204"), (10, "PV204")]


def test_user_names_a_tracking_wrapper() -> None:
    code = """
        from app.metrics import emit

        def signed_up(user):
            emit("signup", {"email": user.email})
    """
    assert findings(run(code)) == []
    extension = {"exposure": {"analytics-wrappers": {"names": ["emit"]}}}
    result = run(code, extension)
    assert findings(result) == [(5, "PV204")]
    assert "an analytics service through `emit()`" in result.findings[0].message


def test_query_keywords_handed_on_through_kwargs() -> None:
    code = """
        import requests

        SESSION = requests.Session()

        def api_get(path, **kwargs):
            return SESSION.get("https://api.example.com/" + path, **kwargs)

        def find(email, phone):
            api_get("people", params={"email": email})
            api_get("people", json={"phone": phone}, timeout=5)
    """
    assert findings(run(code)) == [(10, "PV202")]


def test_public_containers_are_named_per_function() -> None:
    code = """
        from azure.storage.blob import BlobServiceClient

        svc = BlobServiceClient.from_connection_string("conn")
        svc.create_container("public-docs", public_access="container")

        def share(name, customer):
            svc.create_container(name, public_access="blob")
            svc.get_blob_client(container=name, blob=f"{customer.email}.json").upload_blob(b"x")

        def keep(name, customer):
            svc.create_container(name)
            svc.get_blob_client(container=name, blob=f"{customer.email}.json").upload_blob(b"x")

        def shared_by_literal(customer):
            svc.get_blob_client(container="public-docs", blob=f"{customer.email}.json").upload_blob(b"x")
    """
    assert findings(run(code)) == [(9, "PV203"), (16, "PV203")]


def test_tracking_methods_of_an_object_named_for_analytics() -> None:
    code = """
        import requests

        class Signup:
            def __init__(self, tracker, cache):
                self.tracker = tracker
                self.cache = cache

            def done(self, user):
                self.tracker.track(str(user.pk), "Signed Up", {"phone": user.phone})
                self.cache.track(str(user.pk), "Signed Up", {"phone": user.phone})
    """
    assert findings(run(code)) == [(10, "PV204")]


def test_buckets_made_public_in_a_function_stay_local_to_it() -> None:
    code = """
        from google.cloud import storage

        client = storage.Client()

        def setup():
            bucket = client.bucket("public-assets")
            bucket.make_public(future=True)

        def upload(bucket, customer, data):
            bucket.blob(f"{customer.email}.json").upload_from_string(data)

        class Share:
            def __init__(self):
                self.bucket = client.bucket("shared")
                self.bucket.make_public(future=True)

            def upload(self, customer, data):
                self.bucket.blob(f"{customer.email}.json").upload_from_string(data)
    """
    assert findings(run(code)) == [(19, "PV203")]


def test_downloading_a_recording_puts_no_content_in_the_url() -> None:
    code = """
        import httpx

        async def archive(event, transcript):
            audio = await httpx.AsyncClient().get(event["recording_url"])
            await httpx.AsyncClient().get(f"https://api.example.com/q?text={transcript}")
            return audio
    """
    assert findings(run(code)) == [(6, "PV202")]


def test_public_default_acl_of_the_default_file_storage() -> None:
    # django-storages: every file users upload through the default storage is public.
    code = """
        DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
        AWS_STORAGE_BUCKET_NAME = "uploads"
        AWS_DEFAULT_ACL = "public-read"
    """
    assert findings(run(code)) == [(4, "PV203")]
    code = """
        AWS_DEFAULT_ACL = "public-read"
        STORAGES = {
            "default": {"BACKEND": "storages.backends.s3.S3Storage"},
            "staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
    """
    assert findings(run(code)) == [(2, "PV203")]


def test_public_default_acl_with_no_storage_setting() -> None:
    # The ACL is the only sign of how django-storages is used: what it saves is public.
    code = """
        AWS_STORAGE_BUCKET_NAME = "family-photos"
        AWS_DEFAULT_ACL = "public-read"
        AWS_S3_ENCRYPTION = True
    """
    result = run(code)
    assert findings(result) == [(3, "PV203")]
    assert "Amazon S3" in result.findings[0].message
    code = """
        GS_BUCKET_NAME = "uploads"
        GS_DEFAULT_ACL = "publicRead"
    """
    assert findings(run(code)) == [(3, "PV203")]


@pytest.mark.parametrize(
    "code",
    [
        # Only the static assets go to the bucket: public by design.
        """
        STATICFILES_STORAGE = "storages.backends.s3boto3.S3StaticStorage"
        AWS_DEFAULT_ACL = "public-read"
        """,
        """
        AWS_DEFAULT_ACL = "public-read"
        STORAGES = {"staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"}}
        """,
        # The default storage stays on the local disk.
        """
        DEFAULT_FILE_STORAGE = "django.core.files.storage.FileSystemStorage"
        AWS_DEFAULT_ACL = "public-read"
        """,
        # Only static assets go to the bucket; uploads stay on the local disk.
        """
        STORAGES = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
        AWS_DEFAULT_ACL = "public-read"
        """,
        # Private ACL, or a public one set back to the private default.
        """
        DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
        AWS_DEFAULT_ACL = "private"
        """,
        """
        DEFAULT_FILE_STORAGE = "storages.backends.gcloud.GoogleCloudStorage"
        GS_DEFAULT_ACL = "publicRead"
        GS_DEFAULT_ACL = None
        """,
        # A default ACL inside a function or class is not the project's setting.
        """
        DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"

        class Staging:
            AWS_DEFAULT_ACL = "public-read"
        """,
    ],
)
def test_public_default_acl_near_misses(code: str) -> None:
    assert findings(run(code)) == []
