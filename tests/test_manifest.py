"""The privacy manifest and the undeclared-collection rules that check code against it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from privalint.api import CheckOptions, run_check
from privalint.catalog import bundled
from privalint.cli import cli
from privalint.config import Config
from privalint.manifest import (
    ManifestError,
    Rules,
    add_entries,
    entry_text,
    locate,
    parse,
)
from privalint.model import Fact
from privalint.project import resolve_collection
from privalint.registry import by_id

RULES = Rules.from_catalog(bundled())


def _parse(text: str) -> object:
    return parse(textwrap.dedent(text), Path("privacy.toml"), RULES)


def _problems(text: str) -> list[tuple[int, str]]:
    manifest = parse(textwrap.dedent(text), Path("privacy.toml"), RULES)
    return [(p.line, p.message) for p in manifest.problems]


# -- reading and validating ------------------------------------------------------------------


def test_a_valid_manifest_declares_its_categories_without_problems() -> None:
    manifest = parse(
        textwrap.dedent(
            """\
            # header comment
            [data.email]
            purpose = "Sign-in"
            basis = "contract"

            [data.health]
            purpose = "Catering"
            basis = "consent"
            special-condition = "explicit-consent"
            """
        ),
        Path("privacy.toml"),
        RULES,
    )
    assert manifest.problems == []
    assert manifest.declares("email") and manifest.declares("health")
    assert not manifest.declares("phone")
    assert manifest.entries["email"].line == 2
    assert manifest.entries["health"].line == 6
    assert manifest.entries["health"].special_condition == "explicit-consent"


def test_inline_tables_and_dotted_keys_are_located() -> None:
    manifest = parse(
        textwrap.dedent(
            """\
            [data]
            email = { purpose = "Sign-in", basis = "contract" }
            phone.purpose = "Couriers"
            phone.basis = "contract"
            """
        ),
        Path("privacy.toml"),
        RULES,
    )
    assert manifest.problems == []
    assert manifest.entries["email"].line == 2
    assert manifest.entries["phone"].line == 3


def test_unknown_category_suggests_the_close_one() -> None:
    problems = _problems(
        """\
        [data.emial]
        purpose = "x"
        basis = "contract"

        [data.phone-number]
        purpose = "x"
        basis = "contract"
        """
    )
    assert (
        problems[0][0] == 1
        and "unknown data category `emial` (did you mean 'email'?)" in problems[0][1]
    )
    assert problems[1][0] == 5 and "(did you mean 'phone'?)" in problems[1][1]


def test_an_unknown_category_declares_nothing() -> None:
    manifest = parse('[data.phone-number]\npurpose = "x"\nbasis = "contract"\n', Path("p"), RULES)
    assert not manifest.declares("phone-number") and not manifest.declares("phone")


def test_missing_purpose_and_basis_are_reported_on_the_entry() -> None:
    problems = _problems(
        """\
        [data.email]
        retention = "forever"
        """
    )
    assert [line for line, _ in problems] == [1, 1]
    assert "no `purpose`" in problems[0][1]
    assert "no legal `basis`" in problems[1][1]


def test_invalid_basis_is_reported_on_its_line_with_a_suggestion() -> None:
    problems = _problems(
        """\
        [data.email]
        purpose = "Sign-in"
        basis = "legitimate-interest"
        """
    )
    assert problems == [
        (
            3,
            "`basis = 'legitimate-interest'` is not a legal basis of GDPR Art. 6 "
            "(did you mean 'legitimate-interests'?); valid: consent, contract, "
            "legal-obligation, vital-interests, public-task, legitimate-interests",
        )
    ]


def test_todo_placeholders_and_bad_conditions_and_typos_are_reported() -> None:
    problems = _problems(
        """\
        [data.health]
        purpose = "TODO: why"
        basis = "TODO"
        special-condition = "explicit consent"
        retension = "1 year"
        """
    )
    messages = dict(problems)
    assert "still a TODO" in messages[2]
    assert "legal basis of `health` is still a TODO" in messages[3]
    assert "(did you mean 'explicit-consent'?)" in messages[4]
    assert "unknown key `retension`" in messages[5] and "'retention'" in messages[5]


def test_other_keys_and_tables_are_accepted() -> None:
    assert (
        _problems(
            """\
            [project]
            controller = "Acme Ltd"

            [data.email]
            purpose = "Sign-in"
            basis = "contract"
            recipients = ["Mailgun"]
            reviewed-by = "DPO"
            """
        )
        == []
    )


def test_wrong_value_types_are_reported() -> None:
    problems = _problems(
        """\
        [data.email]
        purpose = 3
        basis = "contract"
        """
    )
    assert problems[0] == (2, "`purpose` of `[data.email]` must be a string")


def test_data_that_is_not_a_table_is_reported() -> None:
    assert _problems('data = "everything"\n')[0][1].startswith("`data` must be a table")


def test_invalid_toml_is_an_error_with_file_and_line() -> None:
    with pytest.raises(ManifestError) as error:
        _parse('[data.email]\npurpose = "Sign-in\n')
    assert str(error.value).startswith("privacy.toml:2: the manifest is not valid TOML")


# -- finding it ---------------------------------------------------------------------------------


def test_locate_prefers_the_config_key_then_the_config_folder_then_the_checked_folder(
    tmp_path: Path,
) -> None:
    sub = tmp_path / "src"
    sub.mkdir()
    config = Config(path=tmp_path / "privalint.toml", root=tmp_path)
    assert locate(config, [sub]) is None
    (sub / "privacy.toml").write_text("")
    assert locate(config, [sub]) == sub / "privacy.toml"
    (tmp_path / "privacy.toml").write_text("")
    assert locate(config, [sub]) == tmp_path / "privacy.toml"
    config.manifest = tmp_path / "docs" / "data.toml"
    with pytest.raises(ManifestError, match="does not exist"):
        locate(config, [sub])


# -- writing ----------------------------------------------------------------------------------


HAND_EDITED = """\
# Our manifest.   Reviewed by the DPO, 2024-03.

