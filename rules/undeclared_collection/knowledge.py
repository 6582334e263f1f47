"""What the undeclared-collection rules know about collection APIs, from the catalog
(``rules/catalog/collection.toml``), compiled once per catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from privalint.catalog import Catalog
from privalint.personal import split_words


@dataclass(frozen=True)
class Knowledge:
    """The catalog's collection knowledge, compiled once."""

    field_modules: frozenset[str]
    input_classes: frozenset[str]
    argument_classes: frozenset[str]
    input_type_modules: frozenset[str]
    input_decorators: frozenset[str]
    endpoint_decorators: frozenset[str]
    label_keywords: frozenset[str]
    description_keywords: frozenset[str]
    translations: frozenset[str]
    argument_declarations: frozenset[str]
    form_bases: frozenset[str]
    form_suffixes: tuple[str, ...]
    request_model_suffixes: tuple[str, ...]
    request_key_methods: frozenset[str]
    model_loader_functions: frozenset[str]
    request_names: frozenset[str]
    non_data_fields: frozenset[str]
    flag_fields: frozenset[str]
    input_defaults: tuple[tuple[str, str], ...]
    container_fields: frozenset[str]
    output_fields: frozenset[str]
    output_keywords: frozenset[str]
    class_suffixes: frozenset[str]
    model_form_bases: frozenset[str]
    model_form_suffixes: tuple[str, ...]
    route_decorators: frozenset[str]
    web_frameworks: frozenset[str]
    route_receivers: frozenset[str]
    parameter_sources: frozenset[str]
    injected_defaults: frozenset[str]
    injected_parameters: frozenset[str]
    injected_annotations: frozenset[str]
    model_loaders: frozenset[str]
    model_dumpers: frozenset[str]
    validated_attributes: frozenset[str]
    schema_parsers: frozenset[str]
    prompt_functions: frozenset[str]
    secret_prompts: frozenset[str]
    prompt_options: frozenset[str]
    key_getters: frozenset[str]
    typed_fields: dict[str, str]
    text_types: frozenset[str]
    named_persons: frozenset[str]
    named_person_category: str
    scalar_annotations: frozenset[str]
    link_words: frozenset[str] = frozenset()

    # Alternate constructors by convention (`Claim.from_media(req.media)`).
    model_loader_prefixes: tuple[str, ...] = ()

    def is_model_loader(self, method: str) -> bool:
        """A method that builds or validates a model from data."""
        return method in self.model_loaders or method.startswith(self.model_loader_prefixes)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Knowledge:
        def strings(key: str) -> frozenset[str]:
            return frozenset(catalog.strings(f"collection.{key}"))

        return cls(
            field_modules=strings("field-modules"),
            input_classes=strings("input-classes"),
            argument_classes=strings("argument-classes"),
            input_type_modules=strings("input-type-modules"),
            input_decorators=strings("input-decorators"),
            endpoint_decorators=strings("endpoint-decorators"),
            label_keywords=strings("label-keywords"),
            description_keywords=strings("description-keywords"),
            translations=strings("translation-functions"),
            argument_declarations=strings("argument-declarations"),
            form_bases=strings("form-bases"),
            form_suffixes=tuple(catalog.strings("collection.form-suffixes")),
            request_model_suffixes=tuple(catalog.strings("collection.request-model-suffixes")),
            request_key_methods=strings("request-key-methods"),
            model_loader_functions=strings("model-loader-functions"),
            request_names=frozenset(catalog.strings("flow.request-names")),
            non_data_fields=strings("non-data-fields"),
            flag_fields=strings("flag-fields"),
            input_defaults=_pairs(catalog.get("collection.input-defaults", {})),
            container_fields=strings("container-fields"),
            output_fields=strings("output-fields"),
            output_keywords=strings("output-keywords"),
            class_suffixes=frozenset(
                w for s in catalog.strings("collection.class-suffixes") for w in split_words(s)
            ),
            model_form_bases=strings("model-form-bases"),
            model_form_suffixes=tuple(catalog.strings("collection.model-form-suffixes")),
            route_decorators=strings("route-decorators"),
            web_frameworks=strings("web-frameworks"),
            route_receivers=strings("route-receivers"),
            parameter_sources=strings("parameter-sources"),
            injected_defaults=strings("injected-defaults"),
            injected_parameters=strings("injected-parameters"),
            injected_annotations=strings("injected-annotations"),
            model_loaders=strings("model-loaders"),
            model_loader_prefixes=tuple(catalog.strings("collection.model-loader-prefixes")),
            model_dumpers=strings("model-dumpers"),
            validated_attributes=strings("validated-attributes"),
            schema_parsers=strings("schema-parsers"),
            prompt_functions=strings("prompt-functions"),
            secret_prompts=strings("secret-prompts"),
            prompt_options=strings("prompt-options"),
            link_words=strings("link-words"),
            key_getters=frozenset(catalog.strings("flow.key-getters")),
            typed_fields={
                str(k): str(v)
                for k, v in (catalog.get("collection.typed-fields", {}) or {}).items()
                if isinstance(v, str)
            },
            scalar_annotations=strings("scalar-annotations"),
            text_types=strings("text-types"),
            # A field is named after a person when its name ends with one of them.
            named_persons=frozenset(
                split_words(s)[-1] for s in catalog.strings("collection.named-persons") if s
            ),
            named_person_category=str(catalog.get("collection.named-person-category") or ""),
        )

    def is_model_name(self, name: str) -> bool:
        """Whether a name in an annotation or a base-class list may be a model class."""
        return bool(name) and name[:1].isupper() and name not in self.scalar_annotations

    def input_default(self, name: str) -> Optional[str]:
        """The category a form field, request key or endpoint parameter holds when its
        name alone is too vague for the classifier but asked of a person it is not
        (`address`, `location`)."""
        words = split_words(name)
        joined = " ".join(words)
        for phrase, category in self.input_defaults:
            if joined == phrase:
                return category
        return None

    def owner_of(self, class_name: str) -> str:
        """Whose data a class's fields are: ``PatientSerializer`` -> ``patient``."""
        words = list(split_words(class_name))
        while len(words) > 1 and words[-1] in self.class_suffixes:
            words.pop()
        return "_".join(words)


def named_as_input(name: str, suffixes: tuple[str, ...]) -> bool:
    """Whether a class name ends with one of ``suffixes`` as its last CamelCase word
    (`SelfieIn`, `UserCreate`; not `Login` nor `In`)."""
    for suffix in suffixes:
        if (
            name.endswith(suffix)
            and len(name) > len(suffix)
            and (name[-len(suffix) - 1].islower() or name[-len(suffix) - 1].isdigit())
        ):
            return True
    return False


def _pairs(table: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        return ()
    return tuple((" ".join(split_words(k)), v) for k, v in table.items() if isinstance(v, str))
