"""Personal data uploaded to publicly readable storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import (
    chain_qualname,
    contains_phrase,
    is_own_code,
    keyword_arg,
    last_name,
    phrases,
    positional_args,
    receiver_words,
    report_sent,
    sent_values,
    string_value,
)
from privalint.rules.pii_exposure.http import literal_text

from privalint.catalog import Catalog
from privalint.flow import Carried
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import split_words
from privalint.project import SENT
from privalint.rule import Rule

Values = list[tuple[cst.BaseExpression, Carried]]


@dataclass(frozen=True)
class StorageKnowledge:
    public_acls: frozenset[str]
    acl_keywords: frozenset[str]
    public_access_keywords: frozenset[str]
    private_values: frozenset[str]
    extra_keywords: frozenset[str]
    upload_methods: frozenset[str]
    services: Mapping[str, str]  # module -> the storage service it talks to
    receiver_words: tuple[tuple[str, ...], ...]
    make_public_methods: frozenset[str]
    grant_methods: frozenset[str]
    public_entities: frozenset[str]
    container_keywords: tuple[str, ...]
    object_methods: frozenset[str]
    acl_handle_methods: frozenset[str]
    container_methods: frozenset[str]
    bucket_acl_methods: frozenset[str]
    acl_attributes: frozenset[str]
    default_acl_settings: frozenset[str]
    default_storage_settings: frozenset[str]
    storages_settings: frozenset[str]
    static_storage_settings: frozenset[str]
    default_acl_backends: Mapping[str, str]  # setting -> the backend module it configures
    skip_keywords: frozenset[str]
    people_words: frozenset[str]
    record_extensions: frozenset[str]
    media_extensions: frozenset[str]
    record_words: frozenset[str]
    media_record_words: frozenset[str]
    media_path_words: frozenset[str]
    bucket_positions: Mapping[str, int]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> StorageKnowledge:
        def strings(key: str) -> list[str]:
            return catalog.strings("exposure.public-storage." + key)

        return cls(
            public_acls=frozenset(strings("public-acls")),
            acl_keywords=frozenset(strings("acl-keywords")),
            public_access_keywords=frozenset(strings("public-access-keywords")),
            private_values=frozenset(strings("private-values")),
            extra_keywords=frozenset(strings("extra-keywords")),
            upload_methods=frozenset(strings("upload-methods")),
            services=_services(catalog),
            receiver_words=phrases(strings("receiver-words")),
            make_public_methods=frozenset(strings("make-public-methods")),
            grant_methods=frozenset(strings("grant-methods")),
            public_entities=frozenset(strings("public-entities")),
            container_keywords=tuple(strings("container-keywords")),
            object_methods=frozenset(strings("object-methods")),
            acl_handle_methods=frozenset(strings("acl-handle-methods")),
            container_methods=frozenset(strings("container-methods")),
            bucket_acl_methods=frozenset(strings("bucket-acl-methods")),
            acl_attributes=frozenset(strings("acl-attributes")),
            default_acl_settings=frozenset(strings("default-acl-settings")),
            default_storage_settings=frozenset(strings("default-storage-settings")),
            storages_settings=frozenset(strings("storages-settings")),
            static_storage_settings=frozenset(strings("static-storage-settings")),
            default_acl_backends=_string_table(catalog, "default-acl-backends"),
            skip_keywords=frozenset(strings("skip-keywords")),
            people_words=frozenset(
                w for word in strings("people-words") for w in split_words(word)
            ),
            record_extensions=frozenset(e.lower() for e in strings("record-extensions")),
            media_extensions=frozenset(e.lower() for e in strings("media-extensions")),
            record_words=frozenset(
                w for word in strings("record-words") for w in split_words(word)
            ),
            media_record_words=frozenset(
                w for word in strings("media-record-words") for w in split_words(word)
            ),
            media_path_words=frozenset(strings("media-path-words")),
            bucket_positions=_positions(catalog),
        )

    def is_storage_call(
        self, qualified: Optional[str], func: cst.BaseExpression, own: bool
    ) -> bool:
        """A call into a storage SDK, or on an object named like a storage client (also
        one imported from another module of the project: `from app.clients import s3`)."""
        if qualified is not None and not own and self.service(qualified) is not None:
            return True
        if type(func) is not cst.Attribute:
            return False
        return contains_phrase(receiver_words(func), self.receiver_words)

    def service(self, qualified: Optional[str]) -> Optional[str]:
        """The storage service a qualified name belongs to."""
        if qualified is None:
            return None
        for module, service in self.services.items():
            if qualified == module or qualified.startswith(module + "."):
                return service
        return None


def _dict_value(expr: Optional[cst.BaseExpression], key: str) -> Optional[cst.BaseExpression]:
    """The value of a literal key in a dict display."""
    if type(expr) is not cst.Dict:
        return None
    for element in expr.elements:
        if type(element) is cst.DictElement and string_value(element.key) == key:
            return element.value
    return None


def _positions(catalog: Catalog) -> dict[str, int]:
    table: Any = catalog.get("exposure.public-storage.bucket-positions", {})
    if not isinstance(table, Mapping):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, int)}


def _string_table(catalog: Catalog, key: str) -> dict[str, str]:
    table: Any = catalog.get("exposure.public-storage." + key, {})
    if not isinstance(table, Mapping):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str)}


def _services(catalog: Catalog) -> dict[str, str]:
    table: Any = catalog.get("exposure.public-storage.services", {})
    services: dict[str, str] = {}
    if isinstance(table, Mapping):
        for service, modules in table.items():
            for module in modules if isinstance(modules, list) else []:
                if isinstance(module, str):
                    services[module] = str(service)
    return services


class PersonalDataInPublicStorage(Rule):
    """
    ## What it does
    Flags uploads that make personal data readable by anyone: S3 objects written
    with a public canned ACL (`ACL="public-read"`, `ExtraArgs={"ACL": "public-read"}`,
    grants to AllUsers), Google Cloud Storage blobs uploaded with
    `predefined_acl="publicRead"` or into a bucket whose ACL was made public
    (`put_bucket_acl(Bucket=..., ACL="public-read")`), made public afterwards (`make_public()`,
    `blob.acl.all().grant_read()`, `obj.Acl().put(ACL="public-read")`) or uploaded to a bucket made public, and Azure
    blobs in containers created with public access (however the container is
    reached again: `get_blob_client(container=name, ...)`), when the object's key,
    file or body carries personal data (exports of customers, profile documents,
    files named after a person), when the key is built around a person's identifier
    (`f"payslips/{employee.staff_number}.pdf"`, `f"exams/{learner.id}.jpg"`, one
    person's document or photo), around a record of people in a photo, audio or
    data file (`f"qa/{call.sid}.wav"`, a call recording), or when the folder,
    container or bucket is named for records about people (`manifests/`,
    `"call-recordings"`, `RECORDINGS_BUCKET` or a class attribute naming such a
    bucket). A container named so is reported where it is created or set public
    (`create_container("id-scans", public_access="blob")`, also on a client got for
    that name), even before anything is uploaded to it. django-storages backends
    count too: a storage class whose `default_acl` is public makes what is saved
    through it public (`public_store.save(f"offers/{applicant.last_name}.pdf", ...)`),
    and Django settings that give the default file storage a public default ACL
    (`AWS_DEFAULT_ACL = "public-read"` with `DEFAULT_FILE_STORAGE` or the `default`
    of `STORAGES` on S3, GCS or Azure, or with no storage setting in the module, when
    the ACL is the only sign of how django-storages is used) make every file users
    upload public. A settings module that sends only static assets to the bucket
    (`STATICFILES_STORAGE`, a `STORAGES` without `default`, or a default storage on the
    local disk) is not reported.

    ## Why is this bad?
    A public object can be downloaded by anyone who learns or guesses its URL, and
    bucket listings, search engines and scanners find them quickly. Exports and
    profile documents in public buckets are among the most common causes of
    personal-data breaches.

    ## How to fix
    Keep the object private (the default) and share it through a short-lived
    presigned URL (`generate_presigned_url`, `generate_signed_url`) or through an
    authenticated download endpoint.
    """

    id = "PV203"
    name = "personal-data-in-public-storage"
    family = Family.PII_EXPOSURE
    severity = Severity.ERROR
    cwe = 732
    title = "Personal data uploaded to public storage"
    message = "{data} {verb} made publicly readable in {destination}{via}"
    provides_facts = True
    triggers = (("public", "AllUsers", "make_public", "grant_read", "grant_write", "grant_owner"),)
    INVALID = (
        'import boto3\ns3 = boto3.client("s3")\n\ndef publish(customer, pdf):\n    s3.put_object(Bucket="docs", Key=f"profiles/{customer.email}.pdf", Body=pdf, ACL="public-read")',
        'import boto3\ns3 = boto3.client("s3")\n\ndef export():\n    s3.upload_file("/tmp/customers.csv", "exports", "customers.csv", ExtraArgs={"ACL": "public-read"})',
        'from google.cloud import storage\nbucket = storage.Client().bucket("cards")\n\ndef publish(patient, report):\n    blob = bucket.blob(f"reports/{patient.full_name}.pdf")\n    blob.upload_from_string(report)\n    blob.make_public()',
    )
    VALID = (
        'import boto3\ns3 = boto3.client("s3")\n\ndef publish():\n    s3.upload_file("build/catalogue.json", "assets", "catalogue.json", ExtraArgs={"ACL": "public-read"})',
        'import boto3\ns3 = boto3.client("s3")\n\ndef backup(customer, pdf):\n    s3.put_object(Bucket="docs", Key=f"profiles/{customer.email}.pdf", Body=pdf, ACL="private")',
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        # Every upload, grant and public container is a storage SDK's call or one on an
        # object named like a storage client (`public` alone is any API's word).
        knowledge = StorageKnowledge.from_catalog(catalog)
        storage = {
            *catalog.strings("exposure.public-storage.receiver-words"),
            *(module.split(".", 1)[0] for module in knowledge.services),
        }
        return (*cls.triggers, tuple(sorted(storage)))

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return StorageKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # Names bound to public ACL values and to upload-argument dicts that hold one.
        self._public_names: set[str] = set()
        # Containers created or set public (dotted names).
        self._public_containers: set[str] = set()
        # ... of them, the local variables of the current function (`self.bucket` and
        # module-level names stay public for the functions that follow).
        self._function_public: set[str] = set()
        self._depth = 0
        # Object handles (dotted name) -> what their name carries.
        self._objects: dict[str, Values] = {}
        # Object handles -> what was uploaded to them.
        self._uploaded: dict[str, Values] = {}
        # Object handles -> the call that created them (for their names).
        self._handles: dict[str, cst.Call] = {}
        # Containers created public, by the name they were given (a variable or a
        # literal): clients got for that name later upload into a public container.
        self._public_container_names: set[str] = set()
        # Container or bucket handles (dotted name) -> the expression naming them.
        self._container_names: dict[str, cst.BaseExpression] = {}
        # Local names -> the f-string or concatenation assigned to them (object keys).
        self._built: dict[str, cst.BaseExpression] = {}
        # Module constants and class attributes (as `self.name`) bound to strings
        # (`RECORDINGS_BUCKET = "call-recordings"`, `bucket = RECORDINGS_BUCKET`).
        self._strings: dict[str, str] = {}
        # Names of containers reported when they were made public: what is uploaded
        # to them later is the same problem.
        self._reported_containers: set[str] = set()
        # The file's storage backend classes whose files are saved with a public ACL
        # (`default_acl = "public-read"`): their instances are public containers.
        self._public_classes: set[str] = set()
        # Django settings: the public default ACL (`AWS_DEFAULT_ACL = "public-read"`)
        # and the backend of the default file storage, when it is a storage service.
        self._public_default_acl: Optional[cst.Assign] = None
        self._public_default_acl_name: Optional[str] = None
        self._default_backend: Optional[str] = None
        # Whether the module says where files are stored (default, static or both).
        self._storage_configured = False

    # -- public-ness ------------------------------------------------------------------

    def _is_public_value(self, expr: cst.BaseExpression) -> bool:
        text = string_value(expr)
        if text is not None:
            acls = self.compiled.public_acls
            return text in acls or any(acl in text for acl in acls if "/" in acl)
        if type(expr) is cst.Name:
            return expr.value in self._public_names
        if type(expr) is cst.Dict:
            return self._public_dict(expr)
        if type(expr) is cst.IfExp:
            # `ACL="public-read" if share else "private"`: it can be public.
            return self._is_public_value(expr.body) or self._is_public_value(expr.orelse)
        if type(expr) is cst.Call and self.ctx.qualname(expr.func) == "dict":
            knowledge: StorageKnowledge = self.compiled
            return any(
                a.keyword is not None
                and a.keyword.value in knowledge.acl_keywords
                and self._is_public_value(a.value)
                for a in expr.args
            )
        return False

    def _public_dict(self, expr: cst.Dict) -> bool:
        knowledge: StorageKnowledge = self.compiled
        for element in expr.elements:
            if type(element) is cst.DictElement:
                key = string_value(element.key)
                if key in knowledge.acl_keywords and self._is_public_value(element.value):
                    return True
                if key in knowledge.extra_keywords and self._is_public_value(element.value):
                    return True
        return False

    def _public_access(self, expr: cst.BaseExpression) -> bool:
        knowledge: StorageKnowledge = self.compiled
        text = string_value(expr)
        if text is not None:
            return text not in knowledge.private_values and text != ""
        if type(expr) is cst.Name:
            return expr.value not in knowledge.private_values
        name = dotted_name(expr)
        return name is not None and name.rsplit(".", 1)[-1] not in knowledge.private_values

    def _public_argument(self, call: cst.Call) -> Optional[cst.Arg]:
        knowledge: StorageKnowledge = self.compiled
        for arg in call.args:
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            if keyword in knowledge.acl_keywords and self._is_public_value(arg.value):
                return arg
            if keyword in knowledge.extra_keywords and self._is_public_value(arg.value):
                return arg
            if keyword in knowledge.public_access_keywords and self._public_access(arg.value):
                return arg
        return None

    # -- tracking ---------------------------------------------------------------------------

    def _add_public(self, name: str) -> None:
        self._public_containers.add(name)
        if self._depth and "." not in name:
            self._function_public.add(name)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1
        self._public_containers -= self._function_public
        self._function_public = set()
        self._objects = {}
        self._uploaded = {}
        self._handles = {}
        self._built = {}
        # Containers named by a literal stay public; a variable's value is per call.
        self._public_container_names = {
            n for n in self._public_container_names if n[:1] in ("'", '"')
        }

    def visit_Assign(self, node: cst.Assign) -> None:
        knowledge: StorageKnowledge = self.compiled
        value = node.value
        names = [dotted_name(t.target) for t in node.targets]
        if not self._depth:
            self._note_constant(names, value)
        public = self._is_public_value(value)
        if not self._depth and self.ctx.current_class is None:
            self._note_setting(node, names, value, public)
        current_class = self.ctx.current_class
        if (
            public
            and not self._depth
            and current_class is not None
            and any(name in knowledge.acl_attributes for name in names)
        ):
            self._public_classes.add(current_class)
        for name in names:
            if name is None:
                continue
            self._public_names.discard(name)
            self._public_containers.discard(name)
            self._objects.pop(name, None)
            self._uploaded.pop(name, None)
            self._handles.pop(name, None)
            self._container_names.pop(name, None)
            self._built.pop(name, None)
            if isinstance(
                value, (cst.FormattedString, cst.ConcatenatedString, cst.BinaryOperation)
            ):
                self._built[name] = value
            if public:
                self._public_names.add(name)
        if type(value) is not cst.Call:
            return
        if type(value.func) is cst.Name and value.func.value in self._public_classes:
            # `public_store = PublicAssetStorage()`: a storage whose files are public.
            for name in names:
                if name is not None:
                    self._add_public(name)
            return
        method = last_name(value.func)
        if method in knowledge.container_methods or (
            method not in knowledge.object_methods
            and keyword_arg(value, *knowledge.container_keywords) is not None
        ):
            # `ContainerClient.from_connection_string(conn, container_name="kyc-docs")`.
            named = self._container_name(value)
            arg = self._container_arg(value)
            if named is not None and arg is not None:
                for name in names:
                    if name is not None:
                        self._container_names[name] = arg.value
        if self._names_public_container(value):
            for name in names:
                if name is not None:
                    self._add_public(name)
        if method in knowledge.object_methods:
            carried = sent_values(self.ctx, value, knowledge.skip_keywords)
            receiver = _receiver(value)
            if receiver is not None and receiver in self._public_containers:
                for name in names:
                    if name is not None:
                        self._add_public(name)
            for name in names:
                if name is not None:
                    self._handles[name] = value
                    if carried:
                        self._objects[name] = carried
        elif method in knowledge.container_methods and self._public_argument(value) is not None:
            for name in names:
                if name is not None:
                    self._add_public(name)

    def _note_setting(
        self,
        node: cst.Assign,
        names: list[Optional[str]],
        value: cst.BaseExpression,
        public: bool,
    ) -> None:
        """django-storages settings: the default ACL and the default file storage."""
        knowledge: StorageKnowledge = self.compiled
        if any(name in knowledge.default_acl_settings for name in names):
            self._public_default_acl = node if public else None
            self._public_default_acl_name = next(
                (n for n in names if n in knowledge.default_acl_settings), None
            )
            return
        if any(name in knowledge.static_storage_settings for name in names):
            self._storage_configured = True
            return
        backend: Optional[str] = None
        if any(name in knowledge.default_storage_settings for name in names):
            self._storage_configured = True
            backend = string_value(value)
        elif any(name in knowledge.storages_settings for name in names):
            self._storage_configured = True
            default = _dict_value(value, "default")
            if default is not None:
                backend = string_value(_dict_value(default, "BACKEND") or default)
        if backend is not None and knowledge.service(backend) is not None:
            self._default_backend = backend

    def finish(self) -> None:
        node = self._public_default_acl
        backend = self._default_backend
        if node is None:
            return
        if backend is None and not self._storage_configured:
            # No storage setting in the module: the default ACL is what django-storages
            # applies to the files the project saves through it.
            backend = self.compiled.default_acl_backends.get(self._public_default_acl_name or "")
        if backend is None:
            return
        self.report(
            node,
            f"files users upload through the default storage (`{backend}`) are made "
            f"publicly readable in {self._destination(backend)} "
            f"(`{self.ctx.code(node, 50)}`)",
            severity=Severity.WARNING,
        )

    def _note_constant(self, names: list[Optional[str]], value: cst.BaseExpression) -> None:
        """A module constant or class attribute bound to a string."""
        text = string_value(value)
        if text is None:
            text = self._constant(value)
        in_class = self.ctx.current_class is not None
        for name in names:
            if name is None or "." in name:
                continue
            key = "self." + name if in_class else name
            if text is None:
                self._strings.pop(key, None)
            else:
                self._strings[key] = text

    def _constant(self, expr: cst.BaseExpression) -> Optional[str]:
        """The string a module constant or class attribute holds."""
        name = dotted_name(expr)
        return self._strings.get(name) if name is not None else None

    def _container_arg(self, call: cst.Call) -> Optional[cst.Arg]:
        """The argument naming the container of a call (`create_container(name, ...)`,
        `create_container(name="id-scans")`, `get_blob_client(container=name, ...)`)."""
        knowledge: StorageKnowledge = self.compiled
        arg = keyword_arg(call, *knowledge.container_keywords)
        if arg is not None:
            return arg
        positional = positional_args(call)
        method = last_name(call.func)
        if method in knowledge.object_methods:
            # `service.get_blob_client(container, name)`, `s3.Object(bucket, key)`: given
            # both, an object handle takes its container first.
            return positional[0] if len(positional) == 2 else None
        if method not in knowledge.container_methods:
            return None
        return positional[0] if positional else keyword_arg(call, "name")

    def _container_name(self, call: cst.Call) -> Optional[str]:
        """The container a call names, as a variable or literal (a module constant as
        the literal it holds, the same in every function)."""
        arg = self._container_arg(call)
        if arg is None:
            return None
        literal = string_value(arg.value)
        if literal is None and type(arg.value) is cst.Name:
            literal = self._strings.get(arg.value.value)
        return repr(literal) if literal is not None else dotted_name(arg.value)

    def _names_public_container(self, call: cst.Call) -> bool:
        """A client of a container created public in this file
        (`svc.get_container_client(name)` after `create_container(name, public_access=...)`)."""
        if not self._public_container_names:
            return False
        name = self._container_name(call)
        return name is not None and name in self._public_container_names

    # -- uploads ------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        knowledge: StorageKnowledge = self.compiled
        func = node.func
        method = last_name(func)
        if method in knowledge.make_public_methods:
            self._made_public(node)
            return
        if method in knowledge.grant_methods:
            self._granted(node)
            return
        if (
            method in knowledge.container_methods or method in knowledge.bucket_acl_methods
        ) and self._public_argument(node) is not None:
            name = self._container_name(node)
            if name is not None:
                self._public_container_names.add(name)
            self._container_made_public(node, name)
            return
        if method not in knowledge.upload_methods:
            return
        qualified = chain_qualname(self.ctx, func)
        receiver = _receiver(node)
        if not knowledge.is_storage_call(qualified, func, is_own_code(self.ctx, qualified)) and (
            receiver is None or receiver not in self._public_containers
        ):
            return
        values = self._upload_values(node)
        if receiver is not None and values:
            self._uploaded.setdefault(receiver, []).extend(values)
        public = self._public_argument(node)
        in_public_container = (
            (
                (receiver or "") in self._public_containers
                or (_receiver_base(node) or "") in self._public_containers
            )
            or (
                type(func) is cst.Attribute
                and type(func.value) is cst.Call
                and self._names_public_container(func.value)
            )
            or self._into_public_bucket(node)
        )
        if public is None and not in_public_container:
            return
        if public is None and self._container_reported(node):
            return
        handle = _acl_handle_owner(node, knowledge.acl_handle_methods)
        if handle is not None:
            self._report(node, values, self._destination(qualified), at=node, handle=handle)
            return
        self._report(node, values, self._destination(qualified))

    def _into_public_bucket(self, node: cst.Call) -> bool:
        """An upload naming a bucket made public in this file
        (`s3.put_bucket_acl(Bucket="exports", ACL="public-read")`)."""
        if not self._public_container_names:
            return False
        for bucket in self._bucket_args(node):
            literal = string_value(bucket)
            if literal is None and type(bucket) is cst.Name:
                literal = self._strings.get(bucket.value)
            name = repr(literal) if literal is not None else dotted_name(bucket)
            if name is not None and name in self._public_container_names:
                return True
        return False

    def _container_made_public(
        self, node: cst.Call, name: Optional[str], at: Optional[cst.Call] = None
    ) -> None:
        """A container created or set public (`create_container("id-scans",
        public_access=...)`, `container.create_container(public_access=...)` on a client
        got for a name): reported there when its name says it holds records about
        people, whatever is uploaded to it later."""
        receiver = _receiver(node)
        named: Optional[cst.BaseExpression] = None
        if name is not None:
            arg = self._container_arg(node)
            named = arg.value if arg is not None else None
        elif receiver is not None:
            # The client is the container: what is uploaded through it is public.
            self._add_public(receiver)
            named = self._container_names.get(receiver)
        if named is None or not self._records_container(named):
            return
        self._reported_containers.add(self._container_text(named))
        where = at or node
        self.report(
            where,
            f"a container of records about people (`{self.ctx.code(named, 50)}`) is "
            f"made publicly readable in {self._destination(chain_qualname(self.ctx, where.func))}",
        )

    def _container_text(self, named: cst.BaseExpression) -> str:
        return self._constant(named) or literal_text(named) or self.ctx.code(named, 80)

    def _container_reported(self, node: cst.Call) -> bool:
        """An upload into a container already reported as public."""
        if not self._reported_containers:
            return False
        for container in (_receiver(node), _receiver_base(node)):
            named = self._container_names.get(container or "")
            if named is not None and self._container_text(named) in self._reported_containers:
                return True
        func = node.func
        if type(func) is cst.Attribute and type(func.value) is cst.Call:
            arg = keyword_arg(func.value, *self.compiled.container_keywords)
            if arg is not None and self._container_text(arg.value) in self._reported_containers:
                return True
        return False

    def _upload_values(self, node: cst.Call) -> Values:
        knowledge: StorageKnowledge = self.compiled
        values = sent_values(self.ctx, node, knowledge.skip_keywords)
        receiver = _receiver(node)
        handle = _acl_handle_owner(node, knowledge.acl_handle_methods)
        if handle is not None:
            # `obj.Acl().put(ACL=...)`: what was put into `obj` gets that ACL.
            return [*self._objects.get(handle, []), *self._uploaded.get(handle, []), *values]
        if receiver is not None and receiver in self._objects:
            values = [*self._objects[receiver], *values]
        elif type(node.func) is cst.Attribute and type(node.func.value) is cst.Call:
            # `s3.Object(bucket, key).put(...)`: the key is in the handle's call.
            inner = node.func.value
            if last_name(inner.func) in knowledge.object_methods:
                values = [*sent_values(self.ctx, inner, knowledge.skip_keywords), *values]
        return values

    def _made_public(self, node: cst.Call) -> None:
        receiver = _receiver(node)
        if receiver is None:
            self._client_made_public(node)
            return
        if last_name(node.func) == "make_public":
            values = [*self._objects.get(receiver, []), *self._uploaded.get(receiver, [])]
            qualified = chain_qualname(self.ctx, node.func)
            self._report(node, values, self._destination(qualified), at=node)
            if not values:
                # `bucket.make_public(future=True)`: what is uploaded to it next is public.
                self._add_public(receiver)
        elif self._public_argument(node) is not None:
            # `container.set_container_access_policy(public_access=...)`
            self._add_public(receiver)
            named = self._container_names.get(receiver)
            if named is not None and self._records_container(named):
                self._reported_containers.add(self._container_text(named))
                self.report(
                    node,
                    f"a container of records about people (`{self.ctx.code(named, 50)}`) is "
                    f"made publicly readable in {self._destination(chain_qualname(self.ctx, node.func))}",
                )

    def _client_made_public(self, node: cst.Call) -> None:
        """`service.get_container_client(NAME).set_container_access_policy(public_access=...)`:
        the container named there is public for every client got for it later."""
        knowledge: StorageKnowledge = self.compiled
        func = node.func
        inner = func.value if type(func) is cst.Attribute else None
        if (
            type(inner) is not cst.Call
            or last_name(inner.func) not in knowledge.container_methods
            or self._public_argument(node) is None
        ):
            return
        name = self._container_name(inner)
        if name is not None:
            self._public_container_names.add(name)
            self._container_made_public(inner, name, at=node)

    def _granted(self, node: cst.Call) -> None:
        """`blob.acl.all().grant_read()`: the object is readable by everyone."""
        knowledge: StorageKnowledge = self.compiled
        entity = node.func.value if type(node.func) is cst.Attribute else None
        if type(entity) is not cst.Call or last_name(entity.func) not in (
            knowledge.public_entities
        ):
            return
        acl = entity.func.value if type(entity.func) is cst.Attribute else None
        if type(acl) is not cst.Attribute:
            return
        target = dotted_name(acl.value)
        if target is None:
            return
        values = [*self._objects.get(target, []), *self._uploaded.get(target, [])]
        destination = self._destination(chain_qualname(self.ctx, node.func))
        self._report(node, values, destination, at=node, handle=target)
        if not values:
            self._add_public(target)

    def _destination(self, qualified: Optional[str]) -> str:
        knowledge: StorageKnowledge = self.compiled
        return knowledge.service(qualified) or "object storage"

    def _report(
        self,
        node: cst.Call,
        values: Values,
        destination: str,
        at: Optional[cst.CSTNode] = None,
        handle: Optional[str] = None,
    ) -> None:
        if values:
            if at is None:
                report_sent(self, values, destination, fact_detail=f"{destination} (public)")
                return
            ctx = self.ctx
            carried = Carried({c: o for _, v in values for c, o in v.cats.items()}, False)
            for value_node, value in values:
                for category in value.cats:
                    ctx.fact(SENT, category, value_node, f"{destination} (public)")
            self.report(
                at,
                severity=ctx.severity_for(carried.cats, self.severity),
                categories=carried.categories,
                data=ctx.describe(carried),
                verb=ctx.verb(carried),
                destination=destination,
                via="",
            )
            return
        found = self._people_file(node, handle)
        if found is not None:
            where, named = found
            self.report(
                at or where,
                f"records about people (`{self.ctx.code(named, 50)}`) are made publicly "
                f"readable in {destination}",
            )

    def _people_file(
        self, node: cst.Call, handle_name: Optional[str] = None
    ) -> Optional[tuple[cst.CSTNode, cst.BaseExpression]]:
        """An argument naming a data file about people (`exports/customers.csv`), or
        the name of the object handle ``handle_name`` (`blob.acl.all().grant_read()`)."""
        knowledge: StorageKnowledge = self.compiled
        candidates = [
            a.value
            for a in node.args
            if a.keyword is None or a.keyword.value not in knowledge.skip_keywords
        ]
        if type(node.func) is cst.Attribute and type(node.func.value) is cst.Call:
            candidates.extend(a.value for a in node.func.value.args)
        receiver = handle_name or _receiver(node) or ""
        handle = self._handles.get(receiver)
        # The name a handle was got for earlier (`blob = bucket.blob(key)`) is reported
        # where the object is made public, not where it was named.
        earlier: set[int] = set()
        if handle is not None:
            candidates.extend(a.value for a in handle.args)
            earlier = {id(a.value) for a in handle.args}
        for value in candidates:
            built = self._built.get(value.value) if type(value) is cst.Name else None
            if self._per_person(built or value) or self._record_path(value):
                return (node if id(value) in earlier else value), value
        for container in (receiver, _receiver_base(node) or ""):
            named = self._container_names.get(container)
            if named is not None and self._records_container(named):
                return node, named
        if (
            handle is not None
            and type(handle.func) is cst.Attribute
            and type(handle.func.value) is cst.Call
        ):
            # `blob = gcs.bucket("ng-voicemail").blob(key)`: the bucket it was got from.
            for arg in handle.func.value.args:
                if arg.keyword is None and self._records_container(arg.value):
                    return node, arg.value
        for bucket in self._bucket_args(node):
            if self._records_container(bucket):
                return bucket, bucket
        for value in candidates:
            built = self._built.get(value.value) if type(value) is cst.Name else None
            text = literal_text(built or value)
            where = node if id(value) in earlier else value
            folder = text.rpartition("/")[0]
            if folder and set(split_words(folder)) & knowledge.record_words:
                return where, value
            if not text or "." not in text:
                continue
            stem, _, extension = text.rpartition(".")
            if extension.lower() not in knowledge.record_extensions:
                continue
            if set(split_words(stem)) & knowledge.people_words:
                return where, value
        return None

    def _bucket_args(self, node: cst.Call) -> list[cst.BaseExpression]:
        """The bucket an upload names (`Bucket=`, `upload_file(path, bucket, key)`)."""
        knowledge: StorageKnowledge = self.compiled
        found = [
            a.value
            for a in node.args
            if a.keyword is not None and a.keyword.value in knowledge.container_keywords
        ]
        position = knowledge.bucket_positions.get(last_name(node.func))
        positional = positional_args(node)
        if position is not None and position < len(positional):
            found.append(positional[position].value)
        return found

    def _per_person(self, value: cst.BaseExpression) -> bool:
        """An object key built around a person's identifier (`f"review/{applicant_id}.jpg"`,
        `f"exams/{learner_id}.jpg"`, `f"{period}/{emp.staff_number}.pdf"`), or around a
        record about people (`f"qa/{call.sid}.wav"`): the object is one person's
        document, photo or call recording."""
        knowledge: StorageKnowledge = self.compiled
        if type(value) is not cst.FormattedString:
            return False
        extension = literal_text(value).rpartition(".")[2].lower()
        # A data file about a record of people holds their data; a photo or recording
        # only when the record is itself about someone (a call, an ID scan): a
        # photo keyed by a delivery or a claim shows a parcel or a car.
        if extension in knowledge.record_extensions:
            record_words = knowledge.record_words
        elif extension in knowledge.media_extensions:
            record_words = knowledge.media_record_words
        else:
            record_words = frozenset()
        is_person = self.ctx.classifier.is_person
        for part in value.parts:
            if type(part) is cst.FormattedStringExpression:
                name = dotted_name(part.expression)
                if name is None:
                    continue
                words = split_words(name)
                if set(words) & knowledge.people_words or any(is_person(w) for w in words):
                    return True
                if set(words) & record_words:
                    return True
        return False

    def _record_path(self, value: cst.BaseExpression) -> bool:
        """The local file uploaded is named by a function for a record about someone's
        path (`str(recording_path(uid))`, `scan_file(visitor)`)."""
        knowledge: StorageKnowledge = self.compiled
        while (
            type(value) is cst.Call
            and len(value.args) == 1
            and last_name(value.func) in ("str", "Path", "fspath", "PurePath")
        ):
            value = value.args[0].value
        if type(value) is not cst.Call:
            return False
        words = set(split_words(last_name(value.func)))
        return bool(words & knowledge.media_record_words and words & knowledge.media_path_words)

    def _records_container(self, named: cst.BaseExpression) -> bool:
        """A container or bucket whose name says it holds records about people
        (`"courier-manifests"`, `"qa-call-samples"`, `RECORDINGS_BUCKET`)."""
        knowledge: StorageKnowledge = self.compiled
        text = self._constant(named) or literal_text(named) or _setting_name(named)
        words = set(split_words(text))
        return bool(words & knowledge.record_words or words & knowledge.people_words)


def _setting_name(named: cst.BaseExpression) -> str:
    """The name of a setting whose value is out of sight (`Config.RECORDINGS_CONTAINER`,
    `settings.VOICEMAIL_BUCKET`): written in capitals, it names what it configures."""
    name = named.attr.value if type(named) is cst.Attribute else None
    if type(named) is cst.Name:
        name = named.value
    if name is None or not name.isupper():
        return ""
    return name


def _receiver(call: cst.Call) -> Optional[str]:
    func = call.func
    if type(func) is cst.Attribute:
        return dotted_name(func.value)
    return None


def _acl_handle_owner(call: cst.Call, methods: frozenset[str]) -> Optional[str]:
    """``obj`` for ``obj.Acl().put(...)``: a call on the ACL handle of an object."""
    func = call.func
    if type(func) is cst.Attribute and type(func.value) is cst.Call:
        inner = func.value
        if last_name(inner.func) in methods and type(inner.func) is cst.Attribute:
            return dotted_name(inner.func.value)
    return None


def _receiver_base(call: cst.Call) -> Optional[str]:
    """``container`` for ``container.get_blob_client(name).upload_blob(data)``."""
    func = call.func
    if type(func) is cst.Attribute and type(func.value) is cst.Call:
        inner = func.value.func
        if type(inner) is cst.Attribute:
            return dotted_name(inner.value)
    return None