[data.email]   # sign-in
purpose   = 'Sign-in'    # single quotes, odd spacing
basis = "contract"
notes = \"\"\"
[data.phone]
inside a multi-line string
\"\"\"

[data]
person-name = { purpose = "Invoices", basis = "contract" }

[project]
controller = "Acme"  # no newline at the end"""


def test_adding_entries_keeps_a_hand_edited_file_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "privacy.toml"
    path.write_text(HAND_EDITED)
    entry = entry_text("phone", "phone number", False, ["a.py:3", "b.py:4"], RULES)
    text = add_entries(path, [entry])
    assert text.startswith(HAND_EDITED + "\n")
    manifest = parse(text, path, RULES)
    assert manifest.declares("phone") and manifest.declares("email")
    assert manifest.declares("person-name")
    assert manifest.entries["phone"].line == HAND_EDITED.count("\n") + 3
    assert "# Collected at a.py:3, b.py:4." in text


def test_new_entries_of_special_categories_ask_for_a_condition(tmp_path: Path) -> None:
    text = add_entries(
        tmp_path / "privacy.toml", [entry_text("health", "health data", True, [], RULES)]
    )
    assert text.startswith("# Privacy manifest")
    manifest = parse(text, tmp_path / "privacy.toml", RULES)
    assert manifest.entries["health"].special_condition is not None
    assert any("still a TODO" in p.message for p in manifest.problems)


def test_a_layout_that_cannot_take_new_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "privacy.toml"
    path.write_text('data = { email = { purpose = "x", basis = "contract" } }\n')
    with pytest.raises(ManifestError, match="add them by hand"):
        add_entries(path, [entry_text("phone", "phone number", False, [], RULES)])


# -- facts to findings ------------------------------------------------------------------------


def _fact(kind: str, category: str, detail: str, line: int = 1) -> Fact:
    return Fact(kind, category, "x.py", line, detail)


def test_request_models_are_collected_through_bodies_bases_and_nested_models() -> None:
    facts = [
        _fact("model-field", "email", "UserBase.email"),
        _fact("model-field", "phone", "Contact.phone"),
        _fact("model-field", "health", "Unused.symptoms"),
        _fact("model-field", "postal-address", "Response.street_address"),
        _fact("model-link", "", "UserCreate UserBase"),
        _fact("model-link", "", "UserBase Contact"),
        _fact("model-link", "", "Response UserBase"),
        _fact("request-body", "", "UserCreate"),
        _fact("collected", "ip-address", "`request.remote_addr`"),
        _fact("stored", "email", "model field User.email"),
    ]
    collected = {(f.category, f.detail) for f in resolve_collection(facts)}
    assert collected == {
        ("email", "request model field `UserBase.email`"),
        ("phone", "request model field `Contact.phone`"),
        ("ip-address", "`request.remote_addr`"),
    }


