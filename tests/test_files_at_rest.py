"""Files at rest that personal-data-written-to-file (PV303) knows by what makes them:
calls recorded by a media recorder or a telephony control channel, whose file need
not be named after a call, and catalog knowledge users extend."""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any

import pytest

from privalint.catalog import bundled
from privalint.engine import Checker, Settings
from privalint.model import FileResult
from privalint.registry import all_rules

# Recordings whose code names no personal data and no audio file: only the recorder
# or the control channel says what is written.
RECORDERS = {
    "pjsua2": """\
        import pjsua2 as pj

        def start(target):
            rec = pj.AudioMediaRecorder()
            rec.createRecorder(target)
            return rec
        """,
    "esl": """\
        import ESL

        def start(con, uuid, target):
            con.api("uuid_record", f"{uuid} start {target}")
        """,
    "ami": """\
        from panoramisk import Manager

        async def start(manager: Manager, channel, target):
            await manager.send_action({"Action": "MixMonitor", "Channel": channel, "File": target})
        """,
    "ari": """\
        import ari

        def on_start(channel, fmt):
            channel.record(name=channel.id, format=fmt)
        """,
}


def check(code: str, prefilter: bool = True, extension: Any = None) -> FileResult:
    catalog = bundled().extended(extension or {})
    settings = Settings(rule_ids=("PV303",), catalog=catalog, prefilter=prefilter)
    return Checker(settings, all_rules()).check("example.py", textwrap.dedent(code).encode())


@pytest.mark.parametrize("name", sorted(RECORDERS))
def test_a_recorded_call_is_reported_with_or_without_the_prefilter(name: str) -> None:
    with_prefilter = check(RECORDERS[name])
    without = check(RECORDERS[name], prefilter=False)
    assert [f.rule_id for f in with_prefilter.findings] == ["PV303"]
    assert "audio of a call" in with_prefilter.findings[0].message
    assert with_prefilter.findings[0].categories == ("communications",)
    assert [dataclasses.astuple(f) for f in with_prefilter.findings] == [
        dataclasses.astuple(f) for f in without.findings
    ]


@pytest.mark.parametrize(
    "code",
    [
        # Stopping a recording, or playing a prompt that mentions one.
        'import ESL\n\ndef stop(con, uuid):\n    con.api(f"uuid_record {uuid} stop all")\n',
        'import ESL\n\ndef play(con, uuid):\n    con.execute("playback", "/sounds/recording-notice.wav")\n',
        # A command string in a file that controls no calls.
        'def run(shell, uuid):\n    shell.send(f"uuid_record {uuid} start /tmp/x.wav")\n',
        # `record` of something else than a channel.
        "def save(ledger, entry):\n    ledger.record(entry)\n",
    ],
)
def test_what_does_not_record_a_call_is_not_reported(code: str) -> None:
    assert check(code).findings == []


def test_users_add_recorders_from_config() -> None:
    code = """\
        from acme_media import Recorder

        def start(path):
            Recorder().start(path)
        """
    assert check(code).findings == []
    extension = {"storage": {"files": {"recorders": {"acme_media.Recorder().start": 0}}}}
    result = check(code, extension=extension)
    assert [f.span.start_line for f in result.findings] == [4]


def test_users_add_configuration_directories_from_config() -> None:
    code = """\
        import os

        def write_listen(server_ips, outdir="/srv/proxy/conf.d"):
            with open(os.path.join(outdir, "listen"), "w") as fh:
                fh.write("\\n".join(f"listen={ip}" for ip in server_ips))
        """
    assert [f.span.start_line for f in check(code).findings] == [5]
    extension = {"storage": {"files": {"config-directories": ["/srv/proxy/conf.d"]}}}
    assert check(code, extension=extension).findings == []
