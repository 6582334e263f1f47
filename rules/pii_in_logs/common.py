"""What the pii-in-logs rules share: finding the data an output call writes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Callable, Optional

import libcst as cst

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
    placeholders from a single mapping argument."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) != 2:
        return
    template = positional[0].value
    if not isinstance(template, (cst.SimpleString, cst.ConcatenatedString)):
        return
    text = string_value(template)
    if text is None or "%(" not in text:
        return
    mapping = positional[1].value
    carried = ctx.flow.placeholders(text, ctx.categories(mapping), mapping)
    if carried.cats:
        yield mapping, carried


_PLACEHOLDER = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgG]|\{[^{}]*\}")


def template_labels(
    ctx: FileContext, call: cst.Call, skip_words: frozenset[str], skip_first: int = 0
) -> Iterator[tuple[cst.CSTNode, Carried]]:
    """Opaque values that the words of their message name: ``digits`` in
    ``log.debug("caller keyed DOB %s", digits)``, ``text`` in
    ``logger.info("transcript {}: {}", call_id, text)`` or ``f"keyed DOB {digits}"``.
    The words just before a placeholder (or, when only punctuation separates it from
    the one before, the words before that one) are read as a field label."""
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
        if name is None or (split_words(name) or ("",))[-1] in skip_words:
            continue
        words = _label_words(label, fillers)
        if not words and not any(ch.isalnum() for ch in label):
            words = _label_words(earlier, fillers)
        if not words:
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
        if category is not None:
            yield value, Carried({category: value}, known=False)


def _opaque(value: cst.BaseExpression) -> Optional[str]:
    """The name of a bare name, or of a slice of one (``text[:500]``)."""
    if type(value) is cst.Subscript and len(value.slice) == 1:
        if type(value.slice[0].slice) is not cst.Slice:
            return None
        value = value.value
    return value.value if type(value) is cst.Name else None


def _label_words(text: str, fillers: frozenset[str]) -> list[str]:
    words = list(split_words(text))
    while words and words[-1] in fillers:
        words.pop()
    return words


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