def test_reads_of_what_a_visible_schema_validated_are_collected_at_its_fields() -> None:
    facts = [
        _fact("schema", "", "BankDetailsSchema"),
        _fact("validated-read", "bank-account", 'BankDetailsSchema `payload["sort_code"]`'),
        _fact("validated-read", "bank-account", 'LegacySchema `legacy["sort_code"]`'),
    ]
    collected = {(f.kind, f.category, f.detail) for f in resolve_collection(facts)}
    assert collected == {("collected", "bank-account", '`legacy["sort_code"]`')}


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "privalint.toml").write_text("")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def _findings(
    project: Path, monkeypatch: pytest.MonkeyPatch, paths: tuple[str, ...] = (".",)
) -> list[tuple[str, int, str, bool]]:
    monkeypatch.chdir(project)
    outcome = run_check(
        CheckOptions(paths=[Path(p) for p in paths], jobs=1, use_cache=False, select=("PV4", "PV0"))
    )
    return [(f.path, f.span.start_line, f.rule_id, f.suppressed) for f in outcome.report.findings]


MANIFEST = """\
[data.email]
purpose = "Sign-in"
basis = "contract"

[data.postal-address]
purpose = "Deliveries"
basis = "contract"
"""

VIEWS = """\
from flask import request


@app.post("/signup")
def signup():
    email = request.form["email"]
    phone = request.form["phone"]
    again = request.form.get("phone")
    return email, phone, again
"""


def test_undeclared_categories_are_reported_at_each_site_and_declared_ones_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "app/views.py": VIEWS})
    assert _findings(project, monkeypatch) == [
        ("app/views.py", 7, "PV401", False),
        ("app/views.py", 8, "PV401", False),
        ("privacy.toml", 5, "PV405", False),
    ]


def test_declared_not_collected_needs_the_whole_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "app/views.py": VIEWS})
    assert [f[2] for f in _findings(project, monkeypatch, ("app/views.py",))] == ["PV401", "PV401"]


def test_without_a_manifest_one_finding_says_how_to_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"app/views.py": VIEWS})
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, select=("PV4",)))
    [finding] = outcome.report.findings
    assert (finding.path, finding.span.start_line, finding.rule_id) == ("app/views.py", 6, "PV403")
    assert "email, phone" in finding.message and "3 places" in finding.message
    assert "privalint inventory --write" in finding.message and "privacy.toml" in finding.message


def test_no_personal_data_and_no_manifest_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(
        tmp_path,
        {"app.py": 'from flask import request\n\ndef f():\n    return request.args["page"]\n'},
    )
    assert _findings(project, monkeypatch) == []


def test_inline_suppressions_apply_to_project_findings_and_count_as_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = VIEWS.replace(
        'phone = request.form["phone"]', 'phone = request.form["phone"]  # privalint: ignore[PV401]'
    ).replace(
        "again = request.form.get", "# privalint: ignore[PV401]\n    again = request.form.get"
    )
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "app/views.py": views})
    found = _findings(project, monkeypatch)
    assert ("app/views.py", 7, "PV401", True) in found
    assert ("app/views.py", 9, "PV401", True) in found
    assert not [f for f in found if f[2] == "PV002"]


def test_special_category_without_condition_is_reported_on_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = '[data.health]\npurpose = "Catering"\nbasis = "consent"\n'
    code = 'from flask import request\n\n@app.post("/diet")\ndef diet():\n    return request.form["allergies"]\n'
    project = _project(tmp_path, {"privacy.toml": manifest, "diet.py": code})
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, select=("PV4",)))
    [finding] = outcome.report.findings
    assert (finding.path, finding.span.start_line, finding.rule_id) == ("privacy.toml", 1, "PV402")
    assert "collected at diet.py:5" in finding.message
    assert finding.severity.value == "error"


def test_undeclared_special_categories_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = 'from flask import request\n\n@app.post("/diet")\ndef diet():\n    return request.form["allergies"]\n'
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "diet.py": code})
    monkeypatch.chdir(project)
    outcome = run_check(CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, select=("PV401",)))
    [finding] = outcome.report.findings
    assert finding.severity.value == "error" and "health data" in finding.message


def test_the_manifest_config_key_names_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"docs/data.toml": MANIFEST, "app/views.py": VIEWS})
    (project / "privalint.toml").write_text('manifest = "docs/data.toml"\n')
    assert [f[:3] for f in _findings(project, monkeypatch)] == [
        ("app/views.py", 7, "PV401"),
        ("app/views.py", 8, "PV401"),
        ("docs/data.toml", 5, "PV405"),
    ]


def test_a_broken_manifest_exits_2_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"privacy.toml": "[data.email\n", "app/views.py": VIEWS})
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["check", ".", "--no-cache"])
    assert result.exit_code == 2
    assert "privacy.toml:1: the manifest is not valid TOML" in result.output
    assert "Traceback" not in result.output


