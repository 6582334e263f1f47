"""Personal data in prompts sent to language-model APIs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import report_sent, sent_values
from privalint.rules.pii_exposure.sending import SendingKnowledge, SendingRule

from privalint.catalog import Catalog
from privalint.engine import IMPORT_TRIGGER, FileContext
from privalint.model import Family, Severity
from privalint.personal import split_words


@dataclass(frozen=True)
class PromptKnowledge(SendingKnowledge):
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
    name says nothing definite (`text`, `body`, `content`) is what the function's
    name says it is: `text` in `screen_message(text)` is a message's text.

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
            base.content_parameters,
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
