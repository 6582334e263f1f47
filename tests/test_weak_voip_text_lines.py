"""Findings in configuration text kept in a string are placed on the source line of
the weak setting, not on the string's first line."""

from __future__ import annotations

import libcst as cst
import pytest
from privalint.rules.weak_voip.lines import source_lines

from tests.conftest import check_code, ids_by_line


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A backslash right after the opening quotes: the text starts on the next line.
        ('"""\\\n[a]\ntype=x\nprotocol=udp\n"""', [1, 2, 3, 4]),
        # Escaped newlines keep every line of the text on one source line.
        ('"[a]\\ntype=x\\nprotocol=udp"', [0, 0, 0]),
        # A backslash at the end of a source line joins two of them into one text line.
        ('"""[a]\ntype=x\\\n ; note\nprotocol=udp"""', [0, 1, 3]),
        # Raw strings keep their backslashes.
        ('r"""a\\\nb"""', [0, 1]),
        # An f-string's fields hold no newline.
        ('f"""[{name}]\ntype={kind}\nprotocol=udp"""', [0, 1, 2]),
    ],
)
def test_source_lines(source: str, expected: list[int]) -> None:
    node = cst.parse_expression(source)
    assert source_lines(node) == expected
    if type(node) is cst.SimpleString:
        assert len(node.evaluated_value.split("\n")) == len(expected)


TEMPLATE = '''\
    ENDPOINT = """\\
    [{ext}]
    type=endpoint
    transport=transport-tls
    media_encryption=sdes
    media_encryption_optimistic=yes
    """
    '''


def test_finding_on_the_setting_line() -> None:
    found = ids_by_line(check_code(TEMPLATE, ("PV602",)))
    assert found == {(6, "PV602"): 1}


def test_suppression_above_the_statement_still_applies() -> None:
    code = "    # privalint: ignore[PV602] -- lab endpoints\n" + TEMPLATE
    result = check_code(code, ("PV602",))
    assert ids_by_line(result) == {}
    assert [f.rule_id for f in result.findings if f.suppressed] == ["PV602"]


def test_format_field_is_no_password() -> None:
    code = '''\
    AUTH = """\\
    [{name}-auth]
    type=auth
    auth_type=userpass
    username={username}
    password={password}
    """
    FIXED = """\\
    [trunk-auth]
    type=auth
    auth_type=userpass
    username=trunk
    password=Tr0nk-Secret-7
    """
    '''
    assert ids_by_line(check_code(code, ("PV608",))) == {(13, "PV608"): 1}
