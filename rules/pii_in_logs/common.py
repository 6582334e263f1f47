"""What the pii-in-logs rules share: finding the data an output call writes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.flow import Carried, union
from privalint.nodes import string_value
from privalint.personal import KEY, split_words


def written_values(
    ctx: FileContext,
    call: cst.Call,
    control_keywords: frozenset[str],
    skip_first: int = 0,
) -> Iterator[tuple[cst.CSTNode, Carried]]:
    """(node, carried) for each argument a call writes out, with personal data.

    Keyword arguments count too (structlog's ``log.info("x", email=...)``, logging's
    ``extra={...}``); an opaque value under a telling keyword counts as that keyword.
    """
    for index, arg in enumerate(call.args):
        if index < skip_first and arg.keyword is None:
            continue
        if arg.keyword is not None and arg.keyword.value in control_keywords:
            continue
        carried = ctx.categories(arg.value)
        if not carried.cats and arg.keyword is not None and not carried.known and not arg.star:
            category = ctx.classify(arg.keyword.value, "", KEY)
            if category is not None:
                carried = Carried({category: arg.keyword.value}, known=False)
        if carried.cats:
            yield arg.value, carried


def mapping_placeholders(ctx: FileContext, call: cst.Call) -> Iterator[tuple[cst.CSTNode, Carried]]:
    """``log.info("sent to %(email)s", row)``: logging fills a template's named
    placeholders from a single mapping argument; loguru fills ``{email}`` from the
    keywords a mapping is unpacked into (``logger.info("sent to {email}", **row)``)."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    unpacked = [a for a in call.args if a.star == "**"]
    if len(positional) == 2:
        marker, mapping = "%(", positional[1].value
    elif len(positional) == 1 and len(unpacked) == 1:
        marker, mapping = "{", unpacked[0].value
    else:
        return
    template = positional[0].value
    if not isinstance(template, (cst.SimpleString, cst.ConcatenatedString)):
        return
    text = string_value(template)
    if text is None or marker not in text:
        return
    carried = ctx.flow.placeholders(text, ctx.categories(mapping), mapping)
    if carried.cats:
        yield mapping, carried


_PLACEHOLDER = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgG]|\{[^{}]*\}")


@dataclass(frozen=True)
class Labels:
    """How the words of a message label the values put in it (`logging` catalog)."""

    # A value whose name ends with one of these is an id, count or size.
    skip_words: frozenset[str]
    # Words that, just before a value, make it the owner of what the label names
    # (`"caller name for %s"`, a call id), not that thing.
    owner_words: frozenset[str]
    # Words that link a value to a label before an owner (`"caller name for %s is %s"`).
    copulas: frozenset[str]
    # Words of reaching someone (`"call to %s"`, `"sms from %s"`): the value after them,
    # with the word that joins them, is who was reached.
    contact_words: frozenset[str] = frozenset()

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Labels:
        return cls(
            skip_words=frozenset(catalog.strings("logging.label-skip-words")),
            owner_words=frozenset(catalog.strings("logging.label-owner-words")),
            copulas=frozenset(catalog.strings("logging.label-copulas")),
            contact_words=frozenset(
                w
                for text in catalog.strings("logging.label-contact-words")
                for w in split_words(text)
            ),
        )


