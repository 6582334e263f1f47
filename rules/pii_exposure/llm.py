"""Personal data in prompts sent to language-model APIs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import Destination, report_sent, sent_values
from privalint.rules.pii_exposure.sending import SendingKnowledge, SendingRule, Values

from privalint.catalog import Catalog
from privalint.engine import IMPORT_TRIGGER, FileContext
from privalint.flow import Carried
from privalint.model import Family, Severity
from privalint.personal import KEY, split_words


@dataclass(frozen=True)
class PromptKnowledge(SendingKnowledge):
    # Parameter names that say what a prompt's content is only together with the
    # function's name (`body` in `classify_email(body)`), besides the vague ones.
    content_parameters: frozenset[str]
    # The project's own language-model functions in other modules: words of their
    # module, of their name, and the verbs that send (`from app.ai import summarise`).
    wrapper_module_words: frozenset[str]
    wrapper_name_words: frozenset[str]
    wrapper_verbs: frozenset[str]
    wrapper_skip_keywords: frozenset[str]

    def wrapper(self, ctx: FileContext, call: cst.Call) -> Optional[str]:
        """The qualified name of a language-model function of another module of the
        project that ``call`` calls: named for a model (`ask_llm`, `gpt_complete`), or
        a sending verb (`summarise_ticket`, `complete`) from a module named for one
        (`app.ai`, `common.llm`)."""
        qualified = ctx.qualname(call.func)
        if qualified is None or "." not in qualified or ctx.is_local(qualified):
            return None
        if "()" in qualified:
            return None  # a method of an object: its class is out of sight
        module, _, name = qualified.rpartition(".")
        if not name[:1].islower():
            return None  # a class, not a function that sends
        words = split_words(name)
        if any(w in self.wrapper_name_words for w in words):
            return qualified
        if not words or words[0] not in self.wrapper_verbs:
            return None
        module_words = {w for part in module.split(".") for w in split_words(part)}
        return qualified if module_words & self.wrapper_module_words else None


class PersonalDataInLlmPrompt(SendingRule):
    """
    ## What it does
    Flags personal data in the prompts, messages or inputs of calls to hosted
    language-model APIs: OpenAI and Azure OpenAI (`chat.completions.create`,
    `responses.create`, `embeddings.create`), Anthropic (`messages.create`), Google
    Gemini and Vertex AI (`generate_content`), Cohere, Mistral, Groq, Together,
    Cerebras, IBM watsonx, DashScope, Writer, LiteLLM, Replicate, Hugging Face
    inference, Amazon Bedrock and LangChain, LlamaIndex, Haystack or Semantic Kernel
    models and chains. Embedding calls (`embeddings.create`, Cohere and
    Voyage `embed`) send their text too. Prompts built on earlier lines (f-strings,
    `.format`, message lists, comprehensions, helper functions) are followed to the
    call. The project's own model functions imported from another module are
    recognised by their name (`ask_llm(...)`) or by a sending verb and a module
    named for models (`from app.ai import summarise_ticket`). A parameter whose
    name says nothing definite (`text`, `body`, `content`)
    is what the function's name says it is: `text` in `screen_message(text)` is a
    message's text.

    ## Why is this bad?
    The prompt is sent to the model provider, which may log it, keep it for abuse
    monitoring or use it for training, often in another jurisdiction. Special
    categories such as health data need an explicit legal basis before they can be
    shared at all.

    ## How to fix
    Leave identifying details out of the prompt (refer to "the patient" or a
    pseudonym), or redact them before the call; use a provider and contract that
    rule out retention and training where the data must be processed.
    """

    id = "PV207"
    name = "personal-data-in-llm-prompt"
    family = Family.PII_EXPOSURE
    severity = Severity.WARNING
    cwe = 359
    title = "Personal data in a language-model prompt"
    message = "{data} {verb} sent to {destination} in a prompt{via}"
    provides_facts = True
    section = "exposure.llm"
    INVALID = (
        'from openai import OpenAI\nclient = OpenAI()\n\ndef triage(appt):\n    prompt = f"Patient {appt.patient_name} reports {appt.symptoms}"\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])',
        'import anthropic\nclaude = anthropic.Anthropic()\n\ndef summarise(customer):\n    return claude.messages.create(model="claude-sonnet-4-5", max_tokens=200, messages=[{"role": "user", "content": f"Write to {customer.email}"}])',
    )
    VALID = (
        'from openai import OpenAI\nclient = OpenAI()\n\ndef describe(product):\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Describe {product.title}"}])',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        base = SendingKnowledge.from_catalog(catalog, cls.section)

        def words(key: str) -> frozenset[str]:
            return frozenset(catalog.strings("exposure.llm-prompts." + key))

        return PromptKnowledge(
            base.destinations,
            base.http,
            words("content-parameters"),
            words("wrapper-module-words"),
            words("wrapper-name-words"),
            words("wrapper-verbs"),
            words("wrapper-skip-keywords"),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        sdk_words, personal = super().trigger_words(catalog)
        words = set(sdk_words)
        # An import of the project's own model functions: by a name word anywhere in
        # the import, or from a module named with a module word.
        for word in catalog.strings("exposure.llm-prompts.wrapper-name-words"):
            words.add(IMPORT_TRIGGER + word)
        for word in catalog.strings("exposure.llm-prompts.wrapper-module-words"):
            words.update(
                IMPORT_TRIGGER + form
                for form in (f".{word}", f"from {word} ", f"from {word}.", f"import {word} ")
            )
        return (tuple(sorted(words)), personal)

    def unmatched_call(self, node: cst.Call) -> None:
        """A language-model function of the project's own, imported from another
        module: its body is out of sight, but its name and module say where its
        arguments go."""
        knowledge: PromptKnowledge = self.compiled
        shown = knowledge.wrapper(self.ctx, node)
        if shown is None:
            return
        report_sent(
            self,
            sent_values(self.ctx, node, knowledge.wrapper_skip_keywords),
            "a language model",
            via=f" through `{self.ctx.code(node.func, 30)}()`",
            fact_detail=f"a language model (through {shown})",
        )

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        # Local names -> the message list, f-string or concatenation last assigned to
        # them in this function (`prompt = f"...{text}"`).
        self._built: dict[str, cst.BaseExpression] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._built = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        for target in node.targets:
            if type(target.target) is cst.Name:
                if isinstance(node.value, _PROMPT_PARTS):
                    self._built[target.target.value] = node.value
                else:
                    self._built.pop(target.target.value, None)

    def values_for(self, call: cst.Call, destination: Destination) -> Values:
        values = super().values_for(call, destination)
        if values:
            return values
        function = self.ctx.ancestor(cst.FunctionDef)
        if type(function) is not cst.FunctionDef:
            return values
        params = {p.name.value for p in (*function.params.posonly_params, *function.params.params)}
        subjects = list(reversed(split_words(function.name.value)))
        classifier = self.ctx.classifier
        knowledge: PromptKnowledge = self.compiled
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in destination.skip_keywords:
                continue
            for holder, name in _names_in_prompt(arg.value, self._built):
                if name.value not in params or not (
                    classifier.is_vague(name.value) or name.value in knowledge.content_parameters
                ):
                    continue
                carried = self.ctx.categories(name)
                if carried.cats or carried.known:
                    continue
                for subject in subjects:
                    category = self.ctx.classify(f"{subject}_{name.value}", "", KEY)
                    if category is not None:
                        values.append((holder, Carried({category: name}, known=False)))
                        break
        return values


_PROMPT_PARTS = (cst.List, cst.Tuple, cst.Dict, cst.FormattedString, cst.BinaryOperation)


def _names_in_prompt(
    expr: cst.BaseExpression, built: Mapping[str, cst.BaseExpression], depth: int = 0
) -> Iterator[tuple[cst.Name, cst.Name]]:
    """The bare names a prompt is made of: in message lists and dicts, f-strings and
    concatenations, also when built in a local name first (``built``); each with the
    name in the prompt that holds it (itself, or the local name)."""
    if depth > 8:
        return
    depth += 1
    if type(expr) is cst.Name:
        if expr.value in built:
            for _, name in _names_in_prompt(built[expr.value], {}, depth):
                yield expr, name
        else:
            yield expr, expr
    elif isinstance(expr, (cst.List, cst.Tuple)):
        for element in expr.elements:
            yield from _names_in_prompt(element.value, built, depth)
    elif type(expr) is cst.Dict:
        for element in expr.elements:
            if type(element) is cst.DictElement:
                yield from _names_in_prompt(element.value, built, depth)
    elif type(expr) is cst.FormattedString:
        for part in expr.parts:
            if type(part) is cst.FormattedStringExpression:
                yield from _names_in_prompt(part.expression, built, depth)
    elif type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
        yield from _names_in_prompt(expr.left, built, depth)
        yield from _names_in_prompt(expr.right, built, depth)