def test_findings_are_stable_across_moved_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "app/views.py": VIEWS})
    monkeypatch.chdir(project)
    options = CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, select=("PV401",))
    before = [f.fingerprint for f in run_check(options).report.findings]
    (project / "app/views.py").write_text("# moved\n\n" + textwrap.dedent(VIEWS))
    after = [f.fingerprint for f in run_check(options).report.findings]
    assert before == after and len(set(before)) == 2


@pytest.mark.parametrize("rule_id", ["PV401"])
def test_rule_examples_behave_with_a_manifest_declaring_email(
    rule_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = by_id()[rule_id]
    manifest = '[data.email]\npurpose = "Sign-in"\nbasis = "contract"\n'
    for index, example in enumerate([*rule.INVALID, *rule.VALID]):
        folder = tmp_path / str(index)
        folder.mkdir()
        project = _project(folder, {"privacy.toml": manifest, "example.py": example})
        monkeypatch.chdir(project)
        outcome = run_check(
            CheckOptions(paths=[Path(".")], jobs=1, use_cache=False, select=(rule_id,))
        )
        fired = [f for f in outcome.report.findings if f.rule_id == rule_id]
        assert bool(fired) == (example in rule.INVALID), example


def test_class_links_are_facts_without_a_position() -> None:
    from tests.conftest import check_code

    result = check_code(
        """\
        from pydantic import BaseModel

        class Contact(BaseModel):
            phone: str

        class Signup(Contact):
            pass

        class Service:
            def run(self):
                return 1
        """
    )
    links = [(f.kind, f.detail, f.line) for f in result.facts if f.kind == "model-link"]
    assert links == [
        ("model-link", "Contact BaseModel", 0),
        ("model-link", "Signup Contact", 0),
    ]
    [field] = [f for f in result.facts if f.kind == "model-field"]
    assert (field.category, field.line, field.detail) == ("phone", 4, "Contact.phone")


def test_a_failing_project_rule_is_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = by_id()["PV405"]

    def broken(self: object, project: object) -> list:
        raise KeyError("boom")

    monkeypatch.setattr(rule, "check_project", broken)
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "app/views.py": VIEWS})
    found = _findings(project, monkeypatch)
    assert ("app/views.py", 7, "PV401", False) in found
    assert ("privacy.toml", 1, "PV003", False) in found


def test_without_a_config_file_the_manifest_is_found_up_to_the_git_root(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "privacy.toml").write_text("")
    app = tmp_path / "src" / "app"
    app.mkdir(parents=True)
    assert locate(Config(root=app), [app]) == tmp_path / "privacy.toml"
    # A config file marks the project root: nothing above it is looked at.
    assert locate(Config(path=app / "privalint.toml", root=app), [app]) is None
    # Without a git work tree, nothing above the checked folder either.
    (tmp_path / ".git").rmdir()
    assert locate(Config(root=app), [app]) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[[data]]\ncategory = 'email'\n",
        "data = []\n",
        "[data]\nemail = 3\n",
        '[data."email"]\npurpose = "x"\nbasis = "contract"\n',
        '[ data . email ]  # spaced\npurpose = "x"\nbasis = "contract"\n',
        '[data.email]\npurpose = """\n[data.phone]\n"""\nbasis = "contract"\n',
        "[data.email]\npurpose = 'x'\nbasis = 'contract'\nspecial-condition = 3\n",
        '[data.""]\npurpose = "x"\n',
        "[data.email]\n[data.email.nested]\nx = 1\n",
    ],
)
def test_odd_manifests_give_problems_never_exceptions(text: str) -> None:
    manifest = parse(text, Path("privacy.toml"), RULES)
    for problem in manifest.problems:
        assert problem.line >= 1 and problem.message


def test_a_quoted_or_spaced_header_is_located() -> None:
    manifest = parse(
        '# x\n[ data . "email" ]  # spaced\npurpose = "x"\nbasis = "contract"\n',
        Path("privacy.toml"),
        RULES,
    )
    assert manifest.problems == [] and manifest.entries["email"].line == 2


def test_field_types_say_what_a_field_holds_unless_its_name_rules_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = """\
    from django import forms
    from pydantic import BaseModel, EmailStr


    class ContactForm(forms.Form):
        reply_to = forms.EmailField()
        from_email = forms.EmailField()
        subject = forms.CharField()


    class Invite(BaseModel):
        invitee: EmailStr
        noreply_email: EmailStr


    @app.post("/invite")
    def invite(body: Invite):
        return body
    """
    project = _project(tmp_path, {"privacy.toml": "", "forms.py": code})
    assert [f[:3] for f in _findings(project, monkeypatch)] == [
        ("forms.py", 6, "PV401"),
        ("forms.py", 12, "PV401"),
    ]


