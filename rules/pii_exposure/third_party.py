"""Personal data handed to analytics, marketing, error-tracking and monitoring SDKs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import libcst as cst
from privalint.rules.pii_exposure.common import (
    chain_qualname,
    contains_phrase,
    is_own_code,
    keyword_arg,
    last_name,
    phrases,
    receiver_words,
    report_sent,
    sent_values,
    string_value,
)
from privalint.rules.pii_exposure.sending import SendingKnowledge, SendingRule, Values

from privalint.catalog import Catalog
from privalint.engine import FileContext
from privalint.model import Family, Severity
from privalint.personal import split_words
from privalint.rule import Rule

# What an event name looks like: "Signed Up", "order_completed", "checkout:start".
_EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 _.:\-]{1,60}")


@dataclass(frozen=True)
class TrackingWrappers:
    """The project's own tracking or error-reporting functions, imported from another
    module whose body cannot be seen: recognised by name and by the shape of the call
    (an event name and a properties mapping), or by a name and the module they come
    from (`from app.monitoring import report_error`)."""

    names: frozenset[str]
    identify_names: frozenset[str]
    receiver_words: tuple[tuple[str, ...], ...]
    event_keywords: frozenset[str]
    property_keywords: frozenset[str]
    module_words: frozenset[str]
    # Last words of a function's name that, imported from a module named for tracking,
    # make it a tracking function (`from common.events import emit_event`).
    module_name_words: frozenset[str]

    @classmethod
    def from_catalog(cls, catalog: Catalog, section: str) -> TrackingWrappers:
        section += "."
        return cls(
            names=frozenset(catalog.strings(section + "names")),
            identify_names=frozenset(catalog.strings(section + "identify-names")),
            receiver_words=phrases(catalog.strings(section + "receiver-words")),
            event_keywords=frozenset(catalog.strings(section + "event-keywords")),
            property_keywords=frozenset(catalog.strings(section + "property-keywords")),
            module_words=frozenset(
                w for text in catalog.strings(section + "module-words") for w in split_words(text)
            ),
            module_name_words=frozenset(catalog.strings(section + "module-name-words")),
        )

    def trigger_words(self) -> tuple[str, ...]:
        return tuple(sorted({*self.names, *self.identify_names, *self.module_name_words}))

    def is_wrapper(self, ctx: FileContext, call: cst.Call) -> Optional[str]:
        """The name to show for a call of a tracking wrapper, if ``call`` is one."""
        func = call.func
        qualified = ctx.qualname(func)
        names = {last_name(func), (qualified or "").rpartition(".")[2]}
        if names.isdisjoint(self.names) and names.isdisjoint(self.identify_names):
            if self._named_in_tracking_module(ctx, qualified):
                return qualified
            return None
        if qualified is not None and "." in qualified and not ctx.is_local(qualified):
            return qualified  # imported from another module of the project
        if (
            type(func) is cst.Attribute
            and is_own_code(ctx, qualified)
            and contains_phrase(receiver_words(func), self.receiver_words)
        ):
            # `self.tracker.track(...)`, an object of the project's own type.
            return ctx.code(func, 40)
        return None

    def _named_in_tracking_module(self, ctx: FileContext, qualified: Optional[str]) -> bool:
        """`emit_event` imported from `common.events`: its name and its module say it."""
        if qualified is None or "." not in qualified or ctx.is_local(qualified):
            return False
        name = qualified.rpartition(".")[2]
        if not name[:1].islower():
            return False  # a class (`amplitude.BaseEvent`), not a function that sends
        words = split_words(name)
        return bool(words) and words[-1] in self.module_name_words and self.module_says(qualified)

    def module_says(self, qualified: str) -> bool:
        """Whether the module a wrapper is imported from is named for its purpose
        (`app.tracking`, `core.monitoring.sentry`)."""
        module = qualified.rpartition(".")[0]
        return any(
            word in self.module_words for part in module.split(".") for word in split_words(part)
        )

    def event_name(self, call: cst.Call) -> Optional[cst.Arg]:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value not in self.event_keywords:
                continue
            text = string_value(arg.value)
            if text is not None and _EVENT_NAME.fullmatch(text):
                return arg
        return None

    def properties(self, ctx: FileContext, call: cst.Call) -> Optional[cst.Arg]:
        """The argument holding the event's properties: a mapping."""
        for arg in call.args:
            if arg.star:
                continue
            if arg.keyword is not None and arg.keyword.value not in self.property_keywords:
                continue
            value = arg.value
            if type(value) is cst.Dict:
                return arg
            if type(value) is cst.Call and ctx.qualname(value.func) == "dict":
                return arg
            if type(value) is cst.Name and ctx.categories(value).fields is not None:
                return arg
        return None

    def has_keyword_properties(self, call: cst.Call) -> bool:
        """Properties passed as keywords (`track(uid, "Paid", plan=..., email=...)`)."""
        return any(
            arg.keyword is not None and arg.keyword.value not in self.event_keywords
            for arg in call.args
        )


