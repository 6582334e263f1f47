"""Personal fields of ORM models declared with a plain (unencrypted) type."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from privalint.rules.unencrypted_storage.common import (
    QualifiedNames,
    StoragePolicy,
    capitalised,
    last_name,
    string_value,
)

from privalint.catalog import Catalog
from privalint.engine import IMPORT_TRIGGER
from privalint.imports import LOCAL, dotted_name
from privalint.model import Family, Severity
from privalint.personal import load_categories, split_words
from privalint.rule import Rule


@dataclass(frozen=True)
class Framework:
    """One ORM: where its field types live and how its models are declared."""

    id: str
    label: str
    modules: tuple[str, ...]
    bases: frozenset[str]
    constructors: frozenset[str]
    annotations: frozenset[str]
    table_keyword: str
    # Every annotated class attribute of a model is a column (Beanie, ODMantic).
    annotated: bool
    # Class-name endings of its field types (`CharField`, `UnicodeAttribute`).
    suffixes: tuple[str, ...]
    suggestion: str

    def is_field_name(self, name: str) -> bool:
        return any(len(name) > len(s) and name.endswith(s) for s in self.suffixes)

    def owns(self, qualified: str) -> bool:
        return any(qualified == m or qualified.startswith(m + ".") for m in self.modules)


@dataclass(frozen=True)
class OrmKnowledge:
    frameworks: tuple[Framework, ...]
    encrypted_types: QualifiedNames
    encrypted_words: frozenset[str]
    protect_words: frozenset[str]
    protect_modules: QualifiedNames
    bind_methods: frozenset[str]
    non_value: frozenset[str]
    flag_types: frozenset[str]
    identifier_types: frozenset[str]
    identifier_categories: frozenset[str]
    binary: frozenset[str]
    binary_content: frozenset[str]
    binary_content_words: frozenset[str]
    pointer_words: frozenset[str]
    typed: Mapping[str, str]
    typed_by_argument: Mapping[str, Mapping[str, str]]
    not_field_modules: tuple[str, ...]
    column_fallback: frozenset[str]
    generic_class_words: frozenset[str]
    validators: frozenset[str]
    policy: StoragePolicy
    # Keywords that label a field and translation calls around labels (shared with
    # the collection points: collection.label-keywords, collection.translation-functions).
    label_keywords: frozenset[str]
    description_keywords: frozenset[str]
    translations: frozenset[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> OrmKnowledge:
        frameworks = []
        table = catalog.get("storage.orm.frameworks", {})
        for fid, data in sorted(table.items() if isinstance(table, dict) else []):
            if not isinstance(data, dict):
                continue
            prefix = f"storage.orm.frameworks.{fid}"
            frameworks.append(
                Framework(
                    id=fid,
                    label=str(data.get("label", fid)),
                    modules=tuple(catalog.strings(prefix + ".modules")),
                    bases=frozenset(catalog.strings(prefix + ".bases")),
                    constructors=frozenset(catalog.strings(prefix + ".constructors")),
                    annotations=frozenset(catalog.strings(prefix + ".annotations")),
                    table_keyword=str(data.get("table-keyword", "")),
                    annotated=bool(data.get("annotated", False)),
                    suffixes=tuple(catalog.strings(prefix + ".field-suffixes") or ["Field"]),
                    suggestion=str(data.get("suggestion", "an encrypted field type")),
                )
            )
        typed = catalog.get("storage.orm.typed", {})
        by_argument = catalog.get("storage.orm.typed-by-argument", {})
        return cls(
            frameworks=tuple(frameworks),
            encrypted_types=QualifiedNames(catalog.strings("storage.orm.encrypted-types")),
            encrypted_words=frozenset(
                w for t in catalog.strings("storage.orm.encrypted-words") for w in split_words(t)
            ),
            protect_words=frozenset(
                w for t in catalog.strings("storage.orm.protect-words") for w in split_words(t)
            ),
            protect_modules=QualifiedNames(catalog.strings("storage.orm.protect-functions")),
            bind_methods=frozenset(catalog.strings("storage.orm.bind-methods")),
            non_value=frozenset(catalog.strings("storage.orm.non-value-types")),
            flag_types=frozenset(catalog.strings("storage.orm.flag-types")),
            identifier_types=frozenset(catalog.strings("storage.orm.identifier-types")),
            identifier_categories=frozenset(
                catalog.strings("storage.orm.identifier-type-categories")
            ),
            binary=frozenset(catalog.strings("storage.orm.binary-types")),
            binary_content=frozenset(catalog.strings("storage.orm.binary-content-categories")),
            binary_content_words=frozenset(catalog.strings("storage.orm.binary-content-words")),
            pointer_words=frozenset(catalog.strings("storage.orm.pointer-words")),
            typed={k: v for k, v in typed.items() if isinstance(v, str)}
            if isinstance(typed, dict)
            else {},
            typed_by_argument={
                name: {k.upper(): v for k, v in values.items() if isinstance(v, str)}
                for name, values in (by_argument.items() if isinstance(by_argument, dict) else ())
                if isinstance(values, dict)
            },
            not_field_modules=tuple(catalog.strings("storage.orm.not-field-modules")),
            column_fallback=frozenset(catalog.strings("storage.orm.column-constructors")),
            generic_class_words=frozenset(
                w
                for t in catalog.strings("storage.orm.generic-class-words")
                for w in split_words(t)
            ),
            validators=frozenset(catalog.strings("storage.orm.validators")),
            policy=StoragePolicy.from_catalog(catalog),
            label_keywords=frozenset(catalog.strings("collection.label-keywords")),
            description_keywords=frozenset(catalog.strings("collection.description-keywords")),
            translations=frozenset(catalog.strings("collection.translation-functions")),
        )

    def framework_of(self, qualified: Optional[str]) -> Optional[Framework]:
        if not qualified:
            return None
        for framework in self.frameworks:
            if framework.owns(qualified):
                return framework
        return None

    def is_library_non_field(self, qualified: Optional[str]) -> bool:
        """Form, serializer and schema libraries: their ``*Field`` are not columns."""
        return bool(qualified) and any(
            qualified == m or qualified.startswith(m + ".")  # type: ignore[union-attr]
            for m in self.not_field_modules
        )


@dataclass
class FieldDecl:
    """One declared column of a model."""

    name: str
    node: cst.CSTNode
    framework: Optional[Framework]
    type_text: str
    encrypted: bool = False
    binary: bool = False
    typed: Optional[str] = None
    column_name: Optional[str] = None
    # Recognised through an ORM's own module (not only by its name).
    resolved: bool = False
    # Its verbose name, help text or comment (`verbose_name=_("Mobile number")`),
    # each with whether it is a description.
    labels: tuple[tuple[str, bool], ...] = ()
    # A boolean: it holds data only when it says something of a special category
    # about the person (`union_member`, `is_hiv_positive`).
    flag: bool = False
    # A UUID column: it holds an identifier, never a name, an address or a message.
    identifier: bool = False


@dataclass
class ModelClass:
    name: str
    framework: Optional[Framework]
    # Declared as a model (a known base, a model of this file, or an ORM field).
    is_model: bool
    # A base (SQLModel without `table=True`) stored only through a table subclass.
    pending: bool = False
    stored: bool = False
    # Its base is only named like a model base (`TimeStampedModel` from elsewhere):
    # it is a model if it declares fields.
    weak: bool = False
    local_bases: list[str] = field(default_factory=list)
    fields: list[FieldDecl] = field(default_factory=list)
    # `Table("customers", ...)` columns: the owner is a table, not a class.
    is_table: bool = False


_WEAK_BASE = re.compile(r"(?:Model|Base|Document|Entity|Mixin)$")
_SKIPPED_ANNOTATIONS = frozenset({"ClassVar", "typing.ClassVar", "Final", "typing.Final"})
_WRAPPER_KEYWORDS = frozenset({"type_", "sa_column", "sa_type", "base_field", "field"})


def _flag_words(catalog: Catalog) -> list[str]:
    """The words of the special categories' phrases that a flag's word starts with
    (`storage.orm.flag-trigger-words`: `disab` for `has_disability`), as words of
    identifiers: `archive` has no word `hiv`, `disable_tls` no `disability`."""
    prefixes = tuple(catalog.strings("storage.orm.flag-trigger-words"))
    return sorted(
        {
            word
            for category in load_categories(catalog.get("categories", {})).values()
            if category.special
            for phrase in (*category.include, *category.ambiguous)
            for word in phrase
            if word.startswith(prefixes)
        }
    )


class UnencryptedModelField(Rule):
    """
    ## What it does
    Flags fields of ORM models whose name (or type) says they hold personal data and
    whose column type stores it in clear: Django models (including abstract bases and
    models that subclass other models of the project), SQLAlchemy `Column`,
    `mapped_column` and `Mapped[...]` declarations (Flask-SQLAlchemy `db.Model` too),
    SQLModel tables, Peewee, MongoEngine, Tortoise ORM and Pony ORM entities.
    A boolean field holds no value, except when it records a special category about
    the person (`union_member = Column(Boolean)`, `is_hiv_positive`,
    `has_criminal_record`); flags about the account or a step taken (`is_active`,
    `email_verified`, `has_dbs_check`) are not reported, nor are relations and embedded
    documents (`EmbeddedDocumentField(Address)`): their fields are judged in their own
    class. A plain class of the module (a pydantic model, a dataclass) that a Beanie,
    ODMantic or Redis OM document embeds (`addresses: List[SavedAddress]`) is stored
    with it: its fields are judged as the document's.

    Encrypted types are recognised: django-cryptography `encrypt(...)`,
    django-fernet-fields and django-encrypted-model-fields `Encrypted*Field`,
    django-pgcrypto-fields, sqlalchemy-utils `EncryptedType`/`StringEncryptedType`,
    any type whose name says it encrypts, a field declared with an encryption option
    (ormar's `encrypt_secret=` and `encrypt_backend=`), and field or `TypeDecorator` classes of the
    project that encrypt or hash in `process_bind_param`/`get_prep_value`. A field
    the code only ever assigns a hash or ciphertext to (`self.key_hash =
    make_password(key)`, a `@validates("ssn")` method that encrypts) is not reported. Declare other encrypted types in
    `[tool.privalint.catalog.storage.orm] encrypted-types`, and fields that may stay
    in clear (an IP address kept for rate limiting) in
    `[tool.privalint.catalog.storage] allow = ["LoginAttempt.ip_address"]`.

    ## Why is this bad?
    A database is copied into backups, replicas, analytics exports and developer
    laptops, and read by anyone with SQL access. Data encrypted at field level stays
    protected in all of those copies; data in clear is exposed by every leaked dump
    or over-broad query (GDPR Art. 32; CWE-312). Special categories, government ids
    and card or bank data are reported as errors.

    ## How to fix
    Declare the field with an encrypted type for your ORM (the message names one),
    store a hash when the value only has to be compared, or do not store the value.
    """

    id = "PV301"
    name = "unencrypted-model-field"
    family = Family.UNENCRYPTED_STORAGE
    severity = Severity.WARNING
    cwe = 312
    title = "Personal data in an unencrypted model field"
    message = "{data} field `{place}` is stored in clear ({type}); use {suggestion}"
    provides_facts = True
    triggers = (
        ("Field", "Column", "Mapped", "SQLModel", "Required", "Optional", "Document", "Entity"),
        # A boolean column says something only of a special category (no vocabulary
        # of the prefilter): `union_member = Column(Boolean)`.
        ("@personal", "Bool"),
    )
    INVALID = (
        "from django.db import models\n\nclass Customer(models.Model):\n    phone = models.CharField(max_length=32)",
        "from sqlalchemy import Column, String\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\nclass Patient(Base):\n    __tablename__ = 'patients'\n    ssn = Column(String(11))",
        "from sqlalchemy.orm import DeclarativeBase, Mapped\n\nclass Base(DeclarativeBase):\n    pass\n\nclass User(Base):\n    date_of_birth: Mapped[str]",
    )
    VALID = (
        "from django.db import models\nfrom django_cryptography.fields import encrypt\n\nclass Customer(models.Model):\n    phone = encrypt(models.CharField(max_length=32))",
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=200)",
        "from sqlalchemy import Column, String\nfrom sqlalchemy_utils import StringEncryptedType\n\nclass Patient(Base):\n    ssn = Column(StringEncryptedType(String, KEY))",
        "from django.db import models\n\nclass Customer(models.Model):\n    email_verified = models.BooleanField(default=False)",
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return OrmKnowledge.from_catalog(catalog)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        # Models of some ORMs name none of the words above (ormar's `ormar.String()`,
        # Piccolo's `Varchar()`): importing the ORM is enough.
        first, flags = cls.triggers
        imported = {IMPORT_TRIGGER + m for m in catalog.strings("storage.orm.import-triggers")}
        # A boolean column is reported only for a special category (`union_member`,
        # `is_hiv_positive`), which the prefilter's vocabulary does not see in a flag:
        # a boolean type and a word of such a flag.
        return (
            tuple(sorted({*first, *imported})),
            flags,
            ("@personal", *(f"name:{w}" for w in _flag_words(catalog))),
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: OrmKnowledge = compiled
        self._classes: dict[str, ModelClass] = {}
        self._order: list[ModelClass] = []
        # Local types (field classes, TypeDecorators) that encrypt or hash values.
        self._protecting_types: set[str] = set()
        # Per function: the type whose bind method it is, and the fields a
        # validator of it converts (`@validates("ssn")`).
        self._bind_method_class: list[Optional[str]] = []
        self._validated: list[tuple[str, ...]] = []
        # Field names that the code only ever assigns protected values to.
        self._protected_fields: set[str] = set()
        # The module's classes, for the plain ones a document embeds.
        self._class_nodes: dict[str, cst.ClassDef] = {}

    # -- types -------------------------------------------------------------------------

    def _names_encryption(self, text: str) -> bool:
        words = split_words(text)
        return any(w in self.k.encrypted_words for w in words)

    def _is_encrypted_type(self, expr: cst.BaseExpression) -> bool:
        qualified = self.ctx.qualname(expr)
        if qualified in self.k.encrypted_types:
            return True
        name = last_name(expr)
        if name and name in self._protecting_types:
            return True
        # `EncryptedType`, `encrypted_field_factory.create(Text)`, `vault.sealed(...)`.
        path = dotted_name(expr) or name
        if path and self._names_encryption(path):
            return True
        if qualified is not None and qualified.startswith(LOCAL + "."):
            return qualified[len(LOCAL) + 1 :] in self._protecting_types
        return False

    def _protects(self, call: cst.Call) -> bool:
        """A call that encrypts or hashes its argument."""
        qualified = self.ctx.qualname(call.func)
        if qualified in self.k.protect_modules:
            return True
        return any(w in self.k.protect_words for w in split_words(last_name(call.func)))

    def _type_parts(self, expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
        """The type expressions of a column declaration: `String(120)`, `db.Text`,
        `EncryptedType(Text, key)` and what they wrap."""
        if type(expr) is cst.Call:
            yield expr.func
            for arg in expr.args:
                if (arg.keyword is None or arg.keyword.value in _WRAPPER_KEYWORDS) and isinstance(
                    arg.value, (cst.Name, cst.Attribute, cst.Call)
                ):
                    yield from self._type_parts(arg.value)
        elif isinstance(expr, (cst.Name, cst.Attribute)):
            yield expr
        elif type(expr) is cst.Subscript:
            yield expr.value
            for element in expr.slice:
                if type(element.slice) is cst.Index:
                    yield from self._type_parts(element.slice.value)

    # -- fields ------------------------------------------------------------------------

    def _constructor(
        self, call: cst.Call, model: Optional[ModelClass]
    ) -> Optional[tuple[Optional[Framework], bool]]:
        """(framework, resolved) when ``call`` constructs a model field."""
        func = call.func
        qualified = self.ctx.qualname(func)
        # `Col = db.Column` then `Col(String)`: the aliased name is what counts.
        name = qualified.rsplit(".", 1)[-1] if qualified else last_name(func)
        if not name:
            return None
        framework = self.k.framework_of(qualified)
        if framework is not None:
            if (
                name in framework.constructors
                or framework.is_field_name(name)
                or name in self.k.non_value
            ):
                return framework, True
            return None
        suffixes = model.framework.suffixes if model and model.framework else ("Field",)
        fieldish = (
            any(len(name) > len(s) and name.endswith(s) for s in suffixes)
            or name in self.k.non_value
        )
        if self.k.is_library_non_field(qualified):
            return None
        if name in self.k.column_fallback:
            sqlalchemy = next((f for f in self.k.frameworks if f.id == "sqlalchemy"), None)
            return sqlalchemy, False
        if (
            model is not None
            and model.framework is not None
            and name in model.framework.constructors
        ):
            return model.framework, False
        if fieldish and model is not None and (model.is_model or model.pending or model.weak):
            return model.framework, False
        return None

    def _factory_result(self, call: cst.Call) -> Optional[cst.Call]:
        """The call a field factory of this module returns (its last `return`)."""
        definition = self.ctx.flow.resolve_local(call.func)
        if definition is None or type(definition.body) is not cst.IndentedBlock:
            return None
        for stmt in reversed(definition.body.body):
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Return and type(small.value) is cst.Call:
                        return small.value
        return None

    def _field_from_call(
        self, name: str, node: cst.CSTNode, call: cst.Call, model: Optional[ModelClass]
    ) -> Optional[FieldDecl]:
        encrypted = False
        current = call
        for _ in range(4):
            found = self._constructor(current, model)
            if found is not None:
                break
            # A wrapper: `encrypt(models.CharField())`, `deferred(Column(String))`,
            # or a factory of this module: `def pii_text(): return models.TextField()`.
            inner = current.args[0].value if current.args else None
            if type(inner) is not cst.Call or current.args[0].keyword is not None:
                inner = self._factory_result(current)
                if inner is None:
                    return None
            if self._is_encrypted_type(current.func):
                encrypted = True
            current = inner
        else:
            return None
        framework, resolved = found
        decl = FieldDecl(
            name=name,
            node=node,
            framework=framework,
            type_text=self.ctx.code(current.func, 40),
            encrypted=encrypted,
            resolved=resolved,
        )
        constructor_qualified = self.ctx.qualname(current.func)
        constructor_name = (
            constructor_qualified.rsplit(".", 1)[-1]
            if constructor_qualified
            else last_name(current.func)
        )
        positional = [a.value for a in current.args if a.keyword is None and not a.star]
        first = positional[0] if positional else None
        column_name = string_value(first) if first is not None else None
        if column_name is not None:
            decl.column_name = column_name
            positional = positional[1:]
        decl.labels = self._labels(current, first)
        if framework is not None and constructor_name in framework.constructors and positional:
            # `Column(String(120))`: the column type says more than `Column`.
            decl.type_text = self.ctx.code(positional[0], 40)
        parts = list(self._type_parts(current))
        for part in parts:
            part_name = last_name(part)
            # Pony's `Required(Customer)`, MongoEngine's `ListField(EmbeddedDocumentField(
            # Address))` name another model of the file: a relation or an embedded
            # document, whose fields are judged in its own class.
            if (
                part is not current.func
                and isinstance(part, (cst.Name, cst.Attribute))
                and self._is_model_class(part_name)
            ):
                return None
            if part_name in self.k.flag_types:
                decl.flag = True
                continue
            if part_name in self.k.identifier_types:
                decl.identifier = True
            if part_name in self.k.non_value:
                return None
            if self._is_encrypted_type(part):
                decl.encrypted = True
            if part_name in self.k.binary:
                decl.binary = True
            if decl.typed is None and part_name in self.k.typed:
                decl.typed = self.k.typed[part_name]
        if any(
            arg.keyword is not None
            and self._names_encryption(arg.keyword.value)
            and not _is_off(arg.value)
            for arg in current.args
        ):
            # ormar: `String(max_length=254, encrypt_secret=KEY, encrypt_backend=FERNET)`.
            decl.encrypted = True
        if len(current.args) and type(current.args[0].value) is cst.SimpleString:
            # Pony: `Set("Order")`, `Required("Customer")` name other entities.
            text = string_value(current.args[0].value) or ""
            if framework is not None and framework.id == "pony" and text[:1].isupper():
                return None
        if decl.typed is None and constructor_name in self.k.typed:
            decl.typed = self.k.typed[constructor_name]
        if decl.typed is None and self.k.typed_by_argument:
            decl.typed = self._typed_by_argument(current)
        return decl

    def _labels(
        self, call: cst.Call, first: Optional[cst.BaseExpression]
    ) -> tuple[tuple[str, bool], ...]:
        """The label texts of a field: ``verbose_name=``, ``help_text=``, ``comment=``,
        or a translated first argument (Django's ``CharField(_("Mobile number"))``),
        each with whether it is a description."""
        values: list[tuple[cst.BaseExpression, bool]] = []
        if type(first) is cst.Call:
            values.append((first, False))
        for arg in call.args:
            if arg.keyword is None:
                continue
            if arg.keyword.value in self.k.label_keywords:
                values.append((arg.value, False))
            elif arg.keyword.value in self.k.description_keywords:
                values.append((arg.value, True))
        texts = []
        for value, description in values:
            if type(value) is cst.Call and last_name(value.func) in self.k.translations:
                messages = [a.value for a in value.args if a.keyword is None and not a.star]
                value = messages[-1] if messages else value
            text = string_value(value)
            if text:
                texts.append((text, description))
        return tuple(texts)

    def _typed_by_argument(self, call: cst.Call, depth: int = 0) -> Optional[str]:
        """`Geometry("POINT")` inside a column declaration: a type whose argument says
        what it holds."""
        kinds = self.k.typed_by_argument.get(last_name(call.func))
        for arg in call.args:
            value = arg.value
            if kinds is not None:
                text = string_value(value)
                if text is not None:
                    found = kinds.get(text.replace(" ", "").upper())
                    if found is not None:
                        return found
            if type(value) is cst.Call and depth < 3:
                found = self._typed_by_argument(value, depth + 1)
                if found is not None:
                    return found
        return None

    def _field_from_annotation(
        self,
        name: str,
        node: cst.CSTNode,
        annotation: cst.BaseExpression,
        value: Optional[cst.BaseExpression],
        model: ModelClass,
        table: bool,
    ) -> Optional[FieldDecl]:
        qualified = self.ctx.qualname(
            annotation.value if type(annotation) is cst.Subscript else annotation
        )
        if qualified in _SKIPPED_ANNOTATIONS:
            return None
        mapped: Optional[Framework] = None
        inner: Optional[cst.BaseExpression] = None
        if type(annotation) is cst.Subscript:
            head_qualified = self.ctx.qualname(annotation.value)
            for framework in self.k.frameworks:
                if head_qualified in framework.annotations or (
                    head_qualified is None
                    and any(
                        a.rsplit(".", 1)[-1] == last_name(annotation.value)
                        for a in framework.annotations
                    )
                ):
                    mapped = framework
            if mapped is not None and len(annotation.slice) == 1:
                element = annotation.slice[0].slice
                if type(element) is cst.Index:
                    inner = element.value
        target_type = inner if mapped is not None else annotation
        if target_type is None or self._is_relation_type(target_type):
            return None
        if table and model.framework is not None and model.framework.annotated:
            embedded = self._embedded_classes(target_type)
            if embedded:
                # `addresses: List[SavedAddress]` in a Beanie document: the fields of
                # the embedded class are stored in it, and judged there.
                for class_name in embedded:
                    self._embed(class_name, model.framework)
                return None
        if type(value) is cst.Call:
            # `email: str = ormar.String(...)`, `x: Mapped[str] = mapped_column(...)`.
            decl = self._field_from_call(name, node, value, model)
            if decl is None and last_name(value.func) in self.k.non_value:
                return None
            if decl is not None:
                for part in self._type_parts(target_type):
                    self._apply_type(decl, part)
                return decl
        if mapped is None and not table:
            return None
        decl = FieldDecl(
            name=name,
            node=node,
            framework=mapped or model.framework,
            type_text=self.ctx.code(annotation, 40),
            resolved=True,
        )
        for part in self._type_parts(target_type):
            self._apply_type(decl, part)
        return decl

    def _apply_type(self, decl: FieldDecl, part: cst.BaseExpression) -> None:
        part_name = last_name(part)
        if part_name in self.k.flag_types:
            decl.flag = True
        if self._is_encrypted_type(part):
            decl.encrypted = True
        if part_name in self.k.binary:
            decl.binary = True
        if decl.typed is None and part_name in self.k.typed:
            decl.typed = self.k.typed[part_name]

    def _embedded_classes(self, expr: cst.BaseExpression, depth: int = 0) -> list[str]:
        """The plain classes of the module with annotated fields (pydantic models,
        dataclasses) that a document's field annotation names: `SavedAddress`,
        `List[SavedAddress]`, `Optional[Contact]`."""
        if depth > 3:
            return []
        if isinstance(expr, (cst.Name, cst.Attribute)):
            name = last_name(expr)
            node = self._class_nodes.get(name)
            if node is None or self._is_model_class(name) or not _annotates(node):
                return []
            return [name]
        found: list[str] = []
        if type(expr) is cst.Subscript:
            for element in expr.slice:
                if type(element.slice) is cst.Index:
                    found.extend(self._embedded_classes(element.slice.value, depth + 1))
        elif type(expr) is cst.BinaryOperation:
            found.extend(self._embedded_classes(expr.left, depth + 1))
            found.extend(self._embedded_classes(expr.right, depth + 1))
        return found

    def _embed(self, name: str, framework: Framework) -> None:
        """Make the plain class ``name`` part of a document of ``framework``."""
        model = self._classes.get(name)
        if model is None or model.is_model:
            return
        model.framework = framework
        model.is_model = True
        model.fields = []
        self._collect_fields(self._class_nodes[name], model, True)

    def _is_model_class(self, name: str) -> bool:
        model = self._classes.get(name)
        return model is not None and (model.is_model or model.pending)

    def _is_relation_type(self, expr: cst.BaseExpression) -> bool:
        """`"Order"`, `Order`, `list["Order"]`, `Optional["Customer"]`: another model."""
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            return True
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return self._is_model_class(last_name(expr))
        if type(expr) is cst.Subscript:
            # `list["Order"]`, `Optional[Link[Customer]]`: a container of other models;
            # `List[str]` holds values.
            for element in expr.slice:
                if type(element.slice) is cst.Index and self._is_relation_type(element.slice.value):
                    return True
        if type(expr) is cst.BinaryOperation:
            return self._is_relation_type(expr.left) or self._is_relation_type(expr.right)
        return False

    # -- classes -----------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        name = node.name.value
        framework: Optional[Framework] = None
        strong = False
        weak = False
        local_bases: list[str] = []
        for base in node.bases:
            if base.keyword is not None:
                continue
            qualified = self.ctx.qualname(base.value)
            base_name = last_name(base.value)
            if qualified in self.k.encrypted_types or (
                base_name in self._protecting_types or self._names_encryption(base_name)
            ):
                self._protecting_types.add(name)
            parent = self._classes.get(base_name)
            if parent is not None and (qualified is None or self.ctx.is_local(qualified)):
                local_bases.append(base_name)
                framework = framework or parent.framework
                strong = strong or parent.is_model
                weak = weak or parent.weak or parent.pending
                continue
            for candidate in self.k.frameworks:
                if qualified in candidate.bases:
                    framework = candidate
                    strong = True
            if (
                not strong
                and _WEAK_BASE.search(base_name)
                and not self.k.is_library_non_field(qualified)
            ):
                weak = True
        table = False
        pending = False
        is_model = strong
        if framework is not None and framework.table_keyword:
            table = any(
                k.keyword is not None
                and k.keyword.value == framework.table_keyword
                and type(k.value) is cst.Name
                and k.value.value == "True"
                for k in node.keywords
            )
            is_model = table
            pending = not table
        model = ModelClass(
            name=name,
            framework=framework,
            is_model=is_model,
            pending=pending,
            weak=weak and not strong,
            local_bases=local_bases,
        )
        if table:
            self._mark_stored(local_bases)
        annotated = framework is not None and framework.annotated and strong
        self._collect_fields(node, model, table or pending or annotated)
        if not model.pending and (
            any(f.resolved for f in model.fields) or (model.weak and model.fields)
        ):
            model.is_model = True
            if model.framework is None:
                model.framework = next((f.framework for f in model.fields if f.framework), None)
        self._classes[name] = model
        self._class_nodes[name] = node
        self._order.append(model)

    def _mark_stored(self, bases: list[str]) -> None:
        seen: set[str] = set()
        todo = list(bases)
        while todo:
            base = todo.pop()
            if base in seen:
                continue
            seen.add(base)
            parent = self._classes.get(base)
            if parent is not None:
                parent.stored = True
                todo.extend(parent.local_bases)

    def _collect_fields(
        self, node: cst.ClassDef, model: ModelClass, annotated_columns: bool
    ) -> None:
        body = node.body
        if type(body) is not cst.IndentedBlock:
            return
        for stmt in body.body:
            if type(stmt) is not cst.SimpleStatementLine:
                continue
            for small in stmt.body:
                decl: Optional[FieldDecl] = None
                if type(small) is cst.Assign and len(small.targets) == 1:
                    target = small.targets[0].target
                    if type(target) is cst.Name and type(small.value) is cst.Call:
                        if target.value.startswith("__"):
                            continue
                        decl = self._field_from_call(target.value, target, small.value, model)
                elif type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                    if small.target.value.startswith("__"):
                        continue
                    decl = self._field_from_annotation(
                        small.target.value,
                        small.target,
                        small.annotation.annotation,
                        small.value,
                        model,
                        annotated_columns,
                    )
                if decl is not None:
                    model.fields.append(decl)

    # -- imperative tables: Table("customers", metadata, Column("email", String)) ----------

    def visit_Call(self, node: cst.Call) -> None:
        converting = self._bind_method_class and (
            self._bind_method_class[-1] or self._validated[-1]
        )
        if converting and self._protects(node):
            if self._bind_method_class[-1]:
                self._protecting_types.add(self._bind_method_class[-1])
            self._protected_fields.update(self._validated[-1])
        self._constructor_keywords(node)
        if not node.args or not isinstance(
            node.args[0].value, (cst.SimpleString, cst.ConcatenatedString)
        ):
            return
        if last_name(node.func) not in self.k.column_fallback:
            return
        stack = self.ctx.stack
        if len(stack) < 3 or type(stack[-2]) is not cst.Arg or type(stack[-3]) is not cst.Call:
            return
        owner_call = stack[-3]
        assert type(owner_call) is cst.Call
        if last_name(owner_call.func) != "Table":
            # Migrations (`op.add_column("users", sa.Column(...))`) repeat the models.
            return
        table_name = None
        if owner_call.args and owner_call.args[0].value is not node:
            table_name = string_value(owner_call.args[0].value)
        column = string_value(node.args[0].value)
        if not table_name or not column:
            return
        decl = self._field_from_call(column, node, node, None)
        if decl is None:
            return
        model = self._classes.get(f"table:{table_name}")
        if model is None:
            model = ModelClass(
                name=table_name, framework=decl.framework, is_model=True, is_table=True
            )
            self._classes[f"table:{table_name}"] = model
            self._order.append(model)
        model.fields.append(decl)

    def _constructor_keywords(self, node: cst.Call) -> None:
        """`Customer(key_hash=make_password(key))`, `Customer.objects.create(...)`."""
        root: cst.BaseExpression = node.func
        while isinstance(root, (cst.Attribute, cst.Call)):
            root = root.value if type(root) is cst.Attribute else root.func
        if type(root) is not cst.Name or root.value not in self._classes:
            return
        for arg in node.args:
            if (
                arg.keyword is not None
                and type(arg.value) is cst.Call
                and self._protects(arg.value)
            ):
                self._protected_fields.add(arg.keyword.value)

    # -- values assigned to fields and encrypting types ---------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        current = self.ctx.current_class
        if current is not None and node.name.value in self.k.bind_methods:
            self._bind_method_class.append(current)
        else:
            self._bind_method_class.append(None)
        validated: list[str] = []
        for decorator in node.decorators:
            call = decorator.decorator
            if type(call) is cst.Call and last_name(call.func) in self.k.validators:
                validated.extend(
                    text for a in call.args if (text := string_value(a.value)) is not None
                )
        self._validated.append(tuple(validated))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._bind_method_class:
            self._bind_method_class.pop()
        if self._validated:
            self._validated.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        if type(node.value) is not cst.Call or not self._protects(node.value):
            return
        for target in node.targets:
            if type(target.target) is cst.Attribute:
                self._protected_fields.add(target.target.attr.value)

    # -- verdicts ----------------------------------------------------------------------

    def _excluded(self, category: str, name: str, owner: str) -> bool:
        """Whether the field's or the owner's name rules the category out
        (`from_address`, `noreply_email` on a `SiteSettings` model)."""
        known = self.ctx.classifier.categories.get(category)
        if known is None:
            return False
        words = split_words(name) + split_words(owner)
        for phrase in known.exclude:
            n = len(phrase)
            if any(words[i : i + n] == phrase for i in range(len(words) - n + 1)):
                return True
        return False

    def _owner_rules_out(self, category: str, name: str, owner: str) -> bool:
        """`Server.ip_address` reads as "server ip address": an excluded phrase
        (`server ip`) that starts with the owner's last word."""
        known = self.ctx.classifier.categories.get(category)
        owner_words = split_words(owner)
        if known is None or not owner_words:
            return False
        if self.ctx.classifier.is_person(owner_words[-1]):
            # `User.name` is the user's name, not a "user name" (a login).
            return False
        words = (owner_words[-1], *split_words(name))
        return any(len(p) > 1 and words[: len(p)] == p for p in known.exclude)

    def _owner(self, class_name: str) -> str:
        """``Contact`` for ``ContactBase``, ``AbstractPatient`` or ``PatientModel``: the
        entity a model describes, which decides whether `name` is a person's."""
        words = split_words(class_name)
        generic = self.k.generic_class_words
        start, end = 0, len(words)
        while end > start + 1 and words[end - 1] in generic:
            end -= 1
        while start < end - 1 and words[start] in generic:
            start += 1
        return "_".join(words[start:end])

    def finish(self) -> None:
        k = self.k
        for model in self._order:
            if model.pending and model.name.endswith("Base"):
                # `HeroBase(SQLModel)`: by convention the fields a table model
                # (often declared in another module) shares with its API models.
                model.stored = True
            if not (model.is_model or (model.pending and model.stored)):
                continue
            sealed_fields: list[tuple[Any, str]] = []
            for decl in model.fields:
                if decl.framework is None and not model.is_model:
                    continue
                owner = self._owner(model.name)
                if decl.flag:
                    category = self._special_flag(decl.name, owner)
                    if category is None:
                        continue
                else:
                    category = self.ctx.classify(decl.name, owner=owner)
                if category is None and decl.column_name and decl.column_name != decl.name:
                    category = self.ctx.classify(decl.column_name, owner=owner, kind="key")
                sealed = False
                if category is None and not decl.flag:
                    # `passport_number_enc`: named for holding its data encrypted. Not
                    # reported, but the data is still collected and kept.
                    category = self._sealed_category(decl.name, owner)
                    sealed = category is not None
                if (
                    category is None
                    and decl.typed
                    and not self._excluded(decl.typed, decl.name, owner)
                ):
                    # `contact = models.EmailField()`: the type says what it holds.
                    category = decl.typed
                for label, description in decl.labels if category is None else ():
                    # `contact = models.CharField(verbose_name="Mobile number")`.
                    category = self.ctx.classifier.classify_label(
                        label, decl.name, owner, description
                    )
                    if category is not None:
                        break
                if category is None or self._owner_rules_out(category, decl.name, owner):
                    continue
                if decl.identifier and category not in k.identifier_categories:
                    # `conversation = UUIDField()` holds the conversation's id.
                    continue
                protected = sealed or decl.encrypted or decl.name in self._protected_fields
                if decl.binary and category not in k.binary_content:
                    # Bytes are ciphertext, unless the name says they are an image or
                    # a document of the data (`passport_scan`).
                    last = split_words(decl.name)[-1:]
                    protected = protected or not (last and last[0] in k.binary_content_words)
                ending = split_words(decl.name)[-1:]
                if ending and ending[0] in k.pointer_words:
                    # `recording_url`: where the content is kept, not the content.
                    protected = True
                place = f"{model.name}.{decl.name}"
                detail = f"model field {place}"
                if sealed:
                    sealed_fields.append((decl, category))
                    continue
                self.ctx.fact("stored", category, decl.node, detail, encrypted=protected)
                self.ctx.fact("collected", category, decl.node, detail)
                if protected or k.policy.allowed(place):
                    continue
                framework = decl.framework or model.framework
                self.report(
                    decl.node,
                    severity=k.policy.severity(self.ctx, (category,), self.severity),
                    categories=(category,),
                    data=capitalised(self.ctx.label(category)),
                    place=place,
                    type=f"`{decl.type_text}`",
                    suggestion=framework.suggestion if framework else "an encrypted field type",
                )
            for decl, category in sealed_fields:
                # Encrypted, the data is still collected: a sealed copy kept beside the
                # clear field (`iban_sealed` beside `iban`) is one more place that holds
                # it, read back by whoever holds the key.
                detail = f"model field {model.name}.{decl.name}"
                self.ctx.fact("stored", category, decl.node, detail, encrypted=True)
                self.ctx.fact("collected", category, decl.node, detail)

    def _sealed_category(self, name: str, owner: str) -> Optional[str]:
        """The category of a field whose name says its value is kept encrypted
        (`passport_number_enc`, `encrypted_iban`, `iban_sealed`)."""
        unsealed = self.ctx.classifier.unsealed(name)
        return self.ctx.classify(unsealed, owner=owner) if unsealed is not None else None

    def _special_flag(self, name: str, owner: str) -> Optional[str]:
        """The special category a boolean field reveals about the person
        (`union_member`, `is_hiv_positive`, `has_criminal_record`); `None` for flags
        about the data or the account (`is_active`, `has_email`, `email_verified`)."""
        return self.ctx.classify_flag(name, owner)


def _annotates(node: cst.ClassDef) -> bool:
    """Whether the class body declares an annotated attribute."""
    if type(node.body) is not cst.IndentedBlock:
        return False
    return any(
        type(stmt) is cst.SimpleStatementLine
        and any(type(small) is cst.AnnAssign for small in stmt.body)
        for stmt in node.body.body
    )


def _is_off(value: cst.BaseExpression) -> bool:
    """`encrypt=False`, `encrypt_secret=None`: the keyword turns encryption off."""
    return type(value) is cst.Name and value.value in ("False", "None")
