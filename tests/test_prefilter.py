"""The prefilter skips files no rule could match, and never changes a result.

The first tests run whole checks with the prefilter on and off and require identical
results; the others hold the personal-data vocabulary to the classifier it stands
for (every phrase of every category, in every way code can name it) and show that
it does skip what it may.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import textwrap
from pathlib import Path
from typing import ClassVar

import libcst as cst
import pytest

from privalint.api import CheckOptions, run_check
from privalint.catalog import bundled
from privalint.engine import Checker
from privalint.model import Family, Finding, Severity
from privalint.personal import KEY, NAME, Classifier
from privalint.prefilter import PersonalVocabulary, Prefilter, code_view
from privalint.rule import Rule
from privalint.settings import Settings
from tests.conftest import FIXTURES, checker

DATA = Path(__file__).parent / "data"
PROJECTS = [
    FIXTURES / "demo",
    DATA / "sample_project",
    *sorted(p for p in (FIXTURES / "projects").glob("*") if p.is_dir()),
]
FILES = sorted(
    [*FIXTURES.rglob("*.py"), *DATA.rglob("*.py")],
    key=str,
)


def _plain(findings: list[Finding]) -> list[tuple]:
    return sorted(dataclasses.astuple(f) for f in findings)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_file_gives_the_same_findings_with_and_without_prefilter(path: Path) -> None:
    data = path.read_bytes()
    with_prefilter = checker(prefilter=True).check(path.name, data)
    without = checker(prefilter=False).check(path.name, data)
    assert _plain(with_prefilter.findings) == _plain(without.findings)
    assert with_prefilter.facts == without.facts


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_every_project_gives_the_same_report_with_and_without_prefilter(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    reports = []
    for prefilter in (True, False):
        outcome = run_check(
            CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, prefilter=prefilter)
        )
        reports.append(_plain(outcome.report.findings))
    assert reports[0] == reports[1]


def test_prefilter_skips_files_and_says_so() -> None:
    result = checker().check("numbers.py", b"def add(a, b):\n    return sum(zip(a, b))\n")
    assert result.skipped_by_prefilter and not result.parsed
    assert checker(prefilter=False).check("numbers.py", b"x = 1\n").parsed


def test_a_skipped_file_with_a_syntax_error_is_still_reported() -> None:
    skipped = 0
    for source in (b"exec 'x = 1'\n", b"def f(:\n    pass\n", b"x = (1,\n"):
        result = checker().check("old.py", source)
        skipped += result.skipped_by_prefilter
        assert [f.rule_id for f in result.findings] == ["PV000"]
        same = checker(prefilter=False).check("old.py", source)
        assert _plain(same.findings) == _plain(result.findings)
    assert skipped == 3


# -- the personal-data vocabulary against the classifier ------------------------------

CATALOG = bundled()
CLASSIFIER = Classifier(CATALOG.data)
VOCABULARY = PersonalVocabulary(CLASSIFIER, ("zip", "len", "str"))


def _forms(words: tuple[str, ...]) -> dict[str, str]:
    return {
        "snake": "_".join(words),
        "camel": words[0] + "".join(w.capitalize() for w in words[1:]),
        "pascal": "".join(w.capitalize() for w in words),
        "constant": "_".join(words).upper(),
        "spaced": " ".join(words),
        "kebab": "-".join(words),
    }


def _cases(words: tuple[str, ...], qualifier: str) -> list[tuple[str, str, str, str, str]]:
    """(code, text, owner, kind, imports) for one phrase in many syntactic places."""
    forms = _forms(words)
    name, camel, spaced = forms["snake"], forms["camel"], forms["spaced"]
    cases = []
    for ident in (name, camel, forms["pascal"], f"{name}_str", f"{name}2"):
        cases += [
            (f"value = {ident}\n", ident, "", NAME, ""),
            (f"value = record.{ident}\n", ident, "record", NAME, ""),
            (f"value = customer.{ident}\n", ident, "customer", NAME, ""),
            (f"value = (customer\n    .{ident})\n", ident, "customer", NAME, ""),
            (f"value = get_customer(1, 2).{ident}\n", ident, "get_customer", NAME, ""),
            (f"value = {qualifier}_{ident}\n", f"{qualifier}_{ident}", "", NAME, ""),
            (f"import twilio\nvalue = {ident}\n", ident, "", NAME, "twilio"),
            (f"send({ident}=1)\n", ident, "", KEY, ""),
            (
                f"class Customer:\n    def show(self):\n        return self.{ident}\n",
                ident,
                "Customer",
                NAME,
                "",
            ),
            (
                f"class CustomerBase(models.Model):\n    {ident} = models.CharField()\n",
                ident,
                "customer",
                NAME,
                "",
            ),
            (
                f"class Meta:\n    model = Patient\n    fields = ['{ident}']\n",
                ident,
                "Patient",
                KEY,
                "",
            ),
        ]
    for key in (name, camel, spaced, forms["kebab"], forms["constant"]):
        cases += [
            (f'value = row["{key}"]\n', key, "row", KEY, ""),
            (f'value = customer["{key}"]\n', key, "customer", KEY, ""),
            (f"value = customer.get('{key}')\n", key, "customer", KEY, ""),
            (f'value = data["customer"]["{key}"]\n', key, "customer", KEY, ""),
            (f'value = {{"{key}": 1}}\n', key, "", KEY, ""),
            (f'value = {{"{qualifier} {key}": 1}}\n', f"{qualifier} {key}", "", KEY, ""),
        ]
    cases += [
        (f'cur.execute("SELECT id, {name} FROM customers")\n', name, "customers", KEY, ""),
        (
            f'cur.execute("""\n    SELECT {forms["constant"]}\n    FROM CUSTOMERS\n""")\n',
            forms["constant"],
            "CUSTOMERS",
            KEY,
            "",
        ),
        (f"value = customer.get_{name}()\n", name, "customer", NAME, ""),
        (
            f'cur.execute("""\n    CREATE TABLE patients (\n        {name} TEXT\n    )\n""")\n',
            name,
            "patients",
            KEY,
            "",
        ),
    ]
    return cases


def _is_python(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def _phrases() -> list[tuple[str, tuple[str, ...], str]]:
    out = []
    for category in CLASSIFIER.categories.values():
        qualifier = sorted(category.qualifiers)[0] if category.qualifiers else "customer"
        for phrase in (*category.include, *category.ambiguous):
            out.append((category.id, phrase, qualifier))
    return out


@pytest.mark.parametrize("category", sorted(CLASSIFIER.categories))
def test_vocabulary_matches_wherever_the_classifier_would(category: str) -> None:
    missed = []
    for cat, words, qualifier in _phrases():
        if cat != category:
            continue
        for code, text, owner, kind, imports in _cases(words, qualifier):
            context = CLASSIFIER.context_for([imports] if imports else [])
            if CLASSIFIER.classify(text, owner, kind, context) is None:
                continue
            if not _is_python(code):
                continue  # `customer.from`: a keyword is only ever a key
            if not VOCABULARY.matches(code.encode()):
                missed.append(code)
    assert not missed, "the prefilter would skip:\n" + "\n".join(missed[:20])


@pytest.mark.parametrize(
    "literal", ["4111 1111 1111 1111", "4111-1111-1111-1111", "DE89 3704 0044 0532 0130 00"]
)
def test_vocabulary_matches_literal_card_numbers_and_ibans(literal: str) -> None:
    assert VOCABULARY.matches(f'log.info("paid with {literal}")\n'.encode())


@pytest.mark.parametrize(
    "code",
    [
        # A builtin the flow sees through is a call, not a postal code.
        "pairs = list(zip(keys, values))\n",
        # Phrases that do not head the identifier.
        "pairs = itertools.zip_longest(a, b)\nemail_template = load()\nphone_model = 3\n",
        # An ambiguous word with nothing in the file to qualify it.
        "def label(f):\n    return f.name\n",
        "from os import path\nto = 3\n",
        # Comments and docstrings are not code.
        "# the customer's email address\nx = 1\n",
        'def f():\n    """Return the email address of the user."""\n    return 1\n',
        # Excluded by the category (`file`, `host`).
        "print(filename, host_name)\n",
        # A constant and a dunder are not data.
        "print(__name__, DEFAULT_FROM_EMAIL)\n",
        # A negated flag.
        "if is_email_verified:\n    pass\n",
        # A keyword is never a name (`from`, read as a sender).
        "from app.users import UserAdmin\n",
        # A message's capitalised words are not class names that qualify `name`.
        'raise ValueError("User settings need a name of the form x")\nname = 1\n',
        # Words follow the ambiguous word in its string: not a key's last words.
        'warn("the lead to the customer record is stale")\n',
        # A message that starts like SQL names no table: its words own no column.
        'HELP = "Update the user cache before use"\ndef label(f):\n    return f.name\n',
        'cur.execute("SELECT id FROM jobs WHERE user_id = %s", (uid,))\nlabel = row.name\n',
    ],
)
def test_vocabulary_skips_what_cannot_be_personal(code: str) -> None:
    assert not VOCABULARY.matches(code.encode())


@pytest.mark.parametrize(
    "code",
    [
        # The key a nested dict is stored under qualifies its keys, across lines.
        'meta = {\n    "delivery": {\n        "address": a,\n    },\n}\n',
        # The template a value is formatted into, across lines.
        'msg = "SMS %s queued for %s" % (\n    template,\n    number,\n)\n',
        # A loop variable belongs to the collection it runs over.
        "texts = [c.notes for c in consultations]\n",
        # The last word of a key or label in a string, before a placeholder.
        'log.info("forwarding to %s", lead_to)\n',
        'row = {"customer name": n}\n',
        # A column's owner is the table its statement names.
        'cur.execute("SELECT id, name FROM customers")\n',
        'cur.execute("""\n    UPDATE patients SET notes = %s\n""", (n,))\n',
        'db.execute("CREATE TABLE IF NOT EXISTS patients (id INT, name TEXT)")\n',
    ],
)
def test_vocabulary_sees_the_owners_the_flow_gives(code: str) -> None:
    assert VOCABULARY.matches(code.encode())


@pytest.mark.parametrize(
    "code",
    [
        "def zip(a):\n    return a\n",
        "from postal import zip\n",
        "x = record.zip(1)\n",
        'print(row["zip"])\n',
    ],
)
def test_a_builtin_name_counts_when_it_is_not_the_builtin_call(code: str) -> None:
    assert VOCABULARY.matches(code.encode())


def test_code_view_drops_comments_and_docstrings_only() -> None:
    source = textwrap.dedent(
        '''\
        """Module doc: email."""
        import x  # phone
        def f(a):
            """Doc: email."""
            s = "# not a comment: email"
            q = """SELECT email FROM customers"""
            t = f"""{a.email}"""
            return s, q, t
        '''
    ).encode()
    view = code_view(source).decode()
    assert "phone" not in view and "Doc:" not in view and "Module doc" not in view
    assert "# not a comment: email" in view
    assert "SELECT email FROM customers" in view
    assert "{a.email}" in view


# -- trigger words looked for in import statements -----------------------------------


class ImportTriggered(Rule):
    """
    ## What it does
    Test rule.

    ## Why is this bad?
    It is not.
    """

    id = "PV298"
    name = "import-triggered"
    family = Family.PII_EXPOSURE
    severity = Severity.NOTE
    title = "test"
    message = "test"
    triggers: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("import:acme_sdk", "AcmeClient"),
        ("track",),
    )

    def visit_Module(self, node: cst.Module) -> None:
        self.report(node)


def _selected(code: str) -> bool:
    settings = Settings(rule_ids=("PV298",), catalog=bundled())
    return bool(Checker(settings, [ImportTriggered]).rules_for(code.encode())[0])


@pytest.mark.parametrize(
    ("code", "selected"),
    [
        ("import acme_sdk\nacme_sdk.track(1)", True),
        ("from acme_sdk.client import Client\nClient().track(1)", True),
        ("    from ACME_SDK import x  # indented, upper case\nx.track()", True),
        ("client = AcmeClient()\nclient.TRACK(1)", True),
        # the module's name outside an import statement does not count
        ("# see acme_sdk docs\nclient.track(1)", False),
        # every group needs a word
        ("import acme_sdk\nacme_sdk.send(1)", False),
    ],
)
def test_import_triggers_look_at_import_statements(code: str, selected: bool) -> None:
    assert _selected(code) is selected


class NameTriggered(ImportTriggered):
    """
    ## What it does
    Test rule.

    ## Why is this bad?
    It is not.
    """

    id = "PV297"
    name = "name-triggered"
    triggers: ClassVar[tuple[tuple[str, ...], ...]] = (("name:kin",),)


@pytest.mark.parametrize(
    ("code", "selected"),
    [
        ("next_of_kin = forms.CharField()", True),
        ('row["nextOfKin"] = value', True),
        # Inside another word, it is not the word.
        ("making = taking + checking", False),
    ],
)
def test_name_triggers_look_at_the_words_of_identifiers(code: str, selected: bool) -> None:
    settings = Settings(rule_ids=("PV297",), catalog=bundled())
    assert bool(Checker(settings, [NameTriggered]).rules_for(code.encode())[0]) is selected


def test_call_control_markup_built_as_text_is_enough_to_check_a_file() -> None:
    """A file that builds call-control markup as text needs no VoIP import to be
    checked: the markup is a trigger of the forwarding rule."""
    code = (
        "from flask import request\n"
        "def forward():\n"
        '    to = request.args["to"]\n'
        '    return "<Response><Transfer><PhoneNumber>%s</PhoneNumber></Transfer></Response>" % to\n'
    )
    result = checker(("PV604",)).check("bxml.py", code.encode())
    assert [f.rule_id for f in result.findings] == ["PV604"]


def _selects(rule_id: str, code: str) -> bool:
    """Whether the prefilter lets the bundled rule ``rule_id`` check ``code``."""
    from privalint.registry import all_rules

    settings = Settings(rule_ids=(rule_id,), catalog=bundled())
    rules = [r for r in all_rules() if r.id == rule_id]
    return bool(Checker(settings, rules).rules_for(code.encode())[0])


@pytest.mark.parametrize(
    ("rule_id", "code", "selected"),
    [
        ("PV501", "requests.get(url, verify=False)", True),
        ("PV501", 'ctx = make_context(validate="CERT_NONE")', True),
        ("PV501", "pool = make_pool(host, validate_certs=False)", True),
        ("PV501", "VALIDATE_PEER = False", True),
        # Validators of forms and models say nothing about certificates.
        ("PV501", "def validate(self, value):\n    return validate_email(value)", False),
        ("PV501", "form.full_clean()\nvalidators = [validate_slug]", False),
        # Public storage needs a storage SDK or an object named like a storage client.
        ("PV203", 'import boto3\ns3 = boto3.client("s3")\ns3.put_object(ACL="public-read")', True),
        ("PV203", "blob = bucket.blob(key)\nblob.make_public()", True),
        ("PV203", 'PUBLIC_METHODS = ["get"]\ndef is_public(view):\n    return view.public', False),
        # A dialog module's timeout is set in `modparam(...)` text, not by any cache.
        ("PV606", 'CFG = \'modparam("dialog", "default_timeout", 0)\'', True),
        (
            "PV606",
            "def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):\n    return self.default_timeout",
            False,
        ),
        # A special category's flag is a word of an identifier (`archive` has no `hiv`).
        ("PV301", "class Patient(Model):\n    hiv_positive = BooleanField()", True),
        (
            "PV301",
            "class Job(Model):\n    archived = BooleanField()\n    disable_retry = BooleanField()",
            False,
        ),
        # A control URL kept in settings is named for it (`variable` has no word `ari`).
        ("PV607", 'ARI_URL = os.environ.get("ARI_URL", "http://pbx.example:8088")', True),
        ("PV607", 'VARIABLE_URL = "http://docs.example/variables"', False),
        # A port, TLS switch or protocol setting is judged beside a host setting.
        ("PV513", 'MQTT_HOST = "mqtt.example.com"\nMQTT_PORT = 1883', True),
        ("PV513", 'DIRECTORY = "ldap://dc1.example.com"', True),
        (
            "PV513",
            "def get_protocol(self):\n    return self.protocol if self.is_secure else None",
            False,
        ),
        # A model function of the project imported from a module named in part for
        # models (`notes_ai`), called with personal data.
        (
            "PV207",
            "from .notes_ai import summarise_note\nsummarise_note(text, user.first_name)",
            True,
        ),
        (
            "PV207",
            "from .notes import summarise_note\nsummarise_note(text, user.first_name)",
            False,
        ),
        # A short network is a string's whole value, not part of a date.
        ("PV609", 'PEERS = {"carrier": {"permit": "0/0"}}', True),
        ("PV609", "DATE_INPUT_FORMATS = [\"%d/%m/%y\"]  # '25/10/06'", False),
        # A prompt is a builtin's or an imported module's (`clickjacking` is not `click`).
        (
            "PV401",
            "import click\n@click.option('--pin', prompt=True)\ndef cli(pin):\n    pass",
            True,
        ),
        ("PV401", "from getpass import getpass\nsecret = getpass()", True),
        ("PV401", "answer = input('Continue? ')", True),
        (
            "PV401",
            "class XFrameOptionsMiddleware:\n    # against clickjacking\n    prompt = None",
            False,
        ),
    ],
)
def test_rules_are_screened_by_what_they_need(rule_id: str, code: str, selected: bool) -> None:
    assert _selects(rule_id, code) is selected


_SCREENING = checker()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_the_main_process_screens_files_as_the_engine_does(path: Path) -> None:
    """`Prefilter.unparsed`, with the prefilter rebuilt from its plain description
    (as the main process does from the cache), agrees with `Checker.check`."""
    engine = _SCREENING
    spec = json.loads(json.dumps(engine.prefilter.spec()))
    screen = Prefilter.from_spec(spec, Classifier(bundled().data))
    assert screen is not None
    data = path.read_bytes()
    for defer in (False, True):
        checked = engine.check(str(path), data, defer)
        unparsed = screen.unparsed(str(path), data, defer)
        if unparsed is None:
            assert checked.parsed or checked.findings, path
        else:
            assert not checked.parsed and not checked.findings and not checked.facts
            assert (unparsed.skipped_by_prefilter, unparsed.deferred) == (
                checked.skipped_by_prefilter,
                checked.deferred,
            )


def test_a_prefilter_description_that_is_not_one_gives_none() -> None:
    assert Prefilter.from_spec({"rules": 3}, Classifier(bundled().data)) is None
    assert Prefilter.from_spec(None, Classifier(bundled().data)) is None