@dataclass(frozen=True)
class AnalyticsKnowledge(SendingKnowledge):
    wrappers: TrackingWrappers


class _WrappedSendingRule(SendingRule):
    """A sending rule that also knows the project's own wrappers of its SDKs
    (``wrappers``: the catalog table of their names and module words)."""

    wrappers: ClassVar[str] = ""

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        base = SendingKnowledge.from_catalog(catalog, cls.section)
        return AnalyticsKnowledge(
            base.destinations,
            base.http,
            base.content_parameters,
            TrackingWrappers.from_catalog(catalog, cls.wrappers),
        )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        sdk_words, personal = super().trigger_words(catalog)
        wrappers = TrackingWrappers.from_catalog(catalog, cls.wrappers).trigger_words()
        return (tuple(sorted({*sdk_words, *wrappers})), personal)


class PersonalDataToAnalytics(_WrappedSendingRule):
    """
    ## What it does
    Flags personal data passed to product-analytics, marketing and CRM SDKs: Segment
    (`analytics.track/identify`), Mixpanel (`track`, `people_set`...), Amplitude,
    PostHog (`capture`, `identify`), RudderStack, Heap, Snowplow, Google Analytics
    (including measurement-protocol requests), marketing-automation platforms
    (HubSpot, Customer.io, Klaviyo, Braze, Intercom, Amazon Pinpoint endpoints: any
    personal data),
    feature-flag and experiment services that keep the attributes they are sent
    (LaunchDarkly, Statsig, Optimizely, Flagsmith, Split), and
    mailing-list providers and CRMs (Mailchimp, Brevo, Salesforce) when the data goes
    beyond the contact details they exist to receive. The SDK is recognised
    however its client was imported, aliased or created, and the data is followed
    through variables, dicts, builder objects (`Identify().set(...)`) and helper
    functions of the same module; a parameter that only says it holds some content
    is what its function's name says (`text` in `track_chat_message(text)`). The project's own tracking functions imported from
    another module (`track_event(uid, "Signed Up", {...})`) are recognised by their
    name and the shape of the call: an event name and a properties mapping, or
    keyword properties when the module is named for tracking (`tracking.track(uid,
    "Paid", email=...)`); a function named for an event and imported from such a
    module (`from common.events import emit_event`) is one too.

    ## Why is this bad?
    Analytics and marketing vendors keep what they receive, join it with data from
    other sources and make it available to many people. Personal data sent to them
    needs a legal basis, disclosure in the privacy notice and a processing agreement,
    and it is hard to delete again. Event properties rarely need to identify a
    person.

    ## How to fix
    Identify people by a pseudonymous id (`str(user.pk)` or a salted hash) and send
    coarse, non-identifying properties (plan, country, counts). Send contact details
    only to the tools whose purpose requires them.
    """

    id = "PV204"
    name = "personal-data-to-analytics"
    family = Family.PII_EXPOSURE
    severity = Severity.WARNING
    cwe = 359
    title = "Personal data sent to an analytics or marketing service"
    message = "{data} {verb} sent to {destination}{via}"
    provides_facts = True
    section = "exposure.analytics"
    wrappers = "exposure.analytics-wrappers"
    INVALID = (
        'import analytics\n\ndef signup(user):\n    analytics.identify(str(user.pk), {"email": user.email, "plan": "free"})',
        'import mixpanel\nmp = mixpanel.Mixpanel("token")\n\ndef profile(customer):\n    mp.people_set(customer.pk, {"$phone": customer.phone})',
        'from posthog import Posthog\nph = Posthog("key")\n\ndef seen(user, lat, lon):\n    ph.capture(user.pk, "seen", properties={"lat": lat, "lon": lon})',
        'from app.tracking import track as track_event\n\ndef signup(acct, profile):\n    track_event(str(acct.id), "Signed Up", {"postcode": profile.postcode})',
    )
    VALID = (
        'import analytics\n\ndef signup(user):\n    analytics.track(str(user.pk), "Signed Up", {"plan": "free"})',
        'import posthog\n\ndef scored(row, score):\n    posthog.capture(row["anon_id"], "churn_scored", {"bucket": int(score * 10)})',
        'import mailchimp_marketing\nclient = mailchimp_marketing.Client()\n\ndef join(list_id, email):\n    client.lists.add_list_member(list_id, {"email_address": email, "status": "pending"})',
        'from rich.progress import track\n\ndef export(customers):\n    for customer in track(customers, description="Exporting customers"):\n        print(customer.pk)',
    )

    def unmatched_call(self, node: cst.Call) -> None:
        """A tracking function of the project's own (`track_event(uid, "Signed Up",
        {...})`, imported from another module): its body is out of sight, but its name
        and the shape of the call say what it does."""
        knowledge: AnalyticsKnowledge = self.compiled
        wrappers = knowledge.wrappers
        shown = wrappers.is_wrapper(self.ctx, node)
        if shown is None:
            return
        event = wrappers.event_name(node)
        name = last_name(node.func)
        if event is None and name not in wrappers.identify_names:
            return
        if wrappers.properties(self.ctx, node) is None and not (
            # A function of a tracking module may take its properties as keywords.
            wrappers.module_says(shown) and wrappers.has_keyword_properties(node)
        ):
            return
        values: Values = [
            (value, carried)
            for value, carried in sent_values(self.ctx, node, frozenset())
            if event is None or value is not event.value
        ]
        report_sent(
            self,
            values,
            "an analytics service",
            via=f" through `{self.ctx.code(node.func, 30)}()`",
            fact_detail=f"analytics (through {shown})",
        )


