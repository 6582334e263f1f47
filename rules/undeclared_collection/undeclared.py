"""Personal data collected but not declared in the privacy manifest."""

from __future__ import annotations

from typing import Any

import libcst as cst
from privalint.rules.undeclared_collection.common import (
    numbered,
    project_finding,
    severity_for,
    sites,
)
from privalint.rules.undeclared_collection.knowledge import Knowledge
from privalint.rules.undeclared_collection.points import CollectionPoints

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.model import Family, Finding, Severity
from privalint.project import ProjectContext
from privalint.rule import Rule


class UndeclaredCollection(Rule):
    """
    ## What it does
    Finds every place the code collects personal data and reports the categories that
    the project's privacy manifest (`privacy.toml`) does not declare, at each place.
    Collection points are request inputs read by key (`request.form["phone"]`,
    `request.GET.get("email")`, a key of `request.get_json()`), fields of Django forms,
    WTForms, Django REST framework serializers and Marshmallow schemas (and the model
    fields a `ModelForm` or `ModelSerializer` lists in `Meta.fields`), parameters of
    HTTP endpoints (FastAPI `Query`, `Form`, `Body`, `Header`, `Cookie`; Flask path
    parameters), fields of request models such as pydantic classes taken as a request
    body, ORM model fields, and interactive prompts (`input`, `click.prompt`,
    `getpass`). A yes/no field collects what its answer reveals about a special
    category (`union_member: bool`, `has_disability`), not a step taken
    (`has_dbs_check`). Container fields (`fields.List(fields.Str())`, nested schemas) are
    fields like any other, and a field whose name says little (`contact`, `location`)
    is classified by its label, help text or description. What a schema, form or
    request model of the project validated (`BankDetailsSchema().load(request.json)`,
    `form.cleaned_data`, an alternate constructor such as `Claim.from_media(req.media)`)
    is collected at that class's fields, not where it is read.
    The examples below assume a manifest that declares `email` only.

    ## Why is this bad?
    Data protection law asks for a purpose and a legal basis for every category of
    personal data before it is collected (GDPR Art. 5(1)(b), 6, 13 and 30), and for
    collecting no more than that purpose needs. A category the manifest does not
    declare has no documented purpose: the privacy notice, the record of processing
    and the retention rules all miss it.

    ## How to fix
    Stop collecting the data if it is not needed. Otherwise declare it with its
    purpose and legal basis:

    ```toml
    [data.phone]
    purpose = "Courier contact for deliveries"
    basis = "contract"
    retention = "until the order is delivered"
    ```

    `privalint inventory --write` adds a TODO entry for every undeclared category.
    """

    id = "PV401"
    name = "collected-not-declared"
    family = Family.UNDECLARED_COLLECTION
    severity = Severity.WARNING
    cwe = 359
    title = "Personal data collected but not declared in the privacy manifest"
    message = "{data} is collected ({detail}) but {manifest} does not declare `{category}`"
    project = True
    provides_facts = True
    # Personal data, or a prompt (whose answer may be a secret whatever it says): the
    # builtin, or a function or option of a module the file imports (`trigger_words`).
    triggers = (("@personal", "input("),)
    # Structure that other files' facts may join: request bodies, models, schemas.
    join_triggers = (
        "request",
        '("/',
        "('/",
        "model",
        "schema",
        "serializ",
        "form",
        "dataclass",
        "struct",
        "typeddict",
        "body",
        "field",
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        knowledge = Knowledge.from_catalog(catalog)
        # A field named after a person (`recipient`, `next_of_kin`) holds their name.
        words = {*cls.triggers[0], *(f"name:{w}" for w in knowledge.named_persons)}
        for name in (
            *knowledge.prompt_functions,
            *knowledge.secret_prompts,
            *knowledge.prompt_options,
        ):
            # A module's function is imported from it (`click` in an import statement,
            # not in `clickjacking`); a builtin is called by name.
            words.add(f"import:{name.split('.', 1)[0]}" if "." in name else f"{name}(")
        return (tuple(sorted(w for w in words if w)),)

    INVALID = (
        'from flask import request\n\n@app.post("/lookup")\ndef lookup():\n    phone = request.form["phone"]',
        "from django import forms\n\nclass SignupForm(forms.Form):\n    email = forms.EmailField()\n    date_of_birth = forms.DateField()",
        'from fastapi import FastAPI, Form\napp = FastAPI()\n\n@app.post("/callbacks")\ndef callback(phone: str = Form(...)):\n    ...',
        'from django import forms\n\nclass CallbackForm(forms.Form):\n    contact = forms.CharField(help_text="Your mobile number")',
    )
    VALID = (
        'from flask import request\n\n@app.post("/subscribe")\ndef subscribe():\n    email = request.form["email"]',
        "from django import forms\n\nclass SignupForm(forms.Form):\n    email = forms.EmailField()\n    accept_terms = forms.BooleanField()",
        "from pydantic import BaseModel\n\nclass Receipt(BaseModel):  # a response model, never a request body\n    phone: str",
    )

    def __init__(self, ctx: FileContext, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.points = CollectionPoints(ctx, compiled) if ctx is not None else None

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return Knowledge.from_catalog(catalog)

    # -- the walk: collection points become facts ------------------------------------------

    def visit_Subscript(self, node: cst.Subscript) -> None:
        assert self.points is not None
        self.points.subscript(node)

    def visit_Call(self, node: cst.Call) -> None:
        assert self.points is not None
        self.points.key_getter(node)
        self.points.key_method(node)
        self.points.through_helper(node)
        self.points.model_loaded(node)
        self.points.prompt(node)
        self.points.declared_argument(node)

    def visit_Dict(self, node: cst.Dict) -> None:
        assert self.points is not None
        self.points.dict_fields(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        assert self.points is not None
        self.points.attribute(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        assert self.points is not None
        self.points.class_def(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        assert self.points is not None
        self.points.assign(node)
        self.points.added_field(node)

    def leave_Assign(self, node: cst.Assign) -> None:
        assert self.points is not None
        self.points.bind_constant(node)

    def visit_For(self, node: cst.For) -> None:
        assert self.points is not None
        self.points.bind_loop(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        assert self.points is not None
        self.points.ann_assign(node)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        assert self.points is not None
        self.points.bind_annotated(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        assert self.points is not None
        self.points.function_def(node)
        self.points.enter_scope()

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        assert self.points is not None
        self.points.leave_scope()

    # -- the project stage: facts against the manifest ---------------------------------------

    def check_project(self, project: ProjectContext) -> list[Finding]:
        manifest = project.manifest
        if manifest is None:
            return []  # one missing-manifest finding instead (PV404)
        findings: list[Finding] = []
        for fact in sites(project.collected):
            if manifest.declares(fact.category):
                continue
            message = self.message.format(
                data=project.label(fact.category),
                detail=fact.detail,
                manifest=project.manifest_display,
                category=fact.category,
            )
            findings.append(
                project_finding(
                    self,
                    fact.path,
                    fact.line,
                    message,
                    severity_for(project, (fact.category,), self.severity),
                    (fact.category,),
                    column=fact.column,
                    identity=f"{fact.category}\x1f{fact.detail}",
                    suppressed=fact.suppressed,
                )
            )
        return numbered(findings)
