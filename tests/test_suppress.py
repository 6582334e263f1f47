"""Inline suppressions, including multi-line statements, blanket and unused ones."""

from __future__ import annotations

from tests.conftest import check_code


def _visible(code: str) -> list[tuple[int, str]]:
    result = check_code(code)
    return sorted((f.span.start_line, f.rule_id) for f in result.findings if not f.suppressed)


def test_suppression_on_the_flagged_line() -> None:
    code = """
        import requests
        requests.get("https://x", verify=False)  # privalint: ignore[PV501]
    """
    assert _visible(code) == []


def test_suppression_on_any_line_of_a_multiline_statement() -> None:
    code = """
        import requests
        requests.get(  # privalint: ignore[PV501]
            "https://x",
            verify=False,
        )
        requests.get(
            "https://x",
            verify=False,
        )  # privalint: ignore[PV501]
    """
    assert _visible(code) == []


def test_suppression_on_the_line_above() -> None:
    code = """
        import requests
        # privalint: ignore[PV501] -- partner uses a self-signed certificate
        requests.get("https://x", verify=False)
        requests.get("https://y", verify=False)
    """
    assert _visible(code) == [(5, "PV501")]


def test_trailing_comment_of_the_previous_statement_does_not_cover_the_next() -> None:
    code = """
        import requests
        x = 1  # privalint: ignore[PV501]
        requests.get("https://y", verify=False)
    """
    assert _visible(code) == [(3, "PV002"), (4, "PV501")]


def test_other_ids_do_not_suppress_and_are_reported_unused() -> None:
    code = """
        import requests
        requests.get("https://x", verify=False)  # privalint: ignore[PV101]
    """
    assert _visible(code) == [(3, "PV002"), (3, "PV501")]


def test_several_ids_and_case() -> None:
    code = """
        import logging, requests
        def f(user):
            logging.info("%s", requests.get(user.email, verify=False))  # privalint: ignore[pv501, PV101, pv202]
    """
    assert _visible(code) == []


def test_blanket_suppression_works_but_is_reported() -> None:
    code = """
        import requests
        requests.get("https://x", verify=False)  # privalint: ignore
    """
    assert _visible(code) == [(3, "PV001")]


def test_unused_blanket_suppression() -> None:
    code = """
        x = 1  # privalint: ignore
    """
    assert _visible(code) == [(2, "PV001"), (2, "PV002")]


def test_directive_inside_a_string_is_not_a_suppression() -> None:
    code = """
        import requests
        requests.get("# privalint: ignore[PV501]", verify=False)
    """
    assert _visible(code) == [(3, "PV501")]


def test_compound_statement_header_only() -> None:
    code = """
        import httpx
        with httpx.Client(verify=False) as c:  # privalint: ignore[PV501]
            c.get("https://x", verify=False)
    """
    assert _visible(code) == [(4, "PV501")]


def test_suppressed_findings_are_kept_marked() -> None:
    result = check_code(
        'import requests\nrequests.get("x", verify=False)  # privalint: ignore[PV501]\n'
    )
    assert [(f.rule_id, f.suppressed) for f in result.findings] == [("PV501", True)]