def template_labels(
    ctx: FileContext, call: cst.Call, labels: Labels, skip_first: int = 0
) -> Iterator[tuple[cst.CSTNode, Carried]]:
    """Opaque values that the words of their message name: ``digits`` in
    ``log.debug("caller keyed DOB %s", digits)``, ``text`` in
    ``logger.info("transcript {}: {}", call_id, text)`` or ``f"keyed DOB {digits}"``,
    ``lookup.get("name")`` in ``log.info("caller name for %s is %s", sid, lookup.get("name"))``.
    The words just before a placeholder (or, when only punctuation or a copula
    separates it from the one before, the words before that one) are read as a field
    label; a label that ends in an owner word (``"name for %s"``) names something of
    the value, not the value."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    fillers = ctx.flow.settings.template_fillers
    pairs: list[tuple[cst.BaseExpression, str, str]] = []
    if len(positional) > skip_first + 1 and isinstance(
        positional[skip_first], (cst.SimpleString, cst.ConcatenatedString)
    ):
        text = string_value(positional[skip_first])
        if text is not None and "%(" not in text:
            pieces = _PLACEHOLDER.split(text)
            values = positional[skip_first + 1 :]
            for index, value in enumerate(values[: len(pieces) - 1]):
                pairs.append((value, pieces[index], pieces[index - 1] if index else ""))
    for value in positional[skip_first:]:
        if type(value) is cst.FormattedString:
            pieces = [""]
            for part in value.parts:
                if type(part) is cst.FormattedStringText:
                    pieces[-1] += part.value
                elif type(part) is cst.FormattedStringExpression:
                    before = pieces[-2] if len(pieces) > 1 else ""
                    pairs.append((part.expression, pieces[-1], before))
                    pieces.append("")
    for value, label, earlier in pairs:
        name = _opaque(value)
        if name is None:
            continue
        if (
            type(value) is not cst.Name
            and not ctx.classifier.is_vague(name)
            and (type(value) is not cst.Subscript or type(value.slice[0].slice) is not cst.Slice)
        ):
            # A field read by a definite name (`link.vendor`, `msg["channel"]`) is what
            # its name says; a vague one (`lookup.get("name")`) is what the message says.
            continue
        own = split_words(name)
        if not own or own[-1] in labels.skip_words:
            continue
        if all(w in labels.copulas for w in split_words(label)):
            # Only punctuation or a copula since the value before: the label before
            # that one speaks of this value (`"name for %s: %s"`, `"... is %s"`).
            label = earlier
            words, _ = _label_words(label, fillers, labels.owner_words)
            owned = False
        else:
            words, owned = _label_words(label, fillers, labels.owner_words)
        if not words or owned or set(words) <= set(own):
            # No label, a label of the value's owner, or one the value's own name
            # already says (`"phone: %s", phone_model`).
            continue
        carried = ctx.categories(value)
        if carried.cats or carried.known:
            continue
        category = None
        for size in (1, 2, 3):
            if size > len(words):
                break
            category = ctx.classify("_".join(words[-size:]), "", KEY)
            if category is not None:
                break
        if category is None:
            # The label qualifies the value's own name: "dialled %s", number.
            category = ctx.classify("_".join((words[-1], name)), "", KEY)
        if category is None and words[-1] in labels.contact_words:
            # ... with the word that joins them: "call to %s", number (the number
            # called), "sms from %s", sender.
            joining = split_words(label)[len(words) :]
            if joining:
                category = ctx.classify("_".join((words[-1], *joining, name)), "", KEY)
        if category is not None:
            yield value, Carried({category: value}, known=False)


def _opaque(value: cst.BaseExpression) -> Optional[str]:
    """The name of a bare name, or of a slice of one (``text[:500]``), or of the
    field a read names (``lookup.name``, ``lookup["name"]``, ``lookup.get("name")``)."""
    if type(value) is cst.Subscript and len(value.slice) == 1:
        index = value.slice[0].slice
        if type(index) is cst.Index:
            return string_value(index.value)
        if type(index) is not cst.Slice:
            return None
        value = value.value
    if (
        type(value) is cst.Call
        and type(value.func) is cst.Attribute
        and value.func.attr.value == "get"
        and value.args
    ):
        return string_value(value.args[0].value)
    if type(value) is cst.Attribute:
        return value.attr.value
    return value.value if type(value) is cst.Name else None


def _label_words(
    text: str, fillers: frozenset[str], owner_words: frozenset[str]
) -> tuple[list[str], bool]:
    """The words of a label without the fillers it ends with, and whether one of
    those was an owner word (the label then names something the value has)."""
    words = list(split_words(text))
    owned = False
    while words and words[-1] in fillers:
        owned = owned or words[-1] in owner_words
        words.pop()
    return words, owned


def combined(values: Sequence[tuple[cst.CSTNode, Carried]]) -> Optional[Carried]:
    if not values:
        return None
    return union(v for _, v in values)


def sink_arguments(
    ctx: FileContext, call: cst.Call, control_keywords: frozenset[str]
) -> list[cst.BaseExpression]:
    """The argument expressions a sink call writes out."""
    return [
        arg.value
        for arg in call.args
        if arg.keyword is None or arg.keyword.value not in control_keywords
    ]


def through_helper(
    ctx: FileContext,
    call: cst.Call,
    sink_values: Callable[[cst.Call], Sequence[cst.BaseExpression]],
    key: str,
) -> list[tuple[cst.CSTNode, Carried]]:
    """Arguments of a call to a helper of this module that passes them on to a sink
    (``def audit(msg, *args): logger.info(msg, *args)``), with what they carry."""
    flow = ctx.flow
    definition = flow.resolve_local(call.func)
    if definition is None:
        return []
    # Only arguments that carry personal data count: without one, the helper's body
    # (a scan of it per sink rule) need not be read.
    if not any(ctx.categories(arg.value).cats for arg in call.args):
        return []
    out: list[tuple[cst.CSTNode, Carried]] = []
    for index in sorted(flow.reaching_params(definition, sink_values, key, reported_inside=True)):
        arg = flow.argument_for(call, definition, index)
        if arg is None:
            continue
        carried = ctx.categories(arg)
        if carried.cats:
            out.append((arg, carried))
    return out


def record_logged(ctx: FileContext, node: cst.CSTNode, carried: Carried, detail: str) -> None:
    """A ``logged`` fact per category, for the inventory."""
    for category in sorted(carried.cats):
        ctx.fact("logged", category, node, detail)
