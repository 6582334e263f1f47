"""Personal data put into search indexes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import import_words, keyword_arg, phrases, string_value
from privalint.rules.pii_exposure.sending import ModuleWrappers, SendingKnowledge, SendingRule

from privalint.catalog import Catalog
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import split_words
from privalint.project import SENT


@dataclass(frozen=True)
class DocumentKnowledge:
    """Document classes that declare what an index holds."""

    bases: Mapping[str, str]  # qualified base class -> destination
    field_lists: frozenset[str]
    attribute_keywords: tuple[str, ...]
    inner_classes: frozenset[str]
    field_method_prefixes: tuple[str, ...]
    class_suffixes: tuple[tuple[str, ...], ...]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> DocumentKnowledge:
        bases: dict[str, str] = {}
        table: Any = catalog.get("exposure.index-documents", {})
        if isinstance(table, Mapping):
            for destination, entry in table.items():
                if isinstance(entry, Mapping):
                    for base in entry.get("bases", []):
                        if isinstance(base, str):
                            bases[base] = str(destination)
        settings = "exposure.index-document-settings."
        return cls(
            bases=bases,
            field_lists=frozenset(catalog.strings(settings + "field-lists")),
            attribute_keywords=tuple(catalog.strings(settings + "attribute-keywords")),
            inner_classes=frozenset(catalog.strings(settings + "inner-classes")),
            field_method_prefixes=tuple(catalog.strings(settings + "field-method-prefixes")),
            class_suffixes=tuple(
                sorted(phrases(catalog.strings(settings + "class-suffixes")), key=len, reverse=True)
            ),
        )

    def owner_for(self, class_name: str) -> str:
        """``customer`` for ``CustomerDocument``: whose records the class indexes."""
        words = split_words(class_name)
        for suffix in self.class_suffixes:
            if len(words) > len(suffix) and words[-len(suffix) :] == suffix:
                return "_".join(words[: -len(suffix)])
        return class_name


class PersonalDataInSearchIndex(SendingRule):
    """
    ## What it does
    Flags personal data put into a search index: documents sent to Elasticsearch or
    OpenSearch (`index`, `create`, `update`, `bulk`, and `helpers.bulk` /
    `streaming_bulk` with generated actions), Algolia (`save_object(s)`,
    `partial_update_object(s)`), Meilisearch (`add_documents`), Typesense
    (`documents.create/upsert/import_`), Solr, Whoosh, Azure AI Search, vector
    databases (Pinecone, Qdrant, Weaviate, Chroma), and document classes of
    django-elasticsearch-dsl, elasticsearch-dsl, Haystack and algoliasearch-django
    whose fields are personal. The project's own indexing functions imported from
    another module are recognised by their name (`index_customer` from a module
    named for search, `algolia_sync(...)`).

    ## Why is this bad?
    Search indexes are built to be queried: they back public search pages,
    autocompletion and support consoles, are often reachable with a search-only key
    shipped to browsers, and keep copies of documents outside the database's access
    control, retention and deletion. A personal field in an index is easy to find
    for anyone who can search it.

    ## How to fix
    Index only what search needs (titles, descriptions, public attributes) and refer
    to people by an opaque id; keep personal fields out of public indexes, or put
    them in a separate index with restricted keys and a deletion process.
    """

    id = "PV201"
    name = "personal-data-in-search-index"
    family = Family.PII_EXPOSURE
    severity = Severity.WARNING
    cwe = 359
    title = "Personal data put into a search index"
    message = "{data} {verb} indexed in {destination}{via}"
    provides_facts = True
    section = "exposure.search-index"
    helper_phrase = "indexes it in {destination}"
    INVALID = (
        'from elasticsearch import Elasticsearch\nes = Elasticsearch("https://es:9200")\n\ndef index_customer(customer):\n    es.index(index="customers", id=customer.pk, document={"name": customer.full_name, "email": customer.email})',
        'from elasticsearch import helpers\n\ndef reindex(es, customers):\n    helpers.bulk(es, ({"_index": "c", "_source": {"phone": c.phone}} for c in customers))',
        "from django_elasticsearch_dsl import Document, fields\n\nclass CustomerDocument(Document):\n    email = fields.TextField()\n\n    class Django:\n        model = Customer",
    )
    VALID = (
        'from algoliasearch.search_client import SearchClient\nindex = SearchClient.create("app", "key").init_index("products")\n\ndef index_product(product):\n    index.save_objects([{"objectID": product.sku, "name": product.name}])',
        'from elasticsearch import Elasticsearch\nes = Elasticsearch("https://es:9200")\n\ndef find(email):\n    return es.search(index="customers", query={"match": {"email": email}})',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return (
            SendingKnowledge.from_catalog(catalog, cls.section),
            DocumentKnowledge.from_catalog(catalog),
            ModuleWrappers.from_catalog(catalog, "exposure.search-index-wrappers"),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        sdk_words, personal = super().trigger_words(catalog)
        documents = DocumentKnowledge.from_catalog(catalog)
        roots = {base.split(".", 1)[0] for base in documents.bases}
        wrappers = ModuleWrappers.from_catalog(catalog, "exposure.search-index-wrappers")
        words = {*sdk_words, *import_words(roots), *wrappers.trigger_words()}
        return (tuple(sorted(words)), personal)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        destinations, self._documents, self._wrappers = compiled
        super().__init__(ctx, destinations)

    def unmatched_call(self, node: cst.Call) -> None:
        """An indexing function of the project's own, imported from another module
        (`from app.search import index_customer`): its name and module say where its
        arguments go."""
        shown = self._wrappers.wrapper(self.ctx, node)
        if shown is not None:
            self._wrappers.report(self, node, shown, "a search index")

    # -- document classes --------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        knowledge: DocumentKnowledge = self._documents
        destination = None
        for base in node.bases:
            qualified = self.ctx.qualname(base.value)
            if qualified is not None and qualified in knowledge.bases:
                destination = knowledge.bases[qualified]
                break
        if destination is None or type(node.body) is not cst.IndentedBlock:
            return
        body = node.body.body
        owner = _declared_model(body, knowledge) or knowledge.owner_for(node.name.value)
        for statement in body:
            if type(statement) is cst.ClassDef and statement.name.value in (
                knowledge.inner_classes
            ):
                if type(statement.body) is cst.IndentedBlock:
                    for inner in statement.body.body:
                        self._check_field_list(inner, owner, node.name.value, destination)
                continue
            if type(statement) is cst.FunctionDef:
                self._check_field_method(statement, owner, node.name.value, destination)
                continue
            if type(statement) is not cst.SimpleStatementLine:
                continue
            self._check_field_list(statement, owner, node.name.value, destination)
            for small in statement.body:
                target, value = _assignment(small)
                if target is None or type(value) is not cst.Call:
                    continue
                category = self._field_category(target, value, owner)
                if category is not None:
                    self._report_fields(small, {category: target}, node.name.value, destination)

    def _field_category(self, name: str, field: cst.Call, owner: str) -> Optional[str]:
        knowledge: DocumentKnowledge = self._documents
        category = self.ctx.classify(name, owner)
        if category is not None:
            return category
        arg = keyword_arg(field, *knowledge.attribute_keywords)
        attribute = string_value(arg.value) if arg is not None else None
        if attribute:
            return self.ctx.classify(attribute.replace("__", "."), owner, "key")
        return None

    def _check_field_method(
        self, method: cst.FunctionDef, owner: str, class_name: str, destination: str
    ) -> None:
        knowledge: DocumentKnowledge = self._documents
        name = method.name.value
        for prefix in knowledge.field_method_prefixes:
            if name.startswith(prefix) and len(name) > len(prefix):
                field = name[len(prefix) :]
                category = self.ctx.classify(field, owner)
                if category is not None:
                    self._report_fields(method.name, {category: field}, class_name, destination)

    def _check_field_list(
        self, statement: cst.CSTNode, owner: str, class_name: str, destination: str
    ) -> None:
        knowledge: DocumentKnowledge = self._documents
        if type(statement) is not cst.SimpleStatementLine:
            return
        for small in statement.body:
            target, value = _assignment(small)
            if target not in knowledge.field_lists or not isinstance(
                value, (cst.List, cst.Tuple, cst.Set)
            ):
                continue
            found: dict[str, str] = {}
            for element in value.elements:
                text = string_value(element.value)
                if text:
                    category = self.ctx.classify(text.replace("__", "_"), owner, "key")
                    if category is not None:
                        found.setdefault(category, text)
            if found:
                self._report_fields(small, found, class_name, destination)

    def _report_fields(
        self, node: cst.CSTNode, found: Mapping[str, str], class_name: str, destination: str
    ) -> None:
        ctx = self.ctx
        for category in found:
            ctx.fact(SENT, category, node, destination)
        described = _join([f"{ctx.label(c)} (`{field}`)" for c, field in sorted(found.items())])
        verb = "is" if len(found) == 1 else "are"
        self.report(
            node,
            f"{described} {verb} indexed in {destination} by document class `{class_name}`",
            severity=ctx.severity_for(found, self.severity),
            categories=tuple(sorted(found)),
        )


def _assignment(
    small: cst.BaseSmallStatement,
) -> tuple[Optional[str], Optional[cst.BaseExpression]]:
    if type(small) is cst.Assign and len(small.targets) == 1:
        target = small.targets[0].target
        if type(target) is cst.Name:
            return target.value, small.value
    if type(small) is cst.AnnAssign and type(small.target) is cst.Name:
        return small.target.value, small.value
    return None, None


def _declared_model(body: Sequence[cst.BaseStatement], knowledge: DocumentKnowledge) -> str:
    """The model an index document is declared for (`class Django: model = Customer`)."""
    for statement in body:
        if type(statement) is not cst.ClassDef or not isinstance(statement.body, cst.IndentedBlock):
            continue
        if statement.name.value not in knowledge.inner_classes:
            continue
        for inner in statement.body.body:
            if type(inner) is cst.SimpleStatementLine:
                for small in inner.body:
                    target, value = _assignment(small)
                    if target == "model" and value is not None:
                        name = dotted_name(value)
                        if name:
                            return name.rsplit(".", 1)[-1]
    return ""


def _join(parts: list[str]) -> str:
    if len(parts) < 3:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
