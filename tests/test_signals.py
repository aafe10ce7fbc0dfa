"""Headless runs end cleanly on SIGTERM and SIGHUP, not only on Ctrl+C (issue 13).

``watch --jsonl`` under a service manager or a dropped SSH session gets SIGTERM or SIGHUP; Python's
default for both is to die on the spot, losing the record the tail still holds and, for ``demo``,
leaving its temporary folder behind. These run the real command in a subprocess and signal it.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.livekit import records
from tests.procs import read_until, stop, sumtrace_process

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _entries(lines: list[dict[str, Any]]) -> list[str]:
    return [x["message"] for x in lines if x["event"] == "entry"]


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_watch_jsonl_flushes_the_held_record_and_exits_0(tmp_path: Path, sig: signal.Signals) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("rec", 0, 3)
    log.write_bytes(data[:-2])  # the last record's line has no line end yet: the tail holds it
    with sumtrace_process(["watch", str(tmp_path), "--jsonl", "--entries"]) as proc:
        got = read_until(proc, lambda ls: len(_entries(ls)) >= 2, timeout=10)
        lines = got + stop(proc, sig)
    assert _entries(lines) == msgs  # the held third record came out at the stop, once


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_demo_jsonl_removes_its_folder_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    with sumtrace_process(["demo", "--jsonl", "--speed", "5"], env={"TMPDIR": str(tmp_path)}) as proc:
        read_until(proc, lambda ls: len(ls) >= 1, timeout=15)
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("sumtrace-demo-")], "no demo folder"
        stop(proc, sig)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("sumtrace-demo-")]
