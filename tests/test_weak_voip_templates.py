"""Configuration templates (Jinja) filled from a dict or the keywords of `render()`:
the filled text is judged, and a finding goes to the value that filled the line."""

from __future__ import annotations

from collections import Counter

from tests.conftest import check_code, ids_by_line


def voip_findings(code: str) -> Counter[tuple[int, str]]:
    found = ids_by_line(check_code(code))
    return Counter({k: n for k, n in found.items() if k[1].startswith("PV6")})


TEMPLATE = '''\
    from jinja2 import Template

    TRANSPORT = Template("""
    [transport-{{ name }}]
    type=transport
    protocol={{ protocol }}
    bind={{ host }}:5060
    {% if protocol == 'tls' %}verify_server={{ verify }}
    {% endif %}
    """)
'''


def test_keywords_of_render_fill_the_template() -> None:
    code = (
        TEMPLATE
        + """\
    A = TRANSPORT.render(name="udp", protocol="udp", host="0.0.0.0", verify="no")
    B = TRANSPORT.render(name="tls", protocol="tls", host="0.0.0.0", verify="yes")
    C = TRANSPORT.render(name="tls", protocol="tls", host="0.0.0.0", verify="no")
    D = TRANSPORT.render(name="lo", protocol="udp", host="127.0.0.1", verify="no")
    """
    )
    # A UDP transport's verification is never used (the `if` block is dropped).
    assert voip_findings(code) == Counter({(11, "PV601"): 1, (13, "PV603"): 1})


def test_each_value_of_a_conditional_is_tried_once() -> None:
    code = (
        TEMPLATE
        + """\
    def transport(legacy):
        return TRANSPORT.render(
            name="edge",
            protocol="udp" if legacy else "tls",
            host="0.0.0.0",
            verify="no" if legacy else "yes",
        )
    """
    )
    assert voip_findings(code) == Counter({(14, "PV601"): 1})


def test_a_context_that_is_not_the_template_stays_silent() -> None:
    code = (
        TEMPLATE
        + """\
    SYSLOG = {"protocol": "udp", "facility": "local0", "tag": "pbx"}
    OTHER = {"name": "udp", "protocol": "udp", "a": 1, "b": 2, "c": 3, "d": 4}
    """
    )
    assert voip_findings(code) == Counter()


def test_a_template_is_only_read_at_the_module_level() -> None:
    code = """\
    from jinja2 import Template

    def render(ctx):
        return Template("protocol={{ protocol }}\\ntype={{ kind }}").render(**ctx)

    CTX = {"protocol": "udp", "kind": "transport"}
    """
    assert voip_findings(code) == Counter()


def test_dialog_timeouts_in_text_but_not_in_docstrings() -> None:
    code = '''\
    def render():
        """Writes `modparam("dialog", "default_timeout", 0)` only when asked."""
        return [
            'modparam("dialog", "default_timeout", 0)',
            'modparam("dialog", "default_timeout", 7200)',
        ]
    '''
    assert voip_findings(code) == Counter({(4, "PV606"): 1})