class PersonalDataToErrorTracker(_WrappedSendingRule):
    """
    ## What it does
    Flags personal data attached to error reports and traces sent to monitoring
    services: Sentry (`set_user`, `set_context`, `set_extra`, `set_tag`,
    `capture_message`, breadcrumbs, on any scope), Rollbar, Bugsnag, Honeybadger,
    Airbrake, Datadog, New Relic, Elastic APM and OpenTelemetry span attributes
    (also on a span of unknown type: `span.set_tag(...)` on a parameter),
    and alerts posted to chat incoming webhooks (Slack, Microsoft Teams, Discord),
    also when filled into an event the SDK built (`notice = notifier.build_notice(exc)`,
    then `notice["context"]["user"] = {...}`). The project's own error-reporting functions imported from a module named for
    monitoring or error tracking (`from app.monitoring import report_error`,
    `set_user_context(uid, email=...)`) are recognised by their name and module.

    ## Why is this bad?
    Error trackers and APM tools are run by third parties, keep events for months
    and are read by every engineer on call. Personal data attached to an event is
    copied there on every error, without the access controls and deletion the
    application applies to it.

    ## How to fix
    Attach a pseudonymous identifier (`{"id": user.pk}`) instead of contact details,
    and scrub events in `before_send` if the SDK collects data on its own.
    """

    id = "PV205"
    name = "personal-data-to-error-tracker"
    family = Family.PII_EXPOSURE
    severity = Severity.WARNING
    cwe = 359
    title = "Personal data sent to an error-tracking or monitoring service"
    message = "{data} {verb} sent to {destination}{via}"
    provides_facts = True
    section = "exposure.error-tracking"
    names_content_by_function = False
    INVALID = (
        'import sentry_sdk\n\ndef status(customer):\n    sentry_sdk.set_user({"id": customer.pk, "email": customer.email})',
        'import rollbar\n\ndef failed(patient, exc):\n    rollbar.report_message("triage failed", "error", extra_data={"diagnosis": patient.diagnosis})',
        'from sentry_sdk import configure_scope\n\ndef tag(user):\n    with configure_scope() as scope:\n        scope.set_extra("phone", user.phone)',
    )
    VALID = (
        'import sentry_sdk\n\ndef status(customer):\n    sentry_sdk.set_user({"id": customer.pk})',
        'import sentry_sdk\n\ndef tag(order):\n    sentry_sdk.set_tag("order_status", order.status)',
    )

    wrappers = "exposure.error-tracking-wrappers"

    def unmatched_call(self, node: cst.Call) -> None:
        """An error-reporting function of the project's own (`report_error(exc,
        email=...)`, `set_user_context(uid, email=...)`), imported from a module named
        for error tracking or monitoring: its body is out of sight, but its name and
        its module say where the arguments go."""
        knowledge: AnalyticsKnowledge = self.compiled
        wrappers = knowledge.wrappers
        shown = wrappers.is_wrapper(self.ctx, node)
        if shown is None or not wrappers.module_says(shown + ".()"):
            return
        report_sent(
            self,
            sent_values(self.ctx, node, frozenset()),
            "an error tracker",
            via=f" through `{self.ctx.code(node.func, 30)}()`",
            fact_detail=f"error tracking (through {shown})",
        )


