"""The personal-data classifier, checked against a labelled table of identifiers
(tests/data/classifier_cases.tsv: at least 400 rows, about half of them near misses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from privalint.catalog import bundled
from privalint.personal import KEY, NAME, Classifier, classify_literal, split_words

CASES_FILE = Path(__file__).parent / "data" / "classifier_cases.tsv"


def _cases() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in CASES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        identifier, owner, kind, expected = line.split("\t")
        rows.append((identifier, owner, kind or NAME, expected))
    return rows


CASES = _cases()
CLASSIFIER = Classifier(bundled().data)


def test_table_is_large_and_balanced() -> None:
    negatives = sum(1 for case in CASES if case[3] == "-")
    assert len(CASES) >= 400
    assert 0.4 <= negatives / len(CASES) <= 0.6
    categories = {case[3] for case in CASES} - {"-"}
    assert categories >= set(CLASSIFIER.categories), "every category has labelled cases"


def test_table_rows_are_unique() -> None:
    keys = [case[:3] for case in CASES]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates


@pytest.mark.parametrize(("identifier", "owner", "kind", "expected"), CASES, ids=lambda v: str(v))
def test_classification(identifier: str, owner: str, kind: str, expected: str) -> None:
    got = CLASSIFIER.classify(identifier, owner, kind)
    assert (got or "-") == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("customerEmailAddress", ("customer", "email", "address")),
        ("customer_email_address", ("customer", "email", "address")),
        ("CUSTOMER-EMAIL", ("customer", "email")),
        ("userIPAddress", ("user", "ip", "address")),
        ("HTTPResponse", ("http", "response")),
        ("address_line1", ("address", "line", "1")),
        ("phone_e164", ("phone", "e", "164")),
        ("first name", ("first", "name")),
        ("Addresses", ("address",)),
        ("allergies", ("allergy",)),
        ("status", ("status",)),
        ("", ()),
    ],
)
def test_split_words(text: str, words: tuple[str, ...]) -> None:
    assert split_words(text) == words


def test_context_imports_resolve_ambiguous_phone_words() -> None:
    telephony = CLASSIFIER.context_for(["twilio.rest"])
    assert CLASSIFIER.classify("number", "request.form", KEY, telephony) == "phone"
    assert CLASSIFIER.classify("From", "request.values", KEY, telephony) == "phone"
    assert CLASSIFIER.classify("number", "request.form", KEY) is None
    assert CLASSIFIER.context_for(["requests", "os"]) == frozenset()


def test_context_imports_resolve_ambiguous_mail_words() -> None:
    mail = CLASSIFIER.context_for(["smtplib"])
    assert CLASSIFIER.classify("to_addr", "", NAME, mail) == "email"
    assert CLASSIFIER.classify("recipient", "", NAME, mail) == "email"
    assert CLASSIFIER.classify("to_addr") is None  # a socket's peer, without mail
    assert CLASSIFIER.classify("smtp_host", "", NAME, mail) is None


def test_user_extension_adds_and_ignores_words() -> None:
    from privalint.catalog import merge

    data = merge(
        bundled().data,
        {
            "categories": {"email": {"include": ["courriel"]}},
            "personal-data": {"ignore": ["contact_phone"]},
        },
    )
    extended = Classifier(data)
    assert extended.classify("client_courriel") == "email"
    assert extended.classify("contact_phone") is None
    assert CLASSIFIER.classify("client_courriel") is None
    assert CLASSIFIER.classify("contact_phone") == "phone"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4111 1111 1111 1111", "payment-card"),
        ("4111-1111-1111-1111", "payment-card"),
        ("4111111111111112", None),
        ("1111111111111111", None),
        ("GB82 WEST 1234 5698 7654 32", "bank-account"),
        ("DE89370400440532013000", "bank-account"),
        ("DE89370400440532013001", None),
        ("jane@example.com", None),
        ("hello world", None),
    ],
)
def test_literals(value: str, expected: str) -> None:
    assert classify_literal(value) == expected


@pytest.mark.parametrize(
    ("text", "name", "owner", "description", "expected"),
    [
        # A label that is a category phrase names it, whatever the field is called.
        ("Mobile number", "reach_me_at", "", False, "phone"),
        ("Date of birth:", "born", "", False, "date-of-birth"),
        ("Your name", "field_1", "", False, "person-name"),
        # Descriptions, and prose, count only for a field whose name says nothing.
        ("Current position (lat, lon) of the patient", "location", "Patient", True, "geolocation"),
        ("The e-mail address we send receipts to", "contact", "", True, "email"),
        ("Mobile number", "contact", "", True, "phone"),
        ("Allowed grant types, e.g. client credentials", "grant_types", "", True, None),
        ("Accuracy of the latitude, in metres", "accuracy", "", True, None),
        ("Mobile number", "delivery_window", "", True, None),
        # ... and not when the phrase is transformed or an ordinary word in prose.
        ("Hashed e-mail address of the reporter", "value", "", True, None),
        ("Pin this entry to the top of the list", "entry", "", True, None),
        ("Email subject shown to the customer", "text", "", True, None),
        # A counter or a flag about the data is not the data.
        ("Number of Orders as Billing Address", "num_orders_as_billing_address", "", False, None),
        ("Default billing address?", "is_default_for_billing", "", False, None),
    ],
)
def test_labels_and_descriptions(
    text: str, name: str, owner: str, description: bool, expected: object
) -> None:
    assert CLASSIFIER.classify_label(text, name, owner, description) == expected


@pytest.mark.parametrize(
    ("name", "vague"),
    [
        ("location", True),
        ("contact_info", True),
        ("field_3", True),
        ("customer", True),
        ("value", True),
        ("store_location", False),
        ("grant_types", False),
        ("title", False),
    ],
)
def test_vague_field_names(name: str, vague: bool) -> None:
    assert CLASSIFIER.is_vague(name) is vague


def test_a_word_before_data_only_people_have_names_a_person_in_that_file() -> None:
    source = b"class Consent:\n    partner_name: str\n    partnerDob: date\n"
    context = CLASSIFIER.people_named(source)
    assert context == {"person:partner"}
    assert CLASSIFIER.classify("partner_name", "", NAME, context) == "person-name"
    assert CLASSIFIER.classify("partner_name", "body", NAME, context) == "person-name"
    # Elsewhere a partner is as often a business.
    assert CLASSIFIER.classify("partner_name", "", NAME) is None


@pytest.mark.parametrize(
    "source",
    [
        b"partner_name = row.partner_name\npartner_since = row.partner_since\n",
        # Words the vocabulary knows are never taken for a person.
        b"medical_history = x\nmedical_name = y\n",
        b"pet_dob = x\npet_name = y\n",
        b"vendor_religion = x\n",
        # Data that businesses have too (a tax number, an e-mail) says nothing.
        b"partner_tax_id = x\npartner_email = y\n",
    ],
)
def test_no_person_is_named_without_data_only_people_have(source: bytes) -> None:
    assert not CLASSIFIER.people_named(source)
