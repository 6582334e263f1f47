"""Personal data written in clear into a document database (MongoDB, DynamoDB,
Firestore, TinyDB, Whoosh, Neo4j, Kinesis) or into tables filled from dicts and rows
(sqlite-utils, dataset, Supabase, BigQuery, ClickHouse)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.unencrypted_storage.common import (
    QualifiedNames,
    RecordKnowledge,
    ScopedStorageRule,
    StoragePolicy,
    argument,
    call_text,
    key_text,
    last_name,
    record_stored,
    string_value,
    values_carried,
)

from privalint.catalog import Catalog
from privalint.flow import Carried
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import KEY


@dataclass(frozen=True)
class Store:
    """One document database: where its clients live and which methods store what."""

    label: str
    # What it calls a set of documents ("collection", "table").
    unit: str
    drivers: QualifiedNames
    # method -> (position of the stored document, keywords that give it)
    methods: dict[str, tuple[int, tuple[str, ...]]]
    # method -> position of the argument naming the table it writes to
    # (`bq.insert_rows_json("project.dataset.patients", rows)`)
    names: dict[str, int]
    # Methods no other common API has: collection writes on any receiver.
    anywhere: frozenset[str]
    # Keywords of a client that turn on automatic client-side encryption.
    encryption_keywords: frozenset[str]
    # For stores written through a query language (Cypher): what the query (the
    # first argument) says when it writes; the document is then its parameters.
    writes: Optional[re.Pattern[str]] = None
    # Keywords whose string names the set of documents (`DeliveryStreamName="events"`).
    name_keywords: tuple[str, ...] = ()


def _strings(table: dict[str, Any], key: str) -> list[str]:
    values = table.get(key, [])
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _store(data: dict[str, Any], name: str) -> Store:
    methods: dict[str, tuple[int, tuple[str, ...]]] = {}
    names: dict[str, int] = {}
    table = data.get("methods", {})
    for method, spec in table.items() if isinstance(table, dict) else ():
        if isinstance(spec, dict):
            position = spec.get("position", -1)
            methods[method] = (
                position if isinstance(position, int) else -1,
                tuple(_strings(spec, "keywords")),
            )
            name = spec.get("name")
            if isinstance(name, int) and not isinstance(name, bool) and name >= 0:
                names[method] = name
    return Store(
        label=str(data.get("label", name)),
        unit=str(data.get("unit", "collection")),
        drivers=QualifiedNames(f"{m}.*" for m in _strings(data, "modules")),
        methods=methods,
        names=names,
        anywhere=frozenset(_strings(data, "anywhere")),
        encryption_keywords=frozenset(_strings(data, "encryption-keywords")),
        name_keywords=tuple(_strings(data, "name-keywords")),
        writes=re.compile("|".join(_strings(data, "write-queries")), re.IGNORECASE)
        if _strings(data, "write-queries")
        else None,
    )


@dataclass(frozen=True)
class DocumentKnowledge:
    stores: tuple[Store, ...]
    encryption_keywords: frozenset[str]
    collection_calls: frozenset[str]
    records: RecordKnowledge
    policy: StoragePolicy

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> DocumentKnowledge:
        table = catalog.get("storage.documents.stores", {})
        stores = tuple(
            _store(data, name)
            for name, data in sorted(table.items() if isinstance(table, dict) else ())
            if isinstance(data, dict)
        )
        return cls(
            stores=stores,
            encryption_keywords=frozenset(k for s in stores for k in s.encryption_keywords),
            collection_calls=frozenset(catalog.strings("storage.documents.collection-calls")),
            records=RecordKnowledge.from_catalog(catalog),
            policy=StoragePolicy.from_catalog(catalog),
        )

    def method_names(self) -> frozenset[str]:
        return frozenset(m for s in self.stores for m in s.methods)


class PersonalDataInDocumentStore(ScopedStorageRule):
    """
    ## What it does
    Flags personal data written in clear into a document database: MongoDB collection
    writes through pymongo, Motor and compatible drivers (`insert_one`, `insert_many`,
    `replace_one`, and the update document of `update_one`, `update_many` and
    `find_one_and_update`), DynamoDB items (`put_item`, `update_item`), Firestore
    documents (`set`, `add`, `update`), TinyDB tables (a JSON file), Whoosh indexes kept
    on disk (`writer.add_document(name=..., email=...)`), the parameters of Cypher
    queries that create, merge or set graph nodes in Neo4j (`tx.run("MERGE (p:Player
    {postcode: $pc})", pc=postcode)`), records put on Kinesis streams and Firehose
    delivery streams (which land in a data lake), the tables that sqlite-utils,
    dataset and Supabase (`sb.table("drivers").insert({...})`) fill from dicts, and
    warehouse tables streamed into from rows (BigQuery's `insert_rows_json`,
    ClickHouse's `client.insert`). Stores are
    recognised through their clients' imports and, for methods no other common API has
    (`insert_one`, `put_item`), on any receiver (`request.app["db"].users`). Documents
    are followed through variables and helper functions of the module; an opaque value
    counts by the key it is stored under, read with the collection as its owner
    (`db.patients.insert_one({"name": name})`), and a collection of records of people
    (`[p.to_dict() for p in patients]`) by their personal fields. Writes through an ORM
    model class (Beanie's `Customer.insert_many(...)`) are left to the model's fields,
    and a MongoDB client opened with automatic field-level encryption
    (`auto_encryption_opts=`) stores ciphertext.

    ## Why is this bad?
    Without a schema, anything the code puts in a document ends up in the database, its
    replicas, dumps and backups in clear, outside any column-level protection a SQL
    schema would make visible (GDPR Art. 32; CWE-312).

    ## How to fix
    Encrypt the fields that hold personal data before they are stored (MongoDB
    client-side field level encryption or Queryable Encryption, or the application's
    own encryption), store a hash when the value is only compared, or keep only an
    internal id.
    """

    id = "PV306"
    name = "personal-data-in-document-store"
    family = Family.UNENCRYPTED_STORAGE
    severity = Severity.WARNING
    cwe = 312
    title = "Personal data written in clear to a document database"
    message = "{data} {verb} stored in clear in {place} by `{call}`; encrypt those fields before they are stored (client-side field level encryption) or keep only an internal id"
    provides_facts = True
    phrase = "stores it in a document database in clear"
    triggers = (
        ("insert_one", "insert_many", "replace_one", "update_one", "update_many", "find_one_and_"),
        ("@personal", "@people"),
    )
    # A function of the file may hand its parameters to the sink: the file matters to
    # other modules that call it with personal data (`privalint.project`).
    join_triggers = triggers[0]
    INVALID = (
        'from pymongo import MongoClient\ndb = MongoClient().shop\n\ndef save(customer):\n    db.customers.insert_one({"email": customer.email, "phone": customer.phone})',
        'async def remember(request, patient):\n    await request.app["db"].patients.update_one({"_id": patient.id}, {"$set": {"diagnosis": patient.diagnosis}})',
    )
    VALID = (
        'from pymongo import MongoClient\ndb = MongoClient().shop\n\ndef save(order):\n    db.orders.insert_one({"customer_id": order.customer_id, "total": order.total})',
        'from pymongo import MongoClient\ndb = MongoClient().shop\n\ndef touch(customer):\n    db.customers.update_one({"email": customer.email}, {"$set": {"last_seen": 1}})',
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        return (
            tuple(sorted(DocumentKnowledge.from_catalog(catalog).method_names())),
            cls.triggers[1],
        )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return DocumentKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: DocumentKnowledge = compiled
        # Names bound to a client opened with automatic encryption, or to its databases
        # and collections.
        self._encrypted: set[str] = set()
        # Names bound to an object of a store reached through subscripts
        # (`table = db["users"]`), with the qualified name of that store's client.
        self._objects = self.scoped()

    def visit_Assign(self, node: cst.Assign) -> None:
        encrypted = self._encrypted_chain(node.value)
        for target in node.targets:
            self.records.bind(target.target, node.value)
            path = dotted_name(target.target)
            if path is not None:
                if type(node.value) is cst.Subscript:
                    self._objects.set(
                        path, (self._store_object(node.value), self._collection(node.value))
                    )
                else:
                    self._objects.forget(path)
                if encrypted:
                    self._encrypted.add(path)
                else:
                    self._encrypted.discard(path)

    def _encrypted_chain(self, expr: cst.BaseExpression) -> bool:
        """`MongoClient(uri, auto_encryption_opts=opts).hr.staff`, or a name bound to
        such a client: writes through it store ciphertext."""
        for _ in range(8):
            path = dotted_name(expr)
            if path is not None and path in self._encrypted:
                return True
            if type(expr) is cst.Call:
                if any(
                    arg.keyword is not None and arg.keyword.value in self.k.encryption_keywords
                    for arg in expr.args
                ):
                    return True
                expr = expr.func
            elif isinstance(expr, (cst.Attribute, cst.Subscript)):
                expr = expr.value
            else:
                return False
        return False

    def _document(self, node: cst.Call) -> Optional[tuple[cst.BaseExpression, str, str]]:
        """(the document ``node`` stores, its collection's name, the store's label and
        unit) for a write into a document database."""
        func = node.func
        if type(func) is not cst.Attribute:
            return None
        method = func.attr.value
        receiver = func.value
        qualified: Optional[str] = None
        for store in self.k.stores:
            spec = store.methods.get(method)
            if spec is None:
                continue
            if type(receiver) is cst.Name and receiver.value[:1].isupper():
                # `Customer.insert_many(...)`: an ORM model class; its fields are judged.
                return None
            if method not in store.anywhere:
                if qualified is None:
                    qualified = self._store_object(func)
                if qualified not in store.drivers:
                    continue
            position, keywords = spec
            if store.writes is not None:
                query = argument(node, 0, ("query", "query_", "cypher", "statement"))
                text = key_text(query) if query is not None else None
                if text is None or store.writes.search(text) is None:
                    continue
            named = tuple(k for k in keywords if k != "**")
            document = argument(node, position, named) if position >= 0 or named else None
            if document is None and "**" in keywords:
                document = _keywords_document(node, named)
            if document is not None and store.writes is not None:
                # What the query writes is named by its first node label (`:Player`).
                label = _NODE_LABEL.search(text or "")
                if label is not None:
                    return document, label.group(1), f"{store.label} {store.unit}"
            if document is None:
                return None
            name = next(
                (
                    string_value(a.value)
                    for a in node.args
                    if a.keyword is not None and a.keyword.value in store.name_keywords
                ),
                None,
            )
            if name is None and method in store.names:
                table_name = argument(node, store.names[method], ("table", "table_name"))
                text = string_value(table_name) if table_name is not None else None
                # `project.dataset.table`: the table's own name.
                name = text.rsplit(".", 1)[-1] if text else None
            return document, name or self._collection(receiver), f"{store.label} {store.unit}"
        return None

    def _store_object(self, expr: cst.BaseExpression) -> str:
        """What a write method belongs to: its qualified name, or that of the client it
        is reached from through subscripts (`client["app"]["users"].insert`, `table`
        with `table = db["users"]`)."""
        node = expr
        for _ in range(6):
            qualified = self.ctx.qualname(node)
            if qualified is not None:
                return qualified
            path = dotted_name(node)
            known, bound = self._objects.find(path) if path is not None else (False, None)
            if known and bound is not None:
                return str(bound[0])
            if isinstance(node, (cst.Attribute, cst.Subscript)):
                node = node.value
            elif type(node) is cst.Call:
                node = node.func
            else:
                break
        return ""

    def _collection(self, receiver: cst.BaseExpression) -> str:
        """``chat`` for ``db.chat``, ``db["chat"]``, ``db.collection("chat").document(id)``
        or a name ``chat``."""
        path = dotted_name(receiver)
        known, bound = self._objects.find(path) if path is not None else (False, None)
        if known and bound is not None:
            return str(bound[1])
        node = receiver
        for _ in range(6):
            if type(node) is cst.Call:
                if last_name(node.func) in self.k.collection_calls and node.args:
                    text = string_value(node.args[0].value)
                    if text:
                        return text
                node = node.func
            elif type(node) is cst.Subscript:
                if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
                    text = string_value(node.slice[0].slice.value)
                    if text:
                        return text
                node = node.value
            elif type(node) is cst.Attribute:
                if node is receiver or type(node.value) is not cst.Call:
                    return node.attr.value
                node = node.value
            else:
                break
        return last_name(receiver) or last_name(node) or "?"

    def visit_Call(self, node: cst.Call) -> None:
        found = self._document(node)
        if found is None:
            values = self.helpers.reaching(self.ctx, node, self.id)
            if values:
                self._report(node, [v for _, v in values], "a document database", "")
            return
        document, collection, store = found
        if self._encrypted_chain(node.func):
            return
        self.helpers.add(node, [document])
        first, carried = values_carried(self.ctx, [document])
        place = f"{store} `{collection}`"
        if first is not None:
            self._report(node, [carried], place, collection)
            return
        named = self._named_fields(document, collection, {})
        if named:
            self._report(node, [Carried(named, False)], place, collection)
            return
        people = self.records.stored(document)
        if people is not None:
            self.report(
                node,
                data=f"Records of {people} (`{self.ctx.code(document, 30)}`)",
                verb="are",
                place=place,
                call=call_text(self.ctx, node),
            )

    def _named_fields(
        self, document: cst.BaseExpression, collection: str, found: dict[str, Any], depth: int = 0
    ) -> dict[str, Any]:
        """`db.patients.insert_one({"name": name, "notes": notes})`: opaque values
        stored under keys that name personal data of the collection's records."""
        if depth > 2:
            return found
        if isinstance(document, (cst.ListComp, cst.GeneratorExp)):
            # `insert_many([{"room": room, "text": line} for line in lines])`
            return self._named_fields(document.elt, collection, found, depth + 1)
        if isinstance(document, (cst.List, cst.Tuple)):
            for item in document.elements:
                self._named_fields(item.value, collection, found, depth + 1)
            return found
        if type(document) is not cst.Dict:
            return found
        for element in document.elements:
            if type(element) is not cst.DictElement:
                continue
            key = string_value(element.key)
            if key is None:
                continue
            if key.startswith("$"):
                # `{"$set": {...}}`: an update operator.
                self._named_fields(element.value, collection, found, depth + 1)
                continue
            if self.ctx.categories(element.value).known:
                continue
            category = self.ctx.classify(key, collection, KEY)
            if category is not None:
                found.setdefault(category, element.value)
        return found

    def _report(self, node: cst.Call, carried: list[Carried], place: str, collection: str) -> None:
        cats: dict[str, Any] = {}
        for value in carried:
            for cat, origin in value.cats.items():
                cats.setdefault(cat, origin)
        merged = Carried(cats, False)
        detail = f"document store {place.replace('`', '')}" if collection else "document store"
        record_stored(self.ctx, cats, node, detail)
        description = self.ctx.describe(merged)
        self.report(
            node,
            severity=self.k.policy.severity(self.ctx, cats, self.severity),
            categories=merged.categories,
            data=description[:1].upper() + description[1:],
            verb=self.ctx.verb(merged),
            place=place,
            call=call_text(self.ctx, node),
        )


_NODE_LABEL = re.compile(r"\(\s*\w*\s*:\s*`?(\w+)")


def _keywords_document(call: cst.Call, named: tuple[str, ...] = ()) -> Optional[cst.BaseExpression]:
    """The document a call gives as keyword arguments (Whoosh's
    `writer.add_document(name=..., email=...)`, a Cypher query's parameters), as the
    dict it amounts to."""
    elements = [
        cst.DictElement(cst.SimpleString(repr(arg.keyword.value)), arg.value)
        for arg in call.args
        if arg.keyword is not None and arg.keyword.value not in named
    ]
    return cst.Dict(elements) if elements else None
