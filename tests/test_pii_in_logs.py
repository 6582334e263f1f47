"""The pii-in-logs rules: log sinks the prefilter must let through, and how the words
of a message label the values put in it."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import checker

LOG_IDS = ("PV101", "PV102")


def _lines(code: str, prefilter: bool = True) -> list[tuple[int, str]]:
    result = checker(LOG_IDS, prefilter=prefilter).check("case.py", textwrap.dedent(code).encode())
    return sorted((f.span.start_line, f.rule_id) for f in result.findings)


def test_a_journal_record_is_checked_in_a_file_that_never_says_log() -> None:
    code = """
        from systemd import journal

        def reset(customer):
            journal.send("password reset", CUSTOMER_EMAIL=customer.email)
    """
    assert _lines(code) == _lines(code, prefilter=False) == [(5, "PV101")]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # "<label> for <owner> is <value>": the copula hands the label on.
        ('"caller name for %s is %s", sid, lookup.get("name")', [(6, "PV101")]),
        ('"caller name for %s was %s", sid, lookup["name"]', [(6, "PV101")]),
        # The value after an owner word owns what the label names.
        ('"caller name for %s", leg', []),
        ('"chat message in %s", room', []),
        # The word before the value qualifies its own name.
        ('"dialled %s", target', []),
        ('"dialled %s", number', [(6, "PV101")]),
        # A read by a definite name is what its name says.
        ('"chat messages from %s", link.vendor', []),
        ('"caller name for %s is %s", sid, lookup.get("carrier")', []),
    ],
)
def test_message_words_label_opaque_values(message: str, expected: list[tuple[int, str]]) -> None:
    code = f"""
        import logging
        log = logging.getLogger(__name__)

        def announce(sid, leg, room, target, number, link, lookup):
            log.info({message})
    """
    assert _lines(code) == expected


def test_a_helper_sink_reported_inside_is_not_reported_again_at_its_callers() -> None:
    code = """
        import logging
        log = logging.getLogger(__name__)

        def escalated(patient, complaint):
            log.warning("escalated %s: %s", patient.full_name, complaint)

        def booked(ref, complaint):
            log.info("booked %s: %s", ref, complaint)

        def book(patient, form):
            complaint = form["chief_complaint"]
            escalated(patient, complaint)
            booked(patient.pk, complaint)
    """
    assert _lines(code) == [(6, "PV101"), (14, "PV101")]
