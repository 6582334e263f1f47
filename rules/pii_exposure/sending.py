"""The base of the rules about calls that hand data to a third party: SDK calls
matched from one catalog section, plain HTTP requests to the API hosts of the same
destinations, and local helper functions that pass their parameters on to either."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import (
    Destination,
    Destinations,
    HelperDestinations,
    argument_expressions,
    helper_via,
    report_sent,
    sent_values,
)
from privalint.rules.pii_exposure.http import REQUEST, HttpKnowledge, ModuleStrings

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.flow import Carried
from privalint.rule import Rule

Values = list[tuple[cst.BaseExpression, Carried]]


@dataclass(frozen=True)
class SendingKnowledge:
    destinations: Destinations
    http: HttpKnowledge

    @classmethod
    def from_catalog(cls, catalog: Catalog, section: str) -> SendingKnowledge:
        return cls(Destinations.from_catalog(catalog, section), HttpKnowledge.from_catalog(catalog))


class SendingRule(Rule):
    """Subclasses set ``section`` (``exposure.analytics``...) and the rule metadata;
    their message may use ``{data}``, ``{verb}``, ``{destination}`` and ``{via}``."""

    section: str = ""

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return SendingKnowledge.from_catalog(catalog, cls.section)

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        return (
            Destinations.from_catalog(catalog, cls.section).trigger_words(),
            ("@personal", "@people"),
        )

    def __init__(self, ctx: FileContext, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.knowledge: SendingKnowledge = compiled
        self._helpers = HelperDestinations(self.knowledge.destinations.roots)
        self._strings = ModuleStrings()

    def values_for(self, call: cst.Call, destination: Destination) -> Values:
        """The personal data a matched SDK call sends (subclasses may narrow it)."""
        return sent_values(self.ctx, call, destination.skip_keywords)

    def _match(self, call: cst.Call) -> Optional[tuple[Destination, frozenset[str]]]:
        """The destination of a call (an SDK call or a request to the API host of a
        destination) and the keywords that carry no sent data."""
        knowledge = self.knowledge
        destination = knowledge.destinations.match(self.ctx, call)
        if destination is not None:
            return destination, frozenset()
        request = knowledge.http.classify_call(self.ctx, call, self._strings)
        if request is None or request.kind != REQUEST:
            return None
        destination = knowledge.destinations.for_url(self._strings.text(request.url))
        if destination is None:
            return None
        return destination, knowledge.http.transport_keywords

    def visit_Assign(self, node: cst.Assign) -> None:
        self._strings.note(node)
        for target in node.targets:
            destination = self.knowledge.destinations.match_attribute(self.ctx, target.target)
            if destination is not None:
                carried = self.ctx.categories(node.value)
                if carried.cats:
                    report_sent(
                        self, [(node.value, carried)], destination.name, destination.expected
                    )

    def _sink_values(self, call: cst.Call) -> list[cst.BaseExpression]:
        matched = self._match(call)
        if matched is None:
            return []
        destination, skip = matched
        self._helpers.noting(destination.name)
        return argument_expressions(call, skip or destination.skip_keywords)

    def visit_Call(self, node: cst.Call) -> None:
        matched = self._match(node)
        if matched is not None:
            self._helpers.sink_seen()
            destination, skip = matched
            values = (
                sent_values(self.ctx, node, skip) if skip else self.values_for(node, destination)
            )
            report_sent(self, values, destination.name, destination.expected)
            return
        values, name = self._helpers.values(self.ctx, node, self._sink_values, self.id)
        if values and name:
            expected: frozenset[str] = next(
                (d.expected for d in self.knowledge.destinations.all if d.name == name),
                frozenset(),
            )
            report_sent(self, values, name, expected, via=helper_via(self.ctx, node))
            return
        self.unmatched_call(node)

    def unmatched_call(self, node: cst.Call) -> None:
        """A call that reaches no known destination (subclasses may look further)."""