def test_users_extend_the_collection_points_from_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = 'from myapp.ui import ask\n\n\ndef onboard():\n    return ask("Mobile number")\n'
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "cli.py": code})
    assert [f[2] for f in _findings(project, monkeypatch)] == ["PV405", "PV405"]
    (project / "privalint.toml").write_text(
        '[catalog.collection]\nprompt-functions = ["myapp.ui.ask"]\n'
    )
    assert _findings(project, monkeypatch)[0] == ("cli.py", 5, "PV401", False)


SCHEMAS = """\
from marshmallow import Schema, fields


class BankDetailsSchema(Schema):
    sort_code = fields.Str(required=True)
"""

PAYMENTS = """\
from flask import request

from app.schemas import BankDetailsSchema


@app.post("/bank-details")
def bank_details():
    payload = BankDetailsSchema().load(request.get_json())
    return payload["sort_code"]
"""


def _collected(
    project: Path, monkeypatch: pytest.MonkeyPatch, paths: tuple[str, ...] = (".",)
) -> list[tuple[str, int]]:
    return [(f[0], f[1]) for f in _findings(project, monkeypatch, paths) if f[2] == "PV401"]


def test_a_schema_in_another_file_stands_for_the_reads_of_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(
        tmp_path,
        {"privacy.toml": MANIFEST, "app/schemas.py": SCHEMAS, "app/payments.py": PAYMENTS},
    )
    assert _collected(project, monkeypatch) == [("app/schemas.py", 5)]
    # Without the schema's file (and no cached facts of it) the read is what is seen.
    assert _collected(project, monkeypatch, ("app/payments.py",)) == [("app/payments.py", 9)]


def test_labels_help_texts_and_container_fields_are_collection_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = """\
    from django import forms
    from marshmallow import Schema, fields


    class CallbackForm(forms.Form):
        contact = forms.CharField(help_text="Your mobile number, for the courier")
        grant_types = forms.CharField(help_text="e.g. client_credentials")
        recipient = forms.CharField()
        sender = forms.EmailField()


    class HistorySchema(Schema):
        convictions = fields.List(fields.Str())
        reminder_channels = fields.List(fields.Str())
    """
    project = _project(tmp_path, {"privacy.toml": MANIFEST, "forms.py": code})
    assert _collected(project, monkeypatch) == [("forms.py", 6), ("forms.py", 8), ("forms.py", 13)]


PHONE_MODEL = """\
from pydantic import BaseModel


class CallbackRequest(BaseModel):
    phone: str
"""

CALLBACKS = """\
from app.models import CallbackRequest


@app.post("/callbacks")
def callback(body: CallbackRequest):
    return body
"""


def test_a_run_on_some_files_joins_the_cached_facts_of_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(
        tmp_path,
        {
            "privacy.toml": MANIFEST,
            "app/schemas.py": SCHEMAS,
            "app/payments.py": PAYMENTS,
            "app/models.py": PHONE_MODEL,
            "app/callbacks.py": CALLBACKS,
            "app/other.py": "VERSION = 2\n",
        },
    )
    monkeypatch.chdir(project)

    def collected(*paths: str, cache: bool = True) -> list[tuple[str, int, str]]:
        outcome = run_check(
            CheckOptions(paths=[Path(p) for p in paths], jobs=1, use_cache=cache, select=("PV4",))
        )
        return [(f.path, f.span.start_line, f.rule_id) for f in outcome.report.findings]

    whole = [("app/models.py", 5, "PV401"), ("app/schemas.py", 5, "PV401")]
    assert [f for f in collected(".") if f[2] == "PV401"] == whole
    # The schema of an unchanged file stands for the read of the checked one.
    assert collected("app/payments.py") == []
    assert collected("app/payments.py", cache=False) == [("app/payments.py", 9, "PV401")]
    # The checked file takes a request model of an unchanged file as its body, or
    # the checked file declares the model an unchanged file takes.
    assert collected("app/callbacks.py") == [("app/models.py", 5, "PV401")]
    assert collected("app/models.py") == [("app/models.py", 5, "PV401")]
    assert collected("app/callbacks.py", cache=False) == []
    # What unchanged files do among themselves is not reported, nor is a declared
    # category "never collected" when only some files are checked.
    assert collected("app/other.py") == []
    # A file changed since the cached run is left out until it is checked again.
    (project / "app" / "schemas.py").write_text(SCHEMAS.replace("sort_code", "sortcode"))
    assert collected("app/payments.py") == [("app/payments.py", 9, "PV401")]
