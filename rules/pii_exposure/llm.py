"""Personal data in prompts sent to language-model APIs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import Destination
from privalint.rules.pii_exposure.sending import (
    ModuleWrappers,
    SendingKnowledge,
    SendingRule,
    Values,
)
from privalint.rules.weak_tls.common import binding, host_text, is_loopback, keyword

from privalint.catalog import Catalog
from privalint.flow import Carried
from privalint.model import Family, Severity


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
    named for models (`from app.ai import summarise_ticket`). Audio sent to be
    transcribed (`audio.transcriptions.create(file=...)`, Hugging Face
    `automatic_speech_recognition`) is a recording of what someone said, whatever
    the variable holding it is called. Models served on the machine itself are not
    a third party: a client made with a loopback address (`ollama.Client(host=
    "http://127.0.0.1:11434")`, `OpenAI(base_url="http://localhost:8000/v1")`), and
    Ollama's own functions, which talk to the local server unless told otherwise,
    are not reported. A parameter whose
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
    helper_phrase = "puts it in a prompt to {destination}"
    INVALID = (
        'from openai import OpenAI\nclient = OpenAI()\n\ndef triage(appt):\n    prompt = f"Patient {appt.patient_name} reports {appt.symptoms}"\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])',
        'import anthropic\nclaude = anthropic.Anthropic()\n\ndef summarise(customer):\n    return claude.messages.create(model="claude-sonnet-4-5", max_tokens=200, messages=[{"role": "user", "content": f"Write to {customer.email}"}])',
    )
    VALID = (
        'import ollama\nlocal = ollama.Client(host="http://127.0.0.1:11434")\n\ndef triage(appt):\n    return local.chat(model="llama3.1", messages=[{"role": "user", "content": f"Patient {appt.patient_name} reports {appt.symptoms}"}])',
        'from openai import OpenAI\nclient = OpenAI()\n\ndef describe(product):\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Describe {product.title}"}])',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        speech = catalog.get("exposure.llm-speech") or {}
        return (
            SendingKnowledge.from_catalog(catalog, cls.section),
            ModuleWrappers.from_catalog(catalog, "exposure.llm-wrappers"),
            (
                tuple(str(s) for s in speech.get("calls", ())),
                frozenset(str(k) for k in speech.get("keywords", ())),
                str(speech.get("category", "communications")),
            ),
            LocalModels(
                frozenset(catalog.strings("exposure.llm-local.host-keywords")),
                frozenset(catalog.strings("exposure.llm-local.local-by-default")),
                tuple(catalog.strings("tls.loopback-hosts")),
            ),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        sdk_words, personal = super().trigger_words(catalog)
        wrappers = ModuleWrappers.from_catalog(catalog, "exposure.llm-wrappers").trigger_words()
        return (tuple(sorted({*sdk_words, *wrappers})), personal)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        knowledge, self._wrappers, self._speech, self._local = compiled
        super().__init__(ctx, knowledge)

    def _match(self, call: cst.Call) -> Optional[tuple[Destination, frozenset[str]]]:
        matched = super()._match(call)
        if matched is not None and self._served_locally(call, matched[0]):
            return None
        return matched

    def _served_locally(self, call: cst.Call, destination: Destination) -> bool:
        """Whether the client ``call`` goes through was made with a loopback address,
        or is a local server's own module used as it comes."""
        local: LocalModels = self._local
        root: cst.BaseExpression = call.func
        while type(root) is cst.Attribute:
            root = root.value
        made = root if type(root) is cst.Call else binding(self.ctx, root)
        if type(made) is not cst.Call:
            # `ollama.chat(...)`: the module's functions use the local server.
            return (
                destination.name in local.by_default
                and type(root) is cst.Name
                and made is None
                and self.ctx.qualname(root) in destination.modules
            )
        for name in local.host_keywords:
            arg = keyword(made, name)
            if arg is not None:
                return is_loopback(host_text(self.ctx, arg.value), local.loopback)
        return destination.name in local.by_default

    def values_for(self, call: cst.Call, destination: Destination) -> Values:
        values = super().values_for(call, destination)
        return values or self._recorded_speech(call)

    def _recorded_speech(self, call: cst.Call) -> Values:
        """A transcription call sends a recording of what someone said, whatever the
        variable holding the file is called: the audio is the conversation."""
        calls, keywords, category = self._speech
        func = self.ctx.code(call.func)
        if not any(func == c or func.endswith("." + c) for c in calls):
            return []
        for arg in call.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword is None or keyword in keywords:
                return [(arg.value, Carried({category: arg.value}, known=False))]
        return []

    def unmatched_call(self, node: cst.Call) -> None:
        """A language-model function of the project's own, imported from another
        module: its body is out of sight, but its name and module say where its
        arguments go."""
        shown = self._wrappers.wrapper(self.ctx, node)
        if shown is not None:
            self._wrappers.report(self, node, shown, "a language model")


@dataclass(frozen=True)
class LocalModels:
    """What says a model is served on the machine itself (``[exposure.llm-local]``)."""

    # Keywords of a client's constructor that name the server (`host`, `base_url`).
    host_keywords: frozenset[str]
    # Destinations whose clients talk to a local server unless given a host (Ollama).
    by_default: frozenset[str]
    loopback: tuple[str, ...]