class ErrorTrackerSendsDefaultPii(Rule):
    """
    ## What it does
    Flags error-tracking SDKs initialised with options that make them collect
    personal data on their own: `sentry_sdk.init(send_default_pii=True)` (user ids,
    e-mail addresses, IP addresses, cookies and request bodies), Rollbar's
    `capture_email`/`capture_username`, and the same options given as settings.

    ## Why is this bad?
    With these options every error event carries the current user's identity and
    request data to the vendor, for every user, whether or not the error has
    anything to do with them.

    ## How to fix
    Leave the option off (the default) and attach a pseudonymous user id explicitly
    where it helps debugging: `sentry_sdk.set_user({"id": user.pk})`.
    """

    id = "PV206"
    name = "error-tracker-sends-default-pii"
    family = Family.PII_EXPOSURE
    severity = Severity.WARNING
    cwe = 359
    title = "Error tracker set to send personal data by default"
    message = "`{option}` makes {destination} collect personal data from every event"
    triggers = (
        (
            "send_default_pii",
            "capture_email",
            "capture_username",
            "capture_body",
            "CAPTURE_BODY",
            "SEND_DEFAULT_PII",
            "send_pii",
            "SEND_PII",
        ),
    )
    INVALID = (
        'import sentry_sdk\n\nsentry_sdk.init(dsn="https://key@o0.ingest.sentry.io/1", send_default_pii=True)',
        "SENTRY_SEND_DEFAULT_PII = True",
    )
    VALID = (
        'import sentry_sdk\n\nsentry_sdk.init(dsn="https://key@o0.ingest.sentry.io/1", send_default_pii=False)',
        'import sentry_sdk\n\nsentry_sdk.init(dsn="https://key@o0.ingest.sentry.io/1", traces_sample_rate=0.1)',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        options: dict[str, dict[str, str]] = {}
        table: Any = catalog.get("exposure.pii-options", {})
        if isinstance(table, Mapping):
            for destination, entries in table.items():
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, str) and ":" in entry:
                        call, option = entry.rsplit(":", 1)
                        options.setdefault(call, {})[option] = str(destination)
        settings: dict[str, str] = {}
        table = catalog.get("exposure.pii-settings", {})
        if isinstance(table, Mapping):
            for destination, names in table.items():
                for name in names if isinstance(names, list) else []:
                    if isinstance(name, str):
                        settings[name] = str(destination)
        return options, settings

    def visit_Call(self, node: cst.Call) -> None:
        options, _ = self.compiled
        qualified = chain_qualname(self.ctx, node.func)
        wanted = options.get(qualified or "")
        if not wanted:
            return
        for option, destination in wanted.items():
            arg = keyword_arg(node, option)
            if arg is not None and _is_true(arg.value):
                self.report(arg, option=f"{option}=True", destination=destination)

    def visit_Assign(self, node: cst.Assign) -> None:
        _, settings = self.compiled
        if not _is_true(node.value):
            return
        for target in node.targets:
            name = target.target
            if type(name) is cst.Name and name.value in settings:
                self.report(node, option=f"{name.value} = True", destination=settings[name.value])

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # `sentry_send_pii: bool = True` in a settings class.
        _, settings = self.compiled
        name = node.target
        if (
            node.value is not None
            and _is_true(node.value)
            and type(name) is cst.Name
            and name.value in settings
        ):
            self.report(node, option=f"{name.value} = True", destination=settings[name.value])

    def visit_DictElement(self, node: cst.DictElement) -> None:
        _, settings = self.compiled
        key = node.key
        if type(key) is cst.SimpleString and _is_true(node.value):
            text = string_value(key)
            if text is not None and text in settings:
                self.report(node, option=f'"{text}": True', destination=settings[text])


def _is_true(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Name and expr.value == "True"
